/**
 * One chain as the deployment sees it: a provider whose chain id was checked once, a signer,
 * and the two verbs that change state, `deploy` and `send`, which wait for confirmations and turn
 * every failure into a TransactionFailedError that names the step.
 */
import {
  Contract,
  ContractFactory,
  FetchRequest,
  JsonRpcProvider,
  Wallet,
  dataLength,
  getAddress,
  isError,
  type CallExceptionError,
  type ContractTransactionResponse,
  type Provider,
  type Signer,
  type TransactionReceipt,
} from "ethers";

import { loadArtifact, type DeployableContract } from "./artifacts";
import { jsonArgs, type ChainRole, type ContractRecord } from "./deploymentFile";
import { DeployConfigError, DeployError, InsufficientFundsError, RpcUnreachableError, TransactionFailedError } from "./errors";
import type { ChainTarget } from "./options";

export interface Chain {
  role: ChainRole;
  chainId: number;
  provider: Provider;
  signer: Signer;
  deployer: string;
  artifactsDir?: string;
  /** Transactions sent through `deploy` and `send` so far. */
  sent: number;
  /** Deploys `artifact` (default `name`); the record names `artifact` in `contract` when they differ. */
  deploy(name: DeployableContract, args: unknown[], artifact?: DeployableContract): Promise<{ record: ContractRecord; contract: Contract }>;
  /** Sends the transaction `call` makes with the given overrides (the nonce, chosen here), and confirms it. */
  send(action: string, call: (overrides: { nonce: number }) => Promise<ContractTransactionResponse>): Promise<TransactionReceipt>;
  /** The deployed contract `name` at `address`, connected to the signer. */
  at(name: DeployableContract, address: string): Contract;
  /** Stops the provider's timers if this module created it. */
  close(): void;
}

export interface ConnectOptions {
  rpcTimeoutMs: number;
  txTimeoutMs: number;
  artifactsDir?: string;
}

const DEFAULT_POLLING_MS = 1_000;

/**
 * Connects to `target` and reads its chain id once, with a timeout.
 * @throws RpcUnreachableError, DeployConfigError (no signer), InsufficientFundsError
 */
export async function connectChain(role: ChainRole, target: ChainTarget, options: ConnectOptions): Promise<Chain> {
  let signer: Signer;
  let provider: Provider;
  let ownsProvider = false;
  let chainId: number;
  if (target.signer !== undefined) {
    if (target.signer.provider === null) throw new DeployConfigError(`${role}: the signer has no provider`);
    signer = target.signer;
    provider = target.signer.provider;
    try {
      chainId = Number((await withTimeout(provider.getNetwork(), options.rpcTimeoutMs, role, "the signer's provider")).chainId);
    } catch (error) {
      if (error instanceof RpcUnreachableError) throw error;
      throw new RpcUnreachableError(role, "the signer's provider", String(error), { cause: error });
    }
  } else {
    if (target.rpcUrl === undefined) throw new DeployConfigError(`${role}: give an rpcUrl or a signer`);
    if (target.privateKey === undefined) throw new DeployConfigError(`${role}: no deployer key for ${target.rpcUrl}`);
    // ethers retries network detection forever when the RPC is down; ask once, with a timeout,
    // and give the provider a static network so that it never detects again.
    chainId = await fetchChainId(role, target.rpcUrl, options.rpcTimeoutMs);
    const jsonRpc = new JsonRpcProvider(target.rpcUrl, chainId, {
      staticNetwork: true,
      pollingInterval: target.pollingIntervalMs ?? DEFAULT_POLLING_MS,
      // No response cache: a nonce read 100 ms ago is stale once the previous transaction is mined.
      cacheTimeout: -1,
    });
    provider = jsonRpc;
    ownsProvider = true;
    try {
      signer = new Wallet(target.privateKey, jsonRpc);
    } catch (error) {
      jsonRpc.destroy();
      throw new DeployConfigError(`${role}: the deployer key is not a valid private key`, { cause: error });
    }
  }
  const deployer = getAddress(await signer.getAddress());

  const confirmations = target.confirmations ?? 1;
  // Transactions go one at a time and each is confirmed before the next, so the node's pending
  // count is right, unless a provider (one passed in with a signer) caches it: never go below
  // the nonce after our own last transaction.
  let nextNonce = 0;
  const nonce = async () => {
    // Checked before the first transaction only: re-running a complete deployment needs no funds.
    if (nextNonce === 0 && (await provider.getBalance(deployer)) === 0n) throw new InsufficientFundsError(role, deployer);
    return Math.max(nextNonce, await provider.getTransactionCount(deployer, "pending"));
  };
  const chain: Chain = {
    role,
    chainId,
    provider,
    signer,
    deployer,
    artifactsDir: options.artifactsDir,
    sent: 0,
    async deploy(name, args, artifactName = name) {
      const artifact = loadArtifact(artifactName, options.artifactsDir);
      const factory = new ContractFactory(artifact.abi, artifact.bytecode, signer);
      const action = `deploy ${name}`;
      let response;
      try {
        const contract = await factory.deploy(...args, { nonce: await nonce() });
        response = contract.deploymentTransaction();
      } catch (error) {
        throw failure(role, action, error, artifact.interface);
      }
      if (response === null) throw new TransactionFailedError(role, action, "no deployment transaction", false);
      chain.sent++;
      nextNonce = response.nonce + 1;
      const receipt = await confirm(role, action, response, confirmations, options.txTimeoutMs);
      if (receipt.contractAddress === null) throw new TransactionFailedError(role, action, "the receipt names no contract", false);
      const record: ContractRecord = { address: getAddress(receipt.contractAddress), block: receipt.blockNumber, txHash: receipt.hash, args: jsonArgs(args) };
      if (artifactName !== name) record.contract = artifactName;
      return { record, contract: chain.at(artifactName, receipt.contractAddress) };
    },
    async send(action, call) {
      let response: ContractTransactionResponse;
      try {
        response = await call({ nonce: await nonce() });
      } catch (error) {
        throw failure(role, action, error);
      }
      chain.sent++;
      nextNonce = response.nonce + 1;
      return confirm(role, action, response, confirmations, options.txTimeoutMs);
    },
    at(name, address) {
      return new Contract(address, loadArtifact(name, options.artifactsDir).abi, signer);
    },
    close() {
      if (ownsProvider) (provider as JsonRpcProvider).destroy();
    },
  };
  return chain;
}

