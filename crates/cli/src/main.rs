//! spearmint: the command-line client. Everything goes through `spearmint-engine`; this crate
//! parses arguments, asks for passphrases, prints, and maps errors to exit codes. It must not
//! touch the vault file, SQL or the keychain directly.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

mod batch;
mod commands;

use clap::{CommandFactory, Parser, Subcommand};
use spearmint_engine::{
    Engine, EngineOptions, ErrorKind, Hint, KeySource, NewKey, Passphrase, Unlock, VaultState, VaultStatus,
    default_data_dir,
};

/// Spearmint: your money, on your machine, encrypted.
#[derive(Debug, Parser)]
#[command(name = "spearmint", version, after_help = EXIT_CODES)]
struct Cli {
    /// Where profiles live [default: $SPEARMINT_DATA_DIR, else ~/.local/share/spearmint]
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// The profile to use
    #[arg(long, global = true, default_value = "default", env = "SPEARMINT_PROFILE")]
    profile: String,
    /// Print machine-readable JSON on stdout (errors too, as {"error": {"kind", "message"}}, with
    /// "hint" when a command helps)
    #[arg(long, global = true)]
    json: bool,
    /// Read passphrases from standard input, one per line, instead of the terminal
    #[arg(long, global = true)]
    passphrase_stdin: bool,
    #[command(subcommand)]
    command: Command,
}

const EXIT_CODES: &str = "Exit codes: 0 ok, 1 internal error, 2 usage, 3 no vault (run `spearmint init`), \
4 locked or wrong key/passphrase, 5 no keychain reachable, 6 vault damaged or not a vault, \
7 vault from a newer Spearmint, 8 disk error, 9 invalid input, 10 already exists or busy, \
11 a provider refused the credentials (reconnect), 12 rate-limited, 13 provider unreachable or failing.\n\
Passphrases come from --passphrase-stdin, else $SPEARMINT_PASSPHRASE, else the terminal.";

