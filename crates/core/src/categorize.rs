//! Categorizing a transaction when it is first stored, and recording why.
//!
//! Order (DESIGN.md section 6): the user's own rules, in order; rules learned from the user's
//! overrides; the seller dictionary; what the user's own corrections teach ([`ProfileModel`]);
//! the crowd's top vote for the seller; the descriptor's processor or channel (a Toast point of
//! sale is a restaurant, a Zelle payment is decided by whom it pays); the words of the seller's
//! name ([`Lexicon`]: `coffee`, `barbering`, `pizzeria`); the provider's merchant category code
//! (through the dictionary's MCC map); the shipped [`Model`], when its calibrated confidence
//! reaches its threshold; a weak word of the lexicon; otherwise a default, which is
//! Uncategorized except for a few unmistakable kinds of row (payroll, interest, transfers, card
//! payments, ATM withdrawals). Every [`Decision`] names its [`CategorySource`] and, in words,
//! its reason, so the UI can answer "why is this Food?".

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::id::AccountId;
use crate::lexicon::Lexicon;
use crate::model::Model;
use crate::money::Money;
use crate::profile::ProfileModel;
use crate::seller::{self, Channel, Dictionary};

/// Every category id the vault's first migration creates (`migrations/0001_initial.sql`).
pub const CATEGORY_IDS: &[&str] = &[
    "HOUSING",
    "HOUSING_RENT",
    "HOUSING_MORTGAGE",
    "HOUSING_MAINTENANCE",
    "FOOD",
    "FOOD_GROCERIES",
    "FOOD_RESTAURANTS",
    "FOOD_COFFEE",
    "FOOD_FAST_FOOD",
    "GAS",
    "SHOPPING",
    "SHOPPING_CLOTHING",
    "SHOPPING_ELECTRONICS",
    "SHOPPING_HOME",
    "AUTO",
    "AUTO_PUBLIC_TRANSIT",
    "AUTO_RIDESHARE",
    "AUTO_PARKING",
    "AUTO_SERVICE",
    "UTILITIES",
    "UTILITIES_PHONE",
    "UTILITIES_INTERNET",
    "UTILITIES_POWER",
    "SUBSCRIPTIONS",
    "ENTERTAINMENT",
    "HEALTH",
    "HEALTH_PHARMACY",
    "HEALTH_GYM",
    "PERSONAL_CARE",
    "EDUCATION",
    "TRAVEL",
    "TRAVEL_AIR",
    "TRAVEL_HOTEL",
    "GIFTS",
    "KIDS",
    "PETS",
    "INSURANCE",
    "FEES",
    "TAXES",
    "BUSINESS",
    "CASH",
    "INCOME",
    "INCOME_PAYCHECK",
    "INCOME_INTEREST",
    "INCOME_REFUND",
    "TRANSFER",
    "TRANSFER_CREDIT_CARD",
    "UNCATEGORIZED",
];

/// The category given when nothing else decides.
pub const UNCATEGORIZED: &str = "UNCATEGORIZED";

/// Where a transaction's category came from; stored in `transactions.category_source`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CategorySource {
    /// The user chose it for this transaction.
    User,
    /// One of the user's rules.
    Rule,
    /// A rule learned from the user's overrides.
    Learned,
    /// The shipped seller dictionary.
    Dictionary,
    /// The crowd's top vote for the seller (opt-in, through the sync server).
    Crowd,
    /// The provider's hint: its merchant category code.
    Provider,
    /// What the user's own corrections of other sellers teach ([`ProfileModel`]).
    Profile,
    /// The descriptor's payment processor or channel (`TST*`, `ZELLE PAYMENT TO`).
    Channel,
    /// Words of the seller's name that mean a category ([`Lexicon`]).
    Lexicon,
    /// The shipped text classifier ([`Model`]), sure enough of a name no word list decides.
    Model,
    /// Nothing matched.
    Default,
}

impl CategorySource {
    /// The value the SQL check constraint allows.
    pub fn as_str(&self) -> &'static str {
        match self {
            CategorySource::User => "user",
            CategorySource::Rule => "rule",
            CategorySource::Learned => "learned",
            CategorySource::Dictionary => "dictionary",
            CategorySource::Crowd => "crowd",
            CategorySource::Provider => "provider",
            CategorySource::Profile => "profile",
            CategorySource::Channel => "channel",
            CategorySource::Lexicon => "lexicon",
            CategorySource::Model => "model",
            CategorySource::Default => "default",
        }
    }
}

