// The typed face of the Tauri commands (docs/ipc-contract.md). One function per
// command, named exactly like the command, so a grep finds both sides; the tests
// in xtask/src/ipc.rs hold this file to the list in src-tauri/src/commands/list.rs.
// Every rejection comes out as an `IpcError`: screens branch on `kind` and show
// `message` as is, whatever went wrong underneath.
import { Channel, invoke, type InvokeArgs } from "@tauri-apps/api/core";
import type { AccountSummary } from "./bindings/AccountSummary";
import type { Connection } from "./bindings/Connection";
import type { AccountId } from "./bindings/AccountId";
import type { ConnectionId } from "./bindings/ConnectionId";
import type { AccountKind } from "./bindings/AccountKind";
import type { ColumnMapping } from "./bindings/ColumnMapping";
import type { CsvColumns } from "./bindings/CsvColumns";
import type { DailyRefresh } from "./bindings/DailyRefresh";
import type { ImportProgress } from "./bindings/ImportProgress";
import type { ImportReport } from "./bindings/ImportReport";
import type { OfxBank } from "./bindings/OfxBank";
import type { ErrorKind } from "./bindings/ErrorKind";
import type { IpcError } from "./bindings/IpcError";
import type { Progress } from "./bindings/Progress";
import type { RefreshReport } from "./bindings/RefreshReport";
import type { Removed } from "./bindings/Removed";
import type { Transaction } from "./bindings/Transaction";
import type { TransactionQuery } from "./bindings/TransactionQuery";
import type { VaultStatus } from "./bindings/VaultStatus";
import type { BudgetReport } from "./bindings/BudgetReport";
import type { Category } from "./bindings/Category";
import type { CategoryId } from "./bindings/CategoryId";
import type { Condition } from "./bindings/Condition";
import type { ExportKind } from "./bindings/ExportKind";
import type { Exported } from "./bindings/Exported";
import type { Money } from "./bindings/Money";
import type { MonthSpending } from "./bindings/MonthSpending";
import type { Notification } from "./bindings/Notification";
import type { NotificationId } from "./bindings/NotificationId";
import type { Rule } from "./bindings/Rule";
import type { RuleActions } from "./bindings/RuleActions";
import type { RuleChange } from "./bindings/RuleChange";
import type { RuleId } from "./bindings/RuleId";
import type { SellerSpending } from "./bindings/SellerSpending";
import type { SplitPart } from "./bindings/SplitPart";
import type { SyncDeviceView } from "./bindings/SyncDeviceView";
import type { SyncState } from "./bindings/SyncState";
import type { TransactionId } from "./bindings/TransactionId";

export function vault_status(): Promise<VaultStatus> {
  return call("vault_status");
}

export function open_vault(): Promise<VaultStatus> {
  return call("open_vault");
}

/** `null` keeps the key in the OS keychain. */
export function create_vault(passphrase: string | null): Promise<VaultStatus> {
  return call("create_vault", { passphrase });
}

/** `null` takes the key from the OS keychain. */
export function unlock_vault(passphrase: string | null): Promise<VaultStatus> {
  return call("unlock_vault", { passphrase });
}

export function lock_vault(): Promise<VaultStatus> {
  return call("lock_vault");
}

/**
 * Protects the vault with a new passphrase (at least 8 characters) instead of its current
 * key; the file is re-encrypted.
 */
export function set_passphrase(passphrase: string): Promise<VaultStatus> {
  return call("set_passphrase", { passphrase });
}

/** Re-encrypts the vault with a fresh key kept in the keychain (a passphrase vault's key moves there). */
export function rekey(): Promise<VaultStatus> {
  return call("rekey");
}

export function list_accounts(): Promise<AccountSummary[]> {
  return call("list_accounts");
}

/**
 * One page, newest first (posted date, then id). For the next page pass the
 * last row's `{ postedOn, id }` as `before`. Unset fields are sent as null.
 */