#[derive(Debug, Subcommand)]
enum Command {
    /// Create the encrypted vault (key in the OS keychain, or --passphrase)
    Init {
        /// Protect the vault with a passphrase instead of a key in the OS keychain
        #[arg(long)]
        passphrase: bool,
        /// When the profile has a vault, set it aside (moved to a replaced-<time> folder, not
        /// deleted) and create a new one
        #[arg(long)]
        force: bool,
    },
    /// Show the vault: path, encryption, where the key is, schema version, row counts
    Status,
    /// Unlock a passphrase vault for this login session (kernel keyring), so later commands do not ask
    Unlock,
    /// Forget a key cached by `spearmint unlock`
    Lock,
    /// Protect the vault with a passphrase, or change it
    Passphrase {
        #[command(subcommand)]
        action: PassphraseAction,
    },
    /// Re-encrypt the vault with a fresh random key kept in the OS keychain
    Rekey,
    /// Link an account source: the demo bank, a SimpleFIN setup token, or a bank over OFX
    Connect {
        #[command(subcommand)]
        source: ConnectSource,
    },
    /// Import a bank file (OFX/QFX, QIF, CSV, CAMT.053); importing it again changes nothing
    Import(ImportArgs),
    /// Fetch new transactions now, from every connection or the one holding --account
    Refresh {
        #[arg(long)]
        account: Option<String>,
    },
    /// Unlink the bank an account comes from (its login leaves the keychain), keeping its
    /// transactions in accounts of your own or removing them; or remove an account of your own
    Disconnect {
        /// An account id (`spearmint accounts`)
        account: String,
        /// Keep the accounts and every transaction, as accounts of your own
        #[arg(long, conflicts_with = "delete_transactions", required_unless_present = "delete_transactions")]
        keep_transactions: bool,
        /// Remove the accounts and their transactions from the vault
        #[arg(long)]
        delete_transactions: bool,
    },
    /// List accounts with their status and balance; `accounts add` creates a manual one
    Accounts {
        #[command(subcommand)]
        action: Option<AccountsAction>,
    },
    /// List transactions, newest first
    Transactions(TransactionArgs),
    /// Spending by category for a month (default: the latest), or a trend over --months
    Spending {
        /// YYYY-MM
        #[arg(long)]
        month: Option<String>,
        /// Show this many months up to --month
        #[arg(long)]
        months: Option<u32>,
        /// Also list the N sellers the most money went to
        #[arg(long)]
        top_sellers: Option<u32>,
    },
    /// Check the vault's derived data (monthly totals, account counts) against a recount; --repair fixes it
    Doctor {
        #[arg(long)]
        repair: bool,
    },
    /// Export transactions, monthly spending or budgets as CSV (RFC 4180, UTF-8), or transactions as
    /// the batch job's log
    Export(ExportArgs),
    /// Sync this budget with your other devices through a self-hosted spearmint-server,
    /// end-to-end encrypted
    Sync {
        #[command(subcommand)]
        action: SyncAction,
    },
    /// Set a transaction's category yourself (it is then locked); --learn applies it to the
    /// seller's future transactions through a visible learned rule
    Recategorize {
        transaction: String,
        category: String,
        #[arg(long)]
        learn: bool,
    },
    /// Split a transaction across categories: CATEGORY=AMOUNT parts that add up to it exactly
    Split {
        transaction: String,
        #[arg(required = true, num_args = 2.., allow_hyphen_values = true)]
        parts: Vec<String>,
    },
    /// Make a split transaction whole again
    Unsplit { transaction: String },
    /// Which category a descriptor gets, from which source and why, and its normalized seller;
    /// `-` reads `descriptor<TAB>amount` lines from standard input and writes JSON lines
    Categorize {
        #[arg(allow_hyphen_values = true)]
        descriptor: String,
        /// Signed amount (negative is money out)
        #[arg(long, allow_hyphen_values = true, default_value = "-1.00")]
        amount: String,
        /// ISO 18245 merchant category code
        #[arg(long)]
        mcc: Option<u16>,
    },
    /// Categorization rules: list, add, delete (learned ones too)
    Rules {
        #[command(subcommand)]
        action: RulesAction,
    },
    /// Budgets: show (spent against budget), recommend, set an override
    Budget {
        #[command(subcommand)]
        action: BudgetAction,
    },
    /// The notification outbox (budget alerts, accounts that need attention)
    Notifications,
    /// Search the directory of banks that offer OFX Direct Connect
    Banks { query: String },
    /// Run the background task: the daily extraction and retries, until interrupted
    Daemon {
        /// The time of day (HH:MM, this machine's local time) of the daily extraction; remembered
        #[arg(long)]
        at: Option<String>,
        /// Run one round (what is due now) and exit
        #[arg(long)]
        once: bool,
    },
    /// The seed's monthly spending job over large transaction logs, on this machine or as
    /// Hadoop Streaming executables (needs no vault)
    Batch {
        #[command(subcommand)]
        action: batch::BatchAction,
    },
    /// Print shell completions
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Subcommand)]
enum RulesAction {
    List,
    /// Add a rule: conditions (all must hold) and what it sets
    Add {
        /// The payee is exactly this (the descriptor or its normalized seller)
        #[arg(long)]
        payee_is: Option<String>,
        #[arg(long)]
        payee_contains: Option<String>,
        /// A regular expression searched in the payee
        #[arg(long)]
        payee_matches: Option<String>,
        #[arg(long, allow_hyphen_values = true)]
        min_amount: Option<String>,
        #[arg(long, allow_hyphen_values = true)]
        max_amount: Option<String>,
        #[arg(long)]
        account: Option<String>,
        /// The category it sets (e.g. FOOD_GROCERIES)
        #[arg(long)]
        category: Option<String>,
        /// The payee name it shows instead
        #[arg(long)]
        rename: Option<String>,
    },
    Delete {
        id: String,
    },
    /// Change what a rule sets, or turn it off or on
    Edit {
        id: String,
        #[arg(long)]
        category: Option<String>,
        #[arg(long)]
        rename: Option<String>,
        #[arg(long, conflicts_with = "enable")]
        disable: bool,
        #[arg(long)]
        enable: bool,
    },
    /// Re-categorize past transactions the rule matches (not the ones you set yourself)
    Apply {
        id: String,
        /// Show what would change, change nothing
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Debug, Subcommand)]
enum BudgetAction {
    /// Budget, spent and remaining per category for a month (default: this month)
    Show {
        #[arg(long)]
        month: Option<String>,
    },
    /// The recommended budget (income-tier template, or your typical months)
    Recommend {
        #[arg(long)]
        month: Option<String>,
    },
    /// Override the budget of a top-level category from a month on
    Set {
        category: String,
        amount: String,
        /// YYYY-MM (default: this month)
        #[arg(long)]
        from: Option<String>,
        /// Carry what is left over to the next month
        #[arg(long)]
        rollover: bool,
    },
    /// Alert when spending reaches these percentages of a budget (default 80,100)
    Thresholds {
        #[arg(value_delimiter = ',')]
        percent: Vec<u32>,
        /// Only for this top-level category
        #[arg(long)]
        category: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum AccountsAction {
    /// Create a manual account (for cash, or a bank you import files from)
    Add {
        name: String,
        /// checking, savings, credit_card, loan, investment, cash, other
        #[arg(long, default_value = "checking")]
        kind: String,
        #[arg(long, default_value = "USD")]
        currency: String,
    },
}

#[derive(Debug, Subcommand)]
enum ConnectSource {
    /// The built-in demo bank: realistic data, no bank needed
    Demo {
        /// Days of history to generate (more makes a bigger vault to try)
        #[arg(long, default_value_t = 90)]
        history_days: u32,
    },
    /// A SimpleFIN Bridge setup token (https://beta-bridge.simplefin.org)
    Simplefin { setup_token: String },
    /// A bank's OFX Direct Connect server: --bank NAME from the directory, or --url/--org/--fid
    Ofx(OfxArgs),
}

#[derive(Debug, clap::Args)]
struct OfxArgs {
    /// A bank from the directory (`spearmint banks NAME` searches it)
    #[arg(long, conflicts_with_all = ["url", "org", "fid"])]
    bank: Option<String>,
    #[arg(long, requires_all = ["org", "fid"])]
    url: Option<String>,
    #[arg(long)]
    org: Option<String>,
    #[arg(long)]
    fid: Option<String>,
    /// The OFX version the server speaks (102, 103, 211, 220)
    #[arg(long, default_value_t = 103)]
    ofx_version: u32,
    /// Your user name at the bank (the password is asked, or read from $SPEARMINT_OFX_PASSWORD, or with
    /// --passphrase-stdin from the next line of standard input)
    #[arg(long)]
    user: String,
}

#[derive(Debug, clap::Args)]
struct ImportArgs {
    file: PathBuf,
    /// The account the file belongs to (needed for CSV and QIF; see `spearmint accounts`)
    #[arg(long)]
    account: Option<String>,
    /// A CSV column mapping as JSON, or @FILE; by default the account's saved one, else detected
    #[arg(long)]
    mapping: Option<String>,
    /// The currency when the file states none (default: the account's)
    #[arg(long)]
    currency: Option<String>,
    /// For a transaction log of several people (`user<TAB>timestamp<TAB>seller<TAB>amount`,
    /// what `spearmint batch` reads and `spearmint export log` writes): whose transactions to
    /// import; amounts spent become money out of the account
    #[arg(long, value_name = "USER_ID")]
    log_user: Option<String>,
    /// Show what would be imported and changed, without changing anything
    #[arg(long)]
    dry_run: bool,
    /// Print progress as lines on standard error (`progress: storing 4096/60000`, then
    /// `progress: writing`, `progress: done`), for logs and scripts
    #[arg(long)]
    progress_lines: bool,
}

#[derive(Debug, clap::Args)]
struct TransactionArgs {
    /// From this date on (YYYY-MM-DD)
    #[arg(long)]
    since: Option<chrono::NaiveDate>,
    /// Up to this date (YYYY-MM-DD)
    #[arg(long)]
    until: Option<chrono::NaiveDate>,
    #[arg(long)]
    account: Option<String>,
    /// Text in the payee or memo
    #[arg(long)]
    search: Option<String>,
    /// A category, with its subcategories (e.g. FOOD; UNCATEGORIZED for rows without one)
    #[arg(long)]
    category: Option<String>,
    #[arg(long)]
    limit: Option<u32>,
}

#[derive(Debug, clap::Args)]
struct ExportArgs {
    #[arg(value_enum)]
    what: ExportKind,
    /// The file to write (replaced atomically), or `-` for standard output
    #[arg(long)]
    out: PathBuf,
    /// Transactions from this date on (YYYY-MM-DD)
    #[arg(long)]
    since: Option<chrono::NaiveDate>,
    /// Transactions up to this date (YYYY-MM-DD)
    #[arg(long)]
    until: Option<chrono::NaiveDate>,
    #[arg(long)]
    account: Option<String>,
    /// Text in the payee or memo
    #[arg(long)]
    search: Option<String>,
    /// Transactions of a category (e.g. FOOD, with its subcategories)
    #[arg(long)]
    category: Option<String>,
    /// The user id a log's lines carry (default: the vault's id)
    #[arg(long, value_name = "USER_ID")]
    user: Option<String>,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum ExportKind {
    Transactions,
    Spending,
    Budgets,
    /// The seed's transaction log, `user<TAB>timestamp<TAB>descriptor<TAB>amount` (money spent
    /// positive): what `spearmint batch spending` reads and `import --log-user` reads back
    Log,
}

#[derive(Debug, Subcommand)]
enum PassphraseAction {
    /// Switch from the keychain to a passphrase
    Set,
    /// Change the passphrase (asks for the current one first)
    Change,
}

/// The allocator every Spearmint binary uses (see the workspace Cargo.toml).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let json = cli.json;
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => report(&e, json),
    }
}

/// Whether the error is standard output's reader going away (`spearmint transactions | head`).
fn broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        let io = cause.downcast_ref::<std::io::Error>().map(std::io::Error::kind);
        let json = cause.downcast_ref::<serde_json::Error>().and_then(serde_json::Error::io_error_kind);
        io.or(json) == Some(std::io::ErrorKind::BrokenPipe)
    })
}

