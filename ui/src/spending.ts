// What the Spending and Budgets screens compute from the engine's reports, with
// no IO: months, roll-ups of subcategories into their top-level category, the
// series a trend chart draws, and how full a budget is. Amounts stay exact
// (BigInt units from moneyMath) until they are shown.
import type { Category } from "./bindings/Category";
import type { CategoryId } from "./bindings/CategoryId";
import type { MonthSpending } from "./bindings/MonthSpending";
import { abs, percent, unitsOf } from "./moneyMath";

/** "2025-06" moved by `n` months: ("2025-01", -1) → "2024-12". */
export function shiftMonth(month: string, n: number): string {
  const [year, mon] = month.split("-").map(Number) as [number, number];
  const index = year * 12 + (mon - 1) + n;
  const y = Math.floor(index / 12);
  return `${String(y).padStart(4, "0")}-${String((index % 12) + 1).padStart(2, "0")}`;
}

export function isMonth(text: string): boolean {
  return /^\d{4}-(0[1-9]|1[0-2])$/.test(text);
}

/** "2025-06" → "June 2025" in the user's language (`short`: "Jun 2025"). */
export function monthLabel(month: string, short = false, locale?: string): string {
  const [year, mon] = month.split("-").map(Number) as [number, number];
  return new Intl.DateTimeFormat(locale, { month: short ? "short" : "long", year: "numeric", timeZone: "UTC" }).format(
    new Date(Date.UTC(year, mon - 1, 1)),
  );
}

/** The first and last day of a month, as a transaction query's `since` and `until`. */
export function monthRange(month: string): { since: string; until: string } {
  const next = shiftMonth(month, 1);
  const [year, mon] = next.split("-").map(Number) as [number, number];
  const last = new Date(Date.UTC(year, mon - 1, 1) - 86_400_000).getUTCDate();
  return { since: `${month}-01`, until: `${month}-${String(last).padStart(2, "0")}` };
}

/** The currency most of a month's spending is in, for its chart (tables list every currency). */
export function mainCurrency(month: MonthSpending): string | null {
  let best: { currency: string; units: bigint } | null = null;
  for (const spent of month.spent) {
    const units = abs(unitsOf(spent));
    if (best === null || units > best.units) best = { currency: spent.currency, units };
  }
  return best?.currency ?? month.categories[0]?.amount.currency ?? null;
}

export type CategoryTotal = {
  category: CategoryId;
  name: string;
  kind: string;
  currency: string;
  /** Money out as a positive amount (refunds reduce it; money in makes it negative). */
  spent: bigint;
  transactions: number;
};

export type CategoryGroup = CategoryTotal & { children: CategoryTotal[] };

const SPENDING_KINDS = new Set(["expense", "uncategorized"]);

/**
 * A month's spending per top-level category, its subcategories' totals added in and
 * listed beneath it, most spent first. Only spending categories (expense and
 * uncategorized), in one currency.
 */
export function rollUp(month: MonthSpending, categories: readonly Category[], currency: string): CategoryGroup[] {
  const byId = new Map(categories.map((c) => [c.id, c]));
  const groups = new Map<CategoryId, CategoryGroup>();
  for (const line of month.categories) {
    if (line.amount.currency !== currency || !SPENDING_KINDS.has(line.kind)) continue;
    const own = byId.get(line.category);
    const topId = own?.parent ?? line.category;
    const top = byId.get(topId);
    const group =
      groups.get(topId) ??
      ({
        category: topId,
        name: top?.name ?? line.name,
        kind: top?.kind ?? line.kind,
        currency,
        spent: 0n,
        transactions: 0,
        children: [],
      } satisfies CategoryGroup);
    const spent = -unitsOf(line.amount);
    group.spent += spent;
    group.transactions += line.transactions;
    if (topId !== line.category) {
      group.children.push({ category: line.category, name: line.name, kind: line.kind, currency, spent, transactions: line.transactions });
    }
    groups.set(topId, group);
  }
  const bySpent = (a: CategoryTotal, b: CategoryTotal) => (a.spent === b.spent ? a.name.localeCompare(b.name) : a.spent > b.spent ? -1 : 1);
  const out = [...groups.values()];
  for (const group of out) group.children.sort(bySpent);
  return out.sort(bySpent);
}

/** What a month spent and earned in one currency, as exact units (spent positive). */
export function totalsOf(month: MonthSpending, currency: string): { spent: bigint; income: bigint } {
  const pick = (list: MonthSpending["spent"]) => list.filter((m) => m.currency === currency).reduce((s, m) => s + unitsOf(m), 0n);
  return { spent: pick(month.spent), income: pick(month.income) };
}

export type TrendSeries = { category: CategoryId; name: string; spent: bigint[] };

/** One series per top-level spending category over the months given, largest first. */
export function trendSeries(months: readonly MonthSpending[], categories: readonly Category[], currency: string): TrendSeries[] {
  const series = new Map<CategoryId, TrendSeries>();
  months.forEach((month, i) => {
    for (const group of rollUp(month, categories, currency)) {
      const s = series.get(group.category) ?? { category: group.category, name: group.name, spent: months.map(() => 0n) };
      s.spent[i] = group.spent;
      series.set(group.category, s);
    }
  });
  const total = (s: TrendSeries) => s.spent.reduce((a, b) => a + b, 0n);
  return [...series.values()].sort((a, b) => (total(a) === total(b) ? a.name.localeCompare(b.name) : total(a) > total(b) ? -1 : 1));
}

/** "blue bottle coffee" → "Blue Bottle Coffee": how a normalized seller reads in a list. */
export function sellerName(seller: string): string {
  return seller.replace(/(^|[\s\-/&.(])(\p{L})/gu, (_, before: string, letter: string) => before + letter.toUpperCase());
}

export type BudgetTone = "ok" | "near" | "over";

/**
 * How full a budget is: "over" above 100%, "near" from the first alert threshold, else
 * "ok"; `used` is the whole percent spent (null for a zero budget).
 */
export function budgetUse(spent: bigint, budget: bigint, firstThreshold = 80): { used: number | null; tone: BudgetTone } {
  const used = percent(spent, budget);
  if (used === null) return { used, tone: spent > 0n ? "over" : "ok" };
  if (spent > budget) return { used, tone: "over" };
  return { used, tone: used >= firstThreshold ? "near" : "ok" };
}
