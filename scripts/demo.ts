/**
 * `npm run demo`: one token's round trip through the bridge, with the SDK (`BridgeClient`):
 * a demo ERC20 is deployed on the main chain, deposited, minted on the child chain, withdrawn,
 * checkpointed, waited out through its challenge window and released on the main chain.
 *
 * It uses the devnet that `npm run devnet` runs (DEVNET_DIR, default .devnet: relayer.json and
 * deployments/), when its RPCs answer; otherwise it starts a devnet of its own for the run
 * (DEVNET_CHALLENGE_PERIOD, default 10 s; DEVNET_BLOCK_TIME_MS, default 500) and stops it at the end.
 * Exit code 0 after a complete round trip, 1 otherwise; Ctrl-C stops what it started.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { Contract, ContractFactory, JsonRpcProvider, Wallet, parseUnits, type InterfaceAbi, type TransactionReceipt } from "ethers";

import { BridgeClient, readRelayerEndpoints, type BridgeMessageStatus, type BridgeTransfer } from "../relayer/src/sdk";
import { DEVNET_ACCOUNTS, startDevnet, type RunningDevnet } from "../relayer/src/devnet/devnet";
import { DemoReport, describeStatus, summaryLines, type GasEntry } from "./lib/demoReport";
import { devAccount, makeTempDir } from "../relayer/src/devnet/localChains";
import { kitArtifactsDir } from "../relayer/src/packageFiles";

export class DemoError extends Error {
  constructor(
    readonly code: "DEMO_BAD_ENV" | "DEMO_NOT_RELAYED" | "DEMO_WRONG_BALANCE",
    message: string,
    // A relayer that was slow this time may keep up the next; a bad setting stays bad.
    readonly retryable = code === "DEMO_NOT_RELAYED",
  ) {
    super(message);
    this.name = "DemoError";
  }
}

const DECIMALS = 18;
const MINTED = parseUnits("1000", DECIMALS);
const DEPOSITED = parseUnits("100", DECIMALS);
const WITHDRAWN = parseUnits("40", DECIMALS);
/** The user of the demo: a funded dev account the devnet reserves for users. */
const USER_ACCOUNT = DEVNET_ACCOUNTS.lastUser;
const CHECKPOINT_ABI = ["function challengePeriod() view returns (uint64)"];
const MESSENGER_ABI = ["event MessageRelayed(bytes32 indexed messageId, uint256 indexed nonce, address indexed target)"];

function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new DemoError("DEMO_BAD_ENV", `${name}=${raw} must be a positive number`);
  return value;
}

/** The running devnet's relayer config, when both of its RPCs answer with the chain ids of its deployments. */
async function runningDevnet(dir: string): Promise<string | undefined> {
  const file = path.join(dir, "relayer.json");
  if (!existsSync(file)) return undefined;
  try {
    const endpoints = readRelayerEndpoints(file);
    for (const side of ["main", "child"] as const) {
      const deployment = JSON.parse(readFileSync(endpoints.deploymentFiles[side], "utf8")) as { chainId: number };
      const response = await fetch(endpoints.rpcUrls[side], {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
        signal: AbortSignal.timeout(2_000),
      });
      const { result } = (await response.json()) as { result?: string };
      if (result === undefined || Number(result) !== deployment.chainId) return undefined;
    }
    return file;
  } catch {
    return undefined; // left over from a devnet that stopped
  }
}

/** Set on Ctrl-C: the round trip then fails on its closed providers, and the signal handler decides the exit. */
let interrupted = false;

async function main(): Promise<void> {
  const started = Date.now();
  const report = new DemoReport(process.stdout, 5);
  const dir = path.resolve(process.env.DEVNET_DIR ?? path.join(".devnet"));
  let own: RunningDevnet | undefined;
  let client: BridgeClient | undefined;
  let cleaning: Promise<void> | undefined;
  // Once only, and awaited by both the normal end and Ctrl-C: the process must not exit mid-stop.
  const cleanup = () =>
    (cleaning ??= (async () => {
      client?.close();
      if (own !== undefined) {
        report.line("stopping the demo's devnet…");
        await own.stop();
        report.line("devnet stopped");
      }
    })());
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    // `on`, not `once`: localChains re-raises the signal after its last-resort kill, and that
    // second delivery must land here too rather than end the process before the cleanup.
    process.on(signal, () => {
      if (interrupted) return;
      interrupted = true;
      report.line(`${signal}: stopping`);
      void cleanup().finally(() => process.exit(130));
    });
  }

  try {
    report.line("sidechain-kit demo: a token's round trip, main chain → child chain → main chain");
    let configFile = await runningDevnet(dir);
    if (configFile !== undefined) {
      report.line(`using the running devnet (${path.relative(process.cwd(), configFile) || configFile})`);
    } else {
      const challengePeriod = envNumber("DEVNET_CHALLENGE_PERIOD", 10);
      report.line(`no devnet answers at ${dir}: starting one for the demo (challenge period ${challengePeriod} s)…`);
      own = await startDevnet({ dir: makeTempDir("demo-devnet"), challengePeriod, blockTimeMs: envNumber("DEVNET_BLOCK_TIME_MS", 500) });
      report.line(`devnet up: main ${own.main.url}, child ${own.child.url}, relayer API ${own.apiUrl}`);
      configFile = own.relayerConfigFile;
    }
    const user = devAccount(USER_ACCOUNT);
    client = BridgeClient.fromRelayerConfig(configFile, { privateKey: user.privateKey });
    await client.checkNetworks();
    await roundTrip(client, configFile, user, report, started);
  } finally {
    await cleanup();
  }
}

