/**
 * The main chain's StakeManager from TypeScript: its ABI (human-readable, so the package runs
 * without Hardhat's artifacts), and `StakeManagerClient`, the verbs a validator operator needs —
 * join, top up, rotate the signer key, unstake, withdraw, status — with the signer key's consent
 * (`signerKeyDigest`) signed here, and contract errors turned into `StakeManagerError`s that
 * name the contract's reason.
 */
import { Contract, Interface, Wallet, isError, type ContractRunner, type Signer, type TransactionReceipt } from "ethers";

import { RelayerError } from "../errors";
import { erc20Abi } from "./abi";

const CHECKPOINT = "(uint64 startBlock, uint64 endBlock, bytes32 blockRoot)";
const LEAF = "(uint256 number, bytes32 hash, bytes32 receiptsRoot)";
/** IStakeManager.SignedLeaf */
export const SIGNED_LEAF = `(${CHECKPOINT} checkpoint, bytes signature, ${LEAF} leaf, bytes32[] proof)`;

export const stakeManagerAbi = new Interface([
  "function join(address signer, uint256 amount, bytes signerProof) payable",
  "function topUp(uint256 amount) payable",
  "function rotateSigner(address newSigner, bytes signerProof)",
  "function unstake(uint256 amount)",
  "function withdraw(address to)",
  `function reportEquivocation(uint8 lane, address signer, ${SIGNED_LEAF} first, ${SIGNED_LEAF} second) returns (uint256 slashed)`,
  `function checkEquivocation(uint8 lane, address signer, ${SIGNED_LEAF} first, ${SIGNED_LEAF} second) view returns (address validator, uint256 amount)`,
  "function isSlashed(address validator, uint8 lane, uint256 height) view returns (bool)",
  "function laneDomain(uint8 lane) view returns ((uint256 chainId, address manager))",
  "function signerInfo(address signer) view returns (address validator, uint64 answerableUntil)",
  "function getValidator(address validator) view returns ((address signer, uint8 status, uint64 withdrawableAt, uint128 stake, uint128 unbonding))",
  "function signerKeyDigest(address validator, address signer) view returns (bytes32)",
  "function stakeToken() view returns (address)",
  "function minStake() view returns (uint128)",
  "function unbondingDelay() view returns (uint64)",
  "function currentEpoch() view returns (uint256)",
  "function rotateValidatorSet(uint256 epoch) returns (bytes32 messageId)",
  "function mainValidatorSet() view returns (address)",
  "function stakeEpoch() view returns (uint256)",
  "function epochStart(uint256 epoch) view returns (uint64)",
  "function powerAt(address validator, uint256 epoch) view returns (uint256)",
  "function signerAt(address validator, uint256 epoch) view returns (address)",
  "function version() view returns (string)",
  "event ValidatorJoined(address indexed validator, address indexed signer, uint256 amount, uint256 fromEpoch)",
  "event StakeAdded(address indexed validator, uint256 amount, uint256 stake, uint256 fromEpoch)",
  "event SignerRotated(address indexed validator, address indexed oldSigner, address indexed newSigner, uint256 fromEpoch)",
  "event Unstaked(address indexed validator, uint256 amount, uint256 stake, uint64 withdrawableAt, uint256 fromEpoch)",
  "event Withdrawn(address indexed validator, address indexed to, uint256 amount)",
  "event EquivocationSlashed(address indexed validator, address indexed signer, uint8 indexed lane, uint256 height, address reporter, uint256 slashed, uint256 reward, uint256 fromEpoch)",
  "error StakeManagerAlreadyValidator(address validator, uint8 status)",
  "error StakeManagerTooManyValidators(uint256 count, uint256 max)",
  "error StakeManagerInvalidSigner(address signer)",
  "error StakeManagerSignerUsed(address signer, address validator)",
  "error StakeManagerBadSignerProof(address signer, address recovered)",
  "error StakeManagerValueMismatch(uint256 amount, uint256 value)",
  "error StakeManagerZeroAmount()",
  "error StakeManagerZeroAddress()",
  "error StakeManagerBelowMinStake(address validator, uint256 stake, uint256 minStake)",
  "error StakeManagerStakeTooLarge(address validator, uint256 stake, uint256 max)",
  "error StakeManagerNotActive(address validator, uint8 status)",
  "error StakeManagerInsufficientStake(address validator, uint256 stake, uint256 amount)",
  "error StakeManagerStillUnbonding(address validator, uint64 withdrawableAt)",
  "error StakeManagerNothingToWithdraw(address validator)",
  "error StakeManagerLaneNotSet(uint8 lane)",
  "error StakeManagerHeightMismatch(uint256 firstHeight, uint256 secondHeight)",
  "error StakeManagerLeafNotInCheckpoint(uint256 index, uint256 height)",
  "error StakeManagerBadSignature(uint8 lane, address signer, uint256 index, address recovered)",
  "error StakeManagerNoEquivocation(uint256 height, bytes32 blockHash)",
  "error StakeManagerUnknownSigner(address signer)",
  "error StakeManagerSignerExpired(address signer, uint64 answerableUntil)",
  "error StakeManagerAlreadySlashed(address validator, uint8 lane, uint256 height)",
  "error StakeManagerNothingToSlash(address validator)",
  "error StakeManagerEpochNotCurrent(uint256 epoch, uint256 currentEpoch)",
  "error StakeManagerRotationNotWired()",
  "error StakeManagerEmptySet(uint256 epoch)",
  "error EpochValidatorSetEpochNotNewer(uint256 epoch, uint256 latest)",
]);

