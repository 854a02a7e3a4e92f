/**
 * A relayer config (relayer/src/config) generated from the two deployment files deploy/ wrote, so
 * that an operator starts from addresses and chain ids that cannot be mistyped.
 *
 * The result holds no private key: the relayer reads them from SIDECHAIN_*_KEY at start. It is
 * validated with the relayer's own parser before it is returned, so a generated file always loads.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { stringify as stringifyYaml } from "yaml";

import { KEY_ENV, parseConfig, rolesNeedingKeys, type ConfigInput } from "../../relayer/src/config";
import { deploymentFileSchema, type DeploymentFile } from "./deploymentFile";
import { DeployError, DeploymentFileError } from "./errors";

export const RELAYER_ROLES = ["watcher", "validator", "proposer", "executor", "challenger", "equivocation", "api"] as const;
export type RelayerRole = (typeof RELAYER_ROLES)[number];

/**
 * The schema's defaults: everything but the challenger and the equivocation reporter, which need
 * their own funded keys (and the reporter a staking-mode deployment's StakeManager).
 */
export const DEFAULT_RELAYER_ROLES: readonly RelayerRole[] = ["watcher", "validator", "proposer", "executor", "api"];

/** The inputs cannot make a valid relayer config (files that do not pair, a bad URL, …). */
export class RelayerConfigError extends DeployError {
  readonly code = "RELAYER_CONFIG_INVALID";
  readonly retryable = false;
}

export type Confirmations = number | "finalized";

export interface RelayerConfigOptions {
  mainDeployment: string;
  childDeployment: string;
  mainRpcUrl: string;
  childRpcUrl: string;
  /**
   * Where the config will be written. Deployment paths and the database are written relative to
   * its folder, as the relayer resolves them; default: the working directory.
   */
  outFile?: string;
  /** Default 12 on both chains (the relayer's default): set 1 for dev nodes, "finalized" for PoS chains. */
  confirmations?: { main?: Confirmations; child?: Confirmations };
  roles?: readonly RelayerRole[];
  /** Other validators' attestation URLs, for the proposer. */
  validatorUrls?: readonly string[];
  validatorPort?: number;
  apiPort?: number;
  /** Default relayer.sqlite next to the config. */
  dbPath?: string;
}

export interface GeneratedRelayerConfig {
  config: ConfigInput;
  /** The YAML file's text, with a header naming the key variables the enabled roles need. */
  yaml: string;
  /** SIDECHAIN_*_KEY variables the relayer will require with these roles. */
  keyEnv: string[];
}

/**
 * Builds and validates the config. @throws DeploymentFileError for an unreadable or malformed
 * deployment file, RelayerConfigError when the files do not pair or the relayer refuses the result.
 */
export function buildRelayerConfig(options: RelayerConfigOptions): GeneratedRelayerConfig {
  const baseDir = path.resolve(options.outFile === undefined ? "." : path.dirname(options.outFile));
  const files = { main: path.resolve(options.mainDeployment), child: path.resolve(options.childDeployment) };
  const main = readDeploymentFile(files.main);
  const child = readDeploymentFile(files.child);
  checkPair(main, child, files);

  const roles = new Set(options.roles ?? DEFAULT_RELAYER_ROLES);
  for (const role of roles) {
    if (!RELAYER_ROLES.includes(role)) throw new RelayerConfigError(`unknown role "${role}": expected some of ${RELAYER_ROLES.join(", ")}`);
  }
  if (roles.has("equivocation") && main.contracts.StakeManager === undefined) {
    throw new RelayerConfigError(`the equivocation role reports to a StakeManager, and ${files.main} records none: deploy in staking mode (docs/deployment.md)`);
  }
  // Relative paths keep the config and the deployments movable together (a repo, a container image).
  const relative = (file: string) => path.relative(baseDir, file) || ".";
  const chain = (deployment: DeploymentFile, rpcUrl: string, confirmations: Confirmations | undefined, file: string) => ({
    rpcUrl,
    chainId: deployment.chainId,
    confirmations: confirmations ?? 12,
    deployment: relative(file),
  });
  const config = {
    dbPath: options.dbPath ?? "relayer.sqlite",
    chains: {
      main: chain(main, options.mainRpcUrl, options.confirmations?.main, files.main),
      child: chain(child, options.childRpcUrl, options.confirmations?.child, files.child),
    },
    roles: {
      watcher: { enabled: roles.has("watcher") },
      validator: { enabled: roles.has("validator"), port: options.validatorPort ?? 7545 },
      proposer: { enabled: roles.has("proposer"), validatorUrls: [...(options.validatorUrls ?? [])] },
      executor: { enabled: roles.has("executor") },
      challenger: { enabled: roles.has("challenger") },
      equivocation: { enabled: roles.has("equivocation") },
    },
    api: { enabled: roles.has("api"), port: options.apiPort ?? 8080 },
  } satisfies ConfigInput;

  let keyEnv: string[];
  try {
    // The relayer's parser, with no keys: it must accept the file exactly as an operator gets it.
    const parsed = parseConfig(config, {}, baseDir);
    keyEnv = rolesNeedingKeys(parsed, "relayer").map((role) => KEY_ENV[role]);
  } catch (error) {
    throw new RelayerConfigError(`the generated relayer config is invalid: ${(error as Error).message}`, { cause: error });
  }
  const header = [
    `# Relayer config generated by sidechain relayer-config (deploy/relayer-config.ts) from ${relative(files.main)} and ${relative(files.child)}.`,
    "# No keys in this file: the relayer reads them from the environment" + (keyEnv.length > 0 ? `: ${keyEnv.join(", ")}.` : "."),
    "# Reference: docs/relayer.md.",
    "",
  ].join("\n");
  return { config, yaml: header + stringifyYaml(config), keyEnv };
}

function readDeploymentFile(file: string): DeploymentFile {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new DeploymentFileError(file, `cannot read it as JSON (${(error as Error).message})`, { cause: error });
  }
  const parsed = deploymentFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new DeploymentFileError(file, `${issue.path.length > 0 ? issue.path.join(".") : "(root)"}: ${issue.message}`);
  }
  return parsed.data as DeploymentFile;
}

/** The two files must be the two sides of one deployment, or the relayer would watch the wrong contracts. */
function checkPair(main: DeploymentFile, child: DeploymentFile, files: { main: string; child: string }): void {
  if (main.role !== "main") throw new RelayerConfigError(`${files.main} is the ${main.role} side of a deployment, not the main side`);
  if (child.role !== "child") throw new RelayerConfigError(`${files.child} is the ${child.role} side of a deployment, not the child side`);
  if (main.remoteChainId !== child.chainId || child.remoteChainId !== main.chainId) {
    throw new RelayerConfigError(
      `the deployment files do not pair: main (chain ${main.chainId}) was wired to chain ${main.remoteChainId}, child (chain ${child.chainId}) to chain ${child.remoteChainId}`,
    );
  }
}
