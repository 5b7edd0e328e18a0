//! spearmint-engine: the one API every Spearmint client (the desktop shell, the CLI) uses.
//!
//! It owns the vault (an SQLCipher file whose key lives in the OS keychain or comes from a
//! passphrase), its migrations and its single mutation path, which records every change for
//! sync. It must not depend on `tauri` or any UI: clients stay thin and call [`Engine`].

mod budget;
mod connection;
mod daemon;
mod engine;
mod error;
mod export;
mod extract;
mod import;
mod installation;
mod jobs;
pub mod keychain;
mod ledger;
mod notify;
pub mod provider;
mod refresh;
mod rules;
mod secret;
mod spending;
mod status;
pub mod vault;

pub use budget::{BudgetLine, BudgetReport};
pub use connection::{Connection, ConnectionStatus, ProviderKind};
pub use daemon::DailyRefresh;
pub use engine::{DATA_DIR_ENV, Engine, EngineOptions, NewKey, Unlock, default_data_dir};
pub use error::{Error, ErrorKind, ErrorPayload, Result};
pub use extract::ApplySummary;
pub use import::{
    AmountMapping, ColumnMapping, CsvColumns, ImportPhase, ImportProgress, ImportReport, ImportRequest, PreviewRow,
};
pub use ledger::{AccountSummary, NewAccount, NewTransaction, Transaction, TransactionCursor, TransactionQuery};
pub use notify::{DeliveryError, DesktopNotifier, Notification, Notifier};
pub use refresh::{ConnectionOutcome, OfxLogin, Phase, Progress, RefreshReport};
pub use rules::RuleChange;
pub use secret::{Passphrase, VaultKey};
pub use spearmint_core::{AccountId, AccountKind, Currency};
pub use spending::{
    AccountCountDifference, CategorySpending, DoctorReport, MonthSpending, SellerSpending, SpendingDifference,
};
pub use status::{KeySource, TableCount, VaultState, VaultStatus};
pub use vault::write::ChangeRecord;
