// A stand-in for the Rust shell that follows docs/ipc-contract.md: the same
// commands, the same VaultStatus, errors rejected as { kind, message }. `handle`
// has one case per command of src-tauri/src/commands/list.rs and no other
// (xtask/src/ipc.rs checks it).
// The unit tests (jsdom) and the Chromium tests both drive the UI through it
// with `mockIPC`, so both exercise one and the same behaviour of the shell.
//
// Besides the vault it holds the demo bank: three accounts and a synthetic,
// deterministic set of transactions (as many as a test asks for), listed and
// paged exactly like the engine's query: ORDER BY postedOn DESC, id DESC,
// `(postedOn, id) < before`, LIMIT. refresh_all streams Progress through the
// real Tauri Channel the UI passes, the way the shell does. disconnect and
// remove_account unlink the bank or remove an account as the engine does: the
// bank's accounts stay as the user's own (provider "manual") or go with every
// transaction. The sync commands talk to a fake sync server (see "The sync server" below):
// one account another device already set up, and any new user name signs up.
import type { AccountKind } from "../src/bindings/AccountKind";
import type { AccountSummary } from "../src/bindings/AccountSummary";
import type { ImportProgress } from "../src/bindings/ImportProgress";
import type { ColumnMapping } from "../src/bindings/ColumnMapping";
import type { CsvColumns } from "../src/bindings/CsvColumns";
import type { ImportReport } from "../src/bindings/ImportReport";
import type { OfxBank } from "../src/bindings/OfxBank";
import type { ApplySummary } from "../src/bindings/ApplySummary";
import type { Connection } from "../src/bindings/Connection";
import type { DailyRefresh } from "../src/bindings/DailyRefresh";
import type { ConnectionStatus } from "../src/bindings/ConnectionStatus";
import type { IpcError } from "../src/bindings/IpcError";
import type { KeySource } from "../src/bindings/KeySource";
import type { Progress } from "../src/bindings/Progress";
import type { RefreshReport } from "../src/bindings/RefreshReport";
import type { SyncDeviceView } from "../src/bindings/SyncDeviceView";
import type { SyncState } from "../src/bindings/SyncState";
import type { Removed } from "../src/bindings/Removed";
import type { Transaction } from "../src/bindings/Transaction";
import type { TransactionQuery } from "../src/bindings/TransactionQuery";
import type { VaultStatus } from "../src/bindings/VaultStatus";
import { createFakeMoney, toMinor, topOf } from "./fake-money";

export type FakeVaultOptions = {
  /** What exists when the app starts. Default: no vault. */
  vault?: "none" | "keychain" | "passphrase";
  /** Whether an OS keychain answers. Default: true. */
  keychain?: boolean;
  /** The passphrase of an existing passphrase vault. Default: "correct horse". */
  passphrase?: string;
  /** Whether the vault file is encrypted. Default: true. */
  encrypted?: boolean;
  /** The vault's schema is newer than this app knows. Default: false. */
  tooNew?: boolean;
  /** The demo bank is already linked and refreshed when the app starts. Default: false (a first run). */
  linked?: boolean;
  /** How many transactions the demo bank's first refresh brings. Default: 242. */
  demoTransactions?: number;
  /** Every refresh of the demo bank fails with this error. */
  refreshError?: IpcError;
  /** refresh_all stops after its "saving" step until `release()` is called. */
  holdRefresh?: boolean;
  /**
   * Commands the shell is slow to answer, as a big vault on a slow disk is: each call waits until
   * `answer()` is called, then answers from the vault as it is then. Later calls answer at once.
   */
  hold?: string[];
  /** Commands that fail with the given error, as a full disk or a damaged vault makes them. */
  fail?: Record<string, IpcError>;
  /** Turning "start at login" on or off fails (a read-only home folder). Default: false. */
  autostartFails?: boolean;
  /** The user cancels the save dialog of export_csv. Default: false. */
  cancelExport?: boolean;
  /**
   * This budget already syncs when the app starts: it joined FAKE_SYNC_USER's account on
   * FAKE_SYNC_SERVER, last synced at FAKE_LAST_SYNC, with two changes not sent yet. Default: false.
   */
  syncSetUp?: boolean;
  /** Every sync_now fails with this error, which the state then keeps as `lastError`. */
  syncError?: IpcError;
};

export const FAKE_PROFILE = "default";
export const FAKE_PATH = "/home/ada/.local/share/spearmint/default/vault.db";
export const FAKE_KEYCHAIN_LOCATION = "Secret Service: spearmint/default";
export const LATEST_SCHEMA = 3;
export const DEMO_CONNECTION = "Demo Bank";
/** The demo's newest posting date: fixed, so screenshots and tests do not depend on the day. */
export const DEMO_TODAY = "2025-06-13";

function reject(kind: IpcError["kind"], message: string): never {
  // A plain object like the shell's serialised IpcError, not an Error.
  throw { kind, message } satisfies IpcError;
}

export type FakeVault = {
  handle(command: string, args: unknown): unknown;
  /** Commands received, in order, for assertions. */
  readonly calls: string[];
  /** The query of every list_transactions call, in order. */
  readonly queries: TransactionQuery[];
  /** Lets a held refresh_all go on (see `holdRefresh`). */
  release(): void;
  /** Answers the calls of the held commands, and every later one at once (see `hold`). */
  answer(): void;
  /** Every transaction the fake holds, newest first. */
  transactions(): readonly Transaction[];
  /** How many times the vault was re-encrypted with a fresh keychain key. */
  rekeys(): number;
};

