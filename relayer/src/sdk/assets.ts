/**
 * ERC721 and ERC1155 transfers through the asset bridge (RootAssetBridge / ChildAssetBridge), for
 * `BridgeClient.depositERC721 / depositERC1155 / withdrawERC721 / withdrawERC1155`. Their messages
 * go through the same messengers as ETH and ERC20 transfers, so status, proofs and relays are the
 * client's usual ones.
 *
 * As for ERC20s, inputs are checked before anything is sent: batch size, ownership or balance of
 * every id, the bridge's approval (given with setApprovalForAll unless `approve: false`).
 */
import { Contract, ZeroAddress, getAddress, isAddress, isError, type Provider, type Signer, type TransactionResponse } from "ethers";

import { childAssetBridgeAbi, erc1155Abi, erc721Abi, rootAssetBridgeAbi } from "./abi";
import { contractAddress } from "./deployments";
import { InsufficientBalanceError, InvalidArgumentError, UnknownTokenError, type ChainSide } from "./errors";
import type { BridgeDeployment } from "./types";

/** Most tokens or ids in one transfer (AssetGas.MAX_BATCH). */
export const MAX_ASSET_BATCH = 20;

export interface AssetTransferOptions {
  /** Receiver on the other chain; default: the sender. */
  to?: string;
  /** Gas floor of the message on the other chain; a lower value leaves the bridge's computed default. */
  gasLimit?: bigint;
  /** Deposits: approve the bridge (setApprovalForAll) when it is not approved yet; default true. */
  approve?: boolean;
}

export interface AssetContext {
  providers: Record<ChainSide, Provider>;
  deployments: Readonly<Record<ChainSide, BridgeDeployment>>;
  signer(side: ChainSide): Signer;
}

type Kind = "ERC721" | "ERC1155";
const KIND_CODE: Record<Kind, bigint> = { ERC721: 1n, ERC1155: 2n };

/** Ids (and amounts, for an ERC1155) as lists, checked: 1 to MAX_ASSET_BATCH non-negative ids, positive amounts. */
export function assetBatch(ids: bigint | readonly bigint[], amounts?: bigint | readonly bigint[]): { ids: bigint[]; amounts: bigint[] } {
  const list = (value: bigint | readonly bigint[]) => (typeof value === "bigint" ? [value] : [...value]);
  const idList = list(ids);
  if (idList.length === 0 || idList.length > MAX_ASSET_BATCH) {
    throw new InvalidArgumentError("token ids", idList.length, `must be 1 to ${MAX_ASSET_BATCH} ids (the bridge's batch limit)`);
  }
  for (const id of idList) if (typeof id !== "bigint" || id < 0n) throw new InvalidArgumentError("token id", id, "must be a non-negative bigint");
  if (amounts === undefined) return { ids: idList, amounts: [] };
  const amountList = list(amounts);
  if (amountList.length !== idList.length) throw new InvalidArgumentError("amounts", amountList.length, `must be one per id (${idList.length})`);
  for (const amount of amountList) if (typeof amount !== "bigint" || amount <= 0n) throw new InvalidArgumentError("amount", amount, "must be a positive bigint");
  return { ids: idList, amounts: amountList };
}

function address(name: string, value: string): string {
  if (typeof value !== "string" || !isAddress(value)) throw new InvalidArgumentError(name, value, "is not an address");
  return getAddress(value);
}

