// @ts-check
// The built UI (ui/dist) in real headless Chromium, against a fake shell.
//
// How the IPC mock gets in: mock-entry.ts (Tauri's mockIPC + tests/fake-vault.ts)
// is bundled here with Vite's API into one IIFE and passed to
// page.addInitScript({ content }). Init scripts run before any page script, so
// window.__TAURI_INTERNALS__ is mocked by the time the app calls invoke().
// An earlier init script sets window.__SPEARMINT_FAKE_VAULT__ to pick the
// scenario. The app itself has no test hook; dist is exactly what Tauri ships.
//
// dist is served with the app's strict CSP, and any console error (a CSP
// violation shows up as one) fails the test.
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { extname, join, normalize, sep } from "node:path";
import { after, afterEach, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { build } from "vite";

const UI = fileURLToPath(new URL("../..", import.meta.url));
// SPEARMINT_UI_DIST: a build elsewhere (`vite build --outDir`), so two builds never share one folder.
const DIST = process.env.SPEARMINT_UI_DIST ?? join(UI, "dist");
const RESULTS = join(UI, "test-results");
const CHROMIUM = process.env.SPEARMINT_CHROMIUM ?? "/usr/bin/chromium";
const CSP = "default-src 'self'; style-src 'self'; script-src 'self'";
const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const SCREENS = [
  { id: "overview", title: "Overview" },
  { id: "transactions", title: "Transactions" },
  { id: "accounts", title: "Accounts" },
  { id: "spending", title: "Spending" },
  { id: "budgets", title: "Budgets" },
  { id: "rules", title: "Rules" },
  { id: "alerts", title: "Alerts" },
  { id: "settings", title: "Settings" },
];

/** @type {import("node:http").Server} */
let server;
/** @type {string} */
let baseUrl;
/** @type {string} */
let userDataDir;
/** @type {import("playwright-core").BrowserContext} */
let browser;
/** @type {string} */
let mockScript;
/** @type {import("playwright-core").Page | null} */
let page = null;
/** @type {string[]} */
let problems = [];

before(async () => {
  await readFile(join(DIST, "index.html")).catch(() => {
    throw new Error("ui/dist is missing: run `vite build` first (npm run test:browser does)");
  });
  [mockScript, server, userDataDir] = await Promise.all([
    bundleMock(),
    serve(DIST),
    mkdtemp(join(tmpdir(), "spearmint-chromium-")),
  ]);
  const address = /** @type {import("node:net").AddressInfo} */ (server.address());
  baseUrl = `http://127.0.0.1:${address.port}/`;
  // A persistent context is how Playwright takes a fresh --user-data-dir.
  browser = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1200, height: 820 },
    locale: "en-US",
    timezoneId: "UTC",
  });
  browser.setDefaultTimeout(5_000);
});

after(async () => {
  await browser?.close();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  if (userDataDir) await rm(userDataDir, { recursive: true, force: true });
});

afterEach(async () => {
  await page?.close();
  page = null;
  assert.deepEqual(problems, [], "the page logged errors");
});

/**
 * Opens the app on a fresh page whose fake shell starts as `options` says.
 * @param {import("../fake-vault").FakeVaultOptions} [options]
 */
async function openApp(options = {}) {
  problems = [];
  page = await browser.newPage();
  const p = page;
  p.on("console", (message) => {
    if (message.type() === "error") problems.push(`console: ${message.text()}`);
  });
  p.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  await p.addInitScript((scenario) => {
    window.__SPEARMINT_FAKE_VAULT__ = scenario;
  }, options);
  await p.addInitScript({ content: mockScript });
  await p.goto(baseUrl);
  return p;
}

/**
 * Waits until the element shows exactly `text`, and says what it showed instead.
 * @param {import("playwright-core").Locator} locator
 * @param {string} text
 */
async function showsText(locator, text) {
  try {
    await locator.filter({ hasText: new RegExp(`^${text}$`) }).waitFor();
  } catch {
    const actual = await locator.textContent({ timeout: 500 }).catch(() => "(not on the page)");
    assert.fail(`expected ${locator} to show "${text}", it shows "${actual}"`);
  }
}

