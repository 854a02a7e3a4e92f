/**
 * `BridgeClient`: deposits, withdrawals, message status, exit proofs and self-relays for one
 * bridge deployment, on plain ethers v6 (no Hardhat). Verb families in the viem op-stack style
 * (STYLE.md): `deposit…`/`withdraw` send, `get…Status` reads, `waitForStatus` polls,
 * `buildRelayProof` + `relay` finish a message without a relayer.
 *
 * Inputs are checked before anything is sent (token known, balance, network), so that a mistake
 * costs no gas and comes back as a typed error (./errors.ts).
 */
import { Contract, JsonRpcProvider, Wallet, ZeroAddress, getAddress, isAddress, isError, type Provider, type Signer, type TransactionReceipt } from "ethers";

import { NATIVE_TOKEN, childBridgeAbi, erc20Abi, rootBridgeAbi } from "./abi";
import { claimERC1155, claimERC721, claimReturn, type AssetClaim } from "./assetCredits";
import { transferAsset as sendAssetTransfer, type AssetContext, type AssetKind, type AssetTransferOptions, type AssetWay } from "./assets";
import { getMainToken, registerChildNative, type MainTokenInfo } from "./childNative";
import { readBalances } from "./balances";
import { checkDeploymentPair, contractAddress, readDeploymentFile, readRelayerEndpoints } from "./deployments";
import {
  InsufficientAllowanceError,
  InsufficientBalanceError,
  InsufficientCreditError,
  InvalidArgumentError,
  LockboxShortError,
  NoQueuedReleaseError,
  MessageFailedError,
  NoSignerError,
  StatusTimeoutError,
  UnknownTokenError,
  WrongNetworkError,
  type ChainSide,
} from "./errors";
import { messageFromReceipt } from "./messages";
import { buildRelayProof, evaluate, locate, relay, type SdkContext } from "./relay";
import { executeRelease, findQueuedRelease, readRateLimit } from "./releases";
import {
  BRIDGE_STATUSES,
  type Balances,
  type BridgeClientOptions,
  type BridgeDeployment,
  type BridgeMessageStatus,
  type BridgeStatus,
  type BridgeTransfer,
  type MessageRef,
  type QueuedRelease,
  type RateLimitInfo,
  type RelayProof,
  type RelayResult,
  type Runner,
  type WaitForStatusOptions,
} from "./types";
import { formatAmount, tokenDisplay } from "./units";

export interface FromFilesOptions {
  mainDeployment: string;
  childDeployment: string;
  mainRpcUrl: string;
  childRpcUrl: string;
  /** Signs on both chains; without it the client only reads. */
  privateKey?: string;
  apiUrl?: string;
  /** How often pending transactions are polled; default 500 ms. */
  pollingIntervalMs?: number;
}

/** What a deposit or a withdrawal may take besides its amount. */
export interface TransferOptions {
  /** Receiver on the other chain; default: the sender. */
  to?: string;
  /**
   * Gas floor of the message on the other chain, for a receiver or token that needs more than the
   * bridge's default (200,000; 3,000,000 for a token's first deposit, which deploys its child
   * token). A lower value leaves the default. At most 15,000,000.
   */
  gasLimit?: bigint | number;
}

/** Highest message gas limit (Messenger.MAX_GAS_LIMIT). */
const MAX_MESSAGE_GAS_LIMIT = 15_000_000n;

/** Progress order; `failed` sits beside `relayed` as the other end state. */
const RANK: Record<BridgeStatus, number> = { sent: 0, checkpointed: 1, "challenge-window": 2, ready: 3, queued: 4, relayed: 5, failed: 5 };

export class BridgeClient {
  readonly deployments: Readonly<Record<ChainSide, BridgeDeployment>>;
  readonly apiUrl: string | undefined;
  private readonly providers: Record<ChainSide, Provider>;
  private readonly signers: Record<ChainSide, Signer | undefined>;
  private readonly owned: JsonRpcProvider[] = [];
  private networkCheck: Promise<void> | undefined;
  private readonly ctx: SdkContext;