export function createFakeVault(options: FakeVaultOptions = {}): FakeVault {
  const keychain = options.keychain ?? true;
  const encrypted = options.encrypted ?? true;
  let keySource: KeySource | null = options.vault === undefined || options.vault === "none" ? null : options.vault;
  let secret: string | null = keySource === "passphrase" ? (options.passphrase ?? "correct horse") : null;
  let unlocked = false;
  let startAtLogin = false;
  /** How many times the vault got a fresh key (rekey). */
  let rekeys = 0;
  const calls: string[] = [];
  const queries: TransactionQuery[] = [];
  const bank = createDemoBank(options.demoTransactions ?? 242);
  const sync = createFakeSync(options);
  if (options.linked) {
    bank.link();
    bank.refresh();
  }
  const money = createFakeMoney(() => bank.rows, DEMO_TODAY);
  let released = !options.holdRefresh;
  const held = new Set(options.hold ?? []);
  /** The held calls, each waiting for `answer()`. */
  const waiting: Array<() => void> = [];
  let dailyAt = "06:00";
  let wakeRefresh: (() => void) | null = null;

  function status(): VaultStatus {
    return {
      profile: FAKE_PROFILE,
      path: FAKE_PATH,
      state: keySource === null ? "missing" : unlocked ? "unlocked" : "locked",
      encrypted: keySource !== null && encrypted,
      keySource,
      keyLocation:
        keySource === "keychain" ? FAKE_KEYCHAIN_LOCATION : keySource === "passphrase" ? "only in your memory" : null,
      schemaVersion: unlocked ? LATEST_SCHEMA : null,
      latestSchemaVersion: LATEST_SCHEMA,
      counts: unlocked
        ? [
            { table: "accounts", rows: bank.accounts().length },
            { table: "transactions", rows: bank.rows.length },
            { table: "categories", rows: 12 },
            { table: "rules", rows: 0 },
          ]
        : [],
    };
  }

  function requireKeychain(): void {
    if (!keychain) {
      reject(
        "KeychainUnavailable",
        "no keychain is reachable: start and unlock your keychain, or protect the vault with a passphrase instead",
      );
    }
  }

  function requireUnlocked(): void {
    if (!unlocked) reject("VaultLocked", "the vault is locked: unlock it first");
  }

  function unlockWith(passphrase: string | null): void {
    if (options.tooNew) {
      reject("VaultTooNew", `the vault uses schema version ${LATEST_SCHEMA + 1}, newer than this Spearmint knows (${LATEST_SCHEMA}): update Spearmint`);
    }
    if (keySource === "keychain") {
      requireKeychain();
    } else if (passphrase === null) {
      reject("Invalid", "this vault is protected by a passphrase: enter it to unlock");
    } else if (passphrase !== secret) {
      reject("WrongKey", "the passphrase does not open this vault: check it and try again");
    }
    unlocked = true;
  }

  function create(passphrase: string | null): void {
    if (keySource !== null) reject("AlreadyExists", `a vault already exists at ${FAKE_PATH}: unlock it instead`);
    if (passphrase === null) {
      requireKeychain();
    } else if ([...passphrase].length < 8) {
      reject("Invalid", "the passphrase is too short: use at least 8 characters");
    }
    keySource = passphrase === null ? "keychain" : "passphrase";
    secret = passphrase;
    unlocked = true;
  }

  /** The arguments of disconnect and remove_account; Tauri rejects a missing one with a bare string. */
  function removalArgs(args: unknown, command: string, key: "connection" | "account"): { id: string; keep: boolean } {
    const given = (args ?? {}) as Record<string, unknown>;
    const id = given[key];
    if (typeof id !== "string") {
      throw `invalid args \`${key}\` for command \`${command}\`: command ${command} missing required key ${key}`;
    }
    const keep = given.keepTransactions;
    if (typeof keep !== "boolean") {
      throw `invalid args \`keepTransactions\` for command \`${command}\`: command ${command} missing required key keepTransactions`;
    }
    return { id, keep };
  }

  function passphraseArg(args: unknown): string | null {
    const value = (args as { passphrase?: unknown } | undefined)?.passphrase;
    if (value === null || typeof value === "string") return value;
    return reject("Invalid", "invalid args `passphrase` for command: expected a string or null");
  }

  function queryArg(args: unknown): TransactionQuery {
    const query = (args as { query?: unknown } | undefined)?.query;
    // Tauri rejects a missing argument with a bare string.
    if (typeof query !== "object" || query === null) {
      throw "invalid args `query` for command `list_transactions`: command list_transactions missing required key query";
    }
    return query as TransactionQuery;
  }

  /**
   * As the engine imports a CSV file: through the user's column mapping, else (detection) a
   * file headed `Date,Description,Amount` with signed amounts. It needs an account, reports
   * progress on the channel, previews with `dryRun`, and a second import adds nothing.
   */
  async function importFile(args: unknown): Promise<ImportReport> {
    requireUnlocked();
    const { fileName, content, account, mapping, dryRun, onProgress } = args as {
      fileName: string;
      content: string;
      account: string | null;
      mapping: ColumnMapping | null;
      dryRun: boolean;
      onProgress: unknown;
    };
    const channel = channelArg<ImportProgress>(onProgress);
    const fail = (kind: IpcError["kind"], message: string): never => {
      channel.end();
      reject(kind, message);
    };
    const text = fileText(content);
    channel.send({ phase: "reading", done: 0, total: text.length });
    await tick();
    const lines = text.split(/\r?\n/).filter((l) => l.trim() !== "");
    if (!/\.csv$/i.test(fileName)) fail("Invalid", `${fileName}: the fake reads only CSV files`);
    if (account === null) fail("Invalid", "this file does not say which account it belongs to: choose the account");
    if (!bank.hasAccount(account!)) fail("NotFound", `there is no account ${account}`);
    const used: ColumnMapping =
      mapping ??
      (lines[0] === "Date,Description,Amount"
        ? {
            delimiter: ",",
            hasHeader: true,
            skipRows: 0,
            dateColumn: 0,
            dateFormat: "%Y-%m-%d",
            amount: { kind: "signed", column: 2, negate: false },
            payeeColumn: 1,
            memoColumn: null,
            idColumn: null,
            decimalComma: false,
            currency: "USD",
          }
        : fail("Invalid", `${fileName}: no column of amounts was found: map the columns by hand in the import preview`));
    const incoming = lines.slice(used.hasHeader ? 1 : 0).map((line, i) => {
      const cells = line.split(used.delimiter);
      const at = `${fileName}: line ${i + (used.hasHeader ? 2 : 1)}`;
      const postedOn = readDate(cells[used.dateColumn] ?? "", used.dateFormat) ?? fail("Invalid", `${at}: \`${cells[used.dateColumn]}\` is not a date in the format ${used.dateFormat}`);
      const money = (column: number) => readCents(cells[column] ?? "", used.decimalComma);
      let cents: number | null;
      if (used.amount.kind === "signed") {
        const { column, negate } = used.amount;
        const value = money(column) ?? fail("Invalid", `${at}, column ${column + 1}: \`${cells[column]}\` is not an amount of money`);
        cents = negate ? -value : value;
      } else {
        const out = money(used.amount.debit);
        const into = money(used.amount.credit);
        cents = out !== null ? -Math.abs(out) : into;
      }
      if (cents === null) fail("Invalid", `${at}: no amount of money in the mapped columns`);
      return { postedOn, payee: cells[used.payeeColumn] ?? "", cents: cents! };
    });
    const { added, unchanged } = bank.importRows(account!, incoming, dryRun);
    channel.send({ phase: "storing", done: added, total: added });
    channel.send({ phase: "done", done: added, total: added });
    channel.end();
    return {
      format: "csv",
      dryRun,
      transactions: incoming.length,
      summary: { accounts: 1, added, updated: 0, posted: 0, removed: 0, unchanged },
      mapping: null,
      columns: used,
      preview: incoming.slice(0, 20).map((t) => ({
        postedOn: t.postedOn,
        payee: t.payee,
        amount: { amount: amountString(t.cents), currency: "USD" },
        pending: false,
      })),
      warnings: [],
    };
  }

  /** As the engine lays out a CSV file's columns: a header when the first row holds no date. */
  function csvColumns(args: unknown): CsvColumns {
    const text = fileText((args as { content: string }).content);
    const lines = text.split(/\r?\n/).filter((l) => l.trim() !== "");
    const delimiter = (lines[0] ?? "").includes(";") ? ";" : ",";
    const rows = lines.map((l) => l.split(delimiter));
    const width = Math.max(...rows.map((r) => r.length));
    const isDate = (cell: string) => FAKE_DATE_FORMATS.some((f) => readDate(cell, f) !== null);
    const hasHeader = rows.length > 1 && !(rows[0] ?? []).some(isDate);
    const body = hasHeader ? rows.slice(1) : rows;
    const columns = hasHeader ? rows[0]! : Array.from({ length: width }, (_, i) => `Column ${i + 1}`);
    const dateFormats = columns.map((_, i) =>
      FAKE_DATE_FORMATS.filter((f) => body.length > 0 && body.every((r) => readDate(r[i] ?? "", f) !== null)),
    );
    return { delimiter, hasHeader, columns, rows: body.slice(0, 10), dateFormats };
  }

  async function refreshAll(args: unknown): Promise<RefreshReport> {
    requireUnlocked();
    const channel = channelArg((args as { onProgress?: unknown } | undefined)?.onProgress);
    const connections = bank.connections();
    const total = connections.length;
    const outcomes: RefreshReport["outcomes"] = [];
    // As the engine counts them: the accounts known so far, which the first refresh finds.
    const accounts = () => ({ accountsDone: 0, accountsTotal: bank.accounts().length });
    for (const c of connections) {
      const done = outcomes.length;
      channel.send({ connection: c.label, phase: "fetching", done, total, ...accounts(), fetched: 0 } satisfies Progress);
      await tick();
      if (options.refreshError) {
        bank.fail(options.refreshError);
        outcomes.push({ connection: c.label, provider: c.provider, summary: null, error: options.refreshError, warnings: [] });
        const a = accounts();
        channel.send({
          connection: c.label,
          phase: "failed",
          done: done + 1,
          total,
          accountsDone: a.accountsTotal,
          accountsTotal: a.accountsTotal,
          fetched: 0,
        } satisfies Progress);
        continue;
      }
      channel.send({
        connection: c.label,
        phase: "saving",
        done,
        total,
        accountsDone: 0,
        accountsTotal: DEMO_ACCOUNTS.length,
        fetched: bank.incoming(),
      } satisfies Progress);
      if (!released) await new Promise<void>((wake) => (wakeRefresh = wake));
      await tick();
      const summary = bank.refresh();
      money.afterWrite();
      outcomes.push({ connection: c.label, provider: c.provider, summary, error: null, warnings: [] });
      const fetched = summary.added + summary.updated + summary.posted + summary.unchanged;
      channel.send({
        connection: c.label,
        phase: "done",
        done: done + 1,
        total,
        accountsDone: DEMO_ACCOUNTS.length,
        accountsTotal: DEMO_ACCOUNTS.length,
        fetched,
      } satisfies Progress);
    }
    channel.end();
    return { outcomes };
  }

  return {
    calls,
    queries,
    release() {
      released = true;
      wakeRefresh?.();
      wakeRefresh = null;
    },
    answer() {
      held.clear();
      for (const wake of waiting.splice(0)) wake();
    },
    transactions: () => bank.rows,
    rekeys: () => rekeys,
    handle(command, args) {
      calls.push(command);
      const respond = (): unknown => {
        const failure = options.fail?.[command];
        if (failure !== undefined) reject(failure.kind, failure.message);
        switch (command) {
          case "vault_status":
            return status();
          case "open_vault":
            if (keySource === null) create(null);
            else if (keySource === "keychain" && !unlocked) unlockWith(null);
            else if (options.tooNew) unlockWith(null);
            return status();
          case "create_vault":
            create(passphraseArg(args));
            return status();
          case "unlock_vault":
            if (keySource === null) reject("NotFound", "there is no vault yet: create one first");
            unlockWith(passphraseArg(args));
            return status();
          case "lock_vault":
            unlocked = false;
            return status();
          case "set_passphrase": {
            requireUnlocked();
            const passphrase = passphraseArg(args);
            if (passphrase === null || [...passphrase].length < 8) {
              reject("Invalid", "the passphrase is too short: use at least 8 characters");
            }
            keySource = "passphrase";
            secret = passphrase;
            return status();
          }
          case "rekey":
            requireUnlocked();
            requireKeychain();
            keySource = "keychain";
            secret = null;
            rekeys += 1;
            return status();
          case "list_accounts":
            requireUnlocked();
            return bank.accounts();
          case "list_connections":
            requireUnlocked();
            return bank.connections();
          case "connect_demo":
            requireUnlocked();
            return bank.link();
          case "disconnect": {
            requireUnlocked();
            const { id, keep } = removalArgs(args, "disconnect", "connection");
            return bank.disconnect(id, keep);
          }
          case "remove_account": {
            requireUnlocked();
            const { id, keep } = removalArgs(args, "remove_account", "account");
            return bank.removeAccount(id, keep);
          }
          case "list_transactions": {
            requireUnlocked();
            const query = queryArg(args);
            queries.push(query);
            return bank.list(query);
          }
          case "refresh_all":
            return refreshAll(args);
          case "import_file":
            return importFile(args);
          case "csv_columns":
            return csvColumns(args);
          case "create_account": {
            requireUnlocked();
            const { name, kind, currency } = args as { name: string; kind: AccountKind; currency: string };
            if (name.trim() === "") reject("Invalid", "an account needs a name");
            if (!/^[A-Z]{3}$/.test(currency)) reject("Invalid", `\`${currency}\` is not a currency code such as USD or EUR`);
            return bank.addAccount(name.trim(), kind, currency);
          }
          case "connect_simplefin": {
            requireUnlocked();
            const { setupToken } = args as { setupToken: string };
            // A real token is long base64; the fake's bank never takes one.
            reject("Invalid", `that is not a SimpleFIN setup token: copy the whole token from the SimpleFIN Bridge (${setupToken.length} characters pasted)`);
          }
          case "search_banks": {
            const query = (args as { query: string }).query.trim().toLowerCase();
            return query === "" ? [] : FAKE_BANKS.filter((b) => b.name.includes(query));
          }
          case "connect_ofx": {
            requireUnlocked();
            const { bank, user } = args as { bank: string; user: string; password: string };
            if (!FAKE_BANKS.some((b) => b.name === bank)) {
              reject("NotFound", "that bank is not in Spearmint's directory: search for it again");
            }
            // The fake reaches no bank: every sign-on is refused, as a wrong password is.
            reject(
              "ProviderAuth",
              `${bank} refused the sign-on of ${user} (code 15500): check the user name and password, then connect again`,
            );
          }
          case "connect_ofx_custom": {
            requireUnlocked();
            const { url } = args as { url: string; org: string; fid: string; version: number };
            if (!url.startsWith("https://")) {
              reject("Invalid", "a bank's OFX address starts with https://: check the address your bank gave you");
            }
            // The real shell asks in a native dialog, which no page can answer; the fake declines.
            reject("Invalid", "you did not confirm the bank's address, so nothing was sent: connect again to retry");
          }
          case "list_categories":
          case "set_category":
          case "split_transaction":
          case "unsplit_transaction":
          case "set_payee":
          case "list_rules":
          case "add_rule":
          case "edit_rule":
          case "delete_rule":
          case "apply_rule":
          case "spending":
          case "spending_trend":
          case "top_sellers":
          case "budget":
          case "set_budget":
          case "set_budget_thresholds":
          case "list_notifications":
          case "mark_notifications":
            // Categories, rules, spending, budgets and alerts: tests/fake-money.ts.
            requireUnlocked();
            return money.handle(command, args);
          case "daily_refresh":
            requireUnlocked();
            return dailyRefresh(dailyAt);
          case "set_daily_time": {
            requireUnlocked();
            const at = (args as { at?: unknown } | undefined)?.at;
            if (typeof at !== "string" || !/^([01]\d|2[0-3]):[0-5]\d$/.test(at)) {
              reject("Invalid", `\`${String(at)}\` is not a time of day: use HH:MM, e.g. 06:30`);
            }
            dailyAt = at;
            return dailyRefresh(dailyAt);
          }
          case "start_at_login":
            return startAtLogin;
          case "set_start_at_login": {
            const on = (args as { on?: unknown } | undefined)?.on;
            if (typeof on !== "boolean") throw "invalid args `on` for command `set_start_at_login`: expected a boolean";
            if (options.autostartFails) reject("Storage", "could not change whether Spearmint starts at login: check that your home folder's .config folder can be written to");
            startAtLogin = on;
            return startAtLogin;
          }
          case "export_csv": {
            requireUnlocked();
            // The real shell asks in the system's save dialog, which no page can answer: the fake
            // answers as if the user chose ~/Documents (or cancelled, with `cancelExport`).
            const { what } = args as { what: "transactions" | "spending" | "budgets" };
            if (options.cancelExport) return null;
            const rows = what === "transactions" ? bank.rows.length : what === "spending" ? 12 : 0;
            return { rows, file: `/home/ada/Documents/spearmint-${what}-${DEMO_TODAY}.csv` };
          }
          case "sync_state":
            requireUnlocked();
            return sync.state();
          case "sync_setup": {
            requireUnlocked();
            const { server, user, password } = stringArgs(args, command, ["server", "user", "password"]);
            return sync.setup(server, user, password);
          }
          case "sync_join": {
            requireUnlocked();
            const { server, user, password, phrase } = stringArgs(args, command, ["server", "user", "password", "phrase"]);
            return sync.join(server, user, password, phrase);
          }
          case "sync_now":
            requireUnlocked();
            return sync.now();
          case "sync_devices":
            requireUnlocked();
            return sync.devices();
          case "sync_revoke": {
            requireUnlocked();
            const { device } = stringArgs(args, command, ["device"]);
            return sync.revoke(device);
          }
          case "sync_change_phrase":
            requireUnlocked();
            return sync.changePhrase();
          case "sync_leave":
            requireUnlocked();
            return sync.leave();
          case "set_crowd_sharing": {
            requireUnlocked();
            const on = (args as { on?: unknown } | undefined)?.on;
            if (typeof on !== "boolean") throw "invalid args `on` for command `set_crowd_sharing`: expected a boolean";
            return sync.shareWithCrowd(on);
          }
          default:
            // Tauri rejects an unknown command with a bare string.
            throw `command ${command} not found`;
        }
      };
      if (!held.has(command)) return respond();
      // A slow shell: the call waits, and is answered from the vault as it is once answered.
      return new Promise<void>((wake) => waiting.push(wake)).then(respond);
    },
  };
}

