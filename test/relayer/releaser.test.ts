/**
 * The releaser role against Hardhat's in-process network: a withdrawal over the root bridge's
 * inbound rate limit is queued (the bridge's messenger is a stub that forwards the child bridge's
 * calls), the releaser mirrors it, leaves it while it is not due, executes it with its own key once
 * the chain's clock reaches its time, and reports the queue and the bucket to the metrics.
 */
import { expect } from "chai";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ethers, network } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import pino from "pino";

import { Metrics } from "../../relayer/src/api/metrics";
import type { RpcClient } from "../../relayer/src/chain/provider";
import { parseConfig } from "../../relayer/src/config";
import type { RoleContext } from "../../relayer/src/roles/context";
import { Releaser } from "../../relayer/src/roles/releaser";
import { SigningRounds } from "../../relayer/src/roles/signing";
import { Store } from "../../relayer/src/store";
import { TxSender } from "../../relayer/src/tx/sender";

const INBOUND = 1;
const LIMIT = { capacity: 1_000n, ratePerSecond: 10n, maxTransfer: 600n, largeTransferDelay: 86_400n };

/**
 * The relayer's releaser for the main chain on the in-process network (its RPC calls go to
 * Hardhat's provider), watching `bridges`, with a funded key of its own and a real SQLite store.
 */
async function startReleaser(bridges: { RootBridge: string; RootAssetBridge?: string }) {
  const [admin] = await ethers.getSigners();
  const executor = ethers.Wallet.createRandom();
  await admin.sendTransaction({ to: executor.address, value: ethers.parseEther("1") });
  const rpc = { chain: "main", send: (method: string, params: unknown[]) => network.provider.send(method, params as unknown[]) } as unknown as RpcClient;
  const filler = `0x${"1".repeat(40)}`;
  const contracts = { ValidatorSet: filler, CheckpointManager: filler, Messenger: filler };
  const config = parseConfig({
    chains: {
      main: { rpcUrl: "http://127.0.0.1:8545", chainId: 31337, confirmations: 0, contracts: { ...contracts, ...bridges }, startBlock: 0 },
      child: { rpcUrl: "http://127.0.0.1:8546", chainId: 31338, confirmations: 0, contracts },
    },
    tx: { receiptPollMs: 20 },
  });
  const store = Store.open(join(mkdtempSync(join(tmpdir(), "releaser-")), "db.sqlite"));
  const controller = new AbortController();
  const log = pino({ level: "silent" });
  const ctx: RoleContext = { config, store, log, rpc: { main: rpc, child: rpc }, metrics: new Metrics(), rounds: new SigningRounds(), signal: controller.signal };
  const sender = new TxSender(rpc, 31337, executor.privateKey, store, config.tx, log, controller.signal);
  await sender.recover();
  const releaser = new Releaser(ctx, "main", sender);
  const stop = () => {
    controller.abort();
    store.close();
  };
  return { releaser, store, metrics: ctx.metrics, executor, stop };
}

