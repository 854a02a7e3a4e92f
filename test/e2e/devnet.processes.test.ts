/**
 * startDevnet({ processes }): the relayer and the four validators as `sidechain` processes of their
 * own, stopped and started one by one as an operator would. One validator down: deposits and
 * withdrawals still arrive (3 of 4 reach the threshold), and /status, /health, the log and
 * sidechain_validator_missed_total name the missing validator and why. Two down: /health answers
 * 503 and names the quorum problem; started again, the waiting deposit arrives. The relayer itself
 * stops and starts on its own database.
 */
import { existsSync, readFileSync } from "node:fs";
import { expect } from "chai";
import { JsonRpcProvider, parseEther } from "ethers";

import { BridgeClient, NATIVE_TOKEN } from "../../relayer/src";
import { startDevnet, type RunningDevnet } from "../../relayer/src/devnet";
import type { DevnetProcess } from "../../relayer/src/devnet/processes";
import { devAccount, makeTempDir } from "./harness";
import { waitFor } from "./relayerProcess";

interface Health {
  ok: boolean;
  status: "ok" | "degraded";
  reasons: string[];
  warnings: string[];
}

interface LaneStatus {
  status: "ok" | "degraded";
  signing: { quorum: boolean; power: string; threshold: string; signed: string[]; missing: { address: string; source?: string; reason: string }[] } | null;
}

const LANES = ["main->child", "child->main"] as const;

