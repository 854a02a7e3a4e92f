/**
 * The bridge's user operations as Hardhat tasks, for teams who live in Hardhat:
 *
 *   npx hardhat bridge:deposit  --amount 1.5 [--token 0x…|ETH] [--to 0x…] [--gas-limit n]
 *   npx hardhat bridge:withdraw --amount 0.5 [--token 0x…|ETH] [--to 0x…] [--gas-limit n]
 *   npx hardhat bridge:deposit-erc721  --token 0x… --ids 1,2 [--to 0x…] [--gas-limit n]
 *   npx hardhat bridge:deposit-erc1155 --token 0x… --ids 1,2 --amounts 5,7 [--to 0x…] [--gas-limit n]
 *   npx hardhat bridge:withdraw-erc721 / bridge:withdraw-erc1155   (same parameters; child token or its root token)
 *   npx hardhat bridge:register-child-token --token 0x… --kind ERC20|ERC721|ERC1155   (tokens created on the child chain)
 *   npx hardhat bridge:main-token --token 0x… [--kind k]   (its MainMintable token on the main chain)
 *   npx hardhat bridge:exit-erc20 --token 0x… --amount x / bridge:exit-erc721 --ids / bridge:exit-erc1155 --ids --amounts
 *   npx hardhat bridge:return-erc20 / bridge:return-erc721 / bridge:return-erc1155   (same parameters; MainMintable or child token)
 *   npx hardhat bridge:claim-erc721 --token 0x… --id n / bridge:claim-erc1155 --token 0x… --id n [--amount n]   (credited NFTs)
 *   npx hardhat bridge:claim-return --tx 0x…   (a credited return of a child-chain token)
 *   npx hardhat bridge:status   --tx 0x… [--log-index n]
 *   npx hardhat bridge:relay    --tx 0x… [--log-index n] [--gas-limit n]
 *   npx hardhat bridge:claim    [--token 0x…|ETH] [--amount x] [--to 0x…]   (a credited withdrawal)
 *   npx hardhat bridge:execute-release --tx 0x… [--log-index n]   (a release queued by a rate limit)
 *   npx hardhat bridge:balances [--address 0x…]
 *
 * Thin wrappers over the SDK (`BridgeClient`). Every task takes --deployment-dir (default
 * .devnet/deployments, the devnet's) and --json. RPC URLs: the `main` and `child` networks of
 * hardhat.config.ts (MAIN_RPC_URL / CHILD_RPC_URL); when those variables are unset and the folder
 * belongs to a devnet, the devnet's URLs from its relayer.json, since it picks free ports. The key:
 * $SIDECHAIN_USER_KEY, else on the devnet its first user account (dev account 3), as the CLI does.
 *
 * Part of the kit's Hardhat plugin (`sidechain-kit/hardhat`, index.ts): an app adds the tasks with
 * `require("sidechain-kit/hardhat")` (or `import "sidechain-kit/hardhat"`) in its hardhat.config.
 * It is loaded on every Hardhat start (tests included): it must stay cheap, so the SDK and ethers
 * are required inside the actions only.
 */
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { task, types } from "hardhat/config";
import { HardhatPluginError } from "hardhat/plugins";
import type { ConfigurableTaskDefinition, HardhatRuntimeEnvironment } from "hardhat/types";

import type * as Sdk from "../sdk";

const PLUGIN = "sidechain-kit";
const DEV_MNEMONIC = "test test test test test test test test test test test junk";
const DEVNET_USER_ACCOUNT = 3;
const RPC_ENV = { main: "MAIN_RPC_URL", child: "CHILD_RPC_URL" } as const;

interface CommonArgs {
  deploymentDir: string;
  json: boolean;
}

interface Connected {
  sdk: typeof Sdk;
  client: Sdk.BridgeClient;
}

