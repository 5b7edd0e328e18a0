// The real desktop window, driven over WebDriver (tauri-driver in front of WebKitWebDriver): on a
// fresh data dir the app opens, creates an encrypted vault with its key in the OS keychain,
// shows it unlocked, and draws its navigation.
//
// Run by `cargo xtask test` under Xvfb inside a private D-Bus session with an unlocked
// gnome-keyring. Environment:
//   SPEARMINT_APP       the built app (target/debug/spearmint-desktop)
//   SPEARMINT_DATA_DIR  an empty directory; the app keeps its profiles there
//   TAURI_DRIVER        tauri-driver 2.x (default: `tauri-driver` on PATH)
//   SPEARMINT_SERVER    the built sync server (target/debug/spearmint-server)

import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { decodePng } from './png.mjs';
import { startDriver, stopDriver } from './driver.mjs';
import { Session, waitFor } from './webdriver.mjs';

const ARTIFACTS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'artifacts');
const HERE = path.dirname(fileURLToPath(import.meta.url));

/**
 * A freedesktop notification server on this test's session bus (notifications.py): it records
 * what the app shows and can click a notification as a user would.
 */
async function startNotificationServer() {
  const log = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'spearmint-notes-')), 'notes.jsonl');
  const child = spawn('/usr/bin/python3', [path.join(HERE, 'notifications.py'), log], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`notifications.py exited with ${code} before owning its name`)));
    child.stdout.on('data', (chunk) => {
      if (chunk.toString().includes('ready')) resolve();
    });
  });
  return {
    child,
    /** Every notification shown so far. */
    async shown() {
      const text = await fs.readFile(log, 'utf8').catch(() => '');
      return text.split('\n').filter(Boolean).map((line) => JSON.parse(line));
    },
    /** The user clicks notification `id`. */
    click(id) {
      return new Promise((resolve, reject) =>
        execFile(
          'gdbus',
          ['call', '--session', '--dest', 'org.freedesktop.Notifications', '--object-path', '/org/freedesktop/Notifications',
            '--method', 'org.spearmint.Test.Click', String(id)],
          (error) => (error ? reject(error) : resolve()),
        ),
      );
    },
  };
}
/** Runs a program to its end; rejects with what it printed when it fails or takes too long. */
function run(program, args, { timeoutMs = 10_000 } = {}) {
  return new Promise((resolve, reject) =>
    execFile(program, args, { timeout: timeoutMs }, (error, stdout, stderr) =>
      error ? reject(new Error(`${program} ${args.join(' ')}: ${error.message} ${stderr}`)) : resolve(stdout),
    ),
  );
}

/**
 * Answers the system's own save dialog (GTK's file chooser, in a window of its own) as a user
 * would at the keyboard: waits for the window titled `title`, gives it the focus, replaces the
 * proposed name with the whole path `file` and presses Enter. WebDriver sees only the page, so
 * the keys go through the X server (xdotool's XTEST).
 */
async function answerSaveDialog(title, file) {
  const found = await run('xdotool', ['search', '--sync', '--onlyvisible', '--name', title], { timeoutMs: 20_000 });
  const [window] = found.split('\n').filter(Boolean);
  assert.ok(window, `no window titled ${title}`);
  await run('xdotool', ['windowfocus', '--sync', window]);
  await run('xdotool', ['key', '--clearmodifiers', 'ctrl+a']);
  await run('xdotool', ['type', '--delay', '15', file]);
  await run('xdotool', ['key', 'Return']);
}
const SCREENS = ['overview', 'transactions', 'accounts', 'spending', 'budgets', 'rules', 'alerts', 'settings'];
const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

function requiredEnv(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the end-to-end tests with \`cargo xtask test\``);
  return value;
}


/** What the window shows right now, for failure messages. */
async function describeWindow(session) {
  const texts = {};
  for (const id of ['vault-state', 'vault-encryption', 'vault-path', 'error-banner']) {
    const [element] = await session.findElements(`[data-testid=${id}]`);
    if (element) texts[id] = await session.text(element);
  }
  const kind = await session.execute('return document.querySelector("[data-testid=error-banner]")?.dataset.kind ?? null');
  const body = await session.execute('return document.body ? document.body.innerText.slice(0, 500) : "(no body)"');
  return `hooks ${JSON.stringify(texts)}, error kind ${kind}, page text ${JSON.stringify(body)}`;
}

