import { describe, expect, it } from "vitest";
import type { Category } from "../../src/bindings/Category";
import type { MonthSpending } from "../../src/bindings/MonthSpending";
import { fromUnits, parseAmountInput, percent, toUnits } from "../../src/moneyMath";
import { budgetUse, mainCurrency, monthRange, rollUp, sellerName, shiftMonth, totalsOf, trendSeries } from "../../src/spending";

const usd = (amount: string) => ({ amount, currency: "USD" });

const CATEGORIES: Category[] = [
  { id: "FOOD", name: "Food & Dining", parent: null, kind: "expense" },
  { id: "FOOD_COFFEE", name: "Coffee Shops", parent: "FOOD", kind: "expense" },
  { id: "FOOD_GROCERIES", name: "Groceries", parent: "FOOD", kind: "expense" },
  { id: "HOUSING", name: "Housing", parent: null, kind: "expense" },
  { id: "INCOME", name: "Income", parent: null, kind: "income" },
  { id: "UNCATEGORIZED", name: "Uncategorized", parent: null, kind: "uncategorized" },
];

const JUNE: MonthSpending = {
  month: "2025-06",
  categories: [
    { category: "FOOD", name: "Food & Dining", kind: "expense", amount: usd("-10.10"), transactions: 1 },
    { category: "FOOD_COFFEE", name: "Coffee Shops", kind: "expense", amount: usd("-4.45"), transactions: 2 },
    { category: "FOOD_GROCERIES", name: "Groceries", kind: "expense", amount: usd("-120.00"), transactions: 3 },
    { category: "HOUSING", name: "Housing", kind: "expense", amount: usd("-1850.00"), transactions: 1 },
    { category: "INCOME", name: "Income", kind: "income", amount: usd("3200.00"), transactions: 2 },
    { category: "UNCATEGORIZED", name: "Uncategorized", kind: "uncategorized", amount: usd("-0.30"), transactions: 1 },
    { category: "FOOD_COFFEE", name: "Coffee Shops", kind: "expense", amount: { amount: "-9.00", currency: "EUR" }, transactions: 1 },
  ],
  spent: [usd("1984.85"), { amount: "9.00", currency: "EUR" }],
  income: [usd("3200.00")],
};

describe("exact amounts", () => {
  it("reads and writes decimal strings without a float in between", () => {
    expect(toUnits("-12.5")).toBe(-125000n);
    expect(fromUnits(toUnits("0.1")! + toUnits("0.2")!)).toBe("0.30");
    expect(fromUnits(toUnits("90071992547409.93")! + toUnits("0.01")!)).toBe("90071992547409.94");
    expect(fromUnits(toUnits("1.005")!)).toBe("1.005");
    expect(toUnits("1.23456")).toBeNull();
    expect(toUnits("1e3")).toBeNull();
  });

  it("reads what a person types as an amount, or refuses it", () => {
    expect(parseAmountInput("1,250")).toBe("1250.00");
    expect(parseAmountInput(" $40.5 ")).toBe("40.50");
    expect(parseAmountInput("12.345")).toBeNull();
    expect(parseAmountInput("-5")).toBeNull();
    expect(parseAmountInput("ten")).toBeNull();
    expect(parseAmountInput("")).toBeNull();
  });

  it("gives whole percentages, and none of a zero budget", () => {
    expect(percent(toUnits("79.99")!, toUnits("100")!)).toBe(79);
    expect(percent(1n, 0n)).toBeNull();
  });
});

describe("months", () => {
  it("moves across years and knows each month's last day", () => {
    expect(shiftMonth("2025-01", -1)).toBe("2024-12");
    expect(shiftMonth("2024-11", 14)).toBe("2026-01");
    expect(monthRange("2024-02")).toEqual({ since: "2024-02-01", until: "2024-02-29" });
    expect(monthRange("2025-12")).toEqual({ since: "2025-12-01", until: "2025-12-31" });
  });
});

describe("spending by category", () => {
  it("adds subcategories into their top-level category, most spent first, one currency", () => {
    expect(mainCurrency(JUNE)).toBe("USD");
    const groups = rollUp(JUNE, CATEGORIES, "USD");
    expect(groups.map((g) => [g.category, fromUnits(g.spent), g.transactions])).toEqual([
      ["HOUSING", "1850.00", 1],
      ["FOOD", "134.55", 6],
      ["UNCATEGORIZED", "0.30", 1],
    ]);
    expect(groups[1]!.children.map((c) => [c.category, fromUnits(c.spent)])).toEqual([
      ["FOOD_GROCERIES", "120.00"],
      ["FOOD_COFFEE", "4.45"],
    ]);
    expect(rollUp(JUNE, CATEGORIES, "EUR").map((g) => [g.category, fromUnits(g.spent)])).toEqual([["FOOD", "9.00"]]);
    const { spent, income } = totalsOf(JUNE, "USD");
    expect([fromUnits(spent), fromUnits(income)]).toEqual(["1984.85", "3200.00"]);
  });

  it("lines up a trend per category, with months it was absent at zero", () => {
    const may: MonthSpending = { month: "2025-05", categories: [JUNE.categories[3]!], spent: [usd("1850.00")], income: [] };
    const empty: MonthSpending = { month: "2025-04", categories: [], spent: [], income: [] };
    const series = trendSeries([empty, may, JUNE], CATEGORIES, "USD");
    expect(series.map((s) => [s.category, s.spent.map(fromUnits)])).toEqual([
      ["HOUSING", ["0.00", "1850.00", "1850.00"]],
      ["FOOD", ["0.00", "0.00", "134.55"]],
      ["UNCATEGORIZED", ["0.00", "0.00", "0.30"]],
    ]);
  });

  it("writes a normalized seller as a name", () => {
    expect(sellerName("blue bottle coffee")).toBe("Blue Bottle Coffee");
    expect(sellerName("trader joe's")).toBe("Trader Joe's");
    expect(sellerName("café du monde")).toBe("Café Du Monde");
  });
});

describe("how full a budget is", () => {
  it("is amber from the first threshold and red only when over", () => {
    const u = (s: string) => toUnits(s)!;
    expect(budgetUse(u("79.99"), u("100"), 80)).toEqual({ used: 79, tone: "ok" });
    expect(budgetUse(u("80"), u("100"), 80)).toEqual({ used: 80, tone: "near" });
    expect(budgetUse(u("100"), u("100"), 80)).toEqual({ used: 100, tone: "near" });
    expect(budgetUse(u("100.01"), u("100"), 80)).toEqual({ used: 100, tone: "over" });
    expect(budgetUse(u("50"), u("100"), 50)).toEqual({ used: 50, tone: "near" });
    expect(budgetUse(u("1"), 0n, 80)).toEqual({ used: null, tone: "over" });
  });
});