/** Loads the SDK (lazily, see above) and connects a client to the chosen deployment. */
function connect(args: CommonArgs, hre: HardhatRuntimeEnvironment): Connected {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const sdk = require("../sdk") as typeof Sdk;
  const dir = path.resolve(hre.config.paths.root, args.deploymentDir);
  if (!existsSync(dir)) {
    throw new HardhatPluginError(PLUGIN, `[INVALID_ARGUMENT] --deployment-dir ${dir} does not exist: start the devnet (npm run devnet) or deploy (docs/deployment.md)`);
  }
  const files = { main: "", child: "" };
  for (const name of readdirSync(dir).filter((n) => n.endsWith(".json")).sort()) {
    try {
      const role = sdk.readDeploymentFile(path.join(dir, name)).role;
      if (files[role] !== "") throw new HardhatPluginError(PLUGIN, `[DEPLOYMENT_INVALID] ${dir} holds two ${role} deployment files`);
      files[role] = path.join(dir, name);
    } catch (error) {
      if (error instanceof HardhatPluginError) throw error;
      // Not a deployment file: other JSON may sit beside them.
    }
  }
  for (const role of ["main", "child"] as const) {
    if (files[role] === "") throw new HardhatPluginError(PLUGIN, `[DEPLOYMENT_INVALID] ${dir} has no ${role} deployment file`);
  }
  // A devnet keeps its relayer.json next to its deployments folder.
  const devnetConfig = path.join(path.dirname(dir), "relayer.json");
  const devnet = existsSync(devnetConfig) ? sdk.readRelayerEndpoints(devnetConfig) : undefined;
  const rpcUrl = (side: "main" | "child"): string => {
    const network = hre.config.networks[side] as { url?: string } | undefined;
    if (process.env[RPC_ENV[side]] === undefined && devnet !== undefined) return devnet.rpcUrls[side];
    if (network?.url === undefined) throw new HardhatPluginError(PLUGIN, `[INVALID_ARGUMENT] hardhat.config.ts has no "${side}" network with a url`);
    return network.url;
  };
  const explicitKey = process.env.SIDECHAIN_USER_KEY;
  if (explicitKey !== undefined && !/^(0x)?[0-9a-fA-F]{64}$/.test(explicitKey)) {
    throw new HardhatPluginError(PLUGIN, "[INVALID_ARGUMENT] SIDECHAIN_USER_KEY is not a 32-byte hex private key");
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { HDNodeWallet } = require("ethers") as typeof import("ethers");
  const privateKey =
    explicitKey !== undefined
      ? explicitKey.startsWith("0x") ? explicitKey : `0x${explicitKey}`
      : devnet !== undefined
        ? HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, `m/44'/60'/0'/0/${DEVNET_USER_ACCOUNT}`).privateKey
        : undefined;
  const client = sdk.BridgeClient.fromFiles({
    mainDeployment: files.main,
    childDeployment: files.child,
    mainRpcUrl: rpcUrl("main"),
    childRpcUrl: rpcUrl("child"),
    privateKey,
    apiUrl: devnet?.apiUrl,
  });
  return { sdk, client };
}

/** Runs an action with a client, closes it, and turns SDK errors into one-line Hardhat errors. */
async function withClient<T extends CommonArgs>(args: T, hre: HardhatRuntimeEnvironment, action: (c: Connected) => Promise<{ text: string; json: unknown }>): Promise<void> {
  let connected: Connected | undefined;
  try {
    connected = connect(args, hre);
    const result = await action(connected);
    console.log(args.json ? JSON.stringify(result.json, (_key, value: unknown) => (typeof value === "bigint" ? value.toString() : value), 2) : result.text);
  } catch (error) {
    if (error instanceof HardhatPluginError) throw error;
    const code = (error as { code?: unknown }).code;
    // Hardhat prints a plugin error as one line, without a stack trace.
    throw new HardhatPluginError(PLUGIN, `${typeof code === "string" ? `[${code}] ` : ""}${error instanceof Error ? error.message : String(error)}`, error instanceof Error ? error : undefined);
  } finally {
    connected?.client.close();
  }
}

/** "ETH" (any case) or an address; ETH stands for the root bridge's native-token address. */
function tokenAddress(sdk: typeof Sdk, token: string): string {
  return token.toUpperCase() === "ETH" ? sdk.NATIVE_TOKEN : token;
}

function common(definition: ConfigurableTaskDefinition): ConfigurableTaskDefinition {
  return definition
    .addOptionalParam("deploymentDir", "folder holding the main and child deployment files", ".devnet/deployments", types.string)
    .addFlag("json", "print JSON instead of text");
}

