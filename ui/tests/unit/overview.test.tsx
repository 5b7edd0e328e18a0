// The Overview against the fake shell: this month at a glance. Every expected figure is
// recomputed here from the fake's own reports and rows (vault.handle(...)), never typed in.
import { mockIPC } from "@tauri-apps/api/mocks";
import { act, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { App } from "../../src/App";
import type { AccountSummary } from "../../src/bindings/AccountSummary";
import type { BudgetLine } from "../../src/bindings/BudgetLine";
import type { BudgetReport } from "../../src/bindings/BudgetReport";
import type { MonthSpending } from "../../src/bindings/MonthSpending";
import type { Notification } from "../../src/bindings/Notification";
import { formatMoney } from "../../src/money";
import { money, toUnits } from "../../src/moneyMath";
import { nearestBudgets, netWorth, troubles } from "../../src/screens/Overview";
import { createFakeVault, DEMO_TODAY, type FakeVault, type FakeVaultOptions } from "../fake-vault";

const THIS_MONTH = DEMO_TODAY.slice(0, 7);

/** The app on a linked demo bank; `before` changes the vault (unlocked) before the app starts. */
function start(options: FakeVaultOptions = {}, before?: (vault: FakeVault) => void) {
  const vault = createFakeVault({ vault: "keychain", linked: true, ...options });
  if (before) {
    vault.handle("open_vault", null);
    before(vault);
  }
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

const units = (amount: string) => toUnits(amount)!;
const show = (u: bigint, currency = "USD") => formatMoney(money(u, currency));
const sum = (amounts: string[]) => amounts.reduce((s, a) => s + units(a), 0n);

/** What a budget line may spend: its amount plus what rolled over. */
const availableOf = (l: BudgetLine) => units(l.budget.amount) + (l.rollover ? units(l.rollover.amount) : 0n);

/** A budget of one dollar for Food from this month on: over at once, which raises an alert. */
function foodOverBudget(vault: FakeVault) {
  vault.handle("set_budget", { category: "FOOD", amount: { amount: "1.00", currency: "USD" }, month: THIS_MONTH, rollover: false });
}

describe("Overview", () => {
  it("shows what this month spent against its budget, and the budgets nearest their amount", async () => {
    const { vault } = start({}, foodOverBudget);
    const spentCell = await screen.findByTestId("overview-spent");
    const report = vault.handle("budget", { month: null }) as BudgetReport;
    expect(report.month).toBe(THIS_MONTH);
    const budgeted = sum(report.lines.map((l) => l.budget.amount));
    const spent = sum(report.lines.map((l) => l.spent.amount));
    expect(spent > 0n).toBe(true);

    expect(screen.getByTestId("overview-month").querySelector("h2")?.textContent).toBe("This month: June 2025");
    expect(spentCell.textContent).toBe(show(spent, report.currency));
    expect(screen.getByTestId("overview-budget").textContent).toBe(show(budgeted, report.currency));
    const left = screen.getByTestId("overview-left");
    expect(left.textContent).toBe(show(spent > budgeted ? spent - budgeted : budgeted - spent, report.currency));
    const bar = screen.getByTestId("overview-bar");
    const used = Number((spent * 100n) / budgeted);
    expect(bar.getAttribute("aria-valuenow")).toBe(String(Math.min(used, 100)));
    expect(bar.dataset.tone).toBe(spent > budgeted ? "over" : used >= report.lines[0]!.thresholds[0]! ? "near" : "ok");

    // The three most used budgets, compared exactly: spent_a / available_a against spent_b / available_b.
    const expected = report.lines
      .filter((l) => units(l.spent.amount) > 0n)
      .sort((a, b) => {
        const x = units(a.spent.amount) * availableOf(b);
        const y = units(b.spent.amount) * availableOf(a);
        return x === y ? a.name.localeCompare(b.name) : x > y ? -1 : 1;
      })
      .slice(0, 3);
    expect(expected).toHaveLength(3);
    expect(expected[0]?.category).toBe("FOOD");
    const near = within(screen.getByTestId("overview-near")).getAllByRole("listitem");
    expect(near.map((li) => li.dataset.category)).toEqual(expected.map((l) => l.category));
    expect(near[0]!.dataset.tone).toBe("over");
    expect(near[0]!.textContent).toContain("over budget");
    near.forEach((li, i) => {
      const line = expected[i]!;
      expect(li.textContent).toContain(`${formatMoney(line.spent)} of ${show(availableOf(line))}`);
      const link = within(li).getByRole("link", { name: line.name });
      expect(link.getAttribute("href")).toMatch(/^#\/budgets/);
      expect(link.getAttribute("href")).toContain(`category=${line.category}`);
    });
  });

  it("shows money in and out this month from the spending report", async () => {
    const { vault } = start();
    const income = await screen.findByTestId("overview-income-in");
    const month = vault.handle("spending", { month: null }) as MonthSpending;
    const inUnits = sum(month.income.filter((m) => m.currency === "USD").map((m) => m.amount));
    const outUnits = sum(month.spent.filter((m) => m.currency === "USD").map((m) => m.amount));
    expect(outUnits > 0n).toBe(true);
    expect(income.textContent).toBe(show(inUnits));
    expect(screen.getByTestId("overview-income-out").textContent).toBe(show(outUnits));
    const difference = inUnits - outUnits;
    const cell = screen.getByTestId("overview-income-difference");
    expect(cell.textContent).toBe(show(difference < 0n ? -difference : difference));
    expect(screen.getByTestId("overview-income").textContent).toContain(difference < 0n ? "Spent more than came in" : "Left over");
  });

  it("lists the accounts with their balances and sums them into net worth, a card's balance counting against it", async () => {
    const { vault } = start({}, (v) => {
      // An account of the user's own, for a bank's files: no bank states its balance.
      v.handle("create_account", { name: "Cash box", kind: "cash", currency: "USD" });
    });
    const card = await screen.findByTestId("overview-accounts");
    const accounts = vault.handle("list_accounts", null) as AccountSummary[];
    const rows = within(card).getAllByTestId("overview-account");
    expect(rows.map((r) => r.dataset.id)).toEqual(accounts.map((a) => a.id));
    for (const [i, account] of accounts.entries()) {
      const balance = within(rows[i]!).getByTestId("overview-balance").textContent;
      expect(balance).toBe(account.balance === null ? "balance not given" : formatMoney(account.balance));
    }
    const card_ = accounts.find((a) => a.kind === "credit_card")!;
    expect(card_.balance!.amount.startsWith("-")).toBe(true);

    const stated = accounts.filter((a) => a.balance !== null);
    expect(stated.length).toBe(accounts.length - 1);
    expect(screen.getByTestId("overview-networth").textContent).toBe(show(sum(stated.map((a) => a.balance!.amount))));
    expect(screen.getByTestId("overview-unstated").textContent).toContain("leaves it out");
    expect(screen.getByTestId("overview-summary").textContent).toContain("4 accounts");
  });

  it("shows the five latest transactions, with a link to all of them", async () => {
    const { vault } = start();
    const recent = await screen.findByTestId("overview-recent");
    await waitFor(() => expect(within(recent).getAllByTestId("overview-transaction")).toHaveLength(5));
    const latest = vault.transactions().slice(0, 5);
    const rows = within(recent).getAllByTestId("overview-transaction");
    expect(rows.map((r) => r.dataset.id)).toEqual(latest.map((t) => t.id));
    rows.forEach((row, i) => expect(row.textContent).toContain(formatMoney(latest[i]!.amount)));
    expect(vault.queries.some((q) => q.limit === 5 && q.before === null && q.search === null)).toBe(true);
    expect(within(recent).getByRole("link", { name: "See all transactions" }).getAttribute("href")).toBe("#/transactions");
  });

  it("counts the unread alerts, with a link to them", async () => {
    const { vault } = start({}, (v) => {
      foodOverBudget(v);
      v.handle("set_budget", { category: "HOUSING", amount: { amount: "1.00", currency: "USD" }, month: THIS_MONTH, rollover: false });
      const [first] = v.handle("list_notifications", null) as Notification[];
      v.handle("mark_notifications", { ids: [first!.id], read: true });
    });
    const alerts = await screen.findByTestId("overview-alerts");
    const all = vault.handle("list_notifications", null) as Notification[];
    const unread = all.filter((n) => n.readAt === null).length;
    expect(all.length).toBeGreaterThan(unread);
    expect(unread).toBeGreaterThan(0);
    await waitFor(() => expect(alerts.dataset.unread).toBe(String(unread)));
    expect(within(alerts).getByTestId("overview-unread").textContent).toBe(`${unread} unread ${unread === 1 ? "alert" : "alerts"}`);
    expect(within(alerts).getByRole("link").getAttribute("href")).toBe("#/alerts");
  });

  it("says when there is no unread alert", async () => {
    start();
    const alerts = await screen.findByTestId("overview-alerts");
    expect(alerts.dataset.unread).toBe("0");
    expect(alerts.textContent).toContain("No unread alerts.");
    expect(screen.queryByTestId("overview-attention")).toBeNull();
  });

  it("names a bank that refused the login, with its reason and the way to fix it", async () => {
    const message = "Demo Bank refused the login: reconnect it in Accounts";
    const { user } = start({ refreshError: { kind: "ProviderAuth", message } });
    await screen.findByTestId("overview-accounts");
    expect(screen.queryByTestId("overview-attention")).toBeNull();

    await go("accounts");
    await user.click(await screen.findByTestId("refresh-button"));
    await screen.findByTestId("refresh-outcome");
    await go("overview");

    const attention = await screen.findByTestId("overview-attention");
    // One line for the bank: its accounts say the same.
    const items = within(attention).getAllByTestId("attention-item");
    expect(items).toHaveLength(1);
    expect(items[0]!.textContent).toContain("Demo Bank");
    expect(items[0]!.textContent).toContain("Needs attention");
    expect(items[0]!.textContent).toContain(message);
    expect(within(attention).getByRole("link", { name: "Fix on Accounts" }).getAttribute("href")).toBe("#/accounts");
    // Its accounts are marked in the list too.
    await waitFor(() =>
      expect(within(screen.getByTestId("overview-accounts")).getAllByText("Needs attention")).toHaveLength(3),
    );
  });

  it("on a first run whose refresh is refused, says so before any account exists", async () => {
    const message = "Demo Bank asks to wait: try again in an hour";
    start({ linked: false, refreshError: { kind: "RateLimited", message } });
    const attention = await screen.findByTestId("overview-attention");
    expect(attention.textContent).toContain("Rate-limited");
    expect(attention.textContent).toContain(message);
    const summary = screen.getByTestId("overview-summary");
    expect(summary.textContent).toContain("No accounts yet.");
    expect(summary.textContent).toContain("The last refresh had a problem");
    expect(screen.queryByTestId("overview-month")).toBeNull();
  });

  it("asks to unlock a locked vault and shows no money until then", async () => {
    start({ vault: "passphrase", linked: true });
    await screen.findByText("Locked", { selector: "[data-testid=vault-state]" });
    expect(screen.getByTestId("passphrase-input")).toBeTruthy();
    expect(screen.queryByTestId("overview-summary")).toBeNull();
    expect(screen.queryByTestId("overview-month")).toBeNull();
  });
});

describe("Overview's sums", () => {
  const account = (id: string, balance: AccountSummary["balance"], connection: string | null = null): AccountSummary => ({
    id,
    name: id,
    kind: "checking",
    currency: balance?.currency ?? "USD",
    provider: "demo",
    institution: null,
    status: "ok",
    statusReason: null,
    balance,
    transactions: 0,
    connection,
  });

  it("net worth is per currency, exact at any size, and leaves out balances not given", () => {
    const worth = netWorth([
      account("a", { amount: "90071992547409.93", currency: "USD" }),
      account("b", { amount: "-0.01", currency: "USD" }),
      account("c", { amount: "12.50", currency: "EUR" }),
      account("d", null),
    ]);
    expect(worth).toEqual([
      { amount: "90071992547409.92", currency: "USD" },
      { amount: "12.50", currency: "EUR" },
    ]);
  });

  it("a budget of zero with spending comes before any other; nothing spent is not listed", () => {
    const line = (category: string, budget: string, spent: string): BudgetLine => ({
      category,
      name: category,
      budget: { amount: budget, currency: "USD" },
      source: "override",
      spent: { amount: spent, currency: "USD" },
      remaining: { amount: "0.00", currency: "USD" },
      rollover: null,
      recommended: null,
      thresholds: [80, 100],
    });
    // 99.99% and 99.98% round to the same percent: the exact comparison still orders them.
    const lines = [line("A", "10000.00", "9998.00"), line("B", "10000.00", "9999.00"), line("C", "0.00", "5.00"), line("D", "50.00", "0.00")];
    expect(nearestBudgets(lines).map((l) => l.category)).toEqual(["C", "B", "A"]);
  });

  it("a connection that needs attention covers its own accounts", () => {
    const conn = { id: "c1", provider: "demo" as const, label: "Bank", status: "needs_attention" as const, statusReason: "log in again", lastSuccessAt: null };
    const mine = { ...account("own", null), status: "needs_attention", statusReason: "the file is old" };
    const theirs = { ...account("theirs", null, "c1"), status: "needs_attention" };
    expect(troubles([conn], [mine, theirs]).map((t) => t.name)).toEqual(["Bank", "own"]);
  });
});
