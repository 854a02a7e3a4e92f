/**
 * The operator console in a real browser (Debian's chromium, driven by playwright-core) against a
 * devnet (startDevnet: two Hardhat nodes, four validators, the relayer with every role, a 15 s
 * challenge period): the page shows both lanes; a deposit appears as pending, its checkpoint's
 * countdown runs, then it shows as relayed, and the lookup box says where it stands; a checkpoint
 * submitted by hand with forged signatures shows up as challenged, with the fraud and the bond
 * slashed. Then a second, read-only relayer bound to 0.0.0.0: refused without SIDECHAIN_API_TOKEN,
 * and with it every route but /health/live answers 401 without the token, while a browser given
 * the token as its credentials shows the console.
 *
 * A screenshot per state goes to <temporary folder>/screenshots (kept with E2E_KEEP_TMP=1);
 * CONSOLE_SCREENSHOT=docs/console.png also writes the one after the challenge there.
 */
import { randomBytes } from "node:crypto";
import { copyFileSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { Wallet, parseEther } from "ethers";
import pino from "pino";
import type { BrowserContext, Page } from "playwright-core";

import { BridgeClient, fetchBlock, type RpcBlock } from "../../relayer/src";
import { ConfigError, parseConfig } from "../../relayer/src/config";
import { CHILD_CHAIN_ID, MAIN_CHAIN_ID, startDevnet, type RunningDevnet } from "../../relayer/src/devnet";
import { RelayerService } from "../../relayer/src/service";
import { openBrowser } from "./browser";
import { RogueProposer, waitFor, type RogueSubmission } from "./faults";
import { makeTempDir } from "./harness";

const CHALLENGE_PERIOD = 15;
const MAIN_TO_CHILD = "main->child";

describe("operator console (headless chromium against a devnet)", function () {
  this.timeout(300_000);
  let dir: string;
  let shots: string;
  let devnet: RunningDevnet | undefined;
  let context: BrowserContext | undefined;
  let page: Page;
  let client: BridgeClient;
  const pageErrors: string[] = [];

  const shoot = async (name: string, target: Page = page) => {
    const file = path.join(shots, `${name}.png`);
    await target.screenshot({ path: file, fullPage: true });
    return file;
  };
  const lane = (name: string) => page.locator(`section[data-lane="${name}"]`);
  const messageRow = (id: string) => page.locator(`tr[data-message-id="${id}"]`);
  /** "final in 1:07" → 67 */
  const secondsOf = (text: string) => {
    const match = /final in (?:(\d+):)?(\d+):(\d\d)/.exec(text);
    if (match === null) throw new Error(`not a countdown: ${text}`);
    return Number(match[1] ?? 0) * 3600 + Number(match[2]) * 60 + Number(match[3]);
  };

  before(async function () {
    dir = makeTempDir("console");
    shots = path.join(dir, "screenshots");
    mkdirSync(shots, { recursive: true });
    // The browser first: a machine without chromium fails here, in a second, naming the package.
    context = await openBrowser(dir);
    devnet = await startDevnet({ dir: path.join(dir, "devnet"), challengePeriod: CHALLENGE_PERIOD, blockTimeMs: 500 });
    const user = devnet.accounts.users[0];
    client = new BridgeClient({ main: user.connect(devnet.main.provider), child: user.connect(devnet.child.provider), deployments: devnet.deployments, apiUrl: devnet.apiUrl });
    page = await context.newPage();
    page.on("pageerror", (error) => pageErrors.push(error.message));
    page.on("console", (message) => {
      if (message.type() === "error") pageErrors.push(message.text());
    });
  });

  after(async function () {
    client?.close();
    await context?.close();
    await devnet?.stop();
    if (shots !== undefined) console.log(`      console screenshots: ${shots}${process.env.E2E_KEEP_TMP === undefined ? " (removed at exit; E2E_KEEP_TMP=1 keeps them)" : ""}`);
  });

  afterEach(function () {
    if (this.currentTest?.state === "failed" && devnet !== undefined) {
      console.log(`--- relayer log (tail):\n${readFileSync(path.join(devnet.dir, "relayer.log"), "utf8").split("\n").slice(-30).join("\n")}`);
      if (page !== undefined) void shoot(`failed-${Date.now()}`).catch(() => undefined);
    }
  });

  it("shows both lanes with their heights, validators and signers", async function () {
    const response = await page.goto(`${devnet!.apiUrl}/`);
    expect(response?.status()).to.equal(200);
    expect(response?.headers()["content-security-policy"]).to.contain("script-src 'self'");
    await page.locator('body[data-ready="true"]').waitFor({ timeout: 20_000 });
    for (const name of [MAIN_TO_CHILD, "child->main"]) {
      await lane(name).waitFor({ state: "visible" });
      await waitFor(`${name} heights`, async () => /^\d+ \/ \d+ \/ \d+$/.test((await lane(name).locator('[data-field="heights"]').textContent()) ?? ""), 20_000);
      // The monitor read the destination's set: four validators, threshold 3.
      await waitFor(`${name} validators`, async () => (await lane(name).locator("tr[data-validator]").count()) === 4, 20_000);
      expect(await lane(name).locator("h3", { hasText: "threshold 3" }).count()).to.equal(1);
    }
    await waitFor("signer balances", async () => (await page.locator("tr[data-signer]").count()) === 6, 20_000);
    expect(await page.locator('tr[data-signer][data-status="ok"]').count()).to.equal(6);
    expect(await page.locator("#overall").getAttribute("data-status")).to.equal("ok");
    await shoot("1-lanes");
    expect(pageErrors).to.deep.equal([]);
  });

  it("shows a deposit as pending, runs its checkpoint's countdown, then shows it relayed; the lookup says where it stands", async function () {
    const deposit = await client.depositETH(parseEther("0.5"), { to: Wallet.createRandom().address });
    const row = messageRow(deposit.messageId);
    await row.waitFor({ timeout: 20_000 });
    expect(["sent", "checkpointed", "final"]).to.include(await row.getAttribute("data-status"));
    expect(await row.locator("td").first().textContent()).to.equal(MAIN_TO_CHILD);
    await shoot("2-deposit-pending");

    // Its checkpoint: pending on the child chain, counting down on the child's clock.
    const pendingRow = lane(MAIN_TO_CHILD).locator('tr[data-checkpoint-id][data-status="pending"]').first();
    await pendingRow.waitFor({ timeout: 30_000 });
    const id = await pendingRow.getAttribute("data-checkpoint-id");
    const countdown = lane(MAIN_TO_CHILD).locator(`tr[data-checkpoint-id="${id}"][data-status="pending"] .countdown`);
    const first = secondsOf((await countdown.textContent())!);
    expect(first).to.be.within(1, CHALLENGE_PERIOD);
    await page.waitForTimeout(2_500);
    if ((await countdown.count()) > 0) {
      const second = secondsOf((await countdown.textContent())!);
      expect(second, "the countdown runs").to.be.lessThan(first);
    }
    await page.fill("#lookup-q", deposit.txHash);
    await page.click("#lookup-form button");
    const pendingMatch = page.locator(".match[data-lookup-status]");
    await pendingMatch.waitFor({ timeout: 20_000 });
    expect(["checkpointed", "challenge-window", "ready", "relayed"]).to.include(await pendingMatch.getAttribute("data-lookup-status"));
    expect(await pendingMatch.textContent()).to.contain(deposit.messageId);
    await shoot("3-checkpoint-countdown");

    await page.locator(`tr[data-message-id="${deposit.messageId}"][data-status="relayed"]`).waitFor({ timeout: 90_000 });
    await lane(MAIN_TO_CHILD).locator(`tr[data-checkpoint-id="${id}"][data-status="final"]`).waitFor({ timeout: 20_000 });
    expect(await page.locator(`tr[data-message-id="${deposit.messageId}"]`).textContent()).to.contain("relayed in");
    // By message id this time: the SDK's status, the relay transaction.
    await page.fill("#lookup-q", deposit.messageId);
    await page.click("#lookup-form button");
    await page.locator('.match[data-lookup-status="relayed"]').waitFor({ timeout: 20_000 });
    expect(await page.locator(".match").textContent()).to.match(/Executed on child by transaction 0x[0-9a-f]{64}/);
    await shoot("4-deposit-relayed");
    expect(pageErrors).to.deep.equal([]);
  });

  it("shows a checkpoint with forged signatures as challenged, with the fraud, the challenger and the bond slashed", async function () {
    const rogue = new RogueProposer(devnet!.accounts.users[6].connect(devnet!.child.provider), { file: devnet!.deployments.child, chainId: CHILD_CHAIN_ID }, MAIN_CHAIN_ID);
    await rogue.ensureBond();
    // Keys outside the set claim validators 0-2: enough power for the contract, which checks signatures only when challenged.
    const forgers = [0, 1, 2].map((index) => ({ index, key: new Wallet(Wallet.createRandom().privateKey) }));
    const forged = await submitFirst(async () => {
      const start = (await rogue.manager.nextStartBlock()) as bigint;
      const head = BigInt(await devnet!.main.provider.getBlockNumber());
      const blocks: RpcBlock[] = [];
      for (let n = start; n <= head; n++) blocks.push(await fetchBlock(devnet!.main.provider, n));
      return rogue.submit(blocks.map((b) => ({ number: BigInt(b.number), hash: b.hash, receiptsRoot: b.receiptsRoot })), forgers);
    });

    const challengedRow = lane(MAIN_TO_CHILD).locator(`tr[data-checkpoint-id="${forged.id}"][data-status="challenged"]`);
    await challengedRow.waitFor({ timeout: CHALLENGE_PERIOD * 1_000 + 20_000 });
    expect(await challengedRow.textContent()).to.contain("bad-signature");
    const challenge = page.locator("tr[data-challenge]").first();
    await challenge.waitFor();
    const text = (await challenge.textContent())!;
    expect(text).to.contain("bad-signature").and.to.contain(`#${forged.id}`);
    expect(text, "our challenger").to.contain("us");
    expect(text, "the rogue's bond").to.contain(rogue.wallet.address.slice(0, 8)).and.to.match(/\d+\.\d{4} ETH/);
    // The validators it named are marked as named on a challenged checkpoint.
    expect(await lane(MAIN_TO_CHILD).locator(".mark.forged").count()).to.be.at.least(3);
    const file = await shoot("5-forged-challenged");
    if (process.env.CONSOLE_SCREENSHOT !== undefined) copyFileSync(file, path.resolve(process.env.CONSOLE_SCREENSHOT));
    expect(pageErrors).to.deep.equal([]);
  });

  describe("bound beyond loopback", function () {
    let service: RelayerService | undefined;
    let readOnlyConfig: Record<string, unknown>;
    const token = `console-${randomBytes(16).toString("hex")}`;

    before(function () {
      // A read-only relayer (watchers and the checkpoint mirror only) on the devnet's chains, for a dashboard host.
      const raw = JSON.parse(readFileSync(devnet!.relayerConfigFile, "utf8")) as Record<string, unknown>;
      readOnlyConfig = {
        ...raw,
        dbPath: path.join(dir, "read-only.sqlite"),
        roles: { validator: { enabled: false }, proposer: { enabled: false }, executor: { enabled: false }, challenger: { enabled: false } },
        api: { enabled: true, host: "0.0.0.0", port: 0, monitorIntervalMs: 1_000 },
        keys: {},
      };
    });

    after(async function () {
      await service?.stop();
    });

    it("refuses to start without SIDECHAIN_API_TOKEN", async function () {
      let failure: unknown;
      try {
        await RelayerService.start(parseConfig(readOnlyConfig, {}), { log: pino({ level: "silent" }) });
      } catch (error) {
        failure = error;
      }
      expect(failure).to.be.instanceOf(ConfigError);
      expect((failure as Error).message).to.contain("api.host 0.0.0.0 is not a loopback address: set SIDECHAIN_API_TOKEN");
    });

    it("answers 401 without the token on every route but /health/live; a browser given the token sees the console", async function () {
      service = await RelayerService.start(parseConfig(readOnlyConfig, { SIDECHAIN_API_TOKEN: token }), { log: pino({ level: "silent" }) });
      const url = `http://127.0.0.1:${service.ports.api}`;
      for (const route of ["/", "/console/app.js", "/console/state", "/console/lookup?q=0x00", "/metrics", "/status", "/health", `/messages/0x${"00".repeat(32)}`]) {
        const response = await fetch(`${url}${route}`);
        expect(response.status, route).to.equal(401);
        expect(response.headers.get("www-authenticate"), route).to.contain("Basic").and.to.contain("Bearer");
        const wrong = await fetch(`${url}${route}`, { headers: { authorization: "Bearer not-the-token-at-all" } });
        expect(wrong.status, `${route} with a wrong token`).to.equal(401);
      }
      expect((await fetch(`${url}/health/live`)).status).to.equal(200);
      const state = await fetch(`${url}/console/state`, { headers: { authorization: `Bearer ${token}` } });
      expect(state.status).to.equal(200);
      expect(((await state.json()) as { lanes: unknown[] }).lanes).to.have.length(2);

      // Without credentials the headless browser cannot answer the challenge: no page, no data.
      const anonymous = await openBrowser(dir);
      try {
        const refused = await (await anonymous.newPage()).goto(`${url}/`).then(
          (response) => `HTTP ${response?.status()}`,
          (error: Error) => error.message,
        );
        expect(refused).to.match(/HTTP 401|ERR_INVALID_AUTH_CREDENTIALS/);
      } finally {
        await anonymous.close();
      }
      const operator = await openBrowser(dir, { httpCredentials: { username: "operator", password: token } });
      try {
        const tokenPage = await operator.newPage();
        expect((await tokenPage.goto(`${url}/`))?.status()).to.equal(200);
        await tokenPage.locator('body[data-ready="true"]').waitFor({ timeout: 20_000 });
        await tokenPage.locator(`section[data-lane="${MAIN_TO_CHILD}"]`).waitFor();
        // Its watcher catches up from the deployment: the deposit relayed above is there too.
        await tokenPage.locator('tr[data-message-id][data-status="relayed"]').first().waitFor({ timeout: 60_000 });
        await shoot("6-token-read-only", tokenPage);
      } finally {
        await operator.close();
      }
    });
  });
});

/**
 * The relayer's proposer may land a checkpoint between our read of nextStartBlock and our
 * submission (the contract then refuses ours as not contiguous): read again and retry.
 */
async function submitFirst(submit: () => Promise<RogueSubmission>): Promise<RogueSubmission> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await submit();
    } catch (error) {
      if (attempt >= 4 || !/NotContiguous|UnexpectedPredecessor|reverted|0x/i.test((error as Error).message)) throw error;
    }
  }
}