interface TransferArgs extends CommonArgs {
  amount: string;
  token: string;
  to?: string;
  gasLimit?: number;
}

const GAS_LIMIT_HELP = "gas the message's call gets on the other chain at least (default: the bridge's)";

function transferJson(transfer: Sdk.BridgeTransfer, amount: string, symbol: string) {
  return { ...transfer, amount, symbol };
}

common(task<TransferArgs>("bridge:deposit", "Deposit ETH or an ERC20 on the main chain; it is minted on the child chain"))
  .addParam("amount", "amount in token units, e.g. 1.5", undefined, types.string)
  .addOptionalParam("token", "root token address, or ETH", "ETH", types.string)
  .addOptionalParam("to", "recipient on the child chain (default: the sender)", undefined, types.string)
  .addOptionalParam("gasLimit", GAS_LIMIT_HELP, undefined, types.int)
  .setAction(async (args: TransferArgs, hre) =>
    withClient(args, hre, async ({ sdk, client }) => {
      const token = tokenAddress(sdk, args.token);
      const info = await client.getTokenInfo(token, "main");
      const amount = sdk.parseAmount(args.amount, info.decimals);
      const transfer = await client.deposit(token, amount, { to: args.to, gasLimit: args.gasLimit });
      return {
        text: `deposited ${args.amount} ${info.symbol}: tx ${transfer.txHash} (main block ${transfer.blockNumber}), message ${transfer.messageId}`,
        json: transferJson(transfer, args.amount, info.symbol),
      };
    }),
  );

common(task<TransferArgs>("bridge:withdraw", "Withdraw a bridged token on the child chain; it is released on the main chain"))
  .addParam("amount", "amount in token units, e.g. 0.5", undefined, types.string)
  .addOptionalParam("token", "child token, its root token, or ETH", "ETH", types.string)
  .addOptionalParam("to", "recipient on the main chain (default: the sender)", undefined, types.string)
  .addOptionalParam("gasLimit", GAS_LIMIT_HELP, undefined, types.int)
  .setAction(async (args: TransferArgs, hre) =>
    withClient(args, hre, async ({ sdk, client }) => {
      const { childToken } = await client.resolveChildToken(tokenAddress(sdk, args.token));
      const info = await client.getTokenInfo(childToken, "child");
      const transfer = await client.withdraw(childToken, sdk.parseAmount(args.amount, info.decimals), { to: args.to, gasLimit: args.gasLimit });
      return {
        text: `withdrew ${args.amount} ${info.symbol}: tx ${transfer.txHash} (child block ${transfer.blockNumber}), message ${transfer.messageId}`,
        json: transferJson(transfer, args.amount, info.symbol),
      };
    }),
  );

interface AssetArgs extends CommonArgs {
  token: string;
  ids?: string;
  amounts?: string;
  /** ERC20 exits and returns, in token units. */
  amount?: string;
  to?: string;
  gasLimit?: number;
}

function numbers(name: string, text: string | undefined): bigint[] {
  if (text === undefined || !/^\d+(,\d+)*$/.test(text.replace(/\s+/g, ""))) {
    throw new HardhatPluginError(PLUGIN, `[INVALID_ARGUMENT] --${name} ${text ?? "(missing)"} is not a comma-separated list of non-negative integers`);
  }
  return text.replace(/\s+/g, "").split(",").map((v) => BigInt(v));
}

const ASSET_TASKS = [
  ["deposit", ["ERC721", "ERC1155"]],
  ["withdraw", ["ERC721", "ERC1155"]],
  ["exit", ["ERC20", "ERC721", "ERC1155"]],
  ["return", ["ERC20", "ERC721", "ERC1155"]],
] as const;
const ASSET_HELP = {
  deposit: { what: (kind: string) => `Deposit ${kind} tokens (one id or up to 20) on the main chain; they are minted on the child chain`, token: "root token address", to: "child", done: "deposited", side: "main" },
  withdraw: { what: (kind: string) => `Withdraw child ${kind} tokens (one id or up to 20) on the child chain; they are released on the main chain`, token: "child token, or its root token", to: "main", done: "withdrew", side: "child" },
  exit: { what: (kind: string) => `Exit ${kind} tokens created on the child chain (registered); they are minted on the main chain`, token: "child-chain token", to: "main", done: "exited", side: "child" },
  return: { what: (kind: string) => `Return the main-chain ${kind} of a child-chain token; it is released from the child lockbox`, token: "MainMintable token, or its child-chain token", to: "child", done: "returned", side: "main" },
} as const;

