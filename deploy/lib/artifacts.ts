/**
 * ABIs and bytecode from the Hardhat artifacts (artifacts/contracts/**\/<Name>.sol/<Name>.json).
 *
 * Read from disk, not through the Hardhat runtime, so that the CLI, the relayer and the devnet can
 * deploy without loading Hardhat. The package ships them; in this repository `npx hardhat compile`
 * (offline) must have run once.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { Interface, type InterfaceAbi } from "ethers";

import { kitArtifactsDir } from "../../relayer/src/packageFiles";
import { ArtifactNotFoundError } from "./errors";

/** The contracts deploy/ deploys, under the names the deployment file records them by. */
export type DeployableContract =
  | "ValidatorSet"
  | "CheckpointManager"
  | "Messenger"
  | "RootBridge"
  | "ChildBridge"
  | "Lockbox"
  | "StakeManager"
  | "StakedValidatorSet"
  | "ChildValidatorSet"
  | "LeafAvailabilityGame"

  | "RootAssetBridge"
  | "ChildAssetBridge";

export interface Artifact {
  contractName: string;
  abi: InterfaceAbi;
  bytecode: string;
  interface: Interface;
}

/** artifacts/ of the kit (this repository, or the installed package), whatever the working directory. */
export const DEFAULT_ARTIFACTS_DIR = kitArtifactsDir();

const cache = new Map<string, Artifact>();

/**
 * Loads the artifact of `contract` from `artifactsDir` (default: the repository's).
 * @throws ArtifactNotFoundError when the project was not compiled.
 */
export function loadArtifact(contract: DeployableContract, artifactsDir = DEFAULT_ARTIFACTS_DIR): Artifact {
  const key = `${artifactsDir}\0${contract}`;
  const cached = cache.get(key);
  if (cached !== undefined) return cached;

  const file = findArtifactFile(path.join(artifactsDir, "contracts"), contract);
  if (file === undefined) throw new ArtifactNotFoundError(contract, artifactsDir);
  const json = JSON.parse(readFileSync(file, "utf8")) as { contractName?: string; abi?: InterfaceAbi; bytecode?: string };
  // An interface or abstract contract has an artifact too, with empty bytecode: not deployable.
  if (json.contractName !== contract || json.abi === undefined || json.bytecode === undefined || json.bytecode === "0x") {
    throw new ArtifactNotFoundError(contract, artifactsDir);
  }
  const artifact: Artifact = { contractName: contract, abi: json.abi, bytecode: json.bytecode, interface: new Interface(json.abi) };
  cache.set(key, artifact);
  return artifact;
}

/** Depth-first search for `<contract>.sol/<contract>.json`: the folder layout may change, the name does not. */
function findArtifactFile(dir: string, contract: string): string | undefined {
  if (!existsSync(dir)) return undefined;
  const direct = path.join(dir, `${contract}.sol`, `${contract}.json`);
  if (existsSync(direct)) return direct;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    // Solidity sources appear as folders named `X.sol`; only plain folders can nest more sources.
    if (!entry.isDirectory() || entry.name.endsWith(".sol")) continue;
    const found = findArtifactFile(path.join(dir, entry.name), contract);
    if (found !== undefined) return found;
  }
  return undefined;
}
