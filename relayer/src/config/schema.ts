/**
 * The relayer's configuration, as a zod schema: one JSON or YAML file, validated once at start
 * and frozen (STYLE rule 9). Secrets (private keys) come from the environment and never need to
 * be in the file.
 */
import { z } from "zod";

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "expected a 0x-prefixed 20-byte address");
const privateKey = z.string().regex(/^(0x)?[0-9a-fA-F]{64}$/, "expected a 32-byte hex private key");
const wei = z.union([z.string().regex(/^\d+$/, "expected a decimal wei amount"), z.number().int().nonnegative()]).transform((v) => BigInt(v));

export const contractsSchema = z.object({
  ValidatorSet: address,
  CheckpointManager: address,
  Messenger: address,
  RootBridge: address.optional(),
  Lockbox: address.optional(),
  ChildBridge: address.optional(),
  /** The asset (ERC721/ERC1155, child-native) bridges: the releaser executes their queued releases too. */
  RootAssetBridge: address.optional(),
  ChildAssetBridge: address.optional(),
  /** Main chain only: the validators' stake (deploy/ writes it in a staked deployment). */
  StakeManager: address.optional(),
  /** The data-availability game beside this chain's CheckpointManager; without it the challenger relies on `leafSources` alone. */
  LeafAvailabilityGame: address.optional(),
});

export const chainSchema = z
  .object({
    rpcUrl: z.string().url(),
    chainId: z.number().int().positive(),
    /** Blocks behind the head that count as final, or the node's `finalized` tag. */
    confirmations: z.union([z.number().int().nonnegative(), z.literal("finalized")]).default(12),
    pollIntervalMs: z.number().int().positive().default(2_000),
    /** Path to a deployments/<network>.json file (relative to the config file). */
    deployment: z.string().optional(),
    contracts: contractsSchema.optional(),
    /** First block the watcher records; default: the earliest of the deployment and the remote checkpoint manager's next start. */
    startBlock: z.number().int().nonnegative().optional(),
    /** Blocks fetched per watcher step. */
    batchSize: z.number().int().positive().default(50),
  })
  .strict()
  .refine((c) => c.deployment !== undefined || c.contracts !== undefined, { message: "give either `deployment` or `contracts`" });

const roleBase = { enabled: z.boolean().default(true) };

/** 0.1 ETH: a few dozen checkpoint submissions or relays at mainnet gas prices. */
export const DEFAULT_BALANCE_WARN_WEI = 10n ** 17n;

