/**
 * The asset bridge's user commands of `sidechain`, thin layers over `BridgeClient`:
 *   deposit-erc721 / deposit-erc1155 / withdraw-erc721 / withdraw-erc1155   (NFTs of the main chain)
 *   register-child-token, main-token, exit-erc20|erc721|erc1155, return-erc20|erc721|erc1155
 *                                                                             (tokens created on the child chain)
 *   claim-erc721, claim-erc1155, claim-return                                (releases credited after a failure)
 * Text or one JSON object (--json), as the other user commands; errors go to cli.ts.
 */
import type { AssetKind, AssetWay } from "../sdk/assets";
import type { BridgeClient } from "../sdk/client";
import { InvalidArgumentError, UnknownTokenError } from "../sdk/errors";
import { formatAmount, parseAmount } from "../sdk/units";
import { checkArguments, gasLimitArgument, parseLogIndex, print, withClient, type ConnectionOptions } from "./user";

export interface AssetOptions extends ConnectionOptions {
  token: string;
  /** Comma-separated token ids, e.g. "1,2,3" (at most 20); none for an ERC20. */
  ids?: string;
  /** ERC1155: comma-separated amounts, one per id. */
  amounts?: string;
  /** ERC20: the amount in token units, e.g. 1.5. */
  amount?: string;
  to?: string;
  gasLimit?: string;
}

export interface RegisterOptions extends ConnectionOptions {
  token: string;
  kind: string;
}

export interface ClaimAssetOptions extends ConnectionOptions {
  token: string;
  id: string;
  /** ERC1155: how many (default: all of the credit). */
  amount?: string;
  to?: string;
}

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const SIDE: Record<AssetWay, { from: "main" | "child"; to: "main" | "child"; noun: string }> = {
  deposit: { from: "main", to: "child", noun: "deposit" },
  withdraw: { from: "child", to: "main", noun: "withdrawal" },
  exit: { from: "child", to: "main", noun: "exit" },
  return: { from: "main", to: "child", noun: "return" },
};

function tokenArgument(token: string | undefined): string {
  if (token === undefined || !ADDRESS.test(token)) throw new InvalidArgumentError("--token", token ?? "(missing)", "is not an address");
  return token;
}

/** "1,2,3" as bigints; each a non-negative integer. */
function numberList(argument: string, text: string | undefined): bigint[] {
  if (text === undefined || !/^\d+(,\d+)*$/.test(text.replace(/\s+/g, ""))) throw new InvalidArgumentError(argument, text ?? "(missing)", "is not a comma-separated list of non-negative integers");
  return text.replace(/\s+/g, "").split(",").map((v) => BigInt(v));
}

function kindArgument(text: string | undefined): AssetKind {
  const kind = text?.toUpperCase();
  if (kind !== "ERC20" && kind !== "ERC721" && kind !== "ERC1155") throw new InvalidArgumentError("--kind", text ?? "(missing)", "is not ERC20, ERC721 or ERC1155");
  return kind;
}

/** Symbol and decimals of the ERC20 an exit or return moves; a return may name the MainMintable token or its child token. */
async function erc20Info(client: BridgeClient, way: AssetWay, token: string): Promise<{ symbol: string; decimals: number }> {
  if (way === "exit") return client.getTokenInfo(token, "child");
  try {
    return await client.getTokenInfo(token, "main");
  } catch (error) {
    // The child token's name: its MainMintable token has the same decimals.
    if (error instanceof UnknownTokenError) return client.getTokenInfo(token, "child");
    throw error;
  }
}

