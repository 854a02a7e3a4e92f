/**
 * deployments/<network>.json: what was deployed on one chain, and the contract between deploy/
 * and the relayer, which reads addresses from it and starts watching at the recorded blocks.
 *
 *   { "network": string, "chainId": number, "role": "main" | "child", "remoteChainId": number,
 *     "deployedAt": ISO string,
 *     "contracts": { "<Name>": { "address": "0x..", "block": number, "txHash": "0x..", "args": [..] } } }
 *
 * Names: ValidatorSet, CheckpointManager, Messenger, and RootBridge + Lockbox (main) or
 * ChildBridge (child), and the asset bridge (RootAssetBridge, ChildAssetBridge); LeafAvailabilityGame
 * beside the CheckpointManager wherever the challenge period leaves room for the data-availability
 * game (see OPTIONAL_CONTRACTS). `block` is the deployment block; the Lockbox, created by RootBridge's
 * constructor, carries RootBridge's block and transaction. Big numbers in `args` are decimal strings.
 *
 * Staking mode adds StakeManager (main), and the set the CheckpointManager uses stays under
 * "ValidatorSet" (what the relayer reads) with `"contract"` naming what it is: "StakedValidatorSet"
 * (main) or "ChildValidatorSet" (child). A record without `contract` is the contract of its name.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";

import type { DeployableContract } from "./artifacts";
import { DeployConfigError, DeploymentFileError } from "./errors";

export type ChainRole = "main" | "child";

export interface ContractRecord {
  address: string;
  block: number;
  txHash: string;
  args: unknown[];
  /** The contract deployed, when it is not the one the record is named after (staking mode's sets). */
  contract?: DeployableContract;
}

export interface DeploymentFile {
  network: string;
  chainId: number;
  role: ChainRole;
  remoteChainId: number;
  deployedAt: string;
  contracts: Partial<Record<DeployableContract, ContractRecord>>;
}

/** Recorded when deployed, but not needed for a complete deployment (a challenge period under 5 s has no room for the game). */
export const OPTIONAL_CONTRACTS: readonly DeployableContract[] = ["LeafAvailabilityGame"];

/** The contracts each role's file holds once the deployment is complete, in deployment order. */
export const CONTRACTS_BY_ROLE: Readonly<Record<ChainRole, readonly DeployableContract[]>> = {
  main: ["ValidatorSet", "CheckpointManager", "Messenger", "RootBridge", "Lockbox", "RootAssetBridge"],
  child: ["ValidatorSet", "CheckpointManager", "Messenger", "ChildBridge", "ChildAssetBridge"],
};

/** CONTRACTS_BY_ROLE, with the StakeManager first on the main chain in staking mode. */
export function contractsOf(role: ChainRole, staking: boolean): readonly DeployableContract[] {
  return staking && role === "main" ? ["StakeManager", ...CONTRACTS_BY_ROLE.main] : CONTRACTS_BY_ROLE[role];
}

/** What the set the CheckpointManager uses is, per mode and chain. */
export function validatorSetContract(role: ChainRole, staking: boolean): DeployableContract {
  if (!staking) return "ValidatorSet";
  return role === "main" ? "StakedValidatorSet" : "ChildValidatorSet";
}

const hexAddress = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "expected a 0x-prefixed 20-byte address");
const hexHash = z.string().regex(/^0x[0-9a-fA-F]{64}$/, "expected a 0x-prefixed 32-byte hash");

const contractRecordSchema = z.object({
  address: hexAddress,
  block: z.number().int().nonnegative(),
  txHash: hexHash,
  args: z.array(z.unknown()),
  contract: z.enum(["StakedValidatorSet", "ChildValidatorSet"]).optional(),
});

/** Validates a deployment file; exported so that readers (the relayer, tools) can share it. */
export const deploymentFileSchema = z.object({
  network: z.string().min(1),
  chainId: z.number().int().positive(),
  role: z.enum(["main", "child"]),
  remoteChainId: z.number().int().positive(),
  deployedAt: z.string(),
  contracts: z.partialRecord(
    z.enum(["ValidatorSet", "CheckpointManager", "Messenger", "RootBridge", "ChildBridge", "Lockbox", "StakeManager", "LeafAvailabilityGame", "RootAssetBridge", "ChildAssetBridge"]),
    contractRecordSchema,
  ),
});

// The name becomes a file name: no separators, no "..", nothing a shell would mangle.
const NETWORK_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** deployments/<network>.json under `dir`. */
export function deploymentPath(dir: string, network: string): string {
  if (!NETWORK_NAME.test(network)) {
    throw new DeployConfigError(`network name "${network}" must be letters, digits, ".", "_" or "-" (it names the deployment file)`);
  }
  return path.join(dir, `${network}.json`);
}

/**
 * Reads and validates `dir/<network>.json`; undefined when there is none yet.
 * @throws DeploymentFileError when the file is not valid JSON or not a deployment file.
 */
export function readDeployment(dir: string, network: string): DeploymentFile | undefined {
  const file = deploymentPath(dir, network);
  if (!existsSync(file)) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new DeploymentFileError(file, `not valid JSON (${(error as Error).message})`, { cause: error });
  }
  const parsed = deploymentFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue.path.length > 0 ? issue.path.join(".") : "(root)";
    throw new DeploymentFileError(file, `${where}: ${issue.message}`);
  }
  if (parsed.data.network !== network) {
    throw new DeploymentFileError(file, `records network "${parsed.data.network}", but its name says "${network}"`);
  }
  return parsed.data as DeploymentFile;
}

/**
 * Writes the file atomically (temporary file, then rename), so that a deployment killed while
 * writing leaves the previous version rather than half a JSON document.
 */
export function writeDeployment(dir: string, deployment: DeploymentFile): string {
  const file = deploymentPath(dir, deployment.network);
  mkdirSync(dir, { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(deployment, jsonValue, 2)}\n`);
  renameSync(temporary, file);
  return file;
}

/** Constructor arguments as the file stores them, so that a fresh record equals a re-read one. */
export function jsonArgs(args: readonly unknown[]): unknown[] {
  return JSON.parse(JSON.stringify(args, jsonValue)) as unknown[];
}

/** JSON has no bigint: write them as decimal strings, which the contracts' ABI coder accepts back. */
function jsonValue(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? value.toString() : value;
}
