// Light or dark, as the user chose in Settings. "system" follows the system's
// setting (styles.css: `prefers-color-scheme`); "light" and "dark" set
// `data-theme` on <html>, which the block at the end of styles.css gives the
// same colours as the system's light or dark setting. The choice is kept in
// localStorage, on this computer only (it is not in the vault: it is not data).

export type Theme = "system" | "light" | "dark";

export const THEMES: readonly Theme[] = ["system", "light", "dark"];

export const THEME_KEY = "spearmint.theme";

export function isTheme(value: unknown): value is Theme {
  return typeof value === "string" && (THEMES as readonly string[]).includes(value);
}

/** The stored choice; "system" when none was stored, it is unreadable, or storage is off. */
export function storedTheme(): Theme {
  try {
    const value = window.localStorage.getItem(THEME_KEY);
    return isTheme(value) ? value : "system";
  } catch {
    return "system";
  }
}

/** Fired on window when the theme changes, for what draws its own colours (charts). */
export const THEME_EVENT = "spearmint:theme";

/** Shows the page in `theme` now (nothing is stored). */
export function applyTheme(theme: Theme): void {
  const root = document.documentElement;
  if (theme === "system") delete root.dataset.theme;
  else root.dataset.theme = theme;
  window.dispatchEvent(new Event(THEME_EVENT));
}

/**
 * Applies and stores the user's choice. False when it could not be stored (storage
 * turned off): it then holds until Spearmint is closed.
 */
export function chooseTheme(theme: Theme): boolean {
  applyTheme(theme);
  try {
    window.localStorage.setItem(THEME_KEY, theme);
    return true;
  } catch {
    return false;
  }
}

/** At startup: shows the page in the stored choice, and returns it. */
export function applyStoredTheme(): Theme {
  const theme = storedTheme();
  applyTheme(theme);
  return theme;
}
