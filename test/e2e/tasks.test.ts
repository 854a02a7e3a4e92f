/**
 * The Hardhat tasks (the sidechain-kit/hardhat plugin, relayer/src/hardhat/tasks.ts) as a user runs them: `hardhat bridge:…` processes against a
 * devnet, with its deployments folder and, through its relayer.json, its RPC URLs.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { expect } from "chai";
import { Interface, Wallet, parseEther } from "ethers";

import { BridgeClient } from "../../relayer/src/sdk";
import { startDevnet, type RunningDevnet } from "../../relayer/src/devnet/devnet";
import { REPO_ROOT, devAccount, makeTempDir } from "./harness";
import { deployArtifact } from "./relayerProcess";

const HARDHAT_CLI = path.join(REPO_ROOT, "node_modules", "hardhat", "internal", "cli", "bootstrap.js");

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** `npx hardhat <args>` without npx's extra processes: Hardhat's own CLI under this Node. */
function hardhat(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [HARDHAT_CLI, ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, HARDHAT_DISABLE_TELEMETRY_PROMPT: "true", MAIN_RPC_URL: undefined, CHILD_RPC_URL: undefined, SIDECHAIN_USER_KEY: undefined, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 90_000); // a stuck task fails, never hangs
    child.once("exit", (status) => {
      clearTimeout(timer);
      // Hardhat colours its errors where it believes a terminal or a CI log shows them (CI=true):
      // the assertions are about the words.
      const plain = (text: string) => text.replace(/\u001b\[[0-9;]*m/g, "");
      resolve({ status, stdout: plain(stdout), stderr: plain(stderr) });
    });
  });
}

const messengerEvents = new Interface(["event MessageSent(uint256 indexed nonce, address indexed sender, address indexed target, uint256 gasLimit, bytes data)"]);

