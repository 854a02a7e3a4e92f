#!/usr/bin/env node
/**
 * `sidechain` command line: argument parsing and wiring only.
 *   sidechain relayer   --config FILE
 *   sidechain validator --config FILE
 *   sidechain proof     --config FILE --tx HASH [--log-index N]
 *   sidechain deposit | withdraw | status <tx> | relay <tx> | balances [address]   (user commands, cli/user.ts)
 *   sidechain deposit-erc721 | deposit-erc1155 | withdraw-erc721 | withdraw-erc1155    (NFTs, cli/assets.ts)
 *   sidechain register-child-token | main-token | exit-erc20|erc721|erc1155 | return-erc20|erc721|erc1155
 *             | claim-erc721 | claim-erc1155 | claim-return                         (child-chain tokens, credits)
 *   sidechain deploy --config FILE | relayer-config --main-deployment FILE …          (operator set-up, cli/deploy.ts)
 *   sidechain stake join | top-up | unstake | withdraw | rotate-signer | status        (validator stake, cli/stake.ts)
 * A bad config or argument prints one line to stderr and exits non-zero.
 */
import { Command, CommanderError } from "commander";
import pino from "pino";

import { CHECKPOINTS_REVERTED_TOPIC, CHECKPOINT_SUBMITTED_TOPIC, MESSAGE_SENT_TOPIC, checkpointManagerAbi } from "./chain/abi";
import { RpcClient, errorMessage } from "./chain/provider";
import type { RpcLog, RpcReceipt } from "./chain/rpcValues";
import { CHAIN_NAMES, ConfigError, checkChains, loadConfig, otherChain, type Config } from "./config";
import { proveLog } from "./proof/exitProof";
import { exitProofJson } from "./roles/proofs";
import { challengerRole } from "./roles/challenger/role";
import { RelayerService } from "./service";
import * as user from "./cli/user";
import * as assets from "./cli/assets";
import { deployCommand, relayerConfigCommand } from "./cli/deploy";
import { stakeCommand } from "./cli/stake";
import { StakeManagerError } from "./sdk/stakeManager";
import { DeployError } from "../../deploy/lib/errors";
import { isBadInputError } from "./sdk/errors";

/** Where the user commands find the bridge and the key (cli/connection.ts); the devnet by default. */
function withConnectionOptions(command: Command): Command {
  return command
    .option("--devnet <dir>", "devnet folder with relayer.json (default: $DEVNET_DIR or ./.devnet)")
    .option("--config <file>", "a relayer config: its RPC URLs, deployment files and API")
    .option("--deployment-dir <dir>", "folder holding the main and child deployment files (needs --main-rpc, --child-rpc)")
    .option("--main-deployment <file>", "main chain deployment file (with --child-deployment)")
    .option("--child-deployment <file>", "child chain deployment file (with --main-deployment)")
    .option("--main-rpc <url>", "main chain RPC URL")
    .option("--child-rpc <url>", "child chain RPC URL")
    .option("--api <url>", "relayer API for exit proofs (default: the config's)")
    .option("--key <hex>", "private key (default: $SIDECHAIN_USER_KEY; on the devnet, dev account 3)")
    .option("--json", "print one JSON object instead of text");
}

async function runService(file: string, mode: "relayer" | "validator"): Promise<void> {
  const config = loadConfig(file, process.env);
  const log = pino({ level: config.log.level });
  const service = await RelayerService.start(config, { mode, log, challenger: challengerRole });
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ at: "cli.shutdown", signal }, "shutting down");
    void service.stop().then(() => process.exit(0));
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
}

/** Proof straight from the chains (no relayer database needed): what a user needs to self-relay. */
async function runProof(file: string, txHash: string, logIndex: number | undefined): Promise<void> {
  const config = loadConfig(file, process.env);
  const rpc = Object.fromEntries(CHAIN_NAMES.map((n) => [n, new RpcClient(n, config.chains[n].rpcUrl, config.chains[n].chainId, config.rpc)])) as Record<"main" | "child", RpcClient>;
  try {
    await checkChains(config, rpc);
    const found = await findMessageLog(config, rpc, txHash, logIndex);
    const destination = otherChain(found.source);
    const checkpoint = await findCheckpoint(config, rpc[destination], destination, found.blockNumber);
    const proof = await proveLog(rpc[found.source], { txHash, logIndex: found.logIndex, checkpoint });
    process.stdout.write(`${JSON.stringify({ source: found.source, destination, messenger: config.chains[destination].contracts.Messenger, proof: exitProofJson(proof) }, null, 2)}\n`);
  } finally {
    for (const client of Object.values(rpc)) client.destroy();
  }
}

