/**
 * The challenger as a role of the relayer service: one CheckpointChallenger per lane, each
 * watching the checkpoints of the lane's source chain kept on its destination chain, scanned in
 * the service's run loop.
 */
import { JsonRpcProvider, Wallet } from "ethers";

import { ConfigError } from "../../config";
import type { ChallengerFactory } from "../../service";
import { LANES, laneName, runLoop } from "../context";
import { CheckpointChallenger } from "./challenger";
import type { LeafSource, PublishedLeaf } from "./types";

/**
 * A LeafSource over HTTP (`roles.challenger.leafSources`): `GET <url>/<blockRoot>` on each URL in
 * turn; the first 200 with a JSON array of leaves wins, 404 means "not known here". Nothing is
 * trusted: the challenger uses the leaves only if they rebuild the checkpoint's on-chain root.
 */
export function httpLeafSource(urls: readonly string[], timeoutMs: number): LeafSource | undefined {
  if (urls.length === 0) return undefined;
  return async (checkpoint) => {
    const errors: string[] = [];
    for (const url of urls) {
      try {
        const response = await fetch(`${url.replace(/\/+$/, "")}/${checkpoint.blockRoot}`, { signal: AbortSignal.timeout(timeoutMs) });
        if (response.status === 404) continue;
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        const body = (await response.json()) as unknown;
        const leaves = Array.isArray(body) ? body : (body as { leaves?: unknown }).leaves;
        if (!Array.isArray(leaves)) throw new Error("expected a JSON array of leaves");
        return leaves as PublishedLeaf[];
      } catch (error) {
        errors.push(`${url}: ${(error as Error).message}`);
      }
    }
    if (errors.length > 0) throw new Error(errors.join("; "));
    return undefined;
  };
}

/**
 * Challenge transactions are sent by the challenger's own wallet, outside the service's nonce
 * managers, so its key must not be one that another role sends with on the same chains.
 */
export const challengerRole: ChallengerFactory = (ctx) => {
  const { config } = ctx;
  const key = config.keys.challenger;
  if (key === undefined) throw new ConfigError("the challenger role is enabled but SIDECHAIN_CHALLENGER_KEY is not set");
  const address = new Wallet(key).address;
  for (const role of ["proposer", "executor"] as const) {
    const other = config.keys[role];
    if (other !== undefined && new Wallet(other).address === address) {
      throw new ConfigError(`the challenger key must differ from the ${role} key: both would send with one nonce sequence`);
    }
  }

  const leafSource = httpLeafSource(config.roles.challenger.leafSources, config.roles.challenger.leafSourceTimeoutMs);
  const challengers = LANES.map((lane) => {
    const destination = config.chains[lane.destination];
    const provider = new JsonRpcProvider(destination.rpcUrl, destination.chainId, { staticNetwork: true });
    return {
      lane,
      challenger: new CheckpointChallenger({
        destination: ctx.rpc[lane.destination],
        checkpointManager: destination.contracts.CheckpointManager,
        source: ctx.rpc[lane.source],
        signer: new Wallet(key, provider),
        logger: ctx.log.child({ lane: laneName(lane) }),
        leafSource,
        availabilityGame: destination.contracts.LeafAvailabilityGame,
        startBlock: destination.deployedAtBlock === undefined ? undefined : BigInt(destination.deployedAtBlock),
      }),
      provider,
    };
  });
  ctx.signal.addEventListener("abort", () => challengers.forEach(({ provider }) => provider.destroy()), { once: true });

  return {
    async run(): Promise<void> {
      const interval = Math.min(...LANES.map((lane) => config.chains[lane.destination].pollIntervalMs));
      // Successful challenges surface as CheckpointsReverted, which the executor counts in the metrics.
      await runLoop(ctx, "challenger.scan", interval, async () => {
        for (const { challenger } of challengers) await challenger.scan();
      });
    },
  };
};
