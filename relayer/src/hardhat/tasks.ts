/**
 * The bridge's user operations as Hardhat tasks, for teams who live in Hardhat:
 *
 *   npx hardhat bridge:deposit  --amount 1.5 [--token 0x…|ETH] [--to 0x…] [--gas-limit n]
 *   npx hardhat bridge:withdraw --amount 0.5 [--token 0x…|ETH] [--to 0x…] [--gas-limit n]
 *   npx hardhat bridge:deposit-erc721  --token 0x… --ids 1,2 [--to 0x…] [--gas-limit n]
 *   npx hardhat bridge:deposit-erc1155 --token 0x… --ids 1,2 --amounts 5,7 [--to 0x…] [--gas-limit n]
 *   npx hardhat bridge:withdraw-erc721 / bridge:withdraw-erc1155   (same parameters; child token or its root token)
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
  ids: string;
  amounts?: string;
  to?: string;
  gasLimit?: number;
}

function numbers(name: string, text: string | undefined): bigint[] {
  if (text === undefined || !/^\d+(,\d+)*$/.test(text.replace(/\s+/g, ""))) {
    throw new HardhatPluginError(PLUGIN, `[INVALID_ARGUMENT] --${name} ${text ?? "(missing)"} is not a comma-separated list of non-negative integers`);
  }
  return text.replace(/\s+/g, "").split(",").map((v) => BigInt(v));
}

for (const kind of ["ERC721", "ERC1155"] as const) {
  for (const way of ["deposit", "withdraw"] as const) {
    const description =
      way === "deposit"
        ? `Deposit ${kind} tokens (one id or up to 20) on the main chain; they are minted on the child chain`
        : `Withdraw child ${kind} tokens (one id or up to 20) on the child chain; they are released on the main chain`;
    let definition = common(task<AssetArgs>(`bridge:${way}-${kind.toLowerCase()}`, description))
      .addParam("token", way === "deposit" ? "root token address" : "child token, or its root token", undefined, types.string)
      .addParam("ids", "token ids, comma-separated", undefined, types.string);
    if (kind === "ERC1155") definition = definition.addParam("amounts", "amount of each id, comma-separated", undefined, types.string);
    definition
      .addOptionalParam("to", `recipient on the ${way === "deposit" ? "child" : "main"} chain (default: the sender)`, undefined, types.string)
      .addOptionalParam("gasLimit", GAS_LIMIT_HELP, undefined, types.int)
      .setAction(async (args: AssetArgs, hre) =>
        withClient(args, hre, async ({ client }) => {
          const ids = numbers("ids", args.ids);
          const amounts = kind === "ERC1155" ? numbers("amounts", args.amounts) : [];
          const options = { to: args.to, gasLimit: args.gasLimit === undefined ? undefined : BigInt(args.gasLimit) };
          const transfer =
            kind === "ERC721"
              ? way === "deposit"
                ? await client.depositERC721(args.token, ids, options)
                : await client.withdrawERC721(args.token, ids, options)
              : way === "deposit"
                ? await client.depositERC1155(args.token, ids, amounts, options)
                : await client.withdrawERC1155(args.token, ids, amounts, options);
          const side = way === "deposit" ? "main" : "child";
          return {
            text: `${way === "deposit" ? "deposited" : "withdrew"} ${kind} ${args.ids}${kind === "ERC1155" ? ` (amounts ${args.amounts})` : ""}: tx ${transfer.txHash} (${side} block ${transfer.blockNumber}), message ${transfer.messageId}`,
            json: { ...transfer, token: args.token, ids: ids.map(String), amounts: amounts.map(String) },
          };
        }),
      );
  }
}

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
