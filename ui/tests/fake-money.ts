// The fake shell's categories, rules, spending, budgets and alerts (see
// fake-vault.ts, whose `handle` calls these). It follows the engine where the
// screens can tell: categories in the engine's order, a top-level category's
// spending includes its children's, a transaction the user categorized is
// locked and no rule changes it, a learned rule names the seller exactly,
// budgets store only what the user set (the rest is a fixed recommendation),
// and one change that crosses several thresholds raises one alert, the
// highest. Amounts are integer cents here, turned into exact decimal strings at
// the boundary, as the shell sends them.
import type { BudgetLine } from "../src/bindings/BudgetLine";
import type { BudgetReport } from "../src/bindings/BudgetReport";
import type { Category } from "../src/bindings/Category";
import type { CategorySpending } from "../src/bindings/CategorySpending";
import type { Condition } from "../src/bindings/Condition";
import type { IpcError } from "../src/bindings/IpcError";
import type { Money } from "../src/bindings/Money";
import type { MonthSpending } from "../src/bindings/MonthSpending";
import type { Notification } from "../src/bindings/Notification";
import type { Rule } from "../src/bindings/Rule";
import type { RuleActions } from "../src/bindings/RuleActions";
import type { RuleChange } from "../src/bindings/RuleChange";
import type { SellerSpending } from "../src/bindings/SellerSpending";
import type { Transaction } from "../src/bindings/Transaction";

function reject(kind: IpcError["kind"], message: string): never {
  throw { kind, message } satisfies IpcError;
}

/** The engine's categories, a subset in its order: each top-level one, then its children. */
export const FAKE_CATEGORIES: Category[] = [
  { id: "AUTO", name: "Auto & Transport", parent: null, kind: "expense" },
  { id: "AUTO_PUBLIC_TRANSIT", name: "Public Transportation", parent: "AUTO", kind: "expense" },
  { id: "AUTO_RIDESHARE", name: "Rideshare & Taxi", parent: "AUTO", kind: "expense" },
  { id: "UTILITIES", name: "Bills & Utilities", parent: null, kind: "expense" },
  { id: "UTILITIES_POWER", name: "Electricity, Gas & Water", parent: "UTILITIES", kind: "expense" },
  { id: "UTILITIES_PHONE", name: "Mobile Phone", parent: "UTILITIES", kind: "expense" },
  { id: "SUBSCRIPTIONS", name: "Subscriptions & Streaming", parent: "UTILITIES", kind: "expense" },
  { id: "FOOD", name: "Food & Dining", parent: null, kind: "expense" },
  { id: "FOOD_COFFEE", name: "Coffee Shops", parent: "FOOD", kind: "expense" },
  { id: "FOOD_GROCERIES", name: "Groceries", parent: "FOOD", kind: "expense" },
  { id: "FOOD_RESTAURANTS", name: "Restaurants", parent: "FOOD", kind: "expense" },
  { id: "GAS", name: "Gas & Fuel", parent: null, kind: "expense" },
  { id: "HEALTH", name: "Health & Fitness", parent: null, kind: "expense" },
  { id: "HEALTH_GYM", name: "Gym", parent: "HEALTH", kind: "expense" },
  { id: "HEALTH_PHARMACY", name: "Pharmacy", parent: "HEALTH", kind: "expense" },
  { id: "HOUSING", name: "Housing", parent: null, kind: "expense" },
  { id: "HOUSING_RENT", name: "Rent", parent: "HOUSING", kind: "expense" },
  { id: "INCOME", name: "Income", parent: null, kind: "income" },
  { id: "INCOME_INTEREST", name: "Interest Income", parent: "INCOME", kind: "income" },
  { id: "INCOME_PAYCHECK", name: "Paycheck", parent: "INCOME", kind: "income" },
  { id: "SHOPPING", name: "Shopping", parent: null, kind: "expense" },
  { id: "SHOPPING_HOME", name: "Home Goods", parent: "SHOPPING", kind: "expense" },
  { id: "TRANSFER", name: "Transfer", parent: null, kind: "transfer" },
  { id: "UNCATEGORIZED", name: "Uncategorized", parent: null, kind: "uncategorized" },
];