describe("Spearmint UI in Chromium", { timeout: 30_000 }, () => {
  it("first run opens an encrypted vault and shows it unlocked", async () => {
    const p = await openApp();
    await showsText(p.getByTestId("vault-state"), "Unlocked");
    assert.equal((await calls(p))[0], "open_vault");

    // The Overview is about the money: the month, its budgets, the accounts, the latest rows.
    await p.getByTestId("overview-summary").waitFor();
    await p.getByTestId("overview-spent").waitFor();
    await p.getByTestId("overview-near").waitFor();
    await p.getByTestId("overview-income-in").waitFor();
    await p.getByTestId("overview-transaction").nth(4).waitFor();
    await p.getByTestId("overview-alerts").waitFor();
    await screenshot(p, "overview.png");
    await p.emulateMedia({ colorScheme: "dark" });
    await screenshot(p, "overview-dark.png");
    await p.emulateMedia({ colorScheme: "light" });

    // The vault's technical facts are in Settings.
    await p.getByTestId("nav-settings").click();
    await showsText(p.getByTestId("vault-state"), "Unlocked");
    assert.match((await p.getByTestId("vault-encryption").textContent()) ?? "", /Encrypted/);
    assert.equal(await p.getByTestId("vault-schema").textContent(), "Version 3 of 3");
    assert.match((await p.getByTestId("vault-path").textContent()) ?? "", /vault\.db$/);
  });

  it("the navigation reaches every screen", async () => {
    const p = await openApp();
    await showsText(p.getByTestId("vault-state"), "Unlocked");
    for (const { id, title } of SCREENS) {
      await p.getByTestId(`nav-${id}`).click();
      await showsText(p.getByRole("heading", { level: 1 }), title);
      assert.equal(await p.getByTestId(`nav-${id}`).getAttribute("aria-current"), "page");
      assert.equal(new URL(p.url()).hash, `#/${id}`);
    }
    await p.getByTestId("nav-spending").click();
    await p.getByTestId("spending-totals").waitFor();
  });

  it("without a keychain it offers a passphrase vault and creates it", async () => {
    const p = await openApp({ keychain: false });
    const banner = p.getByTestId("error-banner");
    await banner.waitFor();
    assert.equal(await banner.getAttribute("data-kind"), "KeychainUnavailable");
    await showsText(p.getByTestId("vault-state"), "No vault yet");

    await screenshot(p, "create-with-passphrase.png");
    await p.getByTestId("passphrase-input").fill("mint leaves in spring");
    await p.getByTestId("passphrase-confirm").fill("mint leaves in spring");
    await p.getByTestId("create-button").click();

    await showsText(p.getByTestId("vault-state"), "Unlocked");
    await p.getByTestId("nav-settings").click();
    assert.match((await p.getByTestId("vault-encryption").textContent()) ?? "", /Encrypted/);
    assert.equal(await banner.count(), 0);
    assert.deepEqual((await calls(p)).slice(0, 3), ["open_vault", "vault_status", "create_vault"]);
  });

  it("a wrong passphrase shows the WrongKey banner and keeps the form", async () => {
    const p = await openApp({ vault: "passphrase", passphrase: "correct horse" });
    await showsText(p.getByTestId("vault-state"), "Locked");

    await p.getByTestId("passphrase-input").fill("wrong horse");
    await p.getByTestId("unlock-button").click();

    const banner = p.getByTestId("error-banner");
    await banner.waitFor();
    assert.equal(await banner.getAttribute("data-kind"), "WrongKey");
    assert.equal(await p.getByTestId("passphrase-input").inputValue(), "");
    await showsText(p.getByTestId("vault-state"), "Locked");
    await screenshot(p, "wrong-key.png");
  });

  it("Lock in Settings returns to the locked state", async () => {
    const p = await openApp();
    await showsText(p.getByTestId("vault-state"), "Unlocked");

    await p.getByTestId("nav-settings").click();
    await p.getByTestId("lock-button").click();
    await p.getByText("The vault is locked.").waitFor();

    await p.getByTestId("nav-overview").click();
    await showsText(p.getByTestId("vault-state"), "Locked");
    await p.getByTestId("unlock-button").waitFor();
  });

  it("Settings protects a keychain vault with a passphrase instead, and then says so", async () => {
    const p = await openApp({ vault: "keychain" });
    await showsText(p.getByTestId("vault-state"), "Unlocked");
    await p.getByTestId("nav-settings").click();
    await showsText(p.getByTestId("vault-key-location"), "System keychain · Secret Service: spearmint/default");

    const form = p.getByTestId("vault-passphrase-form");
    await form.getByRole("heading", { name: "Protect with a passphrase instead" }).waitFor();
    await p.getByTestId("vault-new-passphrase").fill("mint leaves in spring");
    await p.getByTestId("vault-new-passphrase-confirm").fill("mint leaves in autumn");
    await p.getByTestId("vault-passphrase-save").click();
    await form.getByText("The two passphrases differ.").waitFor();
    assert.equal(await p.getByTestId("vault-new-passphrase-confirm").evaluate((e) => e === document.activeElement), true);

    await p.getByTestId("vault-new-passphrase-confirm").fill("mint leaves in spring");
    await p.getByTestId("vault-passphrase-save").click();
    await showsText(
      p.getByTestId("vault-key-status"),
      "The vault is now protected by your passphrase. You will be asked for it when Spearmint starts.",
    );
    assert.equal(await p.getByTestId("vault-key-status").getAttribute("role"), "status");
    await showsText(p.getByTestId("vault-key-location"), "Your passphrase · only in your memory");
    await form.getByRole("heading", { name: "Change the passphrase" }).waitFor();
    assert.equal(await p.getByTestId("vault-new-passphrase").inputValue(), "");
    await screenshot(p, "settings-vault-key.png");
    assert.deepEqual(
      (await calls(p)).filter((c) => c === "set_passphrase" || c === "rekey"),
      ["set_passphrase"],
    );
  });

  it("Settings sets the daily refresh's time of day with the browser's time input", async () => {
    const p = await openApp();
    await showsText(p.getByTestId("vault-state"), "Unlocked");
    await p.getByTestId("nav-settings").click();
    const input = p.getByTestId("daily-time");
    await p.getByTestId("daily-next").getByText(/of 06:00 AM/).waitFor();
    assert.equal(await input.inputValue(), "06:00");
    await input.fill("19:05");
    await p.getByRole("button", { name: "Save" }).click();
    await p.getByTestId("daily-next").getByText(/of 07:05 PM/).waitFor();
    assert.equal(await input.inputValue(), "19:05");
    assert.match((await p.getByTestId("daily-next").textContent()) ?? "", /Next: \w+ 07:[1-3]\d PM, within/);
    await screenshot(p, "settings-daily-refresh.png");
    assert.deepEqual(
      (await calls(p)).filter((c) => c.includes("daily")),
      ["daily_refresh", "set_daily_time"],
    );
  });
});

