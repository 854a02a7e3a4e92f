/**
 * The SDK's view of the release queue, on the in-process network with both sides deployed: a
 * withdrawal relayed over the root bridge's inbound limit is `queued` with its time, cannot be
 * executed before it, is executed by the SDK at it, and is `relayed` afterwards; the limit reads
 * back with what may go now.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";

import { messageFromReceipt } from "../../relayer/src/sdk/messages";
import { evaluate, type SdkContext } from "../../relayer/src/sdk/relay";
import { executeRelease, findQueuedRelease, readRateLimit } from "../../relayer/src/sdk/releases";
import { ReleaseNotDueError } from "../../relayer/src/sdk/errors";
import type { BridgeDeployment } from "../../relayer/src/sdk/types";
import { Lane, bridgeFixture, childTokenOf, mined } from "../helpers/bridges";
import { expectRejection } from "../relayer/helpers/assertions";

const INBOUND = 1;
const LIMIT = { capacity: 1_000n, ratePerSecond: 10n, maxTransfer: 600n, largeTransferDelay: 86_400n };

async function sdkFixture() {
  const fixture = await bridgeFixture();
  const { system, alice, token } = fixture;
  const tokenAddress = await token.getAddress();
  await Lane.deposits(system).relay(await mined(system.rootBridge.connect(alice).depositERC20(tokenAddress, alice.address, 10_000n)));
  await system.rootBridge.setRateLimit(tokenAddress, INBOUND, LIMIT);
  const record = async (contract: { getAddress(): Promise<string> }) => ({ address: await contract.getAddress() });
  const deployment = async (role: "main" | "child"): Promise<BridgeDeployment> => ({
    chainId: 31337,
    role,
    remoteChainId: 31337,
    contracts: {
      Messenger: await record(system[role].messenger),
      CheckpointManager: await record(system[role].checkpointManager),
      ...(role === "main" ? { RootBridge: await record(system.rootBridge) } : { ChildBridge: await record(system.childBridge) }),
    },
  });
  const deployments = { main: await deployment("main"), child: await deployment("child") };
  const ctx: SdkContext = {
    providers: { main: ethers.provider, child: ethers.provider },
    deployments,
    messengers: { main: await system.main.messenger.getAddress(), child: await system.child.messenger.getAddress() },
    checkpointManagers: { main: await system.main.checkpointManager.getAddress(), child: await system.child.checkpointManager.getAddress() },
    ready: async () => undefined,
    signer: () => alice,
  };
  return { ...fixture, tokenAddress, ctx, child: await childTokenOf(system.childBridge, tokenAddress) };
}

describe("SDK: rate limits and queued releases", function () {
  it("reports a withdrawal relayed over the limit as queued with its time, and executes it from then on", async function () {
    const { system, alice, bob, token, tokenAddress, ctx, child } = await loadFixture(sdkFixture);
    const withdrawals = Lane.withdrawals(system);
    const within = await mined(system.childBridge.connect(alice).withdraw(child, bob.address, 600n));
    const over = await mined(system.childBridge.connect(alice).withdraw(child, bob.address, 500n));
    const located = (receipt: typeof within) => messageFromReceipt(receipt, "child", ctx.deployments, ctx.messengers);
    await withdrawals.relay(within);
    await withdrawals.relay(over);

    expect((await evaluate(ctx, located(within))).status.status).to.equal("relayed");
    const { status } = await evaluate(ctx, located(over));
    if (status.status !== "queued") expect.fail(`expected queued, got ${status.status}`);
    const release = (await findQueuedRelease(ctx, located(over)))!;
    expect(release.id).to.equal(status.releaseId);
    expect(release.amount).to.equal(500n);
    expect(release.releasableAt).to.equal(status.releasableAt);
    expect(status.secondsLeft).to.be.greaterThan(0);
    expect(await findQueuedRelease(ctx, located(within))).to.equal(undefined);

    const limit = await readRateLimit(ctx, "main", tokenAddress, "Inbound");
    expect(limit.enabled).to.equal(true);
    expect(limit.limit.capacity).to.equal(1_000n);
    expect(limit.available).to.equal(0n);
    expect(limit.pending).to.equal(null);

    const early = await expectRejection(executeRelease(ctx, release), ReleaseNotDueError);
    expect(early.releasableAt).to.equal(release.releasableAt);
    await time.setNextBlockTimestamp(release.releasableAt);
    await ethers.provider.send("evm_mine", []);
    expect((await executeRelease(ctx, release)).outcome).to.equal("executed");
    expect(await token.balanceOf(bob.address)).to.equal(1_100n);
    expect((await evaluate(ctx, located(over))).status.status).to.equal("relayed");
    expect((await executeRelease(ctx, (await findQueuedRelease(ctx, located(over)))!)).outcome).to.equal("already-executed");
  });
});
