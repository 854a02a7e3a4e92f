/**
 * Where the kit's own files and tools are, found by package resolution so that the same code works
 * from this repository (TypeScript run by ts-node) and from an app's node_modules (compiled
 * JavaScript in dist/): the kit's root through its own package.json, Hardhat and anvil through
 * require.resolve from the kit, wherever npm put them.
 */
import path from "node:path";

export const PACKAGE_NAME = "sidechain-kit";

let root: string | undefined;

/** The folder of the kit's package.json: the repository, or node_modules/sidechain-kit. */
export function packageRoot(): string {
  // A package may require itself by name (its package.json exports "./package.json").
  root ??= path.dirname(require.resolve(`${PACKAGE_NAME}/package.json`));
  return root;
}

/** The kit's compiled contracts (artifacts/contracts/**), shipped inside the package. */
export function kitArtifactsDir(): string {
  return path.join(packageRoot(), "artifacts");
}

/** Thrown when an optional tool the kit starts (Hardhat, anvil) is not installed. */
export class MissingToolError extends Error {
  readonly code = "MISSING_TOOL";
  readonly retryable = false;
  constructor(readonly tool: string, hint: string) {
    super(`${tool} is not installed: ${hint}`);
    this.name = "MissingToolError";
  }
}

/**
 * Resolves `request` (a package path such as "hardhat/internal/cli/bootstrap.js") from the kit's
 * location, then from the working directory (an app that installed the tool itself).
 * @throws MissingToolError naming the package to install.
 */
export function resolveTool(request: string, packageName: string): string {
  for (const from of [__dirname, process.cwd()]) {
    try {
      return require.resolve(request, { paths: [from] });
    } catch {
      // try the next place
    }
  }
  throw new MissingToolError(packageName, `npm install --save-dev ${packageName}`);
}
