/** The end-to-end tests start their nodes and devnets with the same code as `npm run devnet`. */
export * from "../../scripts/lib/localChains";
