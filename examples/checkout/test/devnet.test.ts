/**
 * The checkout app on two real chains (`startDevnet`: two Hardhat nodes, the bridge, validators
 * and a relayer). Nothing here relays by hand: the devnet's relayer checkpoints both chains and
 * delivers the customer's deposit, the settlement message and the merchant's revenue.
 */
import { expect } from "chai";
import hre from "hardhat";
import { Contract, ContractFactory, type Wallet } from "ethers";
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


/** Polls `read` until `done` holds, or fails after `timeoutMs` with what it last read. */
async function waitFor<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = LEG_TIMEOUT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${String(value)})`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
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
    const { main, child, accounts } = devnet!;
    const [merchantKey, merchantMainKey, customerKey] = accounts.users;
    const customerMain = customerKey.connect(main.provider);
    const customer = customerKey.connect(child.provider);
    const merchant = merchantKey.connect(child.provider);

    // Main chain: the customer deposits tUSD into the bridge.
    await (await (usd.connect(customerMain) as Contract).mint(customerMain.address, DEPOSIT)).wait();
    await (await (usd.connect(customerMain) as Contract).approve(main.addresses.RootBridge, DEPOSIT)).wait();
    const rootBridge = new Contract(main.addresses.RootBridge!, RootBridgeArtifact.abi, customerMain);
    await (await rootBridge.depositERC20(await usd.getAddress(), customer.address, DEPOSIT)).wait();

    // Child chain: the relayer mints it; the token's first deposit deploys its child token.
    const childBridge = new Contract(child.addresses.ChildBridge!, ChildBridgeArtifact.abi, child.provider);
    const childUsdAddress: string = await childBridge.predictChildToken(await usd.getAddress());
    const childUsd = new Contract(childUsdAddress, ChildERC20Artifact.abi, customer);
    await waitFor(
      "the deposit on the child chain",
      async () => ((await child.provider.getCode(childUsdAddress)) === "0x" ? 0n : ((await childUsd.balanceOf(customer.address)) as bigint)),
      (balance) => balance === DEPOSIT,
    );

    // Child chain: list, order, ship, settle, withdraw the revenue.
    const asMerchant = shop.connect(merchant) as Contract;
    await (await asMerchant.listProduct(childUsdAddress, PRICE)).wait();
    await (await childUsd.approve(await shop.getAddress(), PRICE * 2n)).wait();
    await (await (shop.connect(customer) as Contract).placeOrder(0n, 2n, PRICE * 2n)).wait();
    await (await asMerchant.markShipped(0n)).wait();
    await (await asMerchant.settle([0n])).wait();
    await (await asMerchant.withdrawRevenue(childUsdAddress, PRICE * 2n)).wait();
    expect(await childUsd.balanceOf(customer.address)).to.equal(DEPOSIT - PRICE * 2n);

    // Main chain: the relayer delivers the settlement and releases the revenue.
    const record = await waitFor(
      "the settlement on the main chain",
      async () => (await (notifier.connect(main.provider) as Contract).settlements(0n)) as { recordedAt: bigint; amount: bigint; customer: string },
      (settlement) => settlement.recordedAt !== 0n,
    );
    expect(record.customer).to.equal(customer.address);
    expect(record.amount).to.equal(PRICE * 2n);
    await waitFor(
      "the revenue on the merchant's main-chain address",
      async () => (await (usd.connect(main.provider) as Contract).balanceOf(merchantMainKey.address)) as bigint,
      (balance) => balance === PRICE * 2n,
    );
  });
});
