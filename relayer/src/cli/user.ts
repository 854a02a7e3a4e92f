/**
 * The user commands of `sidechain`: deposit, withdraw, status, relay, claim, execute-release,
 * balances (the asset bridge's commands are in assets.ts), each a thin layer
 * over `BridgeClient` that parses amounts in token units and prints text or one JSON object.
 * Errors propagate to cli.ts, which prints one line and picks the exit code (2 for bad input).
 */
import { NATIVE_TOKEN } from "../sdk/abi";
import type { BridgeClient } from "../sdk/client";
import { InvalidArgumentError } from "../sdk/errors";
import { formatAmount, parseAmount } from "../sdk/units";
import { connect, type ConnectionOptions } from "./connection";

export type { ConnectionOptions };
import { balancesJson, balancesText, relayText, statusText, toJson, transferText } from "./format";

export interface TransferOptions extends ConnectionOptions {
  amount: string;
  token?: string;
  to?: string;
  /** Gas floor of the message on the other chain (default: the bridge's). */
  gasLimit?: string;
}

export interface ClaimOptions extends ConnectionOptions {
  token?: string;
  /** In token units; default: the whole credit. */
  amount?: string;
  to?: string;
}

const TX_HASH = /^0x[0-9a-fA-F]{64}$/;
const GAS = /^\d+$/;
const AMOUNT = /^\d+(\.\d+)?$/;

/** `--token ETH` (any case), or no --token, stands for the main chain's currency: deposit and withdraw alike. */
function tokenArgument(token: string | undefined): string {
  if (token === undefined || token.toUpperCase() === "ETH") return NATIVE_TOKEN;
  if (!/^0x[0-9a-fA-F]{40}$/.test(token)) throw new InvalidArgumentError("--token", token, "is not an address or ETH");
  return token;
}

/** `--gas-limit`: a positive integer, at most the messenger's 15,000,000. */
export function gasLimitArgument(text: string | undefined): bigint | undefined {
  if (text === undefined) return undefined;
  if (!GAS.test(text) || BigInt(text) === 0n || BigInt(text) > 15_000_000n) throw new InvalidArgumentError("--gas-limit", text, "is not an integer from 1 to 15000000");
  return BigInt(text);
}

/** Checked before connecting, so that a typo fails at once and without an RPC round trip. */
export function checkArguments(options: { amount?: string; to?: string; txHash?: string; gasLimit?: string }): void {
  gasLimitArgument(options.gasLimit);
  if (options.amount !== undefined && !AMOUNT.test(options.amount)) throw new InvalidArgumentError("--amount", options.amount, "is not a positive decimal number");
  if (options.to !== undefined && !/^0x[0-9a-fA-F]{40}$/.test(options.to)) throw new InvalidArgumentError("--to", options.to, "is not an address");
  if (options.txHash !== undefined && !TX_HASH.test(options.txHash)) throw new InvalidArgumentError("transaction hash", options.txHash, "is not a 0x-prefixed 32-byte hash");
}

export async function withClient<T>(options: ConnectionOptions, run: (client: BridgeClient, hasKey: boolean) => Promise<T>, needsKey = true): Promise<T> {
  const { client, hasKey } = connect(options);
  try {
    if (needsKey && !hasKey) throw new InvalidArgumentError("--key", "(missing)", "is required to send transactions: pass --key or set SIDECHAIN_USER_KEY");
    return await run(client, hasKey);
  } finally {
    // The providers' sockets and timers would keep the process alive after the command.
    client.close();
  }
}

export function print(options: ConnectionOptions, json: unknown, text: string): void {
  process.stdout.write(`${options.json === true ? toJson(json) : text}\n`);
}

export async function deposit(options: TransferOptions): Promise<void> {
  checkArguments(options);
  const token = tokenArgument(options.token);
  await withClient(options, async (client) => {
    const info = await client.getTokenInfo(token, "main");
    const amount = parseAmount(options.amount, info.decimals);
    const from = await client.getAddress("main");
    const to = options.to ?? from;
    const gasLimit = gasLimitArgument(options.gasLimit);
    const transfer = token === NATIVE_TOKEN ? await client.depositETH(amount, { to, gasLimit }) : await client.deposit(token, amount, { to, gasLimit });
    print(
      options,
      { command: "deposit", ...transfer, token: info.address, symbol: info.symbol, amount, from, to },
      transferText("deposit", transfer, { amount, symbol: info.symbol, decimals: info.decimals, from, to }),
    );
  });
}

