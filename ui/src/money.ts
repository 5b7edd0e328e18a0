// Money on screen. Amounts arrive as exact decimal strings ("-1234.56") and stay
// strings: a float cannot hold every cent of a large balance, so no amount is
// ever turned into a number. Intl only supplies the locale's symbols and layout
// (formatted from a template number, never from an amount); the digits are
// grouped here by string manipulation.
import type { Money } from "./bindings/Money";

const AMOUNT = /^(-?)(\d+)(?:\.(\d+))?$/;

type Layout = {
  /** Parts of a formatted negative and positive template, in the locale's order. */
  negative: Intl.NumberFormatPart[];
  positive: Intl.NumberFormatPart[];
  group: string;
  decimal: string;
  /** Digits in the rightmost group, and in the groups left of it (2 in en-IN's lakh). */
  primary: number;
  secondary: number;
  minFraction: number;
  /** The locale's digits 0-9 ("٠".."٩" in ar-EG), or null for 0-9 themselves. */
  digits: string[] | null;
};

const layouts = new Map<string, Layout | null>();

function layoutFor(currency: string, locale: string | undefined): Layout | null {
  const key = `${locale ?? ""}|${currency}`;
  let layout = layouts.get(key);
  if (layout === undefined) {
    layout = makeLayout(currency, locale);
    layouts.set(key, layout);
  }
  return layout;
}

function makeLayout(currency: string, locale: string | undefined): Layout | null {
  let format: Intl.NumberFormat;
  try {
    format = new Intl.NumberFormat(locale, { style: "currency", currency, currencyDisplay: "narrowSymbol" });
  } catch {
    return null; // not an ISO 4217 code this runtime knows
  }
  // 1234567 is exact as a float; it shows the locale's grouping (3, or 3 then 2).
  const positive = format.formatToParts(1234567);
  const negative = format.formatToParts(-1234567);
  const integers = positive.filter((p) => p.type === "integer").map((p) => p.value);
  const primary = integers.at(-1)?.length ?? 3;
  const secondary = integers.length >= 3 ? (integers.at(-2)?.length ?? primary) : primary;
  return {
    negative,
    positive,
    group: positive.find((p) => p.type === "group")?.value ?? "",
    decimal: format.formatToParts(1.5).find((p) => p.type === "decimal")?.value ?? ".",
    primary,
    secondary,
    minFraction: format.resolvedOptions().minimumFractionDigits ?? 0,
    digits: localDigits(format),
  };
}

function localDigits(format: Intl.NumberFormat): string[] | null {
  const digits = Array.from({ length: 10 }, (_, d) => format.formatToParts(d).find((p) => p.type === "integer")?.value ?? String(d));
  return digits.every((glyph, d) => glyph === String(d)) ? null : digits;
}

/** Inserts `group` into a run of digits: 3 by 3, or as the locale's layout says. */
export function groupDigits(digits: string, group: string, primary = 3, secondary = primary): string {
  if (group === "" || digits.length <= primary) return digits;
  const out = [digits.slice(-primary)];
  let end = digits.length - primary;
  while (end > 0) {
    out.unshift(digits.slice(Math.max(0, end - secondary), end));
    end -= secondary;
  }
  return out.join(group);
}

/**
 * "-12345678901234.56" USD → "-$12,345,678,901,234.56" (en-US), exactly, at any size.
 * An amount or currency it cannot read is shown as it came, never hidden.
 */
export function formatMoney(money: Money, locale?: string): string {
  const match = AMOUNT.exec(money.amount);
  const layout = layoutFor(money.currency, locale);
  if (match === null || layout === null) return `${money.amount} ${money.currency}`;
  const [, minus = "", rawInteger = "0", rawFraction = ""] = match;
  const integer = rawInteger.replace(/^0+(?=\d)/, "");
  const fraction = rawFraction.padEnd(layout.minFraction, "0");
  const isZero = /^0*$/.test(rawInteger + rawFraction);
  const template = minus === "-" && !isZero ? layout.negative : layout.positive;

  let out = "";
  let numberWritten = false;
  for (const part of template) {
    switch (part.type) {
      case "integer":
      case "group":
      case "decimal":
      case "fraction":
        // The template's digits are replaced, once, by the amount's own.
        if (!numberWritten) {
          const grouped = groupDigits(integer, layout.group, layout.primary, layout.secondary);
          out += localize(fraction === "" ? grouped : grouped + layout.decimal + fraction, layout.digits);
          numberWritten = true;
        }
        break;
      default:
        out += part.value; // currency symbol, sign, spaces, in the locale's order
    }
  }
  return out;
}

function localize(digits: string, glyphs: string[] | null): string {
  return glyphs === null ? digits : digits.replace(/[0-9]/g, (d) => glyphs["0123456789".indexOf(d)] ?? d);
}

/** Whether an amount is below zero, read from its string. */
export function isNegative(money: Money): boolean {
  return /^-\d*\.?\d*[1-9]/.test(money.amount);
}
