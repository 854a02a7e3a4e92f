/**
 * Claims of asset releases that a bridge credited instead of delivering (a receiver contract that
 * refused the token, a token that blocked the receiver): the message was relayed, the tokens wait
 * in the bridge for their receiver to claim them to any address.
 *   ERC721 / ERC1155 withdrawals: RootAssetBridge.claimERC721 / claimERC1155, on the main chain;
 *   returns of child-chain tokens: ChildAssetBridge.claimReturn, on the child chain.
 * ETH and ERC20 withdrawals have theirs in BridgeClient.claimWithdrawal (RootBridge).
 */
import { AbiCoder, ZeroAddress, getAddress, keccak256 } from "ethers";

import { childAssetBridgeAbi } from "./abi";
import { assetBridge, checkedAddress, type AssetContext } from "./assets";
import { contractAddress } from "./deployments";
import { InsufficientCreditError, InvalidArgumentError } from "./errors";
import type { LocatedMessage } from "./messages";

const ROOT_ASSET_BRIDGE = "the root asset bridge";

export interface AssetClaim {
  txHash: string;
  token: string;
  to: string;
  ids: bigint[];
  amounts: bigint[];
}

/** The ERC721 `tokenId` of `rootToken` the main signer's credit holds, sent to `to` (default: the signer). */
export async function claimERC721(ctx: AssetContext, rootToken: string, tokenId: bigint, options: { to?: string }): Promise<AssetClaim> {
  const token = checkedAddress("token", rootToken);
  if (typeof tokenId !== "bigint" || tokenId < 0n) throw new InvalidArgumentError("token id", tokenId, "must be a non-negative bigint");
  const signer = ctx.signer("main");
  const from = getAddress(await signer.getAddress());
  const to = options.to === undefined ? from : checkedAddress("to", options.to);
  const bridge = assetBridge(ctx, "main", signer);
  const holder = (await bridge.erc721CreditOf(token, tokenId)) as string;
  if (holder === ZeroAddress || getAddress(holder) !== from) throw new InsufficientCreditError(token, from, 0n, 1n, tokenId, ROOT_ASSET_BRIDGE);
  const tx = await bridge.claimERC721(token, tokenId, to);
  await tx.wait();
  return { txHash: tx.hash as string, token, to, ids: [tokenId], amounts: [] };
}

/** `amount` (default: all) of the main signer's credited ERC1155 `id` of `rootToken`, sent to `to`. */
export async function claimERC1155(ctx: AssetContext, rootToken: string, id: bigint, options: { amount?: bigint; to?: string }): Promise<AssetClaim> {
  const token = checkedAddress("token", rootToken);
  if (typeof id !== "bigint" || id < 0n) throw new InvalidArgumentError("token id", id, "must be a non-negative bigint");
  if (options.amount !== undefined && (typeof options.amount !== "bigint" || options.amount <= 0n)) throw new InvalidArgumentError("amount", options.amount, "must be a positive bigint");
  const signer = ctx.signer("main");
  const from = getAddress(await signer.getAddress());
  const to = options.to === undefined ? from : checkedAddress("to", options.to);
  const bridge = assetBridge(ctx, "main", signer);
  const credit = (await bridge.erc1155Credit(token, id, from)) as bigint;
  const amount = options.amount ?? credit;
  if (credit === 0n || amount > credit) throw new InsufficientCreditError(token, from, credit, amount, id, ROOT_ASSET_BRIDGE);
  const tx = await bridge.claimERC1155(token, id, to, amount);
  await tx.wait();
  return { txHash: tx.hash as string, token, to, ids: [id], amounts: [amount] };
}

/**
 * Claims the return that `message` (a `returnToChild` of a MainMintable token) sent, credited on
 * the child chain because its release failed. The credit is keyed by the exact ids and amounts,
 * which the message's own call data gives; it belongs to the return's receiver, the child signer.
 */
export async function claimReturn(ctx: AssetContext, message: LocatedMessage, options: { to?: string }): Promise<AssetClaim> {
  const childBridge = contractAddress(ctx.deployments.child, "ChildAssetBridge");
  const call = message.destination === "child" && getAddress(message.fields.target) === childBridge ? childAssetBridgeAbi.parseTransaction({ data: message.fields.data }) : null;
  if (call === null || call.name !== "finalizeReturn") {
    throw new InvalidArgumentError("message", message.messageId, "is not the return of a child-chain token (returnToChild on the main chain)");
  }
  const [, token, , receiver, ids, amounts] = call.args as unknown as [bigint, string, string, string, bigint[], bigint[]];
  const signer = ctx.signer("child");
  const from = getAddress(await signer.getAddress());
  const to = options.to === undefined ? from : checkedAddress("to", options.to);
  const bridge = assetBridge(ctx, "child", signer);
  const key = keccak256(AbiCoder.defaultAbiCoder().encode(["address", "address", "uint256[]", "uint256[]"], [token, receiver, ids, amounts]));
  const credits = getAddress(receiver) === from ? ((await bridge.returnCredits(key)) as bigint) : 0n;
  if (credits === 0n) throw new InsufficientCreditError(getAddress(token), from, 0n, 1n, ids.length === 1 ? ids[0] : undefined, `the child asset bridge for the return ${message.messageId} (credited to its receiver ${getAddress(receiver)})`);
  const tx = await bridge.claimReturn(token, [...ids], [...amounts], to);
  await tx.wait();
  return { txHash: tx.hash as string, token: getAddress(token), to, ids: [...ids], amounts: [...amounts] };
}
