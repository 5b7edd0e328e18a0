// Words for sync, shared by Settings' Sync card and the Overview's sync line, so they never
// disagree. The shell's messages are shown as is; these only title and date them.
import type { ErrorKind } from "./bindings/ErrorKind";

/** The error banner's titles where the generic ones speak of a bank or a passphrase. */
export const SYNC_ERROR_TITLES: Partial<Record<ErrorKind, string>> = {
  Offline: "Could not reach the sync server",
  ProviderAuth: "The sync server refused the sign-in",
  WrongKey: "Wrong recovery phrase",
  KeyMissing: "This device must join the budget again",
  Invalid: "Not accepted",
  NotFound: "Not found",
  Conflict: "Changed elsewhere",
  RateLimited: "Too many syncs for now",
  Provider: "The sync server had a problem",
};

/**
 * When something happened, for a person: "just now", "5 minutes ago", "today at 07:45", or
 * the locale's date and time. `at` is RFC 3339 (UTC) from the shell.
 */
export function whenText(at: string, now: Date = new Date(), locale?: string): string {
  const then = new Date(at);
  if (Number.isNaN(then.getTime())) return at;
  const seconds = (now.getTime() - then.getTime()) / 1000;
  if (Math.abs(seconds) < 60) return "just now";
  if (seconds > 0 && seconds < 3600) {
    const minutes = Math.floor(seconds / 60);
    return `${minutes} ${minutes === 1 ? "minute" : "minutes"} ago`;
  }
  const time = then.toLocaleTimeString(locale, { hour: "2-digit", minute: "2-digit" });
  if (then.toDateString() === now.toDateString()) return `today at ${time}`;
  return then.toLocaleString(locale, { dateStyle: "medium", timeStyle: "short" });
}

/** The recovery phrase as the shell takes it: words separated by one space, no space around. */
export function normalPhrase(typed: string): string {
  return typed.trim().split(/\s+/).filter((w) => w !== "").join(" ");
}

/** "1 change" / "3 changes". */
export function changesText(n: number): string {
  return `${new Intl.NumberFormat().format(n)} ${n === 1 ? "change" : "changes"}`;
}
