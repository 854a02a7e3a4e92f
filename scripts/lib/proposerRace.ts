/**
 * Two proposers racing on one devnet, for `npm run bench:proposers` and its short e2e twin: the
 * devnet's relayer (proposer key: dev account 1) and a second `sidechain relayer` with only the
 * proposer role (dev account 4, its own database), both asking the devnet's four validator
 * processes, while a user sends a deposit and a withdrawal every `trafficMs`. Afterwards every
 * block of both chains is read back, and each transaction to a CheckpointManager is counted by
 * sender and receipt status; a reverted one is gas a proposer lost to the race.
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { JsonRpcProvider, parseEther, type TransactionResponse } from "ethers";

import { BridgeClient } from "../../relayer/src";
import { devAccount, freePort, startDevnet, type RunningDevnet } from "../../relayer/src/devnet";
import { startDevnetProcess, type DevnetProcess } from "../../relayer/src/devnet/processes";

export interface RaceOptions {
  durationMs: number;
  /** Both chains mine a block this often. */
  blockTimeMs?: number;
  /** Also mine each transaction at once (the devnet's default). Off: transactions wait in the pool for the next block, as on a real chain. */
  automine?: boolean;
  trafficMs?: number;
  /** roles.proposer.staggerMs for both proposers; default: the relayer's default. */
  staggerMs?: number;
  progress?: (line: string) => void;
}

export interface ProposerCount {
  address: string;
  /** Checkpoint transactions mined with status 1. */
  submitted: number;
  /** Checkpoint transactions mined with status 0: the race lost after broadcast. */
  reverted: number;
  /** No-op replacements (0 ETH to itself) of a submission whose range landed while it was pending. */
  cancelled: number;
}

export interface RaceResult {
  durationMs: number;
  blockTimeMs: number;
  automine: boolean;
  messages: number;
  proposers: ProposerCount[];
  checkpointTransactions: number;
  reverted: number;
  /** reverted / checkpoint transactions. */
  revertRate: number;
  /** Ranges a proposer dropped before broadcasting because another had landed them (its logs). */
  skippedBeforeBroadcast: number;
  /** Where each reverted one is: chain, block, and seconds after the race began. */
  revertedAt: { chain: string; block: number; afterSeconds: number }[];
}

const SECOND_PROPOSER_ACCOUNT = 4;
const USER_ACCOUNT = 5;

export async function runProposerRace(options: RaceOptions): Promise<RaceResult> {
  const blockTimeMs = options.blockTimeMs ?? 1_000;
  const automine = options.automine ?? false;
  const progress = options.progress ?? (() => undefined);
  progress("starting the devnet (four validator processes and the relayer)…");
  const devnet = await startDevnet({ challengePeriod: 5, blockTimeMs, processes: true });
  let second: DevnetProcess | undefined;
  const providers: JsonRpcProvider[] = [];
  try {
    const { relayer } = devnet.processes!;
    if (options.staggerMs !== undefined) {
      await relayer.stop();
      patchConfig(relayer.configFile, (config) => (config.roles.proposer.staggerMs = options.staggerMs));
      await relayer.start();
    }
    second = await startSecondProposer(devnet, options.staggerMs);
    const main = provider(devnet.main.url, devnet.main.chainId, providers);
    const child = provider(devnet.child.url, devnet.child.chainId, providers);
    if (!automine) await Promise.all([main.send("evm_setAutomine", [false]), child.send("evm_setAutomine", [false])]);
    const from = { main: await main.getBlockNumber(), child: await child.getBlockNumber() };
    const startedAt = Math.floor(Date.now() / 1000);

    progress(`two proposers racing for ${Math.round(options.durationMs / 1000)} s (${automine ? "automine and " : ""}a block every ${blockTimeMs} ms)…`);
    const messages = await traffic(devnet, main, child, options.durationMs, options.trafficMs ?? 2_000, progress);
    // Let the last messages' checkpoints land, so that their races count too.
    await settle(devnet.apiUrl, 90_000);

    const proposers = [devAccount(1).address, devAccount(SECOND_PROPOSER_ACCOUNT).address];
    const counts = new Map(proposers.map((address) => [address.toLowerCase(), { address, submitted: 0, reverted: 0, cancelled: 0 }]));
    const revertedAt: RaceResult["revertedAt"] = [];
    for (const [side, node] of [["main", main], ["child", child]] as const) {
      const manager = devnet.deployments[side].contracts.CheckpointManager!.address.toLowerCase();
      for (const r of await countTransactions(node, from[side], manager, counts)) revertedAt.push({ chain: side, block: r.block, afterSeconds: r.timestamp - startedAt });
    }
    const skippedBeforeBroadcast = [relayer, second].reduce((sum, p) => sum + logLines(p.logFile).filter((l) => l.at === "proposer.race" && l.txHash === undefined).length, 0);
    const all = [...counts.values()];
    const checkpointTransactions = all.reduce((sum, c) => sum + c.submitted + c.reverted, 0);
    const reverted = all.reduce((sum, c) => sum + c.reverted, 0);
    return {
      durationMs: options.durationMs,
      blockTimeMs,
      automine,
      messages,
      proposers: all,
      checkpointTransactions,
      reverted,
      revertRate: checkpointTransactions === 0 ? 0 : reverted / checkpointTransactions,
      skippedBeforeBroadcast,
      revertedAt,
    };
  } finally {
    for (const p of providers) p.destroy();
    await second?.stop();
    await devnet.stop();
  }
}