/// Who made a rule; stored in `rules.origin`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum RuleOrigin {
    User,
    Learned,
}

impl RuleOrigin {
    pub fn as_str(&self) -> &'static str {
        match self {
            RuleOrigin::User => "user",
            RuleOrigin::Learned => "learned",
        }
    }
}

/// One condition of a rule; a rule matches when all its conditions hold.
///
/// Payee conditions are case-insensitive and hold when they match either the raw descriptor or
/// the normalized seller ([`seller::normalize`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    /// The whole payee: the descriptor, or the seller (`Starbucks` matches `STARBUCKS STORE 05479`).
    PayeeIs(String),
    PayeeContains(String),
    /// A regular expression (Rust `regex` syntax), searched anywhere in the payee.
    PayeeMatches(String),
    /// The signed amount (negative is money out), bounds inclusive; an amount in another
    /// currency than a bound's never matches.
    AmountBetween {
        min: Option<Money>,
        max: Option<Money>,
    },
    Account(AccountId),
}

/// What a matching rule does.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, ts_rs::TS)]
pub struct RuleActions {
    pub category: Option<crate::CategoryId>,
    /// A payee name to show instead of the descriptor.
    pub rename: Option<String>,
}

/// A user's rule, or one learned from their overrides (visible and editable either way).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Rule {
    pub id: crate::RuleId,
    pub origin: RuleOrigin,
    pub conditions: Vec<Condition>,
    pub actions: RuleActions,
    pub enabled: bool,
}

/// Why a rule was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    #[error("`{pattern}` is not a valid pattern: {message}")]
    Regex { pattern: String, message: String },
    #[error("`{0}` is not a category")]
    UnknownCategory(String),
    #[error("a rule needs at least one condition")]
    NoConditions,
    #[error("a rule needs an action: a category or a new name")]
    NoActions,
    #[error("the amount range is empty or mixes currencies")]
    AmountRange,
}

