/**
 * Signature rounds and lane health: tallyRound over real EIP-712 signatures of test validator keys,
 * and the relayer API's /health, /health/live, /status and /metrics over HTTP on a real SQLite
 * store, for a lane short of its quorum, a lane missing one validator, a range checkpointed by
 * someone else after all, and messages waiting past api.stallAfterMs.
 */
import { join } from "node:path";
import { expect } from "chai";
import { Wallet, verifyTypedData } from "ethers";
import pino from "pino";

import { healthReport, stallAfterMs } from "../../../relayer/src/api/health";
import { Metrics } from "../../../relayer/src/api/metrics";
import { ApiServer } from "../../../relayer/src/api/server";
import { CHECKPOINT_TYPES, checkpointDomain } from "../../../relayer/src/chain/abi";
import { RpcClient } from "../../../relayer/src/chain/provider";
import { parseConfig, type Config } from "../../../relayer/src/config";
import { LOCAL_VALIDATOR, QuorumNotReachedError, SigningRounds, tallyRound, type SourceAnswer } from "../../../relayer/src/roles/signing";
import { Store } from "../../../relayer/src/store";
import { testValidators } from "../../../relayer/src/testing/validators";
import { makeTempDir } from "../../e2e/harness";

const MANAGER = `0x${"2".repeat(40)}`;
const RANGE = { startBlock: 10, endBlock: 20, blockRoot: `0x${"ab".repeat(32)}` };
const VALUE = { sourceChainId: 31337, ...RANGE };
const DOMAIN = checkpointDomain(31338, MANAGER);
const URLS = ["http://v0:7545", "http://v1:7545", "http://v2:7545", "http://v3:7545"];

function sign(wallet: { signTypedData: Wallet["signTypedData"] }): Promise<string> {
  return wallet.signTypedData(DOMAIN, CHECKPOINT_TYPES, VALUE);
}
const ok = (signer: string, signature: string): PromiseSettledResult<{ signer: string; signature: string }> => ({ status: "fulfilled", value: { signer, signature } });
const failed = (reason: string): PromiseSettledResult<{ signer: string; signature: string }> => ({ status: "rejected", reason: new Error(reason) });

