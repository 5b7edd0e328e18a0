//! spearmint-core: Spearmint's pure domain logic — money, ids, the hybrid logical clock, the
//! statement model every provider and parser produces, and categorization (seller
//! normalization, the seller dictionary embedded from `data/`, rules).
//!
//! It must not depend on anything that does IO: no tokio, no SQL, no HTTP, no filesystem
//! (a tidy test checks its Cargo.toml). Everything here is deterministic given its inputs,
//! which is what lets the engine, the CLI and (later) the sync server share it safely.

pub mod batch;
pub mod budget;
pub mod categorize;
pub mod hlc;
pub mod id;
pub mod lexicon;
pub mod matcher;
pub mod model;
pub mod money;
pub mod parts;
pub mod profile;
pub mod schedule;
pub mod seller;
pub mod statement;

pub use categorize::{
    CATEGORY_IDS, Categorizer, CategorySource, Condition, CrowdVotes, Decision, Input, NoCrowd, Rule, RuleActions,
    RuleError, RuleOrigin,
};
pub use hlc::{Hlc, HlcClock, HlcError};
pub use id::{AccountId, CategoryId, ConnectionId, DeviceId, JobId, NotificationId, RuleId, TransactionId, VaultId};
pub use lexicon::{Lexicon, LexiconError};
pub use model::{Model, ModelError};
pub use money::{Currency, DecimalMark, Money, MoneyError};
pub use profile::ProfileModel;
pub use seller::{Channel, Dictionary, DictionaryError};
pub use statement::{AccountKind, Statement, StatementAccount, StatementSplit, StatementTransaction};
