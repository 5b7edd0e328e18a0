import { mockIPC } from "@tauri-apps/api/mocks";
import { act, render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { App } from "../../src/App";
import { createFakeVault, FAKE_PATH, type FakeVaultOptions } from "../fake-vault";

function start(options: FakeVaultOptions = {}) {
  const vault = createFakeVault(options);
  mockIPC((command, args) => vault.handle(command, args));
  render(<App />);
  return { vault, user: userEvent.setup() };
}

const state = () => screen.getByTestId("vault-state");

describe("App", () => {
  it("first run opens a new encrypted vault and shows it unlocked", async () => {
    const { vault } = start();
    expect(await screen.findByText("Unlocked", { selector: "[data-testid=vault-state]" })).toBeTruthy();
    expect(screen.getByTestId("vault-encryption").textContent).toContain("Encrypted (SQLCipher, AES-256)");
    expect(screen.getByTestId("vault-path").textContent).toBe(FAKE_PATH);
    expect(screen.getByTestId("vault-schema").textContent).toBe("Version 3 of 3");
    expect(within(screen.getByTestId("vault-counts")).getByText("categories")).toBeTruthy();
    expect(vault.calls).toEqual(["open_vault"]);
  });

  it("warns when the vault file is not encrypted", async () => {
    start({ encrypted: false });
    await screen.findByText("Unlocked", { selector: "[data-testid=vault-state]" });
    const encryption = screen.getByTestId("vault-encryption").textContent ?? "";
    expect(encryption).not.toContain("Encrypted");
    expect(encryption).toContain("plain text");
  });

  it("without a keychain it offers a passphrase vault, checks the passphrase, and creates it", async () => {
    const { vault, user } = start({ keychain: false });
    const banner = await screen.findByTestId("error-banner");
    expect(banner.dataset.kind).toBe("KeychainUnavailable");
    expect(state().textContent).toBe("No vault yet");
    expect(screen.getByText(/no keychain is reachable on this computer/)).toBeTruthy();

    await user.type(screen.getByTestId("passphrase-input"), "short");
    await user.click(screen.getByTestId("create-button"));
    expect(screen.getByText("Use at least 8 characters.")).toBeTruthy();
    expect(vault.calls).not.toContain("create_vault");

    await user.clear(screen.getByTestId("passphrase-input"));
    await user.type(screen.getByTestId("passphrase-input"), "mint leaves in spring");
    await user.type(screen.getByTestId("passphrase-confirm"), "mint leaves in autumn");
    await user.click(screen.getByTestId("create-button"));
    expect(screen.getByText("The two passphrases differ.")).toBeTruthy();

    await user.clear(screen.getByTestId("passphrase-confirm"));
    await user.type(screen.getByTestId("passphrase-confirm"), "mint leaves in spring");
    await user.click(screen.getByTestId("create-button"));
    await screen.findByText("Unlocked", { selector: "[data-testid=vault-state]" });
    expect(screen.queryByTestId("error-banner")).toBeNull();
    expect(screen.getByTestId("vault-key-location").textContent).toContain("Your passphrase");
  });

  it("a wrong passphrase shows the WrongKey banner, keeps the form and clears the field", async () => {
    const { user } = start({ vault: "passphrase", passphrase: "correct horse" });
    await screen.findByText("Locked", { selector: "[data-testid=vault-state]" });

    await user.type(screen.getByTestId("passphrase-input"), "wrong horse");
    await user.click(screen.getByTestId("unlock-button"));
    const banner = await screen.findByTestId("error-banner");
    expect(banner.dataset.kind).toBe("WrongKey");
    expect(banner.textContent).toContain("the passphrase does not open this vault");
    const input = screen.getByTestId<HTMLInputElement>("passphrase-input");
    expect(input.value).toBe("");
    expect(document.activeElement).toBe(input);

    await user.type(input, "correct horse");
    await user.click(screen.getByTestId("unlock-button"));
    await screen.findByText("Unlocked", { selector: "[data-testid=vault-state]" });
    expect(screen.queryByTestId("error-banner")).toBeNull();
  });

  it("a locked keychain vault is unlocked by open on start", async () => {
    const { vault } = start({ vault: "keychain" });
    await screen.findByText("Unlocked", { selector: "[data-testid=vault-state]" });
    expect(vault.calls).toEqual(["open_vault"]);
  });

  it("a vault from a newer Spearmint asks the user to update", async () => {
    start({ vault: "keychain", tooNew: true });
    const banner = await screen.findByTestId("error-banner");
    expect(banner.dataset.kind).toBe("VaultTooNew");
    expect(screen.getByRole("heading", { name: "Update Spearmint" })).toBeTruthy();
  });

  it("locking in Settings returns to the locked state, and a keychain vault unlocks with one click", async () => {
    const { vault, user } = start();
    await screen.findByText("Unlocked", { selector: "[data-testid=vault-state]" });

    await act(async () => {
      window.location.hash = "#/settings";
      window.dispatchEvent(new HashChangeEvent("hashchange"));
    });
    await user.click(screen.getByTestId("lock-button"));
    await screen.findByText("Unlock it on the Overview");

    await user.click(screen.getByTestId("nav-overview"));
    expect(state().textContent).toBe("Locked");
    expect(screen.queryByTestId("passphrase-input")).toBeNull();
    await user.click(screen.getByTestId("unlock-button"));
    await screen.findByText("Unlocked", { selector: "[data-testid=vault-state]" });
    expect(vault.calls).toEqual(["open_vault", "lock_vault", "unlock_vault"]);
  });
});