/** IStakeManager.Lane: the CheckpointManager whose domain a checkpoint was signed in. */
export const StakeLane = { main: 0, child: 1 } as const;
export type StakeLaneName = keyof typeof StakeLane;

export const VALIDATOR_STATUSES = ["none", "active", "exiting", "jailed"] as const;
export type ValidatorStatus = (typeof VALIDATOR_STATUSES)[number];

/** The native currency as `stakeToken`. */
export const STAKE_NATIVE_TOKEN = "0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE";

export const SIGNER_KEY_TYPES = {
  SignerKey: [
    { name: "validator", type: "address" },
    { name: "signer", type: "address" },
  ],
};

const when = (seconds: unknown) => new Date(Number(seconds) * 1000).toISOString();
const statusName = (status: unknown) => VALIDATOR_STATUSES[Number(status)] ?? String(status);

/** The StakeManager's refusals an operator meets, in words (the error and its values stay in the message). */
const EXPLAIN: Record<string, (args: readonly unknown[]) => string> = {
  StakeManagerAlreadyValidator: (a) => `${a[0]} is already a validator (status ${statusName(a[1])})`,
  StakeManagerTooManyValidators: (a) => `the validator set is full (${a[0]} of ${a[1]})`,
  StakeManagerInvalidSigner: (a) => `${a[0]} cannot be a signer key (zero, or the owner address itself)`,
  StakeManagerSignerUsed: (a) => `signer key ${a[0]} is already bound to validator ${a[1]}: every key serves one validator once`,
  StakeManagerBadSignerProof: (a) => `the signer proof is not signed by ${a[0]}`,
  StakeManagerBelowMinStake: (a) => `a stake of ${a[1]} is below the minimum ${a[2]}`,
  StakeManagerNotActive: (a) => `validator ${a[0]} is not active (status ${statusName(a[1])})`,
  StakeManagerInsufficientStake: (a) => `validator ${a[0]} has ${a[1]} bonded, less than ${a[2]}`,
  StakeManagerStillUnbonding: (a) => `validator ${a[0]} is still unbonding until ${when(a[1])}`,
  StakeManagerNothingToWithdraw: (a) => `validator ${a[0]} has nothing unbonded to withdraw`,
  StakeManagerZeroAmount: () => "the amount must be above zero",
  StakeManagerValueMismatch: (a) => `the value sent (${a[1]}) differs from the amount (${a[0]})`,
  StakeManagerStakeTooLarge: (a) => `a stake of ${a[1]} is above the maximum ${a[2]}`,
};

/** A StakeManager call the contract refused; `reason` is its custom error, `args` its values. */
export class StakeManagerError extends RelayerError {
  readonly code = "STAKE_MANAGER_REVERTED";
  readonly retryable = false;
  constructor(
    readonly action: string,
    readonly reason: string,
    readonly args: readonly unknown[],
    options?: { cause?: unknown },
  ) {
    const words = EXPLAIN[reason]?.(args);
    super(`${action} refused by the StakeManager: ${words === undefined ? "" : `${words} `}(${reason})`, options);
  }
}

/** The custom error in a failed call's revert data, if it is one of the StakeManager's. */
export function decodeStakeManagerError(error: unknown): { name: string; args: unknown[] } | undefined {
  for (let e: unknown = error, depth = 0; e !== undefined && e !== null && depth < 6; depth++) {
    const data = (e as { data?: unknown }).data;
    if (typeof data === "string" && data.startsWith("0x") && data.length >= 10) {
      try {
        const parsed = stakeManagerAbi.parseError(data);
        if (parsed !== null) return { name: parsed.name, args: [...parsed.args] };
      } catch {
        // Not ours: keep looking in the cause chain.
      }
    }
    e = (e as { error?: unknown; info?: { error?: unknown }; cause?: unknown }).error ?? (e as { info?: { error?: unknown } }).info?.error ?? (e as { cause?: unknown }).cause;
  }
  return undefined;
}

export interface StakeStatus {
  stakeManager: string;
  validator: string;
  signer: string;
  status: ValidatorStatus;
  stake: bigint;
  unbonding: bigint;
  /** Unix seconds from which `unbonding` can be withdrawn (0: nothing unbonding). */
  withdrawableAt: number;
  currentEpoch: bigint;
  powerNow: bigint;
  powerNextEpoch: bigint;
  stakeToken: string;
  minStake: bigint;
  unbondingDelay: bigint;
}