  constructor(options: BridgeClientOptions) {
    checkDeploymentPair(options.deployments);
    this.deployments = Object.freeze({ ...options.deployments });
    this.apiUrl = options.apiUrl?.replace(/\/+$/, "");
    const split = (side: ChainSide, runner: Runner) => {
      if (isSigner(runner)) {
        if (runner.provider === null) throw new InvalidArgumentError(`${side} signer`, "(no provider)", "must be connected to a provider");
        return { provider: runner.provider, signer: runner };
      }
      return { provider: runner, signer: undefined };
    };
    const main = split("main", options.main);
    const child = split("child", options.child);
    this.providers = { main: main.provider, child: child.provider };
    this.signers = { main: main.signer, child: child.signer };
    this.ctx = {
      providers: this.providers,
      deployments: this.deployments,
      messengers: { main: contractAddress(this.deployments.main, "Messenger"), child: contractAddress(this.deployments.child, "Messenger") },
      checkpointManagers: { main: contractAddress(this.deployments.main, "CheckpointManager"), child: contractAddress(this.deployments.child, "CheckpointManager") },
      apiUrl: this.apiUrl,
      ready: () => this.checkNetworks(),
      signer: (side) => this.signerOf(side),
    };
  }

  /** A client on two RPC URLs and two deployment files; `close()` releases its providers. */
  static fromFiles(options: FromFilesOptions): BridgeClient {
    const deployments = { main: readDeploymentFile(options.mainDeployment), child: readDeploymentFile(options.childDeployment) };
    // Static network: no background chain-id polling (checkNetworks() asks the node itself). No
    // cache: a nonce read within 250 ms of the previous transaction (approve, deposit) must be fresh.
    const provider = (side: ChainSide, url: string) =>
      new JsonRpcProvider(url, deployments[side].chainId, { staticNetwork: true, pollingInterval: options.pollingIntervalMs ?? 500, cacheTimeout: -1 });
    const providers = { main: provider("main", options.mainRpcUrl), child: provider("child", options.childRpcUrl) };
    const runner = (side: ChainSide): Runner => (options.privateKey === undefined ? providers[side] : new Wallet(options.privateKey, providers[side]));
    let client: BridgeClient;
    try {
      client = new BridgeClient({ main: runner("main"), child: runner("child"), deployments, apiUrl: options.apiUrl });
    } catch (error) {
      for (const p of Object.values(providers)) p.destroy();
      throw error;
    }
    client.owned.push(providers.main, providers.child);
    return client;
  }

  /** A client on what a relayer config names (RPCs, deployment files, API), e.g. the devnet's .devnet/relayer.json. */
  static fromRelayerConfig(file: string, options: { privateKey?: string; apiUrl?: string | null; pollingIntervalMs?: number } = {}): BridgeClient {
    const endpoints = readRelayerEndpoints(file);
    return BridgeClient.fromFiles({
      mainDeployment: endpoints.deploymentFiles.main,
      childDeployment: endpoints.deploymentFiles.child,
      mainRpcUrl: endpoints.rpcUrls.main,
      childRpcUrl: endpoints.rpcUrls.child,
      privateKey: options.privateKey,
      // null: do not use the relayer's API even if the config has one.
      apiUrl: options.apiUrl === null ? undefined : (options.apiUrl ?? endpoints.apiUrl),
      pollingIntervalMs: options.pollingIntervalMs,
    });
  }

  /** Releases the providers this client created (fromFiles); those passed in stay the caller's. */
  close(): void {
    for (const provider of this.owned.splice(0)) provider.destroy();
  }

  /** @throws WrongNetworkError when a provider is on another chain than its deployment file. Checked once. */
  checkNetworks(): Promise<void> {
    this.networkCheck ??= (async () => {
      for (const side of ["main", "child"] as const) {
        const provider = this.providers[side] as Provider & { send?: (method: string, params: unknown[]) => Promise<unknown> };
        // Ask the node, not the provider's cached (possibly static) network.
        const actual = typeof provider.send === "function" ? BigInt((await provider.send("eth_chainId", [])) as string) : (await provider.getNetwork()).chainId;
        const expected = BigInt(this.deployments[side].chainId);
        if (actual !== expected) throw new WrongNetworkError(side, expected, actual);
      }
    })();
    // A failed check (node down) is tried again next time; a wrong network stays wrong anyway.
    this.networkCheck.catch(() => (this.networkCheck = undefined));
    return this.networkCheck;
  }

