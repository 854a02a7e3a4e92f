/** Environment variables through which localChains.ts configures the nodes' hardhat.node.config. */

/** The node's chain id. */
export const CHAIN_ID_ENV = "E2E_HARDHAT_CHAIN_ID";
/** Fork mode (the same names `npm run devnet` takes). */
export const FORK_URL_ENV = "FORK_URL";
export const FORK_BLOCK_ENV = "FORK_BLOCK";