/** Locks ERC721 `ids` of `rootToken` in the root asset bridge; minted on the child chain to `to`. */
export async function depositERC721(ctx: AssetContext, rootToken: string, tokenIds: bigint | readonly bigint[], options: AssetTransferOptions): Promise<TransactionResponse> {
  const token = address("token", rootToken);
  const { ids } = assetBatch(tokenIds);
  const signer = ctx.signer("main");
  const from = await signer.getAddress();
  const to = options.to === undefined ? from : address("to", options.to);
  if ((await ctx.providers.main.getCode(token)) === "0x") throw new UnknownTokenError(token, "main", "no contract at this address");
  const nft = new Contract(token, erc721Abi, signer);
  for (const id of ids) {
    // ownerOf reverts for an id that does not exist: not the sender's either.
    const owner = await (nft.ownerOf(id) as Promise<string>).catch(() => ZeroAddress);
    if (getAddress(owner) !== getAddress(from)) throw new InsufficientBalanceError("main", from, token, 0n, 1n, { symbol: `#${id}`, balance: "0", required: "1" });
  }
  const bridgeAddress = contractAddress(ctx.deployments.main, "RootAssetBridge");
  await approveAll(nft, from, bridgeAddress, options.approve, async () => {
    for (const id of ids) if (getAddress((await nft.getApproved(id)) as string) !== bridgeAddress) return false;
    return true;
  });
  const bridge = new Contract(bridgeAddress, rootAssetBridgeAbi, signer);
  await checkKind(bridge, token, "ERC721");
  if (ids.length === 1 && options.gasLimit === undefined) return bridge.depositERC721(token, to, ids[0]);
  return bridge.depositERC721Batch(token, to, ids, options.gasLimit ?? 0n);
}

/** Locks `amounts` of ERC1155 `ids` of `rootToken` in the root asset bridge; minted on the child chain to `to`. */
export async function depositERC1155(
  ctx: AssetContext,
  rootToken: string,
  tokenIds: bigint | readonly bigint[],
  tokenAmounts: bigint | readonly bigint[],
  options: AssetTransferOptions,
): Promise<TransactionResponse> {
  const token = address("token", rootToken);
  const { ids, amounts } = assetBatch(tokenIds, tokenAmounts);
  const signer = ctx.signer("main");
  const from = await signer.getAddress();
  const to = options.to === undefined ? from : address("to", options.to);
  if ((await ctx.providers.main.getCode(token)) === "0x") throw new UnknownTokenError(token, "main", "no contract at this address");
  const items = new Contract(token, erc1155Abi, signer);
  await checkBalances(items, token, "main", from, ids, amounts);
  const bridgeAddress = contractAddress(ctx.deployments.main, "RootAssetBridge");
  await approveAll(items, from, bridgeAddress, options.approve);
  const bridge = new Contract(bridgeAddress, rootAssetBridgeAbi, signer);
  await checkKind(bridge, token, "ERC1155");
  if (ids.length === 1 && options.gasLimit === undefined) return bridge.depositERC1155(token, to, ids[0], amounts[0]);
  return bridge.depositERC1155Batch(token, to, ids, amounts, options.gasLimit ?? 0n);
}

/** The child ERC721/ERC1155 of a root token, or the child token itself, with its root token. */
export async function resolveChildAsset(ctx: AssetContext, token: string, kind: Kind): Promise<{ rootToken: string; childToken: string }> {
  const address_ = address("token", token);
  const bridge = new Contract(contractAddress(ctx.deployments.child, "ChildAssetBridge"), childAssetBridgeAbi, ctx.providers.child);
  const [rootToken, deployedKind] = (await bridge.rootTokenOf(address_)) as [string, bigint];
  if (rootToken !== ZeroAddress) {
    if (deployedKind !== KIND_CODE[kind]) throw new UnknownTokenError(address_, "child", `the child token is not an ${kind}`);
    return { rootToken: getAddress(rootToken), childToken: address_ };
  }
  const childToken = (await bridge.childTokenOf(address_)) as string;
  if (childToken === ZeroAddress) throw new UnknownTokenError(address_, "child", "no deposit of this root token has arrived on the child chain, and it is no child token of the asset bridge");
  return resolveChildAsset(ctx, childToken, kind);
}