async function textOf(session, testId) {
  const [element] = await session.findElements(`[data-testid=${testId}]`);
  return element === undefined ? undefined : session.text(element);
}

/** The frame on screen, not the one before it: wait for two animation frames first. */
async function screenshot(session, name) {
  await session.executeAsync(
    'const done = arguments[arguments.length - 1]; requestAnimationFrame(() => requestAnimationFrame(() => done(true)));',
  );
  const png = await session.screenshot();
  await fs.mkdir(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, name);
  await fs.writeFile(file, png);
  return { png, file };
}

describe('the desktop window', () => {
  let app;
  let dataDir;
  let driver;
  let session;
  let notes;

  before(async () => {
    app = requiredEnv('SPEARMINT_APP');
    dataDir = requiredEnv('SPEARMINT_DATA_DIR');
    await fs.access(app).catch(() => {
      throw new Error(`SPEARMINT_APP=${app} does not exist: build it with \`cargo build -p spearmint-desktop\``);
    });
    notes = await startNotificationServer();
    driver = await startDriver();
    // No browserName: tauri-driver rejects a session that asks for a browser.
    session = await Session.create(driver.url, { alwaysMatch: { 'tauri:options': { application: app } } }, { timeoutMs: 60_000 });
  });

  after(async () => {
    // Both always run; the first failure is reported.
    const errors = [];
    if (session) await session.delete().catch((error) => errors.push(error));
    if (driver) await stopDriver(driver).catch((error) => errors.push(error));
    notes?.child.kill();
    if (errors.length > 0) throw errors[0];
  });

  test('opens an encrypted vault, unlocked with the key from the keychain', async () => {
    try {
      await waitFor(
        async () =>
          (await textOf(session, 'vault-state'))?.trim() === 'Unlocked',
        { timeoutMs: 30_000, describe: () => describeWindow(session) },
      );
    } catch (error) {
      const { file } = await screenshot(session, 'failure.png').catch(() => ({ file: '(no screenshot)' }));
      throw new Error(`the window never showed an unlocked, encrypted vault (screenshot: ${file}): ${error.message}`);
    }
    // The vault's file and protection are on Settings.
    await session.click(await session.findElement('[data-testid=nav-settings]'));
    await waitFor(async () => (await textOf(session, 'vault-encryption'))?.includes('Encrypted'), {
      timeoutMs: 10_000,
      describe: () => describeWindow(session),
    });
    await session.click(await session.findElement('[data-testid=nav-overview]'));
  });

  test('has a navigation item for every screen', async () => {
    const missing = [];
    for (const screen of SCREENS) {
      if ((await session.findElements(`[data-testid=nav-${screen}]`)).length === 0) missing.push(`nav-${screen}`);
    }
    assert.deepEqual(missing, [], `navigation items missing: ${missing.join(', ')}`);
  });

  test('draws the window (screenshot in tests/e2e/artifacts/window.png)', async () => {
    const { png, file } = await screenshot(session, 'window.png');
    const image = decodePng(png, { maxColors: 64 });
    assert.ok(png.length > 10_000, `${file} is only ${png.length} bytes`);
    assert.ok(image.width >= 400 && image.height >= 300, `${file} is only ${image.width}x${image.height}`);
    // A blank or single-colour window would mean nothing was rendered.
    assert.ok(image.distinctPixels >= 16, `${file} has only ${image.distinctPixels} distinct colours`);
  });

  test('a first run links the demo bank and lists its transactions (screenshot: transactions.png)', async () => {
    // The demo is the default: with no bank at all, a fresh profile shows realistic data,
    // fetched from the sandbox bank over loopback HTTP through the real SimpleFIN client.
    await session.click(await session.findElement('[data-testid=nav-transactions]'));
    try {
      // The list is virtualized: how many rows are loaded is on the table, only those in view are drawn.
      const loaded = async () =>
        Number(await session.execute("return document.querySelector('[data-testid=transactions-table]')?.dataset.loaded ?? 0"));
      await waitFor(async () => (await loaded()) >= 20 && (await session.findElements('[data-testid=transaction-row]')).length > 0, {
        timeoutMs: 60_000,
        describe: () => describeWindow(session),
      });
    } catch (error) {
      const { file } = await screenshot(session, 'failure.png').catch(() => ({ file: '(no screenshot)' }));
      throw new Error(`the Transactions screen never listed the demo's transactions (screenshot: ${file}): ${error.message}`);
    }
    const rows = await session.findElements('[data-testid=transaction-row]');
    const first = await session.text(rows[0]);
    assert.match(first, /\d/, `a transaction row shows no amount: ${JSON.stringify(first)}`);
    await screenshot(session, 'transactions.png');
    await session.click(await session.findElement('[data-testid=nav-accounts]'));
    await waitFor(async () => (await session.findElements('[data-testid=account-row]')).length === 3, {
      timeoutMs: 10_000,
      describe: () => describeWindow(session),
    });
    // Leave the window as the other tests expect it: on the Overview.
    await session.click(await session.findElement('[data-testid=nav-overview]'));
    await waitFor(async () => (await textOf(session, 'overview-summary')) !== undefined, { timeoutMs: 10_000 });
  });

  test('Settings shows and sets the daily refresh through the real shell (screenshot: settings.png)', async () => {
    // The commands must be allowed by the window's capability: the fake shell cannot tell.
    await session.click(await session.findElement('[data-testid=nav-settings]'));
    const next = async () => (await textOf(session, 'daily-next')) ?? '';
    await waitFor(async () => /^Next: /.test(await next()), { timeoutMs: 10_000, describe: () => describeWindow(session) });
    assert.equal((await session.findElements('[data-testid=error-banner]')).length, 0, await describeWindow(session));
    // Typing into a time input differs between engines: set it as React expects, then save.
    await session.execute(
      `const input = document.querySelector('[data-testid=daily-time]');
       Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set.call(input, '19:05');
       input.dispatchEvent(new Event('input', { bubbles: true }));`,
    );
    await session.click(await session.findElement('[data-testid=daily-refresh] button[type=submit]'));
    await waitFor(async () => /of (07:05\sPM|19:05)/.test(await next()), {
      timeoutMs: 10_000,
      describe: async () => `${await next()}\n${await describeWindow(session)}`,
    });
    await screenshot(session, 'settings.png');
    await session.click(await session.findElement('[data-testid=nav-overview]'));
    await waitFor(async () => (await textOf(session, 'overview-summary')) !== undefined, { timeoutMs: 10_000 });
  });

  test('imports a bank file through the real shell into a new manual account, and finds a bank in the OFX directory (screenshot: import.png)', async () => {
    // The file travels from the web view to the engine (base64, the command's argument names,
    // the capability): only the real shell can show that it arrives and is stored.
    await session.click(await session.findElement('[data-testid=nav-accounts]'));
    await waitFor(async () => (await session.findElements('[data-testid=new-account-name]')).length === 1, {
      timeoutMs: 10_000,
      describe: () => describeWindow(session),
    });
    // Form fields are set as React expects (typing differs between engines), then submitted.
    const setField = (testId, value) =>
      session.execute(
        `const el = document.querySelector('[data-testid=${testId}]');
         const proto = el instanceof HTMLSelectElement ? HTMLSelectElement.prototype : HTMLInputElement.prototype;
         Object.getOwnPropertyDescriptor(proto, 'value').set.call(el, arguments[0]);
         el.dispatchEvent(new Event(el instanceof HTMLSelectElement ? 'change' : 'input', { bubbles: true }));`,
        [value],
      );
    /** Gives the import form a file, as the file picker would. */
    const pickFile = (name, text) =>
      session.execute(
        `const input = document.querySelector('[data-testid=import-file]');
         const files = new DataTransfer();
         files.items.add(new File([arguments[1]], arguments[0], { type: 'text/csv' }));
         input.files = files.files;
         input.dispatchEvent(new Event('change', { bubbles: true }));`,
        [name, text],
      );
    /** Waits for a part of the import form to show `pattern`. */
    const importShows = (testId, pattern) =>
      waitFor(async () => pattern.test((await textOf(session, testId)) ?? ''), {
        timeoutMs: 20_000,
        describe: async () => `${(await textOf(session, 'import-form')) ?? ''}\n${await describeWindow(session)}`,
      });
    await setField('new-account-name', 'Credit union');
    await session.click(await session.findElement('[data-testid=new-account-form] button[type=submit]'));
    await waitFor(async () => (await textOf(session, 'new-account-done'))?.includes('Credit union'), {
      timeoutMs: 10_000,
      describe: () => describeWindow(session),
    });
    await pickFile('export.csv', 'Date,Description,Amount\n2025-06-10,CORNER BAKERY,-4.50\n2025-06-11,PAYROLL ACME,2500.00\n');
    const accountId = await session.execute(
      `return [...document.querySelectorAll('[data-testid=import-account] option')].find((o) => o.textContent === 'Credit union')?.value ?? null`,
    );
    assert.ok(accountId, 'the new account is offered for the import');
    await setField('import-account', accountId);
    await session.click(await session.findElement('[data-testid=import-form] button[type=submit]'));
    await importShows('import-preview', /2 new would be added/);
    await session.click(await session.findElement('[data-testid=import-confirm]'));
    await importShows('import-done', /2 new were added/);
    // Its cells after the name: kind, status, transactions, balance (a CSV file states none),
    // and, an account of the user's own, the action that removes it.
    const cells = await session.execute(
      `const row = [...document.querySelectorAll('[data-testid=account-row]')].find((r) => r.textContent.includes('Credit union'));
       return row ? [...row.querySelectorAll('td')].map((td) => td.textContent) : [];`,
    );
    assert.deepEqual(cells, ['Checking', 'OK', '2', '—', 'Remove…'], `the account row: ${JSON.stringify(cells)}`);
    await screenshot(session, 'import.png');

    // A file read wrong (01/03 is January 3rd to detection, March 1st to this bank) is mapped
    // by hand: the columns, the mapping and the preview all go through the real shell.
    await pickFile('movimientos.csv', 'Fecha,Concepto,Importe\n01/03/2025,CAFE,-4.50\n02/03/2025,NOMINA,2500.00\n');
    await session.click(await session.findElement('[data-testid=import-form] button[type=submit]'));
    await importShows('import-preview', /2025-01-03CAFE/);
    await session.click(await session.findElement('[data-testid=map-columns]'));
    await waitFor(async () => (await session.findElements('[data-testid=map-date-format]')).length === 1, {
      timeoutMs: 10_000,
      describe: () => describeWindow(session),
    });
    await setField('map-date-format', '%d/%m/%Y');
    await session.click(await session.findElement('[data-testid=map-apply]'));
    await importShows('import-preview', /2025-03-01CAFE/);

    // The OFX directory answers through the real shell (no network needed to search it).
    await setField('ofx-search', 'becu');
    await waitFor(async () => /\bbecu\b/.test((await textOf(session, 'ofx-banks')) ?? ''), {
      timeoutMs: 10_000,
      describe: async () => `${(await textOf(session, 'ofx-form')) ?? ''}\n${await describeWindow(session)}`,
    });
    await session.click(await session.findElement('[data-testid=nav-overview]'));
    await waitFor(async () => (await textOf(session, 'overview-summary')) !== undefined, { timeoutMs: 10_000 });
  });

  test('the real shell refuses a login aimed at a bank outside the directory or at plain http', async () => {
    // The page (or script injected into it) calls the commands itself, bypassing the forms:
    // only the shell's own checks stand between it and the user's password.
    // The answer comes back as JSON text: WebKit's driver reads an object with an `error` key
    // as a failed script.
    const invoke = async (command, args) =>
      JSON.parse(
        await session.executeAsync(
          `const done = arguments[arguments.length - 1];
           window.__TAURI_INTERNALS__.invoke(arguments[0], arguments[1]).then(
             (value) => done(JSON.stringify({ ok: true, value })),
             (error) => done(JSON.stringify({ ok: false, error })),
           );`,
          [command, args],
        ),
      );
    const named = await invoke('connect_ofx', { bank: 'https://attacker.example/ofx', user: 'u', password: 'secret' });
    assert.equal(named.ok, false, `connect_ofx accepted an address as a bank's name: ${JSON.stringify(named)}`);
    assert.equal(named.error?.kind, 'NotFound', JSON.stringify(named));
    assert.match(named.error?.message ?? '', /My bank is not listed/);

    const plain = await invoke('connect_ofx_custom', {
      url: 'http://attacker.example/ofx',
      org: 'X',
      fid: '1',
      version: 220,
      user: 'u',
      password: 'secret',
    });
    assert.equal(plain.ok, false, `connect_ofx_custom accepted a plain-http address: ${JSON.stringify(plain)}`);
    assert.equal(plain.error?.kind, 'Invalid', JSON.stringify(plain));
    assert.match(plain.error?.message ?? '', /https:\/\//);

    const withLogin = await invoke('connect_ofx_custom', {
      url: 'https://user:pass@bank.example/ofx',
      org: 'X',
      fid: '1',
      version: 220,
      user: 'u',
      password: 'secret',
    });
    assert.equal(withLogin.ok, false, JSON.stringify(withLogin));
    assert.equal(withLogin.error?.kind, 'Invalid', JSON.stringify(withLogin));
    // No native dialog was opened by a refusal: the window still answers.
    assert.ok((await textOf(session, 'vault-state')) !== undefined, await describeWindow(session));
  });

  test('a first day with Mint: a category from now on, the learned rule, spending, an over budget, its notification clicked, its alert (screenshots of every screen, light and dark)', async () => {
    // Every step goes through the real shell and engine: the window's capability must allow each
    // command, and the figures are the vault's.
    const until = (probe, what) =>
      waitFor(probe, { timeoutMs: 15_000, describe: async () => `${what}\n${await describeWindow(session)}` });
    // React keeps a control's value itself: set it through the prototype, then tell React.
    const choose = (selector, value) =>
      session.execute(
        `const el = document.querySelector(arguments[0]);
         Object.getOwnPropertyDescriptor(Object.getPrototypeOf(el), 'value').set.call(el, arguments[1]);
         el.dispatchEvent(new Event(el.tagName === 'SELECT' ? 'change' : 'input', { bubbles: true }));`,
        [selector, value],
      );

    await session.click(await session.findElement('[data-testid=nav-transactions]'));
    await until(async () => (await session.findElements('[data-testid=category-button]')).length > 0, 'no category on the rows');
    const id = await session.execute("return document.querySelector('[data-testid=transaction-row]').dataset.id");
    await session.click(await session.findElement(`[data-id="${id}"] [data-testid=category-why]`));
    await until(async () => ((await textOf(session, 'category-reason')) ?? '').length > 0, 'no reason for the category');
    await session.click(await session.findElement(`[data-id="${id}"] [data-testid=category-button]`));
    await until(async () => (await session.findElements('[data-testid=category-select]')).length === 1, 'no category editor');
    await choose('[data-testid=category-select]', 'FOOD_COFFEE');
    await session.click(await session.findElement('[data-testid=category-from-now-on]'));
    await screenshot(session, 'category.png');
    await session.click(await session.findElement('[data-testid=category-save]'));
    await until(async () => /from now on/.test((await textOf(session, 'category-status')) ?? ''), 'the category was not saved');
    assert.equal((await textOf(session, 'category-status'))?.includes('Filed under Coffee Shops'), true);
    assert.equal(await session.text(await session.findElement(`[data-id="${id}"] [data-testid=category-button]`)), 'Coffee Shops');

    await session.click(await session.findElement('[data-testid=nav-rules]'));
    await until(async () => (await session.findElements('[data-testid=rule-learned]')).length === 1, 'no learned rule');
    const apply = (await session.findElements('[data-testid^=rule-apply-]'))[0];
    await session.click(apply);
    await until(async () => (await session.findElements('[data-testid=rule-preview]')).length === 1, 'no preview of the rule');
    await screenshot(session, 'rules.png');

    await session.click(await session.findElement('[data-testid=nav-spending]'));
    await until(async () => (await session.findElements('[data-testid=spending-row-FOOD]')).length === 1, 'no Food & Dining on Spending');
    await until(async () => /\d/.test((await textOf(session, 'spending-total')) ?? ''), 'no total spent');
    await screenshot(session, 'spending.png');

    // A budget far below this month's food spending: over, red, and an alert.
    await session.click(await session.findElement('[data-testid=nav-budgets]'));
    await until(async () => (await session.findElements('[data-testid=budget-edit-FOOD]')).length === 1, 'no food budget');
    await session.click(await session.findElement('[data-testid=budget-edit-FOOD]'));
    await choose('[data-testid=budget-input-FOOD]', '1');
    await session.click(await session.findElement('[data-testid=budget-save-FOOD]'));
    await until(
      async () => (await session.findElements('[data-testid=budget-bar-FOOD][data-tone=over]')).length === 1,
      'the food budget is not shown over',
    );
    await screenshot(session, 'budgets.png');

    // The alert also went to the desktop, through the notification server on the session bus,
    // clickable, and with no amount in it (the desktop keeps it outside the vault).
    let shown;
    await until(async () => {
      shown = (await notes.shown()).find((n) => /^Food & Dining/.test(n.summary));
      return shown !== undefined;
    }, 'no desktop notification for the food budget');
    assert.equal(shown.app, 'Spearmint');
    assert.ok(shown.actions.includes('default'), `the notification cannot be clicked: ${JSON.stringify(shown)}`);
    assert.ok(!/\d\.\d\d/.test(shown.body), `the notification shows an amount: ${shown.body}`);
    // Clicking it opens the window at that budget, from another screen.
    await session.click(await session.findElement('[data-testid=nav-spending]'));
    await notes.click(shown.id);
    await until(
      async () => /^#\/budgets\?month=\d{4}-\d{2}&category=FOOD$/.test(await session.execute('return window.location.hash')),
      'clicking the notification did not open its budget',
    );
    await until(
      async () => (await session.findElements('[data-testid=budget-row-FOOD][aria-current=true]')).length === 1,
      'the budget the notification is about is not the one shown',
    );

    await session.click(await session.findElement('[data-testid=nav-alerts]'));
    await until(async () => /unread/.test((await textOf(session, 'alerts-unread')) ?? ''), 'no unread alert');
    const alerts = await textOf(session, 'alerts-list');
    assert.match(alerts ?? '', /Food & Dining/, `the alert does not name its budget: ${alerts}`);
    await screenshot(session, 'alerts.png');
    await session.click(await session.findElement('[data-testid=alerts-read-all]'));
    await until(async () => (await textOf(session, 'alerts-unread')) === 'All read.', 'the alerts were not marked read');
    assert.equal((await session.findElements('[data-testid=error-banner]')).length, 0, await describeWindow(session));

    // A CSV export, where the user says in the system's save dialog (the page never names a
    // path): every transaction, with the category just chosen.
    const exported = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'spearmint-export-')), 'my-transactions.csv');
    await session.click(await session.findElement('[data-testid=nav-settings]'));
    await session.click(await session.findElement('[data-testid=export-transactions]'));
    await answerSaveDialog('Export transactions as CSV', exported);
    await until(async () => /^Exported /.test((await textOf(session, 'export-status')) ?? ''), 'the export did not finish');
    const status = (await textOf(session, 'export-status')) ?? '';
    assert.ok(status.includes(exported), `the status does not name the file: ${status}`);
    const lines = (await fs.readFile(exported, 'utf8')).split('\r\n').filter(Boolean);
    const [header, ...records] = lines;
    assert.match(header, /^Date,Description,Amount,Currency,Account,Memo,Pending,Transaction ID,Category$/);
    const count = Number(/^Exported ([\d,]+) transactions/.exec(status)?.[1].replaceAll(',', ''));
    assert.equal(records.length, count, `the file holds ${records.length} rows, the status says ${status}`);
    assert.ok(count > 0, status);
    assert.ok(records.some((r) => r.endsWith(',Coffee Shops')), 'the recategorized transaction is not in the export as Coffee Shops');

    // Every screen, light and dark (the theme chosen in Settings), as test artifacts.
    const everyScreen = async (suffix) => {
      for (const screen of SCREENS) {
        await session.click(await session.findElement(`[data-testid=nav-${screen}]`));
        await until(async () => (await session.execute('return window.location.hash')).startsWith(`#/${screen}`), `no ${screen}`);
        await screenshot(session, `${screen}${suffix}.png`);
      }
    };
    await everyScreen('');
    await session.click(await session.findElement('[data-testid=nav-settings]'));
    await session.click(await session.findElement('[data-testid=theme-dark]'));
    await until(async () => (await session.execute('return document.documentElement.dataset.theme')) === 'dark', 'no dark theme');
    await everyScreen('-dark');
    await session.click(await session.findElement('[data-testid=nav-settings]'));
    await session.click(await session.findElement('[data-testid=theme-system]'));
    await session.click(await session.findElement('[data-testid=nav-overview]'));
  });

  test('starts at login through the autostart plugin, and no longer when turned off', async () => {
    const entry = path.join(os.homedir(), '.config', 'autostart', 'Spearmint.desktop');
    await session.click(await session.findElement('[data-testid=nav-settings]'));
    const box = async () => session.findElement('[data-testid=start-at-login]');
    const checked = async () => session.execute("return document.querySelector('[data-testid=start-at-login]')?.checked ?? null");
    await waitFor(async () => (await checked()) !== null && !(await session.execute("return document.querySelector('[data-testid=start-at-login]').disabled")), {
      timeoutMs: 10_000,
      describe: () => describeWindow(session),
    });
    const before = await checked();
    assert.equal(before, await fs.access(entry).then(() => true, () => false), 'the box says what is on disk');
    try {
      if (before) await session.click(await box());
      await waitFor(async () => (await checked()) === false, { timeoutMs: 10_000, describe: () => describeWindow(session) });
      await session.click(await box());
      await waitFor(async () => (await checked()) === true, { timeoutMs: 10_000, describe: () => describeWindow(session) });
      const text = await fs.readFile(entry, 'utf8');
      assert.match(text, /^\[Desktop Entry\]/, text);
      assert.ok(text.split('\n').some((line) => line.startsWith('Exec=') && line.includes(path.basename(app))), text);
      await session.click(await box());
      await waitFor(async () => (await checked()) === false, { timeoutMs: 10_000, describe: () => describeWindow(session) });
      assert.equal(await fs.access(entry).then(() => true, () => false), false, `${entry} is still there`);
    } finally {
      // As it was before the test.
      if (before && (await checked()) === false) await session.click(await box());
    }
    await session.click(await session.findElement('[data-testid=nav-overview]'));
  });

  test('sets up sync with the real spearmint-server from Settings, shows the phrase once, syncs, and shows it on the Overview', async () => {
    // The server the workspace's build made (SPEARMINT_SERVER), on a port of its own, sign-up on.
    const serverBin = requiredEnv('SPEARMINT_SERVER');
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'spearmint-sync-'));
    const log = await fs.open(path.join(dir, 'server.log'), 'w');
    const server = spawn(serverBin, ['--database', `sqlite://${dir}/server.db`, '--listen', '127.0.0.1:0', '--allow-sign-up'], {
      stdio: ['ignore', 'pipe', log.fd],
    });
    try {
      const url = await new Promise((resolve, reject) => {
        server.once('error', reject);
        server.once('exit', (code) => reject(new Error(`spearmint-server exited with ${code}: is it built beside the app?`)));
        server.stdout.on('data', (chunk) => {
          const found = /listening on (http:\/\/\S+)/.exec(chunk.toString());
          if (found) resolve(found[1]);
        });
      });
      const setField = (testId, value) =>
        session.execute(
          `const el = document.querySelector('[data-testid=' + arguments[0] + ']');
           Object.getOwnPropertyDescriptor(Object.getPrototypeOf(el), 'value').set.call(el, arguments[1]);
           el.dispatchEvent(new Event('input', { bubbles: true }));`,
          [testId, value],
        );
      const until = (check, what) =>
        waitFor(check, { timeoutMs: 30_000, describe: async () => `${what}\n${await describeWindow(session)}` });
      await session.click(await session.findElement('[data-testid=nav-settings]'));
      await until(async () => (await session.findElements('[data-testid=sync-setup-form]')).length === 1, 'no set-up form');
      await setField('sync-setup-server', url);
      await setField('sync-setup-user', 'ana');
      await setField('sync-setup-password', 'correct horse battery');
      await session.click(await session.findElement('[data-testid=sync-setup-submit]'));
      await until(async () => (await session.findElements('[data-testid=sync-phrase] li')).length === 24, 'no recovery phrase');
      const firstPhrase = await session.execute(
        "return [...document.querySelectorAll('[data-testid=sync-phrase] li')].map((li) => li.textContent).join(' ')",
      );
      await screenshot(session, 'sync-phrase.png');
      await session.click(await session.findElement('[data-testid=sync-phrase-done]'));
      await until(async () => (await textOf(session, 'sync-server'))?.includes(url), 'not shown as set up');
      assert.equal((await session.findElements('[data-testid=sync-phrase]')).length, 0, 'the phrase is shown once');
      assert.equal((await session.findElements('[data-testid=error-banner]')).length, 0, await describeWindow(session));
      // The budget reached the server: this device uploaded its records.
      const uploads = async () =>
        (await fs.readFile(path.join(dir, 'server.log'), 'utf8'))
          .split('\n')
          .filter((line) => line.includes('/records') && line.includes('"status":200')).length;
      assert.ok((await uploads()) >= 1, 'the set-up sent nothing to the server');
      await until(async () => (await session.findElements('[data-testid=sync-device]')).length === 1, 'no device listed');

      const downloads = async () =>
        (await fs.readFile(path.join(dir, 'server.log'), 'utf8')).split('\n').filter((line) => line.includes('/download')).length;
      const before = await downloads();
      await session.click(await session.findElement('[data-testid=sync-now]'));
      // The sync reached the server, and the card says it is over.
      await until(async () => (await downloads()) > before, 'the sync never reached the server');
      await until(
        async () => (await textOf(session, 'sync-now'))?.trim() === 'Sync now' && ((await textOf(session, 'sync-now-status')) ?? '').trim() === '',
        'the sync never ended',
      );
      assert.equal((await session.findElements('[data-testid=error-banner]')).length, 0, await describeWindow(session));
      assert.match((await textOf(session, 'sync-pending')) ?? '', /^Nothing/, await describeWindow(session));
      // The crowd is off until the user turns it on, through the shell's own command.
      const crowd = () => session.execute("return document.querySelector('[data-testid=sync-crowd]')?.checked ?? null");
      assert.equal(await crowd(), false);
      await session.click(await session.findElement('[data-testid=sync-crowd]'));
      await until(async () => (await crowd()) === true, 'sharing with the crowd did not turn on');
      await screenshot(session, 'sync.png');

      // A new recovery phrase, through the engine and the real server: asked for, then shown once.
      await session.click(await session.findElement('[data-testid=sync-change-phrase]'));
      await session.click(await session.findElement('[data-testid=sync-change-phrase-confirm]'));
      await until(async () => (await session.findElements('[data-testid=sync-new-phrase-words] li')).length === 24, 'no new recovery phrase');
      const newPhrase = await session.execute(
        "return [...document.querySelectorAll('[data-testid=sync-new-phrase-words] li')].map((li) => li.textContent).join(' ')",
      );
      assert.notEqual(newPhrase, firstPhrase);
      await session.click(await session.findElement('[data-testid=sync-new-phrase-done]'));
      await until(async () => (await session.findElements('[data-testid=sync-new-phrase]')).length === 0, 'the new phrase stays shown');

      await session.click(await session.findElement('[data-testid=nav-overview]'));
      await until(async () => /^Synced/.test((await textOf(session, 'overview-sync')) ?? ''), 'no sync health on the Overview');

      // Stops syncing, so the vault is as the other tests expect; the data stays.
      await session.click(await session.findElement('[data-testid=nav-settings]'));
      await until(async () => (await session.findElements('[data-testid=sync-leave]')).length === 1, 'no way to stop syncing');
      await session.click(await session.findElement('[data-testid=sync-leave]'));
      await session.click(await session.findElement('[data-testid=sync-leave-confirm]'));
      await until(async () => (await session.findElements('[data-testid=sync-setup-form]')).length === 1, 'still syncing');
      await session.click(await session.findElement('[data-testid=nav-overview]'));
    } finally {
      server.kill();
      await log.close();
    }
  });

  test('wrote the vault encrypted on disk (no plaintext SQLite header)', async () => {
    const vault = path.join(dataDir, 'profiles', 'default', 'vault.db');
    const handle = await fs.open(vault).catch((error) => {
      throw new Error(`no vault at ${vault} after the window opened one: ${error.message}`);
    });
    try {
      const { buffer, bytesRead } = await handle.read(Buffer.alloc(16), 0, 16, 0);
      assert.equal(bytesRead, 16, `${vault} is only ${bytesRead} bytes long`);
      assert.ok(!buffer.equals(SQLITE_HEADER), `${vault} starts with the plaintext SQLite header: it is not encrypted`);
    } finally {
      await handle.close();
    }
    await session.click(await session.findElement('[data-testid=nav-settings]'));
    await waitFor(async () => (await textOf(session, 'vault-path')) !== undefined, { timeoutMs: 10_000, describe: () => describeWindow(session) });
    assert.equal((await textOf(session, 'vault-path'))?.trim(), vault, 'the window shows another vault than the one on disk');
  });
});
