/**
 * Exit proofs for self-relaying: from a relayer's API when one is configured (it has the
 * checkpoint's blocks already), else rebuilt from the source chain with `proveLog`. Either way
 * the destination messenger checks the proof, so the API is a shortcut, never a trust assumption.
 */
import type { Provider } from "ethers";

import type { JsonRpcSender } from "../chain/rpcValues";
import { proveLog, type ExitProof } from "../proof/exitProof";
import { InvalidArgumentError } from "./errors";
import type { CoveringCheckpoint, LocatedMessage } from "./messages";

/** Long enough for a relayer that builds the receipts trie of a busy block. */
const API_TIMEOUT_MS = 10_000;

interface ApiProofBody {
  messageId?: string;
  proof?: Record<string, unknown>;
}

/**
 * The relayer API's proof of the message, or undefined when it has none (not recorded, not
 * checkpointed in its view, unreachable, or for another message): the caller then builds it itself.
 */
export async function fetchApiProof(apiUrl: string, message: LocatedMessage): Promise<ExitProof | undefined> {
  const url = `${apiUrl.replace(/\/+$/, "")}/proof/${message.txHash}/${message.logIndex}`;
  let body: ApiProofBody;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(API_TIMEOUT_MS) });
    if (!response.ok) return undefined;
    body = (await response.json()) as ApiProofBody;
  } catch {
    return undefined;
  }
  // A relayer watching another deployment (or a stale one) would answer for another message.
  if (body.messageId?.toLowerCase() !== message.messageId || body.proof === undefined) return undefined;
  try {
    return exitProofFromJson(body.proof);
  } catch {
    return undefined;
  }
}

/** The exit proof straight from the source chain's node (fetches every block of the checkpoint). */
export async function buildChainProof(sourceProvider: Provider, message: LocatedMessage, checkpoint: CoveringCheckpoint): Promise<ExitProof> {
  return proveLog(jsonRpcSender(sourceProvider, message.source), {
    txHash: message.txHash,
    logIndex: message.logIndex,
    checkpoint: { id: checkpoint.id, startBlock: checkpoint.startBlock, endBlock: checkpoint.endBlock },
  });
}

/** An exit proof as the API and `sidechain proof` print it (bigints as decimal strings). */
export function exitProofFromJson(json: Record<string, unknown>): ExitProof {
  const hex = (name: string): string => {
    const value = json[name];
    if (typeof value !== "string" || !/^0x[0-9a-fA-F]*$/.test(value)) throw new InvalidArgumentError(`proof.${name}`, value, "is not hex");
    return value;
  };
  const hexList = (name: string): string[] => {
    const value = json[name];
    if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) throw new InvalidArgumentError(`proof.${name}`, value, "is not a list of hex strings");
    return value as string[];
  };
  const integer = (name: string): bigint => {
    const value = json[name];
    if ((typeof value !== "string" && typeof value !== "number") || !/^\d+$/.test(String(value))) throw new InvalidArgumentError(`proof.${name}`, value, "is not an integer");
    return BigInt(value);
  };
  return {
    checkpointId: integer("checkpointId"),
    blockNumber: integer("blockNumber"),
    blockHash: hex("blockHash"),
    receiptsRoot: hex("receiptsRoot"),
    blockProof: hexList("blockProof"),
    receiptKey: hex("receiptKey"),
    receiptProof: hexList("receiptProof"),
    logIndex: integer("logIndex"),
  };
}

/** proveLog speaks raw JSON-RPC: a JsonRpcProvider (or BrowserProvider) has `send`, other providers do not. */
function jsonRpcSender(provider: Provider, side: string): JsonRpcSender {
  const candidate = provider as Provider & Partial<JsonRpcSender>;
  if (typeof candidate.send !== "function") {
    throw new InvalidArgumentError(`${side} provider`, provider.constructor.name, "has no JSON-RPC send(): use a JsonRpcProvider to build proofs from the chain, or configure apiUrl");
  }
  return { send: (method, params) => candidate.send!(method, params) };
}