  /** The address that sends on `side`. @throws NoSignerError */
  async getAddress(side: ChainSide = "main"): Promise<string> {
    return getAddress(await this.signerOf(side).getAddress());
  }

  // ---------------------------------------------------------------- sending

  /** Locks `amount` wei of the main chain's currency; minted on the child chain to `to` (default: the sender). */
  async depositETH(amount: bigint, options: TransferOptions = {}): Promise<BridgeTransfer> {
    checkAmount(amount);
    const gasLimit = checkGasLimit(options.gasLimit);
    await this.checkNetworks();
    const signer = this.signerOf("main");
    const from = await signer.getAddress();
    const to = recipient(options.to, from);
    const balance = await this.providers.main.getBalance(from);
    if (balance < amount) throw new InsufficientBalanceError("main", from, NATIVE_TOKEN, balance, amount, display("ETH", 18, balance, amount));
    const bridge = new Contract(contractAddress(this.deployments.main, "RootBridge"), rootBridgeAbi, signer);
    const tx = gasLimit === undefined ? await bridge.depositETH(to, { value: amount }) : await bridge.depositETHWithGasLimit(to, gasLimit, { value: amount });
    return this.sent("main", tx);
  }

  /**
   * Locks `amount` (base units) of an ERC20 `rootToken`, approving the bridge first when the
   * allowance is short (unless `approve: false`). The first deposit of a token maps it.
   */
  async deposit(rootToken: string, amount: bigint, options: TransferOptions & { approve?: boolean } = {}): Promise<BridgeTransfer> {
    const token = checkAddress("token", rootToken);
    if (token.toLowerCase() === NATIVE_TOKEN.toLowerCase()) return this.depositETH(amount, options);
    checkAmount(amount);
    const gasLimit = checkGasLimit(options.gasLimit);
    await this.checkNetworks();
    const signer = this.signerOf("main");
    const from = await signer.getAddress();
    const to = recipient(options.to, from);
    if ((await this.providers.main.getCode(token)) === "0x") throw new UnknownTokenError(token, "main", "no contract at this address");
    const erc20 = new Contract(token, erc20Abi, signer);
    const balance = await tokenBalance(erc20, token, "main", from);
    if (balance < amount) {
      const { symbol, decimals } = await tokenDisplay(erc20);
      throw new InsufficientBalanceError("main", from, token, balance, amount, display(symbol, decimals, balance, amount));
    }
    const bridgeAddress = contractAddress(this.deployments.main, "RootBridge");
    const allowance = (await erc20.allowance(from, bridgeAddress)) as bigint;
    if (allowance < amount) {
      if (options.approve === false) throw new InsufficientAllowanceError(token, from, bridgeAddress, allowance, amount);
      await (await erc20.approve(bridgeAddress, amount)).wait();
    }
    const bridge = new Contract(bridgeAddress, rootBridgeAbi, signer);
    const tx = gasLimit === undefined ? await bridge.depositERC20(token, to, amount) : await bridge.depositERC20WithGasLimit(token, to, amount, gasLimit);
    return this.sent("main", tx);
  }

  /** Burns `amount` wei of the child chain's bridged ETH; released as ETH on the main chain to `to` (default: the sender). Twin of depositETH. */
  async withdrawETH(amount: bigint, options: { to?: string } = {}): Promise<BridgeTransfer> {
    return this.withdraw(NATIVE_TOKEN, amount, options);
  }

  /**
   * Burns `amount` of a child token (named by itself or by its root token, NATIVE_TOKEN for ETH)
   * and sends its release to `to` (default: the sender) on the main chain.
   */
  async withdraw(childTokenOrRootToken: string, amount: bigint, options: TransferOptions = {}): Promise<BridgeTransfer> {
    checkAmount(amount);
    const gasLimit = checkGasLimit(options.gasLimit);
    await this.checkNetworks();
    const signer = this.signerOf("child");
    const from = await signer.getAddress();
    const to = recipient(options.to, from);
    const { childToken } = await this.resolveChildToken(childTokenOrRootToken);
    const erc20 = new Contract(childToken, erc20Abi, signer);
    const balance = (await erc20.balanceOf(from)) as bigint;
    if (balance < amount) {
      const { symbol, decimals } = await tokenDisplay(erc20);
      throw new InsufficientBalanceError("child", from, childToken, balance, amount, display(symbol, decimals, balance, amount));
    }
    const bridge = new Contract(contractAddress(this.deployments.child, "ChildBridge"), childBridgeAbi, signer);
    const tx = gasLimit === undefined ? await bridge.withdraw(childToken, to, amount) : await bridge.withdrawWithGasLimit(childToken, to, amount, gasLimit);
    return this.sent("child", tx);
  }

