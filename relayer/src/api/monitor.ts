/**
 * What the console and the alerts need from the chains that no role reads on its own: the
 * balance of every key this relayer sends with (per role and chain), the proposer's bonds, each
 * destination's validator set and challenge period, and each chain's clock (the latest block's
 * timestamp, which decides when a checkpoint is final). Read every `api.monitorIntervalMs` in one
 * run loop; the last good reading of each item is kept, with the time it was taken.
 */
import { Wallet, getAddress } from "ethers";

import { checkpointManagerAbi, readContract, validatorSetAbi } from "../chain/abi";
import { errorMessage } from "../chain/provider";
import { fetchBlock } from "../chain/receipts";
import { CHAIN_NAMES, type ChainName, type Config } from "../config";
import { LANES, laneName, runLoop, type RoleContext } from "../roles/context";

export type SignerRole = "proposer" | "executor" | "challenger" | "reporter";
export type BalanceLevel = "ok" | "low" | "critical";

export interface SignerBalance {
  role: SignerRole;
  chain: ChainName;
  address: string;
  wei: bigint;
  warnWei: bigint;
  level: BalanceLevel;
  at: number;
}

export interface ValidatorSetView {
  addresses: string[];
  powers: bigint[];
  threshold: bigint;
  at: number;
}

export interface ChainClock {
  number: number;
  /** The latest block's timestamp (unix seconds). */
  timestamp: number;
  /** When it was read (ms since the epoch). */
  at: number;
}

export interface MonitorSnapshot {
  balances: SignerBalance[];
  bonds: { chain: ChainName; address: string; wei: bigint; at: number }[];
  /** By destination chain: the set that signs checkpoints of the other chain. */
  validatorSets: Partial<Record<ChainName, ValidatorSetView>>;
  challengePeriods: Partial<Record<ChainName, number>>;
  clocks: Partial<Record<ChainName, ChainClock>>;
  lastRunAt: number | null;
  errors: string[];
}

/** A quarter of the warning level is critical: a handful of transactions left. */
export function balanceLevel(wei: bigint, warnWei: bigint): BalanceLevel {
  if (wei < warnWei / 4n) return "critical";
  return wei < warnWei ? "low" : "ok";
}

/** The keys this relayer sends with, one per role whose role is enabled, and the chains it sends on. */
export function sendingKeys(config: Config): { role: SignerRole; address: string; chains: readonly ChainName[] }[] {
  const keys: { role: SignerRole; address: string; chains: readonly ChainName[] }[] = [];
  for (const role of ["proposer", "executor", "challenger"] as const) {
    const key = config.keys[role];
    if (key !== undefined && config.roles[role].enabled) keys.push({ role, address: new Wallet(key).address, chains: CHAIN_NAMES });
  }
  // The equivocation reporter sends only to the StakeManager, on the main chain.
  const reporter = config.keys.reporter;
  if (reporter !== undefined && config.roles.equivocation.enabled) keys.push({ role: "reporter", address: new Wallet(reporter).address, chains: ["main"] });
  return keys;
}

export class Monitor {
  private readonly state: MonitorSnapshot = { balances: [], bonds: [], validatorSets: {}, challengePeriods: {}, clocks: {}, lastRunAt: null, errors: [] };

  constructor(private readonly ctx: RoleContext) {
    for (const chain of CHAIN_NAMES) ctx.metrics.signerBalanceWarn.set({ chain }, Number(ctx.config.api.balanceWarnWei[chain]));
  }

  run(): Promise<void> {
    return runLoop(this.ctx, "api.monitor", this.ctx.config.api.monitorIntervalMs, () => this.step());
  }

  snapshot(): MonitorSnapshot {
    return { ...this.state, balances: [...this.state.balances], bonds: [...this.state.bonds], errors: [...this.state.errors] };
  }

  /** The destination's time now, extrapolated from its latest block; the wall clock before the first reading. */
  chainNow(chain: ChainName, now = Date.now()): number {
    const clock = this.state.clocks[chain];
    return clock === undefined ? Math.floor(now / 1000) : clock.timestamp + Math.floor((now - clock.at) / 1000);
  }

