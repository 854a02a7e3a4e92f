/**
 * Wiring: builds the RPC clients, checks the config against the chains, opens the store, and
 * starts the enabled roles with the injected config, store and logger. `stop()` shuts down
 * gracefully (loops finish their step, servers close, the database closes).
 */
import { setMaxListeners } from "node:events";
import pino, { type Logger } from "pino";

import { RpcClient } from "./chain/provider";
import { CHAIN_NAMES, checkChains, requireApiToken, requireKeys, rolesNeedingKeys, type ChainName, type Config } from "./config";
import { ApiServer } from "./api/server";
import { Metrics } from "./api/metrics";
import { Monitor } from "./api/monitor";
import { LANES, laneName, runLoop, type RoleContext } from "./roles/context";
import { httpLeafSource } from "./roles/challenger/role";
import { EquivocationReporter } from "./roles/equivocation";
import { ConfigError } from "./config";
import { stakeManagerAbi } from "./sdk/stakeManager";
import { Wallet } from "ethers";
import { Executor, type CheckpointRevertedHook } from "./roles/executor";
import { Proposer } from "./roles/proposer";
import { Releaser } from "./roles/releaser";
import { SigningRounds } from "./roles/signing";
import { Validator } from "./roles/validator";
import { Watcher } from "./roles/watcher";
import { Store } from "./store";
import { crashHookFromEnv } from "./tx/crashPoint";
import { TxSender } from "./tx/sender";

/**
 * Hook for the challenger role (roles/challenger, installed by the CLI): given the context and the
 * challenger's transaction senders, returns its run loop and, optionally, a reaction to reverts.
 */
export type ChallengerFactory = (ctx: RoleContext, senders: Readonly<Record<ChainName, TxSender>>) => { run(): Promise<void>; onReverted?: CheckpointRevertedHook };

export interface ServiceOptions {
  mode?: "relayer" | "validator";
  log?: Logger;
  challenger?: ChallengerFactory;
}

export interface ServicePorts {
  api?: number;
  validator?: number;
}

export class RelayerService {
  readonly ports: ServicePorts = {};
  private readonly controller = new AbortController();
  private readonly loops: Promise<void>[] = [];
  private readonly closers: (() => Promise<void>)[] = [];
  private stopped: Promise<void> | undefined;

  private constructor(readonly ctx: RoleContext) {}

  static async start(config: Config, options: ServiceOptions = {}): Promise<RelayerService> {
    const mode = options.mode ?? "relayer";
    const log = options.log ?? pino({ level: config.log.level });
    const metrics = new Metrics();
    requireKeys(config, rolesNeedingKeys(config, mode));
    if (mode === "relayer") requireApiToken(config);
    const rpc = {} as Record<ChainName, RpcClient>;
    for (const name of CHAIN_NAMES) {
      const chain = config.chains[name];
      rpc[name] = new RpcClient(name, chain.rpcUrl, chain.chainId, { ...config.rpc, onError: (c, _m, e) => metrics.rpcErrors.inc({ chain: c, code: e.code }) });
    }
    try {
      await checkChains(config, rpc);
    } catch (error) {
      for (const client of Object.values(rpc)) client.destroy();
      throw error;
    }
    const store = Store.open(config.dbPath);
    metrics.restoreCounters(store);
    const service = new RelayerService({ config, store, log, rpc, metrics, rounds: new SigningRounds(), signal: undefined as unknown as AbortSignal });
    (service.ctx as { signal: AbortSignal }).signal = service.controller.signal;
    // Every loop and every relay in flight waits on this signal at once; the default cap of 10 listeners is for leak hunting.
    setMaxListeners(0, service.controller.signal);
    try {
      await service.startRoles(mode, options);
    } catch (error) {
      await service.stop();
      throw error;
    }
    log.info({ at: "service.start", mode, dbPath: config.dbPath, ports: service.ports }, "started");
    return service;
  }

