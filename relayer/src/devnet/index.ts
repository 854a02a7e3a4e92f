/**
 * `sidechain-kit/devnet`: the local two-chain devnet from any project (`startDevnet`), and the
 * pieces it is made of for tests that want their own set-up (nodes, deployment, dev accounts).
 */
export {
  CHILD_CHAIN_ID,
  DEVNET_ACCOUNTS,
  DEVNET_VALIDATOR_COUNT,
  DevnetError,
  MAIN_CHAIN_ID,
  devnetAccounts,
  startDevnet,
  type DevnetAccounts,
  type DevnetChain,
  type DevnetDeployContext,
  type DevnetOptions,
  type DevnetPorts,
  type RunningDevnet,
} from "./devnet";
export {
  DEV_MNEMONIC,
  HarnessError,
  deployDevnet,
  devAccount,
  freePort,
  makeValidatorWallets,
  startAnvil,
  startHardhatNode,
  stopAllNodes,
  type DeployDevnetOptions,
  type Devnet,
  type HardhatNodeOptions,
  type RunningNode,
  type StartOptions,
} from "./localChains";
export { DevnetProcessError, type DevnetProcess } from "./processes";
export { ForkError, forkOptionsFromEnv, type ForkOptions, type ForkSource } from "./fork";
export { MissingToolError } from "../packageFiles";
