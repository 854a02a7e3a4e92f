/**
 * Where a mined transaction's gas goes, from `debug_traceTransaction` (`GAS_TRACE=1 npm run bench:gas`).
 *
 * Splits `gasUsed` into the intrinsic part (21,000 and calldata, with the EIP-7623 floor beside it)
 * and execution, and execution by opcode class and call depth. A call's own cost (cold access,
 * value transfer, memory) is counted on the caller; what the callee spends is counted on the callee.
 */
import type { TransactionReceipt } from "ethers";
import { network, ethers } from "hardhat";

interface Step {
  op: string;
  gas: number;
  gasCost: number;
  depth: number;
}

const CALLS = new Set(["CALL", "STATICCALL", "DELEGATECALL", "CALLCODE", "CREATE", "CREATE2"]);

function classOf(op: string): string {
  if (op === "SSTORE" || op === "SLOAD" || op === "TSTORE" || op === "TLOAD" || op === "KECCAK256") return op;
  if (op.startsWith("LOG")) return "LOG";
  if (CALLS.has(op)) return "CALL(own)";
  if (op === "CALLDATACOPY" || op === "MCOPY" || op === "CODECOPY" || op === "RETURNDATACOPY") return "COPY";
  if (op === "BALANCE" || op === "EXTCODESIZE" || op === "EXTCODEHASH") return "ACCOUNT";
  return "other";
}

/** Gas spent by step `i`, including for a call the gas of everything it ran. */
function spent(steps: Step[], i: number): number {
  const step = steps[i];
  for (let j = i + 1; j < steps.length; j++) {
    if (steps[j].depth <= step.depth) return step.gas - steps[j].gas;
  }
  return step.gasCost;
}

export async function traceGas(key: string, receipt: TransactionReceipt): Promise<string> {
  const tx = await ethers.provider.getTransaction(receipt.hash);
  const data = ethers.getBytes(tx!.data);
  const zeros = data.filter((b) => b === 0).length;
  const tokens = zeros + 4 * (data.length - zeros);
  const standard = 21_000 + 4 * tokens;
  const floor = 21_000 + 10 * tokens;
  const trace = (await network.provider.send("debug_traceTransaction", [receipt.hash, { disableStack: true, disableMemory: true, disableStorage: true }])) as {
    structLogs: Step[];
  };
  const steps = trace.structLogs;
  const byClass = new Map<string, number>();
  const byDepth = new Map<number, number>();
  const add = <K>(map: Map<K, number>, k: K, v: number) => map.set(k, (map.get(k) ?? 0) + v);
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i];
    let own = step.gasCost;
    if (CALLS.has(step.op)) {
      const total = spent(steps, i);
      // The callee's steps are counted on their own; the call's own cost is what is left.
      let inside = 0;
      const next = steps[i + 1];
      if (next !== undefined && next.depth === step.depth + 1) {
        for (let j = i + 1; j < steps.length && steps[j].depth > step.depth; j++) {
          if (steps[j].depth === step.depth + 1 && !CALLS.has(steps[j].op)) inside += steps[j].gasCost;
          else if (steps[j].depth === step.depth + 1) inside += spent(steps, j);
        }
      }
      own = total - inside;
    }
    add(byClass, classOf(step.op), own);
    add(byDepth, step.depth, own);
  }
  const execution = Number(receipt.gasUsed) - standard;
  const fmt = (map: Map<string | number, number>) =>
    [...map.entries()].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v.toLocaleString("en-US")}`).join(", ");
  return (
    `${key}: gasUsed ${Number(receipt.gasUsed).toLocaleString("en-US")} = intrinsic ${standard.toLocaleString("en-US")} ` +
    `(calldata ${data.length} B, ${zeros} zero; EIP-7623 floor ${floor.toLocaleString("en-US")}) + execution ${execution.toLocaleString("en-US")}\n` +
    `  by opcode: ${fmt(byClass as Map<string | number, number>)}\n` +
    `  by depth: ${fmt(byDepth as Map<string | number, number>)}`
  );
}

/** Landmarks of one transaction's trace: gas left at each hash, call, log and storage access of depth 1-2. */
export async function traceMarks(receipt: TransactionReceipt): Promise<string> {
  const trace = (await network.provider.send("debug_traceTransaction", [receipt.hash, { disableMemory: true, disableStorage: true }])) as {
    structLogs: (Step & { stack?: string[] })[];
  };
  const marks: string[] = [];
  const steps = trace.structLogs;
  let last = 0;
  const hist = new Map<number, Map<string, number>>();
  for (let i = 0; i < steps.length; i++) {
    const s = steps[i];
    if (s.depth > 2) continue;
    if (s.op === "KECCAK256" || CALLS.has(s.op) || s.op.startsWith("LOG") || s.op === "SLOAD" || s.op === "SSTORE" || s.op === "RETURN") {
      const size = s.op === "KECCAK256" && s.stack ? ` ${parseInt(s.stack[s.stack.length - 2], 16)}B` : "";
      marks.push(`#${i} d${s.depth} ${s.op}${size} gas ${s.gas}`);
      last = i;
    }
    const next = steps[i + 1];
    if (next !== undefined && s.gas - next.gas > 0 && i > last) {
      const gap = hist.get(last) ?? new Map<string, number>();
      gap.set(s.op, (gap.get(s.op) ?? 0) + s.gasCost);
      hist.set(last, gap);
    }
  }
  for (const [at, gap] of hist) {
    const total = [...gap.values()].reduce((a, b) => a + b, 0);
    if (total > 3000) marks.push(`after #${at}: ${total} ` + [...gap.entries()].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([op, g]) => `${op} ${g}`).join(", "));
  }
  return marks.join("\n");
}