/** The recommended monthly budget of each top-level expense category, in cents. */
const RECOMMENDED: Record<string, number> = {
  AUTO: 15_000,
  UTILITIES: 30_000,
  FOOD: 60_000,
  GAS: 20_000,
  HEALTH: 10_000,
  HOUSING: 185_000,
  SHOPPING: 20_000,
};

const byId = new Map(FAKE_CATEGORIES.map((c) => [c.id, c]));

/** The top-level category a category belongs to (itself when it is one). */
export function topOf(category: string): string {
  return byId.get(category)?.parent ?? category;
}

/** "-12.34" to -1234; the fake's amounts are small enough for exact integers. */
export function toMinor(amount: string): number {
  const m = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(amount.trim());
  if (m === null) reject("Invalid", `\`${amount}\` is not an amount: write it like 250.00`);
  const cents = Number(m[2]) * 100 + Number((m[3] ?? "").padEnd(2, "0"));
  return m[1] === "-" ? -cents : cents;
}

function money(cents: number): Money {
  const abs = Math.abs(cents);
  return {
    amount: `${cents < 0 ? "-" : ""}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")}`,
    currency: "USD",
  };
}

function shiftMonth(month: string, back: number): string {
  const [y, m] = month.split("-").map(Number) as [number, number];
  const index = y * 12 + (m - 1) - back;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, "0")}`;
}

function checkMonth(month: unknown): string {
  if (typeof month !== "string" || !/^\d{4}-(0[1-9]|1[0-2])$/.test(month)) {
    reject("Invalid", `\`${String(month)}\` is not a month: use YYYY-MM`);
  }
  return month;
}

function normalized(seller: string): string {
  return seller.toLowerCase();
}

function payeeMatches(condition: Condition, row: Transaction): boolean {
  const text = [row.seller, normalized(row.seller)];
  if ("payee_is" in condition) return text.some((t) => t.toLowerCase() === condition.payee_is.toLowerCase());
  if ("payee_contains" in condition) {
    return text.some((t) => t.toLowerCase().includes(condition.payee_contains.toLowerCase()));
  }
  if ("payee_matches" in condition) return text.some((t) => new RegExp(condition.payee_matches, "i").test(t));
  if ("account" in condition) return row.accountId === condition.account;
  const cents = toMinor(row.amount.amount);
  const { min, max } = condition.amount_between;
  return (min === null || cents >= toMinor(min.amount)) && (max === null || cents <= toMinor(max.amount));
}

export type FakeMoney = ReturnType<typeof createFakeMoney>;

/**
 * `rows` gives the bank's transactions (objects the fake may change in place);
 * `today` is the fake's "now" (`YYYY-MM-DD`), whose month is "this month".
 */
