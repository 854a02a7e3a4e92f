/**
 * The deployment config file (see deploy/config.example.json and docs/deployment.md), validated
 * once with zod. Unknown keys are refused: a misspelt "challengePeriod" must not silently fall
 * back to nothing, and deployer keys belong in the environment, never in this file.
 */
import { readFileSync } from "node:fs";
import { z } from "zod";

import { DeployConfigError } from "./errors";
import type { DeployBridgeOptions } from "./options";

// Wei amounts exceed 2^53: accept decimal strings as well as numbers.
const integer = z.union([z.number().int().nonnegative(), z.string().regex(/^[0-9]+$/, "expected a decimal integer")]);
// A zero bond lets anyone submit and pays no challenger (the contract refuses it too).
const positiveInteger = integer.refine((value) => BigInt(value) > 0n, "must be at least 1");
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "expected a 0x-prefixed 20-byte address");
const validator = z.strictObject({ address, power: integer });
const validatorSet = z.strictObject({ validators: z.array(validator).min(1), threshold: integer.optional() });

const checkpointParams = z.strictObject({
  challengePeriod: integer.optional(),
  minBond: positiveInteger.optional(),
  challengerRewardBps: z.number().int().min(0).max(10_000).optional(),
  validatorChangeDelay: positiveInteger.optional(),
});

const chain = z.strictObject({
  /** Names deployments/<network>.json. */
  network: z.string().min(1).optional(),
  /** Expected chain id: the deployment stops if the RPC reports another. */
  chainId: z.number().int().positive().optional(),
  rpcUrl: z.string().min(1).optional(),
  confirmations: z.number().int().min(0).optional(),
  pollingIntervalMs: z.number().int().positive().optional(),
  admin: address.optional(),
  guardian: address.nullable().optional(),
  checkpoint: checkpointParams.optional(),
});

const staking = z.strictObject({
  stakeToken: address.optional(),
  epochLength: positiveInteger,
  minStake: positiveInteger,
  setChangeDelay: positiveInteger.optional(),
  unbondingDelay: positiveInteger.optional(),
  maxValidators: z.number().int().min(1).max(256).optional(),
  thresholdBps: z.number().int().min(5_001).max(10_000).optional(),
  slashBps: z.number().int().min(1).max(10_000).optional(),
  reporterRewardBps: z.number().int().min(0).max(9_999).optional(),
});

export const deployConfigSchema = z.strictObject({
  main: chain.default({}),
  child: chain.default({}),
  validators: z.array(validator).min(1).optional(),
  threshold: integer.optional(),
  mainValidators: validatorSet.optional(),
  childValidators: validatorSet.optional(),
  challengePeriod: integer,
  minBond: positiveInteger,
  challengerRewardBps: z.number().int().min(0).max(10_000),
  validatorChangeDelay: positiveInteger.optional(),
  /** LeafAvailabilityGame parameters (deployOptions.availability); false: no game. */
  availability: z
    .union([
      z.literal(false),
      z.strictObject({
        responseWindow: positiveInteger.optional(),
        resolveWindow: positiveInteger.optional(),
        leafDemandBond: positiveInteger.optional(),
        headerDemandBond: positiveInteger.optional(),
      }),
    ])
    .optional(),
  admin: address.optional(),
  guardian: address.nullable().optional(),
  txTimeoutMs: z.number().int().positive().optional(),
  /** Opt-in: validator sets that follow a StakeManager's epochs (see StakingSpec). */
  staking: staking.optional(),
});

export type DeployConfig = z.infer<typeof deployConfigSchema>;

/** Reads and validates a config file. @throws DeployConfigError naming the file and the field. */
export function loadDeployConfig(file: string): DeployConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new DeployConfigError(`config ${file}: ${(error as Error).message}`, { cause: error });
  }
  const parsed = deployConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.length > 0 ? i.path.join(".") : "(root)"}: ${i.message}`);
    throw new DeployConfigError(`config ${file} is invalid:\n${lines.join("\n")}`);
  }
  return parsed.data;
}

/** The options `deployBridge` takes, from a config plus what never sits in it (keys, output folder). */
export function optionsFromConfig(
  config: DeployConfig,
  extra: { deploymentsDir: string; keys: { main: string; child: string }; rpcUrls?: { main?: string; child?: string } },
): DeployBridgeOptions {
  const side = (role: "main" | "child") => {
    const { chainId, rpcUrl, ...rest } = config[role];
    return { ...rest, expectedChainId: chainId, rpcUrl: extra.rpcUrls?.[role] ?? rpcUrl, privateKey: extra.keys[role] };
  };
  return { ...config, main: side("main"), child: side("child"), deploymentsDir: extra.deploymentsDir };
}
