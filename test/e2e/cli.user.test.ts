/**
 * The user commands of `sidechain` (deposit, withdraw, status, relay, claim, balances) as real processes
 * against one devnet started here, as a dapp team runs them: human output, --json output parsed,
 * and each bad input as one line on stderr with exit code 2 (1 for anything else). The devnet
 * and every process started are stopped in after().
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { ContractFactory, JsonRpcProvider, Wallet, parseEther, type Contract } from "ethers";

import { BRIDGE_STATUSES, BridgeClient } from "../../relayer/src";
import { startDevnet, type RunningDevnet } from "../../relayer/src/devnet/devnet";
import { REPO_ROOT, devAccount, makeTempDir } from "./harness";
import { buildCli, cleanEnv, expectBadInput, runCli, stopAllRelayers, type CliRun } from "./relayerProcess";

describe("sidechain user commands (real processes on a devnet)", function () {
  this.timeout(300_000);
  let devnet: RunningDevnet | undefined;
  let main: JsonRpcProvider;
  let child: JsonRpcProvider;
  let client: BridgeClient;
  let token: string;
  let ethDeposit: string;
  let tokenDeposit: string;
  const user = devAccount(3);

  /** `sidechain …` against the devnet (found through DEVNET_DIR, as after `npm run devnet`), no key in the environment. */
  function cli(...args: string[]): Promise<CliRun> {
    return runCli(args, cleanEnv({ DEVNET_DIR: devnet!.dir }), 90_000);
  }

  before(async function () {
    buildCli();
    // 15 s: room for the few CLI runs between a checkpoint and the refused relay; every withdrawal and
    // relayed deposit below waits it out once more.
    devnet = await startDevnet({ dir: path.join(makeTempDir("cli-user"), ".devnet"), challengePeriod: 15, blockTimeMs: 500 });
    main = new JsonRpcProvider(devnet.main.url, devnet.main.chainId, { staticNetwork: true, pollingInterval: 100, cacheTimeout: -1 });
    child = new JsonRpcProvider(devnet.child.url, devnet.child.chainId, { staticNetwork: true, pollingInterval: 100, cacheTimeout: -1 });
    // The test follows messages with the SDK (fast, in-process); the CLI is what is under test.
    client = new BridgeClient({ main, child, deployments: devnet.deployments });
    const artifact = JSON.parse(readFileSync(path.join(REPO_ROOT, "artifacts/contracts/test/TestERC20.sol/TestERC20.json"), "utf8")) as { abi: []; bytecode: string };
    const deployer = devAccount(4, main);
    const erc20 = (await new ContractFactory(artifact.abi, artifact.bytecode, deployer).deploy("Test Token", "TST", 6)) as Contract;
    await erc20.waitForDeployment();
    await (await erc20.mint(user.address, 10_000_000n)).wait();
    token = await erc20.getAddress();
  });

  after(async function () {
    await stopAllRelayers();
    main?.destroy();
    child?.destroy();
    const urls = devnet === undefined ? [] : [devnet.main.url, devnet.child.url, devnet.apiUrl];
    await devnet?.stop();
    for (const url of urls) {
      const answered = await fetch(url, { method: "POST", body: "{}", signal: AbortSignal.timeout(2_000) }).then(() => true, () => false);
      expect(answered, `${url} still answers after the devnet stopped`).to.equal(false);
    }
  });

  it("prints balances as text and as JSON, for the devnet's first user by default", async function () {
    const [text, json] = await Promise.all([cli("balances"), cli("balances", "--json")]);
    expect(text.code, text.stderr).to.equal(0);
    expect(text.stdout).to.contain(`balances of ${user.address}`);
    expect(text.stdout).to.match(/gas \(native\)\s+10000\s+10000/);
    expect(json.code, json.stderr).to.equal(0);
    const parsed = JSON.parse(json.stdout) as { command: string; address: string; native: { main: string; child: string }; tokens: unknown[] };
    expect(parsed).to.include({ command: "balances", address: user.address });
    expect(BigInt(parsed.native.main)).to.equal(parseEther("10000"));
  });

  it("deposits ETH (text) and an ERC20 (JSON), shows the status, and refuses to relay before the message is final", async function () {
    const [eth, erc20] = await Promise.all([cli("deposit", "--amount", "1.5"), cli("deposit", "--token", token, "--amount", "2.5", "--json", "--key", devAccount(5).privateKey)]);
    expect(eth.code, eth.stderr).to.equal(0);
    expect(eth.stdout).to.match(/^deposit sent: 1\.5 ETH from 0x90F79bf6EB2c4f870365E785982E1f101E93b906 on the main chain/);
    ethDeposit = eth.stdout.match(/transaction\s+(0x[0-9a-f]{64})/)![1];
    // Account 5 holds no TST: the ERC20 deposit is refused before sending.
    expectBadInput(erc20, /insufficient balance on the main chain for 0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc: 0 TST < 2\.5 TST/);

    const deposit = await cli("deposit", "--token", token, "--amount", "2.5", "--json");
    expect(deposit.code, deposit.stderr).to.equal(0);
    const sent = JSON.parse(deposit.stdout) as Record<string, string>;
    tokenDeposit = sent.txHash;
    expect(sent).to.include({ command: "deposit", direction: "main->child", symbol: "TST", amount: "2500000", token, to: user.address });
    expect(sent.messageId).to.match(/^0x[0-9a-f]{64}$/);

    const status = await cli("status", sent.txHash, "--json");
    expect(status.code, status.stderr).to.equal(0);
    const parsed = JSON.parse(status.stdout) as { status: string; messageId: string; direction: string };
    expect(BRIDGE_STATUSES).to.include(parsed.status);
    expect(parsed).to.include({ messageId: sent.messageId, direction: "main->child" });

    const window = await client.waitForStatus(ethDeposit, "challenge-window", { pollMs: 200, timeoutMs: 60_000 });
    expect(window.status).to.equal("challenge-window");
    const [relay, text] = await Promise.all([cli("relay", ethDeposit), cli("status", ethDeposit)]);
    expectBadInput(relay, /is not final yet: its checkpoint is in the challenge window, \d+ s left \(final at \d{4}-/);
    expect(text.code, text.stderr).to.equal(0);
    expect(text.stdout).to.match(/status: (challenge-window|ready|relayed)/);
  });

  it("reports relayed once the relayer delivered, and a self-relay then has nothing to do", async function () {
    await client.waitForStatus(ethDeposit, "relayed", { pollMs: 500, timeoutMs: 90_000 });
    const [status, relay] = await Promise.all([cli("status", ethDeposit, "--json"), cli("relay", ethDeposit, "--json")]);
    expect(JSON.parse(status.stdout)).to.include({ status: "relayed", txHash: ethDeposit });
    expect(relay.code, relay.stderr).to.equal(0);
    expect(JSON.parse(relay.stdout)).to.include({ command: "relay", outcome: "already-relayed", txHash: null });
  });

  it("withdraws ETH (the default, as for deposit) to another receiver (text) and the ERC20 by its root token (JSON), released on the main chain", async function () {
    const receiver = Wallet.createRandom().address;
    // One after the other: both send from the same account on the child chain (one nonce each).
    // No --token: ETH, as deposit without --token.
    const eth = await cli("withdraw", "--amount", "0.5", "--to", receiver, "--gas-limit", "300000");
    expect(eth.code, eth.stderr).to.equal(0);
    expect(eth.stdout).to.match(new RegExp(`^withdrawal sent: 0\\.5 ETH from ${user.address} on the child chain to ${receiver} on the main chain`));
    const withdrawal = eth.stdout.match(/transaction\s+(0x[0-9a-f]{64})/)![1];
    // The message carries the raised gas floor: abi.encode(gasLimit, data) in the MessageSent log.
    const messenger = devnet!.deployments.child.contracts.Messenger!.address.toLowerCase();
    const log = (await child.getTransactionReceipt(withdrawal))!.logs.find((l) => l.address.toLowerCase() === messenger)!;
    expect(BigInt(log.data.slice(0, 66))).to.equal(300_000n);

    await client.waitForStatus(tokenDeposit, "relayed", { pollMs: 500, timeoutMs: 90_000 });
    const erc20 = await cli("withdraw", "--token", token, "--amount", "1", "--json");
    expect(erc20.code, erc20.stderr).to.equal(0);
    expect(JSON.parse(erc20.stdout)).to.include({ command: "withdraw", direction: "child->main", rootToken: token, symbol: "TST", amount: "1000000" });

    await client.waitForStatus(withdrawal, "relayed", { pollMs: 500, timeoutMs: 90_000 });
    expect(await main.getBalance(receiver)).to.equal(parseEther("0.5"));
    const balances = await cli("balances", "--json");
    const tst = (JSON.parse(balances.stdout) as { tokens: { rootToken: string; child: string; main: string }[] }).tokens.find((t) => t.rootToken === token);
    expect(tst?.child).to.equal("1500000");
  });

  it("stops bad input with one line and exit code 2, and other failures with exit code 1", async function () {
    const deployments = path.join(devnet!.dir, "deployments");
    const transfer = await (await devAccount(6, main).sendTransaction({ to: Wallet.createRandom().address, value: 1n })).wait();
    const mainMessenger = devnet!.deployments.main.contracts.Messenger!.address;
    const childMessenger = devnet!.deployments.child.contracts.Messenger!.address;
    const runs = await Promise.all([
      cli("deposit", "--amount", "1", "--token", Wallet.createRandom().address),
      cli("withdraw", "--amount", "1", "--token", Wallet.createRandom().address),
      cli("deposit", "--amount", "1000000"),
      cli("withdraw", "--amount", "1000"),
      cli("balances", "--deployment-dir", deployments, "--main-rpc", devnet!.child.url, "--child-rpc", devnet!.main.url, user.address),
      cli("status", "0x1234"),
      cli("status", `0x${"ab".repeat(32)}`),
      cli("relay", transfer!.hash),
      cli("deposit", "--amount", "abc"),
      cli("balances", "--deployment-dir", deployments, "--main-rpc", "http://127.0.0.1:1", "--child-rpc", devnet!.child.url, user.address),
      cli("deposit", "--amount", "1", "--gas-limit", "0"),
      cli("claim", "--token", "ETH"),
    ]);
    expectBadInput(runs[0], /unknown token 0x[0-9a-fA-F]{40} on the main chain: no contract at this address/);
    expectBadInput(runs[1], /unknown token 0x[0-9a-fA-F]{40} on the child chain: neither a child token/);
    expectBadInput(runs[2], /insufficient balance on the main chain for 0x90F7.*: [\d.]+ ETH < 1000000 ETH/);
    expectBadInput(runs[3], /insufficient balance on the child chain for 0x90F7.*: [\d.]+ ETH < 1000 ETH/);
    expectBadInput(runs[4], /wrong network for the main chain: the provider is on chain id 31338, the deployment is for 31337/);
    expectBadInput(runs[5], /transaction hash 0x1234 is not a 0x-prefixed 32-byte hash/);
    expectBadInput(runs[6], /transaction 0x(ab){32} is on neither chain/);
    expectBadInput(runs[7], /no bridge message in transaction 0x[0-9a-f]{64} on the main chain: it emitted no MessageSent/);
    expectBadInput(runs[8], /--amount abc is not a positive decimal number/);
    expectBadInput(runs[9], /ECONNREFUSED|connect/, 1);
    expectBadInput(runs[10], /--gas-limit 0 is not an integer from 1 to 15000000/);
    expectBadInput(runs[11], /0x90F7.* has 0 of 0x[Ee]{4}.* credited by the root bridge: nothing to claim/);

    // A contract that is no ERC20 (the bridge's own messenger) is an unknown token too, not a raw revert.
    const [notTokenDeposit, notTokenWithdrawal, rootMessengerWithdrawal] = await Promise.all([
      cli("deposit", "--amount", "1.5", "--token", mainMessenger),
      cli("withdraw", "--amount", "1", "--token", childMessenger),
      cli("withdraw", "--amount", "1", "--token", mainMessenger),
    ]);
    expectBadInput(notTokenDeposit, new RegExp(`unknown token ${mainMessenger} on the main chain: the contract at this address is not an ERC20 token \\(balanceOf reverted\\)`));
    expectBadInput(notTokenWithdrawal, new RegExp(`unknown token ${childMessenger} on the child chain: neither a child token`));
    expectBadInput(rootMessengerWithdrawal, new RegExp(`unknown token ${mainMessenger} on the child chain: neither a child token`));
  });
});
