/**
 * Hardhat config for the end-to-end tests' standalone nodes (`hardhat --config <this> node`).
 *
 * Hardhat 2's `node` task has no chain-id flag: the chain id comes from `networks.hardhat.chainId`.
 * The project's hardhat.config.ts pins it (and overrides the compiler), so the harness starts nodes
 * with this file instead, which reads the chain id from the environment and imports nothing from
 * the project: a node needs no compiler, no plugins and no artifacts.
 *
 * It stays free of side effects beyond reading the environment: the node loads it at start.
 */
import os from "node:os";
import path from "node:path";
import type { HardhatUserConfig } from "hardhat/config";

/** Environment variable read for the node's chain id; set by scripts/lib/localChains.ts. */
export const CHAIN_ID_ENV = "E2E_HARDHAT_CHAIN_ID";

const chainId = Number(process.env[CHAIN_ID_ENV] ?? "31337");
if (!Number.isSafeInteger(chainId) || chainId <= 0) {
  throw new Error(`${CHAIN_ID_ENV}=${process.env[CHAIN_ID_ENV]} is not a positive integer chain id`);
}

// Outside the repository: the node watches its artifacts folder and must not litter the tree.
const scratch = path.join(os.tmpdir(), "sidechain-kit-e2e-node");

const config: HardhatUserConfig = {
  networks: {
    hardhat: {
      chainId,
      // Checkpoints of consecutive blocks mined within one second must not be refused.
      allowBlocksWithSameTimestamp: true,
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