describe("startDevnet({ processes }): one validator down, then two", function () {
  this.timeout(600_000);
  let devnet: RunningDevnet;
  let main: JsonRpcProvider;
  let child: JsonRpcProvider;
  let client: BridgeClient;
  let processes: { relayer: DevnetProcess; validators: DevnetProcess[] };

  async function get<T>(urlPath: string): Promise<{ status: number; body: T }> {
    const response = await fetch(`${devnet.apiUrl}${urlPath}`, { signal: AbortSignal.timeout(10_000) });
    const text = await response.text();
    return { status: response.status, body: (urlPath === "/metrics" ? text : JSON.parse(text)) as T };
  }
  const metric = (text: string, lane: string, validator: string) => {
    const line = text.split("\n").find((l) => l.startsWith(`sidechain_validator_missed_total{lane="${lane}",validator="${validator}"}`));
    return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(" ") + 1));
  };

  before(async function () {
    // The kit's own CLI as startDevnet finds it here: ts-node on the sources, by package resolution.
    devnet = await startDevnet({ dir: makeTempDir("devnet-processes"), challengePeriod: 3, blockTimeMs: 500, processes: true });
    processes = devnet.processes!;
    main = new JsonRpcProvider(devnet.main.url, devnet.main.chainId, { staticNetwork: true, pollingInterval: 100, cacheTimeout: -1 });
    child = new JsonRpcProvider(devnet.child.url, devnet.child.chainId, { staticNetwork: true, pollingInterval: 100, cacheTimeout: -1 });
    client = new BridgeClient({ main: devAccount(3, main), child: devAccount(3, child), deployments: devnet.deployments, apiUrl: devnet.apiUrl });
  });

  after(async function () {
    client?.close();
    main?.destroy();
    child?.destroy();
    const pids = devnet?.processes === undefined ? [] : [devnet.processes.relayer, ...devnet.processes.validators].map((p) => p.pid);
    await devnet?.stop();
    for (const pid of pids) {
      if (pid === undefined) continue;
      let alive = true;
      try {
        process.kill(pid, 0);
      } catch {
        alive = false;
      }
      expect(alive, `process ${pid} still runs after stop()`).to.equal(false);
    }
  });

  afterEach(function () {
    if (this.currentTest?.state === "failed" && devnet !== undefined) {
      console.log(`--- relayer log (tail):\n${readFileSync(processes.relayer.logFile, "utf8").split("\n").slice(-40).join("\n")}`);
    }
  });

  it("runs the relayer and each validator as a process of its own, each with its config and log", async function () {
    const all = [processes.relayer, ...processes.validators];
    expect(processes.validators.map((v) => v.address)).to.deep.equal(devnet.validators.map((v) => v.address));
    expect(new Set(all.map((p) => p.pid)).size).to.equal(5);
    for (const p of all) {
      expect(p.running, p.name).to.equal(true);
      expect(p.pid).to.not.equal(process.pid);
      expect(existsSync(p.configFile), p.configFile).to.equal(true);
      expect(readFileSync(p.logFile, "utf8"), p.logFile).to.contain('"at":"service.start"');
    }
    // The relayer signs nothing itself: every signature comes from a validator process.
    const relayerConfig = JSON.parse(readFileSync(processes.relayer.configFile, "utf8")) as { roles: { validator: { enabled: boolean }; proposer: { validatorUrls: string[] } } };
    expect(relayerConfig.roles.validator.enabled).to.equal(false);
    expect(relayerConfig.roles.proposer.validatorUrls).to.deep.equal(processes.validators.map((v) => v.url));
    const health = await get<Health>("/health");
    expect(health.status, JSON.stringify(health.body)).to.equal(200);
    expect(health.body.status).to.equal("ok");
  });

  it("delivers a deposit and a withdrawal with one validator stopped, and names it in /status, /health, the log and the metric", async function () {
    const stopped = processes.validators[2];
    await stopped.stop();
    expect(stopped.running).to.equal(false);
    expect(stopped.pid).to.equal(undefined);

    const deposit = await client.depositETH(parseEther("1"));
    await client.waitForStatus(deposit.txHash, "relayed", { pollMs: 250, timeoutMs: 120_000 });
    const withdrawal = await client.withdraw(NATIVE_TOKEN, parseEther("0.4"));
    await client.waitForStatus(withdrawal.txHash, "relayed", { pollMs: 250, timeoutMs: 120_000 });

    const { body: status } = await get<{ lanes: Record<string, LaneStatus> }>("/status");
    for (const lane of LANES) {
      const signing = status.lanes[lane].signing;
      expect(signing, `${lane}: ${JSON.stringify(status.lanes[lane])}`).to.not.equal(null);
      expect(signing!.quorum, lane).to.equal(true);
      expect(signing!.signed, lane).to.have.members(processes.validators.filter((v) => v !== stopped).map((v) => v.address!));
      expect(signing!.missing, lane).to.have.length(1);
      expect(signing!.missing[0]).to.include({ address: stopped.address, source: stopped.url });
      expect(signing!.missing[0].reason).to.match(/unreachable \(ECONNREFUSED\)/);
    }
    const health = await get<Health>("/health");
    expect(health.status, JSON.stringify(health.body)).to.equal(200);
    expect(health.body.status).to.equal("ok");
    expect(health.body.warnings.join("\n")).to.contain(stopped.address);

    const { body: metrics } = await get<string>("/metrics");
    for (const lane of LANES) {
      expect(metric(metrics, lane, stopped.address!), `${lane} misses of ${stopped.name}`).to.be.greaterThan(0);
      for (const up of processes.validators.filter((v) => v !== stopped)) expect(metric(metrics, lane, up.address!), `${lane} misses of ${up.name}`).to.equal(0);
    }
    // The proposer's log names the validator that did not sign, and why.
    const missed = readFileSync(processes.relayer.logFile, "utf8")
      .split("\n")
      .filter((line) => line.includes('"msg":"validator did not sign"'))
      .map((line) => JSON.parse(line) as { validator: string; source: string; reason: string });
    expect(missed.length).to.be.greaterThan(0);
    expect(missed.every((m) => m.validator === stopped.address && m.source === stopped.url && /ECONNREFUSED/.test(m.reason)), JSON.stringify(missed)).to.equal(true);
  });

  it("with two validators down answers /health 503 naming the quorum problem; started again, the waiting deposit arrives", async function () {
    const down = [processes.validators[2], processes.validators[1]];
    await down[1].stop();
    const deposit = await client.depositETH(parseEther("0.5"));

    const degraded = await waitFor("/health to report main->child degraded", async () => {
      const health = await get<Health>("/health");
      return health.status === 503 && health.body.reasons.some((r) => r.startsWith("main->child cannot reach the quorum")) ? health.body : undefined;
    }, 120_000, 500);
    expect(degraded.ok).to.equal(false);
    expect(degraded.status).to.equal("degraded");
    const reason = degraded.reasons.find((r) => r.startsWith("main->child"))!;
    expect(reason).to.match(/signatures of power 2, the threshold is 3/);
    for (const v of down) expect(reason).to.contain(v.address);
    expect((await client.getMessageStatus(deposit.txHash)).status).to.equal("sent");
    const { body: metrics } = await get<string>("/metrics");
    expect(metrics).to.match(/sidechain_lane_degraded\{lane="main->child"\} 1/);

    await Promise.all(down.map((v) => v.start()));
    await client.waitForStatus(deposit.txHash, "relayed", { pollMs: 250, timeoutMs: 120_000 });
    const recovered = await waitFor("/health to recover", async () => {
      const health = await get<Health>("/health");
      return health.status === 200 ? health.body : undefined;
    }, 120_000, 500);
    expect(recovered.status).to.equal("ok");
  });

  it("stops and starts the relayer process on its database; a deposit sent meanwhile arrives", async function () {
    const { relayer } = processes;
    await relayer.stop();
    expect(relayer.running).to.equal(false);
    const answered = await fetch(`${devnet.apiUrl}/health`, { signal: AbortSignal.timeout(2_000) }).then(() => true, () => false);
    expect(answered, "the API answers while its relayer is stopped").to.equal(false);
    const deposit = await client.depositETH(parseEther("0.25"));
    await relayer.start();
    expect(relayer.running).to.equal(true);
    await client.waitForStatus(deposit.txHash, "relayed", { pollMs: 250, timeoutMs: 120_000 });
  });
});
