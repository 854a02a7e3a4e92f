/**
 * Self-relaying with the SDK where no relayer runs, so that nothing races it: two anvil nodes with
 * the bridge deployed, checkpoints submitted by hand (test/e2e/handRelay.ts), the challenge period
 * passed with evm_increaseTime. Every status is then reached deterministically, `relay()` sends
 * `relayMessage` itself, and a message whose target reverts is `failed` and retried with `retryMessage`.
 */
import { expect } from "chai";
import { JsonRpcProvider, parseEther, type Wallet } from "ethers";

import { BridgeClient, MessageFailedError, NATIVE_TOKEN, NotYetFinalError, StatusTimeoutError, type BridgeTransfer } from "../../relayer/src";
import { passChallengePeriod, submitCheckpoint, type ChainEnd } from "../e2e/handRelay";
import { deployDevnet, devAccount, startAnvil, stopAllNodes, type Devnet } from "../../relayer/src/devnet/localChains";

describe("BridgeClient self-relay without a relayer", function () {
  this.timeout(120_000);
  let devnet: Devnet;
  let main: JsonRpcProvider;
  let child: JsonRpcProvider;
  let ends: { main: ChainEnd; child: ChainEnd };
  let client: BridgeClient;
  let proposer: { main: Wallet; child: Wallet };

  before(async function () {
    const [mainNode, childNode] = await Promise.all([startAnvil({ chainId: 31337 }), startAnvil({ chainId: 31338 })]);
    devnet = await deployDevnet(mainNode, childNode);
    main = new JsonRpcProvider(mainNode.url, 31337, { staticNetwork: true, pollingInterval: 50, cacheTimeout: -1 });
    child = new JsonRpcProvider(childNode.url, 31338, { staticNetwork: true, pollingInterval: 50, cacheTimeout: -1 });
    ends = { main: { provider: main, chainId: 31337, deployment: devnet.deployment.main }, child: { provider: child, chainId: 31338, deployment: devnet.deployment.child } };
    client = new BridgeClient({ main: devAccount(3, main), child: devAccount(3, child), deployments: { main: devnet.deployment.main, child: devnet.deployment.child } });
    proposer = { main: devAccount(1, main), child: devAccount(1, child) };
  });
  after(async function () {
    main?.destroy();
    child?.destroy();
    await stopAllNodes();
  });

  /** Checkpoints the source chain through the transfer's block on the destination, by hand. */
  async function checkpoint(transfer: BridgeTransfer): Promise<void> {
    const [source, destination] = transfer.direction === "main->child" ? (["main", "child"] as const) : (["child", "main"] as const);
    await submitCheckpoint({ source: ends[source], destination: ends[destination], validators: devnet.validators, proposer: proposer[destination], endBlock: BigInt(transfer.blockNumber) });
  }

  it("walks a deposit through sent, challenge-window and ready, and relays it with the user's own transaction", async function () {
    const deposit = await client.depositETH(parseEther("2"));
    expect((await client.getMessageStatus(deposit.txHash)).status).to.equal("sent");
    await checkpoint(deposit);

    const inWindow = await client.getMessageStatus(deposit.txHash);
    expect(inWindow.status).to.equal("challenge-window");
    if (inWindow.status !== "challenge-window") return;
    expect(inWindow.secondsLeft).to.be.within(1, 2);
    const early = await client.relay(deposit.txHash).catch((e: unknown) => e);
    expect(early).to.be.instanceOf(NotYetFinalError);
    expect((early as NotYetFinalError).secondsLeft).to.equal(inWindow.secondsLeft);
    const timeout = await client.waitForStatus(deposit.txHash, "ready", { pollMs: 50, timeoutMs: 200 }).catch((e: unknown) => e);
    expect(timeout).to.be.instanceOf(StatusTimeoutError);

    await passChallengePeriod(ends.child);
    const ready = await client.waitForStatus(deposit.txHash, "ready", { pollMs: 50, timeoutMs: 5_000 });
    expect(ready.status).to.equal("ready");
    const proof = await client.buildRelayProof(deposit.txHash);
    expect(proof.source).to.equal("chain");

    const result = await client.relay(deposit.txHash);
    expect(result.outcome).to.equal("relayed");
    expect(result.txHash).to.match(/^0x[0-9a-f]{64}$/);
    expect((await client.getMessageStatus(deposit.txHash)).status).to.equal("relayed");
    expect(await client.relay(deposit.txHash)).to.deep.equal({ messageId: deposit.messageId, outcome: "already-relayed", txHash: null });
    const eth = (await client.balances()).tokens.find((t) => t.rootToken === NATIVE_TOKEN);
    expect(eth?.child).to.equal(parseEther("2"));
  });

  it("reports a withdrawal whose receiver refuses ETH as failed, and retries it with retryMessage", async function () {
    // The ValidatorSet has no receive(): the release to it reverts, so the message fails.
    const refuses = devnet.deployment.main.contracts.ValidatorSet!.address;
    const withdrawal = await client.withdraw(NATIVE_TOKEN, parseEther("0.5"), { to: refuses });
    await checkpoint(withdrawal);
    await passChallengePeriod(ends.main);

    const first = await client.relay(withdrawal.txHash);
    expect(first.outcome).to.equal("failed");
    expect((await client.getMessageStatus(withdrawal.txHash)).status).to.equal("failed");
    const waiting = await client.waitForStatus(withdrawal.txHash, "relayed", { pollMs: 50, timeoutMs: 5_000 }).catch((e: unknown) => e);
    expect(waiting).to.be.instanceOf(MessageFailedError);
    expect((await client.waitForStatus(withdrawal.txHash, "failed", { pollMs: 50 })).status).to.equal("failed");

    const retried = await client.relay(withdrawal.txHash);
    expect(retried.outcome).to.equal("failed");
    expect(retried.txHash).to.not.equal(first.txHash);
  });
});