async function roundTrip(client: BridgeClient, configFile: string, user: Wallet, report: DemoReport, started: number): Promise<void> {
  const endpoints = readRelayerEndpoints(configFile);
  const relayerConfig = JSON.parse(readFileSync(configFile, "utf8")) as { chains: Record<"main" | "child", { confirmations?: number }> };
  const providers = {
    main: new JsonRpcProvider(endpoints.rpcUrls.main, client.deployments.main.chainId, { staticNetwork: true, pollingInterval: 250, cacheTimeout: -1 }),
    child: new JsonRpcProvider(endpoints.rpcUrls.child, client.deployments.child.chainId, { staticNetwork: true, pollingInterval: 250, cacheTimeout: -1 }),
  };
  const gas: GasEntry[] = [];
  const record = (chain: "main" | "child", action: string, by: string, receipt: TransactionReceipt | null) => {
    if (receipt === null) return;
    gas.push({ chain, action, by, txHash: receipt.hash, gasUsed: receipt.gasUsed });
  };
  try {
    const wallet = user.connect(providers.main);
    const ethBefore = await providers.main.getBalance(user.address);

    report.begin("deploy a demo ERC20 on the main chain and mint to the demo account");
    report.progress("waiting for the deployment to be mined");
    const artifact = JSON.parse(readFileSync(path.join(kitArtifactsDir(), "contracts", "test", "TestERC20.sol", "TestERC20.json"), "utf8")) as { abi: InterfaceAbi; bytecode: string };
    const deployed = await new ContractFactory(artifact.abi, artifact.bytecode, wallet).deploy("Demo Token", "DEMO", DECIMALS);
    record("main", "deploy DEMO (TestERC20)", "you", await deployed.deploymentTransaction()!.wait());
    const token = await deployed.getAddress();
    const demo = new Contract(token, artifact.abi, wallet);
    report.progress("waiting for the mint to be mined");
    record("main", "mint 1000 DEMO", "you", await (await demo.mint(user.address, MINTED)).wait());
    report.info(`DEMO at ${token}; 1000 DEMO minted to ${user.address}`);

    report.begin("deposit 100 DEMO into the root bridge on the main chain");
    const bridge = client.deployments.main.contracts.RootBridge!.address;
    report.progress("approving the root bridge (waiting for 1 confirmation)");
    record("main", "approve the root bridge", "you", await (await demo.approve(bridge, DEPOSITED)).wait());
    report.progress("depositing (waiting for 1 confirmation)");
    const deposit = await client.deposit(token, DEPOSITED);
    record("main", "depositERC20 (lock)", "you", await providers.main.getTransactionReceipt(deposit.txHash));
    report.info(`deposit ${deposit.txHash} in block ${deposit.blockNumber}, message ${deposit.messageId}`);

    report.begin("the deposit is checkpointed, waits out its challenge window and is minted on the child chain");
    await follow(client, deposit, providers, relayerConfig.chains.main.confirmations ?? 1, report);
    record("child", "relayMessage (mint)", "relayer", await relayReceipt(providers.child, client.deployments.child.contracts.Messenger!, deposit.messageId));
    const { childToken } = await client.resolveChildToken(token);
    const minted = (await new Contract(childToken, artifact.abi, providers.child).balanceOf(user.address)) as bigint;
    if (minted !== DEPOSITED) throw new DemoError("DEMO_WRONG_BALANCE", `expected 100 DEMO on the child chain, found ${minted} base units`);
    report.info(`minted on the child chain: 100 DEMO at ${childToken}`);

    report.begin("withdraw 40 DEMO on the child chain (burn)");
    report.progress("withdrawing (waiting for 1 confirmation)");
    const withdrawal = await client.withdraw(childToken, WITHDRAWN);
    record("child", "withdraw (burn)", "you", await providers.child.getTransactionReceipt(withdrawal.txHash));
    report.info(`withdrawal ${withdrawal.txHash} in block ${withdrawal.blockNumber}, message ${withdrawal.messageId}`);

    report.begin("the withdrawal is checkpointed, waits out its challenge window and is released on the main chain");
    const mainBalanceBefore = (await demo.balanceOf(user.address)) as bigint;
    await follow(client, withdrawal, providers, relayerConfig.chains.child.confirmations ?? 1, report);
    record("main", "relayMessage (release)", "relayer", await relayReceipt(providers.main, client.deployments.main.contracts.Messenger!, withdrawal.messageId));
    const released = ((await demo.balanceOf(user.address)) as bigint) - mainBalanceBefore;
    if (released !== WITHDRAWN) throw new DemoError("DEMO_WRONG_BALANCE", `expected 40 DEMO released on the main chain, found ${released} base units`);
    report.info("released on the main chain: 40 DEMO");

    const [mainToken, childTokenBalance, ethMain, ethChild] = await Promise.all([
      demo.balanceOf(user.address) as Promise<bigint>,
      new Contract(childToken, artifact.abi, providers.child).balanceOf(user.address) as Promise<bigint>,
      providers.main.getBalance(user.address),
      providers.child.getBalance(user.address),
    ]);
    const balances = [
      { asset: "DEMO", main: mainToken, child: childTokenBalance, decimals: DECIMALS, mainBefore: MINTED },
      { asset: "ETH (gas)", main: ethMain, child: ethChild, decimals: DECIMALS, mainBefore: ethBefore },
    ];
    for (const line of summaryLines(user.address, balances, gas, Date.now() - started)) report.line(line);
  } finally {
    for (const provider of Object.values(providers)) provider.destroy();
  }
}