  private async startRoles(mode: "relayer" | "validator", options: ServiceOptions): Promise<void> {
    const { config } = this.ctx;
    const roles = config.roles;
    let validator: Validator | undefined;
    if (mode === "validator" || roles.validator.enabled) {
      validator = new Validator(this.ctx, config.keys.validator!);
      this.ports.validator = await validator.listen(roles.validator.host, roles.validator.port);
      this.closers.push(() => validator!.close());
    }
    if (mode === "validator") return;

    // One sender (= one nonce manager) per key per chain, shared by the roles using that key.
    const senders = new Map<string, TxSender>();
    const crashHook = crashHookFromEnv();
    const senderFor = async (chain: ChainName, key: string): Promise<TxSender> => {
      const id = `${chain}:${key}`;
      let sender = senders.get(id);
      if (sender === undefined) {
        sender = new TxSender(this.ctx.rpc[chain], config.chains[chain].chainId, key, this.ctx.store, config.tx, this.ctx.log, this.ctx.signal, crashHook);
        senders.set(id, sender);
        await sender.recover();
      }
      return sender;
    };

    if (config.api.enabled) {
      const monitor = new Monitor(this.ctx);
      this.loops.push(monitor.run());
      const api = new ApiServer(this.ctx, monitor);
      this.ports.api = await api.listen(config.api.host, config.api.port);
      this.closers.push(() => api.close());
    }
    if (roles.watcher.enabled) for (const chain of CHAIN_NAMES) this.loops.push(new Watcher(this.ctx, chain).run());

    let onReverted: CheckpointRevertedHook | undefined;
    if (roles.challenger.enabled) {
      if (options.challenger === undefined) {
        this.ctx.log.warn({ at: "service.challenger" }, "challenger role enabled but not installed in this build");
      } else {
        const key = config.keys.challenger!;
        const challenger = options.challenger(this.ctx, { main: await senderFor("main", key), child: await senderFor("child", key) });
        onReverted = challenger.onReverted;
        this.loops.push(challenger.run());
      }
    }
    if (roles.equivocation.enabled) this.loops.push(this.equivocationReporter(await senderFor("main", config.keys.reporter!)));
    for (const lane of LANES) {
      if (roles.proposer.enabled) {
        const local = validator !== undefined ? (request: Parameters<Validator["attest"]>[0]) => validator!.attest(request) : undefined;
        this.loops.push(new Proposer(this.ctx, lane, await senderFor(lane.destination, config.keys.proposer!), local).run());
      }
      if (roles.executor.enabled) {
        this.loops.push(new Executor(this.ctx, lane, await senderFor(lane.destination, config.keys.executor!), onReverted).run());
      } else {
        // Without the executor, checkpoints are still mirrored for the API's proofs.
        this.loops.push(new Executor(this.ctx, lane, undefined, onReverted).run());
      }
    }
    // Releases queued by a rate limit finish what the executor relayed: same key, same switch.
    if (roles.executor.enabled) {
      for (const chain of CHAIN_NAMES) this.loops.push(new Releaser(this.ctx, chain, await senderFor(chain, config.keys.executor!)).run());
    }
  }

  /** The equivocation reporter's run loop: both lanes' events, reports sent on the main chain. */
  private equivocationReporter(sender: TxSender): Promise<void> {
    const { config, rpc, store, metrics } = this.ctx;
    const role = config.roles.equivocation;
    const stakeManager = role.stakeManager ?? config.chains.main.contracts.StakeManager;
    if (stakeManager === undefined) {
      throw new ConfigError("config: roles.equivocation is enabled but no StakeManager is known: set roles.equivocation.stakeManager or chains.main.contracts.StakeManager");
    }
    const reporter = new EquivocationReporter({
      stakeManager,
      main: rpc.main,
      // Lane "main": the main chain's manager, about the child chain; lane "child" the other way.
      lanes: (["main", "child"] as const).map((name) => {
        const source = name === "main" ? "child" : "main";
        return { name, destination: rpc[name], source: rpc[source], sourceChain: source, startBlock: config.chains[name].deployedAtBlock };
      }),
      store,
      reporter: new Wallet(config.keys.reporter!).address,
      send: async (request) => {
        const outcome = await sender.execute({ ...request, abi: stakeManagerAbi });
        return { hash: outcome.hash, status: outcome.status, logs: outcome.receipt.logs };
      },
      logger: this.ctx.log.child({ role: "equivocation" }),
      leafSource: httpLeafSource(role.leafSources ?? config.roles.challenger.leafSources, role.leafSourceTimeoutMs),
      onReported: (lane) => metrics.equivocationReported.inc({ lane: laneName({ source: lane === "main" ? "child" : "main", destination: lane }) }),
    });
    const interval = Math.min(config.chains.main.pollIntervalMs, config.chains.child.pollIntervalMs);
    this.ctx.log.info({ at: "equivocation.start", stakeManager, reporter: new Wallet(config.keys.reporter!).address }, "equivocation reporter watching both lanes");
    return runLoop(this.ctx, "equivocation.scan", interval, async () => {
      await reporter.scan();
    });
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Graceful: stops the loops after their current step, closes servers, RPC clients and the database. */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      this.controller.abort();
      await Promise.allSettled(this.loops);
      await Promise.allSettled(this.closers.map((close) => close()));
      for (const client of Object.values(this.ctx.rpc)) client.destroy();
      this.ctx.store.close();
      this.ctx.log.info({ at: "service.stop" }, "stopped");
    })();
    return this.stopped;
  }
}