  /**
   * Locks ERC721 `tokenIds` (one or a batch of up to 20) of `rootToken` in the asset bridge, approving
   * it first (setApprovalForAll) unless `approve: false`; minted on the child chain to `to`. The
   * first deposit of a token deploys its child ERC721, with name, symbol and each tokenURI.
   */
  async depositERC721(rootToken: string, tokenIds: bigint | readonly bigint[], options: AssetTransferOptions = {}): Promise<BridgeTransfer> {
    return this.transferAsset("deposit", "ERC721", rootToken, tokenIds, undefined, options);
  }

  /** Locks `amounts` of ERC1155 `ids` (one or a batch of up to 20) of `rootToken` in the asset bridge; minted on the child chain to `to`. */
  async depositERC1155(rootToken: string, ids: bigint | readonly bigint[], amounts: bigint | readonly bigint[], options: AssetTransferOptions = {}): Promise<BridgeTransfer> {
    return this.transferAsset("deposit", "ERC1155", rootToken, ids, amounts, options);
  }

  /** Burns child ERC721 `tokenIds` (token named by itself or its root token); released on the main chain to `to`. */
  async withdrawERC721(token: string, tokenIds: bigint | readonly bigint[], options: Omit<AssetTransferOptions, "approve"> = {}): Promise<BridgeTransfer> {
    return this.transferAsset("withdraw", "ERC721", token, tokenIds, undefined, options);
  }

  /** Burns `amounts` of child ERC1155 `ids` (token named by itself or its root token); released on the main chain to `to`. */
  async withdrawERC1155(token: string, ids: bigint | readonly bigint[], amounts: bigint | readonly bigint[], options: Omit<AssetTransferOptions, "approve"> = {}): Promise<BridgeTransfer> {
    return this.transferAsset("withdraw", "ERC1155", token, ids, amounts, options);
  }

  /**
   * Any asset transfer, by way and kind (what the named methods above call): `deposit`/`withdraw`
   * an ERC721 or ERC1155 of the main chain, `exit`/`return` an ERC20, ERC721 or ERC1155 created on
   * the child chain. `ids` and `amounts` as the named methods take them; an ERC20 has no ids and
   * one amount.
   */
  async transferAsset(
    way: AssetWay,
    kind: AssetKind,
    token: string,
    ids: bigint | readonly bigint[] | undefined,
    amounts: bigint | readonly bigint[] | undefined,
    options: AssetTransferOptions,
  ): Promise<BridgeTransfer> {
    await this.checkNetworks();
    const gasLimit = checkGasLimit(options.gasLimit);
    const tx = await sendAssetTransfer(this.assets(), way, kind, token, ids, amounts, { ...options, gasLimit });
    return this.sent(way === "deposit" || way === "return" ? "main" : "child", tx);
  }

  // ---------------------------------------------------------------- tokens created on the child chain

  /**
   * Registers `childToken`, created on the child chain, for exit to the main chain as `kind`; sent
   * by the child signer, who must be the token's `owner()`. Final: the token is checked to be of
   * that kind before sending.
   * @throws NotTokenOwnerError, ChildNativeAlreadyRegisteredError, UnknownTokenError, InvalidArgumentError.
   */
  async registerChildNative(childToken: string, kind: AssetKind): Promise<{ txHash: string; token: string; kind: AssetKind }> {
    await this.checkNetworks();
    return registerChildNative(this.assets(), childToken, kind);
  }

