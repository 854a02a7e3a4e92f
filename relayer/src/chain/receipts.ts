/**
 * Fetching raw blocks and all receipts of a block over JSON-RPC.
 *
 * Raw JSON is kept on purpose (no ethers `Block`/`TransactionReceipt` classes): they drop
 * header and receipt fields that the block hash and the receipts root commit to.
 */
import {
  BlockNotFoundError,
  InvalidReceiptError,
  ReceiptBlockMismatchError,
  ReceiptOrderError,
  TransactionReceiptNotFoundError,
} from "../errors";
import { decodeQuantity, toRpcQuantity, type JsonRpcSender, type RpcBlock, type RpcReceipt } from "./rpcValues";
import { searchErrorChain } from "./errorChain";

/** A block number, a tag ("latest", "finalized", "safe", …), a hex quantity, or a 32-byte block hash. */
export type BlockId = number | bigint | string;

/** Receipts of one block fetched in parallel when the node lacks `eth_getBlockReceipts`. */
const RECEIPT_FETCH_CONCURRENCY = 16;

/**
 * Providers known to lack `eth_getBlockReceipts` (Hardhat 2, older nodes): asking again on
 * every block would double the calls for nothing. Weak, so providers can still be collected.
 */
const withoutBlockReceipts = new WeakSet<object>();

const invalidReceipt = (field: string, value: unknown, reason: string) => new InvalidReceiptError(field, value, reason);

/**
 * The block as the node returns it from `eth_getBlockByNumber` / `eth_getBlockByHash`, with
 * transaction hashes only, so that every header field survives.
 * @throws BlockNotFoundError (retryable) if the node does not have it (yet).
 */
export async function fetchBlock(provider: JsonRpcSender, block: BlockId): Promise<RpcBlock> {
  const result = isBlockHash(block)
    ? await provider.send("eth_getBlockByHash", [block, false])
    : await provider.send("eth_getBlockByNumber", [toBlockParam(block), false]);
  if (result === null || result === undefined) throw new BlockNotFoundError(String(block));
  return result as RpcBlock;
}

/**
 * All receipts of a block, as raw JSON-RPC objects ordered by transactionIndex. Uses
 * `eth_getBlockReceipts` where the node has it, else one `eth_getTransactionReceipt` per
 * transaction; either way every receipt is checked to belong to the same block, so a reorg
 * between calls surfaces as a retryable error instead of a mixed set.
 */
export async function fetchBlockReceipts(provider: JsonRpcSender, block: BlockId): Promise<RpcReceipt[]> {
  if (!withoutBlockReceipts.has(provider)) {
    try {
      const receipts = await provider.send("eth_getBlockReceipts", [toBlockParam(block)]);
      if (receipts === null || receipts === undefined) throw new BlockNotFoundError(String(block));
      if (!Array.isArray(receipts)) throw invalidReceipt("eth_getBlockReceipts", receipts, "expected an array");
      return checkedReceipts(receipts as RpcReceipt[], isBlockHash(block) ? block : undefined);
    } catch (error) {
      if (!isMethodNotSupported(error)) throw error;
      withoutBlockReceipts.add(provider);
    }
  }
  return fetchReceiptsOneByOne(provider, block);
}

async function fetchReceiptsOneByOne(provider: JsonRpcSender, block: BlockId): Promise<RpcReceipt[]> {
  const { hash, transactions } = await fetchBlock(provider, block);
  const receipts = await mapWithConcurrency(transactions, RECEIPT_FETCH_CONCURRENCY, async (txHash) => {
    const receipt = (await provider.send("eth_getTransactionReceipt", [txHash])) as RpcReceipt | null;
    // The block is known to hold the transaction: a missing receipt means it was reorged out.
    if (receipt === null || receipt === undefined) throw new TransactionReceiptNotFoundError(txHash);
    return receipt;
  });
  return checkedReceipts(receipts, hash);
}

/** Sorts by transactionIndex and checks the indexes are 0..n-1 and the receipts share one block. */
function checkedReceipts(receipts: RpcReceipt[], expectedBlockHash: string | undefined): RpcReceipt[] {
  const blockHash = expectedBlockHash?.toLowerCase() ?? receipts[0]?.blockHash?.toLowerCase();
  const indexed = receipts.map((receipt) => {
    if (receipt === null || typeof receipt !== "object") throw invalidReceipt("receipt", receipt, "expected an object");
    const actual = receipt.blockHash?.toLowerCase();
    if (blockHash !== undefined && actual !== undefined && actual !== blockHash) {
      throw new ReceiptBlockMismatchError(String(receipt.transactionHash), blockHash, actual);
    }
    return { receipt, index: decodeQuantity(receipt.transactionIndex, "transactionIndex", invalidReceipt) };
  });
  indexed.sort((a, b) => (a.index < b.index ? -1 : a.index > b.index ? 1 : 0));
  indexed.forEach(({ receipt, index }, position) => {
    if (index !== BigInt(position)) throw new ReceiptOrderError(position, receipt.transactionIndex);
  });
  return indexed.map(({ receipt }) => receipt);
}

/**
 * Whether the node rejected the method itself (as opposed to failing on this call). Codes:
 * -32601 "method not found" (EIP-1474), -32004 "method not supported" (Hardhat 2). ethers
 * wraps the node's error in `error` / `info.error`, or turns it into UNSUPPORTED_OPERATION.
 */
export function isMethodNotSupported(error: unknown): boolean {
  const found = searchErrorChain(error, ({ code, message }) => {
    if (code === -32601 || code === -32004 || code === "UNSUPPORTED_OPERATION") return true;
    return typeof message === "string" && METHOD_NOT_SUPPORTED.test(message) ? true : undefined;
  });
  return found === true;
}

// Only messages about the method: "tag 'finalized' not supported" must not disable it for good.
const METHOD_NOT_SUPPORTED = /method.*(not found|does not exist|not supported|not available)|(unsupported|unknown) method/i;

function isBlockHash(block: BlockId): block is string {
  return typeof block === "string" && /^0x[0-9a-fA-F]{64}$/.test(block);
}

function toBlockParam(block: BlockId): string {
  if (typeof block === "number" || typeof block === "bigint") return toRpcQuantity(block);
  // Hex quantities go through as given; decimal strings are converted (nodes reject them).
  if (/^[0-9]+$/.test(block)) return toRpcQuantity(BigInt(block));
  return block;
}

/** `fn` over `items` with at most `limit` calls in flight, results in input order. */
export async function mapWithConcurrency<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  // At least one worker: a limit of 0 must not return an array of holes.
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}