  /** One reading of everything; the items that fail keep their last value and are named in the error. */
  async step(): Promise<void> {
    const { config, metrics, rpc } = this.ctx;
    const tasks: { what: string; run: () => Promise<void> }[] = [];
    const balances: SignerBalance[] = [];
    const bonds: MonitorSnapshot["bonds"] = [];
    for (const chain of CHAIN_NAMES) {
      tasks.push({
        what: `${chain} latest block`,
        run: async () => {
          const block = await fetchBlock(rpc[chain], "latest");
          this.state.clocks[chain] = { number: Number(BigInt(block.number)), timestamp: Number(BigInt(block.timestamp)), at: Date.now() };
        },
      });
      for (const { role, address, chains } of sendingKeys(config)) {
        if (!chains.includes(chain)) continue;
        tasks.push({
          what: `${role} balance on ${chain}`,
          run: async () => {
            const wei = BigInt((await rpc[chain].send("eth_getBalance", [address, "latest"])) as string);
            const warnWei = config.api.balanceWarnWei[chain];
            balances.push({ role, chain, address, wei, warnWei, level: balanceLevel(wei, warnWei), at: Date.now() });
            metrics.signerBalance.set({ role, chain, address }, Number(wei));
          },
        });
      }
    }
    for (const lane of LANES) {
      const chain = lane.destination;
      const contracts = config.chains[chain].contracts;
      tasks.push({
        what: `${chain} validator set`,
        run: async () => {
          const [addresses, powers] = (await readContract(rpc[chain], validatorSetAbi, contracts.ValidatorSet, "validators")) as unknown as [string[], bigint[]];
          const [, threshold] = (await readContract(rpc[chain], validatorSetAbi, contracts.ValidatorSet, "quorum")) as unknown as [string, bigint];
          this.state.validatorSets[chain] = { addresses: addresses.map((a) => getAddress(a)), powers: [...powers], threshold, at: Date.now() };
        },
      });
      tasks.push({
        what: `${chain} challenge period`,
        run: async () => {
          const [period] = (await readContract(rpc[chain], checkpointManagerAbi, contracts.CheckpointManager, "challengePeriod")) as unknown as [bigint];
          this.state.challengePeriods[chain] = Number(period);
          metrics.challengePeriod.set({ lane: laneName(lane) }, Number(period));
        },
      });
      const proposer = sendingKeys(config).find((k) => k.role === "proposer");
      if (proposer !== undefined) {
        tasks.push({
          what: `proposer bond on ${chain}`,
          run: async () => {
            const [wei] = (await readContract(rpc[chain], checkpointManagerAbi, contracts.CheckpointManager, "bondOf", [proposer.address])) as unknown as [bigint];
            bonds.push({ chain, address: proposer.address, wei, at: Date.now() });
            metrics.bondBalance.set({ chain }, Number(wei));
          },
        });
      }
    }
    const results = await Promise.allSettled(tasks.map((task) => task.run()));
    const errors = results.flatMap((result, i) => (result.status === "rejected" ? [`${tasks[i].what}: ${errorMessage(result.reason)}`] : []));
    // A failed reading keeps the previous one (with its older time) rather than vanishing from the page.
    const keep = <T extends { chain: ChainName }>(fresh: T[], old: T[], key: (item: T) => string) => {
      const seen = new Set(fresh.map(key));
      return [...fresh, ...old.filter((item) => !seen.has(key(item)))];
    };
    const order = (a: SignerBalance, b: SignerBalance) => a.role.localeCompare(b.role) || a.chain.localeCompare(b.chain);
    this.state.balances = keep(balances, this.state.balances, (b) => `${b.role}:${b.chain}`).sort(order);
    this.state.bonds = keep(bonds, this.state.bonds, (b) => b.chain).sort((a, b) => a.chain.localeCompare(b.chain));
    this.state.lastRunAt = Date.now();
    this.state.errors = errors;
    if (errors.length > 0) throw new Error(`monitor: ${errors.join("; ")}`);
  }
}
