import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { Contract, JsonRpcProvider, parseEther } from "ethers";

import { REPO_ROOT, devAccount, makeTempDir } from "./harness";

const NATIVE_TOKEN = "0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE";

interface DevnetProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function startDevnet(dir: string, args: string[] = []): DevnetProcess {
  let output = "";
  const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(REPO_ROOT, "scripts", "devnet.ts"), ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, DEVNET_DIR: dir, DEVNET_CHALLENGE_PERIOD: "3", DEVNET_BLOCK_TIME_MS: "500" },
    detached: true, // its own process group: the test can end everything it started
    stdio: [args.includes("--processes") ? "pipe" : "ignore", "pipe", "pipe"],
  });
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function waitFor<T>(what: string, deadlineMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe("npm run devnet", function () {
  this.timeout(180_000);
  let devnet: DevnetProcess | undefined;

  afterEach(function () {
    if (devnet && devnet.child.exitCode === null && devnet.child.pid !== undefined) {
      try {
        process.kill(-devnet.child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  });

  it("starts both chains, the validators and the relayer, carries a round trip, and stops cleanly on Ctrl-C", async function () {
    const dir = makeTempDir("devnet");
    devnet = startDevnet(dir);
    const running = devnet;
    const ready = await waitFor("the devnet summary", 120_000, async () => (running.output().includes("Ctrl-C stops everything") ? true : undefined));
    expect(ready).to.equal(true);
    const url = (label: string) => {
      const match = running.output().match(new RegExp(`${label}\\s+(http://127\\.0\\.0\\.1:\\d+)`));
      if (match === null) throw new Error(`no ${label} URL in the devnet output:\n${running.output()}`);
      return match[1];
    };
    const main = new JsonRpcProvider(url("main chain"), 31337, { staticNetwork: true });
    const child = new JsonRpcProvider(url("child chain"), 31338, { staticNetwork: true });
    const api = url("relayer API");
    const deployment = (side: string) =>
      JSON.parse(readFileSync(path.join(dir, "deployments", `${side}.json`), "utf8")) as { contracts: Record<string, { address: string }> };

    // A user deposits ETH on the main chain; the relayer mints it on the child chain.
    const user = devAccount(5, main);
    const rootBridge = new Contract(deployment("main").contracts.RootBridge.address, ["function depositETH(address to) payable returns (bytes32)"], user);
    const amount = parseEther("1.5");
    await (await rootBridge.depositETH(user.address, { value: amount })).wait();
    const childBridge = new Contract(
      deployment("child").contracts.ChildBridge.address,
      ["function childTokenOf(address) view returns (address)", "function withdraw(address childToken, address to, uint256 amount) returns (bytes32)"],
      devAccount(5, child),
    );
    const childToken = await waitFor("the child ETH token", 60_000, async () => {
      const token = (await childBridge.childTokenOf(NATIVE_TOKEN)) as string;
      return BigInt(token) === 0n ? undefined : token;
    });
    const token = new Contract(childToken, ["function balanceOf(address) view returns (uint256)"], child);
    await waitFor("the minted deposit", 60_000, async () => ((await token.balanceOf(user.address)) === amount ? true : undefined));

    // And back: a withdrawal to a fresh address is released on the main chain.
    const receiver = devAccount(8).address;
    const before = await main.getBalance(receiver);
    await (await childBridge.withdraw(childToken, receiver, parseEther("0.5"))).wait();
    await waitFor("the released withdrawal", 60_000, async () =>
      (await main.getBalance(receiver)) === before + parseEther("0.5") ? true : undefined,
    );
    // The relayer records a relay once its receipt is in, which may be a poll after the balance moved.
    const status = await waitFor("the relayer to record both relays", 30_000, async () => {
      const body = (await (await fetch(`${api}/status`)).json()) as { messages: Record<string, Record<string, number>> };
      return body.messages["child->main"]?.relayed === 1 ? body : undefined;
    });
    expect(status.messages["main->child"].relayed).to.equal(1);
    expect(status.messages["child->main"].relayed).to.equal(1);
    main.destroy();
    child.destroy();

    // Ctrl-C: everything it started stops, and it exits cleanly.
    process.kill(-running.child.pid!, "SIGINT");
    expect(await running.exited).to.equal(0);
    expect(running.output()).to.contain("devnet stopped");
    for (const rpc of [url("main chain"), url("child chain"), api]) {
      const answered = await fetch(rpc, { method: "POST", body: "{}", signal: AbortSignal.timeout(2_000) }).then(
        () => true,
        () => false,
      );
      expect(answered, `${rpc} still answers after the devnet stopped`).to.equal(false);
    }
  });

  it("--processes: runs each validator and the relayer as a process, stops and starts one on stdin, and ends them all on Ctrl-C", async function () {
    const dir = makeTempDir("devnet-processes-script");
    devnet = startDevnet(dir, ["--processes"]);
    const running = devnet;
    await waitFor("the devnet summary", 180_000, async () => (running.output().includes("Ctrl-C stops everything") ? true : undefined));
    expect(running.output()).to.contain("4 validators of power 1, threshold 3: checkpoints go on with one of them down");
    const pidOf = (name: string) => {
      const match = running.output().match(new RegExp(`^  ${name}\\s+pid (\\d+)`, "m"));
      if (match === null) throw new Error(`no pid of ${name} in the devnet output:\n${running.output()}`);
      return Number(match[1]);
    };
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    const names = ["relayer", "validator-0", "validator-1", "validator-2", "validator-3"];
    const pids = names.map(pidOf);
    expect(new Set(pids).size).to.equal(5);
    for (const pid of pids) expect(alive(pid), `pid ${pid}`).to.equal(true);
    expect(running.output()).to.contain(path.join(dir, "validator-3.log"));

    running.child.stdin!.write("stop validator-3\n");
    await waitFor("validator-3 stopped", 30_000, async () => (running.output().includes("validator-3 stopped") ? true : undefined));
    expect(alive(pids[4])).to.equal(false);
    running.child.stdin!.write("ps\n");
    await waitFor("the ps listing", 10_000, async () => (/validator-3\s+stopped/.test(running.output()) ? true : undefined));
    running.child.stdin!.write("start validator-3\n");
    const restarted = await waitFor("validator-3 started again", 120_000, async () => {
      const match = running.output().match(/validator-3 started, pid (\d+)/);
      return match === null ? undefined : Number(match[1]);
    });
    expect(alive(restarted)).to.equal(true);

    process.kill(-running.child.pid!, "SIGINT");
    expect(await running.exited).to.equal(0);
    for (const pid of [...pids.slice(0, 4), restarted]) expect(alive(pid), `pid ${pid} after Ctrl-C`).to.equal(false);
  });
});
