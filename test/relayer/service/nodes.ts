/**
 * Test helpers of the relayer service tests: real `hardhat node` processes (with a chain id and
 * interval mining from a tiny config file in a temp dir) and a plain-ethers deployment of both
 * sides from artifacts/. Used until test/e2e/harness.ts offers the same.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ContractFactory, JsonRpcProvider, NonceManager, Wallet, type Contract } from "ethers";

export const HARDHAT_KEYS = [
  "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
  "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
  "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
  "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
  "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
];

export interface HardhatNode {
  url: string;
  chainId: number;
  provider: JsonRpcProvider;
  stop(): Promise<void>;
}

/** Starts `hardhat node` on `port` with `chainId`; resolves once it answers JSON-RPC. */
export async function startNode(chainId: number, port: number, intervalMs = 500): Promise<HardhatNode> {
  const dir = mkdtempSync(join(tmpdir(), "sidechain-node-"));
  const configFile = join(dir, "hardhat.config.js");
  writeFileSync(
    configFile,
    `module.exports = { networks: { hardhat: { chainId: ${chainId}, allowBlocksWithSameTimestamp: true, mining: { auto: true, interval: ${intervalMs} } } }, paths: { root: ${JSON.stringify(dir)} } };\n`,
  );
  const child: ChildProcess = spawn(process.execPath, [require.resolve("hardhat/internal/cli/cli.js"), "--config", configFile, "node", "--port", String(port), "--hostname", "127.0.0.1"], {
    // Hardhat refuses to run outside the project that installs it; the config keeps its files in `dir`.
    cwd: join(__dirname, "../../.."),
    env: Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("HARDHAT_"))),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (d) => (output += d));
  child.stderr?.on("data", (d) => (output += d));
  const url = `http://127.0.0.1:${port}`;
  const provider = new JsonRpcProvider(url, chainId, { staticNetwork: true, polling: true, pollingInterval: 200 });
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await provider.send("eth_chainId", []);
      break;
    } catch {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`hardhat node ${chainId} did not start: ${output.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  return {
    url,
    chainId,
    provider,
    stop: async () => {
      provider.destroy();
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await exited;
      }
    },
  };
}

function artifact(path: string): { abi: unknown[]; bytecode: string } {
  return JSON.parse(readFileSync(join(__dirname, "../../../artifacts/contracts", path), "utf8"));
}

async function deploy(signer: NonceManager, path: string, args: unknown[]): Promise<Contract> {
  const a = artifact(path);
  const contract = await new ContractFactory(a.abi as never, a.bytecode, signer).deploy(...args);
  await contract.waitForDeployment();
  return contract as Contract;
}

export interface DevnetSide {
  validatorSet: Contract;
  checkpointManager: Contract;
  messenger: Contract;
  bridge: Contract;
}

export interface Devnet {
  main: DevnetSide;
  child: DevnetSide;
  validators: Wallet[];
}

/**
 * Deploys both sides with plain ethers: each chain's checkpoint manager tracks the other chain
 * from its next block on, with `validators` (power 1 each) and threshold = all of them.
 */
export async function deployDevnet(main: HardhatNode, child: HardhatNode, validatorKeys: string[], challengePeriod = 3, minBond = 10n ** 17n): Promise<Devnet> {
  const validators = validatorKeys.map((k) => new Wallet(k)).sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1));
  const adminMain = new NonceManager(new Wallet(HARDHAT_KEYS[0], main.provider));
  const adminChild = new NonceManager(new Wallet(HARDHAT_KEYS[0], child.provider));
  const admin = await adminMain.getAddress();
  const side = async (signer: NonceManager, remote: HardhatNode, bridgePath: string): Promise<DevnetSide> => {
    const validatorSet = await deploy(signer, "common/ValidatorSet.sol/ValidatorSet.json", [admin, validators.map((v) => v.address), validators.map(() => 1n), BigInt(validators.length)]);
    const firstBlock = BigInt(await remote.provider.getBlockNumber()) + 1n;
    const checkpointManager = await deploy(signer, "common/CheckpointManager.sol/CheckpointManager.json", [admin, admin, remote.chainId, await validatorSet.getAddress(), firstBlock, challengePeriod, minBond, 5_000]);
    const messenger = await deploy(signer, "common/Messenger.sol/Messenger.json", [admin, admin, await checkpointManager.getAddress()]);
    const bridge = await deploy(signer, bridgePath, [admin, await messenger.getAddress()]);
    return { validatorSet, checkpointManager, messenger, bridge };
  };
  const mainSide = await side(adminMain, child, "root/RootBridge.sol/RootBridge.json");
  const childSide = await side(adminChild, main, "child/ChildBridge.sol/ChildBridge.json");
  await (await mainSide.messenger.getFunction("setRemoteMessenger")(await childSide.messenger.getAddress())).wait();
  await (await childSide.messenger.getFunction("setRemoteMessenger")(await mainSide.messenger.getAddress())).wait();
  await (await mainSide.bridge.getFunction("setCounterpart")(await childSide.bridge.getAddress())).wait();
  await (await childSide.bridge.getFunction("setCounterpart")(await mainSide.bridge.getAddress())).wait();
  return { main: mainSide, child: childSide, validators };
}

export async function addressesOf(side: DevnetSide, bridgeName: "RootBridge" | "ChildBridge"): Promise<Record<string, string>> {
  return {
    ValidatorSet: await side.validatorSet.getAddress(),
    CheckpointManager: await side.checkpointManager.getAddress(),
    Messenger: await side.messenger.getAddress(),
    [bridgeName]: await side.bridge.getAddress(),
  };
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 60_000, pollMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined && value !== false) return value as T;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