export interface StakeTx {
  txHash: string;
  blockNumber: number;
}

/**
 * The validator (owner) side of the StakeManager. `owner` signs the transactions; a signer key,
 * where needed, is passed as a Wallet to sign its consent (`signerKeyDigest`), which the contract
 * checks so that nobody can claim a key they do not hold.
 */
export class StakeManagerClient {
  readonly contract: Contract;

  constructor(
    readonly address: string,
    private readonly runner: ContractRunner,
  ) {
    this.contract = new Contract(address, stakeManagerAbi, runner);
  }

  private get owner(): Signer {
    const signer = this.runner as Signer;
    if (typeof signer.getAddress !== "function" || typeof signer.sendTransaction !== "function") {
      throw new StakeManagerError("sending", "NoOwnerKey", ["a signer is needed to send transactions"]);
    }
    return signer;
  }

  /** The signer key's consent to serve `validator`, as `join` and `rotateSigner` check it. */
  async signerProof(signerKey: Wallet, validator: string): Promise<string> {
    const digest = (await this.contract.signerKeyDigest(validator, signerKey.address)) as string;
    return signerKey.signingKey.sign(digest).serialized;
  }

  async isNative(): Promise<boolean> {
    return ((await this.contract.stakeToken()) as string).toLowerCase() === STAKE_NATIVE_TOKEN.toLowerCase();
  }

  /** Bonds `amount` with `signerKey` as signer (an ERC20 stake is approved first if needed). */
  async join(signerKey: Wallet, amount: bigint): Promise<StakeTx> {
    const validator = await this.owner.getAddress();
    const proof = await this.signerProof(signerKey, validator);
    return this.send("join", [signerKey.address, amount, proof], await this.payment(amount));
  }

  async topUp(amount: bigint): Promise<StakeTx> {
    return this.send("topUp", [amount], await this.payment(amount));
  }

  /** The value to send with a stake: the amount itself, or nothing once an ERC20 allowance covers it. */
  private async payment(amount: bigint): Promise<bigint> {
    if (await this.isNative()) return amount;
    const token = new Contract((await this.contract.stakeToken()) as string, erc20Abi, this.owner);
    const owner = await this.owner.getAddress();
    if (((await token.allowance(owner, this.address)) as bigint) < amount) await (await token.approve(this.address, amount)).wait();
    return 0n;
  }

  /** From the next epoch on, `newSignerKey` signs; the old key stays answerable for a delay. */
  async rotateSigner(newSignerKey: Wallet): Promise<StakeTx> {
    const proof = await this.signerProof(newSignerKey, await this.owner.getAddress());
    return this.send("rotateSigner", [newSignerKey.address, proof]);
  }

  async unstake(amount: bigint): Promise<StakeTx> {
    return this.send("unstake", [amount]);
  }

  async withdraw(to?: string): Promise<StakeTx> {
    return this.send("withdraw", [to ?? (await this.owner.getAddress())]);
  }

  async status(validator: string): Promise<StakeStatus> {
    const info = (await this.contract.getValidator(validator)) as { signer: string; status: bigint; withdrawableAt: bigint; stake: bigint; unbonding: bigint };
    const epoch = (await this.contract.currentEpoch()) as bigint;
    const [powerNow, powerNextEpoch, stakeToken, minStake, unbondingDelay] = await Promise.all([
      this.contract.powerAt(validator, epoch) as Promise<bigint>,
      this.contract.powerAt(validator, epoch + 1n) as Promise<bigint>,
      this.contract.stakeToken() as Promise<string>,
      this.contract.minStake() as Promise<bigint>,
      this.contract.unbondingDelay() as Promise<bigint>,
    ]);
    return {
      stakeManager: this.address,
      validator,
      signer: info.signer,
      status: VALIDATOR_STATUSES[Number(info.status)] ?? "none",
      stake: info.stake,
      unbonding: info.unbonding,
      withdrawableAt: Number(info.withdrawableAt),
      currentEpoch: epoch,
      powerNow,
      powerNextEpoch,
      stakeToken,
      minStake,
      unbondingDelay,
    };
  }

  /** Simulates first, so a refusal is the contract's reason rather than a gas-estimation failure. */
  private async send(method: string, args: unknown[], value = 0n): Promise<StakeTx> {
    const contract = this.contract.connect(this.owner) as Contract;
    try {
      await contract.getFunction(method).staticCall(...args, { value });
      const response = await contract.getFunction(method).send(...args, { value });
      const receipt = (await response.wait()) as TransactionReceipt;
      return { txHash: receipt.hash, blockNumber: receipt.blockNumber };
    } catch (error) {
      const decoded = decodeStakeManagerError(error);
      if (decoded !== undefined) throw new StakeManagerError(method, decoded.name, decoded.args, { cause: error });
      if (isError(error, "INSUFFICIENT_FUNDS")) throw new StakeManagerError(method, "InsufficientFunds", [await this.owner.getAddress()], { cause: error });
      throw error;
    }
  }
}
