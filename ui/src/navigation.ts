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
  { id: "settings", title: "Settings" },
] as const;

export type ScreenId = (typeof SCREENS)[number]["id"];

export function screenHref(id: ScreenId): string {
  return `#/${id}`;
}

export function screenFromHash(hash: string): ScreenId {
  const id = hash.replace(/^#\/?/, "");
  return SCREENS.find((screen) => screen.id === id)?.id ?? "overview";
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
