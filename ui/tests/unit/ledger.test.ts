import { describe, expect, it } from "vitest";
import type { AccountSummary } from "../../src/bindings/AccountSummary";
import type { Connection } from "../../src/bindings/Connection";
import type { Progress } from "../../src/bindings/Progress";
import {
  accountCountOf,
  accountsText,
  hasDemo,
  initialLedgerModel,
  isFirstRun,
  isOwnAccount,
  ledgerReducer,
  progressText,
  type LedgerEvent,
} from "../../src/ledger";
import { progressValue } from "../../src/LedgerParts";
import {
  disconnectedText,
  formatCount,
  keepChoiceText,
  outcomeErrorTitle,
  removeAccountQuestion,
  removeChoiceText,
  removedAccountText,
  statusView,
  summaryText,
} from "../../src/ledgerText";

const demo: Connection = {
  id: "c1",
  provider: "demo",
  label: "Demo Bank",
  status: "ok",
  statusReason: null,
  lastSuccessAt: null,
};
const account: AccountSummary = {
  id: "a1",
  name: "Checking",
  kind: "checking",
  currency: "USD",
  provider: "demo",
  institution: "Demo Bank",
  status: "ok",
  statusReason: null,
  balance: { amount: "10.00", currency: "USD" },
  transactions: 1,
  connection: "c1",
};
const progress = (p: Partial<Progress>): Progress => ({
  connection: "Demo Bank",
  phase: "fetching",
  done: 0,
  total: 1,
  accountsDone: 0,
  accountsTotal: 0,
  fetched: 0,
  ...p,
});

describe("first run", () => {
  it("is a vault with no connection and no account", () => {
    expect(isFirstRun([], [])).toBe(true);
  });

  it("is not when anything is linked or imported", () => {
    expect(isFirstRun([demo], [])).toBe(false);
    // Accounts imported from a file, with no connection at all.
    expect(isFirstRun([], [account])).toBe(false);
    expect(isFirstRun([{ ...demo, provider: "simplefin" }], [account])).toBe(false);
  });

  it("knows when the demo bank is linked", () => {
    expect(hasDemo(null)).toBe(false);
    expect(hasDemo([{ ...demo, provider: "ofx" }])).toBe(false);
    expect(hasDemo([demo])).toBe(true);
  });
});

describe("ledger transitions", () => {
  const run = (...events: LedgerEvent[]) => events.reduce(ledgerReducer, initialLedgerModel);
  const report = { outcomes: [] };

  it("a refresh runs, reports progress, and bumps the revision when it ends", () => {
    const started = run({ type: "refresh-started", firstRun: true });
    expect(started.refresh).toMatchObject({ running: true, firstRun: true, progress: null });
    const saving = ledgerReducer(started, { type: "progress", progress: progress({ phase: "saving", fetched: 242 }) });
    expect(saving.refresh.progress?.fetched).toBe(242);
    const done = ledgerReducer(saving, { type: "refresh-finished", report });
    expect(done.refresh).toMatchObject({ running: false, report, error: null });
    expect(done.revision).toBe(started.revision + 1);
  });

  it("a failed refresh keeps the error, and a new one clears the last outcome", () => {
    const failed = run({ type: "refresh-started", firstRun: false }, { type: "refresh-failed", error: { kind: "VaultLocked", message: "m" } });
    expect(failed.refresh.error?.kind).toBe("VaultLocked");
    const again = ledgerReducer(failed, { type: "refresh-started", firstRun: false });
    expect(again.refresh.error).toBeNull();
    expect(again.refresh.report).toBeNull();
  });

  it("ignores progress that arrives after the end", () => {
    const done = run({ type: "refresh-started", firstRun: false }, { type: "refresh-finished", report });
    expect(ledgerReducer(done, { type: "progress", progress: progress({}) })).toBe(done);
  });

  it("forgets everything when the vault locks", () => {
    const loaded = run({ type: "loaded", accounts: [account], connections: [demo] });
    const cleared = ledgerReducer(loaded, { type: "cleared" });
    expect(cleared.accounts).toBeNull();
    expect(cleared.connections).toBeNull();
    expect(cleared.revision).toBeGreaterThan(loaded.revision);
  });
});

