/**
 * Hardhat config for the end-to-end tests' standalone nodes (`hardhat --config <this> node`).
 *
 * Hardhat 2's `node` task has no chain-id flag: the chain id comes from `networks.hardhat.chainId`.
 * The project's hardhat.config.ts pins it (and overrides the compiler), so the harness starts nodes
 * with this file instead, which reads the chain id from the environment and imports nothing from
 * the project: a node needs no compiler, no plugins and no artifacts.
 *
 * It stays free of side effects beyond reading the environment: the node loads it at start.
 *
 * Fork mode: with FORK_URL (and optionally FORK_BLOCK) in its environment the node forks that
 * JSON-RPC endpoint. startHardhatNode sets or removes both for every node it starts, so a FORK_URL
 * in the user's shell forks the devnet's main chain only, never its child chain.
 */
import os from "node:os";
import path from "node:path";
import type { HardhatUserConfig } from "hardhat/config";

import { CHAIN_ID_ENV, FORK_BLOCK_ENV, FORK_URL_ENV } from "./nodeEnv";

const chainId = Number(process.env[CHAIN_ID_ENV] ?? "31337");
if (!Number.isSafeInteger(chainId) || chainId <= 0) {
  throw new Error(`${CHAIN_ID_ENV}=${process.env[CHAIN_ID_ENV]} is not a positive integer chain id`);
}

const forkUrl = process.env[FORK_URL_ENV] || undefined;
const forkBlockRaw = process.env[FORK_BLOCK_ENV] || undefined;
const forkBlock = forkBlockRaw === undefined ? undefined : Number(forkBlockRaw);
if (forkBlock !== undefined && (!Number.isSafeInteger(forkBlock) || forkBlock < 0)) {
  throw new Error(`${FORK_BLOCK_ENV}=${forkBlockRaw} is not a block number`);
}

// Outside the repository: the node watches its artifacts folder and must not litter the tree.
const scratch = path.join(os.tmpdir(), "sidechain-kit-e2e-node");

const config: HardhatUserConfig = {
  networks: {
    hardhat: {
      chainId,
      // Osaka caps a transaction at 2^24 gas (EIP-7825), but Hardhat 2.29 keeps a 30M block gas limit
      // and its eth_estimateGas falls back to the block limit, failing with "greater than the cap"
      // for calls whose first trial runs short of gas (retryMessage). A block limit at the cap avoids it.
      blockGasLimit: 16_777_216,
      // Checkpoints of consecutive blocks mined within one second must not be refused.
      allowBlocksWithSameTimestamp: true,
      // The chain id above stays the configured one when forking (Hardhat's behaviour): see docs/devnet.md.
      ...(forkUrl !== undefined ? { forking: { url: forkUrl, ...(forkBlock !== undefined ? { blockNumber: forkBlock } : {}) } } : {}),
    },
  },
  paths: {
    root: scratch,
    cache: path.join(scratch, "cache"),
    artifacts: path.join(scratch, "artifacts"),
    sources: path.join(scratch, "contracts"),
    tests: path.join(scratch, "test"),
  },
};

export default config;