export function list_transactions(query: Partial<TransactionQuery> = {}): Promise<Transaction[]> {
  const full: TransactionQuery = {
    since: null,
    until: null,
    account: null,
    search: null,
    category: null,
    subcategories: false,
    minAmount: null,
    maxAmount: null,
    limit: null,
    before: null,
    ...query,
  };
  return call("list_transactions", { query: full });
}

export function list_connections(): Promise<Connection[]> {
  return call("list_connections");
}

/** Links the built-in demo bank (generated data); linking it twice gives the same connection. */
export function connect_demo(): Promise<Connection> {
  return call("connect_demo");
}

/**
 * Unlinks a bank: its login leaves the keychain and no refresh reaches it again. Its accounts
 * stay with every transaction, as the user's own (`keepTransactions`), or go with them.
 */
export function disconnect(connection: ConnectionId, keepTransactions: boolean): Promise<Removed> {
  return call("disconnect", { connection, keepTransactions });
}

/**
 * Removes an account. One of a linked bank disconnects that bank (all its accounts, as
 * `disconnect`); one of the user's own goes with its transactions (`keepTransactions` must
 * then be false: the shell rejects true with `Invalid`).
 */
export function remove_account(account: AccountId, keepTransactions: boolean): Promise<Removed> {
  return call("remove_account", { account, keepTransactions });
}

/** Refreshes every connection; `onProgress` hears each step while the promise is pending. */
export function refresh_all(onProgress: (progress: Progress) => void): Promise<RefreshReport> {
  return call("refresh_all", { onProgress: new Channel<Progress>(onProgress) });
}

/**
 * Imports a bank's file the user picked (or only previews it, with `dryRun`): the web view
 * reads it and sends its bytes, so the shell needs no access to the file system. `account` is
 * needed for CSV and QIF files; the other formats name their accounts.
 */
export async function import_file(
  file: Blob & { name: string },
  account: AccountId | null,
  mapping: ColumnMapping | null,
  dryRun: boolean,
  onProgress: (progress: ImportProgress) => void,
): Promise<ImportReport> {
  const content = await base64Of(file);
  return call("import_file", {
    fileName: file.name,
    content,
    account,
    mapping,
    dryRun,
    onProgress: new Channel<ImportProgress>(onProgress),
  });
}

/** A CSV file's columns and first rows, to map them by hand. */
export async function csv_columns(file: Blob): Promise<CsvColumns> {
  return call("csv_columns", { content: await base64Of(file) });
}

/** A manual account, for a bank's files. */
export function create_account(name: string, kind: AccountKind, currency: string): Promise<AccountId> {
  return call("create_account", { name, kind, currency });
}

/** Claims a SimpleFIN Bridge setup token and links the connection; refresh to fetch its accounts. */
export function connect_simplefin(setupToken: string): Promise<Connection> {
  return call("connect_simplefin", { setupToken });
}

/** Banks of the shipped OFX Direct Connect directory whose name contains `query` (at most 20). */
export function search_banks(query: string): Promise<OfxBank[]> {
  return call("search_banks", { query });
}

/**
 * Signs on to the directory's bank named `bank` over OFX Direct Connect and links its accounts;
 * refresh to fetch them. The page names a directory entry, never an address.
 */
export function connect_ofx(bank: string, user: string, password: string): Promise<Connection> {
  return call("connect_ofx", { bank, user, password });
}

/** An OFX Direct Connect address the user typed, for a bank the directory lacks. */
export type CustomOfxBank = { url: string; org: string; fid: string; version: number };

/**
 * The same at an address the user typed: the shell asks the user to confirm its host in a dialog
 * of the system's own before anything is sent.
 */
export function connect_ofx_custom(bank: CustomOfxBank, user: string, password: string): Promise<Connection> {
  return call("connect_ofx_custom", { ...bank, user, password });
}

/**
 * A file's bytes as base64, encoded by the browser off the page's thread (a data URL), so a
 * bank's year of history does not freeze the window while it is read.
 */