impl Rule {
    /// Checks a rule before it is stored: its patterns compile, its category exists, it has a
    /// condition and an action, and its amount range makes sense.
    pub fn validate(&self) -> Result<(), RuleError> {
        if self.conditions.is_empty() {
            return Err(RuleError::NoConditions);
        }
        if self.actions.category.is_none() && self.actions.rename.is_none() {
            return Err(RuleError::NoActions);
        }
        if let Some(category) = &self.actions.category
            && !CATEGORY_IDS.contains(&category.as_str())
        {
            return Err(RuleError::UnknownCategory(category.to_string()));
        }
        for condition in &self.conditions {
            match condition {
                Condition::PayeeMatches(pattern) => {
                    compile(pattern)
                        .map_err(|e| RuleError::Regex { pattern: pattern.clone(), message: e.to_string() })?;
                }
                Condition::AmountBetween { min: Some(min), max: Some(max) }
                    if min.currency() != max.currency() || min.minor() > max.minor() =>
                {
                    return Err(RuleError::AmountRange);
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Whether every condition holds for this transaction. An invalid pattern never matches.
    pub fn matches(&self, input: &Input<'_>, seller: &str) -> bool {
        !self.conditions.is_empty() && self.conditions.iter().all(|c| c.holds(input, seller))
    }
}

impl Condition {
    fn holds(&self, input: &Input<'_>, seller: &str) -> bool {
        let raw = input.descriptor.trim();
        match self {
            Condition::PayeeIs(payee) => {
                let payee = payee.trim();
                raw.eq_ignore_ascii_case(payee)
                    || raw.to_lowercase() == payee.to_lowercase()
                    || (!seller.is_empty() && seller::normalize(payee) == seller)
            }
            Condition::PayeeContains(part) => {
                let part = part.trim().to_lowercase();
                !part.is_empty() && (raw.to_lowercase().contains(&part) || seller.contains(&part))
            }
            Condition::PayeeMatches(pattern) => match compile(pattern) {
                Ok(regex) => regex.is_match(raw) || regex.is_match(seller),
                Err(_) => false,
            },
            Condition::AmountBetween { min, max } => {
                let within = |bound: &Option<Money>, ok: fn(i64, i64) -> bool| match bound {
                    Some(b) => b.currency() == input.amount.currency() && ok(input.amount.minor(), b.minor()),
                    None => true,
                };
                within(min, |a, b| a >= b) && within(max, |a, b| a <= b)
            }
            Condition::Account(account) => *account == input.account,
        }
    }
}

/// Compiles a rule's pattern case-insensitively, caching it: rules run on every stored row.
fn compile(pattern: &str) -> Result<Regex, regex::Error> {
    static CACHE: OnceLock<Mutex<HashMap<String, Regex>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Ok(cache) = cache.lock()
        && let Some(regex) = cache.get(pattern)
    {
        return Ok(regex.clone());
    }
    let regex = regex::RegexBuilder::new(pattern).case_insensitive(true).size_limit(1 << 20).build()?;
    if let Ok(mut cache) = cache.lock() {
        if cache.len() >= 1024 {
            cache.clear();
        }
        cache.insert(pattern.to_owned(), regex.clone());
    }
    Ok(regex)
}

/// The crowd's opinion: the most common manual category for a normalized seller.
pub trait CrowdVotes {
    fn top_vote(&self, normalized_seller: &str) -> Option<String>;
}

/// No crowd: the user has not opted in, or is offline.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoCrowd;

impl CrowdVotes for NoCrowd {
    fn top_vote(&self, _normalized_seller: &str) -> Option<String> {
        None
    }
}

/// What categorizing needs to know about a transaction.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    pub descriptor: &'a str,
    /// Negative is money out.
    pub amount: Money,
    pub account: AccountId,
    /// The provider's ISO 18245 merchant category code, when it sent one.
    pub mcc: Option<u16>,
}

/// A transaction's category and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub category: crate::CategoryId,
    pub source: CategorySource,
    /// The normalized seller ([`seller::normalize`]).
    pub seller: String,
    /// The payee name a rule gave.
    pub rename: Option<String>,
    /// The rule that decided (or renamed).
    pub rule_id: Option<crate::RuleId>,
    /// Why, in the app's words (`"coffee" in the name`), for the sources that are not
    /// self-explanatory; `None` for a rule, the dictionary and the crowd.
    pub reason: Option<String>,
    /// The words of the descriptor that decided, for the lexicon and the user's model.
    pub words: Vec<String>,
}

/// Categorizes transactions with the user's rules, the dictionary and the crowd.
pub struct Categorizer<'a> {
    /// User and learned rules, each in the user's order; user rules always go first.
    pub rules: &'a [Rule],
    pub dictionary: &'a Dictionary,
    pub crowd: &'a (dyn CrowdVotes + Sync),
    /// What the user's corrections teach.
    pub profile: &'a ProfileModel,
    pub lexicon: &'a Lexicon,
    pub model: &'a Model,
    /// Whether the descriptor's processor and channel, and the lexicon, take part: off only
    /// to measure the dictionary alone.
    pub words: bool,
}

static NO_PROFILE: ProfileModel = ProfileModel::empty();

impl<'a> Categorizer<'a> {
    /// The categorizer with the shipped lexicon and no corrections learned yet.
    pub fn new(rules: &'a [Rule], dictionary: &'a Dictionary, crowd: &'a (dyn CrowdVotes + Sync)) -> Self {
        Categorizer {
            rules,
            dictionary,
            crowd,
            profile: &NO_PROFILE,
            lexicon: Lexicon::builtin(),
            model: Model::builtin(),
            words: true,
        }
    }

    /// Also learns from the user's corrections.
    pub fn with_profile(self, profile: &'a ProfileModel) -> Self {
        Categorizer { profile, ..self }
    }

    /// Only rules, the dictionary, the crowd, merchant category codes and the defaults: the
    /// categorizer before the lexicon and channels, kept to measure them against.
    pub fn dictionary_only(self) -> Self {
        Categorizer { words: false, ..self }
    }
}

impl std::fmt::Debug for Categorizer<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Categorizer").field("rules", &self.rules.len()).finish_non_exhaustive()
    }
}

