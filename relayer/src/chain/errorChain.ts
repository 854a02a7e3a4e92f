/**
 * What an error from a JSON-RPC stack carries, wherever the stack put it: ethers wraps the node's
 * error in `error` or `info.error`, hardhat-ethers and Hardhat's ProviderError put revert data in
 * `data` (sometimes an object with its own `data`), wrappers chain with `cause`.
 */

/** Visits `error` and everything it wraps, breadth first, once each; returns the first value `pick` finds. */
export function searchErrorChain<T>(error: unknown, pick: (node: Record<string, unknown>) => T | undefined): T | undefined {
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  while (queue.length > 0) {
    const current = queue.shift();
    if (current === null || typeof current !== "object" || seen.has(current)) continue;
    seen.add(current);
    const node = current as Record<string, unknown>;
    const found = pick(node);
    if (found !== undefined) return found;
    queue.push(node.data, node.error, node.info, node.cause);
  }
  return undefined;
}

/**
 * The revert data inside an error: the first hex `data` of whole bytes. With `minBytes` 4, only
 * data that names an error (a selector at least), so an empty "0x" beside the real data is passed over.
 */
export function revertDataOf(error: unknown, minBytes = 0): string | undefined {
  return searchErrorChain(error, (node) => {
    const data = node.data;
    return typeof data === "string" && /^0x([0-9a-fA-F]{2})*$/.test(data) && data.length >= 2 + 2 * minBytes ? data : undefined;
  });
}