fn report(e: &anyhow::Error, json: bool) -> ExitCode {
    // The reader has what it wanted; writing an error to the closed pipe would only panic.
    if broken_pipe(e) {
        return ExitCode::SUCCESS;
    }
    let engine = e.downcast_ref::<spearmint_engine::Error>();
    let (kind, message) = match engine {
        Some(engine) => (engine.kind(), engine.message().to_owned()),
        None => (ErrorKind::Internal, format!("{e:#}")),
    };
    let (hint, details) = (engine.and_then(hint), engine.and_then(details));
    if json {
        let mut error = serde_json::json!({ "kind": kind, "message": message });
        if let Some(hint) = &hint {
            error["hint"] = hint.as_str().into();
        }
        let _ = writeln!(std::io::stdout(), "{}", serde_json::json!({ "error": error }));
    } else {
        eprintln!("spearmint: {message}");
    }
    if let Some(details) = details {
        eprintln!("details: {details}");
    }
    if let (Some(hint), false) = (&hint, json) {
        eprintln!("hint: {hint}");
    }
    ExitCode::from(exit_code(kind))
}

/// The command that does an error's next step. The engine's message says the step in words that
/// hold in the desktop app too; the CLI adds how to do it here. By the error's hint, else by its
/// kind: never by its text.
fn hint(e: &spearmint_engine::Error) -> Option<String> {
    let hint = match e.hint() {
        Some(Hint::CreateVault) => {
            "run `spearmint init` (with --passphrase to protect it by a passphrase instead of the keychain)".to_owned()
        }
        Some(Hint::UsePassphrase) => {
            "run `spearmint init --passphrase` for a new vault, or `spearmint passphrase set` for an unlocked one"
                .to_owned()
        }
        Some(Hint::ReplaceVault) => {
            "`spearmint status` shows it; `spearmint init --force` sets it aside (kept, not deleted) and creates a new one"
                .to_owned()
        }
        Some(Hint::ChooseDataDir) => "pass --data-dir DIR, or set $SPEARMINT_DATA_DIR".to_owned(),
        Some(Hint::ChooseAccount) => "pass --account ID (`spearmint accounts` lists them)".to_owned(),
        Some(Hint::ListAccounts) => "`spearmint accounts` lists them".to_owned(),
        Some(Hint::ListRules) => "`spearmint rules list` lists them".to_owned(),
        Some(Hint::DeleteRule(id)) => format!("run `spearmint rules delete {id}`"),
        Some(Hint::SkipBadLines) => "pass --skip-bad to count and skip malformed lines".to_owned(),
        Some(Hint::ChooseLogUser) => "pass --log-user USER_ID with one of the log's user ids".to_owned(),
        None => match e.kind() {
            ErrorKind::VaultLocked => {
                "run `spearmint unlock`, or pass the passphrase with --passphrase-stdin or $SPEARMINT_PASSPHRASE"
                    .to_owned()
            }
            _ => return None,
        },
    };
    Some(hint)
}

