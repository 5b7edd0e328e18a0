// Settings against the fake shell: the vault's facts (moved here from the Overview), the
// budget alert thresholds, and the theme.
import { mockIPC } from "@tauri-apps/api/mocks";
import { act, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { App } from "../../src/App";
import type { BudgetReport } from "../../src/bindings/BudgetReport";
import type { VaultStatus } from "../../src/bindings/VaultStatus";
import { parseThresholds, thresholdsText } from "../../src/screens/ThresholdSettings";
import { applyStoredTheme, THEME_KEY } from "../../src/theme";
import { initialVaultModel, vaultReducer } from "../../src/vault";
import { createFakeVault, FAKE_KEYCHAIN_LOCATION, FAKE_PATH, FAKE_PROFILE, type FakeVault, type FakeVaultOptions } from "../fake-vault";

/** The app on Settings; `before` changes the (unlocked) vault before the app starts. */
async function onSettings(options: FakeVaultOptions = {}, before?: (vault: FakeVault) => void) {
  const vault = createFakeVault({ vault: "keychain", linked: true, ...options });
  if (before) {
    vault.handle("open_vault", null);
    before(vault);
  }
  const sent: Array<[string, unknown]> = [];
  mockIPC((command, args) => {
    sent.push([command, args]);
    return vault.handle(command, args);
  });
  render(<App />);
  await screen.findByText(/Unlocked|Locked/, { selector: "[data-testid=vault-state]" });
  await act(async () => {
    window.location.hash = "#/settings";
    window.dispatchEvent(new HashChangeEvent("hashchange"));
  });
  return { vault, sent, user: userEvent.setup() };
}

const thresholdsOf = (vault: FakeVault) => (vault.handle("budget", { month: null }) as BudgetReport).lines.map((l) => l.thresholds);

describe("The vault in Settings", () => {
  it("shows its file, key, protection, schema and what its tables hold, and locks it", async () => {
    const { vault, user } = await onSettings();
    const status = vault.handle("vault_status", null) as VaultStatus;
    expect(screen.getByTestId("vault-state").textContent).toBe("Unlocked");
    expect(screen.getByTestId("vault-profile").textContent).toBe(FAKE_PROFILE);
    expect(screen.getByTestId("vault-path").textContent).toBe(FAKE_PATH);
    expect(screen.getByTestId("vault-key-location").textContent).toBe(`System keychain · ${FAKE_KEYCHAIN_LOCATION}`);
    expect(screen.getByTestId("vault-encryption").textContent).toContain("Encrypted (SQLCipher, AES-256)");
    expect(screen.getByTestId("vault-schema").textContent).toBe(`Version ${status.schemaVersion} of ${status.latestSchemaVersion}`);
    const rows = within(screen.getByTestId("vault-counts")).getAllByRole("row").slice(1);
    expect(rows.map((r) => r.textContent)).toEqual(status.counts.map((c) => `${c.table}${c.rows}`));

    await user.click(screen.getByTestId("lock-button"));
    await screen.findByText("Unlock it on the Overview");
    expect(screen.getByTestId("vault-state").textContent).toBe("Locked");
    expect(screen.getByText("Unlock the vault to see what it holds.")).toBeTruthy();
    expect(screen.queryByTestId("vault-counts")).toBeNull();
    // What needs the open vault goes; the theme stays.
    expect(screen.queryByTestId("thresholds")).toBeNull();
    expect(screen.getByTestId("theme-system")).toBeTruthy();
  });
});

describe("The vault's key in Settings", () => {
  const PASSPHRASE_SET = "The vault is now protected by your passphrase. You will be asked for it when Spearmint starts.";
  const REKEYED = "The vault has a new key, kept in your keychain.";
  const KEYCHAIN_KEY = `System keychain · ${FAKE_KEYCHAIN_LOCATION}`;
  const PASSPHRASE_KEY = "Your passphrase · only in your memory";

  /**
   * Settings over the fake shell, where `held` (a command) waits for `release()` before the
   * fake answers it, so a test sees the UI while the vault is re-encrypted.
   */
  async function onKeySettings(options: FakeVaultOptions = {}, held?: string) {
    const vault = createFakeVault({ vault: "keychain", linked: true, ...options });
    if (options.vault === "passphrase") {
      vault.handle("open_vault", null);
      vault.handle("unlock_vault", { passphrase: options.passphrase ?? "correct horse" });
    }
    const sent: Array<[string, unknown]> = [];
    let release = () => {};
    mockIPC(async (command, args) => {
      sent.push([command, args]);
      if (command === held) await new Promise<void>((resolve) => (release = resolve));
      return vault.handle(command, args);
    });
    render(<App />);
    await screen.findByText("Unlocked", { selector: "[data-testid=vault-state]" });
    const user = userEvent.setup();
    await user.click(screen.getByTestId("nav-settings"));
    await screen.findByTestId("vault-passphrase-form");
    return { vault, sent, user, release: () => act(async () => release()) };
  }

  const keyLocation = () => screen.getByTestId("vault-key-location").textContent;
  const keyStatus = () => screen.getByTestId("vault-key-status").textContent;
  const headings = () => within(screen.getByTestId("vault-key")).getAllByRole("heading", { level: 3 }).map((h) => h.textContent);
  const field = (testId: string) => screen.getByTestId<HTMLInputElement>(testId);

  it("protects a keychain vault with a passphrase instead, with the create form's checks, re-encrypting meanwhile", async () => {
    const { sent, user, release } = await onKeySettings({}, "set_passphrase");
    expect(keyLocation()).toBe(KEYCHAIN_KEY);
    expect(headings()).toEqual(["Protect with a passphrase instead", "Re-encrypt with a new key"]);
    const form = screen.getByTestId("vault-passphrase-form");
    expect(within(form).getByLabelText("New passphrase")).toBe(field("vault-new-passphrase"));
    expect(within(form).getByLabelText("New passphrase again")).toBe(field("vault-new-passphrase-confirm"));
    const save = screen.getByTestId("vault-passphrase-save");

    // Too short, counted in characters: seven "é" are seven.
    await user.type(field("vault-new-passphrase"), "ééééééé");
    await user.type(field("vault-new-passphrase-confirm"), "ééééééé");
    await user.click(save);
    expect(within(form).getByText("Use at least 8 characters.").className).toBe("field-error");
    expect(field("vault-new-passphrase").getAttribute("aria-invalid")).toBe("true");
    expect(document.activeElement).toBe(field("vault-new-passphrase"));

    await user.type(field("vault-new-passphrase"), "é");
    await user.click(save);
    expect(within(form).getByText("The two passphrases differ.")).toBeTruthy();
    expect(field("vault-new-passphrase").getAttribute("aria-invalid")).toBe("false");
    expect(field("vault-new-passphrase-confirm").getAttribute("aria-invalid")).toBe("true");
    expect(document.activeElement).toBe(field("vault-new-passphrase-confirm"));
    expect(sent.map(([c]) => c)).not.toContain("set_passphrase");

    await user.clear(field("vault-new-passphrase-confirm"));
    await user.type(field("vault-new-passphrase-confirm"), "éééééééé");
    await user.click(save);
    // Re-encrypting: the form and everything else that touches the vault wait.
    await waitFor(() => expect(save.textContent).toBe("Re-encrypting…"));
    for (const testId of ["vault-new-passphrase", "vault-new-passphrase-confirm", "vault-passphrase-save", "vault-rekey", "lock-button"]) {
      expect(screen.getByTestId(testId), testId).toHaveProperty("disabled", true);
    }
    expect(screen.getByTestId("vault-key").getAttribute("aria-busy")).toBe("true");
    expect(keyLocation()).toBe(KEYCHAIN_KEY);
    expect(keyStatus()).toBe("");

    await release();
    await waitFor(() => expect(keyStatus()).toBe(PASSPHRASE_SET));
    expect(screen.getByTestId("vault-key-status").getAttribute("role")).toBe("status");
    expect(keyLocation()).toBe(PASSPHRASE_KEY);
    expect(headings()).toEqual(["Change the passphrase", "Keep the key in the keychain instead"]);
    expect(field("vault-new-passphrase").value).toBe("");
    expect(field("vault-new-passphrase-confirm").value).toBe("");
    expect(save.textContent).toBe("Change the passphrase");
    expect(save).toHaveProperty("disabled", false);
    expect(screen.getByTestId("lock-button")).toHaveProperty("disabled", false);
    expect(sent.filter(([c]) => c === "set_passphrase")).toEqual([["set_passphrase", { passphrase: "éééééééé" }]]);

    // From now on Spearmint asks for it.
    await user.click(screen.getByTestId("lock-button"));
    await user.click(screen.getByTestId("nav-overview"));
    await user.type(await screen.findByTestId("passphrase-input"), "éééééééé");
    await user.click(screen.getByTestId("unlock-button"));
    await screen.findByText("Unlocked", { selector: "[data-testid=vault-state]" });
  });

  it("re-encrypts a keychain vault with a new key after a confirm step", async () => {
    const { vault, sent, user, release } = await onKeySettings({}, "rekey");
    await user.click(screen.getByTestId("vault-rekey"));
    const confirm = screen.getByTestId("vault-rekey-confirm");
    expect(document.activeElement).toBe(confirm);
    expect(confirm.getAttribute("aria-describedby")).toBeTruthy();
    expect(document.getElementById(confirm.getAttribute("aria-describedby")!)?.textContent).toMatch(/Re-encrypt the whole vault now\?/);

    // Cancel asks nothing of the shell and gives the keyboard back to the button.
    await user.click(screen.getByRole("button", { name: "Cancel" }));
    expect(screen.queryByTestId("vault-rekey-confirm")).toBeNull();
    expect(document.activeElement).toBe(screen.getByTestId("vault-rekey"));

    await user.click(screen.getByTestId("vault-rekey"));
    await user.click(screen.getByTestId("vault-rekey-confirm"));
    await waitFor(() => expect(screen.getByTestId("vault-rekey-confirm").textContent).toBe("Re-encrypting…"));
    expect(screen.getByTestId("vault-rekey-confirm")).toHaveProperty("disabled", true);
    expect(field("vault-new-passphrase")).toHaveProperty("disabled", true);
    expect(screen.getByTestId("vault-passphrase-save")).toHaveProperty("disabled", true);
    expect(screen.getByTestId("lock-button")).toHaveProperty("disabled", true);

    await release();
    await waitFor(() => expect(keyStatus()).toBe(REKEYED));
    expect(vault.rekeys()).toBe(1);
    expect(sent.filter(([c]) => c === "rekey")).toHaveLength(1);
    expect(keyLocation()).toBe(KEYCHAIN_KEY);
    expect(screen.queryByTestId("vault-rekey-confirm")).toBeNull();
    expect(document.activeElement).toBe(screen.getByTestId("vault-rekey"));
  });

  it("changes a passphrase vault's passphrase, then keeps its key in the keychain instead", async () => {
    const { vault, sent, user } = await onKeySettings({ vault: "passphrase" });
    expect(keyLocation()).toBe(PASSPHRASE_KEY);
    expect(headings()).toEqual(["Change the passphrase", "Keep the key in the keychain instead"]);

    await user.type(field("vault-new-passphrase"), "short");
    await user.click(screen.getByTestId("vault-passphrase-save"));
    expect(screen.getByText("Use at least 8 characters.")).toBeTruthy();
    await user.clear(field("vault-new-passphrase"));
    await user.type(field("vault-new-passphrase"), "a new mint leaf");
    await user.type(field("vault-new-passphrase-confirm"), "a new mint leaf");
    await user.click(screen.getByTestId("vault-passphrase-save"));
    await waitFor(() => expect(keyStatus()).toBe(PASSPHRASE_SET));
    expect(keyLocation()).toBe(PASSPHRASE_KEY);
    expect(sent.filter(([c]) => c === "set_passphrase")).toEqual([["set_passphrase", { passphrase: "a new mint leaf" }]]);

    await user.click(screen.getByTestId("vault-rekey"));
    // A new question clears the last answer.
    expect(keyStatus()).toBe("");
    expect(screen.getByText(/Move the key to the keychain now\?/)).toBeTruthy();
    await user.click(screen.getByTestId("vault-rekey-confirm"));
    await waitFor(() => expect(keyStatus()).toBe(REKEYED));
    expect(vault.rekeys()).toBe(1);
    expect(keyLocation()).toBe(KEYCHAIN_KEY);
    expect(headings()).toEqual(["Protect with a passphrase instead", "Re-encrypt with a new key"]);
    expect((vault.handle("vault_status", null) as VaultStatus).keySource).toBe("keychain");
  });

  it("keeps the passphrase, and says why, when no keychain answers", async () => {
    const { vault, user } = await onKeySettings({ vault: "passphrase", keychain: false });
    await user.click(screen.getByTestId("vault-rekey"));
    await user.click(screen.getByTestId("vault-rekey-confirm"));
    const banner = await within(screen.getByTestId("vault-key")).findByTestId("error-banner");
    expect(banner.dataset.kind).toBe("KeychainUnavailable");
    expect(banner.textContent).toContain("no keychain is reachable");
    expect(keyStatus()).toBe("");
    expect(keyLocation()).toBe(PASSPHRASE_KEY);
    expect(vault.rekeys()).toBe(0);
    expect(headings()).toEqual(["Change the passphrase", "Keep the key in the keychain instead"]);
    expect(document.activeElement).toBe(screen.getByTestId("vault-rekey"));

    // The next attempt starts without the old error.
    await user.type(field("vault-new-passphrase"), "another passphrase");
    await user.type(field("vault-new-passphrase-confirm"), "another passphrase");
    await user.click(screen.getByTestId("vault-passphrase-save"));
    await waitFor(() => expect(keyStatus()).toBe(PASSPHRASE_SET));
    expect(within(screen.getByTestId("vault-key")).queryByTestId("error-banner")).toBeNull();
  });

  it("still shows the re-encryption running after Settings was left and opened again", async () => {
    const { user, release } = await onKeySettings({}, "rekey");
    await user.click(screen.getByTestId("vault-rekey"));
    await user.click(screen.getByTestId("vault-rekey-confirm"));
    await user.click(screen.getByTestId("nav-overview"));
    await user.click(screen.getByTestId("nav-settings"));
    const confirm = await screen.findByTestId("vault-rekey-confirm");
    expect(confirm.textContent).toBe("Re-encrypting…");
    expect(confirm).toHaveProperty("disabled", true);
    expect(screen.getByTestId("vault-passphrase-save")).toHaveProperty("disabled", true);
    expect(screen.getByTestId("lock-button")).toHaveProperty("disabled", true);

    await release();
    await waitFor(() => expect(screen.queryByTestId("vault-rekey-confirm")).toBeNull());
    expect(screen.getByTestId("vault-rekey")).toHaveProperty("disabled", false);
    expect(screen.getByTestId("lock-button")).toHaveProperty("disabled", false);
  });

  it("offers nothing about the key while the vault is locked", async () => {
    const { user } = await onKeySettings();
    await user.click(screen.getByTestId("lock-button"));
    await screen.findByText("Unlock it on the Overview");
    expect(screen.queryByTestId("vault-key")).toBeNull();
    expect(screen.queryByTestId("vault-passphrase-form")).toBeNull();
  });

  it("statusChanged takes the new status and leaves a running command alone", () => {
    const unlocked = vaultReducer(initialVaultModel, { type: "succeeded", status: { ...statusOf("keychain") } });
    const changed = vaultReducer(unlocked, { type: "statusChanged", status: statusOf("passphrase") });
    expect(changed).toEqual({ status: statusOf("passphrase"), pending: null, error: null, lastFailure: null });
    const locking = vaultReducer(unlocked, { type: "started", operation: "lock" });
    expect(vaultReducer(locking, { type: "statusChanged", status: statusOf("passphrase") }).pending).toBe("lock");
  });

  function statusOf(keySource: "keychain" | "passphrase"): VaultStatus {
    const vault = createFakeVault({ vault: keySource });
    vault.handle("unlock_vault", { passphrase: "correct horse" });
    return vault.handle("vault_status", null) as VaultStatus;
  }
});

describe("Budget alert thresholds in Settings", () => {
  it("shows the thresholds the budgets use, and saves a new list the budgets then use", async () => {
    const { vault, sent, user } = await onSettings();
    const input = await screen.findByTestId<HTMLInputElement>("thresholds-input");
    const [current] = thresholdsOf(vault);
    await waitFor(() => expect(input.value).toBe(current!.join(", ")));
    expect(screen.getByLabelText("Alert me when a budget reaches (percent)")).toBe(input);
    const save = screen.getByTestId("thresholds-save");
    expect(save, "nothing to save yet").toHaveProperty("disabled", true);

    await user.clear(input);
    await user.type(input, "100, 75%, 75");
    await user.click(save);
    await waitFor(() =>
      expect(screen.getByTestId("thresholds-status").textContent).toBe(
        `Saved. Spearmint alerts you when a budget reaches ${thresholdsText([75, 100])} of its amount.`,
      ),
    );
    expect(sent.filter(([c]) => c === "set_budget_thresholds")).toEqual([
      ["set_budget_thresholds", { thresholds: [75, 100], category: null }],
    ]);
    expect(input.value).toBe("75, 100");
    // Every budget of the fake now uses them.
    for (const list of thresholdsOf(vault)) expect(list).toEqual([75, 100]);
    expect(save).toHaveProperty("disabled", true);
  });

  it("says in plain words what to type when the list is not one of whole percentages", async () => {
    const { sent, user } = await onSettings();
    const input = await screen.findByTestId<HTMLInputElement>("thresholds-input");
    await waitFor(() => expect(input.value).not.toBe(""));
    const save = screen.getByTestId("thresholds-save");
    const attempts: Array<[string, RegExp]> = [
      ["", /Type at least one percentage, such as 80\./],
      ["80, lots", /“lots” is not a whole number\. Type whole percentages such as 80 or 100, separated by commas\./],
      ["12.5", /“12\.5” is not a whole number/],
      ["0, 100", /0% is outside 1 to 1000\. Use whole percentages from 1 to 1000/],
      ["80, 1001", /1001% is outside 1 to 1000/],
    ];
    for (const [text, message] of attempts) {
      await user.clear(input);
      if (text !== "") await user.type(input, text);
      await user.click(save);
      const error = screen.getByTestId("thresholds-error");
      expect(error.textContent, text).toMatch(message);
      expect(input.getAttribute("aria-invalid")).toBe("true");
      expect(input.getAttribute("aria-describedby")).toContain(error.id);
    }
    expect(sent.map(([c]) => c)).not.toContain("set_budget_thresholds");
    // Typing again clears the message.
    await user.type(input, "5");
    expect(screen.queryByTestId("thresholds-error")).toBeNull();
  });

  it("reads whole percentages in any order, each once", () => {
    expect(parseThresholds("100 50,80 ;50")).toEqual({ ok: true, list: [50, 80, 100] });
    expect(parseThresholds("1, 1000")).toEqual({ ok: true, list: [1, 1000] });
    expect(parseThresholds(" , ").ok).toBe(false);
    expect(parseThresholds("-5").ok).toBe(false);
    expect(parseThresholds("8e1").ok).toBe(false);
  });

  it("says which budgets keep thresholds of their own", async () => {
    const { vault } = await onSettings({}, (v) => v.handle("set_budget_thresholds", { thresholds: [50, 90], category: "FOOD" }));
    const own = await screen.findByTestId("thresholds-own");
    const food = (vault.handle("budget", { month: null }) as BudgetReport).lines.find((l) => l.category === "FOOD")!;
    expect(own.textContent).toContain(`${food.name} (${thresholdsText([50, 90])}) has thresholds of its own`);
    // The list shown is the one the other budgets use.
    const others = thresholdsOf(vault).filter((l) => l.join() !== "50,90");
    expect(screen.getByTestId<HTMLInputElement>("thresholds-input").value).toBe(others[0]!.join(", "));
  });

  it("shows the shell's refusal with its message", async () => {
    const vault = createFakeVault({ vault: "keychain", linked: true });
    mockIPC((command, args) => {
      if (command === "set_budget_thresholds") throw { kind: "Storage", message: "the vault could not be written: check the disk, then try again" };
      return vault.handle(command, args);
    });
    render(<App />);
    await screen.findByText("Unlocked", { selector: "[data-testid=vault-state]" });
    const user = userEvent.setup();
    await user.click(screen.getByTestId("nav-settings"));
    const input = await screen.findByTestId<HTMLInputElement>("thresholds-input");
    await waitFor(() => expect(input.value).not.toBe(""));
    await user.clear(input);
    await user.type(input, "90");
    await user.click(screen.getByTestId("thresholds-save"));
    const banner = await within(screen.getByTestId("thresholds")).findByTestId("error-banner");
    expect(banner.dataset.kind).toBe("Storage");
    expect(banner.textContent).toContain("check the disk, then try again");
    expect(screen.getByTestId("thresholds-status").textContent).toBe("");
  });
});

describe("The theme in Settings", () => {
  const reset = () => {
    window.localStorage.clear();
    delete document.documentElement.dataset.theme;
  };
  beforeEach(reset);
  afterEach(reset);

  const radio = (theme: string) => screen.getByTestId<HTMLInputElement>(`theme-${theme}`);

  it("follows the system until the user chooses light or dark, applied at once and kept", async () => {
    const { user } = await onSettings();
    expect(radio("system").checked).toBe(true);
    expect(document.documentElement.dataset.theme).toBeUndefined();
    const group = screen.getByRole("group", { name: "Theme" });
    expect(within(group).getAllByRole("radio").map((r) => (r as HTMLInputElement).labels?.[0]?.textContent?.split(" · ")[0])).toEqual([
      "System",
      "Light",
      "Dark",
    ]);

    await user.click(radio("dark"));
    expect(document.documentElement.dataset.theme).toBe("dark");
    expect(window.localStorage.getItem(THEME_KEY)).toBe("dark");
    expect(radio("dark").checked).toBe(true);

    await user.click(radio("light"));
    expect(document.documentElement.dataset.theme).toBe("light");
    expect(window.localStorage.getItem(THEME_KEY)).toBe("light");

    await user.click(radio("system"));
    expect(document.documentElement.dataset.theme).toBeUndefined();
    expect("theme" in document.documentElement.dataset).toBe(false);
    expect(window.localStorage.getItem(THEME_KEY)).toBe("system");
  });

  it("is restored from localStorage at startup, and shown as chosen", async () => {
    window.localStorage.setItem(THEME_KEY, "dark");
    // The app's entry point applies the stored theme before its first render.
    vi.resetModules();
    const root = document.createElement("div");
    root.id = "root";
    document.body.append(root);
    const shell = createFakeVault({ vault: "passphrase" });
    mockIPC((command, args) => shell.handle(command, args));
    await import("../../src/main");
    expect(document.documentElement.dataset.theme).toBe("dark");
    root.remove();

    await onSettings({ vault: "passphrase" });
    expect(radio("dark").checked).toBe(true);
    expect(document.documentElement.dataset.theme).toBe("dark");
  });

  it("takes anything else stored as the system's", () => {
    window.localStorage.setItem(THEME_KEY, "purple");
    document.documentElement.dataset.theme = "dark";
    expect(applyStoredTheme()).toBe("system");
    expect(document.documentElement.dataset.theme).toBeUndefined();
    window.localStorage.setItem(THEME_KEY, "light");
    expect(applyStoredTheme()).toBe("light");
    expect(document.documentElement.dataset.theme).toBe("light");
  });
});