describe("signature rounds and lane health", function () {
  const validators = testValidators(4);
  const addresses = validators.map((v) => v.address);
  const powers = [1n, 1n, 1n, 1n];
  const tally = (answers: SourceAnswer[], rounds = new SigningRounds()) =>
    tallyRound({ lane: "main->child", ...RANGE, addresses, powers, threshold: 3n, answers, recover: (s) => verifyTypedData(DOMAIN, CHECKPOINT_TYPES, VALUE, s), rounds, now: 1_000 });

  describe("tallyRound", function () {
    it("reaches the quorum with three of four, submits exactly the threshold, and pins the failure on the validator behind the URL", async function () {
      const rounds = new SigningRounds();
      rounds.learn(URLS[3], addresses[3]);
      const answers: SourceAnswer[] = [
        { source: LOCAL_VALIDATOR, result: ok(addresses[0], await sign(validators[0])) },
        { source: URLS[1], result: ok(addresses[1], await sign(validators[1])) },
        { source: URLS[2], result: ok(addresses[2], await sign(validators[2])) },
        { source: URLS[3], result: failed("unreachable (ECONNREFUSED)") },
      ];
      const { round, chosen } = tally(answers, rounds);
      expect(round.quorum).to.equal(true);
      expect(round.power).to.equal(3n);
      expect([...chosen.keys()]).to.deep.equal([0, 1, 2]);
      expect(round.validators.filter((v) => v.signed).map((v) => v.address)).to.deep.equal(addresses.slice(0, 3));
      expect(round.validators[3]).to.deep.include({ address: addresses[3], signed: false, source: URLS[3], reason: "unreachable (ECONNREFUSED)" });
      expect(round.unmatched).to.deep.equal([]);
      // The URLs that answered are learnt, for their next failure.
      expect(rounds.signerAt(URLS[1])).to.equal(addresses[1]);
    });

    it("never keeps a forged signature or a stranger's, and says why each member did not sign", async function () {
      const stranger = Wallet.createRandom();
      const answers: SourceAnswer[] = [
        { source: URLS[0], result: ok(addresses[0], await sign(validators[0])) },
        // Claims validator 1 but is signed by another key.
        { source: URLS[1], result: ok(addresses[1], await sign(stranger)) },
        { source: URLS[2], result: ok(stranger.address, await sign(stranger)) },
        { source: URLS[3], result: failed("refused (HTTP 409): block 20 is not final on main yet (safe head 18)") },
      ];
      const { round, chosen } = tally(answers);
      expect(round.quorum).to.equal(false);
      expect(round.power).to.equal(1n);
      expect([...chosen.keys()]).to.deep.equal([0]);
      expect(round.validators[1]).to.deep.include({ signed: false, source: URLS[1], reason: "its signature does not recover to its signer" });
      // Validator 2 sits behind no URL that answered for it, and URL 3 was never heard from.
      expect(round.validators[2]).to.deep.include({ signed: false, reason: "no configured validator URL answered for it" });
      expect(round.validators[3].signed).to.equal(false);
      expect(round.unmatched).to.deep.equal([
        { source: URLS[2], reason: `its signer ${stranger.address} is not in the validator set` },
        { source: URLS[3], reason: "refused (HTTP 409): block 20 is not final on main yet (safe head 18)" },
      ]);
      const error = new QuorumNotReachedError(round.power, round.threshold, round.validators.filter((v) => !v.signed));
      expect(error.code).to.equal("QUORUM_NOT_REACHED");
      expect(error.message).to.contain(`validators answering hold power 1, the threshold is 3; not signed: ${addresses[1]} (${URLS[1]}: its signature does not recover to its signer)`);
    });
  });

  describe("the API", function () {
    let config: Config;
    let store: Store;
    let rounds: SigningRounds;
    let metrics: Metrics;
    let api: ApiServer;
    let port: number;
    let rpc: RpcClient;

    const get = async (path: string) => {
      const response = await fetch(`http://127.0.0.1:${port}${path}`);
      const text = await response.text();
      return { status: response.status, text, body: path === "/metrics" ? undefined : (JSON.parse(text) as Record<string, unknown>) };
    };
    const roundWith = async (signers: number[], startBlock = 10) => {
      const answers: SourceAnswer[] = [];
      for (const [i, url] of URLS.entries()) {
        rounds.learn(url, addresses[i]);
        answers.push({ source: url, result: signers.includes(i) ? ok(addresses[i], await sign(validators[i])) : failed("unreachable (ECONNREFUSED)") });
      }
      const { round } = tallyRound({ lane: "main->child", ...RANGE, startBlock, addresses, powers, threshold: 3n, answers, recover: (s) => verifyTypedData(DOMAIN, CHECKPOINT_TYPES, VALUE, s), rounds });
      rounds.record(round);
      return round;
    };

    beforeEach(async function () {
      const contracts = { ValidatorSet: `0x${"1".repeat(40)}`, CheckpointManager: MANAGER, Messenger: `0x${"3".repeat(40)}` };
      const chain = { rpcUrl: "http://127.0.0.1:1", chainId: 31337, contracts };
      config = parseConfig({ chains: { main: chain, child: { ...chain, chainId: 31338 } }, roles: { proposer: { maxWaitMs: 1_000 } }, api: { stallAfterMs: 30_000 } });
      store = Store.open(join(makeTempDir("health"), "relayer.sqlite"));
      rounds = new SigningRounds();
      metrics = new Metrics();
      rpc = new RpcClient("main", "http://127.0.0.1:1", 31337, { timeoutMs: 100, retries: 0, backoffMs: 10 });
      api = new ApiServer({ config, store, log: pino({ level: "silent" }), rpc: { main: rpc, child: rpc }, metrics, rounds });
      port = await api.listen("127.0.0.1", 0);
    });
    afterEach(async function () {
      await api.close();
      rpc.destroy();
      store.close();
    });

    it("is healthy before any round, and /health/live answers whatever the lanes", async function () {
      const health = await get("/health");
      expect(health.status).to.equal(200);
      expect(health.body).to.deep.include({ ok: true, status: "ok", reasons: [], warnings: [] });
      expect((await get("/health/live")).status).to.equal(200);
      const status = await get("/status");
      expect((status.body!.lanes as Record<string, { signing: unknown }>)["main->child"].signing).to.equal(null);
    });

    it("warns, but stays healthy, when one validator did not sign a round that reached the quorum", async function () {
      await roundWith([0, 1, 2]);
      const health = await get("/health");
      expect(health.status).to.equal(200);
      expect(health.body!.status).to.equal("ok");
      expect(health.body!.warnings).to.deep.equal([`main->child: the last round (blocks 10-20, 0 s ago) reached the quorum without ${addresses[3]} (${URLS[3]}: unreachable (ECONNREFUSED))`]);
      const lane = (((await get("/status")).body!.lanes as Record<string, { signing: Record<string, unknown> }>)["main->child"]).signing;
      expect(lane).to.deep.include({ quorum: true, power: "3", threshold: "3", signed: addresses.slice(0, 3) });
      expect(lane.missing).to.deep.equal([{ address: addresses[3], power: "1", source: URLS[3], reason: "unreachable (ECONNREFUSED)" }]);
    });

    it("answers 503 naming the quorum problem when a round falls short, and again 200 once the range is checkpointed anyway", async function () {
      await roundWith([0, 1]);
      const health = await get("/health");
      expect(health.status).to.equal(503);
      expect(health.body).to.deep.include({ ok: false, status: "degraded" });
      const [reason] = health.body!.reasons as string[];
      expect(reason).to.match(/^main->child cannot reach the quorum: signatures of power 2, the threshold is 3 \(last round: blocks 10-20, \d+ s ago\); not signed: /);
      expect(reason).to.contain(`${addresses[2]} (${URLS[2]}: unreachable (ECONNREFUSED))`).and.to.contain(addresses[3]);
      expect((await get("/metrics")).text).to.match(/sidechain_lane_degraded\{lane="main->child"\} 1/);

      // Another proposer landed the range: the failed round no longer holds the lane up.
      store.checkpoints.upsert({ destination: "child", id: 0, startBlock: 0, endBlock: 25, blockRoot: RANGE.blockRoot, finalizesAt: 0, proposer: addresses[0], txHash: `0x${"cd".repeat(32)}` });
      const after = await get("/health");
      expect(after.status).to.equal(200);
      expect((after.body!.warnings as string[])[0]).to.match(/^main->child: the last round \(blocks 10-20, \d+ s ago\) did not reach the quorum, but the range was checkpointed since/);
      expect((await get("/metrics")).text).to.match(/sidechain_lane_degraded\{lane="main->child"\} 0/);
    });

    it("is degraded when a message has waited for a checkpoint longer than api.stallAfterMs, whatever the cause", async function () {
      expect(stallAfterMs(config)).to.equal(30_000);
      expect(stallAfterMs({ ...config, api: { ...config.api, stallAfterMs: undefined } })).to.equal(61_000);
      store.messages.insert({
        id: `0x${"01".repeat(32)}`,
        source: "child",
        destination: "main",
        nonce: 0n,
        sender: addresses[0],
        target: addresses[1],
        gasLimit: 100_000n,
        data: "0x",
        blockNumber: 5,
        blockHash: `0x${"02".repeat(32)}`,
        txHash: `0x${"03".repeat(32)}`,
        logIndex: 0,
      });
      expect((await get("/health")).status).to.equal(200);
      const later = healthReport({ config, store, rounds }, Date.now() + 31_000);
      expect(later.ok).to.equal(false);
      expect(later.lanes["child->main"].status).to.equal("degraded");
      expect(later.reasons).to.have.length(1);
      expect(later.reasons[0]).to.match(/^child->main: 1 message has waited up to 3\d s for a checkpoint \(expected within 30 s\)$/);
      expect(later.lanes["main->child"].status).to.equal("ok");
    });
  });
});
