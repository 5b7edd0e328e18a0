// The desktop commands, declared once. Everything else that names them comes from here:
// - `src-tauri/src/lib.rs` builds the handler from it (`generate_handler!`);
// - `src-tauri/build.rs` declares them in the app manifest, so each gets its `allow-` permission;
// - `cargo xtask codegen` writes `src-tauri/capabilities/main-window.json` and the command
//   table of `docs/ipc-contract.md` from it;
// - the tests in `xtask/src/ipc.rs` fail when those files are stale, when `ui/src/api.ts` lacks
//   the function of a command (or calls one not listed here), when the UI's test fake does not
//   handle exactly these commands, and when the shell names a command anywhere else.
// To add a command: write it in its screen's module, add it here, run `cargo xtask codegen`,
// add its function to `ui/src/api.ts` and its case to `ui/tests/fake-vault.ts`.
//
// build.rs and xtask `include!` this file, so it holds this macro and nothing else (no `use`,
// no `//!`). Each entry is `<module>::<name> { args, returns, does }`, the last three as the
// contract document shows them: the arguments and the result as TypeScript sees them on the
// wire (`args: ""` when it takes none) and what the command does.

/// Calls the macro `$then!` with every desktop command, in the order of the contract document.
// rustfmt would move the continued strings' lines; their layout here is deliberate.
#[rustfmt::skip]
macro_rules! with_commands {
    ($then:ident) => {
        $then! {
            vault::vault_status {
                args: "",
                returns: "VaultStatus",
                does: "reads the state; never changes anything",
            },
            vault::open_vault {
                args: "",
                returns: "VaultStatus",
                does: "first-run friendly: creates the vault with a keychain key if there is none, unlocks it \
                       from the keychain if it is locked in keychain mode; a passphrase vault stays `locked`",
            },
            vault::create_vault {
                args: "{ passphrase: string | null }",
                returns: "VaultStatus",
                does: "creates the vault; `null` = key in the OS keychain",
            },
            vault::unlock_vault {
                args: "{ passphrase: string | null }",
                returns: "VaultStatus",
                does: "`null` = key from the keychain",
            },
            vault::lock_vault {
                args: "",
                returns: "VaultStatus",
                does: "forgets the key in memory",
            },
            vault::set_passphrase {
                args: "{ passphrase: string }",
                returns: "VaultStatus",
                does: "protects the vault with a new passphrase instead of its current key; re-encrypts the file",
            },
            vault::rekey {
                args: "",
                returns: "VaultStatus",
                does: "re-encrypts the vault with a fresh random key kept in the keychain",
            },
            accounts::list_accounts {
                args: "",
                returns: "AccountSummary[]",
                does: "open accounts with balance, status and transaction count",
            },
            accounts::list_transactions {
                args: "{ query: TransactionQuery }",
                returns: "Transaction[]",
                does: "one page, newest first (`postedOn` DESC, `id` DESC); `limit` defaults to 200, at most 1000",
            },
            accounts::split_transaction {
                args: "{ transaction: TransactionId, parts: SplitPart[] }",
                returns: "Transaction",
                does: "splits a transaction into parts that add up to it exactly (again: replaces the parts)",
            },
            accounts::unsplit_transaction {
                args: "{ transaction: TransactionId }",
                returns: "Transaction",
                does: "makes a split transaction whole again, under its own category",
            },
            accounts::set_payee {
                args: "{ transaction: TransactionId, payee: string | null, note: string | null }",
                returns: "Transaction",
                does: "the user's name for the payee (null: the seller's own name) and note; the bank's words stay",
            },
            accounts::list_connections {
                args: "",
                returns: "Connection[]",
                does: "linked providers and their health",
            },
            accounts::connect_demo {
                args: "",
                returns: "Connection",
                does: "links the built-in demo bank (generated data, no network); idempotent",
            },
            accounts::disconnect {
                args: "{ connection: ConnectionId, keepTransactions: boolean }",
                returns: "Removed",
                does: "unlinks a bank: its login leaves the keychain and no refresh reaches it; its accounts stay \
                       with every transaction as the user's own (`keepTransactions`) or are removed with them",
            },
            accounts::remove_account {
                args: "{ account: AccountId, keepTransactions: boolean }",
                returns: "Removed",
                does: "an account of a linked bank disconnects that bank (all its accounts); one of the user's own \
                       is removed with its transactions (`keepTransactions` must be false)",
            },
            accounts::refresh_all {
                args: "{ onProgress: Channel<Progress> }",
                returns: "RefreshReport",
                does: "extracts every connection now; `Progress` arrives on the channel while the call is pending",
            },
            adding::import_file {
                args: "{ fileName: string, content: string /* the file, base64 */, account: AccountId | null, \
                       mapping: ColumnMapping | null, dryRun: boolean, onProgress: Channel<ImportProgress> }",
                returns: "ImportReport",
                does: "imports a file the user picked (the web view reads it: the shell has no file-system \
                       access), or with `dryRun` only says what it would do; `account` is needed for CSV and QIF, \
                       the other formats name theirs; `mapping` reads a CSV file's columns as the user mapped \
                       them (null: the account's saved mapping, else detection), and is saved for the account",
            },
            adding::csv_columns {
                args: "{ content: string /* base64 */ }",
                returns: "CsvColumns",
                does: "a CSV file's delimiter, header, columns, first rows and the date formats each column \
                       reads with, to map it by hand",
            },
            adding::create_account {
                args: "{ name: string, kind: AccountKind, currency: string }",
                returns: "AccountId",
                does: "a manual account, to import a bank's files into",
            },
            adding::connect_simplefin {
                args: "{ setupToken: string }",
                returns: "Connection",
                does: "claims a SimpleFIN Bridge setup token (once) and links it; the access URL goes to the OS \
                       keychain; `refresh_all` then fetches its accounts",
            },
            adding::search_banks {
                args: "{ query: string }",
                returns: "OfxBank[]",
                does: "banks of the shipped OFX Direct Connect directory whose name contains `query`, the \
                       closest first, at most 20",
            },
            adding::connect_ofx {
                args: "{ bank: string, user: string, password: string }",
                returns: "Connection",
                does: "signs on to the directory's bank of that name, discovers the accounts and links them; \
                       the login goes to the OS keychain; a name not in the directory rejects with `NotFound`, \
                       a refused sign-on with `ProviderAuth`, and nothing is linked",
            },
            adding::connect_ofx_custom {
                args: "{ url: string, org: string, fid: string, version: number, user: string, password: string }",
                returns: "Connection",
                does: "the same at an https address the user typed, once the user confirms its host in a \
                       native dialog; declined, or not an https address, it rejects with `Invalid` and sends \
                       nothing",
            },
            categories::list_categories {
                args: "",
                returns: "Category[]",
                does: "every category the user can choose, each top-level one followed by its children",
            },
            categories::set_category {
                args: "{ transaction: TransactionId, category: CategoryId, fromNowOn: boolean }",
                returns: "RuleId | null",
                does: "the user's own category for a transaction (nothing automatic changes it again); with \
                       `fromNowOn`, also a learned rule for the seller's future transactions, returned",
            },
            categories::list_rules {
                args: "",
                returns: "Rule[]",
                does: "every rule, the user's first, then the learned ones, each group in order",
            },
            categories::add_rule {
                args: "{ conditions: Condition[], actions: RuleActions }",
                returns: "RuleId",
                does: "adds a user rule at the end of the user's rules; a bad pattern, no condition or no \
                       action rejects with `Invalid`",
            },
            categories::edit_rule {
                args: "{ rule: RuleId, actions: RuleActions, enabled: boolean }",
                returns: "Rule",
                does: "sets what a rule does and whether it is on; learned rules too",
            },
            categories::delete_rule {
                args: "{ rule: RuleId }",
                returns: "null",
                does: "deletes a rule; the transactions it categorized keep their category",
            },
            categories::apply_rule {
                args: "{ rule: RuleId, dryRun: boolean }",
                returns: "RuleChange[]",
                does: "re-categorizes the past transactions the rule matches, except those the user set; with \
                       `dryRun` only lists what would change",
            },
            reports::spending {
                args: "{ month: string | null }",
                returns: "MonthSpending",
                does: "a month's totals per category, spent and income (`null`: this month)",
            },
            reports::spending_trend {
                args: "{ until: string | null, months: number }",
                returns: "MonthSpending[]",
                does: "`months` months (1 to 24) up to `until`, oldest first",
            },
            reports::top_sellers {
                args: "{ month: string | null, limit: number }",
                returns: "SellerSpending[]",
                does: "where the month's money went, the biggest seller first, at most 100",
            },
            reports::budget {
                args: "{ month: string | null }",
                returns: "BudgetReport",
                does: "each top-level category's budget (the user's or recommended), spent and remaining",
            },
            reports::set_budget {
                args: "{ category: CategoryId, amount: Money, month: string, rollover: boolean }",
                returns: "BudgetReport",
                does: "the user's budget for a top-level category from `month` on; returns that month's budget; \
                       a threshold it makes crossed alerts at once",
            },
            reports::set_budget_thresholds {
                args: "{ thresholds: number[], category: CategoryId | null }",
                returns: "null",
                does: "alert thresholds in percent of a budget, for all categories or one",
            },
            reports::list_notifications {
                args: "",
                returns: "Notification[]",
                does: "the alerts, newest first, read or not, each naming its budget or connection",
            },
            reports::mark_notifications {
                args: "{ ids: NotificationId[], read: boolean }",
                returns: "null",
                does: "marks alerts read or unread; an id no longer listed rejects with `NotFound`",
            },
            settings::daily_refresh {
                args: "",
                returns: "DailyRefresh",
                does: "the daily extraction's time of day (local `HH:MM`), its jitter and its next run",
            },
            settings::set_daily_time {
                args: "{ at: string }",
                returns: "DailyRefresh",
                does: "sets the time of day (`HH:MM`, local time); anything else rejects with `Invalid`",
            },
            settings::export_csv {
                args: "{ what: ExportKind }",
                returns: "Exported | null",
                does: "asks where in the system's save dialog, then writes all transactions, the monthly \
                       spending or the budgets as CSV there (complete or not at all); `null` if the user cancels",
            },
            settings::start_at_login {
                args: "",
                returns: "boolean",
                does: "whether Spearmint starts when the user logs in",
            },
            settings::set_start_at_login {
                args: "{ on: boolean }",
                returns: "boolean",
                does: "starts Spearmint at login, or no longer (the autostart plugin); returns the setting now",
            },
            sync::sync_state {
                args: "",
                returns: "SyncState",
                does: "where this budget's sync stands (no network); `setUp: false` when it does not sync",
            },
            sync::sync_setup {
                args: "{ server: string, user: string, password: string }",
                returns: "string",
                does: "sets this budget up for sync on the server (creating the account if the server allows \
                       sign-up) and syncs it; returns the recovery phrase, shown once",
            },
            sync::sync_join {
                args: "{ server: string, user: string, password: string, phrase: string }",
                returns: "SyncState",
                does: "joins the budget another device syncs, opened with its recovery phrase; a wrong phrase \
                       rejects with `WrongKey` before anything is written",
            },
            sync::sync_now {
                args: "",
                returns: "SyncState",
                does: "sends this device's changes and merges the other devices'; `Offline` keeps the changes",
            },
            sync::sync_devices {
                args: "",
                returns: "SyncDeviceView[]",
                does: "the sync account's devices, this one marked",
            },
            sync::sync_revoke {
                args: "{ device: string }",
                returns: "SyncDeviceView[]",
                does: "removes another device from the sync account: it can sync no more",
            },
            sync::sync_change_phrase {
                args: "",
                returns: "string",
                does: "gives the budget a new recovery phrase and a new key (after a device was removed, or the \
                       phrase seen); the devices active now go on syncing; returns the new phrase, shown once",
            },
            sync::sync_leave {
                args: "",
                returns: "SyncState",
                does: "stops syncing on this device; its data stays here and on the server",
            },
            sync::set_crowd_sharing {
                args: "{ on: boolean }",
                returns: "SyncState",
                does: "shares the user's own categories with the crowd at each sync (sellers as keyed hashes), \
                       and gets its categories for this vault's sellers; or no longer",
            },
        }
    };
}
