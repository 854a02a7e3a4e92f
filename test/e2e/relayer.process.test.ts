/**
 * The relayer as real processes between two real Hardhat nodes (main 31337, child 31338):
 * `sidechain relayer` (in-process validator key 0, proposer, executor, API) and two
 * `sidechain validator` processes (keys 1 and 2; the threshold of 3 out of 4 needs both), with
 * a config file in a temp dir and the keys in the environment. The tests share the nodes, the
 * deployment and the relayer's SQLite file, in order:
 *  1. ETH and ERC20 deposits and withdrawals, balances and the lockbox invariant;
 *  2. a user relays a withdrawal with the proof from the API while the executor is off; the
 *     relayer sees it relayed and never relays it again;
 *  3. the relayer SIGKILLs itself (SIDECHAIN_CRASH_POINT) between recording a signed relay and
 *     broadcasting it, then right after broadcasting: restarted, it resumes that very
 *     transaction, and the message is relayed once;
 *  4. the same for a batch relay (relayMessages): its members are relayed once, never alone;
 *  5. a stream of 56 messages both ways while the relayer is SIGKILLed at seeded random
 *     moments: every message is relayed exactly once, and the relayer's signers never used a
 *     nonce for two different transactions.
 */
import { expect } from "chai";
import { Contract, Interface, Wallet, hexlify, toUtf8Bytes, type TransactionReceipt } from "ethers";

import { Store } from "../../relayer/src/store";
import { deployDevnet, devAccount, makeTempDir, sleep, startHardhatNode, stopAllNodes, type Devnet, type RunningNode } from "./harness";
import {
  apiGet,
  buildCli,
  cleanEnv,
  deployArtifact,
  intervalMining,
  messageStatus,
  roundTrip,
  runCli,
  seededRandom,
  startBridge,
  stopAllRelayers,
  waitFor,
  type BridgeProcesses,
} from "./relayerProcess";

const MESSENGER_ABI = new Interface([
  "event MessageSent(uint256 indexed nonce, address indexed sender, address indexed target, uint256 gasLimit, bytes data)",
  "event MessageRelayed(bytes32 indexed messageId, uint256 indexed nonce, address indexed target)",
  "function sendMessage(address target, bytes data, uint256 gasLimit) returns (bytes32)",
  "function relayMessage((uint256 checkpointId, uint256 blockNumber, bytes32 blockHash, bytes32 receiptsRoot, bytes32[] blockProof, bytes receiptKey, bytes[] receiptProof, uint256 logIndex) proof) returns (bytes32)",
  "function incomingMessageId((uint256 nonce, address sender, address target, uint256 gasLimit, bytes data) message) view returns (bytes32)",
]);
const CHILD_BRIDGE_ABI = ["function withdraw(address childToken, address to, uint256 amount) returns (bytes32)"];
const SEED = Number(process.env.E2E_SEED ?? 20_260_101);

