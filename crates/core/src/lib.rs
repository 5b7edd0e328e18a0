//! spearmint-core: Spearmint's pure domain logic — money, ids, the hybrid logical clock, and
//! the statement model every provider and parser produces.
//!
//! It must not depend on anything that does IO: no tokio, no SQL, no HTTP, no filesystem
//! (a tidy test checks its Cargo.toml). Everything here is deterministic given its inputs,
//! which is what lets the engine, the CLI and (later) the sync server share it safely.

pub mod hlc;
pub mod id;
pub mod matcher;
pub mod money;
pub mod schedule;
pub mod statement;

pub use hlc::{Hlc, HlcClock, HlcError};
pub use id::{AccountId, DeviceId, TransactionId, VaultId};
pub use money::{Currency, DecimalMark, Money, MoneyError};
pub use statement::{AccountKind, Statement, StatementAccount, StatementSplit, StatementTransaction};
