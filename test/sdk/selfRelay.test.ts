/**
 * Self-relaying with the SDK where no relayer runs, so that nothing races it: two anvil nodes with
 * the bridge deployed, checkpoints submitted by hand (test/e2e/handRelay.ts), the challenge period
 * passed with evm_increaseTime. Every status is then reached deterministically, `relay()` sends
 * `relayMessage` itself, and a message whose target runs out of its gas limit is `failed` and
 * retried with `retryMessage` and more gas (the limit is a floor). A withdrawal whose release fails
 * is credited: `getClaimable` shows it and `claimWithdrawal` pays it to any address.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { Contract, ContractFactory, JsonRpcProvider, Wallet, parseEther, type Signer } from "ethers";

import {
  BridgeClient,
  InsufficientCreditError,
  InvalidArgumentError,
  LockboxShortError,
  MessageFailedError,
  NATIVE_TOKEN,
  NotYetFinalError,
  StatusTimeoutError,
  type BridgeTransfer,
} from "../../relayer/src";
import { passChallengePeriod, submitCheckpoint, type ChainEnd } from "../e2e/handRelay";
import { REPO_ROOT, deployDevnet, devAccount, startAnvil, stopAllNodes, type Devnet } from "../e2e/harness";

/** Deploys a test contract (contracts/test/<file>.sol) from the Hardhat artifacts. */
async function deployTest(file: string, name: string, signer: Signer, args: unknown[] = []): Promise<Contract> {
  const artifact = JSON.parse(readFileSync(path.join(REPO_ROOT, "artifacts", "contracts", "test", `${file}.sol`, `${name}.json`), "utf8")) as { abi: []; bytecode: string };
  const contract = await new ContractFactory(artifact.abi, artifact.bytecode, signer).deploy(...args);
  await contract.waitForDeployment();
  return contract as Contract;
}

