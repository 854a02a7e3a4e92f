/**
 * Reading what `BridgeClient.fromFiles` / `fromRelayerConfig` start from: deployments/<network>.json
 * files (as deploy/ writes them) and a relayer config (as `npm run devnet` writes .devnet/relayer.json).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { getAddress } from "ethers";
import { parse as parseYaml } from "yaml";

import { deploymentSchema } from "../config/schema";
import { InvalidDeploymentError, type ChainSide } from "./errors";
import type { BridgeDeployment } from "./types";

/** The contracts the client uses on each side; a deployment without one of them is incomplete. */
const REQUIRED: Record<ChainSide, readonly string[]> = {
  main: ["CheckpointManager", "Messenger", "RootBridge"],
  child: ["CheckpointManager", "Messenger", "ChildBridge"],
};

/** Reads and validates one deployment file. @throws InvalidDeploymentError */
export function readDeploymentFile(file: string): BridgeDeployment {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new InvalidDeploymentError(`cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
  const parsed = deploymentSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidDeploymentError(`${file}: ${issue.path.join(".") || "(root)"}: ${issue.message}`);
  }
  return parsed.data as BridgeDeployment;
}

/** Checks that the two files are the two sides of one deployment, before any RPC call. */
export function checkDeploymentPair(deployments: { main: BridgeDeployment; child: BridgeDeployment }): void {
  for (const side of ["main", "child"] as const) {
    const d = deployments[side];
    if (d.role !== side) throw new InvalidDeploymentError(`the ${side} deployment has role "${d.role}"`);
    for (const name of REQUIRED[side]) contractAddress(d, name);
  }
  if (deployments.main.remoteChainId !== deployments.child.chainId || deployments.child.remoteChainId !== deployments.main.chainId) {
    throw new InvalidDeploymentError(
      `the files do not pair: main (chain ${deployments.main.chainId}) names remote ${deployments.main.remoteChainId}, child (chain ${deployments.child.chainId}) names remote ${deployments.child.remoteChainId}`,
    );
  }
}

export function contractAddress(deployment: BridgeDeployment, name: string): string {
  const record = deployment.contracts[name];
  if (record === undefined) throw new InvalidDeploymentError(`the ${deployment.role} deployment (chain ${deployment.chainId}) has no ${name}`);
  return getAddress(record.address);
}

/** Lowest deployment block recorded on a side: where event scans start. */
export function deploymentBlock(deployment: BridgeDeployment): number {
  const blocks = Object.values(deployment.contracts).flatMap((c) => (c?.block === undefined ? [] : [c.block]));
  return blocks.length > 0 ? Math.min(...blocks) : 0;
}

export interface RelayerEndpoints {
  rpcUrls: Record<ChainSide, string>;
  deploymentFiles: Record<ChainSide, string>;
  /** The relayer's API, when its config enables one. */
  apiUrl?: string;
}

/**
 * What a user needs from a relayer config file (JSON or YAML): the RPC URLs, the deployment files
 * (relative to the config) and the API address. Only these fields are read, so a config whose
 * keys live in the operator's environment works too.
 */
export function readRelayerEndpoints(file: string): RelayerEndpoints {
  let raw: unknown;
  try {
    const text = readFileSync(file, "utf8");
    raw = file.endsWith(".json") ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new InvalidDeploymentError(`cannot read the relayer config ${file}: ${(error as Error).message}`, { cause: error });
  }
  const config = raw as { chains?: Record<string, { rpcUrl?: unknown; deployment?: unknown }>; api?: { enabled?: unknown; host?: unknown; port?: unknown } };
  const side = (name: ChainSide) => {
    const chain = config?.chains?.[name];
    if (typeof chain?.rpcUrl !== "string") throw new InvalidDeploymentError(`${file}: chains.${name}.rpcUrl is missing`);
    if (typeof chain.deployment !== "string") throw new InvalidDeploymentError(`${file}: chains.${name}.deployment is missing (a config with inline contracts has no deployment file)`);
    return { rpcUrl: chain.rpcUrl, deployment: path.resolve(path.dirname(file), chain.deployment) };
  };
  const main = side("main");
  const child = side("child");
  const api = config.api;
  // The relayer's defaults (config/schema.ts): enabled, 127.0.0.1, port 8080.
  const apiUrl =
    api?.enabled === false ? undefined : `http://${typeof api?.host === "string" && api.host !== "0.0.0.0" ? api.host : "127.0.0.1"}:${typeof api?.port === "number" ? api.port : 8080}`;
  return { rpcUrls: { main: main.rpcUrl, child: child.rpcUrl }, deploymentFiles: { main: main.deployment, child: child.deployment }, apiUrl };
}