async function findMessageLog(config: Config, rpc: Record<"main" | "child", RpcClient>, txHash: string, logIndex: number | undefined) {
  for (const source of CHAIN_NAMES) {
    const receipt = (await rpc[source].send("eth_getTransactionReceipt", [txHash])) as (RpcReceipt & { blockNumber: string }) | null;
    if (receipt === null) continue;
    const messenger = config.chains[source].contracts.Messenger;
    const logs = receipt.logs.filter((l: RpcLog) => l.address.toLowerCase() === messenger && l.topics[0] === MESSAGE_SENT_TOPIC);
    const log = logIndex === undefined ? logs[0] : logs.find((l) => Number(BigInt(l.logIndex ?? -1)) === logIndex);
    if (log === undefined) throw new ConfigError(`transaction ${txHash} on ${source} has no MessageSent log${logIndex === undefined ? "" : ` with index ${logIndex}`}`);
    return { source, blockNumber: Number(BigInt(receipt.blockNumber)), logIndex: Number(BigInt(log.logIndex!)) };
  }
  throw new ConfigError(`transaction ${txHash} is on neither chain`);
}

/** Replays the destination's checkpoint events to find the live checkpoint covering `blockNumber`. */
async function findCheckpoint(config: Config, rpc: RpcClient, destination: "main" | "child", blockNumber: number) {
  const chain = config.chains[destination];
  const latest = Number(await rpc.blockNumber());
  const live = new Map<number, { id: number; startBlock: number; endBlock: number }>();
  for (let from = chain.deployedAtBlock ?? 0; from <= latest; from += 2_000) {
    const logs = (await rpc.send("eth_getLogs", [
      { address: chain.contracts.CheckpointManager, topics: [[CHECKPOINT_SUBMITTED_TOPIC, CHECKPOINTS_REVERTED_TOPIC]], fromBlock: `0x${from.toString(16)}`, toBlock: `0x${Math.min(latest, from + 1_999).toString(16)}` },
    ])) as RpcLog[];
    for (const log of logs) {
      const e = checkpointManagerAbi.parseLog({ topics: log.topics, data: log.data })!;
      if (e.name === "CheckpointSubmitted") live.set(Number(e.args.id), { id: Number(e.args.id), startBlock: Number(e.args.startBlock), endBlock: Number(e.args.endBlock) });
      else for (const id of [...live.keys()]) if (id >= Number(e.args.fromId)) live.delete(id);
    }
  }
  const cp = [...live.values()].find((c) => c.startBlock <= blockNumber && blockNumber <= c.endBlock);
  if (cp === undefined) throw new ConfigError(`block ${blockNumber} is not checkpointed on ${destination} yet`);
  return cp;
}