export async function withdraw(options: TransferOptions): Promise<void> {
  checkArguments(options);
  const token = tokenArgument(options.token);
  await withClient(options, async (client) => {
    const { rootToken, childToken } = await client.resolveChildToken(token);
    const info = await client.getTokenInfo(childToken, "child");
    const amount = parseAmount(options.amount, info.decimals);
    const from = await client.getAddress("child");
    const to = options.to ?? from;
    const transfer = await client.withdraw(childToken, amount, { to, gasLimit: gasLimitArgument(options.gasLimit) });
    print(
      options,
      { command: "withdraw", ...transfer, rootToken, childToken, symbol: info.symbol, amount, from, to },
      transferText("withdrawal", transfer, { amount, symbol: info.symbol, decimals: info.decimals, from, to }),
    );
  });
}

export async function status(txHash: string, options: ConnectionOptions & { logIndex?: string }): Promise<void> {
  checkArguments({ txHash });
  const logIndex = parseLogIndex(options.logIndex);
  await withClient(options, async (client) => {
    const result = await client.getMessageStatus({ txHash, logIndex });
    print(options, { command: "status", ...result }, statusText(result));
  }, false);
}

export async function relay(txHash: string, options: ConnectionOptions & { logIndex?: string; gasLimit?: string }): Promise<void> {
  checkArguments({ txHash, gasLimit: options.gasLimit });
  const logIndex = parseLogIndex(options.logIndex);
  await withClient(options, async (client) => {
    const result = await client.relay(txHash, { logIndex, gasLimit: gasLimitArgument(options.gasLimit) });
    print(options, { command: "relay", ...result }, relayText(result));
  });
}

/** Executes the release a bridge's rate limit queued for the transfer of `txHash`, once it is due. */
export async function executeRelease(txHash: string, options: ConnectionOptions & { logIndex?: string }): Promise<void> {
  checkArguments({ txHash });
  const logIndex = parseLogIndex(options.logIndex);
  await withClient(options, async (client) => {
    const result = await client.executeQueuedRelease({ txHash, logIndex });
    const text =
      result.outcome === "already-executed" ? `release ${result.releaseId} was already executed: nothing to do` : `executed release ${result.releaseId} in transaction ${result.txHash}`;
    print(options, { command: "execute-release", ...result }, text);
  });
}

/** Pays out withdrawals the root bridge credited to the key's address (their release had failed). */
export async function claim(options: ClaimOptions): Promise<void> {
  checkArguments(options);
  const token = tokenArgument(options.token);
  await withClient(options, async (client) => {
    const info = await client.getTokenInfo(token, "main");
    const amount = options.amount === undefined ? undefined : parseAmount(options.amount, info.decimals);
    const result = await client.claimWithdrawal(token, { amount, to: options.to });
    print(
      options,
      { command: "claim", ...result, token: info.address, symbol: info.symbol },
      `claimed ${formatAmount(result.amount, info.decimals)} ${info.symbol} to ${result.to} in transaction ${result.txHash}`,
    );
  });
}

export async function balances(address: string | undefined, options: ConnectionOptions): Promise<void> {
  if (address !== undefined && !/^0x[0-9a-fA-F]{40}$/.test(address)) throw new InvalidArgumentError("address", address, "is not an address");
  await withClient(options, async (client, hasKey) => {
    if (address === undefined && !hasKey) throw new InvalidArgumentError("address", "(missing)", "is required without a key (--key or SIDECHAIN_USER_KEY)");
    const result = await client.balances(address);
    print(options, { command: "balances", ...(balancesJson(result) as object) }, balancesText(result));
  }, false);
}

export function parseLogIndex(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new InvalidArgumentError("--log-index", text, "is not a non-negative integer");
  return Number(text);
}