describe("Releaser", function () {
  it("executes a queued release once the chain's clock reaches its time, and not before", async function () {
    const [admin, alice, bob, remote] = await ethers.getSigners();
    const stub = await ethers.deployContract("BridgeMessengerStub");
    const bridge = await ethers.deployContract("RootBridge", [admin.address, await stub.getAddress()]);
    await bridge.setCounterpart(remote.address);
    await stub.setRemoteSender(remote.address);
    const token = await ethers.deployContract("TestERC20", ["Test Token", "TST", 6]);
    await token.mint(alice.address, 100_000n);
    await token.connect(alice).approve(bridge, ethers.MaxUint256);
    await bridge.connect(alice).depositERC20(token, alice.address, 100_000n);
    await bridge.setRateLimit(token, INBOUND, LIMIT);
    const withdraw = (amount: bigint) =>
      stub.forward(bridge, bridge.interface.encodeFunctionData("finalizeWithdrawal", [token.target as string, alice.address, bob.address, amount]));
    await withdraw(600n);
    const queuedTx = await (await withdraw(500n)).wait();
    const queued = queuedTx!.logs.map((l) => bridge.interface.parseLog(l)).find((p) => p?.name === "ReleaseQueued")!;
    const releasableAt = queued.args.releasableAt as bigint;

    const { releaser, store, metrics: relayerMetrics, executor, stop } = await startReleaser({ RootBridge: await bridge.getAddress() });
    try {
      while (await releaser.step());
      const id = (queued.args.id as string).toLowerCase();
      expect(store.releases.get("main", id)).to.include({ status: "queued", releasableAt: Number(releasableAt) });
      expect(await token.balanceOf(bob.address)).to.equal(600n);
      let metrics = await relayerMetrics.registry.metrics();
      expect(metrics).to.match(/sidechain_release_queue_length\{chain="main"\} 1/);
      expect(metrics).to.match(new RegExp(`sidechain_rate_limit_available\\{chain="main",token="${(token.target as string).toLowerCase()}",direction="inbound"\\} 0`));

      // One second early: still queued.
      await time.increaseTo(releasableAt - 1n);
      await releaser.step();
      expect(await token.balanceOf(bob.address)).to.equal(600n);
      expect(store.releases.get("main", id)!.status).to.equal("queued");

      await time.increaseTo(releasableAt);
      await releaser.step();
      expect(await token.balanceOf(bob.address)).to.equal(1_100n);
      const stored = store.releases.get("main", id)!;
      expect(stored.status).to.equal("executed");
      const receipt = await ethers.provider.getTransactionReceipt(stored.txHash!);
      expect(receipt!.from.toLowerCase()).to.equal(executor.address.toLowerCase());
      expect(await bridge.queuedRelease(id)).to.deep.equal([2n ** 64n - 1n, true]);

      // Its own QueuedReleaseExecuted log changes nothing, and nothing is sent twice.
      await releaser.step();
      expect(store.releases.get("main", id)!.txHash).to.equal(stored.txHash);
      metrics = await relayerMetrics.registry.metrics();
      expect(metrics).to.match(/sidechain_release_queue_length\{chain="main"\} 0/);
    } finally {
      stop();
    }
  });

  it("executes the asset bridge's queued ERC721 release too, from the same log scan", async function () {
    const [admin, alice, bob, remote] = await ethers.getSigners();
    const stub = await ethers.deployContract("BridgeMessengerStub");
    const bridge = await ethers.deployContract("RootBridge", [admin.address, await stub.getAddress()]);
    const assets = await ethers.deployContract("RootAssetBridge", [admin.address, await stub.getAddress()]);
    await assets.setCounterpart(remote.address);
    await stub.setRemoteSender(remote.address);
    const nft = await ethers.deployContract("TestERC721", ["Test Apes", "APE"]);
    for (const id of [1n, 2n, 3n]) await nft.mint(alice.address, id, "");
    await nft.connect(alice).setApprovalForAll(assets, true);
    await assets.connect(alice).depositERC721Batch(nft, alice.address, [1n, 2n, 3n], 0);
    await assets.setRateLimit(nft, INBOUND, { capacity: 2n, ratePerSecond: 1n, maxTransfer: 2n, largeTransferDelay: 600n });
    const call = assets.interface.encodeFunctionData("finalizeERC721Withdrawal", [nft.target as string, alice.address, bob.address, [1n, 2n, 3n]]);
    const queued = (await (await stub.forward(assets, call)).wait())!.logs.map((l) => assets.interface.parseLog(l)).find((p) => p?.name === "ReleaseQueued")!;

    const { releaser, store, metrics: relayerMetrics, stop } = await startReleaser({ RootBridge: await bridge.getAddress(), RootAssetBridge: await assets.getAddress() });
    try {
      while (await releaser.step());
      const id = (queued.args.id as string).toLowerCase();
      expect(store.releases.get("main", id)!.status).to.equal("queued");
      const metrics = await relayerMetrics.registry.metrics();
      expect(metrics).to.match(new RegExp(`sidechain_rate_limit_available\\{chain="main",token="${(nft.target as string).toLowerCase()}",direction="inbound"\\} 0`));
      await time.increaseTo(queued.args.releasableAt as bigint);
      await releaser.step();
      expect(await nft.ownerOf(3n)).to.equal(bob.address);
      expect(store.releases.get("main", id)!.status).to.equal("executed");
    } finally {
      stop();
    }
  });
});
