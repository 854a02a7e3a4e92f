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
