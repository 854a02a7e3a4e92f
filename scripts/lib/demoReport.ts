/**
 * What `npm run demo` shows: numbered steps, a progress line per step, and the final summary.
 *
 * On a terminal the progress is one line rewritten in place (a countdown ticks without scrolling).
 * Piped into a file or a test, every line is kept, so progress is printed only when its text
 * changes apart from the numbers, or every few seconds: a log stays short and still shows the
 * countdown advancing.
 */
import { formatUnits } from "ethers";

import type { BridgeMessageStatus } from "../../relayer/src/sdk";

const PLAIN_REPEAT_MS = 5_000;

export class DemoReport {
  private readonly interactive: boolean;
  private current = "";
  private lastPlain = { shape: "", at: 0 };
  private step = 0;

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly totalSteps: number,
  ) {
    this.interactive = out.isTTY === true;
  }

  /** Starts step n of N: a header line that stays. */
  begin(title: string): void {
    this.step++;
    this.line(`[${this.step}/${this.totalSteps}] ${title}`);
  }

  /** A result that stays, under the current step. */
  info(text: string): void {
    this.line(`      ${text}`);
  }

  /** Transient progress: rewritten in place on a terminal, throttled otherwise. */
  progress(text: string): void {
    if (this.interactive) {
      this.current = `      … ${text}`;
      const width = this.out.columns ?? 120;
      this.out.write(`\r\x1b[2K${this.current.slice(0, Math.max(20, width - 1))}`);
      return;
    }
    // The "shape" of a line is its text without numbers: a new shape is news, a new number is not.
    const shape = text.replace(/\d+/g, "#");
    const now = Date.now();
    if (shape === this.lastPlain.shape && now - this.lastPlain.at < PLAIN_REPEAT_MS) return;
    this.lastPlain = { shape, at: now };
    this.out.write(`      … ${text}\n`);
  }

  /** Any line that must stay: clears the progress line first on a terminal. */
  line(text: string): void {
    if (this.interactive && this.current !== "") {
      this.out.write("\r\x1b[2K");
      this.current = "";
    }
    this.lastPlain = { shape: "", at: 0 };
    this.out.write(`${text}\n`);
  }
}

/** The progress line for a message on its way, as `BridgeClient.waitForStatus` reports it. */
export function describeStatus(status: BridgeMessageStatus, context: { source: string; destination: string; sourceHead?: number; confirmations: number }): string {
  switch (status.status) {
    case "sent": {
      const depth = context.sourceHead === undefined ? undefined : Math.max(0, context.sourceHead - status.blockNumber + 1);
      const confirmed =
        depth === undefined ? "" : depth < context.confirmations ? `, ${depth}/${context.confirmations} confirmations` : `, confirmed (${depth} blocks deep)`;
      return `sent in ${context.source} block ${status.blockNumber}${confirmed}: waiting for a checkpoint of it on the ${context.destination} chain`;
    }
    case "checkpointed":
      return `checkpoint #${status.checkpointId} covers it, not relayable yet: ${status.reason}`;
    case "challenge-window":
      return `checkpoint #${status.checkpointId} submitted: challenge window, ${status.secondsLeft} s left`;
    case "ready":
      return `checkpoint #${status.checkpointId} is final: waiting for the relayer to relay it`;
    case "queued":
      return `relayed; its payout is queued by the rate limit, ${status.secondsLeft} s left`;
    case "relayed":
      return "relayed";
    case "failed":
      return "the relay ran and its call reverted";
  }
}

export interface GasEntry {
  chain: "main" | "child";
  action: string;
  by: string;
  txHash: string;
  gasUsed: bigint;
}

export interface BalanceRow {
  asset: string;
  main: bigint;
  child: bigint;
  decimals: number;
  /** The main-chain balance before the round trip, to show what moved. */
  mainBefore?: bigint;
}

/** The final summary: balances on both chains, then gas used per transaction. */
export function summaryLines(account: string, balances: BalanceRow[], gas: GasEntry[], elapsedMs: number): string[] {
  const amount = (value: bigint, decimals: number) => trimZeros(formatUnits(value, decimals));
  const balanceRows = balances.map((row) => {
    const before = row.mainBefore === undefined ? "" : ` (was ${amount(row.mainBefore, row.decimals)})`;
    return [row.asset, `${amount(row.main, row.decimals)}${before}`, amount(row.child, row.decimals)];
  });
  const gasRows = gas.map((entry) => [entry.chain, entry.action, entry.by, entry.gasUsed.toLocaleString("en-US"), entry.txHash]);
  const total = gas.reduce((sum, entry) => sum + entry.gasUsed, 0n);
  return [
    "",
    `summary: round trip done in ${Math.round(elapsedMs / 1000)} s`,
    `balances of ${account}`,
    ...table(["asset", "main chain", "child chain"], balanceRows),
    "gas used per transaction",
    ...table(["chain", "transaction", "sent by", "gas", "tx"], gasRows),
    `  total gas: ${total.toLocaleString("en-US")} (checkpoint submissions are shared by every message they cover: not counted)`,
  ];
}

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i].length)));
  const render = (row: string[]) => `  ${row.map((cell, i) => (i === 3 && header[3] === "gas" ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join("  ")}`.trimEnd();
  return [render(header), ...rows.map(render)];
}

function trimZeros(text: string): string {
  return text.includes(".") ? text.replace(/\.?0+$/, "") : text;
}
