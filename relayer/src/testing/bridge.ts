/**
 * createTestBridge: both sides of the bridge with the real contracts, test validators and a
 * relayer in the test's process, on one Hardhat network (both sides on one chain, as the kit's own
 * contract tests run) or on two chains given by two signers.
 */
import { dataSlice, getAddress, keccak256, toQuantity, toUtf8Bytes, type Signer, type Wallet } from "ethers";

import type { JsonRpcSender } from "../chain/rpcValues";
import { ProofCache } from "../roles/proofs";
import { submitCheckpoint } from "./checkpoints";
import { deployBothSides, latestBlockNumber, type ChainHandle } from "./deploy";
import { TestBridgeRelayError, TestBridgeRelayLoopError, TestBridgeSetupError } from "./errors";
import { deliver, findPending, publicPending, type RelayContext } from "./relay";
import { RevertDecoder } from "./revert";
import { testValidators } from "./validators";
import type {
  AbiSource,
  DeliveredMessage,
  HardhatRuntimeLike,
  MainSide,
  PendingMessage,
  RelayOptions,
  Side,
  SubmitCheckpointOptions,
  SubmittedCheckpoint,
  TestBridge,
  TestBridgeOptions,
  TwoChains,
} from "./types";

const DEFAULTS = {
  validatorCount: 4,
  challengePeriod: 3_600n,
  minBond: 10n ** 18n,
  challengerRewardBps: 5_000,
  maxRounds: 10,
};

/** Messenger.MAX_REASON_BYTES: revert data of this length may have been cut. */
const MAX_REASON_BYTES = 256;

/** The kit's own relayer account on a Hardhat network: an address nobody has the key of, impersonated. */
const KIT_RELAYER = getAddress(dataSlice(keccak256(toUtf8Bytes("sidechain-kit/testing relayer")), 12));
/** What the kit's relayer is funded with: bonds and relay gas for any test. */
const KIT_RELAYER_BALANCE = 10n ** 24n;

/**
 * Deploys both sides of the bridge and returns the contracts with the verbs a test needs.
 *
 * `createTestBridge(hre)`: both sides on hre's network (in-process Hardhat, forked or not); each
 * side's CheckpointManager checkpoints that one chain. `createTestBridge({ main, child })`: two
 * chains through two signers on JSON-RPC providers (ethers providers need `cacheTimeout: -1`).
 * @throws TestBridgeSetupError for options or signers it cannot use.
 */
export async function createTestBridge(target: HardhatRuntimeLike | TwoChains, options: TestBridgeOptions = {}): Promise<TestBridge> {
  const validatorCount = options.validatorCount ?? DEFAULTS.validatorCount;
  if (!Number.isInteger(validatorCount) || validatorCount < 1 || validatorCount > 255) {
    throw new TestBridgeSetupError(`validatorCount ${validatorCount} must be an integer from 1 to 255 (a signer index is one byte)`);
  }
  const threshold = options.threshold ?? Math.floor((validatorCount * 2) / 3) + 1;
  if (!Number.isInteger(threshold) || threshold < 1 || threshold > validatorCount) {
    throw new TestBridgeSetupError(`threshold ${threshold} must be from 1 to validatorCount (${validatorCount})`);
  }
  const challengePeriod = BigInt(options.challengePeriod ?? DEFAULTS.challengePeriod);
  if (challengePeriod <= 0n) throw new TestBridgeSetupError(`challengePeriod ${challengePeriod} must be positive`);
  const validatorChangeDelay = BigInt(options.validatorChangeDelay ?? 2n * challengePeriod);
  if (validatorChangeDelay <= challengePeriod) {
    throw new TestBridgeSetupError(`validatorChangeDelay ${validatorChangeDelay} must be longer than the challenge period (${challengePeriod})`);
  }
  const minBond = options.minBond ?? DEFAULTS.minBond;
  const validators = testValidators(validatorCount, options.validatorSeed);

  const { main, child, sameChain, artifacts } = await connect(target, options);
  const sides = await deployBothSides(
    main,
    child,
    { validators, threshold, challengePeriod, validatorChangeDelay, minBond, challengerRewardBps: options.challengerRewardBps ?? DEFAULTS.challengerRewardBps },
    sameChain,
  );
  const decoder = new RevertDecoder(MAX_REASON_BYTES, artifacts);
  for (const abi of options.abis ?? []) decoder.register(abi);
  const gasLimits = await Promise.all([main, child].map((c) => c.provider.send("eth_getBlockByNumber", ["latest", false]) as Promise<{ gasLimit: string }>));
  const ctx: RelayContext = {
    sides,
    validators,
    decoder,
    sameChain,
    blockGasLimit: { main: BigInt(gasLimits[0].gasLimit), child: BigInt(gasLimits[1].gasLimit) },
    proofCache: { current: new ProofCache() },
  };
  return new KitBridge(ctx, challengePeriod, minBond);
}