/** String arguments of a command; Tauri rejects a missing one with a bare string. */
function stringArgs<K extends string>(args: unknown, command: string, keys: K[]): Record<K, string> {
  const given = (args ?? {}) as Record<string, unknown>;
  for (const key of keys) {
    if (typeof given[key] !== "string") {
      throw `invalid args \`${key}\` for command \`${command}\`: command ${command} missing required key ${key}`;
    }
  }
  return given as Record<K, string>;
}

// ---- The sync server ----------------------------------------------------

/** The only address the fake sync server answers at. */
export const FAKE_SYNC_SERVER = "https://sync.example.org";
/** The account another device (ada's laptop) set up there, and its recovery phrase. */
export const FAKE_SYNC_USER = "ada";
export const FAKE_SYNC_PASSWORD = "correct horse battery";
export const FAKE_SYNC_PHRASE =
  "agent auto boss cave control deliver dwarf exercise fly goose hundred keep love monitor often picture puzzle ridge service solution sunny tomato upgrade welcome";
/** The phrase sync_setup answers with when it makes a new account. */
export const FAKE_SETUP_PHRASE =
  "absorb arena bid camera clip curious dog enroll fiction gather help interest leopard memory night parent print rely scale skirt stem that tunnel vivid";
/**
 * The phrase the first sync_change_phrase answers with; each later change answers with these
 * words turned one further round, so every change gives a phrase the budget never had.
 */