async function confirm(
  role: ChainRole,
  action: string,
  response: { wait(confirms?: number, timeout?: number): Promise<TransactionReceipt | null>; hash: string },
  confirmations: number,
  timeoutMs: number,
): Promise<TransactionReceipt> {
  let receipt: TransactionReceipt | null;
  try {
    receipt = await response.wait(confirmations, timeoutMs);
  } catch (error) {
    throw failure(role, `${action} (tx ${response.hash})`, error);
  }
  if (receipt === null) throw new TransactionFailedError(role, action, `transaction ${response.hash} was dropped`, true);
  return receipt;
}

/** Names the revert when the ABI knows it (e.g. AccessControlUnauthorizedAccount) and says whether a re-run can help. */
function failure(role: ChainRole, action: string, error: unknown, iface?: Contract["interface"]): DeployError {
  if (error instanceof DeployError) return error;
  if (isError(error, "CALL_EXCEPTION")) return new TransactionFailedError(role, action, revertReason(error, iface), false, { cause: error });
  if (isError(error, "INSUFFICIENT_FUNDS")) return new TransactionFailedError(role, action, "the deployer has too little funds", false, { cause: error });
  const retryable =
    isError(error, "TIMEOUT") ||
    isError(error, "NETWORK_ERROR") ||
    isError(error, "SERVER_ERROR") ||
    isError(error, "NONCE_EXPIRED") ||
    isError(error, "REPLACEMENT_UNDERPRICED") ||
    isError(error, "TRANSACTION_REPLACED");
  const message = error instanceof Error ? ((error as { shortMessage?: string }).shortMessage ?? error.message) : String(error);
  return new TransactionFailedError(role, action, message, retryable, { cause: error });
}

/**
 * One line for a revert, with or without data. Empty data is what a bare `revert()`, running out
 * of gas or init code past the size limit give: nothing to decode, so say what it may be.
 */
function revertReason(error: CallExceptionError, iface: Contract["interface"] | undefined): string {
  if (error.revert) return `reverted: ${error.revert.name}(${error.revert.args.join(", ")})`;
  const data = typeof error.data === "string" ? error.data : undefined;
  if (data === undefined || dataLength(data) === 0) {
    return "reverted without data (a revert without reason, out of gas, or contract code over the size limit)";
  }
  if (iface !== undefined && dataLength(data) >= 4) {
    try {
      const parsed = iface.parseError(data);
      if (parsed) return `reverted: ${parsed.name}(${parsed.args.join(", ")})`;
    } catch {
      // Data that is not one of the ABI's errors: shown raw below.
    }
  }
  return `reverted with data ${data.length > 74 ? `${data.slice(0, 74)}…` : data}`;
}

/** `eth_chainId` over HTTP with a timeout, before any provider exists. */
async function fetchChainId(role: ChainRole, rpcUrl: string, timeoutMs: number): Promise<number> {
  let request: FetchRequest;
  try {
    request = new FetchRequest(rpcUrl);
  } catch (error) {
    throw new DeployConfigError(`${role}: "${rpcUrl}" is not a URL`, { cause: error });
  }
  request.timeout = timeoutMs;
  request.body = { jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] };
  request.setHeader("content-type", "application/json");
  let body: { result?: unknown; error?: { message?: string } };
  try {
    const response = await request.send();
    response.assertOk();
    body = response.bodyJson as typeof body;
  } catch (error) {
    throw new RpcUnreachableError(role, rpcUrl, (error as { shortMessage?: string }).shortMessage ?? String(error), { cause: error });
  }
  if (typeof body.result !== "string" || !/^0x[0-9a-fA-F]+$/.test(body.result)) {
    throw new RpcUnreachableError(role, rpcUrl, `eth_chainId answered ${JSON.stringify(body.error ?? body.result)}`);
  }
  return Number(BigInt(body.result));
}

async function withTimeout<T>(promise: Promise<T>, ms: number, role: ChainRole, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RpcUnreachableError(role, what, `no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
