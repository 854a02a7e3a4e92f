/**
 * Where the kit's own files and tools are, found by package resolution so that the same code works
 * from this repository (TypeScript run by ts-node) and from an app's node_modules (compiled
 * JavaScript in dist/): the kit's root through its own package.json, Hardhat and anvil through
 * require.resolve from the kit, wherever npm put them.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

export const PACKAGE_NAME = "sidechain-kit";

let root: string | undefined;

/** The folder of the kit's package.json: the repository, or node_modules/sidechain-kit. */
export function packageRoot(): string {
  root ??= resolvePackageRoot();
  return root;
}

function resolvePackageRoot(): string {
  try {
    // A package may require itself by name (its package.json exports "./package.json").
    return path.dirname(require.resolve(`${PACKAGE_NAME}/package.json`));
  } catch {
    // Compiled somewhere outside any package (the e2e tests build the CLI into a cache folder
    // below the repository): the nearest enclosing sidechain-kit package.
    for (let dir = __dirname; ; dir = path.dirname(dir)) {
      const manifest = path.join(dir, "package.json");
      if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, "utf8")) as { name?: string }).name === PACKAGE_NAME) return dir;
      if (path.dirname(dir) === dir) throw new Error(`cannot find the ${PACKAGE_NAME} package around ${__dirname}`);
    }
  }
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
 * Node arguments that run the kit's `sidechain` CLI. In the package (compiled JavaScript), the bin
 * that the package.json found by resolution declares. When the kit itself runs from its TypeScript
 * sources (this repository under ts-node), the cli.ts beside this file, through ts-node, so the
 * processes run the same sources as their parent and never a stale build.
 */
export function sidechainCliArgs(): string[] {
  if (path.extname(__filename) === ".ts") {
    return ["-r", resolveTool("ts-node/register/transpile-only", "ts-node"), path.join(__dirname, "cli.ts")];
  }
  const manifest = JSON.parse(readFileSync(path.join(packageRoot(), "package.json"), "utf8")) as { bin?: Record<string, string> | string };
  const bin = typeof manifest.bin === "string" ? manifest.bin : manifest.bin?.sidechain;
  if (bin === undefined) throw new MissingToolError("the sidechain CLI", `${PACKAGE_NAME}'s package.json declares no "sidechain" bin`);
  return [path.join(packageRoot(), bin)];
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