export const FAKE_CHANGED_PHRASE =
  "anchor basket bright canyon dignity early fabric glimpse harbor isolate jungle kitten lizard marble noble orchard pilot quarter rescue shallow timber unveil venture wisdom";
/** When a budget that starts synced (`syncSetUp`) last synced. */
export const FAKE_LAST_SYNC = `${DEMO_TODAY}T07:45:00Z`;
/** This device's id and name on the server, and the other device of FAKE_SYNC_USER's account. */
export const FAKE_THIS_DEVICE = { id: "dev-desktop", name: "ada-desktop" };
export const FAKE_OTHER_DEVICE = { id: "dev-laptop", name: "ada-laptop" };

type ServerDevice = Omit<SyncDeviceView, "thisDevice">;
type SyncAccount = { password: string; phrase: string; devices: ServerDevice[] };
/** What this budget keeps about its sync, as the vault does. */
type SyncHere = { server: string; user: string; device: string; lastSyncAt: string | null; lastError: string | null; pendingChanges: number };

function nowText(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
}

/**
 * As the shell syncs through a server: an https:// address (plain http only to this machine),
 * a user name and password that sign in (an unknown name signs up, as an open server lets it),
 * and the recovery phrase that opens the budget's key. Only FAKE_SYNC_SERVER answers.
 */
