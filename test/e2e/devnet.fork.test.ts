/**
 * Fork mode of the devnet (FORK_URL / FORK_BLOCK). There is no internet here, so a local Hardhat node
 * plays the live chain: it gets a token and a holder, then the devnet forks it. The fork copy of the
 * token is bridged by its impersonated holder, and a dead or non-JSON-RPC FORK_URL fails fast.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import http from "node:http";
import type net from "node:net";
import path from "node:path";
import { expect } from "chai";
import { Contract, ContractFactory, JsonRpcSigner, Wallet, parseUnits, toBeHex, type InterfaceAbi } from "ethers";

import { startDevnet, MAIN_CHAIN_ID, type RunningDevnet } from "../../relayer/src/devnet/devnet";
import { ForkError } from "../../relayer/src/devnet/fork";
import { REPO_ROOT, devAccount, freePort, makeTempDir, sleep, startHardhatNode, stopAllNodes, type RunningNode } from "./harness";

const LIVE_CHAIN_ID = 31339;
const ERC20_ABI = [
  "function balanceOf(address) view returns (uint256)",
  "function approve(address spender, uint256 amount) returns (bool)",
  "function symbol() view returns (string)",
];
const ROOT_BRIDGE_ABI = ["function depositERC20(address token, address to, uint256 amount) returns (bytes32)"];
const CHILD_BRIDGE_ABI = ["function childTokenOf(address rootToken) view returns (address)"];

function testTokenFactory(signer: Wallet): ContractFactory {
  const file = path.join(REPO_ROOT, "artifacts", "contracts", "test", "TestERC20.sol", "TestERC20.json");
  const artifact = JSON.parse(readFileSync(file, "utf8")) as { abi: InterfaceAbi; bytecode: string };
  return new ContractFactory(artifact.abi, artifact.bytecode, signer);
}

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(250);
  }
}

describe("devnet fork mode (FORK_URL)", function () {
  this.timeout(180_000);
  let live: RunningNode;
  let devnet: RunningDevnet | undefined;
  let token: string;
  // A holder with no key anywhere: on a real fork it would be a whale, reachable only by impersonation.
  const holder = Wallet.createRandom().address;
  const minted = parseUnits("1000", 18);
  let mintBlock: number;

  before(async function () {
    live = await startHardhatNode({ chainId: LIVE_CHAIN_ID });
    const deployer = devAccount(0, live.provider);
    const contract = await testTokenFactory(deployer).deploy("Live Token", "LIVE", 18);
    await contract.waitForDeployment();
    token = await contract.getAddress();
    const receipt = await (await (contract as Contract).mint(holder, minted)).wait();
    mintBlock = receipt!.blockNumber as number;
  });

  after(async function () {
    await devnet?.stop();
    await stopAllNodes();
  });

  it("forks the live chain's state under the devnet's main chain id", async function () {
    devnet = await startDevnet({ dir: makeTempDir("devnet-fork"), challengePeriod: 3, blockTimeMs: 500, fork: { url: live.url } });
    expect(devnet.fork).to.deep.include({ url: live.url, liveChainId: LIVE_CHAIN_ID });
    expect(devnet.fork!.blockNumber).to.be.at.least(mintBlock);
    // The configured id, not the live one: transactions signed on the fork cannot be replayed live.
    expect(Number((await devnet.main.provider.getNetwork()).chainId)).to.equal(MAIN_CHAIN_ID);
    const forked = new Contract(token, ERC20_ABI, devnet.main.provider);
    expect(await forked.symbol()).to.equal("LIVE");
    expect(await forked.balanceOf(holder)).to.equal(minted);
  });

  it("bridges the fork copy of a live token: the impersonated holder deposits and the child chain mints it", async function () {
    if (devnet === undefined) this.skip();
    const { main, child, deployments } = devnet;
    await main.provider.send("hardhat_impersonateAccount", [holder]);
    await main.provider.send("hardhat_setBalance", [holder, toBeHex(10n ** 20n)]);
    const signer = new JsonRpcSigner(main.provider, holder);
    const rootBridge = deployments.main.contracts.RootBridge!.address;
    const amount = parseUnits("250", 18);
    await (await (new Contract(token, ERC20_ABI, signer).approve(rootBridge, amount) as Promise<{ wait(): Promise<unknown> }>)).wait();
    await (await (new Contract(rootBridge, ROOT_BRIDGE_ABI, signer).depositERC20(token, holder, amount) as Promise<{ wait(): Promise<unknown> }>)).wait();

    const childBridge = new Contract(deployments.child.contracts.ChildBridge!.address, CHILD_BRIDGE_ABI, child.provider);
    const childToken = await waitFor("the child token", 60_000, async () => {
      const address = (await childBridge.childTokenOf(token)) as string;
      return BigInt(address) === 0n ? undefined : address;
    });
    const onChild = new Contract(childToken, ERC20_ABI, child.provider);
    await waitFor("the minted deposit", 60_000, async () => ((await onChild.balanceOf(holder)) === amount ? true : undefined));
    expect(await onChild.symbol()).to.equal("LIVE");
    // The live chain is untouched: the fork is a local copy.
    expect(await new Contract(token, ERC20_ABI, live.provider).balanceOf(holder)).to.equal(minted);
    expect(await new Contract(token, ERC20_ABI, main.provider).balanceOf(holder)).to.equal(minted - amount);
  });

  it("forks at FORK_BLOCK when one is given", async function () {
    const node = await startHardhatNode({ chainId: MAIN_CHAIN_ID, fork: { url: live.url, blockNumber: mintBlock - 1 } });
    try {
      expect(node.fork!.blockNumber).to.equal(mintBlock - 1);
      // The token exists (deployed before) but the mint has not happened yet at that block.
      expect(await new Contract(token, ERC20_ABI, node.provider).balanceOf(holder)).to.equal(0n);
    } finally {
      await node.stop();
    }
  });

  it("refuses a FORK_BLOCK above the live head before starting anything", async function () {
    const error = await startHardhatNode({ chainId: MAIN_CHAIN_ID, fork: { url: live.url, blockNumber: 1_000_000 } }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(ForkError);
    expect((error as ForkError).code).to.equal("FORK_BLOCK_INVALID");
  });

  it("fails within seconds with a one-line message when FORK_URL is unreachable", async function () {
    const port = await freePort(); // free a moment ago: nothing listens there
    const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(REPO_ROOT, "scripts", "devnet.ts")], {
      cwd: REPO_ROOT,
      env: { ...process.env, FORK_URL: `http://127.0.0.1:${port}`, DEVNET_DIR: makeTempDir("devnet-fork-dead") },
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    // Timed from the script's first line: ts-node's start-up on a loaded machine is not what is measured.
    let started: number | undefined;
    child.stdout!.on("data", (chunk: Buffer) => {
      if (started === undefined && chunk.toString().includes("fork mode: checking")) started = Date.now();
    });
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, "SIGKILL"); // never let a hung devnet outlive the test
      } catch {
        // already gone
      }
    }, 60_000);
    const code = await new Promise<number | null>((resolve) => child.once("exit", (exitCode) => resolve(exitCode)));
    clearTimeout(timer);
    expect(code, stderr).to.equal(1);
    expect(started, "the script never printed its fork line").to.not.equal(undefined);
    expect(Date.now() - started!).to.be.below(15_000);
    const lines = stderr.trim().split("\n");
    expect(lines, stderr).to.have.length(1);
    expect(lines[0]).to.match(new RegExp(`^devnet \\[FORK_UNREACHABLE\\]: FORK_URL http://127\\.0\\.0\\.1:${port} is unreachable: ECONNREFUSED$`));
  });

  it("fails fast when FORK_URL answers, but not JSON-RPC", async function () {
    const server = http.createServer((_req, res) => res.writeHead(200, { "content-type": "text/html" }).end("<html>hello</html>"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as net.AddressInfo;
    try {
      const started = Date.now();
      const error = await startDevnet({ dir: makeTempDir("devnet-fork-html"), fork: { url: `http://127.0.0.1:${port}/rpc` } }).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(ForkError);
      expect((error as ForkError).code).to.equal("FORK_NOT_JSON_RPC");
      // The path of a hosted RPC URL holds its API key: never printed.
      expect((error as Error).message).to.equal(`FORK_URL http://127.0.0.1:${port}/… is not a JSON-RPC endpoint: HTTP 200 with a non-JSON body`);
      expect(Date.now() - started).to.be.below(15_000);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
