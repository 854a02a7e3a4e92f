/**
 * The operator console's server side on a real SQLite store and the real HTTP API: the token
 * rules (required off loopback, from the environment only, checked on every route but
 * /health/live, as Bearer or as a browser's Basic password), the page's assets (strict CSP, a
 * script that parses), /console/state built from what the store holds (ages, countdowns,
 * challenged checkpoints, failed messages, the proof link), the metrics the alerts use, and the
 * judging of executions that match no message sent.
 */
import { join } from "node:path";
import { Script } from "node:vm";
import { expect } from "chai";
import { Wallet, getAddress } from "ethers";
import pino from "pino";

import { presentedToken } from "../../../relayer/src/api/auth";
import { explain } from "../../../relayer/src/api/console/lookup";
import { CONSOLE_SCRIPT } from "../../../relayer/src/api/console/script";
import type { ConsoleState } from "../../../relayer/src/api/console/state";
import { Metrics } from "../../../relayer/src/api/metrics";
import { balanceLevel } from "../../../relayer/src/api/monitor";
import { ApiServer } from "../../../relayer/src/api/server";
import { RpcClient } from "../../../relayer/src/chain/provider";
import { ConfigError, DEFAULT_BALANCE_WARN_WEI, isLoopbackHost, parseConfig, requireApiToken, type Config } from "../../../relayer/src/config";
import { judgeExecutions } from "../../../relayer/src/roles/executions";
import { SigningRounds } from "../../../relayer/src/roles/signing";
import { Store } from "../../../relayer/src/store";
import { makeTempDir } from "../../e2e/harness";

const H = (n: number) => `0x${n.toString(16).padStart(64, "0")}`;
const A = (n: number) => getAddress(`0x${n.toString(16).padStart(40, "0")}`);
const TOKEN = "a-long-enough-operator-token-0123";
const PROPOSER_KEY = Wallet.createRandom().privateKey;
const CHALLENGER_KEY = Wallet.createRandom().privateKey;

function rawConfig(api: Record<string, unknown> = {}) {
  const contracts = { ValidatorSet: A(1), CheckpointManager: A(2), Messenger: A(3) };
  const chain = { rpcUrl: "http://127.0.0.1:1", chainId: 31337, contracts };
  return { chains: { main: chain, child: { ...chain, chainId: 31338 } }, api, keys: { proposer: PROPOSER_KEY, challenger: CHALLENGER_KEY } };
}

const message = (n: number, source: "main" | "child", block: number) => ({
  id: H(1000 + n),
  source,
  destination: source === "main" ? "child" : "main",
  nonce: BigInt(n),
  sender: A(10),
  target: A(11),
  gasLimit: 100_000n,
  data: "0x",
  blockNumber: block,
  blockHash: H(block),
  txHash: H(500 + n),
  logIndex: n,
});

