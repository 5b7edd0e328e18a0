// Words for accounts, connections and refresh outcomes, shared by the screens.
// Outcomes branch on the error's kind; the shell's message follows as is.
import type { AccountKind } from "./bindings/AccountKind";
import type { ApplySummary } from "./bindings/ApplySummary";
import type { ErrorKind } from "./bindings/ErrorKind";
import type { ProviderKind } from "./bindings/ProviderKind";
import type { Removed } from "./bindings/Removed";
import { ERROR_TITLES } from "./vaultText";

const counts = new Intl.NumberFormat();

/** A count of rows (an integer from the shell, not an amount). */
export function formatCount(n: number): string {
  return counts.format(n);
}

export const ACCOUNT_KINDS: Record<AccountKind, string> = {
  checking: "Checking",
  savings: "Savings",
  credit_card: "Credit card",
  loan: "Loan",
  investment: "Investment",
  cash: "Cash",
  other: "Other",
};

export const PROVIDERS: Record<ProviderKind, string> = {
  demo: "Demo bank",
  simplefin: "SimpleFIN",
  ofx: "OFX Direct Connect",
};

/** The provider's name beside a connection's label, unless the label already says it. */
export function providerNote(label: string, provider: ProviderKind): string | null {
  const name = PROVIDERS[provider];
  return label.toLowerCase() === name.toLowerCase() ? null : name;
}

export type StatusView = { tone: "ok" | "warn"; label: string };

/** An account's or connection's status ("ok", "needs_attention", "rate_limited"). */
export function statusView(status: string): StatusView {
  switch (status) {
    case "ok":
      return { tone: "ok", label: "OK" };
    case "needs_attention":
      return { tone: "warn", label: "Needs attention" };
    case "rate_limited":
      return { tone: "warn", label: "Rate-limited" };
    default:
      return { tone: "warn", label: status };
  }
}

/** "242 new, 3 updated, 2 posted from pending", or "No changes". */
export function summaryText(summary: ApplySummary): string {
  const parts = [
    summary.added > 0 && `${formatCount(summary.added)} new`,
    summary.updated > 0 && `${formatCount(summary.updated)} updated`,
    summary.posted > 0 && `${formatCount(summary.posted)} posted from pending`,
    summary.removed > 0 && `${formatCount(summary.removed)} pending ${summary.removed === 1 ? "hold" : "holds"} released`,
  ].filter((part): part is string => typeof part === "string");
  return parts.length === 0 ? "No changes" : parts.join(", ");
}

/** What a failed connection asks of the user, by the error's kind. */
export function outcomeErrorTitle(kind: ErrorKind): string {
  switch (kind) {
    case "ProviderAuth":
      return "Reconnect needed";
    case "RateLimited":
      return "Rate-limited: try again later";
    case "Offline":
      return "Offline: check your connection";
    case "Provider":
      return "The bank had a problem";
    default:
      return ERROR_TITLES[kind];
  }
}

/** "1 account", "1,204 transactions". */
function counted(n: number, one: string, many: string): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

/** The choice that keeps a disconnected bank's accounts: "Keep its 3 accounts and their transactions". */
export function keepChoiceText(accounts: number | null): string {
  if (accounts === 1) return "Keep its account and its transactions";
  if (accounts === null || accounts === 0) return "Keep its accounts and their transactions";
  return `Keep its ${formatCount(accounts)} accounts and their transactions`;
}

/** The choice that removes a disconnected bank's accounts. */
export function removeChoiceText(accounts: number | null): string {
  return accounts === 1 ? "Remove its account and its transactions" : "Remove its accounts and transactions";
}

/** The question before an account of the user's own goes: "Remove Cash and its 12 transactions?". */
export function removeAccountQuestion(name: string, transactions: number): string {
  return transactions === 0 ? `Remove ${name}?` : `Remove ${name} and its ${counted(transactions, "transaction", "transactions")}?`;
}

/** What a disconnect did: "Disconnected Demo Bank. Kept 3 accounts as your own, with their transactions." */
export function disconnectedText(label: string, removed: Removed, kept: boolean): string {
  const { accounts, transactions } = removed;
  if (accounts === 0) return `Disconnected ${label}. It held no accounts yet.`;
  if (kept) {
    return `Disconnected ${label}. Kept ${counted(accounts, "account", "accounts")} as your own, with ${accounts === 1 ? "its" : "their"} transactions.`;
  }
  return `Disconnected ${label}. Removed ${counted(accounts, "account", "accounts")} and ${counted(transactions, "transaction", "transactions")}.`;
}

/** What removing an account of the user's own did: "Removed Cash and its 12 transactions." */
export function removedAccountText(name: string, removed: Removed): string {
  const { transactions } = removed;
  return transactions === 0
    ? `Removed ${name}.`
    : `Removed ${name} and its ${counted(transactions, "transaction", "transactions")}.`;
}