describe("Hardhat tasks bridge:* (the sidechain-kit/hardhat plugin)", function () {
  this.timeout(240_000);
  let devnet: RunningDevnet;
  let deploymentDir: string;
  let client: BridgeClient;
  const user = devAccount(3); // the tasks' default account on a devnet
  let withdrawalTx: string;

  before(async function () {
    // Long enough that a Hardhat process started right after a withdrawal (several seconds on a
    // loaded machine) still finds it in its challenge window, short enough for a quick test.
    devnet = await startDevnet({ dir: makeTempDir("tasks-devnet"), challengePeriod: 20, blockTimeMs: 500 });
    deploymentDir = path.join(devnet.dir, "deployments");
    client = BridgeClient.fromRelayerConfig(devnet.relayerConfigFile);
  });

  after(async function () {
    client?.close();
    await devnet?.stop();
  });

  it("bridge:deposit sends ETH from the devnet's user account, with the gas limit asked for, and prints the message as JSON", async function () {
    const run = await hardhat(["bridge:deposit", "--amount", "1.5", "--gas-limit", "4000000", "--deployment-dir", deploymentDir, "--json"]);
    expect(run.status, run.stderr).to.equal(0);
    const transfer = JSON.parse(run.stdout) as { txHash: string; messageId: string; direction: string; amount: string; symbol: string };
    expect(transfer).to.include({ direction: "main->child", amount: "1.5", symbol: "ETH" });
    expect(transfer.messageId).to.match(/^0x[0-9a-f]{64}$/);
    const receipt = await devnet.main.provider.getTransactionReceipt(transfer.txHash);
    const sent = receipt!.logs.map((log) => messengerEvents.parseLog(log)).find((parsed) => parsed?.name === "MessageSent");
    // Above the default floor (3,000,000 for the first deposit of a token, here ETH): the one asked for.
    expect(sent!.args.gasLimit).to.equal(4_000_000n);

    const status = await hardhat(["bridge:status", "--tx", transfer.txHash, "--deployment-dir", deploymentDir]);
    expect(status.status, status.stderr).to.equal(0);
    expect(status.stdout).to.match(new RegExp(`main->child message ${transfer.messageId}: (sent|checkpointed|challenge-window|ready|relayed)`));

    await client.waitForStatus(transfer.txHash, "relayed", { timeoutMs: 120_000 });
    const balances = await hardhat(["bridge:balances", "--deployment-dir", deploymentDir, "--json"]);
    expect(balances.status, balances.stderr).to.equal(0);
    const parsed = JSON.parse(balances.stdout) as { address: string; tokens: { symbol: string; child: string }[] };
    expect(parsed.address).to.equal(user.address);
    expect(parsed.tokens.find((t) => t.symbol === "ETH")?.child).to.equal(parseEther("1.5").toString());
  });

  it("bridge:withdraw burns on the child chain; bridge:relay refuses it until final, then finds it relayed", async function () {
    const run = await hardhat(["bridge:withdraw", "--amount", "0.5", "--token", "ETH", "--deployment-dir", deploymentDir]);
    expect(run.status, run.stderr).to.equal(0);
    const match = run.stdout.match(/^withdrew 0\.5 \S+: tx (0x[0-9a-f]{64}) \(child block \d+\), message 0x[0-9a-f]{64}$/m);
    expect(match, run.stdout).to.not.equal(null);
    withdrawalTx = match![1];

    const early = await hardhat(["bridge:relay", "--tx", withdrawalTx, "--deployment-dir", deploymentDir]);
    expect(early.status, early.stdout).to.equal(1);
    expect(early.stderr).to.match(/Error in plugin sidechain-kit: \[NOT_YET_FINAL\]/);

    await client.waitForStatus(withdrawalTx, "relayed", { timeoutMs: 120_000 });
    const late = await hardhat(["bridge:relay", "--tx", withdrawalTx, "--deployment-dir", deploymentDir]);
    expect(late.status, late.stderr).to.equal(0);
    expect(late.stdout).to.match(/was already relayed: nothing sent/);
  });

  it("bridge:deposit-erc721 locks a batch in the asset bridge and prints it as JSON", async function () {
    const signer = user.connect(devnet.main.provider);
    const nft = await deployArtifact("test/AssetTestTokens.sol", "TestERC721", signer, ["Task Apes", "TAPE"]);
    for (const id of [1n, 2n]) await (await nft.mint(user.address, id, `ipfs://task/${id}`)).wait();
    const run = await hardhat(["bridge:deposit-erc721", "--token", await nft.getAddress(), "--ids", "1,2", "--deployment-dir", deploymentDir, "--json"]);
    expect(run.status, run.stderr).to.equal(0);
    const transfer = JSON.parse(run.stdout) as { txHash: string; direction: string; ids: string[] };
    expect(transfer).to.deep.include({ direction: "main->child", ids: ["1", "2"] });
    expect(await nft.ownerOf(2n)).to.equal(devnet.deployments.main.contracts.RootAssetBridge!.address);
    await client.waitForStatus(transfer.txHash, "relayed", { timeoutMs: 120_000 });
  });

  it("reports bad input as one-line errors with their code", async function () {
    const unknownToken = Wallet.createRandom().address;
    const token = await hardhat(["bridge:deposit", "--amount", "1", "--token", unknownToken, "--deployment-dir", deploymentDir]);
    expect(token.status).to.equal(1);
    expect(token.stderr).to.contain(`Error in plugin sidechain-kit: [UNKNOWN_TOKEN] unknown token ${unknownToken} on the main chain`);

    // A contract that is no ERC20 (the bridge's messenger) is an unknown token too, not a raw revert.
    const messenger = devnet.deployments.main.contracts.Messenger!.address;
    const notToken = await hardhat(["bridge:deposit", "--amount", "1", "--token", messenger, "--deployment-dir", deploymentDir]);
    expect(notToken.status).to.equal(1);
    expect(notToken.stderr).to.contain(`Error in plugin sidechain-kit: [UNKNOWN_TOKEN] unknown token ${messenger} on the main chain: the contract at this address is not an ERC20 token`);

    // No --token: ETH, for bridge:withdraw as for bridge:deposit (and the CLI, and depositETH/withdrawETH).
    const tooMuch = await hardhat(["bridge:withdraw", "--amount", "5000", "--deployment-dir", deploymentDir]);
    expect(tooMuch.status).to.equal(1);
    expect(tooMuch.stderr).to.match(/\[INSUFFICIENT_BALANCE\] insufficient balance on the child chain .* ETH < 5000 ETH/);

    const badGas = await hardhat(["bridge:deposit", "--amount", "1", "--gas-limit", "0", "--deployment-dir", deploymentDir]);
    expect(badGas.status).to.equal(1);
    expect(badGas.stderr).to.contain("[INVALID_ARGUMENT]");
    expect(badGas.stderr).to.contain("gasLimit");

    // Nothing credited to the user: the claim is refused before any transaction.
    const claim = await hardhat(["bridge:claim", "--deployment-dir", deploymentDir]);
    expect(claim.status).to.equal(1);
    expect(claim.stderr).to.match(/Error in plugin sidechain-kit: \[INSUFFICIENT_CREDIT\] .*nothing to claim/);

    const noDir = await hardhat(["bridge:balances", "--deployment-dir", path.join(devnet.dir, "nowhere")]);
    expect(noDir.status).to.equal(1);
    expect(noDir.stderr).to.match(/\[INVALID_ARGUMENT\] --deployment-dir .*nowhere does not exist/);
  });

  it("takes the RPC URLs from the main and child networks when MAIN_RPC_URL / CHILD_RPC_URL are set", async function () {
    // A dead main URL proves the network entry, not the devnet's relayer.json, was used.
    const run = await hardhat(["bridge:balances", "--deployment-dir", deploymentDir], { MAIN_RPC_URL: "http://127.0.0.1:9", CHILD_RPC_URL: devnet.child.url });
    expect(run.status).to.equal(1);
    expect(run.stderr).to.contain("Error in plugin sidechain-kit");
  });
});
