/**
 * Offline compilation for Hardhat projects: the solc-js build of the npm `solc` package instead of
 * the compiler Hardhat downloads (CI without internet, air-gapped machines, reproducible builds).
 */
import path from "node:path";
import { subtask } from "hardhat/config";
import { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } from "hardhat/builtin-tasks/task-names";
import { HardhatPluginError } from "hardhat/plugins";

export interface NpmSolcOptions {
  /**
   * Fail instead of downloading when the installed `solc` is not the version a source asks for
   * (default false: Hardhat downloads that version as usual).
   */
  strict?: boolean;
}

interface SolcBuild {
  compilerPath: string;
  isSolcJs: boolean;
  version: string;
  longVersion: string;
}

/**
 * Makes Hardhat compile with the project's npm `solc` package (`npm install --save-dev solc@0.8.30`)
 * whenever its version is the one a source needs. Call it in hardhat.config after the imports.
 */
export function useNpmSolc(options: NpmSolcOptions = {}): void {
  subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, async (args: { solcVersion: string }, hre, runSuper): Promise<SolcBuild> => {
    const installed = npmSolc(hre.config.paths.root);
    if (installed !== undefined && installed.version === args.solcVersion) return installed.build();
    if (options.strict) {
      const found = installed === undefined ? "no npm solc is installed" : `npm solc is ${installed.version}`;
      throw new HardhatPluginError("sidechain-kit", `a source needs solc ${args.solcVersion} but ${found}: npm install --save-dev solc@${args.solcVersion}`);
    }
    return runSuper(args) as Promise<SolcBuild>;
  });
}

function npmSolc(root: string): { version: string; build(): SolcBuild } | undefined {
  let manifest: string;
  try {
    manifest = require.resolve("solc/package.json", { paths: [root] });
  } catch {
    return undefined;
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { version } = require(manifest) as { version: string };
  const dir = path.dirname(manifest);
  return {
    version,
    build() {
      // The long version (with the commit) is in the compiler itself; load it only when compiling.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const solc = require(dir) as { version(): string };
      return { compilerPath: path.join(dir, "soljson.js"), isSolcJs: true, version, longVersion: solc.version().replace(/\.Emscripten.*$/, "") };
    },
  };
}
