import type { HardhatUserConfig } from "hardhat/config";
import "@nomicfoundation/hardhat-toolbox";
import { useNpmSolc } from "./relayer/src/hardhat";

const SOLC_VERSION = "0.8.30";

// The build machines have no internet: compile with the solc-js build shipped by the npm `solc`
// package (pinned to SOLC_VERSION in package.json; useNpmSolc hands Hardhat solc/soljson.js with
// isSolcJs: true, relayer/src/hardhat/solc.ts), and fail rather than download another.
useNpmSolc({ strict: true });

const config: HardhatUserConfig = {
  solidity: {
    compilers: [
      {
        version: SOLC_VERSION,
        settings: {
          // OpenZeppelin 5.7 uses transient storage and mcopy.
          evmVersion: "cancun",
          viaIR: true,
          optimizer: { enabled: true, runs: 10_000 },
        },
      },
    ],
    overrides: Object.fromEntries(
      ["contracts/root/RootAssetBridge.sol", "contracts/child/ChildAssetBridge.sol"].map((file) => [
        file,
        {
          version: SOLC_VERSION,
          settings: { evmVersion: "cancun", viaIR: true, optimizer: { enabled: true, runs: 200 } },
        },
      ]),
    ),
  },
  networks: {
    hardhat: {
      // Proof tests mine blocks with 100+ transactions on demand.
      allowBlocksWithSameTimestamp: true,
      // Osaka's 2^24 transaction gas cap: see relayer/src/devnet/hardhat.node.config.ts for why.
      blockGasLimit: 16_777_216,
    },
    main: { url: process.env.MAIN_RPC_URL ?? "http://127.0.0.1:8545" },
    child: { url: process.env.CHILD_RPC_URL ?? "http://127.0.0.1:8546" },
  },
  paths: {
    sources: "./contracts",
    tests: "./test",
    cache: "./cache",
    artifacts: "./artifacts",
  },
  typechain: {
    outDir: "typechain-types",
    target: "ethers-v6",
  },
  mocha: {
    timeout: 120_000,
  },
  gasReporter: {
    enabled: false,
  },
};

export default config;