for (const [way, kinds] of ASSET_TASKS) {
  for (const kind of kinds) {
    const help = ASSET_HELP[way];
    let definition = common(task<AssetArgs>(`bridge:${way}-${kind.toLowerCase()}`, help.what(kind))).addParam("token", help.token, undefined, types.string);
    if (kind === "ERC20") definition = definition.addParam("amount", "amount in token units, e.g. 1.5", undefined, types.string);
    else definition = definition.addParam("ids", "token ids, comma-separated", undefined, types.string);
    if (kind === "ERC1155") definition = definition.addParam("amounts", "amount of each id, comma-separated", undefined, types.string);
    definition
      .addOptionalParam("to", `recipient on the ${help.to} chain (default: the sender)`, undefined, types.string)
      .addOptionalParam("gasLimit", GAS_LIMIT_HELP, undefined, types.int)
      .setAction(async (args: AssetArgs, hre) =>
        withClient(args, hre, async ({ sdk, client }) => {
          const ids = kind === "ERC20" ? [] : numbers("ids", args.ids);
          let amounts = kind === "ERC1155" ? numbers("amounts", args.amounts) : [];
          let what = `${kind} ${args.ids}${kind === "ERC1155" ? ` (amounts ${args.amounts})` : ""}`;
          if (kind === "ERC20") {
            const info = await erc20Info(sdk, client, way as "exit" | "return", args.token);
            amounts = [sdk.parseAmount(args.amount ?? "", info.decimals)];
            what = `${args.amount} ${info.symbol}`;
          }
          const options = { to: args.to, gasLimit: args.gasLimit === undefined ? undefined : BigInt(args.gasLimit) };
          const transfer = await client.transferAsset(way, kind, args.token, kind === "ERC20" ? undefined : ids, kind === "ERC721" ? undefined : kind === "ERC20" ? amounts[0] : amounts, options);
          return {
            text: `${help.done} ${what}: tx ${transfer.txHash} (${help.side} block ${transfer.blockNumber}), message ${transfer.messageId}`,
            json: { ...transfer, token: args.token, ids: ids.map(String), amounts: amounts.map(String) },
          };
        }),
      );
  }
}

/** Symbol and decimals of an exited or returned ERC20: a return names the MainMintable token (same decimals) or its child token. */
async function erc20Info(sdk: typeof Sdk, client: Sdk.BridgeClient, way: "exit" | "return", token: string): Promise<{ symbol: string; decimals: number }> {
  if (way === "exit") return client.getTokenInfo(token, "child");
  try {
    return await client.getTokenInfo(token, "main");
  } catch (error) {
    if (error instanceof sdk.UnknownTokenError) return client.getTokenInfo(token, "child");
    throw error;
  }
}

interface RegisterArgs extends CommonArgs {
  token: string;
  kind: string;
}

common(task<RegisterArgs>("bridge:register-child-token", "Register a token you own on the child chain for exit to the main chain (final)"))
  .addParam("token", "the child-chain token (its owner() must be the sender)", undefined, types.string)
  .addParam("kind", "ERC20, ERC721 or ERC1155", undefined, types.string)
  .setAction(async (args: RegisterArgs, hre) =>
    withClient(args, hre, async ({ client }) => {
      const kind = args.kind.toUpperCase() as Sdk.AssetKind;
      const result = await client.registerChildNative(args.token, kind);
      const main = await client.getMainToken(args.token, kind);
      return { text: `registered ${result.token} as an ${kind}: tx ${result.txHash}; its main-chain token will be ${main.mainToken}`, json: { ...result, mainToken: main.mainToken } };
    }),
  );