/// What lies under an error whose message alone leaves nothing to act on: a fault in Spearmint
/// or a damaged vault, where a bug report or a repair needs SQLite's or the OS's own words. Other
/// kinds' messages are complete (an IO error's already names the OS's reason). Only on standard
/// error, the user's own terminal or the daemon's log; never in the JSON, which scripts show.
pub(crate) fn details(e: &spearmint_engine::Error) -> Option<String> {
    matches!(e.kind(), ErrorKind::Internal | ErrorKind::Corrupt).then(|| e.details()).flatten()
}

fn exit_code(kind: ErrorKind) -> u8 {
    match kind {
        ErrorKind::Internal => 1,
        ErrorKind::NotFound => 3,
        ErrorKind::VaultLocked | ErrorKind::WrongKey | ErrorKind::KeyMissing => 4,
        ErrorKind::KeychainUnavailable => 5,
        ErrorKind::Corrupt => 6,
        ErrorKind::VaultTooNew => 7,
        ErrorKind::Storage => 8,
        ErrorKind::Invalid => 9,
        ErrorKind::AlreadyExists | ErrorKind::Conflict => 10,
        ErrorKind::ProviderAuth => 11,
        ErrorKind::RateLimited => 12,
        ErrorKind::Offline | ErrorKind::Provider => 13,
    }
}

