import type { HardhatUserConfig } from "hardhat/config";
import "@nomicfoundation/hardhat-ethers";
import "@nomicfoundation/hardhat-chai-matchers";
// The kit's plugin: the bridge:* tasks (deposit, withdraw, status, relay, balances) against the
// `main` and `child` networks, and offline compilation with the npm `solc` package.
import { useNpmSolc } from "sidechain-kit/hardhat";

const SOLC_VERSION = "0.8.30";

// Compile with the solc-js build of the npm `solc` package (a devDependency pinned to
// SOLC_VERSION) instead of letting Hardhat download a compiler.
useNpmSolc({ strict: true });

const config: HardhatUserConfig = {
  solidity: {
    version: SOLC_VERSION,
    settings: {
      // The kit's contracts and OpenZeppelin 5.7 use transient storage and mcopy.
      evmVersion: "cancun",
      optimizer: { enabled: true, runs: 200 },
    },
  },
  networks: {
    hardhat: {
      // Hardhat 2.29 runs Osaka, which caps a transaction at 2^24 gas; a block limit above it
      // makes eth_estimateGas fail on some calls (see the kit's docs/devnet.md).
      blockGasLimit: 16_777_216,
      // FORK_URL=https://… [FORK_BLOCK=n] npx hardhat test test/Shop.test.ts runs the test-kit tests
      // on a fork of a live main chain: the kit deploys both sides of the bridge on top of it.
      forking: process.env.FORK_URL
        ? { url: process.env.FORK_URL, blockNumber: process.env.FORK_BLOCK ? Number(process.env.FORK_BLOCK) : undefined }
        : undefined,
    },
    // The chains the bridge:* tasks talk to. With --deployment-dir pointing into a devnet's folder
    // (and MAIN_RPC_URL / CHILD_RPC_URL unset), the tasks take the devnet's own URLs instead.
    main: { url: process.env.MAIN_RPC_URL ?? "http://127.0.0.1:8545" },
    child: { url: process.env.CHILD_RPC_URL ?? "http://127.0.0.1:8546" },
  },
  mocha: {
    timeout: 120_000,
  },
};

export default config;