describe("operator console (API side)", function () {
  describe("the API token", function () {
    it("is required when the API binds anything but loopback, and comes from the environment only", function () {
      for (const host of ["127.0.0.1", "127.3.2.1", "localhost", "::1", "[::1]"]) expect(isLoopbackHost(host), host).to.equal(true);
      for (const host of ["0.0.0.0", "::", "10.0.0.5", "relayer.internal", ""]) expect(isLoopbackHost(host), host).to.equal(false);
      const open = parseConfig(rawConfig({ host: "0.0.0.0" }));
      expect(() => requireApiToken(open)).to.throw(ConfigError, "api.host 0.0.0.0 is not a loopback address: set SIDECHAIN_API_TOKEN");
      expect(() => requireApiToken(parseConfig(rawConfig()))).to.not.throw();
      const guarded = parseConfig(rawConfig({ host: "0.0.0.0" }), { SIDECHAIN_API_TOKEN: TOKEN });
      expect(guarded.api.token).to.equal(TOKEN);
      expect(() => requireApiToken(guarded)).to.not.throw();
      expect(() => parseConfig(rawConfig({ token: TOKEN }))).to.throw(ConfigError, "api.token: the API token is read from SIDECHAIN_API_TOKEN only, never from the config file");
      expect(() => parseConfig(rawConfig(), { SIDECHAIN_API_TOKEN: "short" })).to.throw(ConfigError, "shorter than 16 characters");
    });

    it("is read from a Bearer header, or as the password of a Basic one", function () {
      expect(presentedToken(`Bearer ${TOKEN}`)).to.equal(TOKEN);
      expect(presentedToken(`Basic ${Buffer.from(`anyone:${TOKEN}`).toString("base64")}`)).to.equal(TOKEN);
      expect(presentedToken(`Basic ${Buffer.from(`anyone:pa:ss`).toString("base64")}`)).to.equal("pa:ss");
      expect(presentedToken("Digest abc")).to.equal(undefined);
      expect(presentedToken(undefined)).to.equal(undefined);
    });
  });

  describe("over HTTP", function () {
    let config: Config;
    let store: Store;
    let rounds: SigningRounds;
    let metrics: Metrics;
    let rpc: RpcClient;
    let api: ApiServer;
    let port: number;

    const start = async (env: NodeJS.ProcessEnv = {}) => {
      config = parseConfig({ ...rawConfig(), dbPath: join(makeTempDir("console-api"), "relayer.sqlite") }, env);
      store = Store.open(config.dbPath);
      rounds = new SigningRounds();
      metrics = new Metrics();
      rpc = new RpcClient("main", "http://127.0.0.1:1", 31337, { timeoutMs: 100, retries: 0, backoffMs: 10 });
      api = new ApiServer({ config, store, log: pino({ level: "silent" }), rpc: { main: rpc, child: rpc }, metrics, rounds });
      port = await api.listen("127.0.0.1", 0);
    };
    const get = (path: string, headers: Record<string, string> = {}, method = "GET") => fetch(`http://127.0.0.1:${port}${path}`, { headers, method });

    afterEach(async function () {
      await api?.close();
      rpc?.destroy();
      store?.close();
    });

    it("with a token, answers 401 without it on every route but /health/live, and 200 with it as Bearer or Basic", async function () {
      await start({ SIDECHAIN_API_TOKEN: TOKEN });
      const routes = ["/", "/console/app.js", "/console/app.css", "/console/state", "/console/lookup?q=x", "/health", "/metrics", "/status", `/messages/${H(1)}`, `/proof/${H(1)}/0`, "/nowhere"];
      for (const route of routes) {
        const response = await get(route);
        expect(response.status, route).to.equal(401);
        expect(response.headers.get("www-authenticate"), route).to.match(/Bearer realm="sidechain relayer"/).and.to.match(/Basic realm="sidechain relayer"/);
        expect((await get(route, { authorization: "Bearer wrong-token-of-some-length" })).status, `${route}, wrong token`).to.equal(401);
        expect((await get(route, { authorization: `Basic ${Buffer.from(`x:${TOKEN}x`).toString("base64")}` })).status, `${route}, wrong password`).to.equal(401);
      }
      expect((await get("/health/live")).status).to.equal(200);
      for (const route of ["/", "/console/state", "/metrics", "/status"]) {
        expect((await get(route, { authorization: `Bearer ${TOKEN}` })).status, route).to.equal(200);
        expect((await get(route, { authorization: `Basic ${Buffer.from(`operator:${TOKEN}`).toString("base64")}` })).status, route).to.equal(200);
      }
      expect((await get("/nowhere", { authorization: `Bearer ${TOKEN}` })).status).to.equal(404);
    });

    it("is read-only, and serves the page with a strict CSP, a script that parses and its style sheet", async function () {
      await start();
      for (const method of ["POST", "PUT", "DELETE"]) expect((await get("/console/state", {}, method)).status, method).to.equal(405);
      const page = await get("/");
      expect(page.status).to.equal(200);
      expect(page.headers.get("content-type")).to.equal("text/html; charset=utf-8");
      const csp = page.headers.get("content-security-policy")!;
      expect(csp).to.contain("default-src 'none'").and.to.contain("script-src 'self'").and.to.contain("frame-ancestors 'none'").and.not.to.contain("unsafe-inline");
      const html = await page.text();
      expect(html).to.contain('<script src="/console/app.js" defer></script>').and.to.contain('<link rel="stylesheet" href="/console/app.css">');
      expect(html, "no inline script").to.not.match(/<script>(?!<\/script>)/);
      const script = await get("/console/app.js");
      expect(script.headers.get("content-type")).to.equal("text/javascript; charset=utf-8");
      const source = await script.text();
      expect(source).to.equal(CONSOLE_SCRIPT);
      expect(() => new Script(source)).to.not.throw();
      expect((await get("/console/app.css")).headers.get("content-type")).to.equal("text/css; charset=utf-8");
      expect((await get("/favicon.ico")).status).to.equal(204);
      const lookup = await get("/console/lookup?q=0x1234");
      expect(lookup.status).to.equal(400);
      expect(((await lookup.json()) as { error: string }).error).to.contain("message id or a source transaction hash");
    });

    it("builds /console/state from the store: lanes, countdowns, challenged checkpoints, messages with age, error and proof link", async function () {
      await start();
      const now = Date.now();
      const nowSeconds = Math.floor(now / 1000);
      const proposer = new Wallet(PROPOSER_KEY).address.toLowerCase();
      const challenger = new Wallet(CHALLENGER_KEY).address.toLowerCase();
      const rogue = A(77).toLowerCase();
      for (let n = 1; n <= 40; n++) store.blocks.insert("main", { number: n, hash: H(n), parentHash: H(n - 1), receiptsRoot: H(900 + n) });
      store.checkpoints.upsert({ destination: "child", id: 0, startBlock: 1, endBlock: 10, blockRoot: H(71), finalizesAt: nowSeconds - 5, proposer, txHash: H(81), signers: "0x000102", submittedBlock: 20 });
      store.checkpoints.upsert({ destination: "child", id: 1, startBlock: 11, endBlock: 30, blockRoot: H(72), finalizesAt: nowSeconds + 40, proposer, txHash: H(82), signers: "0x000103", submittedBlock: 30 });
      // A forged checkpoint, reverted: the record keeps it after the mirror dropped it.
      store.challenges.record({
        destination: "child",
        txHash: H(99),
        blockNumber: 28,
        fromId: 1,
        toId: 2,
        challenger,
        fraud: 0,
        proposer: rogue,
        slashed: 10n ** 18n,
        reward: 5n * 10n ** 17n,
        reverted: [{ destination: "child", id: 1, startBlock: 11, endBlock: 25, blockRoot: H(73), finalizesAt: nowSeconds + 10, proposer: rogue, txHash: H(83), signers: "0x000102", submittedBlock: 27 }],
      });
      store.messages.insert(message(1, "main", 5));
      store.messages.setStatus(H(1001), "relayed", { checkpointId: 0, relayTxHash: H(601) });
      store.messages.insert(message(2, "main", 15));
      store.messages.setStatus(H(1002), "checkpointed", { checkpointId: 1 });
      store.messages.insert(message(3, "main", 35));
      store.messages.insert(message(4, "child", 3));
      store.messages.recordFailure(H(1004), "target call reverted", now + 60_000, "failed");

      const response = await get("/console/state");
      expect(response.status).to.equal(200);
      const state = (await response.json()) as ConsoleState;
      expect(state.version).to.equal(1);
      expect(state.lanes.map((l) => l.name)).to.deep.equal(["main->child", "child->main"]);
      const lane = state.lanes[0];
      expect(lane.heights).to.include({ recorded: 40, submitted: 30, final: 10, signed: null, observed: 40 });
      expect(lane.checkpointLag).to.equal(10);
      expect(lane.messages).to.deep.equal({ sent: 1, checkpointed: 1, final: 0, relayed: 1, failed: 0 });
      expect(lane.oldestPendingMs).to.be.a("number").and.to.be.within(0, 5_000);
      // Newest submission first: the live #1 (block 30), the challenged #1 (block 27), then #0.
      expect(lane.checkpoints.map((c) => [c.id, c.status])).to.deep.equal([
        [1, "pending"],
        [1, "challenged"],
        [0, "final"],
      ]);
      expect(lane.checkpoints[0].secondsLeft).to.be.within(35, 40);
      expect(lane.checkpoints[0].ours).to.equal(true);
      expect(lane.checkpoints[0].signers.map((s) => s.index)).to.deep.equal([0, 1, 3]);
      expect(lane.checkpoints[1].challenge).to.deep.equal({ fraud: "bad-signature", challenger: getAddress(challenger), ours: true, txHash: H(99) });
      expect(lane.checkpoints[1].ours).to.equal(false);
      expect(state.challenges).to.have.length(1);
      expect(state.challenges[0]).to.deep.include({ lane: "main->child", fraud: "bad-signature", ours: true, proposer: getAddress(rogue), oursSlashed: false, slashedWei: "1000000000000000000", rewardWei: "500000000000000000" });
      expect(state.challenges[0].reverted).to.deep.equal([{ id: 1, startBlock: 11, endBlock: 25, blockRoot: H(73) }]);

      const byId = new Map(state.messages.map((m) => [m.id, m]));
      expect(byId.get(H(1001))).to.deep.include({ status: "relayed", relayTxHash: H(601), proofUrl: null });
      expect(byId.get(H(1002))).to.deep.include({ status: "checkpointed", checkpointId: 1, proofUrl: `/proof/${H(502)}/2` });
      expect(byId.get(H(1003))).to.deep.include({ status: "sent", proofUrl: null, nextAttemptInMs: null });
      const failed = byId.get(H(1004))!;
      expect(failed).to.deep.include({ lane: "child->main", status: "failed", attempts: 1, lastError: "target call reverted" });
      expect(failed.nextAttemptInMs).to.be.within(50_000, 60_000);
      // Not relayed first, oldest first; then the relayed one.
      expect(state.messages.map((m) => m.id)).to.deep.equal([H(1002), H(1003), H(1004), H(1001)]);
      expect(state.relayer.addresses.proposer).to.equal(new Wallet(PROPOSER_KEY).address);
      expect(state.relayer.monitor).to.equal(null);
      expect(state.health.ok).to.equal(true);
    });

    it("exports the queue, the oldest pending message, each lane's phases and zero unknown executions", async function () {
      await start();
      for (let n = 1; n <= 12; n++) store.blocks.insert("child", { number: n, hash: H(n), parentHash: H(n - 1), receiptsRoot: H(900 + n) });
      store.messages.insert(message(5, "child", 4));
      store.messages.insert(message(6, "child", 6));
      store.messages.recordFailure(H(1006), "relay transaction reverted", 0, "failed");
      store.checkpoints.upsert({ destination: "main", id: 0, startBlock: 1, endBlock: 8, blockRoot: H(70), finalizesAt: 0, proposer: A(5).toLowerCase(), txHash: H(80) });
      const text = await (await get("/metrics")).text();
      expect(text).to.match(/^sidechain_queue_length\{lane="child->main",status="sent"\} 1$/m);
      expect(text).to.match(/^sidechain_queue_length\{lane="child->main",status="failed"\} 1$/m);
      expect(text).to.match(/^sidechain_queue_length\{lane="main->child",status="sent"\} 0$/m);
      expect(text).to.match(/^sidechain_message_oldest_pending_seconds\{lane="child->main"\} \d+(\.\d+)?(e-\d+)?$/m);
      expect(text).to.match(/^sidechain_message_oldest_pending_seconds\{lane="main->child"\} 0$/m);
      expect(text).to.match(/^sidechain_checkpoint_latest\{lane="child->main",phase="observed"\} 12$/m);
      expect(text).to.match(/^sidechain_checkpoint_latest\{lane="child->main",phase="submitted"\} 8$/m);
      expect(text).to.match(/^sidechain_checkpoint_latest\{lane="child->main",phase="final"\} 8$/m);
      expect(text, "no quorate round yet: no signed phase").to.not.match(/phase="signed"/);
      expect(text).to.match(/^sidechain_unknown_execution_total\{lane="main->child"\} 0$/m);
    });
  });

  describe("unknown executions", function () {
    let store: Store;
    let metrics: Metrics;
    const lines: { level: number; at?: string; verdict?: string }[] = [];
    const log = pino({ level: "info" }, { write: (line: string) => lines.push(JSON.parse(line) as { level: number; at?: string }) });
    const lane = { source: "main" as const, destination: "child" as const };
    const ctx = () => ({ store, metrics, log });
    const count = async () => (await metrics.unknownExecutions.get()).values.find((v) => v.labels.lane === "main->child")!.value;

    beforeEach(function () {
      store = Store.open(join(makeTempDir("executions"), "relayer.sqlite"));
      metrics = new Metrics();
      lines.length = 0;
      for (let n = 1; n <= 10; n++) store.blocks.insert("main", { number: n, hash: H(n), parentHash: H(n - 1), receiptsRoot: H(900 + n) });
      store.checkpoints.upsert({ destination: "child", id: 0, startBlock: 1, endBlock: 20, blockRoot: H(70), finalizesAt: 0, proposer: A(5).toLowerCase(), txHash: H(80) });
    });
    afterEach(() => store.close());

    it("waits while the watcher is behind the checkpoints, then counts an execution no message matches, once, across restarts", async function () {
      store.executions.recordUnmatched({ destination: "child", messageId: H(4242), txHash: H(4343), blockNumber: 50, outcome: "relayed" });
      judgeExecutions(ctx(), lane);
      // The checkpoints go to block 20, the watcher to 10: the message may be in blocks 11-20.
      expect(store.executions.pending("child")).to.have.length(1);
      expect(await count()).to.equal(0);

      for (let n = 11; n <= 20; n++) store.blocks.insert("main", { number: n, hash: H(n), parentHash: H(n - 1), receiptsRoot: H(900 + n) });
      judgeExecutions(ctx(), lane);
      judgeExecutions(ctx(), lane);
      expect(store.executions.pending("child")).to.have.length(0);
      expect(store.executions.recent(5)[0]).to.deep.include({ messageId: H(4242), verdict: "unknown" });
      expect(await count()).to.equal(1);
      expect(lines.filter((l) => l.at === "executor.unknown_execution" && l.level === 50)).to.have.length(1);

      // A restarted relayer starts its counter at what the store recorded: no reset to Prometheus.
      const restarted = new Metrics();
      restarted.restoreCounters(store);
      expect((await restarted.unknownExecutions.get()).values.find((v) => v.labels.lane === "main->child")!.value).to.equal(1);
    });

    it("forgets an execution whose message the watcher records after all", async function () {
      store.executions.recordUnmatched({ destination: "child", messageId: H(1007), txHash: H(4343), blockNumber: 50, outcome: "failed" });
      store.messages.insert(message(7, "main", 9));
      judgeExecutions(ctx(), lane);
      expect(store.executions.recent(5)).to.deep.equal([]);
      expect(await count()).to.equal(0);
    });

    it("calls it unverifiable, and does not count it, when the watcher started after the first checkpointed block", async function () {
      store.checkpoints.upsert({ destination: "child", id: 0, startBlock: 0, endBlock: 10, blockRoot: H(70), finalizesAt: 0, proposer: A(5).toLowerCase(), txHash: H(80) });
      store.executions.recordUnmatched({ destination: "child", messageId: H(4242), txHash: H(4343), blockNumber: 50, outcome: "relayed" });
      judgeExecutions(ctx(), lane);
      expect(store.executions.recent(5)[0].verdict).to.equal("unverifiable");
      expect(await count()).to.equal(0);
      expect(lines.some((l) => l.at === "executor.unknown_execution" && l.level === 40)).to.equal(true);
    });
  });

  describe("levels and explanations", function () {
    it("rates a signer balance against api.balanceWarnWei (default 0.1 ETH): low below it, critical below a quarter", function () {
      expect(parseConfig(rawConfig()).api.balanceWarnWei).to.deep.equal({ main: DEFAULT_BALANCE_WARN_WEI, child: DEFAULT_BALANCE_WARN_WEI });
      expect(parseConfig(rawConfig({ balanceWarnWei: { child: "5" } })).api.balanceWarnWei.child).to.equal(5n);
      expect(balanceLevel(10n ** 17n, 10n ** 17n)).to.equal("ok");
      expect(balanceLevel(10n ** 17n - 1n, 10n ** 17n)).to.equal("low");
      expect(balanceLevel(10n ** 17n / 4n - 1n, 10n ** 17n)).to.equal("critical");
    });

    it("says where a message stands and why, for each status of the SDK", function () {
      const base = { messageId: H(1), txHash: H(2), direction: "main->child" as const, logIndex: 0, blockNumber: 7 };
      const at = { destination: "child" as const, blockNumber: 7 };
      expect(explain({ ...base, status: "sent" }, null, at, null)).to.match(/^Sent, but this relayer has not recorded it yet.*block 7/);
      expect(explain({ ...base, status: "challenge-window", checkpointId: 3n, finalizesAt: 1_700_000_000, secondsLeft: 12 }, null, at, null)).to.contain("Checkpoint #3 covers it and is in its challenge window: final in 12 s");
      expect(explain({ ...base, status: "checkpointed", checkpointId: 3n, reason: "the child chain's messenger is paused" }, null, at, null)).to.contain("paused");
      expect(explain({ ...base, status: "failed" }, null, at, null)).to.contain("its target reverted");
      expect(explain(null, null, at, "connection refused")).to.equal("The chains could not be read: connection refused.");
    });
  });
});