class KitBridge implements TestBridge {
  readonly main: MainSide;
  readonly child: TestBridge["child"];
  readonly validators: Wallet[];
  readonly sameChain: boolean;
  readonly deployments: TestBridge["deployments"];

  constructor(
    private readonly ctx: RelayContext,
    readonly challengePeriod: bigint,
    readonly minBond: bigint,
  ) {
    this.main = ctx.sides.main;
    this.child = ctx.sides.child;
    this.validators = ctx.validators;
    this.sameChain = ctx.sameChain;
    const at = (contract: { target: unknown }, block: number) => ({ address: getAddress(contract.target as string), block });
    const { main, child } = ctx.sides;
    this.deployments = {
      main: {
        chainId: Number(main.chainId),
        role: "main",
        remoteChainId: Number(child.chainId),
        contracts: {
          Messenger: at(main.messenger, main.deployBlock),
          CheckpointManager: at(main.checkpointManager, main.deployBlock),
          ValidatorSet: at(main.validatorSet, main.deployBlock),
          RootBridge: at(main.rootBridge, main.deployBlock),
          Lockbox: at(main.lockbox, main.deployBlock),
          RootAssetBridge: at(main.rootAssetBridge, main.deployBlock),
        },
      },
      child: {
        chainId: Number(child.chainId),
        role: "child",
        remoteChainId: Number(main.chainId),
        contracts: {
          Messenger: at(child.messenger, child.deployBlock),
          CheckpointManager: at(child.checkpointManager, child.deployBlock),
          ValidatorSet: at(child.validatorSet, child.deployBlock),
          ChildBridge: at(child.childBridge, child.deployBlock),
          ChildAssetBridge: at(child.childAssetBridge, child.deployBlock),
        },
      },
    };
  }

  async pending(): Promise<PendingMessage[]> {
    return (await findPending(this.ctx)).map(publicPending);
  }

  async relayNext(options: RelayOptions = {}): Promise<DeliveredMessage | undefined> {
    const [next] = await findPending(this.ctx);
    if (next === undefined) return undefined;
    let result: DeliveredMessage | undefined;
    await deliver(this.ctx, [next], (delivered) => {
      result = delivered;
      if (!delivered.success && options.allowFailures !== true) throw new TestBridgeRelayError(delivered, [delivered], 0);
    });
    return result;
  }

  async relayAll(options: RelayOptions = {}): Promise<DeliveredMessage[]> {
    const maxRounds = options.maxRounds ?? DEFAULTS.maxRounds;
    const delivered: DeliveredMessage[] = [];
    for (let round = 0; ; round++) {
      const pending = await findPending(this.ctx);
      if (pending.length === 0) return delivered;
      if (round === maxRounds) throw new TestBridgeRelayLoopError(round, delivered);
      await deliver(this.ctx, pending, (result, index) => {
        delivered.push(result);
        if (!result.success && options.allowFailures !== true) throw new TestBridgeRelayError(result, [...delivered], pending.length - index - 1);
      });
    }
  }

  submitCheckpoint(options: SubmitCheckpointOptions): Promise<SubmittedCheckpoint> {
    if (options.to !== "main" && options.to !== "child") throw new TestBridgeSetupError(`submitCheckpoint: "to" must be "main" or "child", not ${String(options.to)}`);
    return submitCheckpoint(this.ctx, options);
  }