function createFakeSync(options: FakeVaultOptions) {
  const accounts = new Map<string, SyncAccount>([
    [
      FAKE_SYNC_USER,
      {
        password: FAKE_SYNC_PASSWORD,
        phrase: FAKE_SYNC_PHRASE,
        devices: [{ ...FAKE_OTHER_DEVICE, addedAt: "2025-05-02T18:20:00Z", lastSeenAt: `${DEMO_TODAY}T06:58:00Z`, revoked: false }],
      },
    ],
  ]);
  let here: SyncHere | null = null;
  let joins = 0;
  /** How many times this budget's recovery phrase was changed. */
  let phraseChanges = 0;
  /** This device's own setting, as the vault keeps it: off until the user turns it on. */
  let crowdSharing = false;

  /** This device joins an account: the first time with FAKE_THIS_DEVICE's id. */
  function addThisDevice(account: SyncAccount, at: string): string {
    joins += 1;
    const id = joins === 1 ? FAKE_THIS_DEVICE.id : `${FAKE_THIS_DEVICE.id}-${joins}`;
    account.devices.push({ id, name: FAKE_THIS_DEVICE.name, addedAt: at, lastSeenAt: at, revoked: false });
    return id;
  }

  if (options.syncSetUp) {
    const account = accounts.get(FAKE_SYNC_USER)!;
    const device = addThisDevice(account, "2025-06-01T09:00:00Z");
    account.devices.at(-1)!.lastSeenAt = FAKE_LAST_SYNC;
    here = { server: FAKE_SYNC_SERVER, user: FAKE_SYNC_USER, device, lastSyncAt: FAKE_LAST_SYNC, lastError: null, pendingChanges: 2 };
  }

  function state(): SyncState {
    if (here === null) {
      return { setUp: false, server: null, user: null, device: null, lastSyncAt: null, lastError: null, pendingChanges: 0, crowdSharing: false };
    }
    return { setUp: true, ...here, crowdSharing };
  }

  function notSetUp(): void {
    if (here !== null) {
      reject("Conflict", `this budget already syncs with ${here.server}: stop syncing on this device first`);
    }
  }

  function setUp(): { here: SyncHere; account: SyncAccount } {
    if (here === null) reject("NotFound", "this budget does not sync: set up sync in Settings first");
    const account = accounts.get(here.user)!;
    const own = account.devices.find((d) => d.id === here!.device);
    if (own === undefined || own.revoked) {
      reject(
        "ProviderAuth",
        "this device was removed from the sync account: stop syncing on this device, then join the budget again with its recovery phrase",
      );
    }
    return { here, account };
  }

  function reach(server: string): void {
    const address = server.trim();
    const local = /^http:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?(\/|$)/.test(address);
    if (!address.startsWith("https://") && !local) {
      reject("Invalid", `\`${address}\` is not a sync server's address: it starts with https:// (plain http:// only for a server on this computer)`);
    }
    if (address.replace(/\/+$/, "") !== FAKE_SYNC_SERVER) {
      reject("Offline", `could not reach the sync server at ${address}: check the address and that this computer is online; nothing was changed`);
    }
  }

  function signIn(user: string, password: string): SyncAccount {
    const account = accounts.get(user);
    if (account === undefined || account.password !== password) {
      reject("ProviderAuth", `the sync server refused the sign-in of ${user}: check the user name and password`);
    }
    return account;
  }

  function requireFilled(user: string, password: string): void {
    if (user.trim() === "") reject("Invalid", "enter your user name on the sync server");
    if (password === "") reject("Invalid", "enter your password on the sync server");
  }

  return {
    state,
    setup(server: string, user: string, password: string): string {
      notSetUp();
      requireFilled(user, password);
      reach(server);
      if (accounts.has(user)) {
        signIn(user, password);
        reject(
          "Conflict",
          `${user} already syncs a budget on this server: join it instead, with the recovery phrase shown when it was set up`,
        );
      }
      const at = nowText();
      const account: SyncAccount = { password, phrase: FAKE_SETUP_PHRASE, devices: [] };
      accounts.set(user, account);
      const device = addThisDevice(account, at);
      here = { server: server.trim(), user, device, lastSyncAt: at, lastError: null, pendingChanges: 0 };
      return FAKE_SETUP_PHRASE;
    },
    join(server: string, user: string, password: string, phrase: string): SyncState {
      notSetUp();
      requireFilled(user, password);
      reach(server);
      const account = signIn(user, password);
      const words = phrase.trim().split(/\s+/);
      if (words.length !== 24) reject("Invalid", "the recovery phrase is not 24 words from the list: check each word");
      if (words.join(" ") !== account.phrase) {
        reject("WrongKey", "this recovery phrase does not open this budget's key: check the words, in order");
      }
      const at = nowText();
      const device = addThisDevice(account, at);
      here = { server: server.trim(), user, device, lastSyncAt: at, lastError: null, pendingChanges: 0 };
      return state();
    },
    now(): SyncState {
      const { here: mine, account } = setUp();
      if (options.syncError) {
        mine.lastError = options.syncError.message;
        reject(options.syncError.kind, options.syncError.message);
      }
      const at = nowText();
      Object.assign(mine, { lastSyncAt: at, lastError: null, pendingChanges: 0 });
      account.devices.find((d) => d.id === mine.device)!.lastSeenAt = at;
      return state();
    },
    devices(): SyncDeviceView[] {
      const { here: mine, account } = setUp();
      return account.devices.map((d) => ({ ...d, thisDevice: d.id === mine.device }));
    },
    revoke(device: string): SyncDeviceView[] {
      const { here: mine, account } = setUp();
      const found = account.devices.find((d) => d.id === device);
      if (found === undefined) reject("NotFound", `there is no device ${device} in this sync account: read the list again`);
      if (found.id === mine.device) {
        reject("Invalid", "that is this device: to stop syncing here, choose Stop syncing on this device");
      }
      found.revoked = true;
      return this.devices();
    },
    /**
     * A new phrase (and key) for the account, then a sync, as the shell does: the devices active
     * now go on syncing, the old phrase no longer joins. An unreachable server (`syncError`)
     * rejects before anything is changed.
     */
    changePhrase(): string {
      const { here: mine, account } = setUp();
      if (options.syncError) reject(options.syncError.kind, options.syncError.message);
      const words = FAKE_CHANGED_PHRASE.split(" ");
      const turn = phraseChanges % words.length;
      phraseChanges += 1;
      account.phrase = [...words.slice(turn), ...words.slice(0, turn)].join(" ");
      const at = nowText();
      Object.assign(mine, { lastSyncAt: at, lastError: null, pendingChanges: 0 });
      account.devices.find((d) => d.id === mine.device)!.lastSeenAt = at;
      return account.phrase;
    },
    leave(): SyncState {
      if (here === null) reject("NotFound", "this budget does not sync: there is nothing to stop");
      here = null;
      return state();
    },
    shareWithCrowd(on: boolean): SyncState {
      crowdSharing = on;
      return state();
    },
  };
}