type Json = { [key: string]: any }; // eslint-disable-line @typescript-eslint/no-explicit-any

function patchConfig(file: string, edit: (config: Json) => void): void {
  const config = JSON.parse(readFileSync(file, "utf8")) as Json;
  edit(config);
  writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`);
}

/** The devnet's relayer config, as a proposer only: its own key, database and API port. */
async function startSecondProposer(devnet: RunningDevnet, staggerMs: number | undefined): Promise<DevnetProcess> {
  const configFile = path.join(devnet.dir, "relayer-b.json");
  const config = JSON.parse(readFileSync(devnet.relayerConfigFile, "utf8")) as Json;
  const apiPort = await freePort();
  config.dbPath = path.join(devnet.dir, "relayer-b.sqlite");
  config.api = { enabled: true, port: apiPort };
  config.roles.validator = { enabled: false };
  config.roles.executor = { enabled: false };
  config.roles.challenger = { enabled: false };
  if (staggerMs !== undefined) config.roles.proposer.staggerMs = staggerMs;
  config.keys = { proposer: devAccount(SECOND_PROPOSER_ACCOUNT).privateKey };
  writeFileSync(configFile, `${JSON.stringify(config, null, 2)}\n`);
  const second = startDevnetProcess({ name: "relayer-b", kind: "relayer", configFile, logFile: path.join(devnet.dir, "relayer-b.log"), url: `http://127.0.0.1:${apiPort}` });
  await second.start();
  return second;
}

function provider(url: string, chainId: number, owned: JsonRpcProvider[]): JsonRpcProvider {
  const p = new JsonRpcProvider(url, chainId, { staticNetwork: true, pollingInterval: 100, cacheTimeout: -1 });
  owned.push(p);
  return p;
}

/** A deposit and (once the first one arrived) a withdrawal every `everyMs`; returns how many messages were sent. */
async function traffic(devnet: RunningDevnet, main: JsonRpcProvider, child: JsonRpcProvider, durationMs: number, everyMs: number, progress: (line: string) => void): Promise<number> {
  const client = new BridgeClient({ main: devAccount(USER_ACCOUNT, main), child: devAccount(USER_ACCOUNT, child), deployments: devnet.deployments });
  let sent = 0;
  try {
    const first = await client.depositETH(parseEther("1"));
    sent++;
    await client.waitForStatus(first.txHash, "relayed", { pollMs: 250, timeoutMs: 120_000 });
    const end = Date.now() + durationMs;
    let lastReport = Date.now();
    while (Date.now() < end) {
      const started = Date.now();
      await Promise.all([client.depositETH(parseEther("0.001")), client.withdrawETH(parseEther("0.0005"))]);
      sent += 2;
      if (Date.now() - lastReport > 30_000) {
        progress(`  ${sent} messages sent, ${Math.round((end - Date.now()) / 1000)} s to go`);
        lastReport = Date.now();
      }
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, everyMs - (Date.now() - started))));
    }
  } finally {
    client.close();
  }
  return sent;
}

/** Waits until the relayer has no message waiting for a checkpoint (or `timeoutMs`). */
async function settle(apiUrl: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const status = (await (await fetch(`${apiUrl}/status`)).json()) as { messages: Record<string, Record<string, number>> };
      if (Object.values(status.messages).every((counts) => (counts.sent ?? 0) === 0)) return;
    } catch {
      // the relayer's API may be busy; ask again
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** Counts into `counts`; returns the blocks (and their timestamps) of the reverted ones. */
async function countTransactions(node: JsonRpcProvider, fromBlock: number, manager: string, counts: Map<string, ProposerCount>): Promise<{ block: number; timestamp: number }[]> {
  const reverted: { block: number; timestamp: number }[] = [];
  const head = await node.getBlockNumber();
  for (let n = fromBlock + 1; n <= head; n++) {
    const block = await node.getBlock(n, true);
    for (const tx of block?.prefetchedTransactions ?? ([] as TransactionResponse[])) {
      const count = counts.get(tx.from.toLowerCase());
      if (count === undefined) continue;
      if (tx.to?.toLowerCase() === manager) {
        const receipt = await node.getTransactionReceipt(tx.hash);
        if (receipt?.status === 1) count.submitted++;
        else {
          count.reverted++;
          reverted.push({ block: n, timestamp: block!.timestamp });
        }
      } else if (tx.to?.toLowerCase() === tx.from.toLowerCase() && tx.data === "0x" && tx.value === 0n) {
        count.cancelled++;
      }
    }
  }
  return reverted;
}

function logLines(file: string): { at?: string; txHash?: string }[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => {
      try {
        return JSON.parse(line) as { at?: string; txHash?: string };
      } catch {
        return {};
      }
    });
}