/** Burns ERC721 `ids` of a child token (named by itself or its root token); released on the main chain to `to`. */
export async function withdrawERC721(ctx: AssetContext, token: string, tokenIds: bigint | readonly bigint[], options: AssetTransferOptions): Promise<TransactionResponse> {
  const { ids } = assetBatch(tokenIds);
  const signer = ctx.signer("child");
  const from = await signer.getAddress();
  const to = options.to === undefined ? from : address("to", options.to);
  const { childToken } = await resolveChildAsset(ctx, token, "ERC721");
  const nft = new Contract(childToken, erc721Abi, ctx.providers.child);
  for (const id of ids) {
    const owner = (await (nft.ownerOf(id) as Promise<string>).catch(() => ZeroAddress)) as string;
    if (getAddress(owner) !== getAddress(from)) throw new InsufficientBalanceError("child", from, childToken, 0n, 1n, { symbol: `#${id}`, balance: "0", required: "1" });
  }
  const bridge = new Contract(contractAddress(ctx.deployments.child, "ChildAssetBridge"), childAssetBridgeAbi, signer);
  if (ids.length === 1 && options.gasLimit === undefined) return bridge.withdrawERC721(childToken, to, ids[0]);
  return bridge.withdrawERC721Batch(childToken, to, ids, options.gasLimit ?? 0n);
}

/** Burns `amounts` of ERC1155 `ids` of a child token (named by itself or its root token); released on the main chain to `to`. */
export async function withdrawERC1155(
  ctx: AssetContext,
  token: string,
  tokenIds: bigint | readonly bigint[],
  tokenAmounts: bigint | readonly bigint[],
  options: AssetTransferOptions,
): Promise<TransactionResponse> {
  const { ids, amounts } = assetBatch(tokenIds, tokenAmounts);
  const signer = ctx.signer("child");
  const from = await signer.getAddress();
  const to = options.to === undefined ? from : address("to", options.to);
  const { childToken } = await resolveChildAsset(ctx, token, "ERC1155");
  await checkBalances(new Contract(childToken, erc1155Abi, ctx.providers.child), childToken, "child", from, ids, amounts);
  const bridge = new Contract(contractAddress(ctx.deployments.child, "ChildAssetBridge"), childAssetBridgeAbi, signer);
  if (ids.length === 1 && options.gasLimit === undefined) return bridge.withdrawERC1155(childToken, to, ids[0], amounts[0]);
  return bridge.withdrawERC1155Batch(childToken, to, ids, amounts, options.gasLimit ?? 0n);
}

async function checkBalances(items: Contract, token: string, side: ChainSide, owner: string, ids: bigint[], amounts: bigint[]): Promise<void> {
  const balances = await call(() => items.balanceOfBatch(ids.map(() => owner), ids) as Promise<bigint[]>, token, "an ERC1155 token (balanceOfBatch reverted)");
  // An id listed twice needs its amounts together.
  const needed = new Map<bigint, bigint>();
  ids.forEach((id, i) => needed.set(id, (needed.get(id) ?? 0n) + amounts[i]));
  ids.forEach((id, i) => {
    const required = needed.get(id)!;
    if (balances[i] < required) throw new InsufficientBalanceError(side, owner, token, balances[i], required, { symbol: `id ${id}`, balance: String(balances[i]), required: String(required) });
  });
}

async function approveAll(token: Contract, owner: string, operator: string, approve: boolean | undefined, approvedEach?: () => Promise<boolean>): Promise<void> {
  if ((await token.isApprovedForAll(owner, operator)) as boolean) return;
  if (approvedEach !== undefined && (await approvedEach())) return;
  if (approve === false) throw new InvalidArgumentError("approve", false, `but ${operator} (the asset bridge) is not approved for ${owner}'s tokens`);
  await (await token.setApprovalForAll(operator, true)).wait();
}

/** A token first deposited as one kind cannot cross as the other; said before a transaction reverts on it. */
async function checkKind(bridge: Contract, token: string, kind: Kind): Promise<void> {
  const mapped = (await bridge.kindOf(token)) as bigint;
  if (mapped !== 0n && mapped !== KIND_CODE[kind]) throw new UnknownTokenError(token, "main", `the asset bridge carries it as ${mapped === 1n ? "an ERC721" : "an ERC1155"}`);
}

async function call<T>(read: () => Promise<T>, token: string, what: string): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (isError(error, "CALL_EXCEPTION") || isError(error, "BAD_DATA")) throw new UnknownTokenError(token, "main", `the contract at this address is not ${what}`);
    throw error;
  }
}
