/**
 * The SDK against a real devnet (two Hardhat nodes, four validators, a relayer with all roles,
 * as `npm run devnet` runs them): deposits and withdrawals through every status to "relayed", a
 * self-relay racing the relayer's executor, balances, and each typed error, checked to be thrown
 * before anything is sent.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { Contract, ContractFactory, JsonRpcProvider, Wallet, parseEther } from "ethers";

import {
  BRIDGE_STATUSES,
  BridgeClient,
  InsufficientAllowanceError,
  InsufficientBalanceError,
  InvalidArgumentError,
  MessageNotFoundError,
  NATIVE_TOKEN,
  NoSignerError,
  NotYetFinalError,
  RelayerError,
  TransactionNotFoundError,
  UnknownTokenError,
  WrongNetworkError,
  type BridgeMessageStatus,
  type BridgeStatus,
  type BridgeTransfer,
} from "../../relayer/src";
import { startDevnet, type RunningDevnet } from "../../relayer/src/devnet/devnet";
import { REPO_ROOT, devAccount, makeTempDir } from "../e2e/harness";

const ORDER: Record<BridgeStatus, number> = { sent: 0, checkpointed: 1, "challenge-window": 2, ready: 3, queued: 4, relayed: 5, failed: 5 };
const MESSAGE_RELAYED = "event MessageRelayed(bytes32 indexed messageId, uint256 indexed nonce, address indexed target)";

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

function expectTyped<T extends RelayerError>(error: unknown, type: new (...args: never[]) => T, code: string, retryable: boolean): T {
  expect(error, String(error)).to.be.instanceOf(type);
  expect(error).to.be.instanceOf(RelayerError);
  expect((error as T).code).to.equal(code);
  expect((error as T).retryable).to.equal(retryable);
  return error as T;
}

describe("BridgeClient (SDK) on a devnet", function () {
  this.timeout(300_000);
  let devnet: RunningDevnet | undefined;
  let main: JsonRpcProvider;
  let child: JsonRpcProvider;
  let client: BridgeClient;
  let user: Wallet;
  let token: Contract;
  let ethDeposit: BridgeTransfer;
  let tokenDeposit: BridgeTransfer;
  const receiver = Wallet.createRandom().address;

  before(async function () {
    devnet = await startDevnet({ dir: makeTempDir("sdk"), challengePeriod: 6, blockTimeMs: 500 });
    main = new JsonRpcProvider(devnet.main.url, devnet.main.chainId, { staticNetwork: true, pollingInterval: 100, cacheTimeout: -1 });
    child = new JsonRpcProvider(devnet.child.url, devnet.child.chainId, { staticNetwork: true, pollingInterval: 100, cacheTimeout: -1 });
    user = devAccount(3, main);
    client = new BridgeClient({ main: user, child: devAccount(3, child), deployments: devnet.deployments, apiUrl: devnet.apiUrl });
    const artifact = JSON.parse(readFileSync(path.join(REPO_ROOT, "artifacts/contracts/test/TestERC20.sol/TestERC20.json"), "utf8")) as { abi: []; bytecode: string };
    token = (await new ContractFactory(artifact.abi, artifact.bytecode, user).deploy("Test Token", "TST", 6)) as Contract;
    await token.waitForDeployment();
    await (await token.mint(user.address, 5_000_000n)).wait();
  });

  after(async function () {
    client?.close();
    main?.destroy();
    child?.destroy();
    await devnet?.stop();
  });

  describe("typed errors, before anything is sent", function () {
    let nonces: [number, number];
    before(async function () {
      nonces = [await main.getTransactionCount(user.address), await child.getTransactionCount(user.address)];
    });
    after(async function () {
      // Not one transaction was sent by a call that threw.
      expect([await main.getTransactionCount(user.address), await child.getTransactionCount(user.address)]).to.deep.equal(nonces);
    });

    it("rejects providers on the wrong chains with WrongNetworkError", async function () {
      const swapped = new BridgeClient({ main: child, child: main, deployments: devnet!.deployments });
      const error = expectTyped(await rejection(swapped.balances(user.address)), WrongNetworkError, "WRONG_NETWORK", false);
      expect(error.chain).to.equal("main");
      expect(error.expectedChainId).to.equal(31337n);
      expect(error.actualChainId).to.equal(31338n);
    });

    it("rejects a deposit of an address without code and a withdrawal of an unmapped or foreign token with UnknownTokenError", async function () {
      expectTyped(await rejection(client.deposit(Wallet.createRandom().address, 1n)), UnknownTokenError, "UNKNOWN_TOKEN", false);
      const unmapped = expectTyped(await rejection(client.withdraw(await token.getAddress(), 1n)), UnknownTokenError, "UNKNOWN_TOKEN", false);
      expect(unmapped.message).to.match(/neither a child token .* nor a root token/);
      expectTyped(await rejection(client.withdraw(Wallet.createRandom().address, 1n)), UnknownTokenError, "UNKNOWN_TOKEN", false);
    });

    it("rejects a contract that is not an ERC20 (the bridge's messengers) as the token with UnknownTokenError, on both chains", async function () {
      const mainMessenger = devnet!.deployments.main.contracts.Messenger!.address;
      const childMessenger = devnet!.deployments.child.contracts.Messenger!.address;
      const notErc20 = /is not an ERC20 token \(balanceOf reverted\)/;
      const deposit = expectTyped(await rejection(client.deposit(mainMessenger, 1n)), UnknownTokenError, "UNKNOWN_TOKEN", false);
      expect(deposit.message).to.match(notErc20);
      expect(deposit.chain).to.equal("main");
      expect(deposit.token).to.equal(mainMessenger);
      expect(expectTyped(await rejection(client.getTokenInfo(mainMessenger, "main")), UnknownTokenError, "UNKNOWN_TOKEN", false).message).to.match(notErc20);
      expect(expectTyped(await rejection(client.getTokenInfo(childMessenger, "child")), UnknownTokenError, "UNKNOWN_TOKEN", false).message).to.match(notErc20);
      for (const token of [mainMessenger, childMessenger]) {
        expect(expectTyped(await rejection(client.withdraw(token, 1n)), UnknownTokenError, "UNKNOWN_TOKEN", false).message).to.match(/neither a child token/);
      }
    });

    it("rejects amounts above the balance with InsufficientBalanceError, in token units", async function () {
      const eth = expectTyped(await rejection(client.depositETH(parseEther("1000000"))), InsufficientBalanceError, "INSUFFICIENT_BALANCE", false);
      expect(eth.required).to.equal(parseEther("1000000"));
      expect(eth.message).to.contain("< 1000000 ETH");
      const erc20 = expectTyped(await rejection(client.deposit(await token.getAddress(), 5_000_001n)), InsufficientBalanceError, "INSUFFICIENT_BALANCE", false);
      expect(erc20.message).to.contain("5 TST < 5.000001 TST");
    });

    it("rejects a deposit without allowance when told not to approve", async function () {
      expectTyped(await rejection(client.deposit(await token.getAddress(), 1n, { approve: false })), InsufficientAllowanceError, "INSUFFICIENT_ALLOWANCE", false);
    });

    it("rejects writes without a signer, bad hashes, unknown transactions and transactions without a message", async function () {
      const readOnly = new BridgeClient({ main, child, deployments: devnet!.deployments });
      expectTyped(await rejection(readOnly.depositETH(1n)), NoSignerError, "NO_SIGNER", false);
      expectTyped(await rejection(client.getMessageStatus("0x1234")), InvalidArgumentError, "INVALID_ARGUMENT", false);
      expectTyped(await rejection(client.getMessageStatus(`0x${"ab".repeat(32)}`)), TransactionNotFoundError, "TX_NOT_FOUND", true);
      // A plain transfer, from another account so that the nonce check above stays exact.
      const other = devAccount(4, main);
      const transfer = await (await other.sendTransaction({ to: receiver, value: 1n })).wait();
      const error = expectTyped(await rejection(client.relay(transfer!.hash)), MessageNotFoundError, "MESSAGE_NOT_FOUND", false);
      expect(error.chain).to.equal("main");
    });
  });

  describe("a round trip", function () {
    it("deposits ETH and an ERC20 (approving it) with the message id the bridge emitted", async function () {
      ethDeposit = await client.depositETH(parseEther("1"));
      expect(ethDeposit.direction).to.equal("main->child");
      const receipt = await main.getTransactionReceipt(ethDeposit.txHash);
      const bridge = new Contract(devnet!.deployments.main.contracts.RootBridge!.address, ["event DepositInitiated(address indexed rootToken, address indexed from, address indexed to, uint256 amount, bytes32 messageId)"], main);
      const emitted = receipt!.logs.map((log) => bridge.interface.parseLog(log)).find((e) => e?.name === "DepositInitiated");
      expect(emitted?.args.messageId).to.equal(ethDeposit.messageId);

      expect((await client.getMessageStatus(ethDeposit.txHash)).status).to.equal("sent");
      const early = expectTyped(await rejection(client.relay(ethDeposit.txHash)), NotYetFinalError, "NOT_YET_FINAL", true);
      expect(early.status).to.equal("sent");

      tokenDeposit = await client.deposit(await token.getAddress(), 1_000_000n);
      expect(tokenDeposit.direction).to.equal("main->child");
    });

    it("goes through the statuses in order until relayed", async function () {
      for (const transfer of [ethDeposit, tokenDeposit]) {
        const seen: BridgeMessageStatus[] = [];
        const final = await client.waitForStatus(transfer.txHash, "relayed", { pollMs: 200, timeoutMs: 120_000, onProgress: (s) => seen.push(s) });
        expect(final.status).to.equal("relayed");
        for (const s of seen) expect(BRIDGE_STATUSES).to.include(s.status);
        const ranks = seen.map((s) => ORDER[s.status]);
        expect(ranks).to.deep.equal([...ranks].sort((a, b) => a - b), `statuses out of order: ${seen.map((s) => s.status).join(" → ")}`);
        const window = seen.find((s) => s.status === "challenge-window");
        if (window?.status === "challenge-window") {
          expect(window.secondsLeft).to.be.within(0, 6);
          expect(window.finalizesAt).to.be.greaterThan(0);
        }
      }
    });

    it("reports balances on both sides, child tokens included", async function () {
      const balances = await client.balances();
      expect(balances.address).to.equal(user.address);
      const eth = balances.tokens.find((t) => t.rootToken === NATIVE_TOKEN);
      expect(eth?.child).to.equal(parseEther("1"));
      expect(eth?.childToken).to.match(/^0x[0-9a-fA-F]{40}$/);
      const tst = balances.tokens.find((t) => t.rootToken === (token.target as string));
      expect(tst).to.include({ symbol: "TST", decimals: 6, main: 4_000_000n, child: 1_000_000n });
      expect(balances.native.main > 0n && balances.native.child > 0n).to.equal(true);
    });

    it("withdraws, refuses to relay inside the challenge window, then self-relays exactly once while the relayer races", async function () {
      // withdrawETH is depositETH's twin: withdraw(NATIVE_TOKEN, …) under its own name.
      const withdrawal = await client.withdrawETH(parseEther("0.4"), { to: receiver });
      expect(withdrawal.direction).to.equal("child->main");

      const inWindow = await client.waitForStatus(withdrawal.txHash, "challenge-window", { pollMs: 100, timeoutMs: 120_000 });
      if (inWindow.status === "challenge-window") {
        const error = expectTyped(await rejection(client.relay(withdrawal.txHash)), NotYetFinalError, "NOT_YET_FINAL", true);
        expect(error.status).to.equal("challenge-window");
        expect(error.secondsLeft).to.be.within(0, 6);
        expect(error.message).to.match(/\d+ s left/);
      }
      await client.waitForStatus(withdrawal.txHash, "ready", { pollMs: 100, timeoutMs: 60_000 });
      const relayed = await client.relay(withdrawal.txHash);
      expect(["relayed", "already-relayed"]).to.include(relayed.outcome);
      await client.waitForStatus(withdrawal.txHash, "relayed", { pollMs: 200, timeoutMs: 60_000 });

      const messenger = new Contract(devnet!.deployments.main.contracts.Messenger!.address, [MESSAGE_RELAYED], main);
      const relays = await main.getLogs({ address: messenger.target as string, topics: [messenger.interface.getEvent("MessageRelayed")!.topicHash, withdrawal.messageId], fromBlock: 0 });
      expect(relays).to.have.length(1);
      expect(await main.getBalance(receiver)).to.equal(parseEther("0.4") + 1n);
      expect((await client.relay(withdrawal.txHash)).outcome).to.equal("already-relayed");
    });

    it("withdraws an ERC20 named by its root token and builds the same proof from the API and from the chain", async function () {
      const withdrawal = await client.withdraw(await token.getAddress(), 400_000n);
      await client.waitForStatus(withdrawal.txHash, "relayed", { pollMs: 200, timeoutMs: 120_000 });
      expect(await token.balanceOf(user.address)).to.equal(4_400_000n);

      const chainOnly = new BridgeClient({ main, child, deployments: devnet!.deployments });
      const [fromApi, fromChain] = await Promise.all([client.buildRelayProof(withdrawal.txHash), chainOnly.buildRelayProof(withdrawal.txHash)]);
      expect(fromApi.source).to.equal("api");
      expect(fromChain.source).to.equal("chain");
      expect(fromApi.proof).to.deep.equal(fromChain.proof);
      expect(fromApi.messageId).to.equal(withdrawal.messageId);
    });
  });
});
