/**
 * Tokens created on the child chain (ChildNativeExits / MainMintableAssets): their owner's
 * registration for exit, and where their `MainMintable…` token lives on the main chain. The exits
 * and returns themselves are asset transfers (assets.ts).
 */
import { Contract, ZeroAddress, getAddress, isError } from "ethers";

import { erc20Abi, ownableAbi } from "./abi";
import { KIND_CODE, assetBridge, checkedAddress, kindName, type AssetContext, type AssetKind } from "./assets";
import { ChildNativeAlreadyRegisteredError, ChildNativeNotRegisteredError, InvalidArgumentError, NotTokenOwnerError, UnknownTokenError } from "./errors";

/** ERC-165 ids a registered token must answer to, so that a token is never registered (for good) as a kind it is not. */
const INTERFACE_ID: Partial<Record<AssetKind, string>> = { ERC721: "0x80ac58cd", ERC1155: "0xd9b67a26" };

export interface MainTokenInfo {
  childToken: string;
  kind: AssetKind;
  /** The CREATE2 address of its `MainMintable…` token (predictMainToken). */
  mainToken: string;
  /** Whether the first exit has reached the main chain and deployed it. */
  deployed: boolean;
}

export function checkKind(kind: string): AssetKind {
  if (kind !== "ERC20" && kind !== "ERC721" && kind !== "ERC1155") throw new InvalidArgumentError("kind", kind, "is not ERC20, ERC721 or ERC1155");
  return kind;
}

/**
 * Registers `token` (created on the child chain, owned by the child signer) for exit as `kind`.
 * Registration is final, so the token is checked to be of that kind first.
 * @throws UnknownTokenError, ChildNativeAlreadyRegisteredError, NotTokenOwnerError, InvalidArgumentError (wrong kind).
 */
export async function registerChildNative(ctx: AssetContext, token: string, kindArgument: AssetKind): Promise<{ txHash: string; token: string; kind: AssetKind }> {
  const address = checkedAddress("token", token);
  const kind = checkKind(kindArgument);
  const provider = ctx.providers.child;
  if ((await provider.getCode(address)) === "0x") throw new UnknownTokenError(address, "child", "no contract at this address");
  const bridge = assetBridge(ctx, "child");
  const registered = (await bridge.exitKindOf(address)) as bigint;
  if (registered !== 0n) throw new ChildNativeAlreadyRegisteredError(address, `it is registered as an ${kindName(registered)} already`);
  const [rootToken] = (await bridge.rootTokenOf(address)) as [string, bigint];
  if (rootToken !== ZeroAddress) throw new ChildNativeAlreadyRegisteredError(address, `it is the asset bridge's child token of the main-chain token ${getAddress(rootToken)}`);
  const signer = ctx.signer("child");
  const account = getAddress(await signer.getAddress());
  const ownable = new Contract(address, ownableAbi, provider);
  const owner = await (ownable.owner() as Promise<string>).then(getAddress, () => undefined);
  if (owner !== account) throw new NotTokenOwnerError(address, account, owner);
  await checkIsKind(address, kind, ctx);
  const tx = await assetBridge(ctx, "child", signer).registerChildNative(address, KIND_CODE[kind]);
  await tx.wait();
  return { txHash: tx.hash as string, token: address, kind };
}

async function checkIsKind(token: string, kind: AssetKind, ctx: AssetContext): Promise<void> {
  const interfaceId = INTERFACE_ID[kind];
  let ok: boolean;
  if (interfaceId !== undefined) {
    ok = await (new Contract(token, ownableAbi, ctx.providers.child).supportsInterface(interfaceId) as Promise<boolean>).catch(() => false);
  } else {
    // An ERC20 has no ERC-165 id: it must answer balanceOf with an amount.
    ok = await (new Contract(token, erc20Abi, ctx.providers.child).balanceOf(ZeroAddress) as Promise<bigint>).then(
      () => true,
      (error: unknown) => {
        if (isError(error, "CALL_EXCEPTION") || isError(error, "BAD_DATA")) return false;
        throw error;
      },
    );
  }
  if (!ok) throw new InvalidArgumentError("kind", kind, `does not fit ${token}: it does not implement ${kind}${interfaceId === undefined ? " (balanceOf)" : ` (ERC-165 ${interfaceId})`}, and a registration cannot be undone`);
}

/**
 * The main-chain token of a child-chain token: its CREATE2 address, known before the first exit.
 * `kind` defaults to what the token is registered as.
 * @throws ChildNativeNotRegisteredError without `kind` for a token not registered.
 */
export async function getMainToken(ctx: AssetContext, childToken: string, kindArgument?: AssetKind): Promise<MainTokenInfo> {
  const address = checkedAddress("token", childToken);
  let kind: AssetKind;
  if (kindArgument === undefined) {
    const registered = kindName((await assetBridge(ctx, "child").exitKindOf(address)) as bigint);
    if (registered === undefined) throw new ChildNativeNotRegisteredError(address, "exit kind");
    kind = registered;
  } else {
    kind = checkKind(kindArgument);
  }
  const main = assetBridge(ctx, "main");
  const [predicted, deployedAt] = (await Promise.all([main.predictMainToken(address, KIND_CODE[kind]), main.mainTokenOf(address)])) as [string, string];
  return { childToken: address, kind, mainToken: getAddress(predicted), deployed: deployedAt !== ZeroAddress };
}
