//! Id newtypes. New rows get UUIDv7 (time-ordered, so indexes stay append-mostly); an account
//! that came from a provider gets a deterministic UUIDv5 of the provider and its account id,
//! and a transaction from a provider one of its account and the provider's id, so two devices
//! that extract (or import a file of) the same account converge on the same rows.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ts_rs::TS)]
        #[serde(transparent)]
        #[ts(type = "string")]
        pub struct $name(Uuid);

        impl $name {
            /// A fresh, time-ordered id (UUIDv7).
            #[allow(clippy::new_without_default)]
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            pub const fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }

            pub fn as_uuid(&self) -> &Uuid {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0.hyphenated())
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

id_type!(
    /// An account the user holds at a provider (or a manual one).
    AccountId
);
id_type!(
    /// One transaction.
    TransactionId
);
id_type!(
    /// One installation of Spearmint: the author of the sync changes it records.
    DeviceId
);
id_type!(
    /// One vault file; names its key in the keychain, so two vaults never share an entry.
    VaultId
);

id_type!(
    /// A link to a provider: one login holding accounts.
    ConnectionId
);
id_type!(
    /// A categorization rule, the user's or one learned from their corrections.
    RuleId
);
id_type!(
    /// A durable background job (an extraction).
    JobId
);
id_type!(
    /// An entry of the notification outbox.
    NotificationId
);

/// A category (`FOOD_GROCERIES`): a stable code, not a UUID, so built-in categories have the
/// same id in every vault and the crowd's votes agree across users.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(transparent)]
#[ts(type = "string")]
pub struct CategoryId(String);

impl CategoryId {
    pub fn new(id: impl Into<String>) -> CategoryId {
        CategoryId(id.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// Reading a category id as text is always fine (it is a code, shown and stored as such);
/// making one from text goes through `new` or `From`, where the type says what the text is.
impl std::ops::Deref for CategoryId {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CategoryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for CategoryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CategoryId({})", self.0)
    }
}

impl From<&str> for CategoryId {
    fn from(id: &str) -> CategoryId {
        CategoryId(id.to_owned())
    }
}

impl From<String> for CategoryId {
    fn from(id: String) -> CategoryId {
        CategoryId(id)
    }
}

impl PartialEq<str> for CategoryId {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for CategoryId {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

/// The namespace of provider accounts' ids (a random UUID, fixed forever: changing it would
/// give every account a new id on the next device that links it).
const PROVIDER_ACCOUNTS: Uuid = Uuid::from_u128(0x5f1e_a2c4_7b3d_4e8f_9a60_21d7_c3b8_e495);

/// `Uuid::new_v5(namespace, name)` exactly, with a SHA-1 that uses the CPU's SHA instructions.
fn v5(namespace: &Uuid, parts: &[&[u8]]) -> Uuid {
    use sha1::Digest as _;
    let mut hasher = sha1::Sha1::new_with_prefix(namespace.as_bytes());
    for part in parts {
        hasher.update(part);
    }
    let digest = hasher.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_sha1_bytes(bytes).into_uuid()
}

impl AccountId {
    /// The id of a provider's account (`provider` as stored, e.g. `simplefin`, `ofx`, `file`,
    /// and the provider's own account id): the same on every device and every re-link.
    pub fn for_provider(provider: &str, provider_account_id: &str) -> AccountId {
        // A NUL between the two, which neither holds, so ("ab", "c") and ("a", "bc") differ.
        AccountId(v5(&PROVIDER_ACCOUNTS, &[provider.as_bytes(), &[0], provider_account_id.as_bytes()]))
    }
}

impl TransactionId {
    /// The id of a provider's transaction within an account: stable across devices and re-runs.
    pub fn for_provider(account: AccountId, provider_transaction_id: &str) -> TransactionId {
        // `Uuid::new_v5` exactly (RFC 9562: SHA-1 of the namespace and the name): a million-row
        // import hashes a million names.
        TransactionId(v5(account.as_uuid(), &[provider_transaction_id.as_bytes()]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_account_ids_are_deterministic_per_provider_and_account() {
        let a = AccountId::for_provider("simplefin", "ACT-1");
        assert_eq!(a, AccountId::for_provider("simplefin", "ACT-1"));
        assert_ne!(a, AccountId::for_provider("simplefin", "ACT-2"));
        assert_ne!(a, AccountId::for_provider("ofx", "ACT-1"));
        assert_ne!(AccountId::for_provider("ab", "c"), AccountId::for_provider("a", "bc"));
        assert_eq!(a.as_uuid().get_version_num(), 5);
        // Exactly RFC 9562's name-based id, so any implementation derives the same.
        assert_eq!(*a.as_uuid(), Uuid::new_v5(&PROVIDER_ACCOUNTS, b"simplefin\0ACT-1"));
    }

    #[test]
    fn provider_ids_are_deterministic_and_scoped_to_their_account() {
        let a = AccountId::from_uuid(Uuid::from_u128(1));
        let b = AccountId::from_uuid(Uuid::from_u128(2));
        assert_eq!(TransactionId::for_provider(a, "FITID-1"), TransactionId::for_provider(a, "FITID-1"));
        assert_ne!(TransactionId::for_provider(a, "FITID-1"), TransactionId::for_provider(a, "FITID-2"));
        assert_ne!(TransactionId::for_provider(a, "FITID-1"), TransactionId::for_provider(b, "FITID-1"));
        assert_eq!(TransactionId::for_provider(a, "FITID-1").as_uuid().get_version_num(), 5);
    }

    #[test]
    fn provider_ids_are_the_standard_uuid_v5() {
        // Vaults hold ids made by `Uuid::new_v5`: the same names must give the same ids.
        let account = AccountId::from_uuid(Uuid::parse_str("0b7c3c4e-9a51-4d0e-8f59-7e0c1f0f4a11").unwrap());
        let long = "x".repeat(300);
        for name in
            ["", "FITID-1", "hash:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "é€", &long]
        {
            assert_eq!(
                *TransactionId::for_provider(account, name).as_uuid(),
                Uuid::new_v5(account.as_uuid(), name.as_bytes()),
                "{name}"
            );
        }
        // And a value from another implementation (Python's `uuid.uuid5`), should `new_v5`
        // itself ever change.
        assert_eq!(TransactionId::for_provider(account, "FITID-1").to_string(), "5908c392-e41c-5316-b623-e8435fc05542");
    }

    #[test]
    fn new_ids_are_v7_and_ordered_in_time() {
        let first = AccountId::new();
        let second = AccountId::new();
        assert_eq!(first.as_uuid().get_version_num(), 7);
        assert!(first < second);
        assert_eq!(first.to_string().parse::<AccountId>().unwrap(), first);
    }
}
