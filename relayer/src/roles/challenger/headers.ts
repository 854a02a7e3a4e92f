/**
 * Block headers from the challenger's own source node: the range a checkpoint claims, and any
 * committed block looked up by hash. Every header is re-encoded and checked against its hash, so
 * what we reveal on chain is exactly what the block hash commits to.
 */
import { RLP } from "@ethereumjs/rlp";
import { getBytes, hexlify, keccak256, toBigInt } from "ethers";

import { verifyBlockHeader } from "../../chain/header";
import { fetchBlock, mapWithConcurrency } from "../../chain/receipts";
import type { JsonRpcSender, RpcBlock } from "../../chain/rpcValues";
import { BlockNotFoundError, BrokenHeaderChainError, InvalidHeaderFieldError, RelayerError } from "../../errors";
import { buildCheckpointTree, type CheckpointTree } from "../../proof/checkpointTree";
import type { ChallengerLogger } from "./types";

/** The fields of a header the challenges compare, with its RLP and hash. */
export interface KnownHeader {
  rlp: string;
  hash: string;
  parentHash: string;
  number: bigint;
  receiptsRoot: string;
}

/** Reads the fields by position (parentHash 0, receiptsRoot 5, number 8): the same in every layout. */
export function parseHeader(rlp: string): KnownHeader {
  const decoded = RLP.decode(getBytes(rlp));
  if (!Array.isArray(decoded) || decoded.length < 15 || decoded.some((field) => !(field instanceof Uint8Array))) {
    throw new InvalidHeaderFieldError("header", rlp.slice(0, 20), "not an RLP list of at least 15 byte strings");
  }
  const fields = decoded as Uint8Array[];
  return {
    rlp: hexlify(rlp),
    hash: keccak256(rlp),
    parentHash: hexlify(fields[0]),
    receiptsRoot: hexlify(fields[5]),
    number: fields[8].length === 0 ? 0n : toBigInt(fields[8]),
  };
}

/** The source chain's own blocks of a range: the truth a checkpoint is compared with. */
export interface OwnRange {
  tree: CheckpointTree;
  headers: KnownHeader[];
}

/**
 * Fetches [start, end] from the source node, checks every header against its hash and the
 * parent links between them, and builds the checkpoint tree of those blocks.
 * @throws BlockNotFoundError (node behind) or BrokenHeaderChainError (it reorged while we read), both retryable.
 */
export async function fetchOwnRange(source: JsonRpcSender, start: bigint, end: bigint, concurrency: number): Promise<OwnRange> {
  const numbers: bigint[] = [];
  for (let n = start; n <= end; n++) numbers.push(n);
  const blocks = await mapWithConcurrency(numbers, concurrency, (n) => fetchBlock(source, n));
  const headers = blocks.map((block, i) => {
    const { rawHeader } = verifyBlockHeader(block);
    const header = parseHeader(rawHeader);
    if (header.number !== numbers[i]) throw new BlockNotFoundError(`${numbers[i]} (node returned block ${header.number})`);
    return header;
  });
  for (let i = 1; i < headers.length; i++) {
    if (headers[i].parentHash !== headers[i - 1].hash) {
      throw new BrokenHeaderChainError(headers[i].number, headers[i].parentHash, headers[i - 1].hash);
    }
  }
  const tree = buildCheckpointTree(headers.map((h) => ({ number: h.number, hash: h.hash, receiptsRoot: h.receiptsRoot })));
  return { tree, headers };
}

/**
 * Headers by hash, for revealing committed blocks: first the source node (which knows its own
 * chain, and often the side blocks it saw), then a header the proposer published beside its leaf.
 */
export class HeaderBook {
  private readonly known = new Map<string, KnownHeader | null>();

  constructor(
    private readonly source: JsonRpcSender,
    private readonly logger: ChallengerLogger,
    preloaded: readonly KnownHeader[] = [],
  ) {
    for (const header of preloaded) this.known.set(header.hash, header);
  }

  /** The header whose keccak256 is `hash`, or undefined when nobody we ask has it. */
  async byHash(hash: string, published?: string): Promise<KnownHeader | undefined> {
    const key = hash.toLowerCase();
    const cached = this.known.get(key);
    if (cached !== undefined) return cached ?? this.fromPublished(key, published);
    let found: KnownHeader | undefined;
    try {
      const block: RpcBlock = await fetchBlock(this.source, key);
      found = parseHeader(verifyBlockHeader(block, key).rawHeader);
    } catch (error) {
      if (!(error instanceof BlockNotFoundError)) {
        // A node that cannot be re-encoded is not one we can reveal; a transient RPC error is.
        if (!(error instanceof RelayerError) || error.retryable) throw error;
        this.logger.warn({ at: "challenger.header", hash: key, code: error.code, err: error.message }, "node's header for a committed hash does not verify");
      }
    }
    this.known.set(key, found ?? null);
    return found ?? this.fromPublished(key, published);
  }

  private fromPublished(hash: string, published: string | undefined): KnownHeader | undefined {
    if (published === undefined) return undefined;
    try {
      const header = parseHeader(published);
      if (header.hash === hash) return header;
      this.logger.warn({ at: "challenger.header", hash, publishedHash: header.hash }, "published header does not hash to its leaf");
    } catch (error) {
      this.logger.warn({ at: "challenger.header", hash, err: (error as Error).message }, "published header is not RLP");
    }
    return undefined;
  }
}
