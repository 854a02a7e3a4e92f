/**
 * Loading the configuration: parse the file (JSON or YAML), resolve contract addresses from
 * deployment files, merge keys from the environment, freeze. Then, at start, `checkChains`
 * compares the file with the live chains. Every failure is a ConfigError with a one-line message.
 */
import { readFileSync } from "node:fs";
import { dirname, extname, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { Wallet } from "ethers";
import type { z } from "zod";

import { RelayerError } from "../errors";
import type { RpcClient } from "../chain/provider";
import { errorMessage } from "../chain/provider";
import {
  CHAIN_NAMES,
  configSchema,
  deploymentSchema,
  type ChainConfig,
  type ChainName,
  type Config,
  type Contracts,
  type Keys,
} from "./schema";

export class ConfigError extends RelayerError {
  readonly code = "CONFIG_INVALID";
  readonly retryable = false;
}

/** Environment variables that override (or supply) the keys. */
export const KEY_ENV = {
  validator: "SIDECHAIN_VALIDATOR_KEY",
  proposer: "SIDECHAIN_PROPOSER_KEY",
  executor: "SIDECHAIN_EXECUTOR_KEY",
  challenger: "SIDECHAIN_CHALLENGER_KEY",
  reporter: "SIDECHAIN_REPORTER_KEY",
} as const;

export type KeyRole = keyof typeof KEY_ENV;

/** The API's bearer token: from the environment only, so that it never sits in a config file. */
export const API_TOKEN_ENV = "SIDECHAIN_API_TOKEN";
export const MIN_API_TOKEN_LENGTH = 16;

/** Whether `host` binds the loopback interface only (127.0.0.0/8, ::1, localhost). */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[|\]$/g, "");
  return h === "localhost" || h === "::1" || /^127(\.\d{1,3}){3}$/.test(h) || /^::ffff:127(\.\d{1,3}){3}$/.test(h);
}

/**
 * The API bound beyond loopback serves anyone who can reach the port: it must have a token.
 * @throws ConfigError naming the variable to set
 */
export function requireApiToken(config: Config): void {
  if (!config.api.enabled || config.api.token !== undefined || isLoopbackHost(config.api.host)) return;
  throw new ConfigError(
    `config: api.host ${config.api.host} is not a loopback address: set ${API_TOKEN_ENV} (a bearer token of at least ${MIN_API_TOKEN_LENGTH} characters) or bind the API to 127.0.0.1`,
  );
}

/** Reads and validates a config file. @throws ConfigError */
export function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): Config {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new ConfigError(`cannot read config file ${file}: ${errorMessage(error)}`);
  }
  let raw: unknown;
  try {
    raw = extname(file) === ".json" ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    // The yaml parser appends a multi-line code frame after "… at line L, column C:"; the
    // error must stay one line, and its first line already says where.
    const firstLine = errorMessage(error).split("\n")[0].replace(/:\s*$/, "");
    throw new ConfigError(`config file ${file} is malformed: ${firstLine}`);
  }
  return parseConfig(raw, env, dirname(resolve(file)));
}

/** Validates an already parsed object (tests pass plain objects). @throws ConfigError */
export function parseConfig(raw: unknown, env: NodeJS.ProcessEnv = {}, baseDir = process.cwd()): Config {
  const rawApi = (raw as { api?: unknown } | null | undefined)?.api;
  if (typeof rawApi === "object" && rawApi !== null && "token" in rawApi) {
    throw new ConfigError(`config: api.token: the API token is read from ${API_TOKEN_ENV} only, never from the config file`);
  }
  const result = configSchema.safeParse(raw ?? {});
  if (!result.success) throw new ConfigError(`config: ${formatIssues(result.error)}`);
  const parsed = result.data;

  const chains = {} as Record<ChainName, ChainConfig>;
  for (const name of CHAIN_NAMES) {
    const c = parsed.chains[name];
    const fromFile = c.deployment !== undefined ? readDeployment(resolve(baseDir, c.deployment), name, c.chainId) : undefined;
    const contracts = { ...(fromFile?.contracts ?? {}), ...(c.contracts ?? {}) } as Contracts;
    for (const required of ["ValidatorSet", "CheckpointManager", "Messenger"] as const) {
      if (!contracts[required]) throw new ConfigError(`config: chains.${name}: contract ${required} has no address`);
    }
    chains[name] = Object.freeze({
      name,
      rpcUrl: c.rpcUrl,
      chainId: c.chainId,
      confirmations: c.confirmations,
      pollIntervalMs: c.pollIntervalMs,
      startBlock: c.startBlock,
      batchSize: c.batchSize,
      contracts: Object.freeze(lowerCaseAddresses(contracts)),
      deployedAtBlock: fromFile?.firstBlock,
    });
  }
  if (chains.main.chainId === chains.child.chainId) throw new ConfigError("config: chains.main and chains.child have the same chainId");

  const keys: Keys = {};
  for (const role of Object.keys(KEY_ENV) as KeyRole[]) {
    const value = env[KEY_ENV[role]] || parsed.keys[role];
    if (value === undefined) continue;
    try {
      keys[role] = new Wallet(value.startsWith("0x") ? value : `0x${value}`).privateKey;
    } catch {
      throw new ConfigError(`config: the ${role} key (${KEY_ENV[role]}) is not a valid private key`);
    }
  }
  const token = env[API_TOKEN_ENV] === undefined || env[API_TOKEN_ENV] === "" ? undefined : env[API_TOKEN_ENV];
  if (token !== undefined && token.length < MIN_API_TOKEN_LENGTH) throw new ConfigError(`config: ${API_TOKEN_ENV} is shorter than ${MIN_API_TOKEN_LENGTH} characters`);
  const { keys: _fileKeys, chains: _chains, api, ...rest } = parsed;
  return deepFreeze({ ...rest, api: token === undefined ? api : { ...api, token }, chains: Object.freeze(chains), keys: Object.freeze(keys) });
}

