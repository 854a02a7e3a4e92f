/**
 * The checkout app on two real chains (`startDevnet`: two Hardhat nodes, the bridge, validators
 * and a relayer). Nothing here relays by hand: the devnet's relayer checkpoints both chains and
 * delivers the customer's deposit, the settlement message and the merchant's revenue. The test
 * follows each message with the SDK's BridgeClient, which tracks an app's messages as it does the
 * bridge's own.
 */
import { expect } from "chai";
import hre from "hardhat";
import { Contract, ContractFactory, type Wallet } from "ethers";
import { BridgeClient } from "sidechain-kit";
import { startDevnet, type RunningDevnet } from "sidechain-kit/devnet";
// The bridge's ABIs ship with the kit.
import RootBridgeArtifact from "sidechain-kit/artifacts/contracts/root/RootBridge.sol/RootBridge.json";
import ChildBridgeArtifact from "sidechain-kit/artifacts/contracts/child/ChildBridge.sol/ChildBridge.json";
import ChildERC20Artifact from "sidechain-kit/artifacts/contracts/child/ChildERC20.sol/ChildERC20.json";

const PRICE = 25_000_000n; // 25 tUSD (six decimals)
const DEPOSIT = 100_000_000n;
/** Generous: a leg takes a checkpoint (about 2 s after the message) plus the 3 s challenge period. */
const LEG_TIMEOUT_MS = 60_000;

async function deploy(name: string, signer: Wallet, args: unknown[]): Promise<Contract> {
  const artifact = await hre.artifacts.readArtifact(name);
  const contract = await new ContractFactory(artifact.abi, artifact.bytecode, signer).deploy(...args);
  await contract.waitForDeployment();
  return contract as Contract;
}

describe("checkout on two chains (startDevnet)", function () {
  this.timeout(240_000);

  let devnet: RunningDevnet | undefined;
  let usd: Contract;
  let shop: Contract;
  let notifier: Contract;

  before(async function () {
    devnet = await startDevnet({
      challengePeriod: 3,
      blockTimeMs: 250,
      // Runs before the relayer starts, while both chains still automine.
      deploy: async ({ main, child, accounts }) => {
        const [merchant, merchantMain] = accounts.users;
        usd = await deploy("TestStablecoin", accounts.deployer.connect(main.provider), []);
        shop = await deploy("Shop", merchant.connect(child.provider), [
          child.addresses.Messenger,
          child.addresses.ChildBridge,
          merchant.address,
          merchantMain.address,
        ]);
        notifier = await deploy("OrderNotifier", accounts.deployer.connect(main.provider), [
          main.addresses.Messenger,
          await shop.getAddress(),
        ]);
        await (await shop.setNotifier(await notifier.getAddress())).wait();
      },
    });
  });

  after(async function () {
    await devnet?.stop();
  });

  it("the relayer delivers a deposit, a settled order's message and the merchant's revenue", async function () {
    const { main, child, accounts, relayerConfigFile } = devnet!;
    const [merchantKey, merchantMainKey, customerKey] = accounts.users;
    const customerMain = customerKey.connect(main.provider);
    const customer = customerKey.connect(child.provider);
    const merchant = merchantKey.connect(child.provider);
    // Read-only: the RPC URLs, deployment files and relayer API of the devnet's relayer.json.
    const client = BridgeClient.fromRelayerConfig(relayerConfigFile);
    const relayed = (txHash: string) => client.waitForStatus(txHash, "relayed", { timeoutMs: LEG_TIMEOUT_MS, pollMs: 250 });
    try {
      // Main chain: the customer deposits tUSD into the bridge.
      await (await (usd.connect(customerMain) as Contract).mint(customerMain.address, DEPOSIT)).wait();
      await (await (usd.connect(customerMain) as Contract).approve(main.addresses.RootBridge, DEPOSIT)).wait();
      const rootBridge = new Contract(main.addresses.RootBridge!, RootBridgeArtifact.abi, customerMain);
      const deposit = await rootBridge.depositERC20(await usd.getAddress(), customer.address, DEPOSIT);
      await deposit.wait();

      // Child chain: the relayer mints it; the token's first deposit deploys its child token.
      expect((await relayed(deposit.hash)).direction).to.equal("main->child");
      const childBridge = new Contract(child.addresses.ChildBridge!, ChildBridgeArtifact.abi, child.provider);
      const childUsdAddress: string = await childBridge.childTokenOf(await usd.getAddress());
      const childUsd = new Contract(childUsdAddress, ChildERC20Artifact.abi, customer);
      expect(await childUsd.balanceOf(customer.address)).to.equal(DEPOSIT);

      // Child chain: list, order, ship, settle, withdraw the revenue.
      const asMerchant = shop.connect(merchant) as Contract;
      await (await asMerchant.listProduct(childUsdAddress, PRICE)).wait();
      await (await childUsd.approve(await shop.getAddress(), PRICE * 2n)).wait();
      await (await (shop.connect(customer) as Contract).placeOrder(0n, 2n, PRICE * 2n)).wait();
      await (await asMerchant.markShipped(0n)).wait();
      const settlement = await asMerchant.settle([0n]);
      await settlement.wait();
      const payout = await asMerchant.withdrawRevenue(childUsdAddress, PRICE * 2n);
      await payout.wait();
      expect(await childUsd.balanceOf(customer.address)).to.equal(DEPOSIT - PRICE * 2n);

      // Main chain: the relayer delivers the settlement and releases the revenue.
      const [settled, paidOut] = await Promise.all([relayed(settlement.hash), relayed(payout.hash)]);
      expect([settled.direction, paidOut.direction]).to.deep.equal(["child->main", "child->main"]);
      const record = await (notifier.connect(main.provider) as Contract).settlements(0n);
      expect(record.customer).to.equal(customer.address);
      expect(record.amount).to.equal(PRICE * 2n);
      expect(await (usd.connect(main.provider) as Contract).balanceOf(merchantMainKey.address)).to.equal(PRICE * 2n);
    } finally {
      client.close();
    }
  });
});