export const configSchema = z
  .object({
    dbPath: z.string().default("relayer.sqlite"),
    chains: z.object({ main: chainSchema, child: chainSchema }).strict(),
    rpc: z
      .object({
        timeoutMs: z.number().int().positive().default(10_000),
        retries: z.number().int().nonnegative().default(3),
        backoffMs: z.number().int().positive().default(250),
      })
      .strict()
      .default({ timeoutMs: 10_000, retries: 3, backoffMs: 250 }),
    roles: z
      .object({
        watcher: z.object(roleBase).strict().default({ enabled: true }),
        validator: z
          .object({ ...roleBase, host: z.string().default("127.0.0.1"), port: z.number().int().min(0).max(65535).default(7545) })
          .strict()
          .default({ enabled: true, host: "127.0.0.1", port: 7545 }),
        proposer: z
          .object({
            ...roleBase,
            /** At most LeafAvailabilityGame.MAX_LEAVES: a longer checkpoint's leaves cannot be published when demanded. */
            maxBlocks: z.number().int().positive().max(1024).default(64),
            maxWaitMs: z.number().int().nonnegative().default(60_000),
            /** Also cut a short checkpoint with no message in it once maxWaitMs has passed (costs gas on idle lanes). */
            emptyCheckpoints: z.boolean().default(false),
            /** Validators' attestation endpoints (their base URL, e.g. http://v1:7545). */
            validatorUrls: z.array(z.string().url()).default([]),
            /**
             * Deposited when the bond is below what the next submission needs (minBond for it and for
             * each of our pending checkpoints), if more than the shortfall; default: the shortfall.
             */
            bondAmount: wei.optional(),
            attestTimeoutMs: z.number().int().positive().default(5_000),
            /**
             * With other proposers active on a lane, each range has an order among them (a hash of
             * key and range): the n-th waits n × staggerMs for the others to land it first.
             */
            staggerMs: z.number().int().nonnegative().default(10_000),
          })
          .strict()
          .default({ enabled: true, maxBlocks: 64, maxWaitMs: 60_000, emptyCheckpoints: false, validatorUrls: [], attestTimeoutMs: 5_000, staggerMs: 10_000 }),
        executor: z
          .object({
            ...roleBase,
            maxAttempts: z.number().int().positive().default(10),
            retryBackoffMs: z.number().int().positive().default(15_000),
            /** Relays of one lane in flight at once (one nonce manager orders them); 1 = one after another. */
            maxInFlight: z.number().int().positive().default(64),
            /**
             * Batch relays (Messenger.relayMessages) of final messages of one checkpoint: at most
             * `maxMessages` a batch and `maxGas` gas a transaction; fewer than `minMessages` ready go
             * one by one. A batch takes one of the `maxInFlight` places.
             */
            batch: z
              .object({
                enabled: z.boolean().default(true),
                minMessages: z.number().int().min(2).default(2),
                maxMessages: z.number().int().min(2).max(256).default(32),
                maxGas: z.number().int().min(1_000_000).default(12_000_000),
              })
              .strict()
              .default({ enabled: true, minMessages: 2, maxMessages: 32, maxGas: 12_000_000 }),
          })
          .strict()
          .default({ enabled: true, maxAttempts: 10, retryBackoffMs: 15_000, maxInFlight: 64, batch: { enabled: true, minMessages: 2, maxMessages: 32, maxGas: 12_000_000 } }),
        challenger: z
          .object({
            enabled: z.boolean().default(false),
            /**
             * Where to fetch the committed leaves of a checkpoint whose root differs from our node's
             * (e.g. a proposer's published tree): `GET <url>/<blockRoot>` → JSON array of
             * `{ number, hash, receiptsRoot, header? }`, 404 when unknown. Tried in order; answers
             * are trusted only if they rebuild the on-chain root (docs/challenger.md).
             */
            leafSources: z.array(z.string().url()).default([]),
            leafSourceTimeoutMs: z.number().int().positive().default(5_000),
          })
          .strict()
          .default({ enabled: false, leafSources: [], leafSourceTimeoutMs: 5_000 }),
        /** Reports validator keys that signed two different leaves at one height (roles/equivocation.ts). */
        equivocation: z
          .object({
            enabled: z.boolean().default(false),
            /** The main chain's StakeManager; default: chains.main.contracts.StakeManager (its deployment file). */
            stakeManager: address.optional(),
            /** Where to fetch a signed range's leaves that neither our records nor our node have; default: roles.challenger.leafSources. */
            leafSources: z.array(z.string().url()).optional(),
            leafSourceTimeoutMs: z.number().int().positive().default(5_000),
          })
          .strict()
          .default({ enabled: false, leafSourceTimeoutMs: 5_000 }),
      })
      .strict()
      .prefault({}),
    tx: z
      .object({
        /** Gas limit = estimate × (100 + gasMarginPercent) / 100. */
        gasMarginPercent: z.number().int().nonnegative().default(25),
        stuckTimeoutMs: z.number().int().positive().default(60_000),
        feeBumpPercent: z.number().int().min(10).default(20),
        receiptPollMs: z.number().int().positive().default(1_000),
      })
      .strict()
      .default({ gasMarginPercent: 25, stuckTimeoutMs: 60_000, feeBumpPercent: 20, receiptPollMs: 1_000 }),
    api: z
      .object({
        enabled: z.boolean().default(true),
        /** Anything but a loopback address needs SIDECHAIN_API_TOKEN (never in this file). */
        host: z.string().default("127.0.0.1"),
        port: z.number().int().min(0).max(65535).default(8080),
        /** /health is degraded once a message has waited this long for a checkpoint; default roles.proposer.maxWaitMs + 60 s. */
        stallAfterMs: z.number().int().positive().optional(),
        /** How often the API reads signer balances, bonds, validator sets and chain clocks for the console and the metrics. */
        monitorIntervalMs: z.number().int().positive().default(15_000),
        /** A signer balance below this is low (the console warns, SidechainSignerBalanceLow fires); below a quarter of it, critical. */
        balanceWarnWei: z
          .object({ main: wei.default(DEFAULT_BALANCE_WARN_WEI), child: wei.default(DEFAULT_BALANCE_WARN_WEI) })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    log: z.object({ level: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info") }).strict().default({ level: "info" }),
    /** Keys may be in the file for local devnets; the environment overrides them. */
    keys: z
      .object({ validator: privateKey.optional(), proposer: privateKey.optional(), executor: privateKey.optional(), challenger: privateKey.optional(), reporter: privateKey.optional() })
      .strict()
      .default({}),
  })
  .strict();

export type ConfigInput = z.input<typeof configSchema>;
export type ParsedConfig = z.output<typeof configSchema>;

export type ChainName = "main" | "child";
export const CHAIN_NAMES: readonly ChainName[] = ["main", "child"];
export const otherChain = (chain: ChainName): ChainName => (chain === "main" ? "child" : "main");

export interface Contracts {
  ValidatorSet: string;
  CheckpointManager: string;
  Messenger: string;
  RootBridge?: string;
  Lockbox?: string;
  ChildBridge?: string;
  RootAssetBridge?: string;
  ChildAssetBridge?: string;
  StakeManager?: string;
  LeafAvailabilityGame?: string;
}

export interface ChainConfig {
  name: ChainName;
  rpcUrl: string;
  chainId: number;
  confirmations: number | "finalized";
  pollIntervalMs: number;
  startBlock?: number;
  batchSize: number;
  contracts: Contracts;
  /** Block of the earliest contract deployment, where known (deployment file). */
  deployedAtBlock?: number;
}

export type Keys = { validator?: string; proposer?: string; executor?: string; challenger?: string; reporter?: string };

/** What roles receive: the parsed file with contracts resolved and keys merged from the env. */
export interface Config extends Omit<ParsedConfig, "chains" | "keys" | "api"> {
  chains: Readonly<Record<ChainName, ChainConfig>>;
  keys: Keys;
  /** `token`: SIDECHAIN_API_TOKEN, the bearer token every API route but /health/live then requires. */
  api: ParsedConfig["api"] & { token?: string };
}

/** deployments/<network>.json, as deploy/ writes it. */
export const deploymentSchema = z.object({
  network: z.string(),
  chainId: z.number().int().positive(),
  role: z.enum(["main", "child"]),
  remoteChainId: z.number().int().positive(),
  deployedAt: z.union([z.string(), z.number()]).optional(),
  contracts: z.record(
    z.string(),
    z.object({ address, block: z.number().int().nonnegative().optional(), txHash: z.string().optional(), args: z.unknown().optional() }).passthrough(),
  ),
});
