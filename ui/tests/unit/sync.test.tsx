// Sync against the fake shell and its fake sync server: the Settings card (set up, join, sync
// now, devices, stop syncing) and the Overview's one line of sync health.
import { mockIPC } from "@tauri-apps/api/mocks";
import { act, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { App } from "../../src/App";
import type { SyncState } from "../../src/bindings/SyncState";
import { normalPhrase, whenText } from "../../src/syncText";
import {
  createFakeVault,
  FAKE_CHANGED_PHRASE,
  FAKE_LAST_SYNC,
  FAKE_OTHER_DEVICE,
  FAKE_SETUP_PHRASE,
  FAKE_SYNC_PASSWORD,
  FAKE_SYNC_PHRASE,
  FAKE_SYNC_SERVER,
  FAKE_SYNC_USER,
  FAKE_THIS_DEVICE,
  type FakeVault,
  type FakeVaultOptions,
} from "../fake-vault";

/** The app over the fake shell, every command it is sent kept in `sent`. */
function start(options: FakeVaultOptions = {}, before?: (vault: FakeVault) => void) {
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
  return { vault, sent, user: userEvent.setup() };
}

async function go(screenId: string) {
  await act(async () => {
    window.location.hash = `#/${screenId}`;
    window.dispatchEvent(new HashChangeEvent("hashchange"));
  });
}

/** The app on Settings, its Sync card read. */
async function onSync(options: FakeVaultOptions = {}) {
  const started = start(options);
  await screen.findByText("Unlocked", { selector: "[data-testid=vault-state]" });
  await go("settings");
  const card = screen.getByTestId("sync-settings");
  await waitFor(() => expect(card.dataset.setUp).toBeDefined());
  return { ...started, card };
}

const stateOf = (vault: FakeVault) => vault.handle("sync_state", null) as SyncState;
const field = (testId: string) => screen.getByTestId<HTMLInputElement>(testId);
const argsOf = (sent: Array<[string, unknown]>, command: string) => sent.filter(([c]) => c === command).map(([, a]) => a);

async function fillAccount(user: ReturnType<typeof userEvent.setup>, prefix: string, server: string, name: string, password: string) {
  await user.type(field(`${prefix}-server`), server);
  await user.type(field(`${prefix}-user`), name);
  await user.type(field(`${prefix}-password`), password);
}

describe("Setting sync up in Settings", () => {
  it("explains sync, then sets it up and shows the recovery phrase once, until the user has written it down", async () => {
    const { vault, sent, user, card } = await onSync();
    expect(card.dataset.setUp).toBe("false");
    expect(card.querySelector("h2")?.textContent).toBe("Sync");
    expect(card.textContent).toContain("end-to-end encrypted: the server stores only data it cannot read");
    expect(within(card).getAllByRole("heading", { level: 3 }).map((h) => h.textContent)).toEqual([
      "Set up sync on this device",
      "Join a budget from another device",
    ]);
    expect(field("sync-setup-password").type).toBe("password");
    expect(field("sync-join-password").type).toBe("password");
    expect(screen.getByTestId("sync-join-phrase").getAttribute("autocomplete")).toBe("off");

    // An empty field is named, and nothing is sent.
    await user.click(screen.getByTestId("sync-setup-submit"));
    expect(within(screen.getByTestId("sync-setup-form")).getByText("Enter the sync server's address.")).toBeTruthy();
    expect(document.activeElement).toBe(field("sync-setup-server"));
    expect(argsOf(sent, "sync_setup")).toEqual([]);

    await fillAccount(user, "sync-setup", ` ${FAKE_SYNC_SERVER} `, "grace", "hopper hopper");
    await user.click(screen.getByTestId("sync-setup-submit"));
    const box = await screen.findByTestId("sync-phrase-box");
    expect(argsOf(sent, "sync_setup")).toEqual([{ server: FAKE_SYNC_SERVER, user: "grace", password: "hopper hopper" }]);
    const words = within(screen.getByTestId("sync-phrase")).getAllByRole("listitem").map((li) => li.textContent);
    expect(words).toEqual(FAKE_SETUP_PHRASE.split(" "));
    expect(words).toHaveLength(24);
    expect(box.textContent).toContain("the only way another device can open this budget");
    expect(box.textContent).toContain("Write them down");
    expect(document.activeElement).toBe(within(box).getByRole("heading", { level: 3 }));
    // While it is shown, nothing else of the card competes with it.
    expect(screen.queryByTestId("sync-now")).toBeNull();
    expect(screen.queryByTestId("sync-setup-form")).toBeNull();

    await user.click(screen.getByTestId("sync-phrase-done"));
    expect(screen.queryByTestId("sync-phrase-box")).toBeNull();
    for (const word of ["absorb", "leopard", "vivid"]) expect(document.body.textContent).not.toContain(word);
    expect(card.dataset.setUp).toBe("true");
    expect(screen.getByTestId("sync-server").textContent).toBe(FAKE_SYNC_SERVER);
    expect(screen.getByTestId("sync-user").textContent).toBe("grace");
    expect(screen.getByTestId("sync-last").textContent).toBe(whenText(stateOf(vault).lastSyncAt!));
    expect(screen.getByTestId("sync-pending").textContent).toBe("Nothing: every change made here is on the server");
    // A new account holds this device only: nothing to remove.
    const devices = await screen.findAllByTestId("sync-device");
    expect(devices.map((d) => d.dataset.id)).toEqual([FAKE_THIS_DEVICE.id]);
    expect(devices[0]!.textContent).toContain("(this device)");
    expect(within(devices[0]!).queryByRole("button")).toBeNull();

    // Away and back: the phrase is gone for good.
    await go("overview");
    await go("settings");
    await screen.findByTestId("sync-now");
    expect(screen.queryByTestId("sync-phrase-box")).toBeNull();
  });

  it("still shows the phrase when the user left Settings before the setup answered, or before writing it down", async () => {
    const { vault, user } = await onSync({ hold: ["sync_setup"] });
    await fillAccount(user, "sync-setup", FAKE_SYNC_SERVER, "grace", "hopper hopper");
    await user.click(screen.getByTestId("sync-setup-submit"));
    await waitFor(() => expect(screen.getByTestId("sync-setup-submit").textContent).toBe("Setting up…"));
    await go("overview");
    await act(async () => vault.answer());
    await go("settings");
    expect(within(await screen.findByTestId("sync-phrase")).getAllByRole("listitem")).toHaveLength(24);
    await go("overview");
    await go("settings");
    await user.click(await screen.findByTestId("sync-phrase-done"));
    await go("overview");
    await go("settings");
    await screen.findByTestId("sync-now");
    expect(screen.queryByTestId("sync-phrase-box")).toBeNull();
  });

  it("shows the shell's word for an address that is not https, and stays not set up", async () => {
    const { vault, user, card } = await onSync();
    await fillAccount(user, "sync-setup", "http://sync.example.org", "grace", "hopper hopper");
    await user.click(screen.getByTestId("sync-setup-submit"));
    const banner = await within(screen.getByTestId("sync-setup-form")).findByTestId("error-banner");
    expect(banner.dataset.kind).toBe("Invalid");
    expect(banner.textContent).toContain("starts with https://");
    expect(card.dataset.setUp).toBe("false");
    expect(stateOf(vault).setUp).toBe(false);
  });
});

describe("Joining a budget from another device", () => {
  it("refuses a wrong recovery phrase with the shell's message and changes nothing, then joins with the right one", async () => {
    const { vault, sent, user, card } = await onSync();
    const form = screen.getByTestId("sync-join-form");
    await fillAccount(user, "sync-join", FAKE_SYNC_SERVER, FAKE_SYNC_USER, FAKE_SYNC_PASSWORD);
    const phrase = screen.getByTestId<HTMLTextAreaElement>("sync-join-phrase");
    const wrong = `${"abandon ".repeat(23)}art`;
    await user.type(phrase, wrong);
    await user.click(screen.getByTestId("sync-join-submit"));

    const banner = await within(form).findByTestId("error-banner");
    expect(banner.dataset.kind).toBe("WrongKey");
    expect(banner.textContent).toContain("Wrong recovery phrase");
    expect(banner.textContent).toContain("this recovery phrase does not open this budget's key: check the words, in order");
    expect(card.dataset.setUp).toBe("false");
    expect(stateOf(vault).setUp).toBe(false);
    // What was typed stays, to fix one word; the keyboard is on it.
    expect(phrase.value).toBe(wrong);
    expect(document.activeElement).toBe(phrase);

    // The right phrase as one copies it from paper: odd spaces and line breaks.
    await user.clear(phrase);
    const [first, ...rest] = FAKE_SYNC_PHRASE.split(" ");
    await user.type(phrase, `  ${first}   ${rest.slice(0, 11).join(" ")}{Enter}${rest.slice(11).join("  ")}  `);
    await user.click(screen.getByTestId("sync-join-submit"));
    await waitFor(() => expect(card.dataset.setUp).toBe("true"));
    const joins = argsOf(sent, "sync_join") as Array<{ phrase: string }>;
    expect(joins.at(-1)).toEqual({ server: FAKE_SYNC_SERVER, user: FAKE_SYNC_USER, password: FAKE_SYNC_PASSWORD, phrase: FAKE_SYNC_PHRASE });
    // No phrase to show when joining: the other device showed it.
    expect(screen.queryByTestId("sync-phrase-box")).toBeNull();
    expect(screen.getByTestId("sync-user").textContent).toBe(FAKE_SYNC_USER);
    const devices = await screen.findAllByTestId("sync-device");
    expect(devices.map((d) => d.dataset.id)).toEqual([FAKE_OTHER_DEVICE.id, FAKE_THIS_DEVICE.id]);
  });
});

describe("A budget that syncs, in Settings", () => {
  it("shows where and when it last synced, says Syncing… while it syncs, then the new last sync", async () => {
    const { vault, user } = await onSync({ syncSetUp: true, hold: ["sync_now"] });
    expect(screen.getByTestId("sync-server").textContent).toBe(FAKE_SYNC_SERVER);
    expect(screen.getByTestId("sync-user").textContent).toBe(FAKE_SYNC_USER);
    expect(screen.getByTestId("sync-last").textContent).toBe(whenText(FAKE_LAST_SYNC));
    expect(screen.getByTestId("sync-pending").textContent).toBe("2 changes made here");

    const button = screen.getByTestId("sync-now");
    await user.click(button);
    await waitFor(() => expect(button.textContent).toBe("Syncing…"));
    expect(button).toHaveProperty("disabled", true);
    expect(screen.getByTestId("sync-leave")).toHaveProperty("disabled", true);
    expect(screen.getByTestId("sync-now-status").textContent).toContain("you can go on using Spearmint");
    // The window is not frozen: the other screens open meanwhile.
    await user.click(screen.getByTestId("nav-overview"));
    await user.click(screen.getByTestId("nav-settings"));
    await waitFor(() => expect(screen.getByTestId("sync-now").textContent).toBe("Syncing…"));

    act(() => vault.answer());
    await waitFor(() => expect(screen.getByTestId("sync-now").textContent).toBe("Sync now"));
    const now = stateOf(vault);
    expect(now.lastSyncAt).not.toBe(FAKE_LAST_SYNC);
    await waitFor(() => expect(screen.getByTestId("sync-last").textContent).toBe(whenText(now.lastSyncAt!)));
    expect(screen.getByTestId("sync-last").textContent).toBe("just now");
    expect(screen.getByTestId("sync-pending").textContent).toBe("Nothing: every change made here is on the server");
    expect(screen.queryByTestId("error-banner")).toBeNull();
  });

  it("shows an Offline error of Sync now as the shell words it, and the changes still waiting", async () => {
    const offline = { kind: "Offline" as const, message: "could not reach the sync server: your changes are kept and go at the next sync" };
    const { user, card } = await onSync({ syncSetUp: true, syncError: offline });
    await user.click(screen.getByTestId("sync-now"));
    const banner = await within(card).findByTestId("error-banner");
    expect(banner.dataset.kind).toBe("Offline");
    expect(banner.querySelector(".banner-title")?.textContent).toBe("Could not reach the sync server");
    expect(banner.querySelector(".banner-message")?.textContent).toBe(offline.message);
    expect(screen.getByTestId("sync-now")).toHaveProperty("disabled", false);
    expect(screen.getByTestId("sync-pending").textContent).toBe("2 changes made here");
    expect(screen.getByTestId("sync-last").textContent).toBe(whenText(FAKE_LAST_SYNC));

    // Back later: the card says what went wrong last time.
    await go("overview");
    await go("settings");
    expect((await screen.findByTestId("sync-last-error")).textContent).toBe(offline.message);
  });

  it("removes another device after the user confirms, and offers no removal of this one", async () => {
    const { vault, sent, user } = await onSync({ syncSetUp: true });
    const rows = await screen.findAllByTestId("sync-device");
    expect(rows.map((r) => r.dataset.id)).toEqual([FAKE_OTHER_DEVICE.id, FAKE_THIS_DEVICE.id]);
    expect(within(rows[1]!).queryByRole("button")).toBeNull();
    expect(rows[1]!.textContent).toContain("(this device)");

    // Asked, then cancelled: nothing is sent.
    await user.click(screen.getByTestId(`sync-remove-${FAKE_OTHER_DEVICE.id}`));
    expect(rows[0]!.textContent).toContain(`Remove ${FAKE_OTHER_DEVICE.name}? It can no longer sync; its data stays on it.`);
    expect(document.activeElement).toBe(screen.getByTestId("sync-remove-confirm"));
    await user.click(screen.getByTestId("sync-remove-cancel"));
    expect(screen.queryByTestId("sync-remove-confirm")).toBeNull();
    expect(argsOf(sent, "sync_revoke")).toEqual([]);

    await user.click(screen.getByTestId(`sync-remove-${FAKE_OTHER_DEVICE.id}`));
    await user.click(screen.getByTestId("sync-remove-confirm"));
    await waitFor(() => expect(screen.getAllByTestId("sync-device")[0]!.dataset.revoked).toBe("true"));
    expect(argsOf(sent, "sync_revoke")).toEqual([{ device: FAKE_OTHER_DEVICE.id }]);
    const removed = screen.getAllByTestId("sync-device")[0]!;
    expect(removed.textContent).toContain("Removed");
    expect(within(removed).queryByRole("button")).toBeNull();
    const devices = vault.handle("sync_devices", null) as Array<{ id: string; revoked: boolean }>;
    expect(devices.find((d) => d.id === FAKE_OTHER_DEVICE.id)?.revoked).toBe(true);
  });

  it("stops syncing on this device after the user confirms, back to the card that sets sync up", async () => {
    const { vault, sent, user, card } = await onSync({ syncSetUp: true });
    await user.click(screen.getByTestId("sync-leave"));
    expect(card.textContent).toContain("The budget stays here as it is, and on the server for your other devices.");
    await user.click(screen.getByTestId("sync-leave-cancel"));
    expect(argsOf(sent, "sync_leave")).toEqual([]);
    expect(card.dataset.setUp).toBe("true");

    await user.click(screen.getByTestId("sync-leave"));
    await user.click(screen.getByTestId("sync-leave-confirm"));
    await waitFor(() => expect(card.dataset.setUp).toBe("false"));
    expect(argsOf(sent, "sync_leave")).toHaveLength(1);
    expect(stateOf(vault).setUp).toBe(false);
    expect(screen.getByTestId("sync-setup-form")).toBeTruthy();
    expect(screen.getByTestId("sync-join-form")).toBeTruthy();
    expect(screen.queryByTestId("sync-now")).toBeNull();
  });

  it("shares with the crowd only once the user turns it on, says what leaves the device, and turns it off again", async () => {
    const { vault, sent, user, card } = await onSync({ syncSetUp: true });
    const box = await within(card).findByTestId<HTMLInputElement>("sync-crowd");
    expect(box.checked).toBe(false);
    expect(card.textContent).toContain("never the name, your amounts or your dates");
    expect(argsOf(sent, "set_crowd_sharing")).toEqual([]);

    await user.click(box);
    await waitFor(() => expect(box.checked).toBe(true));
    expect(argsOf(sent, "set_crowd_sharing")).toEqual([{ on: true }]);
    expect(stateOf(vault).crowdSharing).toBe(true);

    await user.click(box);
    await waitFor(() => expect(box.checked).toBe(false));
    expect(argsOf(sent, "set_crowd_sharing")).toEqual([{ on: true }, { on: false }]);
    expect(stateOf(vault).crowdSharing).toBe(false);
  });
});

describe("Changing the recovery phrase", () => {
  it("asks first, and a cancel leaves everything as it was", async () => {
    const { vault, sent, user, card } = await onSync({ syncSetUp: true });
    await screen.findAllByTestId("sync-device");
    expect(within(card).getAllByRole("heading", { level: 3 }).map((h) => h.textContent)).toContain("Recovery phrase");
    expect(card.textContent).toContain("Lost a device, or someone saw your recovery phrase?");
    const before = stateOf(vault);

    await user.click(screen.getByTestId("sync-change-phrase"));
    expect(screen.queryByTestId("sync-change-phrase")).toBeNull();
    expect(card.textContent).toContain("Change the recovery phrase? Spearmint makes a new phrase and shows it once");
    expect(card.textContent).toContain("the old phrase will no longer open this budget");
    expect(document.activeElement).toBe(screen.getByTestId("sync-change-phrase-confirm"));
    expect(argsOf(sent, "sync_change_phrase")).toEqual([]);

    await user.click(screen.getByTestId("sync-change-phrase-cancel"));
    expect(screen.queryByTestId("sync-change-phrase-confirm")).toBeNull();
    expect(screen.getByTestId("sync-change-phrase")).toHaveProperty("disabled", false);
    expect(argsOf(sent, "sync_change_phrase")).toEqual([]);
    expect(screen.queryByTestId("sync-new-phrase")).toBeNull();
    expect(stateOf(vault)).toEqual(before);
    // The old phrase still opens the budget.
    vault.handle("sync_leave", null);
    vault.handle("sync_join", { server: FAKE_SYNC_SERVER, user: FAKE_SYNC_USER, password: FAKE_SYNC_PASSWORD, phrase: FAKE_SYNC_PHRASE });
  });

  it("says Changing… meanwhile, even after leaving Settings, then shows the new phrase once until Done", async () => {
    const { vault, sent, user, card } = await onSync({ syncSetUp: true, hold: ["sync_change_phrase"] });
    await user.click(screen.getByTestId("sync-change-phrase"));
    await user.click(screen.getByTestId("sync-change-phrase-confirm"));
    await waitFor(() => expect(screen.getByTestId("sync-change-phrase-confirm").textContent).toBe("Changing…"));
    expect(screen.getByTestId("sync-change-phrase-confirm")).toHaveProperty("disabled", true);
    expect(screen.getByTestId("sync-now")).toHaveProperty("disabled", true);
    expect(screen.getByTestId("sync-leave")).toHaveProperty("disabled", true);
    expect(argsOf(sent, "sync_change_phrase")).toHaveLength(1);

    // Away and back while it runs: still Changing…, and nothing offers a second change.
    await go("overview");
    await go("settings");
    const button = await screen.findByTestId("sync-change-phrase");
    expect(button.textContent).toBe("Changing…");
    expect(button).toHaveProperty("disabled", true);

    await act(async () => vault.answer());
    const box = await screen.findByTestId("sync-new-phrase");
    expect(argsOf(sent, "sync_change_phrase")).toHaveLength(1);
    const words = within(screen.getByTestId("sync-new-phrase-words")).getAllByRole("listitem").map((li) => li.textContent);
    expect(words).toHaveLength(24);
    expect(words).toEqual(FAKE_CHANGED_PHRASE.split(" "));
    expect(words.join(" ")).not.toBe(FAKE_SETUP_PHRASE);
    expect(words.join(" ")).not.toBe(FAKE_SYNC_PHRASE);
    expect(box.textContent).toContain("Write down your new recovery phrase");
    expect(box.textContent).toContain("the old phrase no longer does");
    expect(box.textContent).toContain("Spearmint shows them only this once");
    expect(box.textContent).toContain("Write them down");
    expect(document.activeElement).toBe(within(box).getByRole("heading", { level: 3 }));
    // While it is shown, nothing else of the card competes with it, nor the first phrase's box.
    expect(screen.queryByTestId("sync-now")).toBeNull();
    expect(screen.queryByTestId("sync-phrase-box")).toBeNull();

    await user.click(screen.getByTestId("sync-new-phrase-done"));
    expect(screen.queryByTestId("sync-new-phrase")).toBeNull();
    for (const word of ["anchor", "orchard", "wisdom"]) expect(document.body.textContent).not.toContain(word);
    expect(card.dataset.setUp).toBe("true");
    // The change synced: nothing waits any more.
    expect((await screen.findByTestId("sync-last")).textContent).toBe("just now");
    expect(screen.getByTestId("sync-pending").textContent).toBe("Nothing: every change made here is on the server");
    expect(screen.queryByTestId("error-banner")).toBeNull();

    // Away and back: the phrase is gone for good.
    await go("overview");
    await go("settings");
    await screen.findByTestId("sync-now");
    expect(screen.queryByTestId("sync-new-phrase")).toBeNull();

    // The old phrase no longer opens the budget; the new one does.
    vault.handle("sync_leave", null);
    const join = (phrase: string) => () => vault.handle("sync_join", { server: FAKE_SYNC_SERVER, user: FAKE_SYNC_USER, password: FAKE_SYNC_PASSWORD, phrase });
    expect(join(FAKE_SYNC_PHRASE)).toThrow(expect.objectContaining({ kind: "WrongKey" }));
    expect(join(FAKE_CHANGED_PHRASE)).not.toThrow();
  });

  it("shows the shell's message when the phrase cannot change, and no phrase", async () => {
    const keyMissing = {
      kind: "KeyMissing" as const,
      message: "this device was set up before the budget's keys could change: join the budget again (Settings, Sync) with the recovery phrase",
    };
    const { sent, user, card } = await onSync({ syncSetUp: true, fail: { sync_change_phrase: keyMissing } });
    await user.click(screen.getByTestId("sync-change-phrase"));
    await user.click(screen.getByTestId("sync-change-phrase-confirm"));
    const banner = await within(card).findByTestId("error-banner");
    expect(argsOf(sent, "sync_change_phrase")).toHaveLength(1);
    expect(banner.dataset.kind).toBe("KeyMissing");
    expect(banner.querySelector(".banner-title")?.textContent).toBe("This device must join the budget again");
    expect(banner.querySelector(".banner-message")?.textContent).toBe(keyMissing.message);
    expect(screen.queryByTestId("sync-new-phrase")).toBeNull();
    expect(screen.queryByTestId("sync-change-phrase-confirm")).toBeNull();
    const button = screen.getByTestId("sync-change-phrase");
    expect(button.textContent).toBe("Change the recovery phrase…");
    expect(button).toHaveProperty("disabled", false);
    expect(screen.getByTestId("sync-now")).toHaveProperty("disabled", false);
  });

  it("suggests changing the phrase once a device is removed", async () => {
    const { user, card } = await onSync({ syncSetUp: true });
    await screen.findAllByTestId("sync-device");
    expect(screen.queryByTestId("sync-revoke-hint")).toBeNull();
    await user.click(screen.getByTestId(`sync-remove-${FAKE_OTHER_DEVICE.id}`));
    await user.click(screen.getByTestId("sync-remove-confirm"));
    const hint = await within(card).findByTestId("sync-revoke-hint");
    expect(hint.textContent).toContain(`${FAKE_OTHER_DEVICE.name} is removed.`);
    expect(hint.textContent).toContain("change the recovery phrase");
    expect(screen.getByTestId("sync-change-phrase")).toHaveProperty("disabled", false);
  });

  it("is refused by the fake shell when the budget does not sync, as the other sync commands are", async () => {
    const { vault } = await onSync();
    expect(() => vault.handle("sync_change_phrase", null)).toThrow(
      expect.objectContaining({ kind: "NotFound", message: "this budget does not sync: set up sync in Settings first" }),
    );
  });
});

describe("Sync on the Overview", () => {
  it("says nothing of sync when this budget does not sync", async () => {
    const { vault } = start();
    await screen.findByTestId("overview-summary");
    await waitFor(() => expect(vault.calls).toContain("sync_state"));
    await act(async () => {});
    expect(screen.queryByTestId("overview-sync")).toBeNull();
  });

  it("says when the budget last synced", async () => {
    start({ syncSetUp: true });
    const line = await screen.findByTestId("overview-sync");
    expect(line.textContent).toBe(`Synced ${whenText(FAKE_LAST_SYNC)}`);
    expect(line.dataset.state).toBe("ok");
  });

  it("says what went wrong in the last sync, with the way to Settings", async () => {
    const message = "this device was removed from the sync account: join the budget again";
    start({ syncSetUp: true, syncError: { kind: "ProviderAuth", message } }, (vault) => {
      expect(() => vault.handle("sync_now", null)).toThrow();
    });
    const line = await screen.findByTestId("overview-sync");
    expect(line.dataset.state).toBe("error");
    expect(line.textContent).toContain(message);
    expect(within(line).getByRole("link").getAttribute("href")).toBe("#/settings");
  });

  it("shows the money as ever when sync_state fails, and no sync line", async () => {
    const { vault } = start({ syncSetUp: true, fail: { sync_state: { kind: "Storage", message: "the disk is full" } } });
    expect((await screen.findByTestId("overview-summary")).textContent).toContain("3 accounts");
    await waitFor(() => expect(vault.calls).toContain("sync_state"));
    await act(async () => {});
    expect(screen.queryByTestId("overview-sync")).toBeNull();
    expect(screen.queryByTestId("error-banner")).toBeNull();
  });
});

describe("Sync's words", () => {
  it("collapses the spaces and line breaks of a typed recovery phrase", () => {
    expect(normalPhrase("  river \n orbit\t\ttunnel  ")).toBe("river orbit tunnel");
  });

  it("says when, relative to now while recent", () => {
    const now = new Date("2025-06-13T12:00:00Z");
    expect(whenText("2025-06-13T11:59:30Z", now)).toBe("just now");
    expect(whenText("2025-06-13T11:59:00Z", now)).toBe("1 minute ago");
    expect(whenText("2025-06-13T11:15:00Z", now)).toBe("45 minutes ago");
    expect(whenText("2025-06-01T08:00:00Z", now)).toBe(new Date("2025-06-01T08:00:00Z").toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" }));
  });
});
