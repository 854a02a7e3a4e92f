/**
 * The whole relayer in-process against two real `hardhat node` processes (test/e2e/harness.ts,
 * deployed with deploy/lib): an ETH deposit
 * main → child arrives as the child ETH token, a withdrawal child → main arrives, and a relayer
 * stopped mid-way and restarted on the same database duplicates nothing; a burst of a new token's
 * deposits in one block is relayed in source order, so the deposit that deploys the child token
 * is never overtaken by one that needs it.
 */
import { expect } from "chai";
import { join } from "node:path";
import { Contract, Wallet, parseEther } from "ethers";
import pino from "pino";

import { parseConfig, type Config } from "../../../relayer/src/config";
import { RelayerService } from "../../../relayer/src/service";
import { Store } from "../../../relayer/src/store";
import { deployed } from "../../e2e/handRelay";
import { deployDevnet, devAccount, makeTempDir, makeValidatorWallets, startHardhatNode, stopAllNodes, type Devnet, type RunningNode } from "../../e2e/harness";
import { deployArtifact, intervalMining, waitFor } from "../../e2e/relayerProcess";

const NATIVE_TOKEN = "0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE";
// Two validators, threshold 2: every checkpoint needs the separate validator service too.
const VALIDATORS = makeValidatorWallets(2, "relayer.integration validators");
const VALIDATOR_KEYS = VALIDATORS.map((v) => v.privateKey);
const log = pino({ level: process.env.RELAYER_TEST_LOG ?? "silent" });