function base64Of(file: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => {
      const url = String(reader.result);
      resolve(url.slice(url.indexOf(",") + 1));
    };
    reader.onerror = () => reject({ kind: "Invalid", message: "the file could not be read: pick it again" });
    reader.readAsDataURL(file);
  });
}

/** The daily refresh's time of day (local `HH:MM`) and when it next runs. */
export function daily_refresh(): Promise<DailyRefresh> {
  return call("daily_refresh");
}

/** Sets the daily refresh's time of day (`HH:MM`, local time); returns the new schedule. */
export function set_daily_time(at: string): Promise<DailyRefresh> {
  return call("set_daily_time", { at });
}

/**
 * Asks where in the system's save dialog, then writes the CSV there; `null`
 * when the user cancels.
 */
export function export_csv(what: ExportKind): Promise<Exported | null> {
  return call("export_csv", { what });
}

/** Whether Spearmint starts when the user logs in. */
export function start_at_login(): Promise<boolean> {
  return call("start_at_login");
}

/** Starts Spearmint at login, or no longer; answers with the setting as it now is. */
export function set_start_at_login(on: boolean): Promise<boolean> {
  return call("set_start_at_login", { on });
}

export function list_categories(): Promise<Category[]> {
  return call("list_categories");
}

/**
 * The user's own category for a transaction (locked from then on). With
 * `fromNowOn`, the seller's future transactions follow through a learned rule,
 * whose id comes back.
 */
export function set_category(transaction: TransactionId, category: CategoryId, fromNowOn: boolean): Promise<RuleId | null> {
  return call("set_category", { transaction, category, fromNowOn });
}

/** Splits a transaction into parts that add up to it exactly; returns the row as it is now. */
export function split_transaction(transaction: TransactionId, parts: SplitPart[]): Promise<Transaction> {
  return call("split_transaction", { transaction, parts });
}

/** Makes a split transaction whole again, under its own category. */
export function unsplit_transaction(transaction: TransactionId): Promise<Transaction> {
  return call("unsplit_transaction", { transaction });
}

/** The user's name for the payee (null: the seller's own name again) and a note. */
export function set_payee(transaction: TransactionId, payee: string | null, note: string | null): Promise<Transaction> {
  return call("set_payee", { transaction, payee, note });
}

export function list_rules(): Promise<Rule[]> {
  return call("list_rules");
}

export function add_rule(conditions: Condition[], actions: RuleActions): Promise<RuleId> {
  return call("add_rule", { conditions, actions });
}

export function edit_rule(rule: RuleId, actions: RuleActions, enabled: boolean): Promise<Rule> {
  return call("edit_rule", { rule, actions, enabled });
}

export function delete_rule(rule: RuleId): Promise<null> {
  return call("delete_rule", { rule });
}

/** Re-categorizes the past transactions a rule matches; `dryRun` only lists them. */
export function apply_rule(rule: RuleId, dryRun: boolean): Promise<RuleChange[]> {
  return call("apply_rule", { rule, dryRun });
}

/** A month's totals (`YYYY-MM`; `null`: this month). */
export function spending(month: string | null): Promise<MonthSpending> {
  return call("spending", { month });
}

/** `months` months up to `until` (`null`: this month), oldest first. */
export function spending_trend(until: string | null, months: number): Promise<MonthSpending[]> {
  return call("spending_trend", { until, months });
}

export function top_sellers(month: string | null, limit: number): Promise<SellerSpending[]> {
  return call("top_sellers", { month, limit });
}

export function budget(month: string | null): Promise<BudgetReport> {
  return call("budget", { month });
}

/** The user's budget for a top-level category from `month` on. */
export function set_budget(category: CategoryId, amount: Money, month: string, rollover: boolean): Promise<BudgetReport> {
  return call("set_budget", { category, amount, month, rollover });
}

export function set_budget_thresholds(thresholds: number[], category: CategoryId | null): Promise<null> {
  return call("set_budget_thresholds", { thresholds, category });
}

export function list_notifications(): Promise<Notification[]> {
  return call("list_notifications");
}

