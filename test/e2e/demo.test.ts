/**
 * `npm run demo` as a user runs it: a real process, with no devnet running, so that it starts its
 * own (short challenge period from the environment), walks the round trip and stops everything.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";

import { REPO_ROOT, makeTempDir } from "./harness";

interface DemoRun {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function startDemo(): DemoRun {
  let output = "";
  const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(REPO_ROOT, "scripts", "demo.ts")], {
    cwd: REPO_ROOT,
    // An empty DEVNET_DIR: no running devnet there, so the demo starts its own.
    env: { ...process.env, DEVNET_DIR: makeTempDir("demo-none"), DEVNET_CHALLENGE_PERIOD: "3", DEVNET_BLOCK_TIME_MS: "500" },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/** The ports of the devnet the demo started, from its "devnet up" line. */
function devnetPorts(output: string): number[] {
  const match = output.match(/devnet up: main http:\/\/127\.0\.0\.1:(\d+), child http:\/\/127\.0\.0\.1:(\d+), relayer API http:\/\/127\.0\.0\.1:(\d+)/);
  if (match === null) throw new Error(`no "devnet up" line in the demo's output:\n${output}`);
  return match.slice(1).map(Number);
}

/** Pids of live processes whose command line serves one of these ports (a Hardhat node is `… node --port P`). */
function processesOnPorts(ports: number[]): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").join(" ");
    } catch {
      continue; // exited while we looked
    }
    if (ports.some((port) => cmdline.includes(`--port ${port}`))) found.push(Number(entry));
  }
  return found;
}

async function answers(port: number): Promise<boolean> {
  return fetch(`http://127.0.0.1:${port}`, { method: "POST", body: "{}", signal: AbortSignal.timeout(2_000) }).then(
    () => true,
    () => false,
  );
}

async function expectNothingLeft(ports: number[]): Promise<void> {
  const left = processesOnPorts(ports);
  for (const pid of left) {
    try {
      process.kill(pid, "SIGKILL"); // do not leak them into the next tests, but fail this one
    } catch {
      // already gone
    }
  }
  expect(left, "node processes left behind by the demo").to.deep.equal([]);
  for (const port of ports) expect(await answers(port), `port ${port} still answers`).to.equal(false);
}

describe("npm run demo", function () {
  this.timeout(300_000);
  let run: DemoRun | undefined;

  afterEach(function () {
    if (run !== undefined && run.child.exitCode === null && run.child.signalCode === null) {
      try {
        process.kill(-run.child.pid!, "SIGKILL");
      } catch {
        // already gone
      }
    }
  });

  it("starts its own devnet, walks a token through the round trip with progress, prints the summary and stops everything", async function () {
    run = startDemo();
    const timer = setTimeout(() => run!.child.kill("SIGKILL"), 280_000); // never outlive the test
    const code = await run.exited;
    clearTimeout(timer);
    const output = run.output();
    expect(code, output).to.equal(0);

    expect(output).to.match(/no devnet answers at .*: starting one for the demo \(challenge period 3 s\)/);
    for (let step = 1; step <= 5; step++) expect(output).to.contain(`[${step}/5] `);
    // Progress while waiting, piped output: plain lines, no carriage returns.
    expect(output).to.not.contain("\r");
    expect(output).to.match(/… sent in main block \d+/);
    expect(output).to.match(/checkpoint #\d+ on the child chain covers it: final in \d+ s/);
    expect(output).to.match(/checkpoint #\d+ on the main chain covers it: final in \d+ s/);
    expect(output).to.contain("minted on the child chain: 100 DEMO");
    expect(output).to.contain("released on the main chain: 40 DEMO");

    expect(output).to.match(/summary: round trip done in \d+ s/);
    expect(output).to.match(/DEMO\s+940 \(was 1000\)\s+60\n/);
    for (const action of ["deploy DEMO (TestERC20)", "mint 1000 DEMO", "approve the root bridge", "depositERC20 (lock)", "relayMessage (mint)", "withdraw (burn)", "relayMessage (release)"]) {
      expect(output).to.match(new RegExp(`${action.replace(/[()]/g, "\\$&")}\\s+(you|relayer)\\s+[\\d,]+\\s+0x[0-9a-f]{64}`));
    }
    expect(output).to.contain("devnet stopped");
    await expectNothingLeft(devnetPorts(output));
  });

  it("stops its devnet on Ctrl-C in the middle of the round trip", async function () {
    run = startDemo();
    const current = run;
    const deadline = Date.now() + 180_000;
    while (!current.output().includes("[3/5]")) {
      if (current.child.exitCode !== null || Date.now() > deadline) throw new Error(`the demo did not reach step 3:\n${current.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const ports = devnetPorts(current.output());
    current.child.kill("SIGINT");
    const timer = setTimeout(() => current.child.kill("SIGKILL"), 30_000);
    expect(await current.exited, current.output()).to.equal(130);
    clearTimeout(timer);
    expect(current.output()).to.contain("devnet stopped");
    await expectNothingLeft(ports);
  });
});
