import { mockIPC } from "@tauri-apps/api/mocks";
import { act, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { App } from "../../src/App";
import { createFakeVault, FAKE_JITTER_MINUTES, FAKE_PATH, type FakeVaultOptions } from "../fake-vault";
import { atText, nextRunText } from "../../src/screens/DailyRefreshSettings";

function start(options: FakeVaultOptions = {}) {
  const vault = createFakeVault(options);
  mockIPC((command, args) => vault.handle(command, args));
  render(<App />);
  return { vault, user: userEvent.setup() };
}

const state = () => screen.getByTestId("vault-state");

/** The commands that open, create, unlock or lock the vault, in order. */
const VAULT_COMMANDS = new Set(["open_vault", "create_vault", "unlock_vault", "lock_vault"]);
const vaultCalls = (calls: string[]) => calls.filter((c) => VAULT_COMMANDS.has(c));
/** What the Overview reads to show the month at a glance. */
const OVERVIEW_READS = new Set(["budget", "spending", "list_transactions", "list_notifications"]);
/** The Overview's sync line reads its own as soon as the vault is open, demo or not. */
const SYNC_READS = new Set(["sync_state"]);

describe("App", () => {
  it("first run opens a new encrypted vault and shows it unlocked", async () => {
    const { vault } = start();
    expect(await screen.findByText("Unlocked", { selector: "[data-testid=vault-state]" })).toBeTruthy();
    // The vault's technical facts are in Settings.
    await go("settings");
    expect(state().textContent).toBe("Unlocked");
    expect(screen.getByTestId("vault-encryption").textContent).toContain("Encrypted (SQLCipher, AES-256)");
    expect(screen.getByTestId("vault-path").textContent).toBe(FAKE_PATH);
    expect(screen.getByTestId("vault-schema").textContent).toBe("Version 3 of 3");
    expect(within(screen.getByTestId("vault-counts")).getByText("categories")).toBeTruthy();
    expect(vaultCalls(vault.calls)).toEqual(["open_vault"]);
  });

  it("warns when the vault file is not encrypted", async () => {
    start({ encrypted: false });
    await screen.findByText("Unlocked", { selector: "[data-testid=vault-state]" });
    // The Overview says so too, and points to Settings.
    expect(screen.getByTestId("overview-unprotected").textContent).toContain("not encrypted");
    await go("settings");
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
    await go("settings");
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
    expect(vaultCalls(vault.calls)).toEqual(["open_vault"]);
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
    expect(vaultCalls(vault.calls)).toEqual(["open_vault", "lock_vault", "unlock_vault"]);
  });
});

describe("Daily refresh in Settings", () => {
  it("shows the time of day and the next run, and saves a new time", async () => {
    const { vault, user } = start({ vault: "keychain", linked: true });
    await screen.findByText("Unlocked", { selector: "[data-testid=vault-state]" });
    await go("settings");
    const input = await screen.findByTestId<HTMLInputElement>("daily-time");
    await waitFor(() => expect(input.value).toBe("06:00"));
    const next = screen.getByTestId("daily-next").textContent ?? "";
    expect(next).toContain(`within ${FAKE_JITTER_MINUTES} minutes of ${atText("06:00")}`);
    const save = screen.getByRole("button", { name: "Save" });
    expect(save).toHaveProperty("disabled", true);

    fireEvent.change(input, { target: { value: "21:30" } });
    await user.click(save);
    await waitFor(() => expect(screen.getByTestId("daily-next").textContent).toContain(`of ${atText("21:30")}`));
    expect(vault.calls.filter((c) => c.includes("daily"))).toEqual(["daily_refresh", "set_daily_time"]);
    expect(input.value).toBe("21:30");
  });

  it("writes times on the local clock as the locale does, the next run with its weekday", () => {
    const nextRun = new Date(2026, 10, 30, 21, 42).toISOString();
    expect(nextRunText({ at: "21:30", jitterMinutes: 30, nextRun }, "en-US")).toBe("Mon 09:42 PM");
    expect(nextRunText({ at: "21:30", jitterMinutes: 30, nextRun }, "en-GB")).toBe("Mon 21:42");
    expect(atText("06:05", "en-US")).toBe("06:05 AM");
    expect(atText("18:05", "de-DE")).toBe("18:05");
  });
});

/** An unlocked keychain vault with the demo bank linked, on the Accounts screen. */
async function onAccounts() {
  const started = start({ vault: "keychain", linked: true });
  await screen.findByText("Unlocked", { selector: "[data-testid=vault-state]" });
  await go("accounts");
  return started;
}

/** Chooses the account an import goes into. */
async function importInto(user: ReturnType<typeof userEvent.setup>, name: string) {
  const select = await screen.findByTestId<HTMLSelectElement>("import-account");
  await user.selectOptions(select, await within(select).findByRole("option", { name }));
}

/**
 * Every loaded transaction row, newest first, as the list showed it: copies taken while
 * scrolling the virtualized list from top to bottom (jsdom has no layout, so the list
 * places its rows by their estimated height and renders a window of them at a time).
 * A row missed or shown at two places would change what this returns.
 */
async function scrollThrough(): Promise<HTMLElement[]> {
  const scroller = screen.getByTestId("transactions-scroll");
  const loaded = Number(screen.getByTestId("transactions-table").dataset.loaded);
  const seen = new Map<number, HTMLElement>();
  for (let top = 0; seen.size < loaded && top <= loaded * 50; top += 400) {
    await act(async () => {
      scroller.scrollTop = top;
      fireEvent.scroll(scroller);
    });
    for (const row of screen.getAllByTestId("transaction-row")) {
      seen.set(Number(row.closest<HTMLElement>("[data-index]")?.dataset.index), row.cloneNode(true) as HTMLElement);
    }
  }
  await act(async () => {
    scroller.scrollTop = 0;
    fireEvent.scroll(scroller);
  });
  return [...seen.entries()].sort(([a], [b]) => a - b).map(([, row]) => row);
}

async function go(screenId: string) {
  await act(async () => {
    window.location.hash = `#/${screenId}`;
    window.dispatchEvent(new HashChangeEvent("hashchange"));
  });
}

describe("Accounts and transactions", () => {
  it("a first run links the demo bank, shows its progress, then its data", async () => {
    const { vault } = start({ holdRefresh: true });
    const progress = await screen.findByTestId("refresh-progress");
    await waitFor(() => expect(progress.textContent).toContain("Demo Bank: saving 242 transactions"));
    expect(progress.textContent).toContain("Setting up the demo bank");
    expect(screen.getByTestId("refresh-accounts").textContent).toBe("0 of 3 accounts done");
    const bar = progress.querySelector("progress");
    expect(bar?.getAttribute("max")).toBe("1");
    expect(Number(bar?.getAttribute("value"))).toBeGreaterThan(0);

    act(() => vault.release());
    await waitFor(() => expect(screen.queryByTestId("refresh-progress")).toBeNull());
    expect((await screen.findByTestId("overview-summary")).textContent).toContain("3 accounts");
    expect(screen.getByTestId("demo-note").textContent).toMatch(/generated/);
    // The ledger's and the vault's commands, in order; the Overview's own reads of the month
    // (budget, spending, recent transactions, alerts) come only once the demo's data is in.
    await waitFor(() =>
      expect(vault.calls.filter((c) => !OVERVIEW_READS.has(c) && !SYNC_READS.has(c))).toEqual([
        "open_vault",
        "list_connections",
        "list_accounts",
        "connect_demo",
        "refresh_all",
        "list_connections",
        "list_accounts",
        "vault_status",
      ]),
    );
    for (const read of OVERVIEW_READS) {
      await waitFor(() => expect(vault.calls.indexOf(read)).toBeGreaterThan(vault.calls.indexOf("refresh_all")));
    }
    // The row counts of the vault card (in Settings) follow the new rows.
    await go("settings");
    const counts = screen.getByTestId("vault-counts");
    expect(within(counts).getByText("transactions").closest("tr")?.textContent).toContain("242");
  });

  it("does not link the demo bank when the vault already holds accounts", async () => {
    const { vault } = start({ vault: "keychain", linked: true });
    await screen.findByTestId("overview-summary");
    expect(vault.calls).not.toContain("connect_demo");
    expect(vault.calls).not.toContain("refresh_all");
  });

  it("the Accounts screen lists balances and statuses, and Refresh now reports each connection", async () => {
    const { vault, user } = start({ vault: "keychain", linked: true });
    await go("accounts");
    const table = await screen.findByTestId("accounts-table");
    const rows = within(table).getAllByTestId("account-row");
    expect(rows).toHaveLength(3);
    expect(rows[0]?.textContent).toContain("Everyday Checking");
    expect(rows[0]?.textContent).toContain("Checking");
    expect(rows[0]?.textContent).toMatch(/\$[\d,]+\.\d\d/);
    expect(within(rows[0]!).getByTestId("account-status").textContent).toBe("OK");

    await user.click(screen.getByTestId("refresh-button"));
    const outcome = await screen.findByTestId("refresh-outcome");
    expect(outcome.textContent).toMatch(/Demo Bank.*2 new, \d+ posted from pending/);
    expect(vault.calls.filter((c) => c === "refresh_all")).toHaveLength(1);
  });

  it("a refused login shows 'reconnect needed' and the account needs attention", async () => {
    const message = "Demo Bank refused the login: reconnect it in Accounts";
    const { user } = start({ vault: "keychain", linked: true, refreshError: { kind: "ProviderAuth", message } });
    await go("accounts");
    await screen.findByTestId("accounts-table");
    await user.click(screen.getByTestId("refresh-button"));
    const outcome = await screen.findByTestId("refresh-outcome");
    const item = outcome.querySelector("[data-kind=ProviderAuth]");
    expect(item?.textContent).toContain("Reconnect needed");
    expect(item?.textContent).toContain(message);
    await waitFor(() => expect(screen.getAllByTestId("account-status")[0]?.textContent).toContain("Needs attention"));
    expect(screen.getAllByTestId("account-status")[0]?.textContent).toContain(message);
  });

  it("the Transactions screen pages with Load more, searches, and says when nothing matches", async () => {
    const { vault, user } = start({ vault: "keychain", linked: true, demoTransactions: 250 });
    await go("transactions");
    const table = await screen.findByTestId("transactions-table");
    // The first page is loaded; the DOM holds the rows around the viewport, newest first.
    const all = vault.transactions().map((t) => t.id);
    expect(table.dataset.loaded).toBe("200");
    expect(screen.getByTestId("transactions-count").textContent).toBe("Showing the newest 200 transactions");
    const inDom = within(table).getAllByTestId("transaction-row").map((r) => r.dataset.id);
    expect(inDom.length).toBeGreaterThan(0);
    expect(inDom.length).toBeLessThan(200);
    expect(inDom).toEqual(all.slice(0, inDom.length));

    await user.click(screen.getByTestId("load-more"));
    await waitFor(() => expect(table.dataset.loaded).toBe("250"));
    expect(screen.getByTestId("transactions-count").textContent).toBe("All 250 transactions shown");
    expect(screen.queryByTestId("load-more")).toBeNull();
    const ids = (await scrollThrough()).map((r) => r.dataset.id);
    expect(ids).toEqual(all);

    await user.type(screen.getByTestId("transactions-search"), "streamflix");
    await waitFor(() => {
      expect(Number(screen.getByTestId("transactions-table").dataset.loaded)).toBeLessThan(250);
      expect(screen.getByTestId("transactions-count").textContent).toMatch(/^All [\d,]+ matching transactions shown$/);
      for (const row of screen.getAllByTestId("transaction-row")) expect(row.textContent).toContain("Streamflix");
    });
    // Every row loaded, not only those in the DOM.
    const found = await scrollThrough();
    expect(found.length).toBe(Number(screen.getByTestId("transactions-table").dataset.loaded));
    for (const row of found) expect(row.textContent).toContain("Streamflix");
    // Not one request per key, thanks to the debounce.
    const searches = vault.queries.filter((q) => q.search !== null).map((q) => q.search);
    expect(searches.length).toBeLessThan("streamflix".length);
    expect(searches.at(-1)).toBe("streamflix");

    await user.type(screen.getByTestId("transactions-search"), " nowhere");
    expect((await screen.findByTestId("transactions-empty")).textContent).toContain("No transactions match");
  });

  it("amounts below zero are marked, pending rows carry a badge", async () => {
    start({ vault: "keychain", linked: true, demoTransactions: 60 });
    await go("transactions");
    await screen.findByTestId("transactions-table");
    const rows = await scrollThrough();
    expect(rows).toHaveLength(60);
    const negative = rows.find((r) => r.querySelector(".amount")?.textContent?.startsWith("-"));
    expect(negative?.querySelector(".amount")?.className).toContain("negative");
    expect(rows.some((r) => within(r).queryByTestId("pending-badge") !== null)).toBe(true);
  });
});

describe("Adding accounts", () => {
  const CSV = "Date,Description,Amount\n2025-06-10,CORNER BAKERY,-4.50\n2025-06-11,PAYROLL ACME,2500.00\n2025-06-11,CORNER BAKERY,-4.50\n";
  const file = (text: string, name = "export.csv") => new File([text], name, { type: "text/csv" });

  it("a bank's CSV file previews, then imports into a manual account, and a second import adds nothing", async () => {
    const { vault, user } = await onAccounts();
    const before = vault.transactions().length;

    await user.type(await screen.findByTestId("new-account-name"), "Credit union");
    await user.click(within(screen.getByTestId("new-account-form")).getByRole("button", { name: "Add" }));
    await screen.findByText("Added Credit union.");
    const accountSelect = screen.getByTestId<HTMLSelectElement>("import-account");
    const option = await within(accountSelect).findByRole("option", { name: "Credit union" });

    await user.upload(screen.getByTestId("import-file"), file(CSV));
    expect(screen.getByTestId("import-needs-account").textContent).toContain("CSV file does not say which account");
    const previewButton = within(screen.getByTestId("import-form")).getByRole("button", { name: "Preview" });
    expect(previewButton).toHaveProperty("disabled", true);
    await user.selectOptions(accountSelect, option);
    await user.click(previewButton);
    const preview = await screen.findByTestId("import-preview");
    expect(preview.textContent).toContain("3 transactions in the file (CSV): 3 new would be added.");
    expect(within(preview).getAllByTestId("import-preview-row").map((r) => r.textContent)).toEqual([
      "2025-06-10CORNER BAKERY-$4.50",
      "2025-06-11PAYROLL ACME$2,500.00",
      "2025-06-11CORNER BAKERY-$4.50",
    ]);
    expect(vault.transactions().length, "a preview keeps nothing").toBe(before);

    await user.click(screen.getByTestId("import-confirm"));
    expect((await screen.findByTestId("import-done")).textContent).toContain("3 new were added");
    expect(vault.transactions().length).toBe(before + 3);
    const row = (await screen.findAllByTestId("account-row")).find((r) => r.textContent?.includes("Credit union"));
    expect(row?.textContent).toContain("3");

    // The same file again: nothing new, the two equal purchases stay two.
    await user.click(within(screen.getByTestId("import-form")).getByRole("button", { name: "Preview" }));
    await waitFor(() =>
      expect(screen.getByTestId("import-preview").textContent).toContain("0 new would be added, 3 already there"),
    );
  });

  it("a file that does not read says which line and keeps nothing", async () => {
    const { vault, user } = await onAccounts();
    await importInto(user, "Everyday Checking");
    await user.upload(screen.getByTestId("import-file"), file("Date,Description,Amount\n2025-06-10,BAKERY,oops\n"));
    await user.click(within(screen.getByTestId("import-form")).getByRole("button", { name: "Preview" }));
    const banner = await within(screen.getByTestId("import-form")).findByTestId("error-banner");
    expect(banner.dataset.kind).toBe("Invalid");
    expect(banner.textContent).toContain("line 2, column 3: `oops` is not an amount of money");
    expect(screen.queryByTestId("import-preview")).toBeNull();
    expect(vault.calls.filter((c) => c === "import_file")).toHaveLength(1);
  });

  it("a SimpleFIN setup token is sent to be claimed, and a refusal is shown as the shell words it", async () => {
    const { vault, user } = await onAccounts();
    const connect = within(await screen.findByTestId("simplefin-form")).getByRole("button", { name: "Connect" });
    expect(connect).toHaveProperty("disabled", true);
    await user.type(screen.getByTestId("simplefin-token"), "  not-a-token  ");
    await user.click(connect);
    const banner = await screen.findByTestId("error-banner");
    expect(banner.textContent).toContain("not a SimpleFIN setup token");
    expect(vault.calls).toContain("connect_simplefin");
    expect(screen.getByTestId<HTMLInputElement>("simplefin-token").value, "the token is not kept on screen").toBe("");
  });
});

describe("Connecting a bank by OFX Direct Connect", () => {
  it("finds the bank in the directory, sends the login once, and a refusal is shown with the password gone", async () => {
    const { vault, user } = await onAccounts();
    await user.type(await screen.findByTestId("ofx-search"), "usaa");
    const banks = await screen.findByTestId("ofx-banks");
    await waitFor(() => expect(within(banks).getAllByRole("button").map((b) => b.textContent)).toEqual(["usaa", "usaa-invest"]));
    await user.click(within(banks).getByRole("button", { name: "usaa" }));
    const login = screen.getByTestId("ofx-login");
    expect(login.textContent).toContain("usaa");
    const connect = within(login).getByRole("button", { name: "Connect" });
    expect(connect).toHaveProperty("disabled", true);
    await user.type(screen.getByTestId("ofx-user"), "ada");
    await user.type(screen.getByTestId("ofx-password"), "not the password");
    await user.click(connect);
    const banner = await screen.findByTestId("error-banner");
    expect(banner.dataset.kind).toBe("ProviderAuth");
    expect(banner.textContent).toContain("usaa refused the sign-on of ada (code 15500)");
    expect(vault.calls.filter((c) => c === "connect_ofx")).toHaveLength(1);
    expect(screen.getByTestId<HTMLInputElement>("ofx-password").value, "the password is not kept on screen").toBe("");

    await user.clear(screen.getByTestId("ofx-search"));
    await user.type(screen.getByTestId("ofx-search"), "first bank of nowhere");
    await screen.findByText("No bank by that name in the directory.");
  });

  it("a bank the directory lacks is entered by its address, which must be https, and the login is sent once", async () => {
    const { vault, user } = await onAccounts();
    await user.click(await screen.findByTestId("ofx-custom"));
    const connect = within(screen.getByTestId("ofx-login")).getByRole("button", { name: "Connect" });
    await user.type(screen.getByTestId("ofx-user"), "ada");
    await user.type(screen.getByTestId("ofx-password"), "not the password");
    expect(connect, "no address yet").toHaveProperty("disabled", true);
    await user.type(screen.getByTestId("ofx-url"), "http://ofx.smallbank.example/ofx");
    await user.type(screen.getByTestId("ofx-fid"), "1234");
    await user.selectOptions(screen.getByTestId("ofx-version"), "211");
    await user.click(connect);
    const banner = await screen.findByTestId("error-banner");
    expect(banner.dataset.kind).toBe("Invalid");
    expect(banner.textContent).toContain("starts with https://");
    expect(vault.calls.filter((c) => c === "connect_ofx_custom")).toHaveLength(1);
    expect(vault.calls, "the directory's command is not used for a typed address").not.toContain("connect_ofx");
    expect(screen.getByTestId<HTMLInputElement>("ofx-password").value, "the password is not kept on screen").toBe("");
  });
});

describe("Mapping a CSV file's columns by hand", () => {
  it("a file detection cannot read is mapped, previewed with the user's columns, and imported", async () => {
    const { vault, user } = await onAccounts();
    await importInto(user, "Everyday Checking");
    const spanish = "Fecha,Concepto,Importe\n01/03/2025,CAFE,-4.50\n02/03/2025,NOMINA,2500.00\n";
    await user.upload(screen.getByTestId("import-file"), new File([spanish], "movimientos.csv", { type: "text/csv" }));
    const form = screen.getByTestId("import-form");
    await user.click(within(form).getByRole("button", { name: "Preview" }));
    expect((await within(form).findByTestId("error-banner")).textContent).toContain("map the columns by hand");

    await user.click(screen.getByRole("button", { name: "Map the columns by hand" }));
    const editor = await screen.findByTestId("map-columns-form");
    expect(within(editor).getAllByRole("columnheader").map((h) => h.textContent)).toEqual(["Fecha", "Concepto", "Importe"]);
    const format = within(editor).getByTestId<HTMLSelectElement>("map-date-format");
    expect([...format.options].map((o) => o.textContent)).toEqual(["12/31/2025 (month first)", "31/12/2025 (day first)"]);
    expect(within(editor).getByTestId<HTMLSelectElement>("map-payee").value).toBe("1");
    expect(within(editor).getByTestId<HTMLSelectElement>("map-amount").value).toBe("2");
    await user.selectOptions(format, "%d/%m/%Y");
    await user.click(within(editor).getByTestId("map-apply"));

    const preview = await screen.findByTestId("import-preview");
    expect(within(preview).getAllByTestId("import-preview-row").map((r) => r.textContent)).toEqual([
      "2025-03-01CAFE-$4.50",
      "2025-03-02NOMINA$2,500.00",
    ]);
    await user.click(screen.getByTestId("import-confirm"));
    expect((await screen.findByTestId("import-done")).textContent).toContain("2 new were added");
    const imported = vault.transactions().filter((t) => t.seller === "CAFE" || t.seller === "NOMINA");
    expect(imported.map((t) => t.postedOn).sort()).toEqual(["2025-03-01", "2025-03-02"]);
  });

  it("after a preview, the columns detection chose can be corrected", async () => {
    const { user } = await onAccounts();
    await importInto(user, "Everyday Checking");
    const csv = "Date,Description,Amount\n2025-06-10,REFUND SHOP,4.50\n";
    await user.upload(screen.getByTestId("import-file"), new File([csv], "card.csv", { type: "text/csv" }));
    await user.click(within(screen.getByTestId("import-form")).getByRole("button", { name: "Preview" }));
    await screen.findByTestId("import-preview");
    await user.click(screen.getByRole("button", { name: "Dates or amounts read wrong? Map the columns" }));
    const editor = await screen.findByTestId("map-columns-form");
    expect(within(editor).getByTestId<HTMLSelectElement>("map-date-format").value, "what detection used").toBe("%Y-%m-%d");
    await user.click(within(editor).getByTestId("map-negate"));
    await user.click(within(editor).getByTestId("map-apply"));
    await waitFor(() =>
      expect(screen.getAllByTestId("import-preview-row").map((r) => r.textContent)).toEqual(["2025-06-10REFUND SHOP-$4.50"]),
    );
  });
});

describe("Disconnecting a bank and removing an account", () => {
  /**
   * The Accounts screen of a linked demo bank, where disconnect and remove_account wait for
   * `release()` when `hold` is set, and every command's arguments are kept.
   */
  async function onAccountsWith({ hold = false }: { hold?: boolean } = {}) {
    const vault = createFakeVault({ vault: "keychain", linked: true, demoTransactions: 120 });
    const sent: Array<[string, unknown]> = [];
    let release = () => {};
    const gate = hold ? new Promise<void>((resolve) => (release = resolve)) : Promise.resolve();
    mockIPC(async (command, args) => {
      sent.push([command, args]);
      if (command === "disconnect" || command === "remove_account") await gate;
      return vault.handle(command, args);
    });
    render(<App />);
    await screen.findByText("Unlocked", { selector: "[data-testid=vault-state]" });
    await go("accounts");
    await screen.findByTestId("connection-row");
    return { vault, sent, release: () => act(async () => release()), user: userEvent.setup() };
  }

  const dialog = () => screen.getByRole("dialog");
  const accountNames = () =>
    screen.getAllByTestId("account-row").map((r) => r.querySelector(".account-name")?.textContent);

  it("a bank's Disconnect… asks in plain words, and keeping its accounts leaves them as the user's own", async () => {
    const { vault, sent, user } = await onAccountsWith();
    // The bank's accounts are removed by disconnecting the bank, not one by one.
    expect(screen.queryByTestId("remove-account-acc-checking")).toBeNull();
    const button = screen.getByTestId("disconnect-conn-demo");
    expect(button.textContent).toBe("Disconnect…");
    await user.click(button);

    const asked = dialog();
    expect(within(asked).getByRole("heading").textContent).toBe("Disconnect Demo Bank?");
    expect(asked.textContent).toContain("Spearmint forgets the bank's login and stops refreshing it.");
    expect(screen.getByTestId("confirm-keep").textContent).toBe("Keep its 3 accounts and their transactions");
    expect(screen.getByTestId("confirm-remove").textContent).toBe("Remove its accounts and transactions");
    expect(document.activeElement, "focus starts on the safe choice").toBe(screen.getByTestId("confirm-cancel"));
    expect(sent.map(([c]) => c)).not.toContain("disconnect");

    await user.click(screen.getByTestId("confirm-keep"));
    const status = screen.getByTestId("removed-status");
    await waitFor(() =>
      expect(status.textContent).toBe("Disconnected Demo Bank. Kept 3 accounts as your own, with their transactions."),
    );
    expect(sent.filter(([c]) => c === "disconnect")).toEqual([
      ["disconnect", { connection: "conn-demo", keepTransactions: true }],
    ]);
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(screen.queryByTestId("connection-row")).toBeNull();
    expect(screen.queryByTestId("demo-note")).toBeNull();
    expect(accountNames()).toEqual(["Everyday Checking", "Mint Rewards Card", "Rainy Day Savings"]);
    // Every transaction stayed, and each account can now be removed on its own.
    expect(vault.transactions()).toHaveLength(120);
    expect(screen.getByTestId("remove-account-acc-checking").textContent).toBe("Remove…");
    expect(document.activeElement, "focus goes to what happened").toBe(status);
    // The lists were read again, and no demo bank was linked behind the user's back.
    expect(vault.calls.slice(vault.calls.indexOf("disconnect"))).toEqual(["disconnect", "list_connections", "list_accounts"]);
  });

  it("while the call runs the buttons wait and say so; removing the accounts says how many went", async () => {
    const { vault, user, release } = await onAccountsWith({ hold: true });
    await user.click(screen.getByTestId("disconnect-conn-demo"));
    await user.click(screen.getByTestId("confirm-remove"));

    expect(screen.getByTestId("confirm-remove").textContent).toBe("Disconnecting…");
    for (const id of ["confirm-keep", "confirm-remove", "confirm-cancel"]) {
      expect(screen.getByTestId(id), id).toHaveProperty("disabled", true);
    }
    expect(dialog().getAttribute("aria-busy")).toBe("true");
    // Escape does not close it half-way.
    await user.keyboard("{Escape}");
    expect(screen.queryByRole("dialog")).not.toBeNull();

    await release();
    await waitFor(() =>
      expect(screen.getByTestId("removed-status").textContent).toBe(
        "Disconnected Demo Bank. Removed 3 accounts and 120 transactions.",
      ),
    );
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(screen.queryByTestId("accounts-table")).toBeNull();
    expect(screen.getByText("No accounts yet.")).toBeTruthy();
    expect(vault.transactions()).toHaveLength(0);
    expect(vault.calls.filter((c) => c === "connect_demo")).toEqual([]);
  });

  it("Cancel and Escape close it, call nothing and give focus back", async () => {
    const { sent, user } = await onAccountsWith();
    const button = screen.getByTestId("disconnect-conn-demo");
    await user.click(button);
    await user.click(screen.getByTestId("confirm-cancel"));
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(document.activeElement).toBe(button);

    await user.click(button);
    await user.keyboard("{Escape}");
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(document.activeElement).toBe(button);
    expect(sent.map(([c]) => c).filter((c) => c === "disconnect" || c === "remove_account")).toEqual([]);
    expect(screen.getByTestId("removed-status").textContent).toBe("");
  });

  it("an account of the user's own is removed with its transactions after a plain question", async () => {
    const { vault, sent, user } = await onAccountsWith();
    await user.click(screen.getByTestId("disconnect-conn-demo"));
    await user.click(screen.getByTestId("confirm-keep"));
    await screen.findByTestId("remove-account-acc-checking");
    const checking = vault.transactions().filter((t) => t.accountId === "acc-checking").length;
    expect(checking).toBeGreaterThan(0);

    await user.click(screen.getByTestId("remove-account-acc-checking"));
    expect(within(dialog()).getByRole("heading").textContent).toBe(
      `Remove Everyday Checking and its ${checking} transactions?`,
    );
    expect(dialog().textContent).toContain("This cannot be undone.");
    expect(screen.queryByTestId("confirm-keep"), "an account of one's own cannot keep its rows").toBeNull();
    expect(screen.getByTestId("confirm-remove").textContent).toBe("Remove");
    await user.click(screen.getByTestId("confirm-remove"));

    await waitFor(() =>
      expect(screen.getByTestId("removed-status").textContent).toBe(
        `Removed Everyday Checking and its ${checking} transactions.`,
      ),
    );
    expect(sent.filter(([c]) => c === "remove_account")).toEqual([
      ["remove_account", { account: "acc-checking", keepTransactions: false }],
    ]);
    expect(accountNames()).toEqual(["Mint Rewards Card", "Rainy Day Savings"]);
    expect(vault.transactions()).toHaveLength(120 - checking);
  });

  it("a refusal shows in the dialog with the app's error banner, and the user can try again or cancel", async () => {
    const { vault, user } = await onAccountsWith();
    await user.click(screen.getByTestId("disconnect-conn-demo"));
    // Meanwhile the bank was disconnected elsewhere (the command line, another window).
    vault.handle("disconnect", { connection: "conn-demo", keepTransactions: true });
    await user.click(screen.getByTestId("confirm-keep"));

    const banner = await within(dialog()).findByTestId("error-banner");
    expect(banner.dataset.kind).toBe("NotFound");
    expect(banner.textContent).toContain("there is no connection conn-demo");
    expect(screen.getByTestId("confirm-keep").textContent).toBe("Keep its 3 accounts and their transactions");
    expect(screen.getByTestId("confirm-keep")).toHaveProperty("disabled", false);
    expect(document.activeElement).toBe(screen.getByTestId("confirm-cancel"));
    expect(screen.getByTestId("removed-status").textContent).toBe("");

    await user.click(screen.getByTestId("confirm-cancel"));
    expect(screen.queryByRole("dialog")).toBeNull();
  });

  it("nothing can be removed while a refresh runs", async () => {
    const { vault, user } = start({ vault: "keychain", linked: true, holdRefresh: true });
    await screen.findByText("Unlocked", { selector: "[data-testid=vault-state]" });
    await go("accounts");
    await screen.findByTestId("connection-row");
    await user.click(screen.getByTestId("refresh-button"));
    await waitFor(() => expect(screen.getByTestId("disconnect-conn-demo")).toHaveProperty("disabled", true));
    act(() => vault.release());
    await waitFor(() => expect(screen.getByTestId("disconnect-conn-demo")).toHaveProperty("disabled", false));
  });
});