impl Categorizer<'_> {
    pub fn categorize(&self, t: &Input<'_>) -> Decision {
        let read = seller::analyze(t.descriptor);
        let seller = read.seller;
        let mut rename: Option<(String, crate::RuleId)> = None;
        for (origin, source) in
            [(RuleOrigin::User, CategorySource::Rule), (RuleOrigin::Learned, CategorySource::Learned)]
        {
            for rule in self.rules.iter().filter(|r| r.enabled && r.origin == origin) {
                if !rule.matches(t, &seller) {
                    continue;
                }
                // The first matching rule that renames names the payee; the first that
                // categorizes decides.
                if rename.is_none()
                    && let Some(name) = &rule.actions.rename
                {
                    rename = Some((name.clone(), rule.id));
                }
                if let Some(category) = rule.actions.category.as_ref().filter(|c| CATEGORY_IDS.contains(&c.as_str())) {
                    let rename = rename.map(|(name, _)| name);
                    return Decision {
                        category: category.clone(),
                        source,
                        seller,
                        rename,
                        rule_id: Some(rule.id),
                        reason: None,
                        words: Vec::new(),
                    };
                }
            }
        }
        let channel = if self.words { read.channel } else { None };
        let found = self.fallback(t, &seller, channel.as_ref());
        let (rename, rule_id) = match rename {
            Some((name, id)) => (Some(name), Some(id)),
            None => (None, None),
        };
        Decision {
            category: found.category.into(),
            source: found.source,
            seller,
            rename,
            rule_id,
            reason: found.reason,
            words: found.words,
        }
    }

    fn fallback(&self, t: &Input<'_>, seller: &str, channel: Option<&Channel>) -> Found {
        let money_in = t.amount.minor() > 0;
        // A payment to a person the bank did not name says nothing about what it paid for.
        let unnamed = matches!(channel, Some(Channel::Person { named: false, .. }));
        if !seller.is_empty() && !unnamed {
            if let Some(category) = self.dictionary.lookup(seller) {
                return Found::new(category, CategorySource::Dictionary);
            }
            if let Some(learned) = self.profile.predict(seller) {
                let reason = learned.reason();
                return Found {
                    category: learned.category.to_owned(),
                    source: CategorySource::Profile,
                    reason: Some(reason),
                    words: learned.words,
                };
            }
            if let Some(category) = self.crowd.top_vote(seller).filter(|c| CATEGORY_IDS.contains(&c.as_str())) {
                return Found { category, source: CategorySource::Crowd, reason: None, words: Vec::new() };
            }
        }
        let lexicon = if self.words && !unnamed { self.lexicon.score(seller) } else { None };
        // Income words (`interest`, `payroll`) say nothing of money going out (`INTEREST CHARGE`).
        let lexicon = lexicon.filter(|v| money_in || !v.category.starts_with("INCOME"));
        match channel {
            Some(Channel::RestaurantPos) => {
                // Toast sells its point of sale to restaurants, bars and cafes: the name's words
                // may say which.
                let (category, words) = match &lexicon {
                    Some(v) if v.category.starts_with("FOOD_") => (v.category, v.words.clone()),
                    _ => ("FOOD_RESTAURANTS", Vec::new()),
                };
                let reason = "paid at a restaurant's Toast register (TST*)".to_owned();
                return Found {
                    category: category.to_owned(),
                    source: CategorySource::Channel,
                    reason: Some(reason),
                    words,
                };
            }
            Some(Channel::FoodDelivery) => {
                let reason = "a food-delivery order".to_owned();
                return Found {
                    category: "FOOD_RESTAURANTS".into(),
                    source: CategorySource::Channel,
                    reason: Some(reason),
                    words: Vec::new(),
                };
            }
            Some(Channel::Person { service, named, memo }) => {
                let whom = if *named { format!(" {seller}") } else { String::new() };
                // The sender's note can say what it was for (`for "rent"`).
                let said = lexicon.clone().or_else(|| self.lexicon.score(memo));
                if let Some(v) = said.filter(|v| !money_in || v.category.starts_with("INCOME")) {
                    let reason = format!("a payment to{whom} through {service}, with {}", quoted(&v.words));
                    return Found {
                        category: v.category.to_owned(),
                        source: CategorySource::Lexicon,
                        reason: Some(reason),
                        words: v.words,
                    };
                }
                let (category, reason) = if money_in {
                    ("INCOME", format!("money received from{whom} through {service}"))
                } else {
                    (
                        UNCATEGORIZED,
                        format!(
                            "a payment to{} through {service}: choose what it paid for",
                            if whom.is_empty() { " someone".to_owned() } else { whom }
                        ),
                    )
                };
                return Found {
                    category: category.to_owned(),
                    source: CategorySource::Channel,
                    reason: Some(reason),
                    words: Vec::new(),
                };
            }
            Some(Channel::Check) => {
                let reason = "a check: choose what it paid for".to_owned();
                return Found {
                    category: UNCATEGORIZED.into(),
                    source: CategorySource::Channel,
                    reason: Some(reason),
                    words: Vec::new(),
                };
            }
            None => {}
        }
        let by_words = |v: crate::lexicon::Verdict| Found {
            category: v.category.to_owned(),
            source: CategorySource::Lexicon,
            reason: Some(format!("{} in the name", quoted(&v.words))),
            words: v.words,
        };
        // A strong word decides before the merchant category code; a weak one only after it.
        let lexicon = match lexicon {
            Some(v) if v.score >= 2 => return by_words(v),
            other => other,
        };
        if let Some(mcc) = t.mcc
            && let Some(category) = self.dictionary.for_mcc(mcc)
        {
            return Found {
                category: category.to_owned(),
                source: CategorySource::Provider,
                reason: Some(format!("the bank's merchant category code {mcc:04}")),
                words: Vec::new(),
            };
        }
        // The model reads what no reviewed word and no merchant code decides: n-grams of new
        // words (`flowershop`), the amount's sign, and answers only when it is sure. After the
        // bank's code, which names this merchant's trade where the model only guesses it.
        if self.words
            && !unnamed
            && let Some(guess) = self.model.predict(seller, t.amount.minor(), t.mcc)
            && (money_in || !guess.category.starts_with("INCOME"))
        {
            let sure = guess.percent();
            let reason = if guess.words.is_empty() {
                format!("the built-in model, {sure}% sure")
            } else {
                format!("{} in the name, read by the built-in model ({sure}% sure)", quoted(&guess.words))
            };
            return Found {
                category: guess.category.to_owned(),
                source: CategorySource::Model,
                reason: Some(reason),
                words: guess.words,
            };
        }
        let category = default_category(t);
        if category == UNCATEGORIZED
            && let Some(v) = lexicon
        {
            return by_words(v);
        }
        Found::new(category, CategorySource::Default)
    }
}

