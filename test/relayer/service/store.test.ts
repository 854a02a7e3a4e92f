import { expect } from "chai";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { MIGRATIONS, Store, schemaVersion } from "../../../relayer/src/store";

const H = (n: number) => `0x${n.toString(16).padStart(64, "0")}`;

describe("store", () => {
  let path: string;
  let store: Store;
  beforeEach(() => {
    path = join(mkdtempSync(join(tmpdir(), "sidechain-store-")), "relayer.sqlite");
    store = Store.open(path);
  });
  afterEach(() => store.close());

  it("migrates to the latest schema version in WAL mode, and reopening is a no-op", () => {
    expect(schemaVersion(store.db)).to.equal(MIGRATIONS.length);
    expect(store.db.pragma("journal_mode", { simple: true })).to.equal("wal");
    store.close();
    store = Store.open(path);
    expect(schemaVersion(store.db)).to.equal(MIGRATIONS.length);
  });

  const message = (n: number, block: number) => ({
    id: H(1000 + n), source: "main", destination: "child", nonce: BigInt(n), sender: H(1).slice(0, 42), target: H(2).slice(0, 42),
    gasLimit: 100_000n, data: "0x", blockNumber: block, blockHash: H(block), txHash: H(500 + n), logIndex: 0,
  });

  it("inserts blocks and messages idempotently", () => {
    store.blocks.insert("main", { number: 1, hash: H(1), parentHash: H(0), receiptsRoot: H(9) });
    store.blocks.insert("main", { number: 1, hash: H(1), parentHash: H(0), receiptsRoot: H(9) });
    expect(store.blocks.range("main", 0, 10)).to.have.length(1);
    expect(store.messages.insert(message(1, 1))).to.equal(true);
    expect(store.messages.insert(message(1, 1))).to.equal(false);
    expect(store.messages.get(H(1001))!.status).to.equal("sent");
  });

  it("rolls back blocks and unrelayed messages above the fork point", () => {
    for (let n = 1; n <= 5; n++) store.blocks.insert("main", { number: n, hash: H(n), parentHash: H(n - 1), receiptsRoot: H(9) });
    store.messages.insert(message(1, 2));
    store.messages.insert(message(2, 4));
    store.messages.insert(message(3, 5));
    store.messages.setStatus(H(1003), "relayed");
    expect(store.blocks.rollback("main", 3)).to.deep.equal({ blocks: 2, messages: 1 });
    expect(store.blocks.head("main")!.number).to.equal(3);
    expect(store.messages.get(H(1001))).to.not.equal(undefined);
    expect(store.messages.get(H(1002))).to.equal(undefined);
  });

  it("mirrors checkpoint reverts and sends their messages back to waiting", () => {
    store.messages.insert(message(1, 7));
    store.checkpoints.upsert({ destination: "child", id: 0, startBlock: 1, endBlock: 10, blockRoot: H(3), finalizesAt: 1, proposer: H(1).slice(0, 42), txHash: H(4) });
    store.messages.setStatus(H(1001), "checkpointed", { checkpointId: 0 });
    expect(store.checkpoints.covering("child", 7)!.id).to.equal(0);
    store.checkpoints.revertFrom("child", 0);
    store.messages.uncheckpoint("child", 0);
    expect(store.checkpoints.covering("child", 7)).to.equal(undefined);
    expect(store.messages.get(H(1001))!.status).to.equal("sent");
  });

  it("keeps every attempt at a nonce and settles replacements", () => {
    const base = { chain: "main", signer: "0xabc", nonce: 0, intent: "relay:x", to: "0x1", data: "0x", value: 0n, gasLimit: 1n, maxFee: 1n, maxPriorityFee: 1n };
    store.txs.insert({ ...base, raw: "0x01", hash: H(1) });
    store.txs.insert({ ...base, maxFee: 2n, raw: "0x02", hash: H(2) });
    expect(store.txs.pendingIntents("main")).to.have.length(1);
    store.txs.settleNonce("main", "0xabc", 0, H(2), "mined");
    expect(store.txs.atNonce("main", "0xabc", 0).map((t) => t.status)).to.deep.equal(["replaced", "mined"]);
    expect(store.txs.maxNonce("main", "0xabc")).to.equal(0);
  });
});