/** Fails unless every role in `roles` has its key. */
export function requireKeys(config: Config, roles: readonly KeyRole[]): void {
  for (const role of roles) {
    if (config.keys[role] === undefined) throw new ConfigError(`config: the ${role} role is enabled but ${KEY_ENV[role]} is not set`);
  }
}

/** The roles that need a key under this config. */
export function rolesNeedingKeys(config: Config, mode: "relayer" | "validator"): KeyRole[] {
  if (mode === "validator") return ["validator"];
  const roles: KeyRole[] = [];
  if (config.roles.validator.enabled) roles.push("validator");
  if (config.roles.proposer.enabled) roles.push("proposer");
  if (config.roles.executor.enabled) roles.push("executor");
  if (config.roles.challenger.enabled) roles.push("challenger");
  if (config.roles.equivocation.enabled) roles.push("reporter");
  return roles;
}

/**
 * Checks the config against the live chains: reachable RPC, the chain id it claims, code at
 * every contract address. @throws ConfigError
 */
export async function checkChains(config: Config, clients: Record<ChainName, RpcClient>): Promise<void> {
  for (const name of CHAIN_NAMES) {
    const chain = config.chains[name];
    let actual: bigint;
    try {
      actual = await clients[name].chainId();
    } catch (error) {
      throw new ConfigError(`chains.${name}: RPC ${chain.rpcUrl} is unreachable: ${errorMessage(error)}`);
    }
    if (actual !== BigInt(chain.chainId)) {
      throw new ConfigError(`chains.${name}: RPC ${chain.rpcUrl} has chainId ${actual}, the config says ${chain.chainId}`);
    }
    for (const [contract, address] of Object.entries(chain.contracts)) {
      if (address === undefined) continue;
      const code = await clients[name].getCode(address);
      if (code === "0x" || code === "0x0") throw new ConfigError(`chains.${name}: ${contract} at ${address} has no code`);
    }
  }
}

function readDeployment(path: string, name: ChainName, chainId: number): { contracts: Partial<Contracts>; firstBlock?: number } {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new ConfigError(`chains.${name}.deployment: cannot read ${path}: ${errorMessage(error)}`);
  }
  const result = deploymentSchema.safeParse(raw);
  if (!result.success) throw new ConfigError(`chains.${name}.deployment ${path}: ${formatIssues(result.error)}`);
  const d = result.data;
  if (d.chainId !== chainId) throw new ConfigError(`chains.${name}.deployment ${path} is for chainId ${d.chainId}, the config says ${chainId}`);
  if (d.role !== name) throw new ConfigError(`chains.${name}.deployment ${path} has role "${d.role}"`);
  const contracts: Record<string, string> = {};
  const blocks: number[] = [];
  for (const [contract, entry] of Object.entries(d.contracts)) {
    contracts[contract] = entry.address;
    if (entry.block !== undefined) blocks.push(entry.block);
  }
  return { contracts: contracts as Partial<Contracts>, firstBlock: blocks.length > 0 ? Math.min(...blocks) : undefined };
}

function lowerCaseAddresses(contracts: Contracts): Contracts {
  return Object.fromEntries(Object.entries(contracts).filter(([, v]) => v !== undefined).map(([k, v]) => [k, (v as string).toLowerCase()])) as unknown as Contracts;
}

function formatIssues(error: z.ZodError): string {
  const issue = error.issues[0];
  const path = issue.path.length > 0 ? issue.path.join(".") : "(root)";
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more)` : "";
  return `${path}: ${issue.message}${more}`;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value as object)) deepFreeze(child);
  }
  return value;
}
