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
const DIST = join(UI, "dist");
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
    assert.match((await p.getByTestId("vault-encryption").textContent()) ?? "", /Encrypted/);
    assert.equal(await p.getByTestId("vault-schema").textContent(), "Version 3 of 3");
    assert.match((await p.getByTestId("vault-path").textContent()) ?? "", /vault\.db$/);
    assert.deepEqual(await p.evaluate(() => window.__SPEARMINT_IPC_CALLS__), ["open_vault"]);

    await screenshot(p, "overview.png");
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
    await p.getByTestId("nav-accounts").click();
    await p.getByText("Arrives with account linking.").waitFor();
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
    assert.match((await p.getByTestId("vault-encryption").textContent()) ?? "", /Encrypted/);
    assert.equal(await banner.count(), 0);
    assert.deepEqual(await p.evaluate(() => window.__SPEARMINT_IPC_CALLS__), [
      "open_vault",
      "vault_status",
      "create_vault",
    ]);
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
});

/**
 * Saves a full-page screenshot to ui/test-results for a human to look at.
 * @param {import("playwright-core").Page} p
 * @param {string} name
 */
async function screenshot(p, name) {
  // Two animation frames, so the screenshot shows the settled page.
  await p.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
  await mkdir(RESULTS, { recursive: true });
  await p.screenshot({ path: join(RESULTS, name), fullPage: true });
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