const FAKE_DATE_FORMATS = ["%Y-%m-%d", "%m/%d/%Y", "%d/%m/%Y"];

/** `YYYY-MM-DD` from a cell in one of the fake's date formats, or null. */
function readDate(cell: string, format: string): string | null {
  const iso = /^(\d{4})-(\d\d)-(\d\d)$/.exec(cell);
  const slashed = /^(\d\d)\/(\d\d)\/(\d{4})$/.exec(cell);
  const [y, m, d] =
    format === "%Y-%m-%d" && iso
      ? [iso[1], iso[2], iso[3]]
      : format === "%m/%d/%Y" && slashed
        ? [slashed[3], slashed[1], slashed[2]]
        : format === "%d/%m/%Y" && slashed
          ? [slashed[3], slashed[2], slashed[1]]
          : [undefined, undefined, undefined];
  if (y === undefined || Number(m) < 1 || Number(m) > 12 || Number(d) < 1 || Number(d) > 31) return null;
  return `${y}-${m}-${d}`;
}

/** Cents from `-1234.56` (or `-1234,56` with a decimal comma); null for anything else. */
function readCents(cell: string, decimalComma: boolean): number | null {
  const match = (decimalComma ? /^(-?)(\d+),(\d\d)$/ : /^(-?)(\d+)\.(\d\d)$/).exec(cell.trim());
  if (match === null) return null;
  const cents = Number(match[2]) * 100 + Number(match[3]);
  return match[1] === "-" ? -cents : cents;
}

function fileText(base64: string): string {
  return new TextDecoder().decode(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)));
}

/** A few entries of the shipped OFX directory. */
export const FAKE_BANKS: OfxBank[] = [
  { name: "amex", url: "https://online.americanexpress.com/ofx", org: "AMEX", fid: "3101", version: 211 },
  { name: "becu", url: "https://onlinebanking.becu.org/ofx/ofxprocessor.asp", org: "", fid: "3670", version: 103 },
  { name: "usaa", url: "https://service2.usaa.com/ofx/OFXServlet", org: "USAA", fid: "24591", version: 102 },
  { name: "usaa-invest", url: "https://service2.usaa.com/ofx/OFXServlet", org: "USAA", fid: "24592", version: 102 },
];

/** The fake's jitter: fixed, like the engine's per vault. */
export const FAKE_JITTER_MINUTES = 30;
const FAKE_JITTER_OFFSET = 12;

/** As the engine answers: the next local `at` plus this vault's jitter, after now (UTC, RFC 3339). */
function dailyRefresh(at: string, now = new Date()): DailyRefresh {
  const [hours = 0, minutes = 0] = at.split(":").map(Number);
  const next = new Date(now);
  next.setHours(hours, minutes + FAKE_JITTER_OFFSET, 0, 0);
  if (next <= now) next.setDate(next.getDate() + 1);
  return { at, jitterMinutes: FAKE_JITTER_MINUTES, nextRun: next.toISOString().replace(/\.\d{3}Z$/, "Z") };
}