describe("relayer processes (two Hardhat nodes)", function () {
  this.timeout(300_000); // ~40 s each on an idle 2-core machine; margins for a loaded one
  let main: RunningNode;
  let child: RunningNode;
  let devnet: Devnet;
  let bridge: BridgeProcesses;
  let user: { main: Wallet; child: Wallet };
  let childEthToken: string;

  before(async function () {
    buildCli();
    [main, child] = await Promise.all([startHardhatNode({ chainId: 31337 }), startHardhatNode({ chainId: 31338 })]);
    devnet = await deployDevnet(main, child, { challengePeriod: 2 });
    await Promise.all([intervalMining(main.provider, 300), intervalMining(child.provider, 300)]);
    bridge = await startBridge(devnet, makeTempDir("relayer-process"), { proposer: devAccount(1).privateKey, executor: devAccount(2).privateKey });
    user = { main: devAccount(5, main.provider), child: devAccount(5, child.provider) };
  });
  after(async function () {
    await stopAllRelayers();
    await stopAllNodes();
  });
  afterEach(function () {
    if (this.currentTest?.state === "failed" && bridge !== undefined) {
      console.log(`--- relayer output:\n${bridge.relayer.output(60)}\n--- validator1:\n${bridge.validators[0].output(10)}`);
    }
  });

  it("carries ETH and ERC20 deposits to the child and withdrawals back; lockbox == child supply", async function () {
    const result = await roundTrip(devnet, () => bridge.apiPort, user, expect);
    childEthToken = await result.childEth.getAddress();
    const metrics = (await apiGet<string>(bridge.apiPort, "/metrics")).body;
    expect(metrics).to.match(/sidechain_messages\{lane="main->child",status="relayed"\} 2/);
    expect(metrics).to.match(/sidechain_messages\{lane="child->main",status="relayed"\} 2/);
  });

  it("lets a user relay a withdrawal with the proof from the API; the relayer then sees it relayed", async function () {
    // This run without the executor: the relayer watches, checkpoints and serves proofs only.
    expect((await bridge.relayer.stop()).code).to.equal(0); // graceful SIGTERM exits 0
    const noExecutor = bridge.writeConfig("relayer-no-executor.json", { executor: false });
    await bridge.restart(noExecutor);

    const recipient = devAccount(7).address;
    const before = await main.provider.getBalance(recipient);
    const childBridge = new Contract(devnet.deployment.child.contracts.ChildBridge!.address, CHILD_BRIDGE_ABI, user.child);
    const receipt = (await (await childBridge.getFunction("withdraw")(childEthToken, recipient, 10n ** 17n)).wait()) as TransactionReceipt;
    const childMessenger = devnet.deployment.child.contracts.Messenger!.address.toLowerCase();
    const sentLog = receipt.logs.find((l) => l.address.toLowerCase() === childMessenger && l.topics[0] === MESSENGER_ABI.getEvent("MessageSent")!.topicHash)!;
    const mainMessenger = new Contract(devnet.deployment.main.contracts.Messenger!.address, MESSENGER_ABI, user.main);
    const sent = MESSENGER_ABI.parseLog(sentLog)!;
    const id = ((await mainMessenger.getFunction("incomingMessageId")([sent.args.nonce, sent.args.sender, sent.args.target, sent.args.gasLimit, sent.args.data])) as string).toLowerCase();

    await waitFor(async () => `message ${id} final (now ${await messageStatus(bridge.apiPort, id).catch(() => "?")})`, async () => (await messageStatus(bridge.apiPort, id)) === "final", 120_000);
    const { status, body } = await apiGet<{ messageId: string; proof: Record<string, unknown> }>(bridge.apiPort, `/proof/${receipt.hash}/${sentLog.index}`);
    expect(status, JSON.stringify(body)).to.equal(200);
    expect(body.messageId).to.equal(id);
    // The CLI builds the same proof from the chains alone, without the relayer's database.
    const cli = await runCli(["proof", "--config", noExecutor, "--tx", receipt.hash, "--log-index", String(sentLog.index)], cleanEnv(), 30_000);
    expect(cli.code, cli.stderr).to.equal(0);
    expect(JSON.parse(cli.stdout)).to.deep.include({ source: "child", destination: "main", proof: body.proof });
    const relay = (await (await mainMessenger.getFunction("relayMessage")(body.proof)).wait())!;
    expect(relay.status).to.equal(1);
    expect(await main.provider.getBalance(recipient)).to.equal(before + 10n ** 17n);

    await waitFor("the relayer to record the self-relayed message as relayed", async () => (await messageStatus(bridge.apiPort, id)) === "relayed", 20_000);
    // Back to the full relayer: it must not relay the message a second time.
    await bridge.relayer.kill();
    await bridge.restart();
    await sleep(2_000);
    const relayed = await mainMessenger.queryFilter(mainMessenger.filters.MessageRelayed(id), 0, "latest");
    expect(relayed).to.have.length(1);
    expect(relayed[0].transactionHash).to.equal(relay.hash);
    expect(await messageStatus(bridge.apiPort, id)).to.equal("relayed");
  });

  it("resumes the recorded relay after a SIGKILL between signing and broadcasting, and right after: one relay each", async function () {
    const rootBridge = new Contract(devnet.deployment.main.contracts.RootBridge!.address, ["function depositETH(address to) payable returns (bytes32)"], user.main);
    const mainMessenger = devnet.deployment.main.contracts.Messenger!.address.toLowerCase();
    const childMessenger = new Contract(devnet.deployment.child.contracts.Messenger!.address, MESSENGER_ABI, child.provider);
    const executor = new Wallet(bridge.keys.executor!).address.toLowerCase();
    for (const point of ["after-record", "after-broadcast"] as const) {
      await bridge.relayer.stop();
      await bridge.restart(undefined, { SIDECHAIN_CRASH_POINT: `${point}:relay:` });
      const crashing = bridge.relayer;
      const receipt = (await (await rootBridge.getFunction("depositETH")(Wallet.createRandom().address, { value: 1_000n })).wait()) as TransactionReceipt;
      const sent = MESSENGER_ABI.parseLog(receipt.logs.find((l) => l.address.toLowerCase() === mainMessenger && l.topics[0] === MESSENGER_ABI.getEvent("MessageSent")!.topicHash)!)!;
      const id = ((await childMessenger.getFunction("incomingMessageId")([sent.args.nonce, sent.args.sender, sent.args.target, sent.args.gasLimit, sent.args.data])) as string).toLowerCase();

      const exit = await waitFor(`the relayer to kill itself ${point}`, () => crashing.exitStatus, 120_000);
      expect(exit.signal, crashing.output(20)).to.equal("SIGKILL");
      let recorded;
      const store = Store.open(bridge.dbPath);
      try {
        recorded = store.txs.latestForIntent("child", `relay:${id}`)!;
        expect(recorded, `a relay of ${id} is recorded`).to.not.equal(undefined);
        expect(recorded.status).to.equal("pending");
      } finally {
        store.close();
      }
      const onChain = await child.provider.getTransaction(recorded.hash);
      if (point === "after-record") expect(onChain, "killed before broadcasting: the node never saw it").to.equal(null);
      else expect(onChain, "killed after broadcasting: the node has it").to.not.equal(null);

      await bridge.restart();
      await waitFor(async () => `message ${id} relayed (now ${await messageStatus(bridge.apiPort, id).catch(() => "?")})`, async () => (await messageStatus(bridge.apiPort, id)) === "relayed", 120_000);
      const relayed = await childMessenger.queryFilter(childMessenger.filters.MessageRelayed(id), 0, "latest");
      expect(relayed, `${point}: relays of ${id}`).to.have.length(1);
      const after = Store.open(bridge.dbPath);
      try {
        // The mined relay is the recorded transaction (or its fee bump at the same nonce), never a second signing.
        const attempts = after.txs.atNonce("child", executor, recorded.nonce);
        expect(attempts.map((t) => t.hash)).to.include(relayed[0].transactionHash.toLowerCase());
        expect(new Set(attempts.map((t) => t.intent))).to.deep.equal(new Set([`relay:${id}`]));
      } finally {
        after.close();
      }
    }
  });

  it("resumes a recorded batch relay after a SIGKILL before and after broadcasting: its members relayed once, never alone", async function () {
    const rootBridge = new Contract(devnet.deployment.main.contracts.RootBridge!.address, ["function depositETH(address to) payable returns (bytes32)"], user.main);
    const mainMessenger = devnet.deployment.main.contracts.Messenger!.address.toLowerCase();
    const childMessenger = new Contract(devnet.deployment.child.contracts.Messenger!.address, MESSENGER_ABI, child.provider);
    const sentTopic = MESSENGER_ABI.getEvent("MessageSent")!.topicHash;
    for (const point of ["after-record", "after-broadcast"] as const) {
      await bridge.relayer.stop();
      await bridge.restart(undefined, { SIDECHAIN_CRASH_POINT: `${point}:batch:` });
      const crashing = bridge.relayer;
      // Three deposits in one block: one checkpoint commits them, so they are final together. Sent
      // one after another with automining off: sent at once, a later nonce can reach the node first,
      // which an automining node refuses ("Nonce too high").
      const nonce = await main.provider.getTransactionCount(user.main.address, "pending");
      await main.provider.send("evm_setAutomine", [false]);
      const txs = [];
      try {
        for (const i of [0, 1, 2]) txs.push(await rootBridge.getFunction("depositETH")(Wallet.createRandom().address, { value: 1_000n, nonce: nonce + i }));
        await main.provider.send("evm_mine", []);
      } finally {
        await main.provider.send("evm_setAutomine", [true]);
      }
      const ids: string[] = [];
      for (const tx of txs) {
        const receipt = (await tx.wait()) as TransactionReceipt;
        const sent = MESSENGER_ABI.parseLog(receipt.logs.find((l) => l.address.toLowerCase() === mainMessenger && l.topics[0] === sentTopic)!)!;
        ids.push(((await childMessenger.getFunction("incomingMessageId")([sent.args.nonce, sent.args.sender, sent.args.target, sent.args.gasLimit, sent.args.data])) as string).toLowerCase());
      }
      const exit = await waitFor(`the relayer to kill itself ${point} a batch`, () => crashing.exitStatus, 120_000);
      expect(exit.signal, crashing.output(20)).to.equal("SIGKILL");
      let batchIntent: string;
      const store = Store.open(bridge.dbPath);
      try {
        const [pending] = store.batches.pending("child");
        expect(pending, "the batch is recorded").to.not.equal(undefined);
        batchIntent = `batch:${pending.id}`;
        expect(store.txs.latestForIntent("child", batchIntent)?.status, "its transaction is recorded").to.equal("pending");
        for (const id of pending.members) expect(store.txs.latestForIntent("child", `relay:${id}`), `${id} never relayed alone`).to.equal(undefined);
      } finally {
        store.close();
      }

      await bridge.restart();
      for (const id of ids) {
        await waitFor(async () => `message ${id} relayed (now ${await messageStatus(bridge.apiPort, id).catch(() => "?")})`, async () => (await messageStatus(bridge.apiPort, id)) === "relayed", 120_000);
        expect(await childMessenger.queryFilter(childMessenger.filters.MessageRelayed(id), 0, "latest"), `${point}: relays of ${id}`).to.have.length(1);
      }
      const after = Store.open(bridge.dbPath);
      try {
        expect(after.batches.pending("child"), "the batch settled").to.have.length(0);
        expect(after.txs.latestForIntent("child", batchIntent)?.status).to.equal("mined");
      } finally {
        after.close();
      }
    }
  });

  it("relays a stream of 56 messages exactly once while the relayer is SIGKILLed at random moments", async function () {
    const random = seededRandom(SEED);
    const PER_DIRECTION = 28;
    const sender = { main: devAccount(6, main.provider), child: devAccount(6, child.provider) };
    // A receiver on each chain, called by that chain's messenger.
    const receivers = {
      main: await deployArtifact("test/MessageReceiver.sol", "MessageReceiver", sender.main, [devnet.deployment.main.contracts.Messenger!.address]),
      child: await deployArtifact("test/MessageReceiver.sol", "MessageReceiver", sender.child, [devnet.deployment.child.contracts.Messenger!.address]),
    };
    const messengers = {
      main: new Contract(devnet.deployment.main.contracts.Messenger!.address, MESSENGER_ABI, sender.main),
      child: new Contract(devnet.deployment.child.contracts.Messenger!.address, MESSENGER_ABI, sender.child),
    };
    const startBlocks = { main: await main.provider.getBlockNumber(), child: await child.provider.getBlockNumber() };
    const receiveData = (i: number) => receivers.main.interface.encodeFunctionData("receiveMessage", [hexlify(toUtf8Bytes(`message ${i}`))]);

    // Sends: one message each way per round, spaced randomly.
    let sending = true;
    const sends = (async () => {
      for (let i = 0; i < PER_DIRECTION; i++) {
        await Promise.all([
          (await messengers.main.getFunction("sendMessage")(await receivers.child.getAddress(), receiveData(i), 150_000)).wait(),
          (await messengers.child.getFunction("sendMessage")(await receivers.main.getAddress(), receiveData(i), 150_000)).wait(),
        ]);
        await sleep(Math.floor(random() * 400));
      }
      sending = false;
    })();

    // Kills: at least 3 SIGKILLs, at random moments 0.5-4 s after each (re)start, and more while messages are still coming.
    const kills: number[] = [];
    while (kills.length < 3 || (sending && kills.length < 8)) {
      const delay = 500 + Math.floor(random() * 3_500);
      await sleep(delay);
      await bridge.relayer.kill();
      kills.push(delay);
      await sleep(Math.floor(random() * 500));
      await bridge.restart();
    }
    await sends;
    console.log(`      seed ${SEED}: SIGKILLed ${kills.length} times, ${kills.join(", ")} ms after each start`);

    const calls = async (c: Contract) => Number((await c.getFunction("calls")()) as bigint);
    await waitFor(async () => `receivers to get ${PER_DIRECTION} calls each (main ${await calls(receivers.main)}, child ${await calls(receivers.child)})`,
      async () => (await calls(receivers.main)) === PER_DIRECTION && (await calls(receivers.child)) === PER_DIRECTION, 180_000, 500);

    // Exactly once, by message id: one MessageRelayed per sent message on its destination, and nothing else to the receivers.
    for (const [source, destination] of [["main", "child"], ["child", "main"]] as const) {
      const sentLogs = await messengers[source].queryFilter(messengers[source].filters.MessageSent(null, sender[source].address), startBlocks[source], "latest");
      expect(sentLogs).to.have.length(PER_DIRECTION);
      const ids = await Promise.all(
        sentLogs.map(async (l) => {
          const a = MESSENGER_ABI.parseLog(l)!.args;
          return ((await messengers[destination].getFunction("incomingMessageId")([a.nonce, a.sender, a.target, a.gasLimit, a.data])) as string).toLowerCase();
        }),
      );
      const relayed = await messengers[destination].queryFilter(messengers[destination].filters.MessageRelayed(null, null, await receivers[destination].getAddress()), startBlocks[destination], "latest");
      const counts = new Map<string, number>();
      for (const e of relayed) counts.set(e.topics[1].toLowerCase(), (counts.get(e.topics[1].toLowerCase()) ?? 0) + 1);
      expect(relayed, `${source}->${destination}`).to.have.length(PER_DIRECTION);
      for (const id of ids) expect(counts.get(id), `MessageRelayed count of ${id}`).to.equal(1);
    }
    expect(await calls(receivers.main)).to.equal(PER_DIRECTION);
    expect(await calls(receivers.child)).to.equal(PER_DIRECTION);
    await waitFor("the API to show every message relayed", async () => {
      const { body } = await apiGet<{ messages: Record<string, Record<string, number>> }>(bridge.apiPort, "/status");
      return Object.values(body.messages).every((byStatus) => Object.keys(byStatus).every((s) => s === "relayed"));
    }, 20_000);

    // Nonces: for every nonce the relayer's signers used on chain, exactly one recorded
    // transaction is mined, and every recorded attempt at that nonce does the same thing.
    expect((await bridge.relayer.stop()).code).to.equal(0);
    const store = Store.open(bridge.dbPath);
    try {
      for (const [name, node] of [["main", main], ["child", child]] as const) {
        for (const key of [bridge.keys.proposer!, bridge.keys.executor!]) {
          const address = new Wallet(key).address.toLowerCase();
          const used = await node.provider.getTransactionCount(address, "latest");
          expect(used, `${name} ${address} sent transactions`).to.be.greaterThan(0);
          for (let nonce = 0; nonce < used; nonce++) {
            const attempts = store.txs.atNonce(name, address, nonce);
            expect(attempts.length, `${name} ${address} nonce ${nonce} is recorded`).to.be.greaterThan(0);
            expect(new Set(attempts.map((t) => `${t.intent}|${t.to}|${t.data}|${t.value}`)).size, `attempts at ${name} nonce ${nonce} do the same thing`).to.equal(1);
            const mined = (await Promise.all(attempts.map((t) => node.provider.getTransactionReceipt(t.hash)))).filter((r) => r !== null);
            expect(mined, `${name} ${address} nonce ${nonce}: one recorded attempt on chain`).to.have.length(1);
          }
        }
      }
      // One mined relay per message id, whatever the restarts.
      const twice = store.db.prepare(`SELECT intent, COUNT(*) AS n FROM txs WHERE intent LIKE 'relay:%' AND status = 'mined' GROUP BY chain, intent HAVING n > 1`).all();
      expect(twice).to.deep.equal([]);
    } finally {
      store.close();
    }
  });
});