/// What the fallback chain found.
struct Found {
    category: String,
    source: CategorySource,
    reason: Option<String>,
    words: Vec<String>,
}

impl Found {
    fn new(category: &str, source: CategorySource) -> Found {
        Found { category: category.to_owned(), source, reason: None, words: Vec::new() }
    }
}

/// `"coffee"`, `"books" and "coffee"`.
fn quoted(words: &[String]) -> String {
    let quoted: Vec<String> = words.iter().map(|w| format!("\"{w}\"")).collect();
    match quoted.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// The category of a row nothing else knows: a few kinds of row are unmistakable from their
/// wording and direction; everything else is Uncategorized.
fn default_category(t: &Input<'_>) -> &'static str {
    let text = t.descriptor.to_uppercase();
    let has = |words: &[&str]| words.iter().any(|w| text.contains(w));
    let money_in = t.amount.minor() > 0;
    if money_in && has(&["PAYROLL", "DIRECT DEP", "DIRECTDEP", "DIR DEP", "SALARY", "PAYCHECK"]) {
        return "INCOME_PAYCHECK";
    }
    if money_in && has(&["INTEREST", "DIVIDEND"]) {
        return "INCOME_INTEREST";
    }
    if has(&["AUTOPAY", "CREDIT CARD PAYMENT", "CARD PAYMENT", "PAYMENT - THANK YOU", "PAYMENT THANK YOU"]) {
        return "TRANSFER_CREDIT_CARD";
    }
    if has(&["TRANSFER", "XFER"]) {
        return "TRANSFER";
    }
    if has(&["ATM WITHDRAWAL", "ATM W/D", "CASH WITHDRAWAL"]) {
        return "CASH";
    }
    if has(&["FEE"]) && !money_in && text.split(|c: char| !c.is_alphanumeric()).any(|w| w == "FEE" || w == "FEES") {
        return "FEES";
    }
    if money_in && has(&["DEPOSIT"]) {
        return "INCOME";
    }
    UNCATEGORIZED
}