/** A macrotask, so the UI renders between progress steps. */
function tick(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

type TauriInternals = { runCallback(id: number, data: unknown): void };

/**
 * The shell's side of a `Channel` argument. The argument is serialised as the
 * IPC would (`"__CHANNEL__:<id>"`), and messages go to that callback id with
 * an index, then an end marker, as tauri::ipc::Channel sends them.
 */
function channelArg<T = Progress>(arg: unknown): { send(message: T): void; end(): void } {
  const wire: unknown = arg === undefined ? undefined : JSON.parse(JSON.stringify(arg));
  const match = typeof wire === "string" ? /^__CHANNEL__:(\d+)$/.exec(wire) : null;
  if (match === null) {
    throw "invalid args `onProgress` for command `refresh_all`: command refresh_all missing required key onProgress";
  }
  const id = Number(match[1]);
  const internals = (window as unknown as { __TAURI_INTERNALS__: TauriInternals }).__TAURI_INTERNALS__;
  let index = 0;
  return {
    send(message) {
      internals.runCallback(id, { index: index++, message });
    },
    end() {
      internals.runCallback(id, { index, end: true });
    },
  };
}

// ---- The demo bank ------------------------------------------------------

/** `statesBalance`: a bank stated its balance (a manual account made for files has none). */
type DemoAccount = Omit<AccountSummary, "balance" | "transactions"> & { opening: number; statesBalance: boolean };

function demoAccount(id: string, name: string, kind: AccountSummary["kind"], opening: number): DemoAccount {
  return {
    id,
    name,
    kind,
    currency: "USD",
    provider: "demo",
    institution: DEMO_CONNECTION,
    status: "ok",
    statusReason: null,
    connection: "conn-demo",
    opening,
    statesBalance: true,
  };
}

/** Opening balances in cents. */
const DEMO_ACCOUNTS: DemoAccount[] = [
  demoAccount("acc-checking", "Everyday Checking", "checking", 184_250),
  demoAccount("acc-card", "Mint Rewards Card", "credit_card", -42_318),
  demoAccount("acc-savings", "Rainy Day Savings", "savings", 1_250_000),
];

/** [seller, account, lowest cents, highest cents, memo]; negative is money out. */
/** Seller, account, amount range in cents, memo, and the category the engine's dictionary gives
 * it (the bookshop is a local shop the dictionary does not know: Uncategorized). */
const CATALOGUE: Array<[string, string, number, number, string | null, string]> = [
  ["Green Grocer Market", "acc-card", -9_850, -1_240, null, "FOOD_GROCERIES"],
  ["City Transit", "acc-checking", -275, -275, "Fare", "AUTO_PUBLIC_TRANSIT"],
  ["Corner Café", "acc-card", -1_480, -395, null, "FOOD_COFFEE"],
  ["Streamflix", "acc-card", -1_599, -1_599, "Monthly plan", "SUBSCRIPTIONS"],
  ["Oak Street Apartments", "acc-checking", -185_000, -185_000, "Rent", "HOUSING_RENT"],
  ["Acme Corp Payroll", "acc-checking", 245_013, 245_013, "Salary", "INCOME_PAYCHECK"],
  ["Bright Power & Light", "acc-checking", -11_920, -6_410, "Electricity", "UTILITIES_POWER"],
  ["Harbor Pharmacy", "acc-card", -3_275, -640, null, "HEALTH_PHARMACY"],
  ["Fuel Stop 24", "acc-card", -6_890, -2_150, null, "GAS"],
  ["Bookshop on Main", "acc-card", -4_599, -899, null, "UNCATEGORIZED"],
  ["Transfer to savings", "acc-checking", -25_000, -25_000, "Standing order", "TRANSFER"],
  ["Transfer from checking", "acc-savings", 25_000, 25_000, "Standing order", "TRANSFER"],
  ["Interest", "acc-savings", 412, 1_380, null, "INCOME_INTEREST"],
  ["Neighbourhood Hardware", "acc-card", -5_760, -1_120, null, "SHOPPING_HOME"],
  ["Riverside Gym", "acc-checking", -4_500, -4_500, "Membership", "HEALTH_GYM"],
  ["Refund: Bookshop on Main", "acc-card", 899, 2_499, "Returned item", "UNCATEGORIZED"],
  ["Sushi Go Round", "acc-card", -7_420, -1_890, null, "FOOD_RESTAURANTS"],
  ["Mobile Co", "acc-checking", -3_500, -3_500, "Phone bill", "UTILITIES_PHONE"],
];

/** A small deterministic PRNG (mulberry32), so every run sees the same bank. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Minor units (small integers in the fake) to the shell's exact decimal string. */
function amountString(minor: number): string {
  const abs = Math.abs(minor);
  return `${minor < 0 ? "-" : ""}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")}`;
}

function daysBefore(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) - days * 86_400_000).toISOString().slice(0, 10);
}