/** Any asset transfer: `<way>-<kind>`, one id or a batch (an amount for an ERC20). */
export async function assetTransfer(kind: AssetKind, way: AssetWay, options: AssetOptions): Promise<void> {
  checkArguments(options);
  const token = tokenArgument(options.token);
  const ids = kind === "ERC20" ? [] : numberList("--ids", options.ids);
  let amounts = kind === "ERC1155" ? numberList("--amounts", options.amounts) : [];
  if (kind === "ERC1155" && amounts.length !== ids.length) throw new InvalidArgumentError("--amounts", options.amounts, `must list one amount per id (${ids.length})`);
  if (kind === "ERC20" && options.amount === undefined) throw new InvalidArgumentError("--amount", "(missing)", "is required for an ERC20");
  await withClient(options, async (client) => {
    const sides = SIDE[way];
    const from = await client.getAddress(sides.from);
    const to = options.to ?? from;
    let what: string;
    if (kind === "ERC20") {
      const info = await erc20Info(client, way, token);
      amounts = [parseAmount(options.amount!, info.decimals)];
      what = `${formatAmount(amounts[0], info.decimals)} ${info.symbol}`;
    } else {
      what = kind === "ERC721" ? `${kind} ${ids.map((id) => `#${id}`).join(", ")}` : `${kind} ${ids.map((id, i) => `${amounts[i]} of #${id}`).join(", ")}`;
    }
    const transfer = await client.transferAsset(way, kind, token, kind === "ERC20" ? undefined : ids, kind === "ERC721" ? undefined : kind === "ERC20" ? amounts[0] : amounts, {
      to,
      gasLimit: gasLimitArgument(options.gasLimit),
    });
    print(
      options,
      { command: `${way}-${kind.toLowerCase()}`, ...transfer, token, ids, amounts, from, to },
      [
        `${sides.noun} sent: ${what} of ${token} from ${from} on the ${sides.from} chain to ${to} on the ${sides.to} chain`,
        `  transaction  ${transfer.txHash}`,
        `  message      ${transfer.messageId} (${transfer.direction})`,
        `follow it: sidechain status ${transfer.txHash}`,
      ].join("\n"),
    );
  });
}

/** register-child-token: the token's owner lets it exit to the main chain. */
export async function registerChildToken(options: RegisterOptions): Promise<void> {
  const token = tokenArgument(options.token);
  const kind = kindArgument(options.kind);
  await withClient(options, async (client) => {
    const result = await client.registerChildNative(token, kind);
    const main = await client.getMainToken(token, kind);
    print(
      options,
      { command: "register-child-token", ...result, mainToken: main.mainToken },
      `registered ${token} for exit as an ${kind} in transaction ${result.txHash}\n  its main-chain token will be ${main.mainToken} (deployed by the first exit)`,
    );
  });
}

/** main-token: where a child-chain token's MainMintable token is (or will be). Needs no key. */
export async function mainToken(options: ConnectionOptions & { token: string; kind?: string }): Promise<void> {
  const token = tokenArgument(options.token);
  const kind = options.kind === undefined ? undefined : kindArgument(options.kind);
  await withClient(options, async (client) => {
    const info = await client.getMainToken(token, kind);
    print(options, { command: "main-token", ...info }, `${info.kind} ${info.childToken} on the child chain → ${info.mainToken} on the main chain (${info.deployed ? "deployed" : "not deployed yet: the first exit deploys it"})`);
  }, false);
}

/** claim-erc721 / claim-erc1155: a withdrawal release the root asset bridge credited to the key's address. */
export async function claimAsset(kind: "ERC721" | "ERC1155", options: ClaimAssetOptions): Promise<void> {
  checkArguments({ to: options.to });
  const token = tokenArgument(options.token);
  const [id] = numberList("--id", options.id);
  if (options.id.includes(",")) throw new InvalidArgumentError("--id", options.id, "is one token id");
  if (kind === "ERC721" && options.amount !== undefined) throw new InvalidArgumentError("--amount", options.amount, "is for an ERC1155 only");
  const amount = options.amount === undefined ? undefined : numberList("--amount", options.amount)[0];
  await withClient(options, async (client) => {
    const result = kind === "ERC721" ? await client.claimERC721(token, id, { to: options.to }) : await client.claimERC1155(token, id, { amount, to: options.to });
    const what = kind === "ERC721" ? `${kind} #${id}` : `${result.amounts[0]} of ${kind} #${id}`;
    print(options, { command: `claim-${kind.toLowerCase()}`, ...result }, `claimed ${what} of ${token} to ${result.to} in transaction ${result.txHash}`);
  });
}

/** claim-return <txHash>: a return of a child-chain token the child asset bridge credited to the key's address. */
export async function claimReturn(txHash: string, options: ConnectionOptions & { to?: string; logIndex?: string }): Promise<void> {
  checkArguments({ txHash, to: options.to });
  const logIndex = parseLogIndex(options.logIndex);
  await withClient(options, async (client) => {
    const result = await client.claimReturn({ txHash, logIndex }, { to: options.to });
    print(options, { command: "claim-return", ...result }, `claimed the return of ${result.token} (ids ${result.ids.join(", ") || "-"}, amounts ${result.amounts.join(", ") || "-"}) to ${result.to} in transaction ${result.txHash}`);
  });
}