export function createFakeMoney(rows: () => readonly Transaction[], today: string) {
  const thisMonth = today.slice(0, 7);
  let rules: Rule[] = [];
  let ruleIds = 0;
  const overrides: Array<{ category: string; from: string; cents: number; rollover: boolean }> = [];
  let thresholds = [80, 100];
  const categoryThresholds = new Map<string, number[]>();
  const notifications: Notification[] = [];
  const alerted = new Map<string, number>(); // "month:category" → highest threshold alerted
  let notificationIds = 0;

  function category(id: unknown): string {
    if (typeof id !== "string" || !byId.has(id)) reject("Invalid", `\`${String(id)}\` is not a category`);
    return id;
  }

  function monthRows(month: string): Transaction[] {
    return rows().filter((r) => r.postedOn.startsWith(month));
  }

  /** What a row counts as in spending: its parts when split, else itself under its category. */
  function pieces(row: Transaction): Array<{ category: string; cents: number }> {
    if (row.parts.length > 0) return row.parts.map((p) => ({ category: p.category, cents: toMinor(p.amount.amount) }));
    return [{ category: row.category ?? "UNCATEGORIZED", cents: toMinor(row.amount.amount) }];
  }

  function rowOf(id: unknown): Transaction {
    const row = rows().find((r) => r.id === id);
    if (row === undefined) reject("NotFound", "that transaction is no longer there: reopen Transactions");
    return row;
  }

  /** A row as the shell sends it: a copy, its name following the payee. */
  function shown(row: Transaction): Transaction {
    return { ...row, name: row.payee ?? row.seller, parts: row.parts.map((p) => ({ ...p })) };
  }

  function userText(what: string, text: unknown): string | null {
    if (text === null || text === undefined) return null;
    const trimmed = String(text).trim();
    if (trimmed.length > 500) reject("Invalid", `the ${what} is longer than 500 characters: shorten it`);
    return trimmed === "" ? null : trimmed;
  }

  function spending(month: string): MonthSpending {
    const totals = new Map<string, { cents: number; count: number }>();
    for (const row of monthRows(month)) {
      for (const { category: id, cents } of pieces(row)) {
        const t = totals.get(id) ?? { cents: 0, count: 0 };
        t.cents += cents;
        t.count += 1;
        totals.set(id, t);
      }
    }
    const categories: CategorySpending[] = FAKE_CATEGORIES.filter((c) => totals.has(c.id)).map((c) => ({
      category: c.id,
      name: c.name,
      kind: c.kind,
      amount: money(totals.get(c.id)!.cents),
      transactions: totals.get(c.id)!.count,
    }));
    const sum = (kinds: string[]) =>
      categories.filter((c) => kinds.includes(c.kind)).reduce((s, c) => s + toMinor(c.amount.amount), 0);
    const spent = -sum(["expense", "uncategorized"]);
    const income = sum(["income"]);
    return {
      month,
      categories,
      spent: categories.length === 0 ? [] : [money(spent)],
      income: income === 0 ? [] : [money(income)],
    };
  }

  function budgetOf(top: string, month: string): { cents: number; source: string } {
    const own = overrides
      .filter((o) => o.category === top && o.from <= month)
      .sort((a, b) => (a.from < b.from ? 1 : -1))[0];
    return own ? { cents: own.cents, source: "override" } : { cents: RECOMMENDED[top] ?? 0, source: "recommended" };
  }

  function budget(month: string): BudgetReport {
    const spentBy = new Map<string, number>();
    for (const row of monthRows(month)) {
      for (const piece of pieces(row)) {
        const top = topOf(piece.category);
        if (byId.get(top)?.kind !== "expense") continue;
        spentBy.set(top, (spentBy.get(top) ?? 0) - piece.cents);
      }
    }
    const lines: BudgetLine[] = FAKE_CATEGORIES.filter((c) => c.parent === null && c.kind === "expense").map((c) => {
      const { cents, source } = budgetOf(c.id, month);
      const spent = spentBy.get(c.id) ?? 0;
      return {
        category: c.id,
        name: c.name,
        budget: money(cents),
        source,
        spent: money(spent),
        remaining: money(cents - spent),
        rollover: null,
        recommended: c.id in RECOMMENDED ? money(RECOMMENDED[c.id]!) : null,
        thresholds: categoryThresholds.get(c.id) ?? thresholds,
      };
    });
    const income = monthRows(shiftMonth(month, 1))
      .filter((r) => byId.get(topOf(r.category ?? ""))?.kind === "income")
      .reduce((s, r) => s + toMinor(r.amount.amount), 0);
    return { month, currency: "USD", income: money(income), historyMonths: 0, lines };
  }

  /** The end-of-write budget check: the highest newly crossed threshold of each budget the user set. */
  function check() {
    for (const month of [thisMonth, shiftMonth(thisMonth, 1)]) {
      for (const line of budget(month).lines.filter((l) => l.source === "override")) {
        const limit = toMinor(line.budget.amount);
        if (limit <= 0) continue;
        const spent = toMinor(line.spent.amount);
        const crossed = (categoryThresholds.get(line.category) ?? thresholds).filter((t) => spent * 100 >= limit * t);
        if (crossed.length === 0) continue;
        const t = Math.max(...crossed);
        const key = `${month}:${line.category}`;
        if ((alerted.get(key) ?? 0) >= t) continue;
        alerted.set(key, t);
        notificationIds += 1;
        notifications.unshift({
          id: `note-${notificationIds}`,
          kind: "budget_threshold",
          summary: t >= 100 ? `${line.name} is over budget` : `${line.name} budget: ${t}% used`,
          body: `Spent ${line.spent.amount} of ${line.budget.amount} in ${month}`,
          createdAt: `${today}T12:00:${String(notificationIds % 60).padStart(2, "0")}Z`,
          deliveredAt: null,
          attempts: 0,
          lastError: null,
          readAt: null,
          month,
          category: line.category,
          connection: null,
        });
      }
    }
  }

  function ruleById(id: unknown): Rule {
    const rule = rules.find((r) => r.id === id);
    if (rule === undefined) reject("NotFound", "that rule no longer exists: reopen Rules");
    return rule;
  }

  function validate(conditions: Condition[], actions: RuleActions) {
    if (conditions.length === 0) reject("Invalid", "a rule needs at least one condition");
    if (actions.category === null && (actions.rename ?? "").trim() === "") {
      reject("Invalid", "a rule needs an action: a category or a new name");
    }
    if (actions.category !== null) category(actions.category);
    for (const c of conditions) {
      if ("payee_matches" in c) {
        try {
          new RegExp(c.payee_matches);
        } catch {
          reject("Invalid", `\`${c.payee_matches}\` is not a valid pattern`);
        }
      }
    }
  }

  function matching(rule: Rule): RuleChange[] {
    return rows()
      .filter((row) => !row.categoryLocked && rule.conditions.every((c) => payeeMatches(c, row)))
      .filter((row) => (rule.actions.category !== null && row.category !== rule.actions.category) || rule.actions.rename !== null)
      .map((row) => ({
        transaction: row.id,
        seller: normalized(row.seller),
        from: row.category,
        to: rule.actions.category ?? row.category ?? "UNCATEGORIZED",
        payee: rule.actions.rename ?? row.payee,
      }));
  }

  return {
    /** The category and source a new row gets from the rules, as ingestion does. */
    categorizeNew(row: Transaction) {
      const rule = rules.find((r) => r.enabled && r.conditions.every((c) => payeeMatches(c, row)));
      if (rule?.actions.category) {
        row.category = rule.actions.category;
        row.categorySource = rule.origin === "learned" ? "learned" : "rule";
      }
      if (rule?.actions.rename) row.payee = rule.actions.rename;
    },
    afterWrite: check,
    handle(command: string, args: unknown): unknown {
      const a = (args ?? {}) as Record<string, unknown>;
      switch (command) {
        case "list_categories":
          return FAKE_CATEGORIES;
        case "split_transaction": {
          const row = rowOf(a.transaction);
          const parts = a.parts as Transaction["parts"];
          if (!Array.isArray(parts) || parts.length < 2) reject("Invalid", "a split has at least two parts");
          for (const p of parts) {
            category(p.category);
            if (p.amount.currency !== row.amount.currency) reject("Invalid", `every part must be in ${row.amount.currency}`);
          }
          const sum = parts.reduce((s, p) => s + toMinor(p.amount.amount), 0);
          if (sum !== toMinor(row.amount.amount)) {
            reject("Invalid", `the parts add up to ${money(sum).amount}, not the transaction's ${row.amount.amount}`);
          }
          row.parts = parts.map((p) => ({ ...p }));
          check();
          return shown(row);
        }
        case "unsplit_transaction": {
          const row = rowOf(a.transaction);
          row.parts = [];
          check();
          return shown(row);
        }
        case "set_payee": {
          const row = rowOf(a.transaction);
          row.payee = userText("payee name", a.payee);
          row.note = userText("note", a.note);
          return shown(row);
        }
        case "set_category": {
          const row = rows().find((r) => r.id === a.transaction);
          if (row === undefined) reject("NotFound", "that transaction is no longer there: reopen Transactions");
          row.category = category(a.category);
          row.categorySource = "user";
          row.categoryReason = null;
          row.categoryLocked = true;
          let learned: string | null = null;
          if (a.fromNowOn === true) {
            const seller = normalized(row.seller);
            const existing = rules.find(
              (r) => r.origin === "learned" && r.conditions.some((c) => "payee_is" in c && c.payee_is === seller),
            );
            if (existing) {
              existing.actions = { ...existing.actions, category: row.category };
              learned = existing.id;
            } else {
              ruleIds += 1;
              learned = `rule-${ruleIds}`;
              rules.push({
                id: learned,
                origin: "learned",
                conditions: [{ payee_is: seller }],
                actions: { category: row.category, rename: null },
                enabled: true,
              });
            }
          }
          check();
          return learned;
        }
        case "list_rules":
          return [...rules.filter((r) => r.origin === "user"), ...rules.filter((r) => r.origin === "learned")];
        case "add_rule": {
          const conditions = a.conditions as Condition[];
          const actions = a.actions as RuleActions;
          validate(conditions, actions);
          ruleIds += 1;
          const id = `rule-${ruleIds}`;
          rules.push({ id, origin: "user", conditions, actions, enabled: true });
          return id;
        }
        case "edit_rule": {
          const rule = ruleById(a.rule);
          const actions = a.actions as RuleActions;
          validate(rule.conditions, actions);
          rule.actions = actions;
          rule.enabled = a.enabled === true;
          return rule;
        }
        case "delete_rule":
          ruleById(a.rule);
          rules = rules.filter((r) => r.id !== a.rule);
          return null;
        case "apply_rule": {
          const rule = ruleById(a.rule);
          const changes = matching(rule);
          if (a.dryRun !== true) {
            for (const change of changes) {
              const row = rows().find((r) => r.id === change.transaction)!;
              row.category = change.to;
              row.categorySource = rule.origin === "learned" ? "learned" : "rule";
              row.payee = change.payee;
            }
            check();
          }
          return changes;
        }
        case "spending":
          return spending(a.month == null ? thisMonth : checkMonth(a.month));
        case "spending_trend": {
          const until = a.until == null ? thisMonth : checkMonth(a.until);
          const months = a.months as number;
          if (!(months >= 1 && months <= 24)) reject("Invalid", "a trend covers 1 to 24 months");
          return Array.from({ length: months }, (_, i) => spending(shiftMonth(until, months - 1 - i)));
        }
        case "top_sellers": {
          const month = a.month == null ? thisMonth : checkMonth(a.month);
          const by = new Map<string, { cents: number; count: number }>();
          for (const row of monthRows(month)) {
            if (byId.get(topOf(row.category ?? "UNCATEGORIZED"))?.kind === "income") continue;
            if (byId.get(topOf(row.category ?? "UNCATEGORIZED"))?.kind === "transfer") continue;
            const cents = toMinor(row.amount.amount);
            if (cents >= 0) continue;
            const key = normalized(row.seller);
            const s = by.get(key) ?? { cents: 0, count: 0 };
            s.cents -= cents;
            s.count += 1;
            by.set(key, s);
          }
          return [...by.entries()]
            .sort((x, y) => y[1].cents - x[1].cents || (x[0] < y[0] ? -1 : 1))
            .slice(0, Math.min(100, a.limit as number))
            .map(([seller, s]): SellerSpending => ({ seller, spent: money(s.cents), transactions: s.count }));
        }
        case "budget":
          return budget(a.month == null ? thisMonth : checkMonth(a.month));
        case "set_budget": {
          const top = category(a.category);
          if (byId.get(top)!.parent !== null) reject("Invalid", "budgets are set on top-level categories");
          const amount = a.amount as Money;
          const cents = toMinor(amount.amount);
          if (cents < 0) reject("Invalid", "a budget cannot be negative");
          const from = checkMonth(a.month);
          const at = overrides.findIndex((o) => o.category === top && o.from === from);
          const entry = { category: top, from, cents, rollover: a.rollover === true };
          if (at >= 0) overrides[at] = entry;
          else overrides.push(entry);
          check();
          return budget(from);
        }
        case "set_budget_thresholds": {
          const list = a.thresholds as number[];
          if (list.length === 0 || list.some((t) => !Number.isInteger(t) || t < 1 || t > 1000)) {
            reject("Invalid", "thresholds are whole percentages from 1 to 1000");
          }
          if (a.category == null) thresholds = [...list].sort((x, y) => x - y);
          else categoryThresholds.set(category(a.category), [...list].sort((x, y) => x - y));
          check();
          return null;
        }
        case "list_notifications":
          return notifications;
        case "mark_notifications": {
          const ids = a.ids as string[];
          for (const id of ids) {
            const n = notifications.find((x) => x.id === id);
            if (n === undefined) reject("NotFound", "that alert is no longer in the list: reopen Alerts");
            n.readAt = a.read === true ? `${today}T12:30:00Z` : null;
          }
          return null;
        }
        default:
          throw new Error(`fake-money does not handle ${command}`);
      }
    },
  };
}