/** Newest first: posted date, then id, both descending (the engine's ORDER BY). */
function newestFirst(a: Transaction, b: Transaction): number {
  if (a.postedOn !== b.postedOn) return a.postedOn < b.postedOn ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

function before(row: Transaction, cursor: { postedOn: string; id: string }): boolean {
  return row.postedOn < cursor.postedOn || (row.postedOn === cursor.postedOn && row.id < cursor.id);
}

function createDemoBank(size: number) {
  const next = random(42);
  const usedIds = new Set<string>();
  const minor = new Map<string, number>(); // transaction id → amount in cents
  let rows: Transaction[] = [];
  let connection: Connection | null = null;
  let status: { status: ConnectionStatus; reason: string | null } = { status: "ok", reason: null };
  let refreshes = 0;
  // How many times the demo bank was linked: a link after a disconnect makes new accounts, as
  // the engine does, so their ids differ from those of the accounts that stayed.
  let links = 0;
  /** The user's own accounts: made for files, or kept from a disconnected bank. */
  const manual: DemoAccount[] = [];
  let madeAccounts = 0;

  /** The id of a demo account of the current link. */
  function demoId(base: string): string {
    return links <= 1 ? base : `${base}-${links}`;
  }

  /** The demo bank's accounts while it is linked (the engine creates them at the first refresh). */
  function linkedAccounts(): DemoAccount[] {
    if (connection === null || refreshes === 0) return [];
    return DEMO_ACCOUNTS.map((account) => ({ ...account, id: demoId(account.id) }));
  }

  /** Removes every transaction of these accounts; how many went. */
  function dropRows(accounts: Set<string>): number {
    const before = rows.length;
    rows = rows.filter((row) => !accounts.has(row.accountId));
    return before - rows.length;
  }

  /** As the engine unlinks a bank: its accounts turn into the user's own or go with their rows. */
  function disconnect(id: string, keep: boolean): Removed {
    if (connection === null || connection.id !== id) reject("NotFound", `there is no connection ${id}`);
    const accounts = linkedAccounts();
    let transactions = 0;
    if (keep) {
      // Theirs now: no bank refreshes them; in the engine's order (by creation), before later ones.
      manual.unshift(
        ...accounts.map((a) => ({ ...a, provider: "manual", status: "ok", statusReason: null, connection: null })),
      );
    } else {
      transactions = dropRows(new Set(accounts.map((a) => a.id)));
    }
    connection = null;
    refreshes = 0;
    status = { status: "ok", reason: null };
    return { accounts: accounts.length, transactions };
  }

  function removeAccount(id: string, keep: boolean): Removed {
    if (connection !== null && linkedAccounts().some((a) => a.id === id)) return disconnect(connection.id, keep);
    const at = manual.findIndex((a) => a.id === id);
    if (at < 0) reject("NotFound", `there is no account ${id}: choose one from the account list`);
    if (keep) {
      reject(
        "Invalid",
        "this account is not linked to a bank, so there is nothing to disconnect: remove it with its transactions, or keep it",
      );
    }
    manual.splice(at, 1);
    return { accounts: 1, transactions: dropRows(new Set([id])) };
  }

  function newId(): string {
    // Random, not in date order: ties on a date are broken by id, as in the engine.
    for (;;) {
      const id = `tx-${Math.floor(next() * 0xffffffffff).toString(16).padStart(10, "0")}`;
      if (!usedIds.has(id)) {
        usedIds.add(id);
        return id;
      }
    }
  }

  function makeRow(postedOn: string, pending: boolean): Transaction {
    const [seller, base, low, high, memo, category] = CATALOGUE[Math.floor(next() * CATALOGUE.length)]!;
    const accountId = demoId(base);
    const cents = low + Math.floor(next() * (high - low + 1));
    const id = newId();
    minor.set(id, cents);
    return {
      id,
      accountId,
      postedOn,
      amount: { amount: amountString(cents), currency: "USD" },
      seller,
      memo,
      pending,
      category,
      categorySource: category === "UNCATEGORIZED" ? "default" : "dictionary",
      categoryReason: null,
      categoryLocked: false,
      payee: null,
      name: seller,
      note: null,
      parts: [],
    };
  }

  /** The first refresh's history: about three rows a day, the last two days partly pending. */
  function history(): Transaction[] {
    const days = Math.max(1, Math.ceil(size / 3));
    return Array.from({ length: size }, (_, i) => {
      const age = Math.floor((i * days) / size);
      return makeRow(daysBefore(DEMO_TODAY, age), age < 2 && next() < 0.6);
    });
  }

  return {
    get rows(): readonly Transaction[] {
      return rows;
    },
    connections(): Connection[] {
      if (connection === null) return [];
      return [{ ...connection, status: status.status, statusReason: status.reason }];
    },
    link(): Connection {
      if (connection === null) links += 1;
      connection ??= {
        id: "conn-demo",
        provider: "demo",
        label: DEMO_CONNECTION,
        status: "ok",
        statusReason: null,
        lastSuccessAt: null,
      };
      return this.connections()[0]!;
    },
    /** How many rows the next refresh will save. */
    incoming(): number {
      return refreshes === 0 ? size : rows.length + 2;
    },
    refresh(): ApplySummary {
      if (connection === null) throw new Error("refresh before link");
      let summary: ApplySummary;
      if (refreshes === 0) {
        // The user's own accounts keep their rows.
        rows = [...rows, ...history()];
        summary = { accounts: DEMO_ACCOUNTS.length, added: rows.length, updated: 0, posted: 0, removed: 0, unchanged: 0 };
      } else {
        // Later refreshes: pending rows post, and two new purchases arrive.
        let posted = 0;
        rows = rows.map((row) => (row.pending ? (posted++, { ...row, pending: false }) : row));
        const unchanged = rows.length - posted;
        rows = [makeRow(DEMO_TODAY, true), makeRow(DEMO_TODAY, true), ...rows];
        summary = { accounts: DEMO_ACCOUNTS.length, added: 2, updated: 0, posted, removed: 0, unchanged };
      }
      rows.sort(newestFirst);
      refreshes += 1;
      status = { status: "ok", reason: null };
      connection = { ...connection, lastSuccessAt: `${DEMO_TODAY}T07:30:00Z` };
      return summary;
    },
    fail(error: IpcError): void {
      if (error.kind === "ProviderAuth") status = { status: "needs_attention", reason: error.message };
      if (error.kind === "RateLimited") status = { status: "rate_limited", reason: error.message };
    },
    accounts(): AccountSummary[] {
      // The engine creates accounts when the first statement is applied.
      return [...linkedAccounts(), ...manual].map(({ opening, statesBalance, ...account }) => {
        const own = rows.filter((r) => r.accountId === account.id);
        const balance = own.reduce((sum, r) => sum + (minor.get(r.id) ?? 0), opening);
        const linked = account.provider === "demo";
        return {
          ...account,
          status: linked ? status.status : "ok",
          statusReason: linked ? status.reason : null,
          // As the engine: a balance only when the bank states one (a CSV file does not).
          balance: statesBalance ? { amount: amountString(balance), currency: account.currency } : null,
          transactions: own.length,
        };
      });
    },
    disconnect,
    removeAccount,
    /** A manual account, as `create_account` makes one. */
    addAccount(name: string, kind: AccountKind, currency: string): string {
      madeAccounts += 1;
      const id = `acct-manual-${madeAccounts}`;
      manual.push({
        id,
        name,
        kind,
        currency,
        provider: "file",
        institution: null,
        status: "ok",
        statusReason: null,
        connection: null,
        opening: 0,
        statesBalance: false,
      });
      return id;
    },
    hasAccount(id: string): boolean {
      return [...linkedAccounts(), ...manual].some((a) => a.id === id);
    },
    /**
     * A file's rows into an account, as the engine matches them: a row already there (same
     * date, payee, amount and repeat) is unchanged; with `dryRun` nothing is kept.
     */
    importRows(accountId: string, incoming: { postedOn: string; payee: string; cents: number }[], dryRun: boolean) {
      const seen = new Map<string, number>();
      const key = (postedOn: string, payee: string, cents: number) => {
        const base = `${postedOn}|${payee}|${cents}`;
        const n = (seen.get(base) ?? 0) + 1;
        seen.set(base, n);
        return `${base}|#${n}`;
      };
      const stored = new Set(
        rows.filter((r) => r.accountId === accountId).map((r) => key(r.postedOn, r.seller, minor.get(r.id) ?? 0)),
      );
      seen.clear();
      const fresh = incoming.filter((t) => !stored.has(key(t.postedOn, t.payee, t.cents)));
      if (!dryRun) {
        for (const t of fresh) {
          const id = newId();
          minor.set(id, t.cents);
          rows.push({
            id,
            accountId,
            postedOn: t.postedOn,
            amount: { amount: amountString(t.cents), currency: "USD" },
            seller: t.payee,
            memo: null,
            pending: false,
            category: "UNCATEGORIZED",
            categorySource: "default",
            categoryReason: null,
            categoryLocked: false,
            payee: null,
            name: t.payee,
            note: null,
            parts: [],
          });
        }
        rows.sort(newestFirst);
      }
      return { added: fresh.length, unchanged: incoming.length - fresh.length };
    },
    list(query: TransactionQuery): Transaction[] {
      const limit = Math.min(query.limit ?? 200, 1000);
      const needle = query.search?.toLowerCase() ?? "";
      const out: Transaction[] = [];
      for (const row of rows) {
        if (out.length === limit) break;
        if (query.before && !before(row, query.before)) continue;
        if (query.account !== null && query.account !== undefined && row.accountId !== query.account) continue;
        if (query.since && row.postedOn < query.since) continue;
        if (query.until && row.postedOn > query.until) continue;
        if (needle !== "" && !row.seller.toLowerCase().includes(needle) && !(row.memo ?? "").toLowerCase().includes(needle)) {
          continue;
        }
        if (query.category != null) {
          const own = row.category ?? "UNCATEGORIZED";
          if (own !== query.category && !(query.subcategories && topOf(own) === query.category)) continue;
        }
        // As the engine: a bound in another currency matches nothing; both ends included.
        const cents = toMinor(row.amount.amount);
        if (query.minAmount != null && (query.minAmount.currency !== row.amount.currency || cents < toMinor(query.minAmount.amount))) continue;
        if (query.maxAmount != null && (query.maxAmount.currency !== row.amount.currency || cents > toMinor(query.maxAmount.amount))) continue;
        // A copy, as the shell sends: the name follows a rule's rename, like the engine's.
        out.push({ ...row, name: row.payee ?? row.seller });
      }
      return out;
    },
  };
}
