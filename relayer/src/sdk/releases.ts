/**
 * Rate limits and the release queue (protocol.md "Rate limits"), read from the chains: which
 * release a relayed message queued, when it becomes executable, executing it, and what a token's
 * limit lets through now.
 */
import { Contract, type Provider, type TransactionReceipt } from "ethers";

import { FlowDirection, flowControlAbi, sdkMessengerAbi } from "./abi";
import { contractAddress, deploymentBlock } from "./deployments";
import { ReleaseNotDueError, type ChainSide } from "./errors";
import type { LocatedMessage } from "./messages";
import type { SdkContext } from "./relay";
import type { BridgeDeployment, QueuedRelease, RateLimitInfo } from "./types";

/** Which of a side's two bridges: ETH and ERC20s (`RootBridge`/`ChildBridge`) or NFTs and child-chain tokens (`RootAssetBridge`/`ChildAssetBridge`). */
export type BridgeFamily = "tokens" | "assets";

const BRIDGE_NAMES: Record<BridgeFamily, Record<ChainSide, string>> = {
  tokens: { main: "RootBridge", child: "ChildBridge" },
  assets: { main: "RootAssetBridge", child: "ChildAssetBridge" },
};

/** The bridge of `family` that pays out on `side`; each keeps its own limits and release queue. */
export function bridgeOf(deployments: Record<ChainSide, BridgeDeployment>, side: ChainSide, family: BridgeFamily = "tokens"): string {
  return contractAddress(deployments[side], BRIDGE_NAMES[family][side]);
}

/** The deployed bridges of `side` (a deployment without the asset pair has only the token bridge). */
function bridgesOf(deployments: Record<ChainSide, BridgeDeployment>, side: ChainSide): string[] {
  return (Object.keys(BRIDGE_NAMES) as BridgeFamily[])
    .filter((family) => deployments[side].contracts[BRIDGE_NAMES[family][side]] !== undefined)
    .map((family) => bridgeOf(deployments, side, family));
}

/**
 * The release that the relay of `message` queued on its destination, or undefined when it queued
 * none (no limit, within the limit, or not a bridge message). Found from the relay transaction:
 * the ReleaseQueued log the bridge emitted inside this message's call, i.e. after the previous
 * execution's log of that transaction and before this message's MessageRelayed.
 */
export async function findQueuedRelease(ctx: SdkContext, message: LocatedMessage): Promise<QueuedRelease | undefined> {
  const destination = message.destination;
  const provider = ctx.providers[destination];
  // Only a bridge queues releases, and only for a message addressed to it.
  const bridge = bridgesOf(ctx.deployments, destination).find((address) => address.toLowerCase() === message.fields.target.toLowerCase());
  if (bridge === undefined) return undefined;
  const flow = new Contract(bridge, flowControlAbi, provider);
  // Cheap gate: a bridge that never queued anything needs no log search.
  if (((await flow.releaseSequence()) as bigint) === 0n) return undefined;
  const messenger = ctx.messengers[destination];
  const relayedTopic = sdkMessengerAbi.getEvent("MessageRelayed")!.topicHash;
  const logs = await provider.getLogs({ address: messenger, topics: [relayedTopic, message.messageId], fromBlock: deploymentBlock(ctx.deployments[destination]), toBlock: "latest" });
  if (logs.length === 0) return undefined;
  const receipt = (await provider.getTransactionReceipt(logs[0].transactionHash)) as TransactionReceipt;
  const failedTopic = sdkMessengerAbi.getEvent("MessageFailed")!.topicHash;
  const queuedTopic = flowControlAbi.getEvent("ReleaseQueued")!.topicHash;
  let found: QueuedRelease | undefined;
  for (const log of receipt.logs) {
    const address = log.address.toLowerCase();
    if (address === messenger.toLowerCase() && (log.topics[0] === relayedTopic || log.topics[0] === failedTopic)) {
      if (log.topics[1]?.toLowerCase() === message.messageId.toLowerCase()) break;
      found = undefined; // an earlier message's execution in the same transaction
      continue;
    }
    if (address === bridge.toLowerCase() && log.topics[0] === queuedTopic) {
      const parsed = flowControlAbi.parseLog(log)!;
      found = {
        side: destination,
        bridge,
        id: parsed.args.id as string,
        token: parsed.args.token as string,
        sequence: parsed.args.sequence as bigint,
        amount: parsed.args.amount as bigint,
        payload: parsed.args.payload as string,
        releasableAt: Number(parsed.args.releasableAt),
        executed: false,
      };
    }
  }
  if (found === undefined) return undefined;
  const [releasableAt, executed] = (await flow.queuedRelease(found.id)) as [bigint, boolean];
  return { ...found, executed, releasableAt: executed ? found.releasableAt : Number(releasableAt) };
}

/**
 * Executes a queued release with `ctx`'s signer on its chain (anyone may).
 * @throws ReleaseNotDueError before its time (with the seconds left).
 */
export async function executeRelease(ctx: SdkContext, release: QueuedRelease): Promise<{ txHash: string | null; outcome: "executed" | "already-executed" }> {
  if (release.executed) return { txHash: null, outcome: "already-executed" };
  const now = await chainTime(ctx.providers[release.side]);
  if (now < release.releasableAt) throw new ReleaseNotDueError(release.id, release.releasableAt, release.releasableAt - now);
  const flow = new Contract(release.bridge, flowControlAbi, ctx.signer(release.side));
  const tx = await flow.executeQueuedRelease(release.sequence, release.payload);
  await tx.wait();
  return { txHash: tx.hash as string, outcome: "executed" };
}

/** The limit of `token` on `side`'s bridge of `family` in `direction`, its bucket now, and any scheduled change. */
export async function readRateLimit(ctx: SdkContext, side: ChainSide, token: string, direction: keyof typeof FlowDirection, family: BridgeFamily = "tokens"): Promise<RateLimitInfo> {
  const flow = new Contract(bridgeOf(ctx.deployments, side, family), flowControlAbi, ctx.providers[side]);
  const dir = FlowDirection[direction];
  const [limit, available, refilledAt, pending, activatesAt] = (await flow.rateLimit(token, dir)) as unknown as [LimitTuple, bigint, bigint, LimitTuple, bigint];
  const shape = (l: LimitTuple) => ({ capacity: l[0], ratePerSecond: l[1], maxTransfer: l[2], largeTransferDelay: Number(l[3]) });
  return {
    side,
    token,
    direction,
    enabled: limit[0] !== 0n,
    limit: shape(limit),
    available,
    refilledAt: Number(refilledAt),
    pending: activatesAt === 0n ? null : { ...shape(pending), activatesAt: Number(activatesAt) },
  };
}

type LimitTuple = [bigint, bigint, bigint, bigint];

export async function chainTime(provider: Provider): Promise<number> {
  const head = await provider.getBlock("latest");
  return head?.timestamp ?? Math.floor(Date.now() / 1000);
}