  /**
   * Where the `MainMintable…` token of a child-chain token is (or will be, before its first exit),
   * and whether it is deployed yet. `kind` defaults to what the token is registered as.
   * @throws ChildNativeNotRegisteredError without `kind` for a token not registered.
   */
  async getMainToken(childToken: string, kind?: AssetKind): Promise<MainTokenInfo> {
    await this.checkNetworks();
    return getMainToken(this.assets(), childToken, kind);
  }

  /**
   * Locks `amount` (base units) of a registered child-chain ERC20 in the child lockbox, approving
   * the bridge for it unless `approve: false`; its MainMintable ERC20 is minted on the main chain to
   * `to` (deployed by the first exit). What the lockbox receives is what exits.
   * @throws ChildNativeNotRegisteredError for a token its owner has not registered.
   */
  async exitERC20(childToken: string, amount: bigint, options: AssetTransferOptions = {}): Promise<BridgeTransfer> {
    return this.transferAsset("exit", "ERC20", childToken, undefined, amount, options);
  }

  /**
   * Locks ERC721 `tokenIds` of a registered child-chain token in the child lockbox; minted on the
   * main chain. An id stays locked while it lives on the main chain, so it cannot be minted twice.
   */
  async exitERC721(childToken: string, tokenIds: bigint | readonly bigint[], options: AssetTransferOptions = {}): Promise<BridgeTransfer> {
    return this.transferAsset("exit", "ERC721", childToken, tokenIds, undefined, options);
  }

  /** Locks `amounts` of ERC1155 `ids` of a registered child-chain token in the child lockbox; minted on the main chain. */
  async exitERC1155(childToken: string, ids: bigint | readonly bigint[], amounts: bigint | readonly bigint[], options: AssetTransferOptions = {}): Promise<BridgeTransfer> {
    return this.transferAsset("exit", "ERC1155", childToken, ids, amounts, options);
  }

  /** Burns `amount` of a MainMintable ERC20 (named by itself or its child token) on the main chain; released from the child lockbox to `to`. */
  async returnERC20(token: string, amount: bigint, options: Omit<AssetTransferOptions, "approve"> = {}): Promise<BridgeTransfer> {
    return this.transferAsset("return", "ERC20", token, undefined, amount, options);
  }

  /** Burns MainMintable ERC721 `tokenIds` (token named by itself or its child token); released from the child lockbox to `to`. */
  async returnERC721(token: string, tokenIds: bigint | readonly bigint[], options: Omit<AssetTransferOptions, "approve"> = {}): Promise<BridgeTransfer> {
    return this.transferAsset("return", "ERC721", token, tokenIds, undefined, options);
  }

  /** Burns `amounts` of MainMintable ERC1155 `ids` (token named by itself or its child token); released from the child lockbox to `to`. */
  async returnERC1155(token: string, ids: bigint | readonly bigint[], amounts: bigint | readonly bigint[], options: Omit<AssetTransferOptions, "approve"> = {}): Promise<BridgeTransfer> {
    return this.transferAsset("return", "ERC1155", token, ids, amounts, options);
  }

  // ---------------------------------------------------------------- credited asset releases

  /**
   * Sends an ERC721 whose withdrawal release failed (a receiver that refused it), credited by the
   * root asset bridge to the main signer, to `to` (default: the signer).
   * @throws InsufficientCreditError when the signer holds no credit for it.
   */
  async claimERC721(rootToken: string, tokenId: bigint, options: { to?: string } = {}): Promise<AssetClaim> {
    await this.checkNetworks();
    return claimERC721(this.assets(), rootToken, tokenId, options);
  }

  /** `amount` (default: all) of an ERC1155 id credited to the main signer by a failed withdrawal release, to `to`. @throws InsufficientCreditError */
  async claimERC1155(rootToken: string, id: bigint, options: { amount?: bigint; to?: string } = {}): Promise<AssetClaim> {
    await this.checkNetworks();
    return claimERC1155(this.assets(), rootToken, id, options);
  }

  /**
   * Releases a return of a child-chain token (the `returnToChild` transaction `ref`) that the child
   * asset bridge credited to its receiver, the child signer, because the release failed; to `to`.
   * @throws InsufficientCreditError when nothing of it is credited to the signer.
   */
  async claimReturn(ref: MessageRef, options: { to?: string } = {}): Promise<AssetClaim> {
    return claimReturn(this.assets(), await locate(this.ctx, ref), options);
  }

