/**
 * Transfers through the asset bridge pair (RootAssetBridge / ChildAssetBridge), for `BridgeClient`:
 *   deposit  ERC721/ERC1155 of the main chain, escrowed on main, minted on child;
 *   withdraw their child tokens, burnt on child, released on main;
 *   exit     ERC20/ERC721/ERC1155 created on the child chain, locked in the ChildLockbox, minted
 *            on main as their `MainMintable…` token;
 *   return   those `MainMintable…` tokens, burnt on main, released from the ChildLockbox.
 * One function, `transferAsset`, does all four for every kind, so that each check (batch shape,
 * what the sender holds, approvals, the token being the bridge's) is written once. Their messages
 * go through the same messengers as ETH and ERC20 transfers, so status, proofs and relays are the
 * client's usual ones.
 *
 * As for ERC20s, inputs are checked before anything is sent; the bridge is approved when it pulls
 * the tokens (setApprovalForAll, or approve for a child-native ERC20) unless `approve: false`.
 */
import { Contract, ZeroAddress, getAddress, isAddress, isError, type Provider, type Signer, type TransactionResponse } from "ethers";

import { childAssetBridgeAbi, erc1155Abi, erc20Abi, erc721Abi, rootAssetBridgeAbi } from "./abi";
import { contractAddress } from "./deployments";
import {
  ChildNativeNotRegisteredError,
  InsufficientAllowanceError,
  InsufficientBalanceError,
  InvalidArgumentError,
  UnknownTokenError,
  type ChainSide,
} from "./errors";
import type { BridgeDeployment } from "./types";
import { formatAmount, tokenDisplay } from "./units";

/** Most tokens or ids in one transfer (AssetGas.MAX_BATCH). */
export const MAX_ASSET_BATCH = 20;

export interface AssetTransferOptions {
  /** Receiver on the other chain; default: the sender. */
  to?: string;
  /** Gas floor of the message on the other chain; a lower value leaves the bridge's computed default. */
  gasLimit?: bigint;
  /** Deposits and exits: approve the bridge when it is not approved yet; default true. */
  approve?: boolean;
}

export interface AssetContext {
  providers: Record<ChainSide, Provider>;
  deployments: Readonly<Record<ChainSide, BridgeDeployment>>;
  signer(side: ChainSide): Signer;
}

/** What crosses the asset bridges; ERC20 only as a token created on the child chain. */
export type AssetKind = "ERC20" | "ERC721" | "ERC1155";
export type NftKind = "ERC721" | "ERC1155";
/** deposit/withdraw: main-chain NFTs; exit/return: tokens created on the child chain. */
export type AssetWay = "deposit" | "withdraw" | "exit" | "return";

/** `AssetKind` of contracts/interfaces/AssetKind.sol. */
export const KIND_CODE: Record<AssetKind, bigint> = { ERC721: 1n, ERC1155: 2n, ERC20: 3n };
export function kindName(code: bigint): AssetKind | undefined {
  return (Object.keys(KIND_CODE) as AssetKind[]).find((kind) => KIND_CODE[kind] === code);
}

interface Route {
  /** Where the transfer is sent from. */
  side: ChainSide;
  bridge: "RootAssetBridge" | "ChildAssetBridge";
  /** The bridge takes the tokens (escrow, lockbox) rather than burning them: it needs an approval. */
  pulls: boolean;
}

const ROUTES: Record<AssetWay, Route> = {
  deposit: { side: "main", bridge: "RootAssetBridge", pulls: true },
  withdraw: { side: "child", bridge: "ChildAssetBridge", pulls: false },
  exit: { side: "child", bridge: "ChildAssetBridge", pulls: true },
  return: { side: "main", bridge: "RootAssetBridge", pulls: false },
};

/** What is moved: ERC20 one amount and no ids; ERC721 ids and no amounts; ERC1155 one amount per id. */
export interface AssetBatch {
  ids: bigint[];
  amounts: bigint[];
}

