//! spearmint-engine: the one API every Spearmint client (the desktop shell, the CLI) uses.
//!
//! It owns the vault (an SQLCipher file whose key lives in the OS keychain or comes from a
//! passphrase), its migrations and its single mutation path, which records every change for
//! sync. It must not depend on `tauri` or any UI: clients stay thin and call [`Engine`].

mod engine;
mod error;
pub mod keychain;
mod ledger;
mod secret;
mod status;
pub mod vault;

pub use engine::{ChangeRecord, DATA_DIR_ENV, Engine, EngineOptions, NewKey, Unlock, default_data_dir};
pub use error::{Error, ErrorKind, ErrorPayload, Result};
pub use ledger::{NewAccount, NewTransaction, Transaction};
pub use secret::{Passphrase, VaultKey};
pub use spearmint_core::AccountKind;
pub use status::{KeySource, TableCount, VaultState, VaultStatus};
