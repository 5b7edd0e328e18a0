//! The crowd's categories, opt-in: a device that shares sends, for each seller the user
//! categorized by hand, the category they chose; any device may ask which category the crowd
//! gives a seller, answered only once enough distinct accounts agree. Sellers travel as keyed
//! hashes of their normalized names ([`SellerKey`]), never as names.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The fewest distinct accounts whose votes agree before the server answers for a seller.
pub const CROWD_MIN_ACCOUNTS: u32 = 3;

/// The most votes or sellers one request may carry; clients send more in several.
pub const CROWD_MAX_PER_REQUEST: usize = 1_000;

/// A seller as the crowd knows it: SHA-256 of a fixed prefix and the normalized seller name,
/// in hex. The server cannot read it back (it can only test a guessed name).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SellerKey(pub String);

impl SellerKey {
    /// The key of a normalized seller name (as the categorizer normalizes it).
    pub fn of(normalized_seller: &str) -> SellerKey {
        let digest =
            Sha256::new_with_prefix(b"spearmint crowd v1\0").chain_update(normalized_seller.as_bytes()).finalize();
        SellerKey(hex::encode(digest))
    }

    /// Whether this is a key at all: 64 lowercase hex digits.
    pub fn is_valid(&self) -> bool {
        self.0.len() == 64 && self.0.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    }

    /// The 32 bytes the key stands for (a valid key only).
    pub fn bytes(&self) -> Option<[u8; 32]> {
        hex::decode(&self.0).ok()?.try_into().ok()
    }

    pub fn from_bytes(bytes: &[u8; 32]) -> SellerKey {
        SellerKey(hex::encode(bytes))
    }
}

/// Whether `category` looks like one of the app's category ids (`FOOD_COFFEE`): what the
/// server accepts as a vote, so it stores no free text.
pub fn is_category_id(category: &str) -> bool {
    (1..=64).contains(&category.len())
        && category.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

/// One account's vote: the category its user gave a seller.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CrowdVote {
    pub seller: SellerKey,
    pub category: String,
}

/// `POST /v1/crowd/votes`: the caller's account's votes; a new vote for a seller replaces the
/// account's earlier one.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CrowdVotes {
    pub votes: Vec<CrowdVote>,
}

/// `POST /v1/crowd/lookup`: the sellers to ask about.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CrowdLookup {
    pub sellers: Vec<SellerKey>,
}

/// The crowd's category for a seller and how many distinct accounts chose it (at least
/// [`CROWD_MIN_ACCOUNTS`]); sellers the crowd has no answer for are left out.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CrowdAnswer {
    pub seller: SellerKey,
    pub category: String,
    pub accounts: u32,
}

#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CrowdAnswers {
    pub answers: Vec<CrowdAnswer>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seller_keys_are_stable_hex_and_differ_per_seller() {
        let key = SellerKey::of("BLUE BOTTLE COFFEE");
        assert!(key.is_valid());
        assert_eq!(key, SellerKey::of("BLUE BOTTLE COFFEE"));
        assert_ne!(key, SellerKey::of("BLUE BOTTLE"));
        assert_eq!(SellerKey::from_bytes(&key.bytes().unwrap()), key);
        assert!(!SellerKey("BLUE BOTTLE COFFEE".into()).is_valid());
        // Pinned: every client and server must derive the same key.
        assert_eq!(SellerKey::of("").0, hex::encode(Sha256::digest(b"spearmint crowd v1\0")));
    }

    #[test]
    fn only_category_ids_are_votes() {
        assert!(is_category_id("FOOD_COFFEE"));
        for bad in ["", "food", "FOOD COFFEE", "Ç", &"A".repeat(65)] {
            assert!(!is_category_id(bad), "{bad}");
        }
    }
}
