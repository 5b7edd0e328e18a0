// The Spending and Budgets screens against the fake shell, whose reports follow the
// engine's (tests/fake-money.ts). Expected figures are recomputed here from the
// fake's own transactions, never typed in.
import { mockIPC } from "@tauri-apps/api/mocks";
import { act, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { App } from "../../src/App";
import { formatMoney } from "../../src/money";
import { fromUnits, money, toUnits } from "../../src/moneyMath";
import { createFakeVault, DEMO_TODAY, type FakeVaultOptions } from "../fake-vault";
import { FAKE_CATEGORIES, topOf } from "../fake-money";

function start(options: FakeVaultOptions = {}) {
  const vault = createFakeVault({ vault: "keychain", linked: true, ...options });
  mockIPC((command, args) => vault.handle(command, args));
  render(<App />);
  return { vault, user: userEvent.setup() };
}

async function go(screenId: string) {
  await act(async () => {
    window.location.hash = `#/${screenId}`;
    window.dispatchEvent(new HashChangeEvent("hashchange"));
  });
}

const usd = (units: bigint) => formatMoney(money(units, "USD"));
const THIS_MONTH = DEMO_TODAY.slice(0, 7);
const kindOf = (id: string) => FAKE_CATEGORIES.find((c) => c.id === id)?.kind;

describe("Spending", () => {
  it("shows this month's spending and income, each category opening its transactions", async () => {
    const { vault, user } = start();
    await go("spending");
    expect((await screen.findByTestId("month-name")).textContent).toBe("June 2025");

    const rows = vault.transactions().filter((t) => t.postedOn.startsWith(THIS_MONTH));
    const spent = rows
      .filter((t) => ["expense", "uncategorized"].includes(kindOf(topOf(t.category ?? "UNCATEGORIZED")) ?? ""))
      .reduce((s, t) => s - toUnits(t.amount.amount)!, 0n);
    await waitFor(() => expect(screen.getByTestId("spending-total").textContent).toBe(usd(spent)));

    // The largest top-level category, and its transactions when opened.
    const byTop = new Map<string, bigint>();
    for (const t of rows) {
      const top = topOf(t.category ?? "UNCATEGORIZED");
      if (kindOf(top) === "expense") byTop.set(top, (byTop.get(top) ?? 0n) - toUnits(t.amount.amount)!);
    }
    const [largest, largestSpent] = [...byTop.entries()].sort((a, b) => (a[1] > b[1] ? -1 : 1))[0]!;
    const row = screen.getByTestId(`spending-row-${largest}`);
    expect(row.textContent).toContain(usd(largestSpent));
    const table = screen.getByTestId("spending-table");
    expect(within(table).getAllByRole("row")[1]).toBe(row);

    await user.click(within(row).getByRole("button"));
    const drill = await screen.findByTestId("spending-drill");
    const expected = rows.filter((t) => topOf(t.category ?? "") === largest).length;
    await waitFor(() => expect(within(drill).getAllByTestId("drill-row")).toHaveLength(expected));
    const query = vault.queries.at(-1)!;
    expect(query).toMatchObject({ category: largest, subcategories: true, since: "2025-06-01", until: "2025-06-30" });
  });

  it("moves between months and shows a trend of 3, 6 or 12 months", async () => {
    const { user } = start();
    await go("spending");
    await screen.findByTestId("trend-table");
    expect(screen.getByTestId("month-next")).toHaveProperty("disabled", true);
    await waitFor(() => expect(within(screen.getByTestId("trend-table")).getAllByRole("row")).toHaveLength(7));
    await user.selectOptions(screen.getByTestId("trend-months"), "12");
    await waitFor(() => expect(within(screen.getByTestId("trend-table")).getAllByRole("row")).toHaveLength(13));
    expect(screen.getByTestId("trend-row-2024-07")).toBeTruthy();

    await user.click(screen.getByTestId("month-prev"));
    await waitFor(() => expect(screen.getByTestId("month-name").textContent).toBe("May 2025"));
    await waitFor(() => expect(screen.getByTestId("trend-row-2024-06")).toBeTruthy());
    expect(screen.getByTestId("month-next")).toHaveProperty("disabled", false);
  });

  it("lists the sellers that took the most, by name", async () => {
    const { vault } = start();
    await go("spending");
    const list = await screen.findByTestId("top-sellers");
    const first = vault.handle("top_sellers", { month: THIS_MONTH, limit: 10 }) as Array<{ seller: string }>;
    expect(within(list).getAllByRole("listitem")).toHaveLength(first.length);
    expect(list.textContent?.toLowerCase()).toContain(first[0]!.seller.toLowerCase());
  });
});

describe("Budgets", () => {
  it("shows the recommendation beside what was spent, and a budget the user sets", async () => {
    const { vault, user } = start();
    await go("budgets");
    const food = await screen.findByTestId("budget-row-FOOD");
    expect(food.dataset.source).toBe("recommended");
    expect(screen.getByTestId("budget-recommendation").textContent).toMatch(/no complete month/);

    // A budget below what was spent turns the bar red and says by how much.
    await user.click(screen.getByTestId("budget-edit-FOOD"));
    const input = screen.getByTestId("budget-input-FOOD");
    await user.clear(input);
    await user.type(input, "twelve");
    await user.click(screen.getByTestId("budget-save-FOOD"));
    expect(screen.getByText("Type an amount such as 250 or 249.99.")).toBeTruthy();
    expect(vault.calls).not.toContain("set_budget");

    await user.clear(input);
    await user.type(input, "1");
    await user.click(screen.getByTestId("budget-save-FOOD"));
    await waitFor(() => expect(screen.getByTestId("budget-row-FOOD").dataset.source).toBe("override"));
    const spent = toUnits(screen.getByTestId("budget-spent-FOOD").textContent!.replace(/[$,]/g, ""))!;
    expect(spent > toUnits("1")!).toBe(true);
    expect(screen.getByTestId("budget-bar-FOOD").dataset.tone).toBe("over");
    expect(screen.getByTestId("budget-remaining-FOOD").textContent).toContain(`${usd(spent - toUnits("1")!)} over`);
    expect(screen.getByTestId("budget-row-FOOD").textContent).toContain("Recommended: $600.00");

    // May keeps the recommendation: the budget was set from June on.
    await user.click(screen.getByTestId("month-prev"));
    await waitFor(() => expect(screen.getByTestId("month-name").textContent).toBe("May 2025"));
    await waitFor(() => expect(screen.getByTestId("budget-row-FOOD").dataset.source).toBe("recommended"));
  });

  it("is amber from the first alert threshold", async () => {
    const { vault, user } = start();
    await go("budgets");
    await screen.findByTestId("budget-row-FOOD");
    const spent = toUnits(screen.getByTestId("budget-spent-FOOD").textContent!.replace(/[$,]/g, ""))!;
    // A budget the spending is 90% of: amber, not red.
    const budget = (spent * 10n) / 9n;
    await user.click(screen.getByTestId("budget-edit-FOOD"));
    await user.clear(screen.getByTestId("budget-input-FOOD"));
    await user.type(screen.getByTestId("budget-input-FOOD"), fromUnits(budget - (budget % 100n)));
    await user.click(screen.getByTestId("budget-save-FOOD"));
    await waitFor(() => expect(screen.getByTestId("budget-bar-FOOD").dataset.tone).toBe("near"));
    expect(vault.calls.filter((c) => c === "set_budget")).toHaveLength(1);
  });

  it("accepts every recommendation at once, storing each as the user's", async () => {
    const { vault, user } = start();
    await go("budgets");
    await screen.findByTestId("budget-row-FOOD");
    const lines = screen.getAllByTestId(/^budget-row-/);
    await user.click(screen.getByTestId("budgets-accept-all"));
    await waitFor(() => expect(screen.getByTestId("budget-status").textContent).toMatch(/now your budget from June 2025 on/));
    for (const line of screen.getAllByTestId(/^budget-row-/)) expect(line.dataset.source).toBe("override");
    expect(vault.calls.filter((c) => c === "set_budget")).toHaveLength(lines.length);
    expect(screen.queryByTestId("budgets-accept-all")).toBeNull();
  });
});

describe("An alert's link", () => {
  it("opens its budget at the alert's month, the category shown", async () => {
    const { vault, user } = start();
    // May's food budget, far below what May spent: one alert, for May.
    vault.handle("set_budget", { category: "FOOD", amount: { amount: "1.00", currency: "USD" }, month: "2025-05", rollover: false });
    const alerts = vault.handle("list_notifications", {}) as Array<{ id: string; month: string | null; category: string | null }>;
    const may = alerts.find((a) => a.month === "2025-05" && a.category === "FOOD")!;
    await go("alerts");
    await user.click(await screen.findByTestId(`alert-link-${may.id}`));
    await waitFor(() => expect(window.location.hash).toBe("#/budgets?month=2025-05&category=FOOD"));
    await waitFor(() => expect(screen.getByTestId("month-name").textContent).toBe("May 2025"));
    const row = await screen.findByTestId("budget-row-FOOD");
    expect(row.getAttribute("aria-current")).toBe("true");
    expect(screen.getAllByTestId(/^budget-row-/).filter((r) => r.getAttribute("aria-current") === "true")).toEqual([row]);
  });
});
