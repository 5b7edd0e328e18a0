// Exact arithmetic on the engine's decimal strings: amounts become BigInt
// counts of ten-thousandths (enough for every ISO 4217 currency's minor unit)
// and go back to decimal strings. Nothing here is ever a float; a chart's bar
// length is the one place a number is derived, for drawing only (`forDrawing`).
import type { Money } from "./bindings/Money";

/** Fraction digits kept: every currency's minor unit has at most four. */
export const SCALE = 4;
const ONE = 10n ** BigInt(SCALE);
const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?$/;

/** "-12.5" → -125000n; null for anything that is not a plain decimal of at most four places. */
export function toUnits(amount: string): bigint | null {
  const match = DECIMAL.exec(amount.trim());
  if (match === null) return null;
  const [, minus, integer = "0", fraction = ""] = match;
  if (fraction.length > SCALE) return null;
  const units = BigInt(integer) * ONE + BigInt(fraction.padEnd(SCALE, "0"));
  return minus === "-" ? -units : units;
}

/** The engine's amounts are always readable; anything else counts as zero rather than throwing. */
export function unitsOf(money: Money): bigint {
  return toUnits(money.amount) ?? 0n;
}

/** -125000n → "-12.50": at least two fraction digits, trailing zeros beyond them dropped. */
export function fromUnits(units: bigint): string {
  const minus = units < 0n ? "-" : "";
  const abs = units < 0n ? -units : units;
  const integer = (abs / ONE).toString();
  let fraction = (abs % ONE).toString().padStart(SCALE, "0");
  while (fraction.length > 2 && fraction.endsWith("0")) fraction = fraction.slice(0, -1);
  return `${minus}${integer}.${fraction}`;
}

export function money(units: bigint, currency: string): Money {
  return { amount: fromUnits(units), currency };
}

export function abs(units: bigint): bigint {
  return units < 0n ? -units : units;
}

/** Whole percent of `part` in `whole`, rounded down; null when `whole` is zero or less. */
export function percent(part: bigint, whole: bigint): number | null {
  if (whole <= 0n) return null;
  return Number((part * 100n) / whole);
}

/**
 * What the user typed as an amount ("1,250", "1250.5", "$40") → "1250.50", or null with
 * no way to read it exactly. Grouping commas and a leading currency sign are allowed.
 */
export function parseAmountInput(text: string): string | null {
  const cleaned = text.trim().replace(/^[$€£]/, "").replace(/,(?=\d{3}(\D|$))/g, "");
  if (!/^\d+(\.\d{1,2})?$/.test(cleaned)) return null;
  const units = toUnits(cleaned);
  return units === null ? null : fromUnits(units);
}

/**
 * A bar's length for a chart, in currency units: the one conversion to a number, for
 * drawing only. Labels and tables always show the exact decimal string.
 */
export function forDrawing(units: bigint): number {
  return Number(units) / Number(ONE);
}