common(task<RegisterArgs>("bridge:main-token", "The main-chain (MainMintable) token of a child-chain token, deployed or predicted"))
  .addParam("token", "the child-chain token", undefined, types.string)
  .addOptionalParam("kind", "ERC20, ERC721 or ERC1155 (default: what it is registered as)", undefined, types.string)
  .setAction(async (args: RegisterArgs, hre) =>
    withClient(args, hre, async ({ client }) => {
      const info = await client.getMainToken(args.token, args.kind === undefined ? undefined : (args.kind.toUpperCase() as Sdk.AssetKind));
      return { text: `${info.kind} ${info.childToken} → ${info.mainToken} on the main chain (${info.deployed ? "deployed" : "not deployed yet"})`, json: info };
    }),
  );

interface ClaimAssetArgs extends CommonArgs {
  token: string;
  id: string;
  amount?: string;
  to?: string;
}

for (const kind of ["ERC721", "ERC1155"] as const) {
  let definition = common(task<ClaimAssetArgs>(`bridge:claim-${kind.toLowerCase()}`, `Pay out an ${kind} withdrawal the root asset bridge credited to you because its release failed`))
    .addParam("token", "root token address", undefined, types.string)
    .addParam("id", "token id", undefined, types.string);
  if (kind === "ERC1155") definition = definition.addOptionalParam("amount", "how many (default: all of the credit)", undefined, types.string);
  definition.addOptionalParam("to", "where it goes on the main chain (default: the sender)", undefined, types.string).setAction(async (args: ClaimAssetArgs, hre) =>
    withClient(args, hre, async ({ client }) => {
      const [id] = numbers("id", args.id);
      const result =
        kind === "ERC721" ? await client.claimERC721(args.token, id, { to: args.to }) : await client.claimERC1155(args.token, id, { amount: args.amount === undefined ? undefined : numbers("amount", args.amount)[0], to: args.to });
      return { text: `claimed ${kind} #${id}${kind === "ERC1155" ? ` (${result.amounts[0]})` : ""} of ${result.token} to ${result.to}: tx ${result.txHash}`, json: result };
    }),
  );
}

interface ClaimReturnArgs extends CommonArgs {
  tx: string;
  logIndex?: number;
  to?: string;
}

common(task<ClaimReturnArgs>("bridge:claim-return", "Pay out a return of a child-chain token the child asset bridge credited to you because its release failed"))
  .addParam("tx", "hash of the return transaction on the main chain", undefined, types.string)
  .addOptionalParam("logIndex", "the message's log index, when the transaction sent several", undefined, types.int)
  .addOptionalParam("to", "where it goes on the child chain (default: the sender)", undefined, types.string)
  .setAction(async (args: ClaimReturnArgs, hre) =>
    withClient(args, hre, async ({ client }) => {
      const result = await client.claimReturn(args.logIndex === undefined ? args.tx : { txHash: args.tx, logIndex: args.logIndex }, { to: args.to });
      return { text: `claimed the return of ${result.token} (ids ${result.ids.join(", ") || "-"}, amounts ${result.amounts.join(", ") || "-"}) to ${result.to}: tx ${result.txHash}`, json: result };
    }),
  );

interface MessageArgs extends CommonArgs {
  tx: string;
  logIndex?: number;
  gasLimit?: number;
}

function messageRef(args: MessageArgs): Sdk.MessageRef {
  return args.logIndex === undefined ? args.tx : { txHash: args.tx, logIndex: args.logIndex };
}

function statusText(status: Sdk.BridgeMessageStatus): string {
  const base = `${status.direction} message ${status.messageId}: ${status.status}`;
  switch (status.status) {
    case "challenge-window":
      return `${base} (checkpoint #${status.checkpointId}, final in ${status.secondsLeft} s)`;
    case "checkpointed":
      return `${base} (checkpoint #${status.checkpointId}: ${status.reason})`;
    case "ready":
      return `${base} (checkpoint #${status.checkpointId} is final: relay it with bridge:relay)`;
    default:
      return base;
  }
}