#[derive(Subcommand, Debug)]
pub(crate) enum SyncAction {
    /// Set this budget up on a server (creating the account if the server allows sign-up) and
    /// print its recovery phrase, once: another device needs it to join
    Setup(SyncLogin),
    /// Join the budget an account syncs: reads the password, then the recovery phrase
    Join(SyncLogin),
    /// Send this device's changes and merge the other devices' now
    Now,
    /// The server, the last sync and what waits to be sent
    Status,
    /// The devices that sync this budget; `revoke ID` removes one (a lost laptop)
    Devices {
        #[command(subcommand)]
        action: Option<SyncDevicesAction>,
    },
    /// Stop syncing this budget on this device (its data stays here and on the server)
    Leave,
    /// Seal from now on with a new key, on every device after its next sync
    RotateKey,
    /// Sync, then upload a snapshot of the budget now (syncs make them on their own): new
    /// devices start from it, and the server can delete the records it stands for
    Snapshot,
    /// Replace the recovery phrase (and the key) after a device was lost or the phrase seen:
    /// prints the new phrase, once; the devices active now go on syncing as they are
    ChangePhrase,
    /// Share your own categories with the crowd (`on`) and get its categories for your
    /// sellers at each sync, or no longer (`off`). Off unless you turn it on; sellers leave
    /// this device only as keyed hashes of their names
    Crowd { setting: CrowdSetting },
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub(crate) enum CrowdSetting {
    On,
    Off,
}

/// Where and as whom a device signs in to sync.
#[derive(clap::Args, Debug)]
pub(crate) struct SyncLogin {
    #[arg(long, value_name = "URL")]
    pub(crate) server: String,
    #[arg(long, value_name = "NAME")]
    pub(crate) user: String,
    /// Read the password (for `join`, then the recovery phrase) from standard input, one per
    /// line, instead of the terminal
    #[arg(long)]
    pub(crate) password_stdin: bool,
}

#[derive(Subcommand, Debug)]
pub(crate) enum SyncDevicesAction {
    /// Remove a device: its sign-in stops working at once
    Revoke { device: String },
}

pub(crate) struct Ctx {
    pub(crate) engine: Engine,
    pub(crate) json: bool,
    pub(crate) prompt: PassphraseSource,
}

fn run(cli: Cli) -> anyhow::Result<()> {
    // Needs no profile: it runs on a cluster's workers, which may have no home directory.
    if let Command::Batch { action } = cli.command {
        return batch::run(action);
    }
    let data_dir = match cli.data_dir {
        Some(d) => d,
        None => default_data_dir()?,
    };
    // A bank's server on this machine over plain http (a test bank, one under development):
    // only when asked for in the environment, never from an address a bank supplies.
    let allow_loopback_http = std::env::var_os("SPEARMINT_ALLOW_LOOPBACK_HTTP").is_some_and(|v| v == "1");
    let engine =
        Engine::new(EngineOptions { profile: cli.profile, allow_loopback_http, ..EngineOptions::new(data_dir) })?;
    let prompt = PassphraseSource::new(cli.passphrase_stdin);
    let ctx = Ctx { engine, json: cli.json, prompt };
    let delivers_itself = matches!(cli.command, Command::Notifications | Command::Daemon { .. });
    let outcome = command(&ctx, cli.command);
    if outcome.is_ok() && !delivers_itself {
        // Any write may have raised an alert (the engine checks budgets at the end of every
        // write): it goes out natively now, or stays in the outbox without a notification
        // server. A locked vault has nothing to deliver.
        let _ = ctx.engine.deliver_notifications(&spearmint_engine::DesktopNotifier);
    }
    outcome
}

fn command(ctx: &Ctx, command: Command) -> anyhow::Result<()> {
    match command {
        Command::Init { passphrase, force } => init(ctx, passphrase, force),
        Command::Status => status(ctx),
        Command::Unlock => unlock_session(ctx),
        Command::Lock => {
            let status = ctx.engine.lock()?;
            print_status(ctx, &status, "locked: the key is no longer cached in this session")
        }
        Command::Passphrase { action } => set_passphrase(ctx, action),
        Command::Rekey => {
            unlock(ctx, true)?;
            let status = ctx.engine.rekey()?;
            print_status(ctx, &status, "re-encrypted with a new random key, kept in the OS keychain")
        }
        Command::Connect { source } => {
            unlock(ctx, true)?;
            ctx.engine.mark_used()?;
            commands::connect(ctx, source)
        }
        Command::Import(args) => {
            unlock(ctx, true)?;
            ctx.engine.mark_used()?;
            commands::import(ctx, args)
        }
        Command::Refresh { account } => {
            unlock(ctx, true)?;
            ctx.engine.mark_used()?;
            commands::refresh(ctx, account.as_deref())
        }
        Command::Disconnect { account, keep_transactions, delete_transactions: _ } => {
            unlock(ctx, true)?;
            commands::disconnect(ctx, &account, keep_transactions)
        }
        Command::Accounts { action } => {
            unlock(ctx, true)?;
            ctx.engine.mark_used()?;
            match action {
                None => commands::accounts(ctx),
                Some(AccountsAction::Add { name, kind, currency }) => {
                    commands::add_account(ctx, &name, &kind, &currency)
                }
            }
        }
        Command::Transactions(args) => {
            unlock(ctx, true)?;
            ctx.engine.mark_used()?;
            commands::transactions(ctx, args)
        }
        Command::Banks { query } => commands::banks(ctx, &query),
        Command::Recategorize { transaction, category, learn } => {
            unlock(ctx, true)?;
            ctx.engine.mark_used()?;
            commands::recategorize(ctx, &transaction, &category, learn)
        }
        Command::Split { transaction, parts } => {
            unlock(ctx, true)?;
            ctx.engine.mark_used()?;
            commands::split(ctx, &transaction, &parts)
        }
        Command::Unsplit { transaction } => {
            unlock(ctx, true)?;
            ctx.engine.mark_used()?;
            commands::unsplit(ctx, &transaction)
        }
        Command::Categorize { descriptor, amount, mcc } => {
            unlock(ctx, true)?;
            commands::categorize(ctx, &descriptor, &amount, mcc)
        }
        Command::Rules { action } => {
            unlock(ctx, true)?;
            ctx.engine.mark_used()?;
            commands::rules(ctx, action)
        }
        Command::Budget { action } => {
            unlock(ctx, true)?;
            ctx.engine.mark_used()?;
            commands::budget(ctx, action)
        }
        Command::Notifications => {
            unlock(ctx, true)?;
            commands::notifications(ctx)
        }
        Command::Export(args) => {
            unlock(ctx, true)?;
            commands::export(ctx, args)
        }
        Command::Sync { action } => {
            unlock(ctx, true)?;
            commands::sync(ctx, action)
        }
        Command::Spending { month, months, top_sellers } => {
            unlock(ctx, true)?;
            ctx.engine.mark_used()?;
            commands::spending(ctx, month, months, top_sellers)
        }
        Command::Doctor { repair } => {
            unlock(ctx, true)?;
            commands::doctor(ctx, repair)
        }
        Command::Daemon { at, once } => {
            unlock(ctx, true)?;
            commands::daemon(ctx, at.as_deref(), once)
        }
        Command::Batch { action } => batch::run(action),
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "spearmint", &mut std::io::stdout());
            Ok(())
        }
    }
}

