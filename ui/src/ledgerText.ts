// Words for accounts, connections and refresh outcomes, shared by the screens.
// Outcomes branch on the error's kind; the shell's message follows as is.
import type { AccountKind } from "./bindings/AccountKind";
import type { ApplySummary } from "./bindings/ApplySummary";
import type { ErrorKind } from "./bindings/ErrorKind";
import type { ProviderKind } from "./bindings/ProviderKind";
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
