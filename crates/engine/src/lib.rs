//! spearmint-engine: the one API every Spearmint client (the desktop shell, the CLI) uses.
//!
//! It owns the vault (an SQLCipher file whose key lives in the OS keychain or comes from a
//! passphrase), its migrations and its single mutation path, which records every change for
//! sync. It must not depend on `tauri` or any UI: clients stay thin and call [`Engine`], whose
//! whole surface is in `api/` (its lifecycle in `engine.rs`).
//!
//! The modules are layers; each uses only those listed before it (a tidy test holds this):
//! `error`, `secret`, `status`; `vault`, `keychain`, `installation`; `budget`, `batch`; `alerts`;
//! `engine`; `ledger`; `categorization`; `reports`; `ingestion`; `provider`; `background`;
//! `api`.

mod error;
mod secret;
mod status;

mod installation;
pub mod keychain;
pub mod vault;

mod alerts;
mod background;
pub mod batch;
mod budget;
mod categorization;
mod engine;
mod ingestion;
mod ledger;
pub mod provider;
mod reports;
mod sync;

mod api;

pub use alerts::{DeliveryError, DesktopNotifier, Notification, Notifier, shown as os_notification_text};
pub use background::DailyRefresh;
pub use budget::{BudgetLine, BudgetReport};
pub use categorization::{Category, RuleChange};
pub use engine::{DATA_DIR_ENV, Engine, EngineOptions, NewKey, Unlock, default_data_dir};
pub use error::{Error, ErrorKind, ErrorPayload, Hint, Result};
pub use ingestion::{
    AmountMapping, ApplySummary, ColumnMapping, CsvColumns, ImportPhase, ImportProgress, ImportReport, ImportRequest,
    MAX_IMPORT_BYTES, PreviewRow, RAW_RETENTION_DAYS,
};
pub use ledger::{
    AccountSummary, NewAccount, NewTransaction, SplitPart, Transaction, TransactionCursor, TransactionQuery,
};
pub use provider::connection::{Connection, ConnectionStatus, ProviderKind, Removed};
pub use provider::refresh::{ConnectionOutcome, OfxLogin, Phase, Progress, RefreshReport};
pub use reports::{
    AccountCountDifference, CategorySpending, DoctorReport, ExportKind, Exported, MonthSpending, SellerSpending,
    SpendingDifference,
};
pub use secret::{Passphrase, VaultKey};
/// How long `unlock`'s session cache keeps a passphrase vault's key, at most.
pub const SESSION_CACHE_HOURS: usize = keychain::SessionCache::TIMEOUT_HOURS;
pub use spearmint_core::{
    AccountId, AccountKind, CategoryId, Condition, ConnectionId, Currency, Decision, JobId, Money, NotificationId,
    Rule, RuleActions, RuleId, RuleOrigin, TransactionId,
};
pub use status::{KeySource, TableCount, VaultState, VaultStatus};
pub use sync::client::{SyncDevice, SyncDeviceView, SyncReport, SyncState, SyncStatus};
pub use vault::write::ChangeRecord;