fn init(ctx: &Ctx, passphrase: bool, force: bool) -> anyhow::Result<()> {
    let key = if passphrase { NewKey::Passphrase(ctx.prompt.new_passphrase()?) } else { NewKey::Keychain };
    if !force {
        let status = ctx.engine.create(key)?;
        return print_status(ctx, &status, "created an encrypted vault");
    }
    let (status, backup) = ctx.engine.create_replacing(key)?;
    let note = format!("created an encrypted vault; the previous one is kept in {}", backup.display());
    print_status(ctx, &status, &note)
}

fn status(ctx: &Ctx) -> anyhow::Result<()> {
    // Unlock if it can be done without asking; a locked passphrase vault is still a status.
    let status = ctx.engine.status()?;
    let status = match status.state {
        VaultState::Locked => match unlock(ctx, false) {
            Ok(s) => s,
            Err(e) if matches!(e.kind(), ErrorKind::VaultLocked) => status,
            Err(e) => return Err(e.into()),
        },
        _ => status,
    };
    print_status(ctx, &status, "")
}

fn unlock_session(ctx: &Ctx) -> anyhow::Result<()> {
    let status = unlock(ctx, true)?;
    let cached = status.key_source == Some(KeySource::Passphrase) && ctx.engine.cache_in_session()?;
    let note = if cached {
        format!(
            "unlocked: the key is cached in this login session's kernel keyring until `spearmint lock`, logout, \
             or {} hours",
            spearmint_engine::SESSION_CACHE_HOURS
        )
    } else if status.key_source == Some(KeySource::Keychain) {
        "unlocked: this vault's key is in the OS keychain, so commands unlock it themselves".to_owned()
    } else {
        "unlocked, but no session keyring is available to remember it: later commands will ask again".to_owned()
    };
    print_status(ctx, &status, &note)
}

