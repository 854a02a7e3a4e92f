/** Amounts in token units for people (CLI output, error messages) and back. */
import { formatUnits, parseUnits, type Contract } from "ethers";

import { InvalidArgumentError } from "./errors";

/** `1500000000000000000n, 18` → "1.5"; whole numbers keep no trailing ".0". */
export function formatAmount(amount: bigint, decimals: number): string {
  const text = formatUnits(amount, decimals);
  return text.endsWith(".0") ? text.slice(0, -2) : text;
}

/** "1.5" with 18 decimals → 1500000000000000000n. @throws InvalidArgumentError for anything else than a positive decimal number. */
export function parseAmount(text: string, decimals: number): bigint {
  if (!/^\d+(\.\d+)?$/.test(text.trim())) throw new InvalidArgumentError("amount", text, "is not a positive decimal number");
  let amount: bigint;
  try {
    amount = parseUnits(text.trim(), decimals);
  } catch {
    throw new InvalidArgumentError("amount", text, `has more than ${decimals} decimals`);
  }
  if (amount <= 0n) throw new InvalidArgumentError("amount", text, "must be greater than zero");
  return amount;
}

/**
 * A token's symbol and decimals, for display only: tokens whose metadata calls revert or return
 * junk still get a readable amount, in base units ("?" symbol, 0 decimals).
 */
export async function tokenDisplay(token: Contract): Promise<{ symbol: string; decimals: number }> {
  const [symbol, decimals] = await Promise.all([
    (token.symbol() as Promise<string>).catch(() => "?"),
    (token.decimals() as Promise<bigint>).then(Number).catch(() => 0),
  ]);
  return { symbol, decimals };
}