describe("relayer service (two hardhat nodes)", function () {
  this.timeout(240_000);
  let main: RunningNode;
  let child: RunningNode;
  let devnet: Devnet;
  let dir: string;

  before(async () => {
    [main, child] = await Promise.all([startHardhatNode({ chainId: 31337 }), startHardhatNode({ chainId: 31338 })]);
    devnet = await deployDevnet(main, child, { validators: VALIDATORS, challengePeriod: 3, minBond: 10n ** 17n });
    // Automine stays on; a block every 500 ms lets confirmations advance without traffic.
    await Promise.all([intervalMining(main.provider, 500), intervalMining(child.provider, 500)]);
    dir = makeTempDir("relayer-integration");
  });

  after(stopAllNodes);

  async function config(overrides: { validatorKey: string; validatorPort: number; mode: "relayer" | "validator"; validatorUrls?: string[] }): Promise<Config> {
    const chain = (node: RunningNode, role: "main" | "child") => ({ rpcUrl: node.url, chainId: node.chainId, confirmations: 1, pollIntervalMs: 200, deployment: devnet.deployment.files[role] });
    return parseConfig({
      dbPath: join(dir, overrides.mode === "relayer" ? "relayer.sqlite" : "validator.sqlite"),
      chains: { main: chain(main, "main"), child: chain(child, "child") },
      rpc: { timeoutMs: 5_000, retries: 2, backoffMs: 100 },
      roles: {
        validator: { enabled: true, port: overrides.validatorPort },
        proposer: { enabled: true, maxBlocks: 32, maxWaitMs: 500, validatorUrls: overrides.validatorUrls ?? [] },
        executor: { enabled: true, maxAttempts: 20, retryBackoffMs: 500 },
      },
      tx: { receiptPollMs: 200, stuckTimeoutMs: 20_000 },
      api: { enabled: overrides.mode === "relayer", port: 0 },
      keys: { validator: overrides.validatorKey, proposer: devAccount(1).privateKey, executor: devAccount(1).privateKey },
    });
  }

  it("delivers a deposit and a withdrawal, and a restart duplicates nothing", async () => {
    // A second validator as a separate service (its own key and port), reached over HTTP.
    const validator = await RelayerService.start(await config({ validatorKey: VALIDATOR_KEYS[1], validatorPort: 0, mode: "validator" }), { mode: "validator", log });
    const validatorUrl = `http://127.0.0.1:${validator.ports.validator}`;
    const relayerConfig = await config({ validatorKey: VALIDATOR_KEYS[0], validatorPort: 0, mode: "relayer", validatorUrls: [validatorUrl] });
    let relayer = await RelayerService.start(relayerConfig, { log });

    const user = devAccount(2);
    const recipient = Wallet.createRandom().address;
    const rootBridge = deployed(devnet.deployment.main, "RootBridge", user.connect(main.provider));
    const deposit = await (await rootBridge.getFunction("depositETH")(user.address, { value: parseEther("2") })).wait();

    // Stop the relayer as soon as the deposit is checkpointed (before or around its relay) and restart it.
    await waitFor("deposit checkpointed", async () => {
      const s = Store.open(relayerConfig.dbPath);
      try {
        const m = s.messages.byTx(deposit!.hash)[0];
        return m !== undefined && m.status !== "sent";
      } finally {
        s.close();
      }
    });
    await relayer.stop();
    relayer = await RelayerService.start(relayerConfig, { log });

    const childBridge = deployed(devnet.deployment.child, "ChildBridge", user.connect(child.provider));
    const childToken = await waitFor("child ETH token", async () => {
      const token = (await childBridge.getFunction("childTokenOf")(NATIVE_TOKEN)) as string;
      return token === "0x0000000000000000000000000000000000000000" ? undefined : token;
    });
    const erc20 = new Contract(childToken, ["function balanceOf(address) view returns (uint256)"], child.provider);
    await waitFor("deposit minted", async () => (await erc20.getFunction("balanceOf")(user.address)) === parseEther("2"));

    const withdrawal = await (await childBridge.getFunction("withdraw")(childToken, recipient, parseEther("0.5"))).wait();
    await waitFor("withdrawal released", async () => (await main.provider.getBalance(recipient)) === parseEther("0.5"), 90_000);

    // Once relayed, the API reports it, and a proof is still served for self-relayers.
    const api = `http://127.0.0.1:${relayer.ports.api}`;
    const store = relayer.ctx.store;
    const withdrawalMessage = await waitFor("withdrawal recorded as relayed", async () => {
      const m = store.messages.byTx(withdrawal!.hash)[0];
      return m?.status === "relayed" ? m : undefined;
    });
    const status = (await (await fetch(`${api}/messages/${withdrawalMessage.id}`)).json()) as { status: string };
    expect(status.status).to.equal("relayed");
    const proof = (await (await fetch(`${api}/proof/${withdrawal!.hash}/${withdrawalMessage.logIndex}`)).json()) as { proof: { blockHash: string } };
    expect(proof.proof.blockHash).to.equal(withdrawalMessage.blockHash);
    const metrics = await (await fetch(`${api}/metrics`)).text();
    expect(metrics).to.match(/sidechain_messages\{lane="child->main",status="relayed"\} 1/);

    // Exactly once: one MessageRelayed per message on each destination, one relay intent each.
    for (const [node, role] of [[child, "child"], [main, "main"]] as const) {
      const messenger = deployed(devnet.deployment[role], "Messenger", node.provider);
      const relayedEvents = await messenger.queryFilter(messenger.filters.MessageRelayed(), 0, "latest");
      const ids = relayedEvents.map((e) => (e as unknown as { args: { messageId: string } }).args.messageId);
      expect(new Set(ids).size).to.equal(ids.length);
      expect(ids.length).to.equal(1);
    }
    const nonceClashes = store.db
      .prepare(`SELECT chain, nonce, COUNT(DISTINCT intent) AS intents FROM txs WHERE status != 'dropped' GROUP BY chain, signer, nonce HAVING intents > 1`)
      .all();
    expect(nonceClashes).to.deep.equal([]);
    const relayIntents = store.db.prepare(`SELECT intent, COUNT(*) AS n FROM txs WHERE intent LIKE 'relay:%' AND status = 'mined' GROUP BY intent`).all() as { n: number }[];
    expect(relayIntents.every((r) => r.n === 1)).to.equal(true);

    await relayer.stop();
    await validator.stop();
  });

  it("relays a burst of a new token's deposits in batches, in source order: the one deploying the child token is never overtaken", async () => {
    const validator = await RelayerService.start(await config({ validatorKey: VALIDATOR_KEYS[1], validatorPort: 0, mode: "validator" }), { mode: "validator", log });
    const relayerConfig = await config({ validatorKey: VALIDATOR_KEYS[0], validatorPort: 0, mode: "relayer", validatorUrls: [`http://127.0.0.1:${validator.ports.validator}`] });
    const relayer = await RelayerService.start(relayerConfig, { log });
    const childStart = await child.provider.getBlockNumber();

    const user = devAccount(3, main.provider);
    const token = await deployArtifact("test/TestERC20.sol", "TestERC20", user, ["Burst Token", "BRST", 18]);
    const rootBridge = deployed(devnet.deployment.main, "RootBridge", user);
    await (await token.getFunction("mint")(user.address, 1_000n)).wait();
    await (await token.getFunction("approve")(await rootBridge.getAddress(), 1_000n)).wait();

    // Eight deposits in one block: the first carries the token's metadata, the others need its child token.
    const BURST = 8;
    await main.provider.send("evm_setIntervalMining", [0]);
    await main.provider.send("evm_setAutomine", [false]);
    const nonce = await main.provider.getTransactionCount(user.address, "pending");
    const sent = [];
    for (let i = 0; i < BURST; i++) {
      sent.push(await rootBridge.getFunction("depositERC20")(await token.getAddress(), Wallet.createRandom().address, 10n, { nonce: nonce + i, gasLimit: 1_000_000 }));
    }
    await main.provider.send("evm_mine", []);
    await main.provider.send("evm_setAutomine", [true]);
    await intervalMining(main.provider, 500);
    const receipts = await Promise.all(sent.map((tx) => tx.wait()));
    expect(new Set(receipts.map((r) => r!.blockNumber)).size, "one block").to.equal(1);

    const childBridge = deployed(devnet.deployment.child, "ChildBridge", child.provider);
    const finalized = async () => (await childBridge.queryFilter(childBridge.filters.DepositFinalized(await token.getAddress()), childStart, "latest")).length;
    await waitFor(async () => `${BURST} deposits finalized on the child chain (now ${await finalized()})`, async () => (await finalized()) === BURST, 120_000);
    const childMessenger = deployed(devnet.deployment.child, "Messenger", child.provider);
    expect(await childMessenger.queryFilter(childMessenger.filters.MessageFailed(), childStart, "latest"), "no deposit overtook the token's first one").to.have.length(0);

    // Final together, they went in batches (relayMessages keeps their order inside one), and the
    // relay transactions took their nonces in the order the deposits were made.
    const store = relayer.ctx.store;
    const relayTxs = receipts.map((r) => store.messages.byTx(r!.hash)[0].relayTxHash!);
    expect(new Set(relayTxs).size, "batched").to.be.lessThan(BURST);
    const relayNonces = await Promise.all(relayTxs.map(async (hash) => (await child.provider.getTransaction(hash))!.nonce));
    expect(relayNonces).to.deep.equal([...relayNonces].sort((a, b) => a - b));
    expect(store.batches.pending("child"), "no batch left pending").to.have.length(0);

    // Idle lanes: a few seconds of blocks without messages bring no short checkpoint. Every
    // checkpoint of this test is either full (maxBlocks) or carries a message.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const cut = [...store.checkpoints.all("child"), ...store.checkpoints.all("main")];
    expect(cut.length).to.be.greaterThan(0);
    for (const cp of cut) {
      const source = cp.destination === "child" ? "main" : "child";
      const full = cp.endBlock - cp.startBlock + 1 === relayerConfig.roles.proposer.maxBlocks;
      const carries = store.messages.firstBlockWithMessage(source, cp.startBlock, cp.endBlock) !== undefined;
      expect(full || carries, `checkpoint ${cp.destination}#${cp.id} [${cp.startBlock}, ${cp.endBlock}] is full or carries a message`).to.equal(true);
    }

    await relayer.stop();
    await validator.stop();
  });
});
