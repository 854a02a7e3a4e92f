/**
 * `sidechain stake …`: a validator operator's commands on the main chain's StakeManager — join,
 * top-up, unstake, withdraw, rotate-signer, status — each a thin layer over StakeManagerClient
 * that prints text or one JSON object (--json). Two keys: the owner key (--key, or
 * $SIDECHAIN_OWNER_KEY) holds the stake and sends the transactions; the signer key (--signer-key,
 * or $SIDECHAIN_VALIDATOR_KEY, the validator role's key) signs checkpoints and here only its
 * consent to serve the owner. Which StakeManager: --stake-manager with --main-rpc, else the main
 * deployment file (--main-deployment with --main-rpc), else a relayer config (--config), else the
 * devnet's relayer.json.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { Command } from "commander";
import { Contract, JsonRpcProvider, Wallet, getAddress } from "ethers";

import { erc20Abi } from "../sdk/abi";
import { readDeploymentFile, readRelayerEndpoints } from "../sdk/deployments";
import { InvalidArgumentError, InvalidDeploymentError } from "../sdk/errors";
import { STAKE_NATIVE_TOKEN, StakeManagerClient, type StakeStatus } from "../sdk/stakeManager";
import { formatAmount, parseAmount } from "../sdk/units";
import { toJson } from "./format";

export interface StakeOptions {
  stakeManager?: string;
  mainRpc?: string;
  mainDeployment?: string;
  config?: string;
  devnet?: string;
  key?: string;
  json?: boolean;
}

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const PRIVATE_KEY = /^(0x)?[0-9a-fA-F]{64}$/;
const AMOUNT = /^\d+(\.\d+)?$/;

function withStakeOptions(command: Command): Command {
  return command
    .option("--stake-manager <address>", "the StakeManager (default: the main deployment's)")
    .option("--main-rpc <url>", "main chain RPC URL (default: the config's)")
    .option("--main-deployment <file>", "main chain deployment file holding the StakeManager (needs --main-rpc)")
    .option("--config <file>", "a relayer config: its main RPC and deployment (or roles.equivocation.stakeManager)")
    .option("--devnet <dir>", "devnet folder with relayer.json (default: $DEVNET_DIR or ./.devnet)")
    .option("--key <hex>", "owner key: holds the stake, sends the transactions (default: $SIDECHAIN_OWNER_KEY)")
    .option("--json", "print one JSON object instead of text");
}

/** The `stake` command and its subcommands, for cli.ts. */
export function stakeCommand(): Command {
  const stake = new Command("stake").description("validator stake on the main chain's StakeManager: join, top-up, unstake, withdraw, rotate-signer, status");
  withStakeOptions(stake.command("join").description("become a validator: bond stake with a signer key (power from the next epoch)"))
    .requiredOption("--amount <x>", "stake in token units, e.g. 32")
    .option("--signer-key <hex>", "the signer key, to sign its consent (default: $SIDECHAIN_VALIDATOR_KEY)")
    .action((o: StakeOptions & { amount: string; signerKey?: string }) => join(o));
  withStakeOptions(stake.command("top-up").description("add stake (counts from the next epoch)"))
    .requiredOption("--amount <x>", "stake in token units")
    .action((o: StakeOptions & { amount: string }) => topUp(o));
  withStakeOptions(stake.command("unstake").description("start unbonding stake (withdrawable after the unbonding delay)"))
    .option("--amount <x>", "stake in token units")
    .option("--all", "all bonded stake: leave the set")
    .action((o: StakeOptions & { amount?: string; all?: boolean }) => unstake(o));
  withStakeOptions(stake.command("withdraw").description("pay out unbonded stake once its delay has passed"))
    .option("--to <address>", "receiver (default: the owner)")
    .action((o: StakeOptions & { to?: string }) => withdraw(o));
  withStakeOptions(stake.command("rotate-signer").description("bind a new signer key from the next epoch (the old one stays answerable for a delay)"))
    .requiredOption("--signer-key <hex>", "the new signer key, to sign its consent")
    .action((o: StakeOptions & { signerKey: string }) => rotateSigner(o));
  withStakeOptions(stake.command("status").description("a validator's stake, status, signer key and power").argument("[address]", "validator (owner) address (default: the key's)"))
    .action((address: string | undefined, o: StakeOptions) => status(address, o));
  return stake;
}

interface Connected {
  client: StakeManagerClient;
  provider: JsonRpcProvider;
  owner?: Wallet;
}

