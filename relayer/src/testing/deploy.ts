/**
 * Deploys both sides of the bridge for a test, from the kit's own compiled contracts (TypeChain's
 * factories carry the bytecode, so the app's Hardhat project need not compile the kit), in the
 * order and with the constructor arguments of deploy/lib/deployBridge.ts:
 *
 *   each chain: ValidatorSet(admin, validators, powers, threshold)
 *               CheckpointManager(admin, guardian, other chain id, validator set, first block, period, bond, reward)
 *               Messenger(admin, guardian, checkpoint manager)
 *   main: RootBridge(admin, messenger), which creates the Lockbox;  child: ChildBridge(admin, messenger)
 *   main: RootAssetBridge(admin, messenger);  child: ChildAssetBridge(admin, messenger), which creates the ChildLockbox
 *   then: setRemoteMessenger and setCounterpart (both bridges) both ways, and the relayer's bond on both managers.
 *
 * deployBridge itself is not used: it records deployment files and refuses a single chain, and a
 * test wants neither.
 */
import type { Signer, Wallet } from "ethers";

import { CheckpointManager__factory } from "../../../typechain-types/factories/contracts/common/CheckpointManager__factory";
import { Messenger__factory } from "../../../typechain-types/factories/contracts/common/Messenger__factory";
import { ValidatorSet__factory } from "../../../typechain-types/factories/contracts/common/ValidatorSet__factory";
import { ChildAssetBridge__factory } from "../../../typechain-types/factories/contracts/child/ChildAssetBridge__factory";
import { ChildBridge__factory } from "../../../typechain-types/factories/contracts/child/ChildBridge__factory";
import { RootAssetBridge__factory } from "../../../typechain-types/factories/contracts/root/RootAssetBridge__factory";
import { Lockbox__factory } from "../../../typechain-types/factories/contracts/root/Lockbox__factory";
import { RootBridge__factory } from "../../../typechain-types/factories/contracts/root/RootBridge__factory";
import type { JsonRpcSender } from "../chain/rpcValues";
import type { ChildSide, MainSide } from "./types";

/** A chain as the deployment sees it. */
export interface ChainHandle {
  provider: MainSide["provider"];
  chainId: bigint;
  admin: Signer;
  relayer: Signer;
  /** Block number before anything was deployed. */
  head: number;
}

export interface DeployParams {
  validators: Wallet[];
  threshold: number;
  challengePeriod: bigint;
  validatorChangeDelay: bigint;
  minBond: bigint;
  challengerRewardBps: number;
}

/** The checkpoint side of one chain: its validator set, its manager of the other chain's blocks, its messenger. */
async function deployMessaging(chain: ChainHandle, remote: ChainHandle, params: DeployParams) {
  const admin = await chain.admin.getAddress();
  const validatorSet = await new ValidatorSet__factory(chain.admin).deploy(
    admin,
    admin,
    params.validators.map((v) => v.address),
    params.validators.map(() => 1n),
    params.threshold,
    params.validatorChangeDelay,
  );
  await validatorSet.waitForDeployment();
  const checkpointManager = await new CheckpointManager__factory(chain.admin).deploy(
    admin,
    admin,
    remote.chainId,
    await validatorSet.getAddress(),
    // The other chain's blocks from before this deployment carry no message of the bridge.
    BigInt(remote.head) + 1n,
    params.challengePeriod,
    params.minBond,
    params.challengerRewardBps,
  );
  await checkpointManager.waitForDeployment();
  const messenger = await new Messenger__factory(chain.admin).deploy(admin, admin, await checkpointManager.getAddress());
  await messenger.waitForDeployment();
  return { validatorSet, checkpointManager, messenger };
}

async function deployMain(chain: ChainHandle, remote: ChainHandle, params: DeployParams) {
  const messaging = await deployMessaging(chain, remote, params);
  const rootBridge = await new RootBridge__factory(chain.admin).deploy(await chain.admin.getAddress(), await messaging.messenger.getAddress());
  await rootBridge.waitForDeployment();
  const lockbox = Lockbox__factory.connect(await rootBridge.lockbox(), chain.admin);
  const rootAssetBridge = await new RootAssetBridge__factory(chain.admin).deploy(await chain.admin.getAddress(), await messaging.messenger.getAddress());
  await rootAssetBridge.waitForDeployment();
  return { ...messaging, rootBridge, lockbox, rootAssetBridge, bridge: rootBridge, assetBridge: rootAssetBridge };
}

async function deployChild(chain: ChainHandle, remote: ChainHandle, params: DeployParams) {
  const messaging = await deployMessaging(chain, remote, params);
  const childBridge = await new ChildBridge__factory(chain.admin).deploy(await chain.admin.getAddress(), await messaging.messenger.getAddress());
  await childBridge.waitForDeployment();
  const childAssetBridge = await new ChildAssetBridge__factory(chain.admin).deploy(await chain.admin.getAddress(), await messaging.messenger.getAddress());
  await childAssetBridge.waitForDeployment();
  return { ...messaging, childBridge, childAssetBridge, bridge: childBridge, assetBridge: childAssetBridge };
}

type Deployed = Awaited<ReturnType<typeof deployMessaging>> & {
  bridge: MainSide["rootBridge"] | ChildSide["childBridge"];
  assetBridge: MainSide["rootAssetBridge"] | ChildSide["childAssetBridge"];
};

/** Wires `side` to `remote` and bonds the relayer on its checkpoint manager. */
async function wire(chain: ChainHandle, side: Deployed, remote: Deployed, minBond: bigint): Promise<void> {
  await (await side.messenger.setRemoteMessenger(await remote.messenger.getAddress())).wait();
  await (await side.bridge.setCounterpart(await remote.bridge.getAddress())).wait();
  await (await side.assetBridge.setCounterpart(await remote.assetBridge.getAddress())).wait();
  await (await side.checkpointManager.connect(chain.relayer).depositBond({ value: minBond })).wait();
}

/**
 * Deploys and wires both sides. Two chains are deployed at once; one chain one step after the
 * other, since the admin's transactions must take consecutive nonces.
 */
export async function deployBothSides(
  main: ChainHandle,
  child: ChainHandle,
  params: DeployParams,
  sameChain: boolean,
): Promise<{ main: MainSide; child: ChildSide }> {
  const both = async <T, U>(a: () => Promise<T>, b: () => Promise<U>): Promise<[T, U]> =>
    sameChain ? [await a(), await b()] : Promise.all([a(), b()]);
  const [m, c] = await both(
    () => deployMain(main, child, params),
    () => deployChild(child, main, params),
  );
  await both(
    () => wire(main, m, c, params.minBond),
    () => wire(child, c, m, params.minBond),
  );
  const side = (chain: ChainHandle, d: Deployed) => ({
    chainId: chain.chainId,
    provider: chain.provider,
    signer: chain.admin,
    relayer: chain.relayer,
    deployBlock: chain.head + 1,
    messenger: d.messenger,
    checkpointManager: d.checkpointManager,
    validatorSet: d.validatorSet,
  });
  return {
    main: { ...side(main, m), rootBridge: m.rootBridge, lockbox: m.lockbox, rootAssetBridge: m.rootAssetBridge },
    child: { ...side(child, c), childBridge: c.childBridge, childAssetBridge: c.childAssetBridge },
  };
}

/** The latest block number, read past any provider cache (ethers caches getBlockNumber for 250 ms). */
export async function latestBlockNumber(provider: JsonRpcSender): Promise<number> {
  return Number(BigInt((await provider.send("eth_blockNumber", [])) as string));
}