  /**
   * Withdrawals of `rootToken` (NATIVE_TOKEN for ETH) credited to `account` (default: the main
   * signer) because their release failed: a receiver that refused ETH or is blocklisted, a token
   * fee above the amount, a lockbox short of a rebasing token. The message itself was relayed.
   */
  async getClaimable(rootToken: string, account?: string): Promise<bigint> {
    const token = checkAddress("token", rootToken);
    await this.checkNetworks();
    const owner = account === undefined ? await this.getAddress("main") : checkAddress("account", account);
    const bridge = new Contract(contractAddress(this.deployments.main, "RootBridge"), rootBridgeAbi, this.providers.main);
    return (await bridge.claimable(token, owner)) as bigint;
  }

  /**
   * Pays out `amount` (default: all) of the main signer's credited withdrawals of `rootToken` to
   * `to` (default: the signer), on the main chain.
   * @throws InsufficientCreditError, LockboxShortError (checked before sending).
   */
  async claimWithdrawal(rootToken: string, options: { amount?: bigint; to?: string } = {}): Promise<{ txHash: string; amount: bigint; to: string }> {
    const token = checkAddress("token", rootToken);
    await this.checkNetworks();
    const signer = this.signerOf("main");
    const from = await signer.getAddress();
    const to = recipient(options.to, from);
    const bridge = new Contract(contractAddress(this.deployments.main, "RootBridge"), rootBridgeAbi, signer);
    const credit = (await bridge.claimable(token, from)) as bigint;
    const amount = options.amount ?? credit;
    if (credit === 0n || amount > credit) throw new InsufficientCreditError(token, from, credit, amount);
    checkAmount(amount);
    // The root bridge holds the native currency itself; its lockbox holds the tokens.
    const held =
      token.toLowerCase() === NATIVE_TOKEN.toLowerCase()
        ? await this.providers.main.getBalance(await bridge.getAddress())
        : ((await new Contract(token, erc20Abi, this.providers.main).balanceOf((await bridge.lockbox()) as string)) as bigint);
    if (held < amount) throw new LockboxShortError(token, held, amount);
    const tx = await bridge.claimWithdrawal(token, to, amount);
    await tx.wait();
    return { txHash: tx.hash as string, amount, to };
  }

  /**
   * The (root, child) pair of a token given by either address.
   * @throws UnknownTokenError for a root token with no child token yet, or an address the bridge did not deploy.
   */
  async resolveChildToken(token: string): Promise<{ rootToken: string; childToken: string }> {
    const address = checkAddress("token", token);
    await this.checkNetworks();
    const bridge = new Contract(contractAddress(this.deployments.child, "ChildBridge"), childBridgeAbi, this.providers.child);
    const [asRoot, asChild] = (await Promise.all([bridge.childTokenOf(address), bridge.rootTokenOf(address)])) as [string, string];
    if (BigInt(asChild) !== 0n) return { rootToken: getAddress(asChild), childToken: address };
    if (BigInt(asRoot) !== 0n) return { rootToken: address, childToken: getAddress(asRoot) };
    throw new UnknownTokenError(address, "child", "neither a child token of the bridge nor a root token whose first deposit has reached the child chain");
  }

  /**
   * Symbol and decimals of a token on `side` (NATIVE_TOKEN on main: ETH, 18).
   * @throws UnknownTokenError when no contract is at the address, or the contract answers no `balanceOf`.
   */
  async getTokenInfo(token: string, side: ChainSide = "main"): Promise<{ address: string; symbol: string; decimals: number }> {
    const address = checkAddress("token", token);
    if (side === "main" && address.toLowerCase() === NATIVE_TOKEN.toLowerCase()) return { address, symbol: "ETH", decimals: 18 };
    await this.checkNetworks();
    if ((await this.providers[side].getCode(address)) === "0x") throw new UnknownTokenError(address, side, "no contract at this address");
    const erc20 = new Contract(address, erc20Abi, this.providers[side]);
    // Metadata may revert on a real token (it still bridges, with defaults); balanceOf may not.
    await tokenBalance(erc20, address, side, ZeroAddress);
    return { address, ...(await tokenDisplay(erc20)) };
  }

