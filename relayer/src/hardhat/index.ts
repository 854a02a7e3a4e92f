/**
 * `sidechain-kit/hardhat`, the kit's Hardhat plugin. `require("sidechain-kit/hardhat")` (or
 * `import "sidechain-kit/hardhat"`) in hardhat.config adds the `bridge:*` tasks (tasks.ts);
 * `useNpmSolc()` from it makes the project compile offline with its npm `solc` package (solc.ts).
 */
import "./tasks";

export { useNpmSolc, type NpmSolcOptions } from "./solc";
