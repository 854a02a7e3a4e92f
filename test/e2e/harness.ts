/** The end-to-end tests start their nodes and devnets with the same code as `npm run devnet`. */
import path from "node:path";

export * from "../../relayer/src/devnet/localChains";

/** This repository: the tests run its scripts and CLI from source. */
export const REPO_ROOT = path.resolve(__dirname, "..", "..");