/// Unlocks by whatever the vault uses. `interactive` allows asking for a passphrase.
fn unlock(ctx: &Ctx, interactive: bool) -> Result<VaultStatus, spearmint_engine::Error> {
    let status = ctx.engine.status()?;
    match status.key_source {
        Some(KeySource::Keychain) => ctx.engine.unlock(Unlock::Keychain),
        Some(KeySource::Passphrase) => match ctx.engine.unlock(Unlock::SessionCache) {
            Ok(s) => Ok(s),
            Err(e) if e.kind() != ErrorKind::VaultLocked => Err(e),
            Err(e) => match ctx.prompt.existing(interactive)? {
                Some(p) => ctx.engine.unlock(Unlock::Passphrase(p)),
                None => Err(e),
            },
        },
        None => ctx.engine.unlock(Unlock::Keychain),
    }
}

fn set_passphrase(ctx: &Ctx, action: PassphraseAction) -> anyhow::Result<()> {
    let before = ctx.engine.status()?;
    match (action, before.key_source) {
        (PassphraseAction::Set, Some(KeySource::Passphrase)) => {
            anyhow::bail!(spearmint_engine::Error::new(
                ErrorKind::Invalid,
                "this vault already has a passphrase: use `spearmint passphrase change`"
            ))
        }
        (PassphraseAction::Change, Some(KeySource::Keychain)) => {
            anyhow::bail!(spearmint_engine::Error::new(
                ErrorKind::Invalid,
                "this vault's key is in the keychain: use `spearmint passphrase set` to switch to a passphrase"
            ))
        }
        (PassphraseAction::Change, _) => {
            // Proving the current passphrase is required, even with a cached session key.
            let current = ctx.prompt.existing(true)?.ok_or_else(|| {
                spearmint_engine::Error::new(ErrorKind::Invalid, "the current passphrase is needed to change it")
            })?;
            ctx.engine.unlock(Unlock::Passphrase(current))?;
        }
        (PassphraseAction::Set, _) => {
            unlock(ctx, true)?;
        }
    }
    let new = ctx.prompt.new_passphrase()?;
    let status = ctx.engine.set_passphrase(new)?;
    print_status(ctx, &status, "the vault is now protected by the new passphrase")
}