common(task<MessageArgs>("bridge:status", "Where the message sent by a transaction stands"))
  .addParam("tx", "hash of the deposit or withdrawal transaction", undefined, types.string)
  .addOptionalParam("logIndex", "the message's log index, when the transaction sent several", undefined, types.int)
  .setAction(async (args: MessageArgs, hre) =>
    withClient(args, hre, async ({ client }) => {
      const status = await client.getMessageStatus(messageRef(args));
      return { text: statusText(status), json: status };
    }),
  );

common(task<MessageArgs>("bridge:relay", "Relay a final message yourself (or retry a failed one)"))
  .addParam("tx", "hash of the deposit or withdrawal transaction", undefined, types.string)
  .addOptionalParam("logIndex", "the message's log index, when the transaction sent several", undefined, types.int)
  .addOptionalParam("gasLimit", "gas of the relay transaction (a failed message retried with more gas forwards it to its call)", undefined, types.int)
  .setAction(async (args: MessageArgs, hre) =>
    withClient(args, hre, async ({ client }) => {
      const result = await client.relay(messageRef(args), { gasLimit: args.gasLimit });
      const text =
        result.outcome === "already-relayed"
          ? `message ${result.messageId} was already relayed: nothing sent`
          : `message ${result.messageId} ${result.outcome}: tx ${result.txHash}`;
      return { text, json: result };
    }),
  );

common(task<MessageArgs>("bridge:execute-release", "Execute the release a rate limit queued for a relayed transfer, once it is due"))
  .addParam("tx", "hash of the deposit or withdrawal transaction", undefined, types.string)
  .addOptionalParam("logIndex", "the message's log index, when the transaction sent several", undefined, types.int)
  .setAction(async (args: MessageArgs, hre) =>
    withClient(args, hre, async ({ client }) => {
      const result = await client.executeQueuedRelease(messageRef(args));
      const text =
        result.outcome === "already-executed"
          ? `release ${result.releaseId} was already executed: nothing sent`
          : `executed release ${result.releaseId}: tx ${result.txHash}`;
      return { text, json: result };
    }),
  );

interface ClaimArgs extends CommonArgs {
  token: string;
  amount?: string;
  to?: string;
}

common(task<ClaimArgs>("bridge:claim", "Pay out withdrawals the root bridge credited to you because their release failed"))
  .addOptionalParam("token", "root token address, or ETH", "ETH", types.string)
  .addOptionalParam("amount", "amount in token units (default: all of the credit)", undefined, types.string)
  .addOptionalParam("to", "where the credit goes on the main chain (default: the sender)", undefined, types.string)
  .setAction(async (args: ClaimArgs, hre) =>
    withClient(args, hre, async ({ sdk, client }) => {
      const token = tokenAddress(sdk, args.token);
      const info = await client.getTokenInfo(token, "main");
      const amount = args.amount === undefined ? undefined : sdk.parseAmount(args.amount, info.decimals);
      const result = await client.claimWithdrawal(token, { amount, to: args.to });
      return {
        text: `claimed ${sdk.formatAmount(result.amount, info.decimals)} ${info.symbol} to ${result.to}: tx ${result.txHash}`,
        json: { ...result, amount: sdk.formatAmount(result.amount, info.decimals), symbol: info.symbol },
      };
    }),
  );

interface BalancesArgs extends CommonArgs {
  address?: string;
}

common(task<BalancesArgs>("bridge:balances", "ETH and bridged token balances on both chains"))
  .addOptionalParam("address", "account (default: the sender)", undefined, types.string)
  .setAction(async (args: BalancesArgs, hre) =>
    withClient(args, hre, async ({ sdk, client }) => {
      const balances = await client.balances(args.address);
      const lines = [
        `balances of ${balances.address}`,
        `  ETH (gas)  main ${sdk.formatAmount(balances.native.main, 18)}  child ${sdk.formatAmount(balances.native.child, 18)}`,
        ...balances.tokens.map((t) => `  ${t.symbol.padEnd(9)}  main ${sdk.formatAmount(t.main, t.decimals)}  child ${sdk.formatAmount(t.child, t.decimals)}  (${t.rootToken}${t.childToken === null ? "" : ` → ${t.childToken}`})`),
      ];
      return { text: lines.join("\n"), json: balances };
    }),
  );