/** Where the StakeManager is and how to reach it, from the options in their order of precedence. */
export function resolveStakeManager(options: StakeOptions, env: NodeJS.ProcessEnv = process.env): { address: string; rpcUrl: string } {
  if (options.stakeManager !== undefined && !ADDRESS.test(options.stakeManager)) throw new InvalidArgumentError("--stake-manager", options.stakeManager, "is not an address");
  if (options.mainRpc !== undefined && !/^(https?|wss?):\/\//.test(options.mainRpc)) throw new InvalidArgumentError("--main-rpc", options.mainRpc, "is not an http(s) or ws(s) URL");
  const fromDeployment = (file: string): string | undefined => readDeploymentFile(file).contracts.StakeManager?.address;
  if (options.stakeManager !== undefined || options.mainDeployment !== undefined) {
    if (options.mainRpc === undefined) throw new InvalidArgumentError("--main-rpc", "(missing)", "is required with --stake-manager or --main-deployment");
    const address = options.stakeManager ?? fromDeployment(options.mainDeployment!);
    if (address === undefined) throw new InvalidDeploymentError(`${options.mainDeployment} has no StakeManager: name it with --stake-manager`);
    return { address: getAddress(address), rpcUrl: options.mainRpc };
  }
  const devnet = options.config === undefined;
  const file = options.config ?? path.join(path.resolve(options.devnet ?? env.DEVNET_DIR ?? ".devnet"), "relayer.json");
  if (!existsSync(file)) {
    throw new InvalidArgumentError(devnet ? "devnet config" : "--config", file, devnet ? "does not exist: name the StakeManager with --stake-manager and --main-rpc, or a config with --config" : "does not exist");
  }
  const endpoints = readRelayerEndpoints(file);
  const address = fromDeployment(endpoints.deploymentFiles.main);
  if (address === undefined) throw new InvalidDeploymentError(`the main deployment ${endpoints.deploymentFiles.main} has no StakeManager (not a staked deployment): name it with --stake-manager`);
  return { address: getAddress(address), rpcUrl: options.mainRpc ?? endpoints.rpcUrls.main };
}

function walletArgument(flag: string, text: string | undefined): Wallet | undefined {
  if (text === undefined || text === "") return undefined;
  if (!PRIVATE_KEY.test(text)) throw new InvalidArgumentError(flag, "(hidden)", "is not a 32-byte hex private key");
  return new Wallet(text.startsWith("0x") ? text : `0x${text}`);
}

async function withStakeManager<T>(options: StakeOptions, needsKey: boolean, run: (c: Connected) => Promise<T>, env: NodeJS.ProcessEnv = process.env): Promise<T> {
  const owner = walletArgument(options.key !== undefined ? "--key" : "SIDECHAIN_OWNER_KEY", options.key ?? env.SIDECHAIN_OWNER_KEY);
  if (needsKey && owner === undefined) throw new InvalidArgumentError("--key", "(missing)", "is required to send transactions: pass the owner key with --key or set SIDECHAIN_OWNER_KEY");
  const { address, rpcUrl } = resolveStakeManager(options, env);
  const provider = new JsonRpcProvider(rpcUrl, undefined, { staticNetwork: true, pollingInterval: 250 });
  try {
    if ((await provider.getCode(address)) === "0x") throw new InvalidDeploymentError(`no contract at the StakeManager address ${address} on ${rpcUrl}`);
    const connected = owner?.connect(provider);
    return await run({ client: new StakeManagerClient(address, connected ?? provider), provider, owner: connected });
  } finally {
    // The provider's timers would keep the process alive after the command.
    provider.destroy();
  }
}

function amountArgument(flag: string, text: string): void {
  if (!AMOUNT.test(text)) throw new InvalidArgumentError(flag, text, "is not a positive decimal number");
}

/** Decimals and symbol of the stake token, for amounts in token units. */
async function tokenOf(client: StakeManagerClient, provider: JsonRpcProvider): Promise<{ decimals: number; symbol: string }> {
  const token = (await client.contract.stakeToken()) as string;
  if (token.toLowerCase() === STAKE_NATIVE_TOKEN.toLowerCase()) return { decimals: 18, symbol: "ETH" };
  const erc20 = new Contract(token, erc20Abi, provider);
  return { decimals: Number(await erc20.decimals()), symbol: (await erc20.symbol()) as string };
}

function print(options: StakeOptions, json: object, text: string): void {
  process.stdout.write(`${options.json === true ? toJson(json) : text}\n`);
}

export async function join(options: StakeOptions & { amount: string; signerKey?: string }): Promise<void> {
  amountArgument("--amount", options.amount);
  const signer = walletArgument(options.signerKey !== undefined ? "--signer-key" : "SIDECHAIN_VALIDATOR_KEY", options.signerKey ?? process.env.SIDECHAIN_VALIDATOR_KEY);
  if (signer === undefined) throw new InvalidArgumentError("--signer-key", "(missing)", "is required: the signer key signs its consent to serve this owner (or set SIDECHAIN_VALIDATOR_KEY)");
  await withStakeManager(options, true, async ({ client, provider, owner }) => {
    const token = await tokenOf(client, provider);
    const amount = parseAmount(options.amount, token.decimals);
    const tx = await client.join(signer, amount);
    print(
      options,
      { command: "stake join", ...tx, validator: owner!.address, signer: signer.address, amount },
      `joined: ${owner!.address} staked ${formatAmount(amount, token.decimals)} ${token.symbol} with signer key ${signer.address} (power from the next epoch)\n  transaction  ${tx.txHash}`,
    );
  });
}

export async function topUp(options: StakeOptions & { amount: string }): Promise<void> {
  amountArgument("--amount", options.amount);
  await withStakeManager(options, true, async ({ client, provider, owner }) => {
    const token = await tokenOf(client, provider);
    const amount = parseAmount(options.amount, token.decimals);
    const tx = await client.topUp(amount);
    print(options, { command: "stake top-up", ...tx, validator: owner!.address, amount }, `added ${formatAmount(amount, token.decimals)} ${token.symbol} to ${owner!.address} (counts from the next epoch)\n  transaction  ${tx.txHash}`);
  });
}

export async function unstake(options: StakeOptions & { amount?: string; all?: boolean }): Promise<void> {
  if ((options.amount === undefined) === (options.all !== true)) throw new InvalidArgumentError("--amount / --all", "(both or neither)", "pick one: an amount, or --all");
  if (options.amount !== undefined) amountArgument("--amount", options.amount);
  await withStakeManager(options, true, async ({ client, provider, owner }) => {
    const token = await tokenOf(client, provider);
    const amount = options.all === true ? (await client.status(owner!.address)).stake : parseAmount(options.amount!, token.decimals);
    const tx = await client.unstake(amount);
    const after = await client.status(owner!.address);
    print(
      options,
      { command: "stake unstake", ...tx, validator: owner!.address, amount, status: after.status, stake: after.stake, unbonding: after.unbonding, withdrawableAt: after.withdrawableAt },
      `unstaked ${formatAmount(amount, token.decimals)} ${token.symbol}: withdrawable from ${new Date(after.withdrawableAt * 1000).toISOString()} (sidechain stake withdraw)\n  transaction  ${tx.txHash}`,
    );
  });
}

export async function withdraw(options: StakeOptions & { to?: string }): Promise<void> {
  if (options.to !== undefined && !ADDRESS.test(options.to)) throw new InvalidArgumentError("--to", options.to, "is not an address");
  await withStakeManager(options, true, async ({ client, provider, owner }) => {
    const token = await tokenOf(client, provider);
    const before = await client.status(owner!.address);
    const to = options.to ?? owner!.address;
    const tx = await client.withdraw(to);
    print(options, { command: "stake withdraw", ...tx, validator: owner!.address, to, amount: before.unbonding }, `withdrew ${formatAmount(before.unbonding, token.decimals)} ${token.symbol} to ${to}\n  transaction  ${tx.txHash}`);
  });
}

export async function rotateSigner(options: StakeOptions & { signerKey: string }): Promise<void> {
  const signer = walletArgument("--signer-key", options.signerKey);
  if (signer === undefined) throw new InvalidArgumentError("--signer-key", "(empty)", "is required: the new signer key signs its consent");
  await withStakeManager(options, true, async ({ client, owner }) => {
    const tx = await client.rotateSigner(signer);
    print(options, { command: "stake rotate-signer", ...tx, validator: owner!.address, signer: signer.address }, `signer key of ${owner!.address} is ${signer.address} from the next epoch; keep the old key running until then\n  transaction  ${tx.txHash}`);
  });
}

export async function status(address: string | undefined, options: StakeOptions): Promise<void> {
  if (address !== undefined && !ADDRESS.test(address)) throw new InvalidArgumentError("address", address, "is not an address");
  await withStakeManager(options, false, async ({ client, provider, owner }) => {
    const validator = address ?? owner?.address;
    if (validator === undefined) throw new InvalidArgumentError("address", "(missing)", "is required without a key (--key or SIDECHAIN_OWNER_KEY)");
    const result = await client.status(getAddress(validator));
    const token = await tokenOf(client, provider);
    print(options, { command: "stake status", ...result }, statusText(result, token));
  });
}

function statusText(s: StakeStatus, token: { decimals: number; symbol: string }): string {
  const amount = (v: bigint) => `${formatAmount(v, token.decimals)} ${token.symbol}`;
  const lines = [`validator ${s.validator} on StakeManager ${s.stakeManager}`, `  status     ${s.status}`];
  if (s.status !== "none") {
    lines.push(`  signer     ${s.signer}`, `  stake      ${amount(s.stake)} bonded`, `  power      ${s.powerNow} in epoch ${s.currentEpoch}, ${s.powerNextEpoch} from epoch ${s.currentEpoch + 1n}`);
  }
  if (s.unbonding > 0n) lines.push(`  unbonding  ${amount(s.unbonding)}, withdrawable from ${new Date(s.withdrawableAt * 1000).toISOString()}`);
  return lines.join("\n");
}