fn print_status(ctx: &Ctx, status: &VaultStatus, note: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    if ctx.json {
        serde_json::to_writer_pretty(&mut out, status)?;
        writeln!(out)?;
        return Ok(());
    }
    if !note.is_empty() {
        writeln!(out, "{note}")?;
    }
    let state = match status.state {
        VaultState::Missing => "no vault yet (create one with `spearmint init`)",
        VaultState::Locked => "locked",
        VaultState::Unlocked => "unlocked",
    };
    writeln!(out, "profile      {}", status.profile)?;
    writeln!(out, "vault        {}", status.path)?;
    writeln!(out, "state        {state}")?;
    if status.state != VaultState::Missing {
        let enc = if status.encrypted {
            "encrypted (SQLCipher, AES-256)"
        } else {
            "NOT ENCRYPTED: this is not a Spearmint vault"
        };
        writeln!(out, "encryption   {enc}")?;
    }
    if let Some(location) = &status.key_location {
        writeln!(out, "key          {location}")?;
    }
    match status.schema_version {
        Some(v) => writeln!(out, "schema       {v} (this Spearmint knows up to {})", status.latest_schema_version)?,
        None if status.state == VaultState::Locked => {
            writeln!(out, "schema       unknown while locked (run `spearmint unlock`)")?
        }
        None => {}
    }
    if !status.counts.is_empty() {
        let counts: Vec<String> = status.counts.iter().map(|c| format!("{} {}", c.table, c.rows)).collect();
        writeln!(out, "rows         {}", counts.join(", "))?;
    }
    Ok(())
}

/// Where passphrases come from: stdin lines (for scripts), the environment, or the terminal.
pub(crate) struct PassphraseSource {
    stdin: bool,
}

impl PassphraseSource {
    fn new(stdin: bool) -> PassphraseSource {
        PassphraseSource { stdin }
    }

    fn read_line(&self) -> anyhow::Result<Passphrase> {
        let mut line = zeroize::Zeroizing::new(String::new());
        std::io::stdin().lock().read_line(&mut line)?;
        Ok(Passphrase::new(line.trim_end_matches(['\n', '\r'])))
    }

    /// The current passphrase; `None` when there is no way to ask.
    pub(crate) fn existing(&self, interactive: bool) -> Result<Option<Passphrase>, spearmint_engine::Error> {
        let io = |e: std::io::Error| {
            spearmint_engine::Error::new(ErrorKind::Invalid, format!("cannot read the passphrase: {e}"))
        };
        if self.stdin {
            return self
                .read_line()
                .map(Some)
                .map_err(|e| spearmint_engine::Error::new(ErrorKind::Invalid, e.to_string()));
        }
        if let Ok(p) = std::env::var("SPEARMINT_PASSPHRASE") {
            return Ok(Some(Passphrase::new(p)));
        }
        if interactive && std::io::stdin().is_terminal() {
            return rpassword::prompt_password("Passphrase: ").map(|p| Some(Passphrase::new(p))).map_err(io);
        }
        Ok(None)
    }

    /// Another secret (a bank's password): a line of standard input with --passphrase-stdin (the
    /// line after the vault's passphrase, if the vault needs one), else typed on the terminal.
    /// Never `$SPEARMINT_PASSPHRASE`, which is the vault's.
    pub(crate) fn secret(&self, prompt: &str) -> Result<Option<zeroize::Zeroizing<String>>, spearmint_engine::Error> {
        let io = |e: std::io::Error| spearmint_engine::Error::new(ErrorKind::Invalid, format!("cannot read it: {e}"));
        if self.stdin {
            let mut line = zeroize::Zeroizing::new(String::new());
            std::io::stdin().lock().read_line(&mut line).map_err(io)?;
            let secret = zeroize::Zeroizing::new(line.trim_end_matches(['\n', '\r']).to_owned());
            return Ok(Some(secret).filter(|s| !s.is_empty()));
        }
        if std::io::stdin().is_terminal() {
            return rpassword::prompt_password(prompt).map(|p| Some(zeroize::Zeroizing::new(p))).map_err(io);
        }
        Ok(None)
    }

    /// A new passphrase, typed twice on a terminal.
    fn new_passphrase(&self) -> anyhow::Result<Passphrase> {
        if self.stdin {
            return self.read_line();
        }
        if let Ok(p) = std::env::var("SPEARMINT_NEW_PASSPHRASE") {
            return Ok(Passphrase::new(p));
        }
        if !std::io::stdin().is_terminal() {
            anyhow::bail!(spearmint_engine::Error::new(
                ErrorKind::Invalid,
                "no terminal to ask for a new passphrase: pass it on standard input with --passphrase-stdin"
            ));
        }
        let first = Passphrase::new(rpassword::prompt_password("New passphrase: ")?);
        first.validate_new()?;
        let second = Passphrase::new(rpassword::prompt_password("Repeat it: ")?);
        if first.expose() != second.expose() {
            anyhow::bail!(spearmint_engine::Error::new(
                ErrorKind::Invalid,
                "the two passphrases differ: nothing changed"
            ));
        }
        Ok(first)
    }
}