  registerAbi(...sources: AbiSource[]): void {
    for (const source of sources) this.ctx.decoder.register(source);
  }

  decodeRevert(data: string): Promise<string> {
    return this.ctx.decoder.describe(data);
  }
}

// ---------------------------------------------------------------- connecting

function isHardhatRuntime(target: HardhatRuntimeLike | TwoChains): target is HardhatRuntimeLike {
  return typeof target === "object" && target !== null && "ethers" in target && typeof (target as HardhatRuntimeLike).ethers?.getSigners === "function";
}

function pick(value: Signer | { main: Signer; child: Signer } | undefined, side: Side): Signer | undefined {
  if (value === undefined) return undefined;
  return "main" in value && "child" in value ? value[side] : (value as Signer);
}

async function connect(target: HardhatRuntimeLike | TwoChains, options: TestBridgeOptions): Promise<{ main: ChainHandle; child: ChainHandle; sameChain: boolean; artifacts?: HardhatRuntimeLike["artifacts"] }> {
  if (isHardhatRuntime(target)) {
    const provider = target.ethers.provider;
    const [first] = await target.ethers.getSigners();
    const admin = pick(options.admin, "main") ?? first;
    if (admin === undefined) throw new TestBridgeSetupError("the Hardhat network has no accounts: pass options.admin");
    const relayer = pick(options.relayer, "main") ?? (await kitRelayer(target));
    const chainId = await chainIdOf(provider);
    const head = await latestBlockNumber(provider);
    const chain: ChainHandle = { provider, chainId, admin, relayer, head };
    return { main: chain, child: chain, sameChain: true, artifacts: target.artifacts };
  }
  if (typeof target !== "object" || target === null || target.main === undefined || target.child === undefined) {
    throw new TestBridgeSetupError("createTestBridge takes a Hardhat runtime environment (hre) with hardhat-ethers, or { main: Signer, child: Signer }");
  }
  const handle = async (side: Side): Promise<ChainHandle> => {
    const signer = target[side];
    const provider = signer.provider as (ChainHandle["provider"] & { _getOption?(key: string): unknown }) | null;
    if (provider === null || typeof provider?.send !== "function") throw new TestBridgeSetupError(`the ${side} signer must be connected to a JSON-RPC provider (one with send())`);
    if (typeof provider._getOption === "function" && Number(provider._getOption("cacheTimeout")) >= 0) {
      throw new TestBridgeSetupError(
        `the ${side} provider caches calls for ${provider._getOption("cacheTimeout")} ms, and the kit reads state right after changing it: ` +
          "create it with new JsonRpcProvider(url, undefined, { cacheTimeout: -1 })",
      );
    }
    return {
      provider,
      chainId: await chainIdOf(provider),
      admin: pick(options.admin, side) ?? signer,
      relayer: pick(options.relayer, side) ?? signer,
      head: await latestBlockNumber(provider),
    };
  };
  const main = await handle("main");
  const child = await handle("child");
  // One chain behind two signers: both sides on it, as with hre.
  return { main, child, sameChain: main.chainId === child.chainId };
}

async function chainIdOf(provider: JsonRpcSender): Promise<bigint> {
  return BigInt((await provider.send("eth_chainId", [])) as string);
}

/** The kit's relayer on a Hardhat (or anvil) network: impersonated and funded; the admin when the node refuses. */
async function kitRelayer(hre: HardhatRuntimeLike): Promise<Signer> {
  const provider = hre.ethers.provider;
  try {
    await provider.send("hardhat_impersonateAccount", [KIT_RELAYER]);
    const balance = BigInt((await provider.send("eth_getBalance", [KIT_RELAYER, "latest"])) as string);
    if (balance < KIT_RELAYER_BALANCE / 2n) await provider.send("hardhat_setBalance", [KIT_RELAYER, toQuantity(KIT_RELAYER_BALANCE)]);
    return await hre.ethers.getSigner(KIT_RELAYER);
  } catch {
    const [first] = await hre.ethers.getSigners();
    return first;
  }
}