export function mark_notifications(ids: NotificationId[], read: boolean): Promise<null> {
  return call("mark_notifications", { ids, read });
}

/** Where this budget's sync stands; `setUp` is false when it does not sync. */
export function sync_state(): Promise<SyncState> {
  return call("sync_state");
}

/**
 * Sets this budget up for sync on `server` (creating the account when the server lets anyone
 * sign up, else signing in) and syncs it. Answers with the 24-word recovery phrase: the only
 * way another device opens the budget, shown once and never kept.
 */
export function sync_setup(server: string, user: string, password: string): Promise<string> {
  return call("sync_setup", { server, user, password });
}

/**
 * Joins the budget another device set up, opened with its recovery phrase, and syncs it. A
 * phrase that does not open it rejects with `WrongKey`, and nothing is changed.
 */
export function sync_join(server: string, user: string, password: string, phrase: string): Promise<SyncState> {
  return call("sync_join", { server, user, password, phrase });
}

/** Syncs now: sends this device's changes and takes the others'. It can take a while. */
export function sync_now(): Promise<SyncState> {
  return call("sync_now");
}

/** The sync account's devices, this one among them. */
export function sync_devices(): Promise<SyncDeviceView[]> {
  return call("sync_devices");
}

/** Removes another device from the account: it can sync no more; its data stays on it. */
export function sync_revoke(device: string): Promise<SyncDeviceView[]> {
  return call("sync_revoke", { device });
}

/**
 * Gives the budget a new recovery phrase and a new key (after a device was removed, or the
 * phrase seen), then syncs. The devices active now go on syncing; the old phrase no longer
 * joins the budget. Answers with the new 24-word phrase, shown once and never kept.
 * `KeyMissing` when this device was set up before key changes existed and must join again.
 */
export function sync_change_phrase(): Promise<string> {
  return call("sync_change_phrase");
}

/** Stops syncing on this device; the budget stays here and on the server. */
export function sync_leave(): Promise<SyncState> {
  return call("sync_leave");
}

/**
 * Shares the user's own categories with the crowd at each sync (sellers only as keyed hashes
 * of their names) and gets the crowd's for this vault's sellers; or no longer.
 */
export function set_crowd_sharing(on: boolean): Promise<SyncState> {
  return call("set_crowd_sharing", { on });
}

async function call<T>(command: string, args?: InvokeArgs): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (rejection) {
    throw toIpcError(rejection);
  }
}

// A Record rather than an array: when the generated ErrorKind gains a kind,
// this stops compiling until the UI knows about it.
const ERROR_KINDS: Record<ErrorKind, true> = {
  NotFound: true,
  AlreadyExists: true,
  Invalid: true,
  Conflict: true,
  VaultLocked: true,
  KeychainUnavailable: true,
  KeyMissing: true,
  WrongKey: true,
  Corrupt: true,
  VaultTooNew: true,
  Storage: true,
  ProviderAuth: true,
  RateLimited: true,
  Offline: true,
  Provider: true,
  Internal: true,
};

export function isErrorKind(value: unknown): value is ErrorKind {
  return typeof value === "string" && Object.hasOwn(ERROR_KINDS, value);
}

/**
 * Turns anything a command can reject with into an `IpcError`. The shell
 * rejects with `{ kind, message }`; Tauri itself rejects with a bare string
 * (an unknown command, a denied capability); anything else is a bug. Those
 * become kind "Internal" with the best message we can find.
 */
export function toIpcError(rejection: unknown): IpcError {
  if (typeof rejection === "object" && rejection !== null) {
    const { kind, message } = rejection as { kind?: unknown; message?: unknown };
    if (typeof message === "string") {
      return { kind: isErrorKind(kind) ? kind : "Internal", message };
    }
  }
  if (typeof rejection === "string" && rejection.length > 0) {
    return { kind: "Internal", message: rejection };
  }
  return { kind: "Internal", message: `unexpected error from the app: ${describe(rejection)}` };
}

function describe(value: unknown): string {
  if (value === undefined) return "no details";
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