/** Waits until the message is relayed, showing confirmations, the checkpoint and the window countdown. */
async function follow(
  client: BridgeClient,
  transfer: BridgeTransfer,
  providers: Record<"main" | "child", JsonRpcProvider>,
  confirmations: number,
  report: DemoReport,
): Promise<void> {
  const [source, destination] = transfer.direction === "main->child" ? (["main", "child"] as const) : (["child", "main"] as const);
  const manager = new Contract(client.deployments[destination].contracts.CheckpointManager!.address, CHECKPOINT_ABI, providers[destination]);
  const challengePeriod = Number((await manager.challengePeriod()) as bigint);
  let sourceHead: number | undefined;
  // The head is read beside the status polls: onProgress is synchronous, it shows the latest known.
  const heads = setInterval(() => void providers[source].getBlockNumber().then((n) => (sourceHead = n), () => undefined), 500);
  let seen = "";
  try {
    await client.waitForStatus(transfer, "relayed", {
      pollMs: 1_000,
      // A devnet relayer checkpoints within a minute; then the window, then one relay.
      timeoutMs: 180_000 + 2 * challengePeriod * 1_000,
      onProgress: (status: BridgeMessageStatus) => {
        if (status.status === "relayed") return;
        // Milestones stay on screen; the confirmations and the countdown under them are transient.
        if (status.status !== seen && status.status === "challenge-window") {
          report.info(`checkpoint #${status.checkpointId} on the ${destination} chain covers it: final in ${status.secondsLeft} s`);
        }
        if (status.status !== seen && status.status === "ready") report.info(`checkpoint #${status.checkpointId} is final`);
        seen = status.status;
        report.progress(describeStatus(status, { source, destination, sourceHead, confirmations }));
      },
    });
  } catch (error) {
    if ((error as { code?: unknown }).code === "STATUS_TIMEOUT") {
      throw new DemoError("DEMO_NOT_RELAYED", `the ${transfer.direction} message was not relayed in time (is the devnet's relayer running?): ${(error as Error).message}`);
    }
    throw error;
  } finally {
    clearInterval(heads);
  }
}

/** The relayer's transaction that executed the message, found by its MessageRelayed event. */
async function relayReceipt(provider: JsonRpcProvider, messenger: { address: string; block?: number }, messageId: string): Promise<TransactionReceipt | null> {
  const contract = new Contract(messenger.address, MESSENGER_ABI, provider);
  // From the messenger's deployment: on a forked main chain, older blocks are the live chain's.
  const [event] = await contract.queryFilter(contract.filters.MessageRelayed(messageId), messenger.block ?? 0);
  return event === undefined ? null : provider.getTransactionReceipt(event.transactionHash);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    if (interrupted) return; // the signal handler exits with 130 once everything is stopped
    const code = (error as { code?: unknown } | undefined)?.code;
    process.stdout.write("\n");
    process.stderr.write(`demo${typeof code === "string" ? ` [${code}]` : ""}: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
