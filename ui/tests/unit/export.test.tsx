// Exports on Settings: the shell asks where to save in the system's dialog, writes the
// file, and says how many rows went where; a cancelled dialog exports nothing.
import { mockIPC } from "@tauri-apps/api/mocks";
import { act, render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { App } from "../../src/App";
import { createFakeVault, DEMO_TODAY, type FakeVaultOptions } from "../fake-vault";

function start(options: FakeVaultOptions = {}) {
  const vault = createFakeVault({ vault: "keychain", linked: true, ...options });
  mockIPC((command, args) => vault.handle(command, args));
  render(<App />);
  return { vault, user: userEvent.setup() };
}

async function openSettings() {
  await act(async () => {
    window.location.hash = "#/settings";
    window.dispatchEvent(new HashChangeEvent("hashchange"));
  });
}

describe("Export on Settings", () => {
  it("says how many transactions went to which file", async () => {
    const { vault, user } = start();
    await openSettings();
    await user.click(await screen.findByTestId("export-transactions"));
    const rows = vault.transactions().length;
    await waitFor(() =>
      expect(screen.getByTestId("export-status").textContent).toBe(
        `Exported ${rows} transactions to /home/ada/Documents/spearmint-transactions-${DEMO_TODAY}.csv.`,
      ),
    );
    expect(vault.calls.filter((c) => c === "export_csv")).toHaveLength(1);
  });

  it("exports nothing when the save dialog is cancelled, and says so", async () => {
    const { user } = start({ cancelExport: true });
    await openSettings();
    await user.click(await screen.findByTestId("export-budgets"));
    await waitFor(() => expect(screen.getByTestId("export-status").textContent).toBe("Export cancelled: no file was written."));
    expect(screen.queryByTestId("error-banner")).toBeNull();
  });
});

describe("Start at login on Settings", () => {
  it("shows the setting and turns it on and off through the shell", async () => {
    const { vault, user } = start();
    await openSettings();
    const box = (await screen.findByTestId("start-at-login")) as HTMLInputElement;
    await waitFor(() => expect(box.disabled).toBe(false));
    expect(box.checked).toBe(false);
    await user.click(box);
    await waitFor(() => expect(box.checked).toBe(true));
    expect(vault.handle("start_at_login", {})).toBe(true);
    await user.click(box);
    await waitFor(() => expect(box.checked).toBe(false));
    expect(vault.handle("start_at_login", {})).toBe(false);
  });

  it("says what to do when the setting cannot be changed, and keeps it as it was", async () => {
    const { user } = start({ autostartFails: true });
    await openSettings();
    const box = (await screen.findByTestId("start-at-login")) as HTMLInputElement;
    await waitFor(() => expect(box.disabled).toBe(false));
    await user.click(box);
    // Its own words, not the vault's error heading: the vault is fine.
    const error = await screen.findByTestId("start-at-login-error");
    expect(error.dataset.kind).toBe("Storage");
    expect(error.textContent).toMatch(/can be written to/);
    expect(screen.queryByTestId("error-banner")).toBeNull();
    expect(box.checked).toBe(false);
  });
});
