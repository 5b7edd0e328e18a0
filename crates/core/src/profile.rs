//! What the user's own corrections teach about sellers they have not corrected.
//!
//! A learned rule covers one exact seller, and only when the user asks for it. The
//! [`ProfileModel`] learns from every correction: the sellers the user has filed by hand and
//! the category of each. It answers for a new seller when
//! - the user filed this very seller by hand before (the latest category they gave it), or
//! - a word of its name is in at least [`MIN_SELLERS`] other sellers the user filed under one
//!   category, and nearly always under that one: after two independent cafes named `... cafe`
//!   are filed under Coffee shops, a third new `... cafe` follows.
//!
//! It is rebuilt from the vault's user-categorized rows (the engine keeps them indexed), so it
//! is stored in the vault, syncs with it, and forgets what the user undoes. It only ever
//! categorizes a transaction when it is first stored: stored and locked rows never move.

use std::collections::HashMap;

use foldhash::fast::FixedState;

use crate::categorize::{CATEGORY_IDS, UNCATEGORIZED};

/// How many different sellers a word must have been filed under one category in.
pub const MIN_SELLERS: u32 = 2;

/// Words too common in sellers' names to say anything about them.
const STOP_WORDS: &[&str] = &[
    "the", "and", "of", "at", "in", "on", "for", "to", "a", "an", "co", "company", "inc", "llc", "ltd", "corp",
    "store", "shop", "usa", "us", "de", "la", "le", "el", "los", "las", "du", "des", "der", "die", "das", "van", "het",
    "en", "y", "et", "und", "e", "do", "da", "online", "pos", "purchase", "payment", "debit", "card", "www", "com",
];

/// The user's corrections, by seller and by word.
#[derive(Debug, Default)]
pub struct ProfileModel {
    /// Seller -> category index, the user's latest choice.
    sellers: HashMap<Box<str>, u8, FixedState>,
    /// Word -> (category index, number of distinct sellers filed under it with that word).
    words: HashMap<Box<str>, Vec<(u8, u32)>, FixedState>,
}

/// A prediction of the user's model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Learned {
    pub category: &'static str,
    /// The words that decided; the whole seller when the user filed this seller before.
    pub words: Vec<String>,
    /// How many of the user's sellers back the answer.
    pub sellers: u32,
    /// Whether the user filed this very seller before.
    pub same_seller: bool,
}

impl Learned {
    /// The answer to "why this category?".
    pub fn reason(&self) -> String {
        if self.same_seller {
            return "you filed this seller under it before".to_owned();
        }
        let words: Vec<String> = self.words.iter().map(|w| format!("\"{w}\"")).collect();
        format!("like {} sellers with {} in the name you filed under it", self.sellers, words.join(" and "))
    }
}

impl ProfileModel {
    /// A model that has learned nothing.
    pub const fn empty() -> ProfileModel {
        ProfileModel {
            sellers: HashMap::with_hasher(FixedState::with_seed(0)),
            words: HashMap::with_hasher(FixedState::with_seed(0)),
        }
    }

    /// Learns from the user's corrections: each normalized seller they filed by hand and the
    /// category they gave it, oldest first (a later correction of the same seller wins).
    pub fn learn<'s>(corrections: impl IntoIterator<Item = (&'s str, &'s str)>) -> ProfileModel {
        let mut sellers: HashMap<Box<str>, u8, FixedState> = HashMap::default();
        for (seller, category) in corrections {
            let seller = seller.trim();
            let Some(index) = index_of(category) else { continue };
            if seller.is_empty() || category == UNCATEGORIZED {
                continue;
            }
            sellers.insert(seller.into(), index);
        }
        let mut words: HashMap<Box<str>, Vec<(u8, u32)>, FixedState> = HashMap::default();
        // Sorted, so the model is the same whatever order the vault returned the rows in.
        let mut ordered: Vec<(&str, u8)> = sellers.iter().map(|(s, c)| (&**s, *c)).collect();
        ordered.sort_unstable();
        for (seller, index) in ordered {
            let mut seen: Vec<&str> = Vec::new();
            for word in seller.split(' ').filter(|w| telling(w)) {
                if seen.contains(&word) {
                    continue;
                }
                seen.push(word);
                let counts = words.entry(word.into()).or_default();
                match counts.iter_mut().find(|(c, _)| *c == index) {
                    Some((_, n)) => *n += 1,
                    None => counts.push((index, 1)),
                }
            }
        }
        ProfileModel { sellers, words }
    }

    /// How many sellers the user has filed by hand.
    pub fn len(&self) -> usize {
        self.sellers.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sellers.is_empty()
    }

    /// The category the user's corrections point to for a normalized seller, if any.
    pub fn predict(&self, seller: &str) -> Option<Learned> {
        if self.sellers.is_empty() {
            return None;
        }
        if let Some(index) = self.sellers.get(seller) {
            return Some(Learned {
                category: CATEGORY_IDS[usize::from(*index)],
                words: vec![seller.to_owned()],
                sellers: 1,
                same_seller: true,
            });
        }
        // (category, sellers backing it, words)
        let mut votes: Vec<(u8, u32, Vec<String>)> = Vec::new();
        for word in seller.split(' ').filter(|w| telling(w)) {
            let Some(counts) = self.words.get(word) else { continue };
            let total: u32 = counts.iter().map(|(_, n)| n).sum();
            let Some(&(index, n)) = counts.iter().max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0))) else { continue };
            // Nearly always one category: at least four in five of the word's sellers.
            if n < MIN_SELLERS || n * 5 < total * 4 {
                continue;
            }
            match votes.iter_mut().find(|v| v.0 == index) {
                Some(v) => {
                    v.1 = v.1.max(n);
                    if !v.2.iter().any(|w| w == word) {
                        v.2.push(word.to_owned());
                    }
                }
                None => votes.push((index, n, vec![word.to_owned()])),
            }
        }
        let best = votes.into_iter().max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))?;
        Some(Learned {
            category: CATEGORY_IDS[usize::from(best.0)],
            words: best.2,
            sellers: best.1,
            same_seller: false,
        })
    }
}

fn index_of(category: &str) -> Option<u8> {
    CATEGORY_IDS.iter().position(|id| *id == category).and_then(|i| u8::try_from(i).ok())
}

/// Whether a word of a seller's name can tell its kind: three letters or more, not a number,
/// not one of the words every kind of seller uses.
fn telling(word: &str) -> bool {
    word.chars().count() >= 3 && word.chars().any(char::is_alphabetic) && !STOP_WORDS.contains(&word)
}
