/** Human and JSON output of the user commands: one JSON object per command with --json, text otherwise. */
import { NATIVE_TOKEN } from "../sdk/abi";
import type { Balances, BridgeMessageStatus, BridgeTransfer, RelayResult } from "../sdk/types";
import { formatAmount } from "../sdk/units";

/** JSON has no bigint: amounts and ids are written as decimal strings, which scripts parse exactly. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
}

export function transferText(
  verb: "deposit" | "withdrawal",
  transfer: BridgeTransfer,
  details: { amount: bigint; symbol: string; decimals: number; from: string; to: string },
): string {
  const [source, destination] = transfer.direction.split("->");
  return [
    `${verb} sent: ${formatAmount(details.amount, details.decimals)} ${details.symbol} from ${details.from} on the ${source} chain to ${details.to} on the ${destination} chain`,
    `  transaction  ${transfer.txHash}`,
    `  message      ${transfer.messageId} (${transfer.direction})`,
    `follow it: sidechain status ${transfer.txHash}`,
  ].join("\n");
}

const EXPLAIN: Record<BridgeMessageStatus["status"], string> = {
  sent: "sent, waiting for a checkpoint of its block on the destination chain",
  checkpointed: "checkpointed, but not relayable now",
  "challenge-window": "checkpointed, in the challenge window",
  ready: "final: ready to relay (the relayer will, or: sidechain relay <tx>)",
  queued: "relayed, its payout queued by the bridge's rate limit (the relayer executes it when due, or: sidechain execute-release <tx>)",
  relayed: "relayed: executed on the destination chain",
  failed: "failed: its call reverted on the destination chain (retry: sidechain relay <tx>)",
};

export function statusText(status: BridgeMessageStatus): string {
  const lines = [`message ${status.messageId} (${status.direction}) from transaction ${status.txHash}, block ${status.blockNumber}`, `status: ${status.status} — ${EXPLAIN[status.status]}`];
  if (status.status === "challenge-window") {
    lines.push(`  checkpoint #${status.checkpointId} final in ${status.secondsLeft} s (at ${new Date(status.finalizesAt * 1000).toISOString()})`);
  } else if (status.status === "checkpointed") {
    lines.push(`  checkpoint #${status.checkpointId}: ${status.reason}`);
  } else if (status.status === "ready") {
    lines.push(`  checkpoint #${status.checkpointId}`);
  } else if (status.status === "queued") {
    lines.push(`  release ${status.releaseId} executable in ${status.secondsLeft} s (at ${new Date(status.releasableAt * 1000).toISOString()})`);
  }
  return lines.join("\n");
}

export function relayText(result: RelayResult): string {
  switch (result.outcome) {
    case "relayed":
      return `relayed message ${result.messageId} in transaction ${result.txHash}`;
    case "failed":
      return `message ${result.messageId} ran in transaction ${result.txHash} but its call reverted: it stays failed and can be retried`;
    case "already-relayed":
      return `message ${result.messageId} was already relayed${result.txHash === null ? "" : ` (our transaction ${result.txHash} lost the race)`}: nothing to do`;
  }
}

export function balancesText(balances: Balances): string {
  const rows: string[][] = [["token", "root token", "main chain", "child chain"]];
  rows.push(["gas (native)", "", formatAmount(balances.native.main, 18), formatAmount(balances.native.child, 18)]);
  for (const t of balances.tokens) {
    rows.push([t.symbol, t.rootToken === NATIVE_TOKEN ? "ETH" : t.rootToken, formatAmount(t.main, t.decimals), t.childToken === null ? "- (not on the child chain yet)" : formatAmount(t.child, t.decimals)]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return [`balances of ${balances.address}`, ...rows.map((r) => `  ${r.map((cell, i) => cell.padEnd(widths[i])).join("  ").trimEnd()}`)].join("\n");
}

export function balancesJson(balances: Balances): unknown {
  return {
    address: balances.address,
    native: balances.native,
    tokens: balances.tokens.map((t) => ({ ...t, mainFormatted: formatAmount(t.main, t.decimals), childFormatted: formatAmount(t.child, t.decimals) })),
  };
}