describe("progress words", () => {
  const rows = (n: number) => n.toLocaleString("en-US");

  it("says what the connection is doing", () => {
    expect(progressText(progress({ phase: "fetching" }), rows)).toBe("Demo Bank: fetching…");
    expect(progressText(progress({ phase: "saving", fetched: 242 }), rows)).toBe("Demo Bank: saving 242 transactions");
    expect(progressText(progress({ phase: "saving", fetched: 1 }), rows)).toBe("Demo Bank: saving 1 transaction");
    expect(progressText(progress({ phase: "saving", fetched: 5000 }), rows)).toBe("Demo Bank: saving 5,000 transactions");
    expect(progressText(null, rows)).toBe("Starting…");
  });

  it("counts accounts once the refresh knows them", () => {
    expect(accountsText(null)).toBe("");
    expect(accountsText(progress({ accountsTotal: 0 }))).toBe("");
    expect(accountsText(progress({ accountsDone: 0, accountsTotal: 1 }))).toBe("0 of 1 account done");
    expect(accountsText(progress({ accountsDone: 3, accountsTotal: 6 }))).toBe("3 of 6 accounts done");
  });

  it("fills the bar by connections done, and part of the current one", () => {
    expect(progressValue(progress({ phase: "fetching", done: 0, total: 2 }))).toBeLessThan(
      progressValue(progress({ phase: "saving", done: 0, total: 2 })),
    );
    expect(progressValue(progress({ phase: "done", done: 2, total: 2 }))).toBe(2);
  });

  it("summarises an outcome and branches on the error kind", () => {
    expect(summaryText({ accounts: 3, added: 242, updated: 3, posted: 2, removed: 0, unchanged: 9 })).toBe(
      "242 new, 3 updated, 2 posted from pending",
    );
    expect(summaryText({ accounts: 3, added: 0, updated: 0, posted: 0, removed: 1, unchanged: 9 })).toBe("1 pending hold released");
    expect(summaryText({ accounts: 3, added: 0, updated: 0, posted: 0, removed: 0, unchanged: 9 })).toBe("No changes");
    expect(outcomeErrorTitle("ProviderAuth")).toMatch(/reconnect/i);
    expect(outcomeErrorTitle("RateLimited")).toMatch(/rate-limited/i);
    expect(outcomeErrorTitle("Storage")).toBe("Could not read or write the vault");
    expect(statusView("needs_attention")).toEqual({ tone: "warn", label: "Needs attention" });
    expect(statusView("something_new").label).toBe("something_new");
  });
});

describe("disconnecting and removing", () => {
  const own = (provider: string): AccountSummary => ({
    ...account,
    id: `own-${provider}`,
    provider,
    institution: null,
    connection: null,
  });

  it("tells the user's own accounts from those of a linked bank", () => {
    expect(isOwnAccount(account)).toBe(false);
    expect(isOwnAccount({ ...account, provider: "simplefin" })).toBe(false);
    expect(isOwnAccount({ ...account, provider: "ofx" })).toBe(false);
    // Made for a bank's files, or kept from a disconnected bank.
    expect(isOwnAccount(own("file"))).toBe(true);
    expect(isOwnAccount(own("manual"))).toBe(true);
  });

  it("counts the accounts that name the connection, even when two share a provider", () => {
    const bridge: Connection = { ...demo, id: "c2", provider: "simplefin", label: "SimpleFIN Bridge" };
    const other: Connection = { ...bridge, id: "c3", label: "Another bridge" };
    const accounts = [
      account,
      { ...account, id: "a2" },
      own("manual"),
      { ...account, id: "s1", provider: "simplefin", connection: "c2" },
      { ...account, id: "s2", provider: "simplefin", connection: "c3" },
      { ...account, id: "s3", provider: "simplefin", connection: "c3" },
    ];
    expect(accountCountOf(demo, accounts)).toBe(2);
    expect(accountCountOf(demo, [])).toBe(0);
    expect(accountCountOf(bridge, accounts)).toBe(1);
    expect(accountCountOf(other, accounts)).toBe(2);
  });

  it("words the choices and the question", () => {
    expect(keepChoiceText(3)).toBe("Keep its 3 accounts and their transactions");
    expect(keepChoiceText(1)).toBe("Keep its account and its transactions");
    expect(keepChoiceText(null)).toBe("Keep its accounts and their transactions");
    expect(keepChoiceText(0)).toBe("Keep its accounts and their transactions");
    expect(removeChoiceText(3)).toBe("Remove its accounts and transactions");
    expect(removeChoiceText(null)).toBe("Remove its accounts and transactions");
    expect(removeChoiceText(1)).toBe("Remove its account and its transactions");
    expect(removeAccountQuestion("Cash box", 1204)).toBe(`Remove Cash box and its ${formatCount(1204)} transactions?`);
    expect(removeAccountQuestion("Cash box", 1)).toBe("Remove Cash box and its 1 transaction?");
    expect(removeAccountQuestion("Cash box", 0)).toBe("Remove Cash box?");
  });

  it("says what a removal did", () => {
    expect(disconnectedText("Demo Bank", { accounts: 3, transactions: 0 }, true)).toBe(
      "Disconnected Demo Bank. Kept 3 accounts as your own, with their transactions.",
    );
    expect(disconnectedText("Demo Bank", { accounts: 1, transactions: 0 }, true)).toBe(
      "Disconnected Demo Bank. Kept 1 account as your own, with its transactions.",
    );
    expect(disconnectedText("Demo Bank", { accounts: 3, transactions: 1204 }, false)).toBe(
      `Disconnected Demo Bank. Removed 3 accounts and ${formatCount(1204)} transactions.`,
    );
    expect(disconnectedText("Demo Bank", { accounts: 1, transactions: 1 }, false)).toBe(
      "Disconnected Demo Bank. Removed 1 account and 1 transaction.",
    );
    expect(disconnectedText("My bridge", { accounts: 0, transactions: 0 }, false)).toBe(
      "Disconnected My bridge. It held no accounts yet.",
    );
    expect(removedAccountText("Cash box", { accounts: 1, transactions: 12 })).toBe("Removed Cash box and its 12 transactions.");
    expect(removedAccountText("Cash box", { accounts: 1, transactions: 1 })).toBe("Removed Cash box and its 1 transaction.");
    expect(removedAccountText("Cash box", { accounts: 1, transactions: 0 })).toBe("Removed Cash box.");
  });
});