export function buildProgram(): Command {
  // Bad arguments print ONE line (docs/relayer.md), like config errors: commander's own message,
  // prefixed and with a pointer to --help, instead of the whole help text after it.
  const program = new Command("sidechain")
    .description("sidechain-kit relayer, validator and proof tool")
    .exitOverride()
    .configureOutput({ outputError: (message, write) => write(`sidechain: ${message.trim().replace(/^error: /, "")} (see sidechain --help)\n`) });
  program.command("relayer").description("run the relayer (watchers, proposer, executor, API; validator if enabled)").requiredOption("--config <file>", "JSON or YAML config file").action((o: { config: string }) => runService(o.config, "relayer"));
  program.command("validator").description("run a validator only: sign checkpoints over HTTP").requiredOption("--config <file>", "JSON or YAML config file").action((o: { config: string }) => runService(o.config, "validator"));
  program
    .command("proof")
    .description("print the exit proof of a MessageSent log, for Messenger.relayMessage")
    .requiredOption("--config <file>", "JSON or YAML config file")
    .requiredOption("--tx <hash>", "transaction that sent the message")
    .option("--log-index <n>", "block-wide log index of the MessageSent log (default: the first in the transaction)")
    .action((o: { config: string; tx: string; logIndex?: string }) => {
      if (!/^0x[0-9a-fA-F]{64}$/.test(o.tx)) throw new ConfigError(`--tx ${o.tx} is not a transaction hash`);
      if (o.logIndex !== undefined && !/^\d+$/.test(o.logIndex)) throw new ConfigError(`--log-index ${o.logIndex} is not a non-negative integer`);
      return runProof(o.config, o.tx, o.logIndex === undefined ? undefined : Number(o.logIndex));
    });
  withConnectionOptions(program.command("deposit").description("deposit ETH or an ERC20 on the main chain, minted on the child chain"))
    .requiredOption("--amount <x>", "amount in token units, e.g. 1.5")
    .option("--token <address|ETH>", "root token (default: ETH)")
    .option("--to <address>", "receiver on the child chain (default: the sender)")
    .option("--gas-limit <n>", "gas floor of the message on the child chain, for a receiver that needs more (default: the bridge's 200000)")
    .action((o: user.TransferOptions) => user.deposit(o));
  withConnectionOptions(program.command("withdraw").description("burn a child token on the child chain, released on the main chain"))
    .requiredOption("--amount <x>", "amount in token units, e.g. 1.5")
    .option("--token <address|ETH>", "child token, its root token, or ETH (default: ETH)")
    .option("--to <address>", "receiver on the main chain (default: the sender)")
    .option("--gas-limit <n>", "gas floor of the release on the main chain, for a receiver or token that needs more (default: the bridge's 200000)")
    .action((o: user.TransferOptions) => user.withdraw(o));
  const ASSET_COMMANDS = [
    ["deposit", ["ERC721", "ERC1155"]],
    ["withdraw", ["ERC721", "ERC1155"]],
    ["exit", ["ERC20", "ERC721", "ERC1155"]],
    ["return", ["ERC20", "ERC721", "ERC1155"]],
  ] as const;
  const ASSET_HELP = {
    deposit: { what: (kind: string) => `deposit ${kind} tokens (one id or up to 20) on the main chain, minted on the child chain`, token: "root token", to: "child" },
    withdraw: { what: (kind: string) => `burn child ${kind} tokens (one id or up to 20) on the child chain, released on the main chain`, token: "child token or its root token", to: "main" },
    exit: { what: (kind: string) => `lock ${kind} tokens created on the child chain (registered), minted on the main chain`, token: "child-chain token", to: "main" },
    return: { what: (kind: string) => `burn the main-chain ${kind} of a child-chain token, released from the child lockbox`, token: "MainMintable token or its child-chain token", to: "child" },
  } as const;
  for (const [way, kinds] of ASSET_COMMANDS) {
    for (const kind of kinds) {
      const help = ASSET_HELP[way];
      let command = withConnectionOptions(program.command(`${way}-${kind.toLowerCase()}`).description(help.what(kind))).requiredOption("--token <address>", help.token);
      if (kind === "ERC20") command = command.requiredOption("--amount <x>", "amount in token units, e.g. 1.5");
      else command = command.requiredOption("--ids <list>", "token ids, comma-separated, e.g. 1,2,3");
      if (kind === "ERC1155") command = command.requiredOption("--amounts <list>", "amount of each id, comma-separated");
      command
        .option("--to <address>", `receiver on the ${help.to} chain (default: the sender)`)
        .option("--gas-limit <n>", "gas floor of the message on the other chain (default: the bridge's, computed from the batch)")
        .action((o: assets.AssetOptions) => assets.assetTransfer(kind, way, o));
    }
  }
  withConnectionOptions(program.command("register-child-token").description("register a token you own on the child chain for exit to the main chain (final)"))
    .requiredOption("--token <address>", "the child-chain token (its owner() must be the key)")
    .requiredOption("--kind <kind>", "ERC20, ERC721 or ERC1155")
    .action((o: assets.RegisterOptions) => assets.registerChildToken(o));
  withConnectionOptions(program.command("main-token").description("the main-chain (MainMintable) token of a child-chain token, deployed or predicted"))
    .requiredOption("--token <address>", "the child-chain token")
    .option("--kind <kind>", "ERC20, ERC721 or ERC1155 (default: what it is registered as)")
    .action((o: user.ConnectionOptions & { token: string; kind?: string }) => assets.mainToken(o));
  for (const kind of ["ERC721", "ERC1155"] as const) {
    let command = withConnectionOptions(program.command(`claim-${kind.toLowerCase()}`).description(`pay out an ${kind} withdrawal credited to you on the main chain (its release had failed)`))
      .requiredOption("--token <address>", "root token")
      .requiredOption("--id <n>", "token id");
    if (kind === "ERC1155") command = command.option("--amount <n>", "how many (default: all that is credited)");
    command.option("--to <address>", "receiver (default: the sender)").action((o: assets.ClaimAssetOptions) => assets.claimAsset(kind, o));
  }
  withConnectionOptions(
    program.command("claim-return").description("pay out a return of a child-chain token credited to you on the child chain (its release had failed)").argument("<txHash>", "the return transaction on the main chain"),
  )
    .option("--log-index <n>", "block-wide index of the MessageSent log (default: the first)")
    .option("--to <address>", "receiver on the child chain (default: the sender)")
    .action((txHash: string, o: user.ConnectionOptions & { to?: string; logIndex?: string }) => assets.claimReturn(txHash, o));
  withConnectionOptions(program.command("status").description("where the message sent by a transaction stands").argument("<txHash>", "deposit or withdrawal transaction"))
    .option("--log-index <n>", "block-wide index of the MessageSent log (default: the first)")
    .action((txHash: string, o: user.ConnectionOptions & { logIndex?: string }) => user.status(txHash, o));
  withConnectionOptions(program.command("relay").description("relay a final message yourself (or retry a failed one)").argument("<txHash>", "deposit or withdrawal transaction"))
    .option("--log-index <n>", "block-wide index of the MessageSent log (default: the first)")
    .option("--gas-limit <n>", "gas of the transaction (default: estimated); a failed message's call gets all of it beyond a reserve")
    .action((txHash: string, o: user.ConnectionOptions & { logIndex?: string; gasLimit?: string }) => user.relay(txHash, o));
  withConnectionOptions(program.command("claim").description("pay out withdrawals credited to you on the main chain (their release had failed)"))
    .option("--token <address|ETH>", "root token (default: ETH)")
    .option("--amount <x>", "amount in token units (default: all that is credited)")
    .option("--to <address>", "receiver (default: the sender)")
    .action((o: user.ClaimOptions) => user.claim(o));
  withConnectionOptions(
    program.command("execute-release").description("execute the release a rate limit queued for a relayed transfer, once it is due").argument("<txHash>", "deposit or withdrawal transaction"),
  )
    .option("--log-index <n>", "block-wide index of the MessageSent log (default: the first)")
    .action((txHash: string, o: user.ConnectionOptions & { logIndex?: string }) => user.executeRelease(txHash, o));
  withConnectionOptions(program.command("balances").description("ETH and bridged tokens on both chains").argument("[address]", "account (default: the key's)"))
    .action((address: string | undefined, o: user.ConnectionOptions) => user.balances(address, o));
  program.addCommand(deployCommand());
  program.addCommand(relayerConfigCommand());
  // Built apart from `program`: give it and its subcommands the one-line errors set above.
  const stake = stakeCommand();
  for (const command of [stake, ...stake.commands]) command.copyInheritedSettings(program);
  program.addCommand(stake);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    process.stderr.write(`sidechain: ${errorMessage(error)}\n`);
    // A StakeManager refusal (still unbonding, below the minimum…) is the operator's to fix, like a bad argument.
    const badInput = error instanceof ConfigError || isBadInputError(error) || error instanceof StakeManagerError || (error instanceof DeployError && error.code === "DEPLOY_CONFIG_INVALID");
    return badInput ? 2 : 1;
  }
}

if (require.main === module) {
  void main(process.argv).then((code) => {
    if (code !== 0) process.exit(code);
  });
}
