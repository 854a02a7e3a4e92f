/**
 * The test kit against two real chains: two Hardhat nodes as separate processes (chain ids 31337
 * and 31338), reached over JSON-RPC, each with its own clock and blocks.
 */
import { expect } from "chai";
import { JsonRpcProvider, Wallet, parseEther } from "ethers";
import { devAccount, startHardhatNode, type RunningNode } from "../../relayer/src/devnet/localChains";
import { TestBridgeRelayError, TestBridgeSetupError, createTestBridge, type TestBridge } from "../../relayer/src/testing";
import { ChildERC20__factory } from "../../typechain-types/factories/contracts/child/ChildERC20__factory";
import { MessageReceiver__factory } from "../../typechain-types/factories/contracts/test/MessageReceiver.sol/MessageReceiver__factory";

const NATIVE_TOKEN = "0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE";

describe("testing: createTestBridge on two chains", function () {
  this.timeout(120_000);
  let mainNode: RunningNode;
  let childNode: RunningNode;
  let bridge: TestBridge;
  let user: { main: Wallet; child: Wallet };

  before(async function () {
    [mainNode, childNode] = await Promise.all([startHardhatNode({ chainId: 31337 }), startHardhatNode({ chainId: 31338 })]);
    // Account 0 deploys and relays; account 5 is the user, on both chains.
    bridge = await createTestBridge({ main: devAccount(0, mainNode.provider), child: devAccount(0, childNode.provider) }, { challengePeriod: 600 });
    user = { main: devAccount(5, mainNode.provider), child: devAccount(5, childNode.provider) };
  });

  after(async function () {
    await Promise.all([mainNode?.stop(), childNode?.stop()]);
  });

  it("deploys each side on its own chain, each checkpoint manager tracking the other chain", async function () {
    expect([bridge.sameChain, bridge.main.chainId, bridge.child.chainId]).to.deep.equal([false, 31337n, 31338n]);
    expect(await bridge.child.checkpointManager.sourceChainId()).to.equal(31337n);
    expect(await bridge.main.checkpointManager.sourceChainId()).to.equal(31338n);
    expect(await bridge.main.messenger.remoteMessenger()).to.equal(await bridge.child.messenger.getAddress());
    expect(await bridge.child.childBridge.counterpart()).to.equal(await bridge.main.rootBridge.getAddress());
  });

  it("relays an ETH deposit from the main chain to the child chain and a withdrawal back", async function () {
    const childStart = await childNode.provider.getBlock("latest");
    await (await bridge.main.rootBridge.connect(user.main).depositETH(user.child.address, { value: parseEther("3") })).wait();
    const [pending] = await bridge.pending();
    expect(pending.direction).to.equal("main->child");

    const [deposit] = await bridge.relayAll();
    expect(deposit).to.include({ messageId: pending.messageId, direction: "main->child", success: true });
    const eth = ChildERC20__factory.connect(await bridge.child.childBridge.childTokenOf(NATIVE_TOKEN), user.child);
    expect(await eth.balanceOf(user.child.address)).to.equal(parseEther("3"));
    // Only the child chain's clock moved past the challenge period.
    const childNow = await childNode.provider.getBlock("latest");
    expect(childNow!.timestamp - childStart!.timestamp).to.be.greaterThanOrEqual(600);

    const before = await mainNode.provider.getBalance(user.main.address);
    await (await bridge.child.childBridge.connect(user.child).withdraw(await eth.getAddress(), user.main.address, parseEther("1"))).wait();
    const [withdrawal] = await bridge.relayAll();
    expect(withdrawal).to.include({ direction: "child->main", success: true });
    expect((await mainNode.provider.getBalance(user.main.address)) - before).to.equal(parseEther("1"));
    expect(await bridge.pending()).to.deep.equal([]);
  });

  it("orders both chains' pending messages main first, and surfaces a target's revert on the other chain", async function () {
    const receiver = await new MessageReceiver__factory(user.main).deploy(await bridge.main.messenger.getAddress());
    await receiver.waitForDeployment();
    await (await receiver.setShouldRevert(true)).wait();
    const call = receiver.interface.encodeFunctionData("receiveMessage", ["0x01"]);
    await (await bridge.child.messenger.connect(user.child).sendMessage(await receiver.getAddress(), call, 200_000n)).wait();
    await (await bridge.main.rootBridge.connect(user.main).depositETH(user.child.address, { value: 1n })).wait();
    expect((await bridge.pending()).map((p) => p.direction)).to.deep.equal(["main->child", "child->main"]);

    const error = await bridge.relayAll().catch((e: unknown) => e);
    expect(error).to.be.instanceOf(TestBridgeRelayError);
    const { delivered, failed } = error as TestBridgeRelayError;
    expect(delivered.map((d) => [d.direction, d.success])).to.deep.equal([
      ["main->child", true],
      ["child->main", false],
    ]);
    // Without hre the kit cannot read the project's artifacts: the receiver's errors are known once registered.
    expect(failed.revertReason).to.match(/^reverted with unknown custom error 0x/);
    bridge.registerAbi(receiver);
    expect(await bridge.decodeRevert(failed.revertData!)).to.equal("reverted with custom error MessageReceiverRefused()");
  });

  it("refuses a provider that would answer the kit's reads from ethers' cache", async function () {
    const cached = new JsonRpcProvider(mainNode.url, undefined, { staticNetwork: true });
    try {
      const error = await createTestBridge({ main: devAccount(1, cached), child: devAccount(1, childNode.provider) }).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(TestBridgeSetupError);
      expect((error as Error).message).to.include("cacheTimeout: -1");
    } finally {
      cached.destroy();
    }
  });
});