/** Ids (and amounts, for an ERC1155) as lists, checked: 1 to MAX_ASSET_BATCH non-negative ids, positive amounts. */
export function assetBatch(ids: bigint | readonly bigint[], amounts?: bigint | readonly bigint[]): AssetBatch {
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

/** The batch of `kind` from what a caller passed: an amount for an ERC20, ids (and amounts) otherwise. */
function batchOf(kind: AssetKind, ids: bigint | readonly bigint[] | undefined, amounts: bigint | readonly bigint[] | undefined): AssetBatch {
  if (kind === "ERC20") {
    if (typeof amounts !== "bigint" || amounts <= 0n) throw new InvalidArgumentError("amount", amounts, "must be a positive bigint (base units)");
    return { ids: [], amounts: [amounts] };
  }
  return assetBatch(ids!, kind === "ERC1155" ? amounts : undefined);
}

export function checkedAddress(name: string, value: string): string {
  if (typeof value !== "string" || !isAddress(value)) throw new InvalidArgumentError(name, value, "is not an address");
  return getAddress(value);
}

export function assetBridge(ctx: AssetContext, side: ChainSide, runner?: Signer): Contract {
  const name = side === "main" ? "RootAssetBridge" : "ChildAssetBridge";
  return new Contract(contractAddress(ctx.deployments[side], name), side === "main" ? rootAssetBridgeAbi : childAssetBridgeAbi, runner ?? ctx.providers[side]);
}

/**
 * Sends one asset transfer (`way`) of `kind`: `ids` and `amounts` as `assetBatch` takes them, or
 * for an ERC20 `amounts` alone (one bigint). `token` may name either side's token where a way
 * allows it (withdraw: the child token or its root token; return: the main token or its child token).
 */
export async function transferAsset(
  ctx: AssetContext,
  way: AssetWay,
  kind: AssetKind,
  token: string,
  ids: bigint | readonly bigint[] | undefined,
  amounts: bigint | readonly bigint[] | undefined,
  options: AssetTransferOptions,
): Promise<TransactionResponse> {
  const route = ROUTES[way];
  if (route === undefined) throw new InvalidArgumentError("way", way, "is not deposit, withdraw, exit or return");
  if (KIND_CODE[kind] === undefined) throw new InvalidArgumentError("kind", kind, "is not ERC20, ERC721 or ERC1155");
  // A main-chain ERC20 crosses through RootBridge, not the asset bridge.
  if (kind === "ERC20" && (way === "deposit" || way === "withdraw")) throw new InvalidArgumentError("kind", kind, `has no asset-bridge ${way}: use ${way}() (the token bridge)`);
  const address = checkedAddress("token", token);
  const batch = batchOf(kind, ids, amounts);
  const signer = ctx.signer(route.side);
  const from = getAddress(await signer.getAddress());
  const to = options.to === undefined ? from : checkedAddress("to", options.to);
  const moved = await resolveToken(ctx, way, kind, address);
  await checkHoldings(ctx.providers[route.side], route.side, kind, moved, from, batch);
  const bridgeAddress = contractAddress(ctx.deployments[route.side], route.bridge);
  if (route.pulls) await approveBridge(signer, kind, moved, from, bridgeAddress, batch, options.approve);
  const bridge = assetBridge(ctx, route.side, signer);
  const gas = options.gasLimit ?? 0n;
  // One id without a gas floor takes the single-token function, which costs a little less.
  const single = batch.ids.length === 1 && options.gasLimit === undefined;
  switch (way) {
    case "deposit":
      if (kind === "ERC721") return single ? bridge.depositERC721(moved, to, batch.ids[0]) : bridge.depositERC721Batch(moved, to, batch.ids, gas);
      return single ? bridge.depositERC1155(moved, to, batch.ids[0], batch.amounts[0]) : bridge.depositERC1155Batch(moved, to, batch.ids, batch.amounts, gas);
    case "withdraw":
      if (kind === "ERC721") return single ? bridge.withdrawERC721(moved, to, batch.ids[0]) : bridge.withdrawERC721Batch(moved, to, batch.ids, gas);
      return single ? bridge.withdrawERC1155(moved, to, batch.ids[0], batch.amounts[0]) : bridge.withdrawERC1155Batch(moved, to, batch.ids, batch.amounts, gas);
    case "exit":
      return bridge.exitChildNative(moved, to, batch.ids, batch.amounts, gas);
    case "return":
      return bridge.returnToChild(moved, to, batch.ids, batch.amounts, gas);
  }
}

/** The token the bridge moves for `way`, checked to be one it moves as `kind`. */
async function resolveToken(ctx: AssetContext, way: AssetWay, kind: AssetKind, token: string): Promise<string> {
  switch (way) {
    case "deposit": {
      if ((await ctx.providers.main.getCode(token)) === "0x") throw new UnknownTokenError(token, "main", "no contract at this address");
      const bridge = assetBridge(ctx, "main");
      const mapped = (await bridge.kindOf(token)) as bigint;
      // A token first deposited as one kind cannot cross as the other; said before a transaction reverts on it.
      if (mapped !== 0n && mapped !== KIND_CODE[kind]) throw new UnknownTokenError(token, "main", `the asset bridge carries it as an ${kindName(mapped)}`);
      const [childToken] = (await bridge.childTokenOfMintable(token)) as [string, bigint];
      if (childToken !== ZeroAddress) throw new UnknownTokenError(token, "main", `it is the MainMintable token of the child-chain token ${getAddress(childToken)}: send it back with return${kind}`);
      return token;
    }
    case "withdraw":
      return (await resolveChildAsset(ctx, token, kind as NftKind)).childToken;
    case "exit":
      return (await resolveChildNative(ctx, token, kind)).childToken;
    case "return":
      return (await resolveMainMintable(ctx, token, kind)).mainToken;
  }
}

/** The child ERC721/ERC1155 of a root token, or the child token itself, with its root token. */
export async function resolveChildAsset(ctx: AssetContext, token: string, kind: NftKind): Promise<{ rootToken: string; childToken: string }> {
  const address = checkedAddress("token", token);
  const bridge = assetBridge(ctx, "child");
  const [rootToken, deployedKind] = (await bridge.rootTokenOf(address)) as [string, bigint];
  if (rootToken !== ZeroAddress) {
    if (deployedKind !== KIND_CODE[kind]) throw new UnknownTokenError(address, "child", `the child token is not an ${kind}`);
    return { rootToken: getAddress(rootToken), childToken: address };
  }
  const childToken = (await bridge.childTokenOf(address)) as string;
  if (childToken === ZeroAddress) {
    const registered = (await bridge.exitKindOf(address)) as bigint;
    if (registered !== 0n) throw new UnknownTokenError(address, "child", `it was created on the child chain: it goes to the main chain with exit${kindName(registered)}`);
    throw new UnknownTokenError(address, "child", "no deposit of this root token has arrived on the child chain, and it is no child token of the asset bridge");
  }
  return resolveChildAsset(ctx, childToken, kind);
}

/**
 * A token created on the child chain and registered for exit as `kind`.
 * @throws ChildNativeNotRegisteredError when it is not (or as another kind); UnknownTokenError for no contract or a bridge-deployed token.
 */
export async function resolveChildNative(ctx: AssetContext, token: string, kind: AssetKind): Promise<{ childToken: string }> {
  const address = checkedAddress("token", token);
  if ((await ctx.providers.child.getCode(address)) === "0x") throw new UnknownTokenError(address, "child", "no contract at this address");
  const bridge = assetBridge(ctx, "child");
  const registered = (await bridge.exitKindOf(address)) as bigint;
  if (registered === KIND_CODE[kind]) return { childToken: address };
  if (registered !== 0n) throw new ChildNativeNotRegisteredError(address, kind, kindName(registered));
  const [rootToken] = (await bridge.rootTokenOf(address)) as [string, bigint];
  if (rootToken !== ZeroAddress) throw new UnknownTokenError(address, "child", `it is the child token of the main-chain token ${getAddress(rootToken)}: withdraw it instead`);
  throw new ChildNativeNotRegisteredError(address, kind);
}

/**
 * The `MainMintable…` token of a child-chain token, named by itself or by the child token.
 * @throws UnknownTokenError when neither (no exit of the child token has reached the main chain yet).
 */
export async function resolveMainMintable(ctx: AssetContext, token: string, kind: AssetKind): Promise<{ mainToken: string; childToken: string }> {
  const address = checkedAddress("token", token);
  const bridge = assetBridge(ctx, "main");
  const [childToken, mintedKind] = (await bridge.childTokenOfMintable(address)) as [string, bigint];
  if (childToken !== ZeroAddress) {
    if (mintedKind !== KIND_CODE[kind]) throw new UnknownTokenError(address, "main", `the MainMintable token is an ${kindName(mintedKind)}, not an ${kind}`);
    return { mainToken: address, childToken: getAddress(childToken) };
  }
  const mainToken = (await bridge.mainTokenOf(address)) as string;
  if (mainToken === ZeroAddress) {
    throw new UnknownTokenError(address, "main", "no MainMintable token of the asset bridge, nor a child-chain token whose first exit has reached the main chain");
  }
  return resolveMainMintable(ctx, mainToken, kind);
}

/** The sender holds every id (ERC721), each id's amount (ERC1155) or the amount (ERC20). */
async function checkHoldings(provider: Provider, side: ChainSide, kind: AssetKind, token: string, owner: string, batch: AssetBatch): Promise<void> {
  if (kind === "ERC20") {
    const erc20 = new Contract(token, erc20Abi, provider);
    const balance = await call(() => erc20.balanceOf(owner) as Promise<bigint>, token, side, "an ERC20 token (balanceOf reverted)");
    const required = batch.amounts[0];
    if (balance < required) {
      const { symbol, decimals } = await tokenDisplay(erc20);
      throw new InsufficientBalanceError(side, owner, token, balance, required, { symbol, balance: formatAmount(balance, decimals), required: formatAmount(required, decimals) });
    }
    return;
  }
  if (kind === "ERC721") {
    const nft = new Contract(token, erc721Abi, provider);
    for (const id of batch.ids) {
      // ownerOf reverts for an id that does not exist: not the sender's either.
      const holder = await (nft.ownerOf(id) as Promise<string>).catch(() => ZeroAddress);
      if (getAddress(holder) !== owner) throw new InsufficientBalanceError(side, owner, token, 0n, 1n, { symbol: `#${id}`, balance: "0", required: "1" });
    }
    return;
  }
  const items = new Contract(token, erc1155Abi, provider);
  const balances = await call(() => items.balanceOfBatch(batch.ids.map(() => owner), batch.ids) as Promise<bigint[]>, token, side, "an ERC1155 token (balanceOfBatch reverted)");
  // An id listed twice needs its amounts together.
  const needed = new Map<bigint, bigint>();
  batch.ids.forEach((id, i) => needed.set(id, (needed.get(id) ?? 0n) + batch.amounts[i]));
  batch.ids.forEach((id, i) => {
    const required = needed.get(id)!;
    if (balances[i] < required) throw new InsufficientBalanceError(side, owner, token, balances[i], required, { symbol: `id ${id}`, balance: String(balances[i]), required: String(required) });
  });
}

/** Lets `operator` pull the batch: approve(amount) for an ERC20, setApprovalForAll for an NFT (unless each ERC721 id is approved). */
async function approveBridge(signer: Signer, kind: AssetKind, tokenAddress: string, owner: string, operator: string, batch: AssetBatch, approve: boolean | undefined): Promise<void> {
  if (kind === "ERC20") {
    const erc20 = new Contract(tokenAddress, erc20Abi, signer);
    const allowance = (await erc20.allowance(owner, operator)) as bigint;
    if (allowance >= batch.amounts[0]) return;
    if (approve === false) throw new InsufficientAllowanceError(tokenAddress, owner, operator, allowance, batch.amounts[0]);
    await (await erc20.approve(operator, batch.amounts[0])).wait();
    return;
  }
  const token = new Contract(tokenAddress, kind === "ERC721" ? erc721Abi : erc1155Abi, signer);
  if ((await token.isApprovedForAll(owner, operator)) as boolean) return;
  if (kind === "ERC721") {
    let each = true;
    for (const id of batch.ids) if (getAddress((await token.getApproved(id)) as string) !== operator) each = false;
    if (each) return;
  }
  if (approve === false) throw new InvalidArgumentError("approve", false, `but ${operator} (the asset bridge) is not approved for ${owner}'s tokens`);
  await (await token.setApprovalForAll(operator, true)).wait();
}

async function call<T>(read: () => Promise<T>, token: string, side: ChainSide, what: string): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (isError(error, "CALL_EXCEPTION") || isError(error, "BAD_DATA")) throw new UnknownTokenError(token, side, `the contract at this address is not ${what}`);
    throw error;
  }
}