describe("BridgeClient self-relay without a relayer", function () {
  this.timeout(120_000);
  let devnet: Devnet;
  let main: JsonRpcProvider;
  let child: JsonRpcProvider;
  let ends: { main: ChainEnd; child: ChainEnd };
  let client: BridgeClient;
  let proposer: { main: Wallet; child: Wallet };

  before(async function () {
    const [mainNode, childNode] = await Promise.all([startAnvil({ chainId: 31337 }), startAnvil({ chainId: 31338 })]);
    devnet = await deployDevnet(mainNode, childNode);
    main = new JsonRpcProvider(mainNode.url, 31337, { staticNetwork: true, pollingInterval: 50, cacheTimeout: -1 });
    child = new JsonRpcProvider(childNode.url, 31338, { staticNetwork: true, pollingInterval: 50, cacheTimeout: -1 });
    ends = { main: { provider: main, chainId: 31337, deployment: devnet.deployment.main }, child: { provider: child, chainId: 31338, deployment: devnet.deployment.child } };
    client = new BridgeClient({ main: devAccount(3, main), child: devAccount(3, child), deployments: { main: devnet.deployment.main, child: devnet.deployment.child } });
    proposer = { main: devAccount(1, main), child: devAccount(1, child) };
  });
  after(async function () {
    main?.destroy();
    child?.destroy();
    await stopAllNodes();
  });

  /** Checkpoints the source chain through the transfer's block on the destination, by hand. */
  async function checkpoint(transfer: BridgeTransfer): Promise<void> {
    const [source, destination] = transfer.direction === "main->child" ? (["main", "child"] as const) : (["child", "main"] as const);
    await submitCheckpoint({ source: ends[source], destination: ends[destination], validators: devnet.validators, proposer: proposer[destination], endBlock: BigInt(transfer.blockNumber) });
  }

  it("walks a deposit through sent, challenge-window and ready, and relays it with the user's own transaction", async function () {
    const deposit = await client.depositETH(parseEther("2"));
    expect((await client.getMessageStatus(deposit.txHash)).status).to.equal("sent");
    await checkpoint(deposit);

    const inWindow = await client.getMessageStatus(deposit.txHash);
    expect(inWindow.status).to.equal("challenge-window");
    if (inWindow.status !== "challenge-window") return;
    expect(inWindow.secondsLeft).to.be.within(1, 2);
    const early = await client.relay(deposit.txHash).catch((e: unknown) => e);
    expect(early).to.be.instanceOf(NotYetFinalError);
    expect((early as NotYetFinalError).secondsLeft).to.equal(inWindow.secondsLeft);
    const timeout = await client.waitForStatus(deposit.txHash, "ready", { pollMs: 50, timeoutMs: 200 }).catch((e: unknown) => e);
    expect(timeout).to.be.instanceOf(StatusTimeoutError);

    await passChallengePeriod(ends.child);
    const ready = await client.waitForStatus(deposit.txHash, "ready", { pollMs: 50, timeoutMs: 5_000 });
    expect(ready.status).to.equal("ready");
    const proof = await client.buildRelayProof(deposit.txHash);
    expect(proof.source).to.equal("chain");

    const result = await client.relay(deposit.txHash);
    expect(result.outcome).to.equal("relayed");
    expect(result.txHash).to.match(/^0x[0-9a-f]{64}$/);
    expect((await client.getMessageStatus(deposit.txHash)).status).to.equal("relayed");
    expect(await client.relay(deposit.txHash)).to.deep.equal({ messageId: deposit.messageId, outcome: "already-relayed", txHash: null });
    const eth = (await client.balances()).tokens.find((t) => t.rootToken === NATIVE_TOKEN);
    expect(eth?.child).to.equal(parseEther("2"));
  });

  /** Checkpoints and waits out the challenge period for a transfer, then relays it. */
  async function carry(transfer: BridgeTransfer): Promise<void> {
    await checkpoint(transfer);
    await passChallengePeriod(transfer.direction === "main->child" ? ends.child : ends.main);
    expect((await client.relay(transfer.txHash)).outcome).to.equal("relayed");
  }

  it("relays a withdrawal whose receiver refuses ETH, credits it, and reports the credit", async function () {
    // The ValidatorSet has no receive(): the release to it reverts, and the bridge credits it instead.
    const refuses = devnet.deployment.main.contracts.ValidatorSet!.address;
    const withdrawal = await client.withdraw(NATIVE_TOKEN, parseEther("0.5"), { to: refuses });
    await carry(withdrawal);
    expect((await client.getMessageStatus(withdrawal.txHash)).status).to.equal("relayed");
    expect(await client.getClaimable(NATIVE_TOKEN, refuses)).to.equal(parseEther("0.5"));
  });

  it("reports a message whose call needs more than its gas limit as failed, and retries it with more gas", async function () {
    const user = devAccount(3, child);
    const receiver = await deployTest("MessageReceiver", "MessageReceiver", devAccount(3, main), [devnet.deployment.main.contracts.Messenger!.address]);
    const messenger = new Contract(devnet.deployment.child.contracts.Messenger!.address, ["function sendMessage(address target, bytes data, uint256 gasLimit) returns (bytes32)"], user);
    // 40 fresh storage slots need ~900,000 gas; the sender asked for 100,000.
    const tx = await (await messenger.sendMessage(await receiver.getAddress(), receiver.interface.encodeFunctionData("burn", [40n]), 100_000n)).wait();
    const sent = { txHash: tx!.hash, blockNumber: tx!.blockNumber, direction: "child->main" as const, messageId: "", logIndex: 0 };
    await checkpoint(sent);
    await passChallengePeriod(ends.main);

    // The estimate is the least gas the relay succeeds with, and gives the call about its 100,000.
    const first = await client.relay(sent.txHash);
    expect(first.outcome).to.equal("failed");
    expect((await client.getMessageStatus(sent.txHash)).status).to.equal("failed");
    const waiting = await client.waitForStatus(sent.txHash, "relayed", { pollMs: 50, timeoutMs: 5_000 }).catch((e: unknown) => e);
    expect(waiting).to.be.instanceOf(MessageFailedError);
    expect((await client.waitForStatus(sent.txHash, "failed", { pollMs: 50 })).status).to.equal("failed");
    expect(await client.relay(sent.txHash, { gasLimit: 0 }).catch((e: unknown) => e)).to.be.instanceOf(InvalidArgumentError);

    // The limit is a floor: a retry with more gas forwards it to the call.
    const retried = await client.relay(sent.txHash, { gasLimit: 3_000_000n });
    expect(retried.outcome).to.equal("relayed");
    expect(retried.txHash).to.not.equal(first.txHash);
    expect(await receiver.calls()).to.equal(1n);
  });

  it("withdraws with a raised gas limit, and claims a credited withdrawal of a blocklisted receiver to another address", async function () {
    const owner = devAccount(3, main);
    const token = await deployTest("WithdrawalHazards", "BlocklistToken", owner);
    const root = await token.getAddress();
    await (await token.mint(owner.address, 10n ** 18n)).wait();
    await carry(await client.deposit(root, 10n ** 18n));

    const withdrawal = await client.withdraw(root, 10n ** 17n, { gasLimit: 300_000 });
    const fields = (await client.getMessageStatus(withdrawal.txHash)) as { messageId: string };
    expect(fields.messageId).to.equal(withdrawal.messageId);
    const log = (await child.getTransactionReceipt(withdrawal.txHash))!.logs.find((l) => l.address.toLowerCase() === devnet.deployment.child.contracts.Messenger!.address.toLowerCase())!;
    expect(BigInt(log.data.slice(0, 66))).to.equal(300_000n);
    expect(await client.withdraw(root, 1n, { gasLimit: 15_000_001 }).catch((e: unknown) => e)).to.be.instanceOf(InvalidArgumentError);

    await (await token.setBlocked(owner.address, true)).wait();
    await carry(withdrawal);
    expect(await client.getClaimable(root)).to.equal(10n ** 17n);
    const tooMuch = await client.claimWithdrawal(root, { amount: 10n ** 17n + 1n }).catch((e: unknown) => e);
    expect(tooMuch).to.be.instanceOf(InsufficientCreditError);
    const other = Wallet.createRandom().address;
    const claimed = await client.claimWithdrawal(root, { to: other });
    expect(claimed.amount).to.equal(10n ** 17n);
    expect(await token.balanceOf(other)).to.equal(10n ** 17n);
    expect(await client.getClaimable(root)).to.equal(0n);
  });

  it("refuses to claim more than the lockbox holds after a negative rebase, naming rebasing tokens", async function () {
    const owner = devAccount(3, main);
    const token = await deployTest("WithdrawalHazards", "RebasingToken", owner);
    const root = await token.getAddress();
    await (await token.mint(owner.address, 10n ** 18n)).wait();
    await carry(await client.deposit(root, 10n ** 18n));
    await (await token.rebase(parseEther("0.5"))).wait();
    await carry(await client.withdraw(root, 10n ** 18n));
    expect(await client.getClaimable(root)).to.equal(10n ** 18n);

    const short = await client.claimWithdrawal(root).catch((e: unknown) => e);
    expect(short).to.be.instanceOf(LockboxShortError);
    expect((short as LockboxShortError).held).to.equal(5n * 10n ** 17n);
    expect((short as Error).message).to.match(/rebasing token/);
    const claimed = await client.claimWithdrawal(root, { amount: (short as LockboxShortError).held });
    expect(claimed.amount).to.equal(5n * 10n ** 17n);
  });
});
