// The screens and hash routing (#/overview, #/settings, ...). Hash routes need
// no server support, so the same build works from Tauri's custom protocol, from
// `vite preview` and from a plain static server in the browser tests.
import { useEffect, useState } from "react";

export const SCREENS = [
  { id: "overview", title: "Overview" },
  { id: "transactions", title: "Transactions" },
  { id: "accounts", title: "Accounts" },
  { id: "spending", title: "Spending" },
  { id: "budgets", title: "Budgets" },
  { id: "rules", title: "Rules" },
  { id: "alerts", title: "Alerts" },
  { id: "settings", title: "Settings" },
] as const;

export type ScreenId = (typeof SCREENS)[number]["id"];

/** `#/budgets`, or with what to open there: `#/budgets?month=2025-06&category=FOOD`. */
export function screenHref(id: ScreenId, params: Record<string, string> = {}): string {
  const query = new URLSearchParams(params).toString();
  return query === "" ? `#/${id}` : `#/${id}?${query}`;
}

export function screenFromHash(hash: string): ScreenId {
  const id = hash.replace(/^#\/?/, "").split("?")[0];
  return SCREENS.find((screen) => screen.id === id)?.id ?? "overview";
}

/** What a link asked the screen to open (`month`, `category`), read from the hash. */
export function hashParams(hash: string = window.location.hash): URLSearchParams {
  const at = hash.indexOf("?");
  return new URLSearchParams(at < 0 ? "" : hash.slice(at + 1));
}

export function useScreen(): ScreenId {
  const [screen, setScreen] = useState(() => screenFromHash(window.location.hash));
  useEffect(() => {
    const follow = () => setScreen(screenFromHash(window.location.hash));
    window.addEventListener("hashchange", follow);
    return () => window.removeEventListener("hashchange", follow);
  }, []);
  return screen;
}
