/**
 * Typed errors of the deployment code. Each names its cause in `code` (stable, for scripts and
 * tests) and says in `retryable` whether running the deployment again can help: an RPC that was
 * down or a transaction that timed out heals by itself (the re-run resumes where it stopped), a
 * wrong chain id or a set-once link pointing elsewhere never does. The base is the relayer's
 * CodedError, so a script handling both kinds checks one class.
 */
import { CodedError } from "../../relayer/src/errors";

export abstract class DeployError extends CodedError {}

/** The options or the config file are malformed (bad address, threshold out of range, …). */
export class DeployConfigError extends DeployError {
  readonly code = "DEPLOY_CONFIG_INVALID";
  readonly retryable = false;
}

/** The RPC did not answer `eth_chainId` in time, or answered garbage. */
export class RpcUnreachableError extends DeployError {
  readonly code = "RPC_UNREACHABLE";
  readonly retryable = true;
  constructor(
    readonly role: string,
    readonly rpcUrl: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${role} chain: RPC ${rpcUrl} is unreachable: ${reason}`, options);
  }
}

/** The RPC is another chain than the one expected (config, CLI flag or existing deployment file). */
export class ChainIdMismatchError extends DeployError {
  readonly code = "CHAIN_ID_MISMATCH";
  readonly retryable = false;
  constructor(
    readonly role: string,
    readonly expected: number,
    readonly actual: number,
    where: string,
  ) {
    super(`${role} chain: the RPC reports chain id ${actual}, but ${expected} is expected (${where})`);
  }
}

/** Both RPCs are the same chain: a bridge needs two. */
export class SameChainError extends DeployError {
  readonly code = "SAME_CHAIN";
  readonly retryable = false;
  constructor(readonly chainId: number) {
    super(`main and child RPCs both report chain id ${chainId}: a bridge needs two different chains`);
  }
}

/** No Hardhat artifact for a contract: the project was not compiled. */
export class ArtifactNotFoundError extends DeployError {
  readonly code = "ARTIFACT_NOT_FOUND";
  readonly retryable = false;
  constructor(
    readonly contract: string,
    readonly artifactsDir: string,
  ) {
    super(`no artifact for ${contract} under ${artifactsDir}: run \`npx hardhat compile\` first`);
  }
}

/** A deployments/<network>.json that cannot be read, or that describes another chain or role. */
export class DeploymentFileError extends DeployError {
  readonly code = "DEPLOYMENT_FILE_INVALID";
  readonly retryable = false;
  constructor(
    readonly file: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`deployment file ${file}: ${reason}`, options);
  }
}

/** The deployer account has no funds on a chain. */
export class InsufficientFundsError extends DeployError {
  readonly code = "INSUFFICIENT_FUNDS";
  readonly retryable = false;
  constructor(
    readonly role: string,
    readonly deployer: string,
  ) {
    super(`${role} chain: deployer ${deployer} has no funds to pay for the deployment`);
  }
}

/** A transaction reverted, was dropped, or was not mined in time. */
export class TransactionFailedError extends DeployError {
  readonly code = "TX_FAILED";
  constructor(
    readonly role: string,
    readonly action: string,
    reason: string,
    // A timeout or a dropped transaction may go through on the next run; a revert will not.
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(`${role} chain: ${action} failed: ${reason}`, options);
  }
}

/** A set-once link (remote messenger, counterpart bridge) already points at another contract. */
export class WiringConflictError extends DeployError {
  readonly code = "WIRING_CONFLICT";
  readonly retryable = false;
  constructor(
    readonly role: string,
    readonly link: string,
    readonly actual: string,
    readonly expected: string,
  ) {
    super(
      `${role} chain: ${link} is already set to ${actual}, not ${expected}. It can be set only once: ` +
        `delete that contract's entry from the deployment file to deploy a fresh one`,
    );
  }
}

/** Wiring needs the admin role, which the deployer no longer (or never) held. */
export class NotAdminError extends DeployError {
  readonly code = "NOT_ADMIN";
  readonly retryable = false;
  constructor(
    readonly role: string,
    readonly contract: string,
    readonly account: string,
    readonly action: string,
  ) {
    super(`${role} chain: ${account} is not admin of ${contract}, so it cannot ${action}; the admin must do it`);
  }
}
