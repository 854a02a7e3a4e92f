/**
 * The user commands of `sidechain`: deposit, withdraw, deposit-erc721 / deposit-erc1155 /
 * withdraw-erc721 / withdraw-erc1155, status, relay, claim, execute-release, balances, each a thin layer
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

export interface AssetOptions extends ConnectionOptions {
  token: string;
  /** Comma-separated token ids, e.g. "1,2,3" (at most 20). */
  ids: string;
  /** ERC1155: comma-separated amounts, one per id. */
  amounts?: string;
  to?: string;
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
function gasLimitArgument(text: string | undefined): bigint | undefined {
  if (text === undefined) return undefined;
  if (!GAS.test(text) || BigInt(text) === 0n || BigInt(text) > 15_000_000n) throw new InvalidArgumentError("--gas-limit", text, "is not an integer from 1 to 15000000");
  return BigInt(text);
}

/** Checked before connecting, so that a typo fails at once and without an RPC round trip. */
function checkArguments(options: { amount?: string; to?: string; txHash?: string; gasLimit?: string }): void {
  gasLimitArgument(options.gasLimit);
  if (options.amount !== undefined && !AMOUNT.test(options.amount)) throw new InvalidArgumentError("--amount", options.amount, "is not a positive decimal number");
  if (options.to !== undefined && !/^0x[0-9a-fA-F]{40}$/.test(options.to)) throw new InvalidArgumentError("--to", options.to, "is not an address");
  if (options.txHash !== undefined && !TX_HASH.test(options.txHash)) throw new InvalidArgumentError("transaction hash", options.txHash, "is not a 0x-prefixed 32-byte hash");
}

async function withClient<T>(options: ConnectionOptions, run: (client: BridgeClient, hasKey: boolean) => Promise<T>, needsKey = true): Promise<T> {
  const { client, hasKey } = connect(options);
  try {
    if (needsKey && !hasKey) throw new InvalidArgumentError("--key", "(missing)", "is required to send transactions: pass --key or set SIDECHAIN_USER_KEY");
    return await run(client, hasKey);
  } finally {
    // The providers' sockets and timers would keep the process alive after the command.
    client.close();
  }
}

function print(options: ConnectionOptions, json: unknown, text: string): void {
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

/** "1,2,3" as bigints; each a non-negative integer. */
function idList(argument: string, text: string | undefined): bigint[] {
  if (text === undefined || !/^\d+(,\d+)*$/.test(text.replace(/\s+/g, ""))) throw new InvalidArgumentError(argument, text ?? "(missing)", "is not a comma-separated list of non-negative integers");
  return text.replace(/\s+/g, "").split(",").map((v) => BigInt(v));
}

/**
 * deposit-erc721 / deposit-erc1155 (main -> child) and withdraw-erc721 / withdraw-erc1155
 * (child -> main): one id or a batch, through the asset bridge.
 */
export async function assetTransfer(kind: "ERC721" | "ERC1155", way: "deposit" | "withdraw", options: AssetOptions): Promise<void> {
  checkArguments(options);
  if (!/^0x[0-9a-fA-F]{40}$/.test(options.token)) throw new InvalidArgumentError("--token", options.token, "is not an address");
  const ids = idList("--ids", options.ids);
  const amounts = kind === "ERC1155" ? idList("--amounts", options.amounts) : undefined;
  if (amounts !== undefined && amounts.length !== ids.length) throw new InvalidArgumentError("--amounts", options.amounts, `must list one amount per id (${ids.length})`);
  await withClient(options, async (client) => {
    const side = way === "deposit" ? "main" : "child";
    const from = await client.getAddress(side);
    const to = options.to ?? from;
    const transferOptions = { to, gasLimit: gasLimitArgument(options.gasLimit) };
    const transfer =
      kind === "ERC721"
        ? way === "deposit"
          ? await client.depositERC721(options.token, ids, transferOptions)
          : await client.withdrawERC721(options.token, ids, transferOptions)
        : way === "deposit"
          ? await client.depositERC1155(options.token, ids, amounts!, transferOptions)
          : await client.withdrawERC1155(options.token, ids, amounts!, transferOptions);
    const what = kind === "ERC721" ? `${kind} ${ids.map((id) => `#${id}`).join(", ")}` : `${kind} ${ids.map((id, i) => `${amounts![i]} of #${id}`).join(", ")}`;
    const [source, destination] = transfer.direction.split("->");
    print(
      options,
      { command: `${way}-${kind.toLowerCase()}`, ...transfer, token: options.token, ids, amounts, from, to },
      [
        `${way === "deposit" ? "deposit" : "withdrawal"} sent: ${what} of ${options.token} from ${from} on the ${source} chain to ${to} on the ${destination} chain`,
        `  transaction  ${transfer.txHash}`,
        `  message      ${transfer.messageId} (${transfer.direction})`,
        `follow it: sidechain status ${transfer.txHash}`,
      ].join("\n"),
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

function parseLogIndex(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new InvalidArgumentError("--log-index", text, "is not a non-negative integer");
  return Number(text);
}