  // ---------------------------------------------------------------- following a message

  /** Where the message sent by a transaction stands (see `BridgeMessageStatus`), from the chains. */
  async getMessageStatus(ref: MessageRef): Promise<BridgeMessageStatus> {
    return (await evaluate(this.ctx, await locate(this.ctx, ref))).status;
  }

  /**
   * Polls until the message reaches `target` or a later status (`ready` is passed by `relayed`).
   * @throws MessageFailedError when it fails while waiting for another status;
   *         StatusTimeoutError after `timeoutMs` (default 10 minutes).
   */
  async waitForStatus(ref: MessageRef, target: BridgeStatus, options: WaitForStatusOptions = {}): Promise<BridgeMessageStatus> {
    if (!BRIDGE_STATUSES.includes(target)) throw new InvalidArgumentError("target status", target, `is not one of ${BRIDGE_STATUSES.join(", ")}`);
    const timeoutMs = options.timeoutMs ?? 600_000;
    const pollMs = options.pollMs ?? 1_000;
    const deadline = Date.now() + timeoutMs;
    const message = await locate(this.ctx, ref);
    for (;;) {
      const { status } = await evaluate(this.ctx, message);
      options.onProgress?.(status);
      if (status.status === target) return status;
      if (status.status === "failed") throw new MessageFailedError(status.messageId);
      if (target !== "failed" && RANK[status.status] >= RANK[target]) return status;
      if (Date.now() + pollMs > deadline) throw new StatusTimeoutError(target, status.status, timeoutMs);
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }

  /** The exit proof to pass to the destination's `Messenger.relayMessage`. @throws NotYetFinalError when not checkpointed yet. */
  async buildRelayProof(ref: MessageRef, options: { logIndex?: number } = {}): Promise<RelayProof> {
    return buildRelayProof(this.ctx, withLogIndex(ref, options.logIndex));
  }

  /**
   * Relays the message yourself (or retries it when its call failed), with this client's signer on
   * the destination. `gasLimit` sets the transaction's gas instead of the estimate: a message's gas
   * limit is a floor and the messenger forwards all the gas the transaction has beyond a reserve, so
   * a retry with more gas runs a call that needed more than its limit (eth_estimateGas would find
   * the least gas the relay succeeds with, which may be the gas its call fails with).
   * @throws NotYetFinalError (with `secondsLeft` in the challenge window).
   */
  async relay(ref: MessageRef, options: { logIndex?: number; gasLimit?: bigint | number } = {}): Promise<RelayResult> {
    const gasLimit = options.gasLimit === undefined ? undefined : BigInt(options.gasLimit);
    if (gasLimit !== undefined && gasLimit <= 0n) throw new InvalidArgumentError("gasLimit", options.gasLimit, "must be a positive integer");
    return relay(this.ctx, withLogIndex(ref, options.logIndex), gasLimit);
  }

  // ---------------------------------------------------------------- rate limits and the release queue

  /**
   * The limit of `token` (the root token; NATIVE_TOKEN for ETH) on `side`'s bridge in `direction`:
   * outbound is what leaves through it (deposits on main, withdrawals on child), refused over the
   * limit; inbound is what it pays out (releases on main, mints on child), queued over the limit.
   * `options.assets` reads the asset bridge's limit instead (ERC721/ERC1155, named by the root
   * token; child-chain tokens, named by their child token), counted in ids or ERC1155 units.
   */
  async getRateLimit(token: string, side: ChainSide, direction: "Outbound" | "Inbound", options: { assets?: boolean } = {}): Promise<RateLimitInfo> {
    const address = checkAddress("token", token);
    await this.checkNetworks();
    return readRateLimit(this.ctx, side, address, direction, options.assets === true ? "assets" : "tokens");
  }

  /** The release the relay of this message queued over a rate limit, or undefined if it queued none (or is not relayed yet). */
  async getQueuedRelease(ref: MessageRef): Promise<QueuedRelease | undefined> {
    return findQueuedRelease(this.ctx, await locate(this.ctx, ref));
  }

  /**
   * Executes the queued release of this message with this client's signer on the destination
   * (anyone may; the relayer does it by itself once it is due).
   * @throws NoQueuedReleaseError when its relay queued none; ReleaseNotDueError before its time.
   */
  async executeQueuedRelease(ref: MessageRef): Promise<{ releaseId: string; txHash: string | null; outcome: "executed" | "already-executed" }> {
    const message = await locate(this.ctx, ref);
    const release = await findQueuedRelease(this.ctx, message);
    if (release === undefined) throw new NoQueuedReleaseError(message.messageId, "it is not relayed yet, or its payout was within the rate limit");
    return { releaseId: release.id, ...(await executeRelease(this.ctx, release)) };
  }

  /** ETH on both chains and every mapped token on both sides, for `address` (default: the main signer). */
  async balances(address?: string): Promise<Balances> {
    await this.checkNetworks();
    const owner = address === undefined ? await this.getAddress("main") : checkAddress("address", address);
    return readBalances(this.providers, this.deployments, owner);
  }

  // ---------------------------------------------------------------- internals

  private assets(): AssetContext {
    return { providers: this.providers, deployments: this.deployments, signer: (side) => this.signerOf(side) };
  }

  private signerOf(side: ChainSide): Signer {
    const signer = this.signers[side];
    if (signer === undefined) throw new NoSignerError(side);
    return signer;
  }

  private async sent(source: ChainSide, tx: { wait(): Promise<TransactionReceipt | null> }): Promise<BridgeTransfer> {
    const receipt = (await tx.wait())!;
    const message = messageFromReceipt(receipt, source, this.deployments, this.ctx.messengers);
    return { txHash: message.txHash, messageId: message.messageId, direction: message.direction, logIndex: message.logIndex, blockNumber: message.blockNumber };
  }
}

/**
 * `balanceOf(owner)`, where a revert or an answer that is no uint256 means the contract is not an
 * ERC20 (a messenger, a bridge): UnknownTokenError, as for an address without code, rather than
 * the raw "execution reverted" of the call.
 */
async function tokenBalance(erc20: Contract, token: string, side: ChainSide, owner: string): Promise<bigint> {
  try {
    return (await erc20.balanceOf(owner)) as bigint;
  } catch (error) {
    if (isError(error, "CALL_EXCEPTION")) throw new UnknownTokenError(token, side, "the contract at this address is not an ERC20 token (balanceOf reverted)");
    if (isError(error, "BAD_DATA")) throw new UnknownTokenError(token, side, "the contract at this address is not an ERC20 token (balanceOf returned no amount)");
    throw error;
  }
}

function isSigner(runner: Runner): runner is Signer {
  return typeof (runner as Signer).getAddress === "function" && typeof (runner as Signer).signTransaction === "function";
}

function checkAmount(amount: bigint): void {
  if (typeof amount !== "bigint" || amount <= 0n) throw new InvalidArgumentError("amount", amount, "must be a positive bigint (base units)");
}

/** The message gas floor a transfer asks for, or undefined for the bridge's default. */
function checkGasLimit(value: bigint | number | undefined): bigint | undefined {
  if (value === undefined) return undefined;
  const gas = typeof value === "number" && Number.isInteger(value) ? BigInt(value) : value;
  if (typeof gas !== "bigint" || gas <= 0n || gas > MAX_MESSAGE_GAS_LIMIT) {
    throw new InvalidArgumentError("gasLimit", value, `must be an integer from 1 to ${MAX_MESSAGE_GAS_LIMIT}`);
  }
  return gas;
}

function checkAddress(name: string, value: string): string {
  if (typeof value !== "string" || !isAddress(value)) throw new InvalidArgumentError(name, value, "is not an address");
  return getAddress(value);
}

function recipient(to: string | undefined, sender: string): string {
  return to === undefined ? sender : checkAddress("to", to);
}

function withLogIndex(ref: MessageRef, logIndex: number | undefined): MessageRef {
  if (logIndex === undefined) return ref;
  return { txHash: typeof ref === "string" ? ref : ref.txHash, logIndex };
}

function display(symbol: string, decimals: number, balance: bigint, required: bigint) {
  return { symbol, balance: formatAmount(balance, decimals), required: formatAmount(required, decimals) };
}