describe("Accounts and transactions in Chromium", { timeout: 30_000 }, () => {
  /** A linked demo bank with 5,000 transactions: 25 pages. @type {import("../fake-vault").FakeVaultOptions} */
  const BIG = { vault: "keychain", linked: true, demoTransactions: 5_000 };

  it("a first run links the demo bank, shows its progress, then its transactions", async () => {
    const p = await openApp({ holdRefresh: true, demoTransactions: 5_000 });
    const progress = p.getByTestId("refresh-progress");
    await progress.getByText("Demo Bank: saving 5,000 transactions").waitFor();
    assert.match((await progress.textContent()) ?? "", /Setting up the demo bank/);
    assert.equal(await progress.getByTestId("refresh-accounts").textContent(), "0 of 3 accounts done");
    const bar = progress.locator("progress");
    assert.equal(await bar.getAttribute("max"), "1");
    assert.ok(Number(await bar.getAttribute("value")) > 0, "the bar has moved");
    await screenshot(p, "first-run-progress.png");

    await p.evaluate(() => window.__SPEARMINT_FAKE__?.release());
    await progress.waitFor({ state: "detached" });
    const summary = p.getByTestId("overview-summary");
    await summary.getByText("3 accounts").waitFor();
    assert.match((await p.getByTestId("demo-note").first().textContent()) ?? "", /generated/);
    // The Overview's sync line reads sync_state on its own as soon as the vault is open.
    assert.deepEqual((await calls(p)).filter((c) => c !== "sync_state").slice(0, 5), [
      "open_vault",
      "list_connections",
      "list_accounts",
      "connect_demo",
      "refresh_all",
    ]);

    await p.getByTestId("summary-transactions-link").click();
    await showsText(p.getByRole("heading", { level: 1 }), "Transactions");
    await rowCount(p, 200);
  });

  it("scrolling and Load more fetch the next pages by the cursor, without duplicates", async () => {
    const p = await openApp(BIG);
    await p.getByTestId("nav-transactions").click();
    await rowCount(p, 200);
    await screenshot(p, "transactions.png", { fullPage: false });

    // Scrolling to the end of the list loads the next page by itself.
    await scrollList(p, "bottom");
    await rowCount(p, 400);
    // The button does the same, for keyboards and as a fallback. Clicked where it is, with
    // the list back at its top: Playwright's click would first scroll it into view.
    await scrollList(p, "top");
    await p.evaluate(() => window.scrollTo(0, 0));
    await clickInPlace(p, "load-more");
    await rowCount(p, 600);

    const expected = await p.evaluate(() => window.__SPEARMINT_FAKE__?.transactions().slice(0, 600).map((t) => t.id));
    // The screen's pages (the Overview, shown first, also read its five latest rows).
    const befores = await p.evaluate(() =>
      window.__SPEARMINT_FAKE__?.queries.filter((q) => q.limit === 200).map((q) => q.before?.id ?? null),
    );
    assert.deepEqual(befores, [null, expected?.[199], expected?.[399]], "each page starts after the last row");
    // The list holds only the rows near the viewport: every row, read by scrolling through it.
    const ids = (await scrollThrough(p)).rows.map((r) => r.id);
    assert.equal(new Set(ids).size, 600, "no row twice");
    assert.deepEqual(ids, expected, "newest first, no gaps");
  });

  it("holds only the rows near the viewport while it pages through thousands, and keeps the keyboard's place", async () => {
    const p = await openApp(BIG);
    await p.getByTestId("nav-transactions").click();
    await rowCount(p, 200);
    // Scrolled to its end again and again, the list loads page after page.
    for (let n = 400; n <= 1_200; n += 200) {
      await scrollList(p, "bottom");
      await rowCount(p, n);
    }
    const inDom = await p.getByTestId("transaction-row").count();
    assert.ok(inDom < 120, `${inDom} rows in the DOM with 1,200 loaded`);
    const expected = (await p.evaluate(() => window.__SPEARMINT_FAKE__?.transactions().slice(0, 1_400).map((t) => t.id))) ?? [];
    const pages = () =>
      p.evaluate(() => window.__SPEARMINT_FAKE__?.queries.filter((q) => q.limit === 200).map((q) => q.before?.id ?? null));
    assert.deepEqual(await pages(), [null, 199, 399, 599, 799, 999].map((i) => (i === null ? null : expected[i])), "each page once, by the cursor");

    // From the top to the bottom: every row once, newest first, and never many in the DOM.
    // Reaching the bottom loads the next page, once.
    const { rows, most } = await scrollThrough(p);
    assert.deepEqual(rows.map((r) => r.id), expected.slice(0, 1_200), "newest first, no gaps, no row twice");
    assert.ok(most < 120, `at most ${most} rows in the DOM while scrolling`);
    // Rows differ in height (a long category wraps): each starts where the one above ended,
    // so the list measured them, to the half pixel, rather than assumed a height.
    assert.ok(new Set(rows.map((r) => Math.round(r.height))).size > 1, "rows of different heights");
    let end = rows[0]?.top ?? 0;
    let drift = 0;
    for (const row of rows) {
      drift = Math.max(drift, Math.abs(row.top - end));
      end += row.height;
    }
    assert.ok(drift < 2, `a row is ${drift}px away from where the rows above it end`);
    await rowCount(p, 1_400);
    assert.deepEqual((await pages())?.slice(6), [expected[1_199]], "the bottom loaded the next page");

    // ArrowDown past the last rendered row scrolls the next one into view and focuses it.
    await scrollList(p, "top");
    await p.getByTestId("transaction-row").first().focus();
    for (let i = 0; i < 40; i++) await p.keyboard.press("ArrowDown");
    const focused = () =>
      p.evaluate(() => {
        const row = /** @type {HTMLElement} */ (document.activeElement);
        const list = /** @type {HTMLElement} */ (document.querySelector("[data-testid=transactions-scroll]"));
        const head = /** @type {HTMLElement} */ (list.querySelector("thead"));
        const box = row.getBoundingClientRect();
        const view = list.getBoundingClientRect();
        const inView = box.top >= head.getBoundingClientRect().bottom - 1 && box.bottom <= view.bottom + 1;
        return { id: row.dataset.id, testId: row.dataset.testid, inView };
      });
    assert.deepEqual(await focused(), { id: expected[40], testId: "transaction-row", inView: true });
    for (let i = 0; i < 5; i++) await p.keyboard.press("ArrowUp");
    assert.deepEqual(await focused(), { id: expected[35], testId: "transaction-row", inView: true });
    await screenshot(p, "transactions-scrolled.png", { fullPage: false });

    // The focused row and the one being edited stay, however far the list scrolls.
    await p.keyboard.press("Enter");
    await p.getByTestId("category-editor").waitFor();
    await p.getByTestId("transactions-scroll").evaluate((list) => list.scrollBy(0, 6_000));
    await p.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
    assert.equal(await p.getByTestId("category-editor").count(), 1, "the editor is still there");
    assert.equal(await p.locator(`[data-testid=transaction-row][data-id="${expected[35]}"]`).count(), 1, "its row too");
    assert.equal(await p.getByTestId("transactions-table").getAttribute("data-loaded"), "1400", "no page loaded for it");
    await p.keyboard.press("Escape");
    await p.getByTestId("category-editor").waitFor({ state: "detached" });
  });

  it("search filters the list and starts the paging over", async () => {
    const p = await openApp(BIG);
    await p.getByTestId("nav-transactions").click();
    await rowCount(p, 200);
    await clickInPlace(p, "load-more");
    await rowCount(p, 400);

    await p.getByTestId("transactions-search").pressSequentially("streamflix");
    await p.waitForFunction(() => {
      const rows = [...document.querySelectorAll("[data-testid=transaction-row]")];
      return rows.length > 0 && rows.every((r) => r.textContent?.includes("Streamflix"));
    });
    const last = await p.evaluate(() => window.__SPEARMINT_FAKE__?.queries.at(-1));
    assert.deepEqual(last, { since: null, until: null, account: null, search: "streamflix", category: null, subcategories: false, minAmount: null, maxAmount: null, limit: 200, before: null });
    // Every row loaded, not only those near the viewport.
    const found = (await scrollThrough(p)).rows;
    assert.ok(found.length > 0);
    assert.deepEqual(found.filter((r) => !r.text.includes("Streamflix")), [], "only Streamflix");

    await p.getByTestId("transactions-search").fill("no such payee");
    await p.getByTestId("transactions-empty").waitFor();
    await p.getByTestId("transactions-search").fill("");
    await rowCount(p, 200);

    // The account filter starts over too.
    await p.getByTestId("transactions-account").selectOption("acc-savings");
    await p.waitForFunction(() => {
      const rows = [...document.querySelectorAll("[data-testid=transaction-row]")];
      return (
        document.querySelector("[data-testid=transactions-count]")?.textContent === "Showing the newest 200 matching transactions" &&
        rows.length > 0 &&
        rows.every((r) => r.textContent?.includes("Rainy Day Savings"))
      );
    });
    const filtered = await p.evaluate(() => window.__SPEARMINT_FAKE__?.queries.at(-1));
    assert.deepEqual(filtered, { since: null, until: null, account: "acc-savings", search: null, category: null, subcategories: false, minAmount: null, maxAmount: null, limit: 200, before: null });
    const savings = (await scrollThrough(p)).rows;
    assert.equal(savings.length, 200);
    assert.deepEqual(savings.filter((r) => !r.text.includes("Rainy Day Savings")), [], "only the savings account");
  });

  it("Refresh now shows progress, then each connection's outcome", async () => {
    const p = await openApp({ ...BIG, holdRefresh: true });
    await p.getByTestId("nav-accounts").click();
    await p.getByTestId("account-row").nth(2).waitFor();
    assert.equal(await p.getByTestId("account-row").count(), 3);
    assert.match((await p.getByTestId("accounts-table").textContent()) ?? "", /Everyday Checking/);

    await p.getByTestId("refresh-button").click();
    await p.getByTestId("refresh-progress").getByText(/^Demo Bank: saving/).waitFor();
    assert.equal(await p.getByTestId("refresh-button").isDisabled(), true);
    await p.evaluate(() => window.__SPEARMINT_FAKE__?.release());
    const outcome = p.getByTestId("refresh-outcome");
    await outcome.getByText(/2 new, \d+ posted from pending/).waitFor();
    assert.equal(await outcome.locator("[data-kind=ok]").count(), 1);
    await screenshot(p, "accounts.png");
  });

  it("a bank's CSV file imports through Chromium's file picker, after a preview", async () => {
    const p = await openApp({ vault: "keychain", linked: true });
    await p.getByTestId("nav-accounts").click();
    await p.getByTestId("new-account-name").fill("Credit union");
    await p.getByTestId("new-account-form").getByRole("button", { name: "Add" }).click();
    await p.getByText("Added Credit union.").waitFor();
    const csv = "Date,Description,Amount\n2025-06-10,CORNER BAKERY,-4.50\n2025-06-11,PAYROLL ACME,2500.00\n";
    await p.getByTestId("import-file").setInputFiles({ name: "export.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
    await p.getByTestId("import-account").selectOption({ label: "Credit union" });
    await p.getByTestId("import-form").getByRole("button", { name: "Preview" }).click();
    await p.getByTestId("import-preview").getByText("2 transactions in the file (CSV): 2 new would be added.").waitFor();
    assert.equal(await p.getByTestId("import-preview-row").count(), 2);
    await screenshot(p, "import-preview.png");
    await p.getByTestId("import-confirm").click();
    await p.getByTestId("import-done").getByText(/2 new were added/).waitFor();
    const row = p.getByTestId("account-row").filter({ hasText: "Credit union" });
    await row.waitFor();
    const cells = await row.locator("td").allTextContents();
    assert.deepEqual(cells, ["Checking", "OK", "2", "—", "Remove…"], "a CSV file states no balance");
  });

  it("a CSV file detection cannot read is mapped by hand in Chromium", async () => {
    const p = await openApp({ vault: "keychain", linked: true });
    await p.getByTestId("nav-accounts").click();
    await p.getByTestId("import-account").selectOption({ label: "Everyday Checking" });
    const csv = "Fecha;Concepto;Importe\n01/03/2025;CAFE;-4,50\n02/03/2025;NOMINA;2500,00\n";
    await p.getByTestId("import-file").setInputFiles({ name: "movimientos.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
    await p.getByTestId("import-form").getByRole("button", { name: "Preview" }).click();
    await p.getByRole("button", { name: "Map the columns by hand" }).click();
    const editor = p.getByTestId("map-columns-form");
    await editor.waitFor();
    await editor.getByTestId("map-date-format").selectOption("%d/%m/%Y");
    await editor.getByTestId("map-decimal-comma").check();
    await screenshot(p, "map-columns.png");
    await editor.getByTestId("map-apply").click();
    await p.getByTestId("import-preview").waitFor();
    assert.deepEqual(await p.getByTestId("import-preview-row").allTextContents(), [
      "2025-03-01CAFE-$4.50",
      "2025-03-02NOMINA$2,500.00",
    ]);
  });

  it("the demo bank is disconnected keeping its accounts, then an account of one's own is removed", async () => {
    // A first run: the app links the demo bank and refreshes it.
    const p = await openApp();
    await p.getByTestId("overview-summary").getByText("3 accounts").waitFor();
    await p.getByTestId("nav-accounts").click();
    await p.getByTestId("connection-row").waitFor();
    assert.equal(await p.getByTestId("account-row").count(), 3);
    const total = await p.evaluate(() => window.__SPEARMINT_FAKE__?.transactions().length);
    assert.equal(total, 242);

    // A real modal <dialog>: Escape closes it and focus goes back to the button.
    const disconnect = p.getByTestId("disconnect-conn-demo");
    await disconnect.click();
    const dialog = p.getByRole("dialog");
    await dialog.waitFor();
    assert.equal(await dialog.evaluate((d) => d.matches(":modal")), true, "shown with showModal");
    await p.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
    assert.equal(await disconnect.evaluate((b) => b === document.activeElement), true, "focus is back on Disconnect…");

    await disconnect.click();
    await showsText(dialog.getByRole("heading"), "Disconnect Demo Bank\\?");
    assert.match((await dialog.textContent()) ?? "", /Spearmint forgets the bank's login and stops refreshing it\./);
    await showsText(p.getByTestId("confirm-keep"), "Keep its 3 accounts and their transactions");
    await showsText(p.getByTestId("confirm-remove"), "Remove its accounts and transactions");
    await screenshot(p, "disconnect-dialog.png", { fullPage: false });
    await p.getByTestId("confirm-keep").click();

    const status = p.getByTestId("removed-status");
    await showsText(status, "Disconnected Demo Bank\\. Kept 3 accounts as your own, with their transactions\\.");
    await dialog.waitFor({ state: "detached" });
    assert.equal(await p.getByTestId("connection-row").count(), 0, "the connection is gone");
    assert.deepEqual(await p.locator("[data-testid=account-row] .account-name").allTextContents(), [
      "Everyday Checking",
      "Mint Rewards Card",
      "Rainy Day Savings",
    ]);
    assert.equal(await p.evaluate(() => window.__SPEARMINT_FAKE__?.transactions().length), 242, "every transaction stayed");
    assert.equal(await p.getByTestId("refresh-button").isDisabled(), true, "nothing is left to refresh");

    // Each kept account is the user's own now, and goes with its transactions.
    const checking = await p.evaluate(
      () => window.__SPEARMINT_FAKE__?.transactions().filter((t) => t.accountId === "acc-checking").length ?? 0,
    );
    assert.ok(checking > 0);
    await p.getByTestId("remove-account-acc-checking").click();
    await showsText(dialog.getByRole("heading"), `Remove Everyday Checking and its ${checking} transactions\\?`);
    assert.match((await dialog.textContent()) ?? "", /This cannot be undone\./);
    assert.equal(await p.getByTestId("confirm-keep").count(), 0);
    await screenshot(p, "remove-account-dialog.png", { fullPage: false });
    await p.getByTestId("confirm-remove").click();
    await showsText(status, `Removed Everyday Checking and its ${checking} transactions\\.`);
    assert.deepEqual(await p.locator("[data-testid=account-row] .account-name").allTextContents(), [
      "Mint Rewards Card",
      "Rainy Day Savings",
    ]);
    assert.equal(await p.evaluate(() => window.__SPEARMINT_FAKE__?.transactions().length), 242 - checking);
    assert.deepEqual(
      (await calls(p)).filter((c) => c === "disconnect" || c === "remove_account" || c === "connect_demo"),
      ["connect_demo", "disconnect", "remove_account"],
    );
    await screenshot(p, "accounts-after-removal.png");
  });

  it("a refused login shows 'reconnect needed' and marks the accounts", async () => {
    const message = "Demo Bank refused the login: reconnect it in Accounts";
    const p = await openApp({ ...BIG, refreshError: { kind: "ProviderAuth", message } });
    await p.getByTestId("nav-accounts").click();
    await p.getByTestId("refresh-button").click();
    const failed = p.getByTestId("refresh-outcome").locator("[data-kind=ProviderAuth]");
    await failed.waitFor();
    assert.match((await failed.textContent()) ?? "", /Reconnect needed/);
    assert.match((await failed.textContent()) ?? "", /refused the login/);
    await p.getByTestId("account-status").first().getByText("Needs attention").waitFor();
  });
});

/**
 * The commands the fake shell received so far.
 * @param {import("playwright-core").Page} p
 */
async function calls(p) {
  return (await p.evaluate(() => window.__SPEARMINT_IPC_CALLS__)) ?? [];
}

/**
 * Waits until the list has loaded exactly `n` transactions, and no page is loading. The
 * list is virtualized: the DOM holds the rows near the viewport, some and never more than
 * are loaded (scrollThrough reads them all).
 * @param {import("playwright-core").Page} p
 * @param {number} n
 */
async function rowCount(p, n) {
  const loaded = () => p.getByTestId("transactions-table").getAttribute("data-loaded", { timeout: 500 }).catch(() => null);
  try {
    await p.waitForFunction(
      (count) =>
        document.querySelector("[data-testid=transactions-table]")?.getAttribute("data-loaded") === String(count) &&
        document.querySelector("[data-testid=transactions-count]")?.textContent !== "Loading…",
      n,
    );
  } catch {
    assert.fail(`expected ${n} transactions loaded, the list has ${await loaded()}`);
  }
  assert.equal(await loaded(), String(n));
  assert.match((await p.getByTestId("transactions-count").textContent()) ?? "", new RegExp(` ${n.toLocaleString("en-US")} `));
  const inDom = await p.getByTestId("transaction-row").count();
  assert.ok(inDom > 0 && inDom <= n, `${inDom} rows in the DOM for ${n} loaded`);
}

/**
 * Scrolls the transactions list to its top or its bottom.
 * @param {import("playwright-core").Page} p
 * @param {"top" | "bottom"} where
 */
async function scrollList(p, where) {
  await p.getByTestId("transactions-scroll").evaluate((list, to) => {
    list.scrollTop = to === "top" ? 0 : list.scrollHeight;
  }, where);
}

/**
 * Every loaded transaction row, in the list's order, read by scrolling the list from its top
 * to its bottom a screenful at a time (the DOM holds only the rows near the viewport); and
 * the most rows the DOM held at once. A row missed, or shown at two places, changes `rows`.
 * Reaching the bottom may load the next page: only the rows loaded at the start are read.
 * Each row comes with where it was in the table and its height (with the editor under it).
 * @param {import("playwright-core").Page} p
 * @returns {Promise<{ rows: { id: string, text: string, top: number, height: number }[], most: number }>}
 */
async function scrollThrough(p) {
  return p.getByTestId("transactions-scroll").evaluate(async (list) => {
    // The list renders in the scroll event, at the next frame, and measures its new rows
    // in that frame's layout; scrolling on after that frame, not in it, keeps the list from
    // correcting the scroll position from where it was before.
    const frame = () => new Promise((done) => requestAnimationFrame(() => setTimeout(done, 0)));
    const loaded = Number(list.querySelector("table")?.getAttribute("data-loaded"));
    /** @type {Map<number, { id: string, text: string, top: number, height: number }>} */
    const seen = new Map();
    let most = 0;
    list.scrollTop = 0;
    await frame();
    while (seen.size < loaded) {
      const rows = list.querySelectorAll("[data-testid=transaction-row]");
      most = Math.max(most, rows.length);
      for (const row of rows) {
        const index = Number(row.closest("[data-index]")?.getAttribute("data-index"));
        const group = /** @type {HTMLElement} */ (row.closest("[data-index]"));
        if (index < loaded) {
          const { height } = group.getBoundingClientRect();
          seen.set(index, { id: row.getAttribute("data-id") ?? "", text: row.textContent ?? "", top: group.offsetTop, height });
        }
      }
      // A screenful on: the rows rendered beyond each edge overlap the steps.
      const before = list.scrollTop;
      list.scrollTop += list.clientHeight;
      await frame();
      if (list.scrollTop === before) break;
    }
    list.scrollTop = 0;
    await frame();
    return { rows: [...seen.entries()].sort(([a], [b]) => a - b).map(([, row]) => row), most };
  });
}

/**
 * Clicks an element without scrolling it into view first (see the paging test).
 * @param {import("playwright-core").Page} p
 * @param {string} testId
 */
async function clickInPlace(p, testId) {
  await p.getByTestId(testId).evaluate((/** @type {HTMLElement} */ element) => element.click());
}

/**
 * How many of a canvas's pixels are not transparent: a chart that drew something has many.
 * @param {import("playwright-core").Locator} canvas
 */
async function paintedPixels(canvas) {
  return canvas.evaluate((element) => {
    const c = /** @type {HTMLCanvasElement} */ (element);
    const data = c.getContext("2d")?.getImageData(0, 0, c.width, c.height).data ?? new Uint8ClampedArray();
    let painted = 0;
    for (let i = 3; i < data.length; i += 4) if ((data[i] ?? 0) > 0) painted++;
    return painted;
  });
}

/**
 * A CSS colour as the browser computes it (`#b42318` → `rgb(180, 35, 24)`).
 * @param {import("playwright-core").Page} p
 * @param {string} colour
 */
async function computedColour(p, colour) {
  return p.evaluate((c) => {
    const probe = document.createElement("div");
    probe.style.color = c;
    document.body.append(probe);
    const rgb = getComputedStyle(probe).color;
    probe.remove();
    return rgb;
  }, colour);
}

describe("Spending and Budgets in Chromium", { timeout: 30_000 }, () => {
  it("draws the month's chart and the trend under the strict CSP, in light and dark", async () => {
    const p = await openApp({ vault: "keychain", linked: true });
    await p.getByTestId("nav-spending").click();
    await p.getByTestId("spending-table").waitFor();
    await p.getByTestId("trend-table").waitFor();
    const bars = Number(await p.getByTestId("spending-chart").getAttribute("data-bars"));
    assert.ok(bars > 0, "the month has categories to draw");
    assert.ok((await paintedPixels(p.locator("[data-testid=spending-chart] canvas"))) > 1000, "the month's chart drew bars");
    assert.ok((await paintedPixels(p.locator("[data-testid=trend-chart] canvas"))) > 1000, "the trend chart drew bars");
    await screenshot(p, "spending.png");
    await p.emulateMedia({ colorScheme: "dark" });
    await p.getByTestId("spending-chart").waitFor();
    assert.ok((await paintedPixels(p.locator("[data-testid=spending-chart] canvas"))) > 1000, "the chart drew again in dark");
    await screenshot(p, "spending-dark.png");

    // A category opens its transactions.
    await p.getByTestId("spending-table").getByRole("button").first().click();
    await p.getByTestId("drill-row").first().waitFor();
  });

  it("colours a budget red when it is over, filling its bar", async () => {
    const p = await openApp({ vault: "keychain", linked: true });
    await p.getByTestId("nav-budgets").click();
    await p.getByTestId("budget-edit-FOOD").click();
    await p.getByTestId("budget-input-FOOD").fill("1");
    await p.getByTestId("budget-save-FOOD").click();
    await p.locator("[data-testid=budget-bar-FOOD][data-tone=over]").waitFor();
    const fill = p.locator("[data-testid=budget-bar-FOOD] .budget-fill");
    const danger = await p.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue("--danger").trim());
    assert.equal(await fill.evaluate((e) => getComputedStyle(e).backgroundColor), await computedColour(p, danger));
    const width = (/** @type {import("playwright-core").Locator} */ l) => l.evaluate((e) => e.getBoundingClientRect().width);
    assert.equal(await width(fill), await width(p.getByTestId("budget-bar-FOOD")), "an over budget fills its bar");
    await screenshot(p, "budgets.png");
  });
});

describe("Categories, rules and alerts in Chromium", { timeout: 30_000 }, () => {
  it("a category changed for a seller from now on becomes a learned rule, an over budget an alert", async () => {
    const p = await openApp({ vault: "keychain", linked: true });
    await p.getByTestId("nav-transactions").click();
    const row = p.getByTestId("transaction-row").first();
    await row.getByTestId("category-why").click();
    await row.getByTestId("category-reason").waitFor();
    await row.getByTestId("category-button").click();
    await p.getByTestId("category-select").selectOption("FOOD_COFFEE");
    await p.getByTestId("category-from-now-on").check();
    await screenshot(p, "transaction-category.png", { fullPage: false });
    await p.getByTestId("category-save").click();
    await showsText(row.getByTestId("category-button"), "Coffee Shops");

    await p.getByTestId("nav-rules").click();
    await p.getByTestId("rule-learned").waitFor();
    const id = ((await p.getByTestId("rules-list").locator("[data-testid^=rule-apply-]").first().getAttribute("data-testid")) ?? "").replace("rule-apply-", "");
    await p.getByTestId(`rule-apply-${id}`).click();
    await p.getByTestId("rule-preview").waitFor();
    await screenshot(p, "rules.png");

    await p.getByTestId("nav-budgets").click();
    await p.getByTestId("budget-edit-FOOD").click();
    await p.getByTestId("budget-input-FOOD").fill("1");
    await p.getByTestId("budget-save-FOOD").click();
    await p.locator("[data-testid=budget-bar-FOOD][data-tone=over]").waitFor();

    await p.getByTestId("nav-alerts").click();
    await p.getByTestId("alerts-list").waitFor();
    assert.match((await p.getByTestId("alerts-unread").textContent()) ?? "", /unread/);
    await screenshot(p, "alerts.png");
    await p.getByTestId("alerts-read-all").click();
    await showsText(p.getByTestId("alerts-unread"), "All read.");
  });
});

describe("Each screen when the vault cannot be read, in Chromium", { timeout: 30_000 }, () => {
  /** @type {import("../../src/bindings/IpcError").IpcError} */
  const STORAGE = { kind: "Storage", message: "the disk is full: free some space, then try again" };
  /** @type {Array<[string, string]>} */
  const READS = [
    ["spending", "spending"],
    ["budgets", "budget"],
    ["rules", "list_rules"],
    ["alerts", "list_notifications"],
    ["overview", "budget"],
  ];
  for (const [screen, command] of READS) {
    it(`${screen} says what failed and what to do when \`${command}\` fails`, async () => {
      const p = await openApp({ vault: "keychain", linked: true, fail: { [command]: STORAGE } });
      await showsText(p.getByTestId("vault-state").first(), "Unlocked");
      await p.getByTestId(`nav-${screen}`).click();
      const banner = p.locator(`[data-testid=error-banner][data-kind=Storage]`).first();
      await banner.waitFor();
      assert.match((await banner.textContent()) ?? "", /free some space, then try again/);
      await screenshot(p, `${screen}-error.png`, { fullPage: false });
    });
  }
});

describe("Each screen while its first read is slow, in Chromium", { timeout: 30_000 }, () => {
  /**
   * Per screen: the commands its first read waits for, what the test adds to the vault first
   * (so the screen has something to show), and the content it shows once answered.
   * @type {Array<{
   *   screen: string,
   *   hold: string[],
   *   prepare?: (p: import("playwright-core").Page) => Promise<unknown>,
   *   content: (p: import("playwright-core").Page) => import("playwright-core").Locator,
   *   full: (p: import("playwright-core").Page) => Promise<unknown>,
   * }>}
   */
  const SLOW = [
    {
      screen: "overview",
      // The ledger's accounts, read once the vault is open: the Overview waits for them.
      hold: ["list_accounts"],
      content: (p) => p.getByTestId("overview-summary"),
      full: async (p) => {
        await p.getByTestId("summary-accounts").getByText("3 accounts").waitFor();
        await p.getByTestId("overview-spent").waitFor();
        await p.getByTestId("overview-transaction").nth(4).waitFor();
      },
    },
    {
      screen: "transactions",
      hold: ["list_transactions"],
      content: (p) => p.getByTestId("transaction-row"),
      full: (p) => rowCount(p, 200),
    },
    {
      screen: "accounts",
      hold: ["list_accounts"],
      content: (p) => p.getByTestId("account-row"),
      full: async (p) => {
        await p.getByTestId("account-row").nth(2).waitFor();
        assert.equal(await p.getByTestId("account-row").count(), 3);
        assert.equal(await p.getByTestId("refresh-button").isDisabled(), false);
      },
    },
    {
      screen: "spending",
      hold: ["spending"],
      content: (p) => p.getByTestId("spending-table"),
      full: async (p) => {
        await p.getByTestId("spending-table").waitFor();
        assert.match((await p.getByTestId("spending-total").textContent()) ?? "", /^\$[\d,]+\.\d\d$/);
      },
    },
    {
      screen: "budgets",
      hold: ["budget"],
      content: (p) => p.getByTestId("budget-lines"),
      full: async (p) => {
        await p.getByTestId("budget-row-FOOD").waitFor();
        assert.match((await p.getByTestId("budget-total").textContent()) ?? "", /^\$[\d,]+\.\d\d$/);
      },
    },
    {
      screen: "rules",
      hold: ["list_rules"],
      prepare: (p) =>
        p.evaluate(() =>
          window.__SPEARMINT_FAKE__?.handle("add_rule", {
            conditions: [{ payee_contains: "café" }],
            actions: { category: "FOOD_COFFEE", rename: null },
          }),
        ),
      content: (p) => p.getByTestId("rules-list"),
      full: async (p) => {
        await p.getByTestId("rules-list").waitFor();
        assert.equal(await p.getByTestId("rules-list").locator("[data-testid^=rule-apply-]").count(), 1);
      },
    },
    {
      screen: "alerts",
      hold: ["list_notifications"],
      // A budget of $1.00 for food this month: the groceries are over it, which raises an alert.
      prepare: (p) =>
        p.evaluate(() =>
          window.__SPEARMINT_FAKE__?.handle("set_budget", {
            category: "FOOD",
            amount: { amount: "1.00", currency: "USD" },
            month: "2025-06",
            rollover: false,
          }),
        ),
      content: (p) => p.getByTestId("alerts-list"),
      full: async (p) => {
        await p.getByTestId("alerts-list").waitFor();
        await showsText(p.getByTestId("alerts-unread"), "1 unread alert\\.");
      },
    },
    {
      screen: "settings",
      // Each of its cards reads its own: the daily refresh, the budget's thresholds, start at login.
      hold: ["daily_refresh", "budget", "start_at_login"],
      content: (p) => p.getByTestId("daily-next"),
      full: async (p) => {
        await p.getByTestId("daily-next").getByText(/of 06:00 AM/).waitFor();
        assert.equal(await p.getByTestId("thresholds-input").inputValue(), "80, 100");
        assert.equal(await p.getByTestId("start-at-login").isDisabled(), false);
      },
    },
  ];
  for (const { screen, hold, prepare, content, full } of SLOW) {
    it(`${screen} says it is loading while \`${hold.join("`, `")}\` is slow, then shows its content`, async () => {
      const p = await openApp({ vault: "keychain", linked: true, hold });
      await showsText(p.getByTestId("vault-state").first(), "Unlocked");
      await prepare?.(p);
      if (screen !== "overview") await p.getByTestId(`nav-${screen}`).click();
      await showsText(p.getByRole("heading", { level: 1 }), SCREENS.find((s) => s.id === screen)?.title ?? "");

      // Asked, and not answered yet: the screen says it is loading, announced as a status.
      const loading = p.locator("#content [role=status]").filter({ hasText: /^Loading…$/ });
      await loading.first().waitFor();
      const asked = await calls(p);
      for (const command of hold) assert.ok(asked.includes(command), `the screen asked \`${command}\``);
      if (screen === "settings") assert.equal(await loading.count(), 3, "each card that waits says so");
      assert.equal(await p.getByTestId("error-banner").count(), 0, "no error while loading");
      assert.equal(await content(p).count(), 0, "no content before the answer");
      await screenshot(p, `${screen}-loading.png`);

      await p.evaluate(() => window.__SPEARMINT_FAKE__?.answer());
      await full(p);
      await loading.first().waitFor({ state: "detached" });
      assert.equal(await p.getByTestId("error-banner").count(), 0, "no error once answered");
    });
  }
});

/**
 * The text of each paragraph of an empty state (the element itself when it is one), with
 * its whitespace as a reader sees it, and where its links go.
 * @param {import("playwright-core").Locator} locator
 */
async function emptyState(locator) {
  await locator.waitFor();
  return locator.evaluate((element) => {
    const parts = element.matches("p") ? [element] : [...element.querySelectorAll("p")];
    return {
      text: parts.map((p) => (p.textContent ?? "").replace(/\s+/g, " ").trim()),
      links: [...element.querySelectorAll("a")].map((a) => a.getAttribute("href")),
    };
  });
}

describe("Each screen of an empty vault, in Chromium", { timeout: 30_000 }, () => {
  /** The demo bank's three accounts, refreshed, with no transaction at all. @type {import("../fake-vault").FakeVaultOptions} */
  const NO_TRANSACTIONS = { vault: "keychain", linked: true, demoTransactions: 0 };
  /** @type {Array<{ screen: string, text: string[], links: string[] }>} */
  const EMPTY = [
    {
      screen: "overview",
      text: ["No transactions yet. Go to Accounts to refresh your accounts or import a bank's file."],
      links: ["#/accounts"],
    },
    {
      screen: "transactions",
      text: [
        "No transactions yet.",
        "Transactions appear here after your accounts are refreshed: go to Accounts to refresh them or import a bank's file.",
      ],
      links: ["#/accounts"],
    },
    {
      screen: "spending",
      text: [
        "Nothing was spent or earned in June 2025.",
        "Spending shows here once its transactions are in Spearmint: refresh your accounts or import a bank's file on Accounts, or choose another month above.",
      ],
      links: ["#/accounts"],
    },
    {
      screen: "budgets",
      text: [
        "Nothing spent yet in June 2025, and no earlier month to learn your spending from.",
        "The budgets below are a starting point. Refresh your accounts or import a bank's file on Accounts, and each shows what was spent against it.",
      ],
      links: ["#/accounts"],
    },
    {
      screen: "rules",
      text: [
        "No rules yet.",
        "A rule picks a category (and, if you like, a clearer name) for every transaction that matches it, for example each payment whose payee contains “coffee”. Add one below.",
        "When you choose a category on the Transactions screen with “from now on”, Spearmint learns a rule from it and lists it here, where you can change or delete it.",
      ],
      links: ["#/transactions"],
    },
    {
      screen: "alerts",
      text: [
        "No alerts yet.",
        "Spearmint tells you here (and with a system notification) when a budget is nearly used or over, or when an account needs you. Set what each category may spend on Budgets, and at what share of it you are alerted in Settings.",
      ],
      links: ["#/budgets", "#/settings"],
    },
    {
      screen: "settings",
      text: [
        "Nothing to export yet: the vault holds no transactions. Refresh your accounts or import a bank's file on Accounts first.",
      ],
      links: ["#/accounts"],
    },
  ];
  for (const { screen, text, links } of EMPTY) {
    it(`${screen} says what to do next when the accounts hold no transaction`, async () => {
      const p = await openApp(NO_TRANSACTIONS);
      await showsText(p.getByTestId("vault-state").first(), "Unlocked");
      if (screen !== "overview") await p.getByTestId(`nav-${screen}`).click();
      await showsText(p.getByRole("heading", { level: 1 }), SCREENS.find((s) => s.id === screen)?.title ?? "");
      assert.deepEqual(await emptyState(p.getByTestId(`${screen}-empty`)), { text, links });
      assert.equal(await p.getByTestId("error-banner").count(), 0);
      await screenshot(p, `${screen}-empty.png`);
    });
  }

  it("accounts and the overview say how to add an account when there is none", async () => {
    const p = await openApp(NO_TRANSACTIONS);
    await p.getByTestId("nav-accounts").click();
    await p.getByTestId("account-row").nth(2).waitFor();
    // The accounts have no transaction, so the Accounts screen is not empty yet.
    assert.equal(await p.getByTestId("accounts-empty").count(), 0);
    // The user removes the demo bank with its accounts: the vault holds no account at all.
    await p.getByTestId("disconnect-conn-demo").click();
    await p.getByTestId("confirm-remove").click();
    await showsText(p.getByTestId("removed-status"), "Disconnected Demo Bank\\. Removed 3 accounts and 0 transactions\\.");

    assert.deepEqual(await emptyState(p.getByTestId("accounts-empty")), {
      text: [
        "No accounts yet.",
        "Connect your bank or import a file it exported under Add an account below, or try Spearmint with the built-in demo bank: generated accounts and transactions, no bank needed.",
      ],
      links: [],
    });
    await p.getByTestId("accounts-empty").getByTestId("link-demo-button").waitFor();
    await p.getByTestId("add-account").waitFor();
    await screenshot(p, "accounts-empty.png");

    await p.getByTestId("nav-overview").click();
    assert.deepEqual(await emptyState(p.getByTestId("overview-empty")), {
      text: ["No accounts yet. Go to Accounts to link a bank or import a bank's file."],
      links: ["#/accounts"],
    });
    await screenshot(p, "overview-no-accounts.png");

    await p.getByTestId("nav-transactions").click();
    assert.deepEqual(await emptyState(p.getByTestId("transactions-empty")), {
      text: ["No transactions yet.", "They come from your accounts: go to Accounts to link a bank or import a bank's file."],
      links: ["#/accounts"],
    });
    await screenshot(p, "transactions-no-accounts.png");
    // Its link goes where the fix is.
    await p.getByTestId("transactions-empty").getByRole("link", { name: "go to Accounts" }).click();
    await showsText(p.getByRole("heading", { level: 1 }), "Accounts");
    await p.getByTestId("link-demo-button").waitFor();
    assert.equal(await p.getByTestId("error-banner").count(), 0);
  });
});

/**
 * Saves a full-page screenshot to ui/test-results for a human to look at.
 * @param {import("playwright-core").Page} p
 * @param {string} name
 * @param {{ fullPage?: boolean }} [options]
 */
async function screenshot(p, name, { fullPage = true } = {}) {
  // Two animation frames, so the screenshot shows the settled page.
  await p.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
  await mkdir(RESULTS, { recursive: true });
  await p.screenshot({ path: join(RESULTS, name), fullPage });
}

/** Bundles mock-entry.ts into one classic script for addInitScript. */
async function bundleMock() {
  const result = await build({
    configFile: false,
    root: UI,
    logLevel: "warn",
    publicDir: false,
    build: {
      write: false,
      minify: false,
      lib: { entry: join(UI, "tests/browser/mock-entry.ts"), formats: ["iife"], name: "SpearmintMock" },
    },
  });
  const outputs = Array.isArray(result) ? result : [result];
  const chunk = outputs.flatMap((o) => ("output" in o ? o.output : [])).find((c) => c.type === "chunk");
  if (!chunk || chunk.type !== "chunk") throw new Error("bundling the IPC mock produced no script");
  return chunk.code;
}

const TYPES = new Map([
  [".html", "text/html; charset=utf-8"],
  [".js", "text/javascript; charset=utf-8"],
  [".css", "text/css; charset=utf-8"],
  [".svg", "image/svg+xml"],
  [".png", "image/png"],
  [".json", "application/json"],
]);

/**
 * A static server for dist on a free port of 127.0.0.1, with the app's CSP.
 * @param {string} root
 * @returns {Promise<import("node:http").Server>}
 */
function serve(root) {
  const server = createServer(async (request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? "/", "http://x").pathname);
    const file = normalize(join(root, path === "/" ? "index.html" : path));
    if (!file.startsWith(root + sep)) {
      response.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(file);
      response.writeHead(200, {
        "content-type": TYPES.get(extname(file)) ?? "application/octet-stream",
        "content-security-policy": CSP,
        "cache-control": "no-store",
      });
      response.end(body);
    } catch {
      response.writeHead(404, { "content-type": "text/plain" }).end("not found");
    }
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve(server));
  });
}
