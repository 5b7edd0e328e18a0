//! Storing what a provider or a file says: the raw payload first (compressed, for audit and
//! re-processing), then every account's new and changed rows in one SQL transaction, matched
//! by `spearmint_core::matcher` so that a re-run changes nothing.

use std::collections::{HashMap, HashSet};
use std::io::Write as _;

use chrono::{Duration, NaiveDate};
use rusqlite::types::Value;
use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use sha2::{Digest, Sha256};
use spearmint_core::matcher::{self, Action, Stored};
use spearmint_core::{
    AccountId, ConnectionId, Currency, Money, Statement, StatementAccount, StatementTransaction, TransactionId,
};
use spearmint_core::{Categorizer, Decision, Dictionary, Input};

use crate::error::{Error, ErrorKind, Hint, Result};
use crate::vault::{Table, Vault, Writer, now_rfc3339};

/// The dates a statement's rows may have: anything else is a damaged file or a hostile bank
/// (and dates near the calendar's ends cannot be searched around).
fn plausible_date(d: NaiveDate) -> bool {
    let first = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(NaiveDate::MIN);
    let last = NaiveDate::from_ymd_opt(2199, 12, 31).unwrap_or(NaiveDate::MAX);
    (first..=last).contains(&d)
}

/// Refuses a statement with a row no bank can mean, before anything of it is stored.
fn check_plausible(statement: &Statement) -> Result<()> {
    let damaged = |what: String| {
        Error::new(
            ErrorKind::Invalid,
            format!("{what}, which cannot be right: the statement is damaged, and nothing of it was imported"),
        )
    };
    let too_large = |m: &Money| !m.is_plausible();
    for account in &statement.accounts {
        if let Some(d) = account.balance_on.filter(|d| !plausible_date(*d)) {
            return Err(damaged(format!("its balance is dated {d}")));
        }
        if let Some(b) = account.balance.filter(|b| too_large(b)) {
            return Err(damaged(format!("its balance is {}", b.to_plain_string())));
        }
        for t in &account.transactions {
            if !plausible_date(t.posted_on) {
                return Err(damaged(format!("a transaction is dated {}", t.posted_on)));
            }
            if too_large(&t.amount) || t.splits.iter().any(|s| too_large(&s.amount)) {
                return Err(damaged(format!("a transaction is of {}", t.amount.to_plain_string())));
            }
        }
    }
    Ok(())
}

/// Where a statement's accounts go.
#[derive(Debug, Clone)]
pub(crate) enum Target {
    /// A provider connection: accounts are found (or created) by the provider's account id.
    Connection { id: ConnectionId, provider: &'static str },
    /// A file imported into an account the user chose: every statement account goes there.
    Account(AccountId),
    /// A file that names its own accounts (OFX with ACCTID): found or created as `file` accounts.
    FileAccounts,
}

/// What one statement changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct ApplySummary {
    pub accounts: u32,
    pub added: u32,
    pub updated: u32,
    /// Pending rows replaced by their posted twins.
    pub posted: u32,
    /// Pending holds the provider released.
    pub removed: u32,
    pub unchanged: u32,
}

impl ApplySummary {
    pub fn changed(&self) -> bool {
        self.added + self.updated + self.posted + self.removed > 0
    }
}

/// Stores a raw payload (deflate-compressed) in its own small transaction, before parsing, so
/// that it is kept even when parsing fails. The same bytes are stored once.
pub(crate) fn store_raw(vault: &mut Vault, source: &str, media_type: &str, body: &[u8]) -> Result<i64> {
    let raw = RawPayload::compress(body)?;
    raw.store(vault, source, media_type)
}

/// How long a raw payload's body is kept: long enough to re-read a quarter's statements after
/// a fix to a parser, short enough that the vault does not keep every reply for ever. Past it,
/// the row stays with its hash (the same reply or file is still known) and an empty body.
pub const RAW_RETENTION_DAYS: i64 = 90;

/// A payload's hash and compressed bytes: pure work, which an import does on another core
/// while it parses.
#[derive(Debug)]
pub(crate) struct RawPayload {
    sha: String,
    compressed: Vec<u8>,
}

impl RawPayload {
    pub(crate) fn compress(body: &[u8]) -> Result<RawPayload> {
        let sha = hex::encode(Sha256::digest(body));
        // The fast level: a large file compresses at disk speed instead of taking seconds.
        let mut z = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
        z.write_all(body).map_err(|e| Error::internal("cannot compress the payload", e))?;
        let compressed = z.finish().map_err(|e| Error::internal("cannot compress the payload", e))?;
        Ok(RawPayload { sha, compressed })
    }

    /// Stores it in its own small transaction (once: the same bytes are kept once), and lets
    /// go of the bodies past [`RAW_RETENTION_DAYS`].
    pub(crate) fn store(self, vault: &mut Vault, source: &str, media_type: &str) -> Result<i64> {
        if let Some(id) = vault
            .read()
            .query_row("SELECT id FROM raw_payloads WHERE sha256 = ?1", [&self.sha], |r| r.get::<_, i64>(0))
            .optional()?
        {
            return Ok(id);
        }
        vault.write(|w| {
            let cutoff = (chrono::Utc::now() - Duration::days(RAW_RETENTION_DAYS))
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
            let old: Vec<i64> = {
                let mut stmt = w
                    .read()
                    .prepare_cached("SELECT id FROM raw_payloads WHERE fetched_at < ?1 AND length(body) > 0")?;
                stmt.query_map([&cutoff], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?
            };
            for id in old {
                w.update(
                    Table::RAW_PAYLOADS,
                    &id.to_string(),
                    &[("body", Value::Blob(Vec::new())), ("compression", Value::Text("none".into()))],
                )?;
            }
            w.insert_local(
                Table::RAW_PAYLOADS,
                &[
                    ("source", Value::Text(source.to_owned())),
                    ("fetched_at", Value::Text(now_rfc3339())),
                    ("media_type", Value::Text(media_type.to_owned())),
                    ("compression", Value::Text("deflate".into())),
                    ("sha256", Value::Text(self.sha)),
                    ("body", Value::Blob(self.compressed)),
                ],
            )
        })
    }
}

/// Applies a statement in one SQL transaction: all of it or none of it.
pub(crate) fn apply(
    vault: &mut Vault,
    target: &Target,
    statement: &Statement,
    raw_payload: Option<i64>,
    window: Option<(NaiveDate, NaiveDate)>,
    dictionary: &Dictionary,
) -> Result<ApplySummary> {
    vault.write(|w| apply_in(w, target, statement, raw_payload, window, dictionary, &|_, _| {}))
}

/// The same, inside a writer the caller controls (a dry run rolls it back). `progress` hears
/// how many of an account's new rows are stored, of how many, as they are.
pub(crate) fn apply_in(
    w: &mut Writer<'_>,
    target: &Target,
    statement: &Statement,
    raw_payload: Option<i64>,
    window: Option<(NaiveDate, NaiveDate)>,
    dictionary: &Dictionary,
    progress: &dyn Fn(usize, usize),
) -> Result<ApplySummary> {
    check_plausible(statement)?;
    let mut summary = ApplySummary::default();
    // New rows are categorized once, as they are stored (the user's rules, learned rules, the
    // dictionary, the user's corrections, the crowd, the descriptor's channel and words, the
    // provider's hint); nothing re-categorizes a stored row later.
    let rules = crate::categorization::load_rules(w.read())?;
    let crowd = crate::categorization::load_crowd(w.read())?;
    let profile = crate::categorization::load_profile(w.read())?;
    let categorizer = Categorizer::new(&rules, dictionary, &crowd).with_profile(&profile);
    let context = Context { raw_payload, window, categorizer: &categorizer, progress };
    let mut inserted = Vec::new();
    for account in &statement.accounts {
        let account_id = resolve_account(w, target, account)?;
        summary.accounts += 1;
        inserted.extend(apply_account(w, account_id, account, &context, &mut summary)?);
    }
    link_transfers(w, &inserted)?;
    Ok(summary)
}

/// How many days apart the two legs of a transfer between the user's accounts may be dated.
pub(crate) const TRANSFER_WINDOW_DAYS: i64 = 3;

/// Pairs each newly stored posted row with its opposite in another of the user's accounts (same
/// currency, opposite amount, within a few days, not yet paired): a transfer. Both legs share a
/// `transfer_group` and, unless the user chose their category, become transfers, which
/// spending leaves out. Card payments keep their more specific Credit Card Payment category.
///
/// The candidates are read in one scan of the new rows' dates (plus the window) and matched in
/// memory, so a large import pays for one range read instead of an index lookup per row.
fn link_transfers(w: &mut Writer<'_>, inserted: &[(TransactionId, NaiveDate)]) -> Result<()> {
    // One account (per currency) cannot move money to another of the user's accounts: skip the
    // work, which a large first import into a fresh vault would otherwise pay for.
    let accounts: i64 = w.read().query_row(
        "SELECT coalesce(max(n), 0) FROM (SELECT count(*) AS n FROM accounts GROUP BY currency)",
        [],
        |r| r.get(0),
    )?;
    let (Some(first), Some(last)) = (inserted.iter().map(|i| i.1).min(), inserted.iter().map(|i| i.1).max()) else {
        return Ok(());
    };
    if accounts < 2 {
        return Ok(());
    }
    let window = Duration::days(TRANSFER_WINDOW_DAYS);
    // Every posted, unpaired row near those dates, found by id and by currency and amount.
    struct Leg {
        id: String,
        account: String,
        currency: String,
        minor: i64,
        day: NaiveDate,
    }
    let mut all: Vec<Leg> = Vec::new();
    {
        let mut scan = w.read().prepare_cached(
            "SELECT id, account_id, amount_minor, currency, posted_on FROM transactions
             WHERE posted_on BETWEEN ?1 AND ?2 AND pending = 0 AND transfer_group IS NULL AND amount_minor != 0",
        )?;
        let rows = scan.query_map([(first - window).to_string(), (last + window).to_string()], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
            ))
        })?;
        for row in rows {
            let (id, account, minor, currency, posted_on) = row?;
            let Ok(day) = posted_on.parse::<NaiveDate>() else { continue };
            all.push(Leg { id, account, currency, minor, day });
        }
    }
    // By date, so each amount's list can be cut to a window by binary search.
    all.sort_by(|a, b| (a.day, &a.id).cmp(&(b.day, &b.id)));
    let by_id: HashMap<&str, &Leg> = all.iter().map(|l| (l.id.as_str(), l)).collect();
    let mut by_amount: HashMap<(&str, i64), Vec<&Leg>> = HashMap::new();
    for leg in &all {
        by_amount.entry((leg.currency.as_str(), leg.minor)).or_default().push(leg);
    }
    let mut paired: HashSet<String> = HashSet::new();
    for (id, _) in inserted {
        let id = id.to_string();
        // Gone from the scan: pending, already paired, or zero.
        let Some(me) = by_id.get(id.as_str()) else { continue };
        if paired.contains(&id) {
            continue;
        }
        // The closest opposite amount in another account; ties to the smaller id.
        let opposite = by_amount.get(&(me.currency.as_str(), -me.minor)).map_or(&[][..], Vec::as_slice);
        let start = opposite.partition_point(|l| l.day < me.day - window);
        let end = opposite.partition_point(|l| l.day <= me.day + window);
        let distance = |l: &Leg| (l.day - me.day).num_days().abs();
        let twin = opposite[start..end]
            .iter()
            .filter(|l| l.account != me.account && !paired.contains(&l.id))
            .min_by(|a, b| (distance(a), &a.id).cmp(&(distance(b), &b.id)))
            .map(|l| l.id.clone());
        let Some(twin) = twin else { continue };
        paired.insert(id.clone());
        paired.insert(twin.clone());
        let group = uuid::Uuid::now_v7().to_string();
        for leg in [id.as_str(), twin.as_str()] {
            let (category, locked): (Option<String>, bool) = w.read().query_row(
                "SELECT category_id, category_locked FROM transactions WHERE id = ?1",
                [leg],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            let mut cells = vec![("transfer_group", Value::Text(group.clone()))];
            let already_transfer = category.as_deref().is_some_and(|c| c.starts_with("TRANSFER"));
            if !locked && !already_transfer {
                cells.push(("category_id", Value::Text("TRANSFER".into())));
                cells.push(("category_source", Value::Text("default".into())));
                cells.push(("category_reason", Value::Text(TRANSFER_REASON.into())));
            }
            w.update(Table::TRANSACTIONS, leg, &cells)?;
        }
    }
    Ok(())
}

/// Why both legs of a recognized transfer are Transfers.
const TRANSFER_REASON: &str = "the same amount went the other way between two of your accounts";

fn decide(categorizer: &Categorizer<'_>, account: AccountId, t: &StatementTransaction) -> Decision {
    categorizer.categorize(&Input { descriptor: &t.payee, amount: t.amount, account, mcc: t.mcc })
}

fn resolve_account(w: &mut Writer<'_>, target: &Target, account: &StatementAccount) -> Result<AccountId> {
    let (provider, connection) = match target {
        Target::Account(id) => {
            let currency: Option<String> = w
                .read()
                .query_row("SELECT currency FROM accounts WHERE id = ?1", [id.to_string()], |r| r.get(0))
                .optional()?;
            let currency = currency.ok_or_else(|| {
                Error::new(ErrorKind::NotFound, format!("there is no account {id}: choose one from the account list"))
                    .with_hint(Hint::ListAccounts)
            })?;
            if currency != account.currency.code() {
                return Err(Error::new(
                    ErrorKind::Invalid,
                    format!(
                        "the file is in {} but the account is in {currency}: choose an account in {}",
                        account.currency, account.currency
                    ),
                ));
            }
            return Ok(*id);
        }
        Target::Connection { id, provider } => (*provider, Some(*id)),
        Target::FileAccounts => ("file", None),
    };
    if account.provider_account_id.trim().is_empty() {
        return Err(Error::new(
            ErrorKind::Invalid,
            "this file does not say which account it belongs to: choose the account to import it into",
        )
        .with_hint(Hint::ChooseAccount));
    }
    let existing: Option<String> = w
        .read()
        .query_row(
            "SELECT id FROM accounts WHERE provider = ?1 AND provider_account_id = ?2",
            params![provider, account.provider_account_id],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(id) = existing {
        return id.parse().map_err(|_| Error::new(ErrorKind::Corrupt, "an account id in the vault is malformed"));
    }
    // The same id on every device that links this account, so their extractions converge on
    // one account (and its transactions' ids, derived from it, on the same rows). Taken only
    // by this account itself once unlinked (kept as the user's own): then a fresh one.
    let derived = AccountId::for_provider(provider, &account.provider_account_id);
    let taken = w
        .read()
        .query_row("SELECT 1 FROM accounts WHERE id = ?1", [derived.to_string()], |_| Ok(()))
        .optional()?
        .is_some();
    let id = if taken { AccountId::new() } else { derived };
    let name = account
        .name
        .as_deref()
        .filter(|n| !n.trim().is_empty())
        .map(mask_account_numbers)
        .unwrap_or_else(|| format!("{} ····{}", kind_label(account), last4(&account.provider_account_id)));
    w.insert(
        Table::ACCOUNTS,
        &id.to_string(),
        &[
            ("name", Value::Text(name)),
            ("kind", Value::Text(account.kind.as_str().to_owned())),
            ("currency", Value::Text(account.currency.code().to_owned())),
            ("provider", Value::Text(provider.to_owned())),
            ("provider_account_id", Value::Text(account.provider_account_id.clone())),
            ("institution", account.institution.clone().map_or(Value::Null, Value::Text)),
            ("connection_id", connection.map_or(Value::Null, |c| Value::Text(c.to_string()))),
            ("created_at", Value::Text(now_rfc3339())),
        ],
    )?;
    Ok(id)
}

fn kind_label(account: &StatementAccount) -> &'static str {
    match account.kind {
        spearmint_core::AccountKind::Checking => "Checking",
        spearmint_core::AccountKind::Savings => "Savings",
        spearmint_core::AccountKind::CreditCard => "Credit card",
        spearmint_core::AccountKind::Loan => "Loan",
        spearmint_core::AccountKind::Investment => "Investment",
        spearmint_core::AccountKind::Cash => "Cash",
        spearmint_core::AccountKind::Other => "Account",
    }
}

/// A name as a bank wrote it, with every run of six or more digits (an account or card number)
/// shown by its last four: the name appears in lists, messages and notifications.
pub(crate) fn mask_account_numbers(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut digits = String::new();
    let flush = |digits: &mut String, out: &mut String| {
        if digits.len() >= 6 {
            out.push_str("····");
            out.push_str(&digits[digits.len() - 4..]);
        } else {
            out.push_str(digits);
        }
        digits.clear();
    };
    for c in name.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
        } else {
            flush(&mut digits, &mut out);
            out.push(c);
        }
    }
    flush(&mut digits, &mut out);
    out
}

fn last4(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    chars[chars.len().saturating_sub(4)..].iter().collect()
}

/// What every account of one statement is applied with.
#[derive(Clone, Copy)]
struct Context<'a> {
    raw_payload: Option<i64>,
    window: Option<(NaiveDate, NaiveDate)>,
    categorizer: &'a Categorizer<'a>,
    /// New rows of this account stored so far, of how many.
    progress: &'a dyn Fn(usize, usize),
}

/// How often (in rows) a large insert reports progress.
const PROGRESS_EVERY: usize = 16_384;

fn apply_account(
    w: &mut Writer<'_>,
    account_id: AccountId,
    account: &StatementAccount,
    context: &Context<'_>,
    summary: &mut ApplySummary,
) -> Result<Vec<(TransactionId, NaiveDate)>> {
    let Context { raw_payload, window, categorizer, progress } = *context;
    let txns = &account.transactions;
    for t in txns {
        if t.amount.currency() != account.currency {
            return Err(Error::new(
                ErrorKind::Invalid,
                format!(
                    "a transaction of {} is in {} but its account is in {}",
                    t.posted_on,
                    t.amount.currency(),
                    account.currency
                ),
            ));
        }
    }
    let dates = txns.iter().map(|t| t.posted_on).chain(window.into_iter().flat_map(|(a, b)| [a, b]));
    let (Some(min), Some(max)) = (dates.clone().min(), dates.max()) else {
        update_balance(w, account_id, account)?;
        return Ok(Vec::new());
    };
    // Decide: from the rows stored near these dates and those the plan asks for (the rows
    // stored under its rows' ids, wherever they are dated: the bank or the user may have moved
    // them), read until it has every row it depends on.
    let margin = Duration::days(matcher::PENDING_WINDOW_DAYS + 1);
    let near = load_stored(w, account_id, account.currency, min - margin, max + margin)?;
    let mut planning = matcher::Planning::new(account_id, txns, &near, window);
    while !planning.wanted().is_empty() {
        let found = load_by_ids(w, planning.wanted(), account.currency)?;
        planning.found(found);
    }
    let plan = planning.finish();
    drop(near);
    // Apply: each action as it says, nothing decided again.
    let now = now_rfc3339();
    let mut news: Vec<(usize, &matcher::Identity)> = Vec::new();
    let mut inserted = Vec::new();
    for action in &plan.actions {
        match action {
            Action::Insert { incoming, identity } => {
                news.push((*incoming, identity));
                summary.added += 1;
            }
            Action::ReplacePending { incoming, pending, identity } => {
                // The posted row takes the pending one's place (keeping a category the user chose).
                let (category, source, locked): (Option<String>, Option<String>, bool) = w.read().query_row(
                    "SELECT category_id, category_source, category_locked FROM transactions WHERE id = ?1",
                    [pending.to_string()],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )?;
                w.delete(Table::TRANSACTIONS, &pending.to_string())?;
                let t = &txns[*incoming];
                if plan.posted_is_stored(*incoming) {
                    // Stored before, away from these dates: brought up to date where it is.
                    update_txn(w, &identity.id.to_string(), t, &now)?;
                } else {
                    let decision = decide(categorizer, account_id, t);
                    if !insert_txn(w, account_id, t, identity, raw_payload, &now, &decision)? {
                        return Err(stored_meanwhile(&identity.id));
                    }
                    inserted.push((identity.id, t.posted_on));
                }
                if locked {
                    w.update(
                        Table::TRANSACTIONS,
                        &identity.id.to_string(),
                        &[
                            ("category_id", category.map_or(Value::Null, Value::Text)),
                            ("category_source", source.map_or(Value::Null, Value::Text)),
                            ("category_locked", Value::Integer(1)),
                        ],
                    )?;
                }
                summary.posted += 1;
            }
            Action::Update { incoming, id } => {
                update_txn(w, &id.to_string(), &txns[*incoming], &now)?;
                summary.updated += 1;
            }
            Action::Unchanged { .. } => summary.unchanged += 1,
        }
    }
    for id in &plan.stale_pending {
        w.delete(Table::TRANSACTIONS, &id.to_string())?;
        summary.removed += 1;
    }
    inserted.extend(news.iter().map(|(i, identity)| (identity.id, txns[*i].posted_on)));
    // In date order, the date indexes grow page by page instead of at random places.
    news.sort_unstable_by_key(|(i, identity)| (txns[*i].posted_on, identity.id));
    let build = |part: &[(usize, &matcher::Identity)]| -> Vec<(String, Vec<Value>)> {
        part.iter()
            .map(|(i, identity)| {
                let t = &txns[*i];
                txn_row(account_id, t, identity, raw_payload, &now, &decide(categorizer, account_id, t))
            })
            .collect()
    };
    let total = news.len();
    let (_, existing) = pipelined(&news, build, |rows| {
        let mut stored = 0;
        let rows = rows.inspect(|_| {
            stored += 1;
            if stored % PROGRESS_EVERY == 0 {
                progress(stored, total);
            }
        });
        w.insert_many_new_expecting(Table::TRANSACTIONS, &TXN_COLUMNS, rows, total)
    })?;
    if let Some(id) = existing.first() {
        return Err(stored_meanwhile(id));
    }
    progress(total, total);
    // Parts a file gave its new transactions (QIF splits) are kept as the transaction's split.
    let split: Vec<&(usize, &matcher::Identity)> = news.iter().filter(|(i, _)| txns[*i].splits.len() > 1).collect();
    if !split.is_empty() {
        let categories = CategoryNames::load(w)?;
        for (i, identity) in split {
            let t = &txns[*i];
            split_as_the_file_does(w, identity.id, t, &categories, &decide(categorizer, account_id, t).category)?;
        }
    }
    update_balance(w, account_id, account)?;
    Ok(inserted)
}

/// The vault's categories by lower-case name, to read the categories a file names.
struct CategoryNames(HashMap<String, String>);

impl CategoryNames {
    fn load(w: &Writer<'_>) -> Result<CategoryNames> {
        let mut stmt =
            w.read().prepare("SELECT id, name FROM categories WHERE hidden = 0 ORDER BY builtin DESC, id")?;
        let mut names = HashMap::new();
        for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))? {
            let (id, name) = row?;
            names.entry(name.to_lowercase()).or_insert(id);
        }
        Ok(CategoryNames(names))
    }

    /// The category a file's name for one means: a transfer (`[Savings]`, Quicken's way of
    /// naming an account), else the most precise level of `Parent:Child` that names a category
    /// here. None when nothing matches.
    fn find(&self, hint: &str) -> Option<&str> {
        let hint = hint.trim();
        if hint.starts_with('[') && hint.ends_with(']') {
            return self.0.get("transfer").map(String::as_str);
        }
        // `Food:Groceries/Class`: the class after `/` is Quicken's tag, not a category.
        let hint = hint.split('/').next().unwrap_or(hint);
        hint.rsplit(':').find_map(|level| self.0.get(&level.trim().to_lowercase()).map(String::as_str))
    }
}

/// Splits a new transaction into the parts its file gave it, each under the category the file
/// names when the vault has it, else under `fallback` (what the transaction itself was
/// categorized as). The parsers refuse a file whose parts do not add up; should parts that do
/// not reach here anyway, the transaction stays whole, as its amount says.
fn split_as_the_file_does(
    w: &mut Writer<'_>,
    id: TransactionId,
    t: &StatementTransaction,
    categories: &CategoryNames,
    fallback: &str,
) -> Result<()> {
    let same_currency = t.splits.iter().all(|s| s.amount.currency() == t.amount.currency());
    let sum = t.splits.iter().try_fold(0i64, |sum, s| sum.checked_add(s.amount.minor()));
    if !same_currency || sum != Some(t.amount.minor()) {
        return Ok(());
    }
    let parts: Vec<(&str, i64, Option<&str>)> = t
        .splits
        .iter()
        .map(|s| {
            let category = s.category_hint.as_deref().and_then(|h| categories.find(h)).unwrap_or(fallback);
            (category, s.amount.minor(), s.memo.as_deref())
        })
        .collect();
    crate::ledger::write_splits(w, id, &parts)
}

/// What the provider now says of a stored transaction (pending cleared, amount or date
/// corrected); the category and the user's choices stay.
fn update_txn(w: &mut Writer<'_>, id: &str, t: &StatementTransaction, now: &str) -> Result<()> {
    w.update(
        Table::TRANSACTIONS,
        id,
        &[
            ("posted_on", Value::Text(t.posted_on.to_string())),
            ("amount_minor", Value::Integer(t.amount.minor())),
            ("seller", Value::Text(t.payee.clone())),
            ("memo", t.memo.clone().map_or(Value::Null, Value::Text)),
            ("pending", Value::Integer(i64::from(t.pending))),
            ("updated_at", Value::Text(now.to_owned())),
        ],
    )?;
    Ok(())
}

/// Builds `items` into rows a chunk at a time on the machine's other cores while `consume`
/// stores the chunks already built on this thread, in order: categorizing and building a
/// million rows is pure work that need not wait for SQLite, nor SQLite for it, and only a few
/// chunks are ever in memory. Small inputs stay on this thread.
fn pipelined<T: Sync, R: Send, O>(
    items: &[T],
    build: impl Fn(&[T]) -> Vec<R> + Sync,
    consume: impl FnOnce(&mut dyn Iterator<Item = R>) -> O,
) -> O {
    const CHUNK: usize = 4096;
    // Chunks each builder may have ready before this thread takes them.
    const AHEAD: usize = 4;
    if items.len() <= CHUNK {
        return consume(&mut build(items).into_iter());
    }
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let builders = (cores - 1).clamp(1, items.len().div_ceil(CHUNK));
    std::thread::scope(|scope| {
        let build = &build;
        // Builder b builds chunks b, b + builders, b + 2 * builders, ...; taking them round-robin
        // keeps the order.
        let (workers, receivers): (Vec<_>, Vec<_>) = (0..builders)
            .map(|b| {
                let (send, receive) = std::sync::mpsc::sync_channel::<Vec<R>>(AHEAD);
                let worker = scope.spawn(move || {
                    for chunk in items.chunks(CHUNK).skip(b).step_by(builders) {
                        if send.send(build(chunk)).is_err() {
                            // The consumer stopped (an error): nothing more is wanted.
                            return;
                        }
                    }
                });
                (worker, receive)
            })
            .unzip();
        let chunks = items.len().div_ceil(CHUNK);
        let mut rows = (0..chunks).map_while(|i| receivers[i % builders].recv().ok()).flatten();
        let out = consume(&mut rows);
        drop(rows);
        drop(receivers);
        for worker in workers {
            // A panic in a builder is a bug (its rows would be missing): let it surface as one,
            // before the caller can commit.
            worker.join().unwrap_or_else(|e| std::panic::resume_unwind(e));
        }
        out
    })
}

const TXN_COLUMNS: [&str; 17] = [
    "account_id",
    "provider_transaction_id",
    "content_hash",
    "posted_on",
    "amount_minor",
    "currency",
    "seller",
    "memo",
    "pending",
    "raw_payload_id",
    "created_at",
    "updated_at",
    "seller_normalized",
    "category_id",
    "category_source",
    "payee",
    "category_reason",
];

/// A new transaction row, in `TXN_COLUMNS` order.
fn txn_row(
    account_id: AccountId,
    t: &StatementTransaction,
    identity: &matcher::Identity,
    raw_payload: Option<i64>,
    now: &str,
    decision: &Decision,
) -> (String, Vec<Value>) {
    (
        identity.id.as_uuid().hyphenated().encode_lower(&mut uuid::Uuid::encode_buffer()).to_owned(),
        vec![
            Value::Text(account_id.to_string()),
            t.provider_id.clone().filter(|p| !p.trim().is_empty()).map_or(Value::Null, Value::Text),
            identity.content_hash.clone().map_or(Value::Null, Value::Text),
            Value::Text(iso_date(t.posted_on)),
            Value::Integer(t.amount.minor()),
            Value::Text(t.amount.currency().code().to_owned()),
            Value::Text(t.payee.clone()),
            t.memo.clone().map_or(Value::Null, Value::Text),
            Value::Integer(i64::from(t.pending)),
            raw_payload.map_or(Value::Null, Value::Integer),
            Value::Text(now.to_owned()),
            Value::Text(now.to_owned()),
            Value::Text(decision.seller.clone()),
            Value::Text(decision.category.to_string()),
            Value::Text(decision.source.as_str().to_owned()),
            decision.rename.clone().map_or(Value::Null, Value::Text),
            decision.reason.clone().map_or(Value::Null, Value::Text),
        ],
    )
}

/// `YYYY-MM-DD`, as `NaiveDate`'s `Display` writes it for years 0 to 9999, without going
/// through a format string: a million-row import writes a million dates.
fn iso_date(d: NaiveDate) -> String {
    use chrono::Datelike as _;
    let (year, month, day) = (d.year(), d.month(), d.day());
    if !(0..=9999).contains(&year) {
        return d.to_string();
    }
    let digits = |n: u32, width: usize, out: &mut String| {
        for place in (0..width).rev() {
            let digit = n / 10u32.pow(u32::try_from(place).unwrap_or(0)) % 10;
            out.push(char::from_digit(digit, 10).unwrap_or('0'));
        }
    };
    let mut out = String::with_capacity(10);
    digits(year.unsigned_abs(), 4, &mut out);
    out.push('-');
    digits(month, 2, &mut out);
    out.push('-');
    digits(day, 2, &mut out);
    out
}

fn insert_txn(
    w: &mut Writer<'_>,
    account_id: AccountId,
    t: &StatementTransaction,
    identity: &matcher::Identity,
    raw_payload: Option<i64>,
    now: &str,
    decision: &Decision,
) -> Result<bool> {
    let row = txn_row(account_id, t, identity, raw_payload, now, decision);
    Ok(w.insert_many_new(Table::TRANSACTIONS, &TXN_COLUMNS, [row])?.0 == 1)
}

fn update_balance(w: &mut Writer<'_>, account_id: AccountId, account: &StatementAccount) -> Result<()> {
    if let Some(balance) = account.balance {
        w.update(
            Table::ACCOUNTS,
            &account_id.to_string(),
            &[
                ("balance_minor", Value::Integer(balance.minor())),
                ("balance_at", account.balance_on.map_or(Value::Null, |d| Value::Text(d.to_string()))),
            ],
        )?;
    }
    Ok(())
}

/// An account's stored rows dated `from` to `to`, as matching sees them.
fn load_stored(
    w: &Writer<'_>,
    account: AccountId,
    currency: Currency,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<Stored>> {
    read_stored(
        w,
        "account_id = ?1 AND posted_on BETWEEN ?2 AND ?3",
        params![account.to_string(), from.to_string(), to.to_string()],
        currency,
    )
}

/// From this many ids on, [`load_by_ids`] counts the stored rows first: when they are fewer,
/// one pass over their ids costs less than a lookup per id.
const COUNT_FROM: usize = 4096;

/// The rows stored under `ids`, whatever their dates. Many ids and a vault holding no more rows
/// than that (a first import of a large file) take one pass over the stored ids, and an empty
/// vault nothing; otherwise each id is looked up.
fn load_by_ids(w: &Writer<'_>, ids: &[TransactionId], currency: Currency) -> Result<Vec<Stored>> {
    if ids.len() >= COUNT_FROM {
        let stored: i64 = w.read().query_row("SELECT count(*) FROM transactions", [], |r| r.get(0))?;
        let stored = usize::try_from(stored).unwrap_or(usize::MAX);
        if stored == 0 {
            return Ok(Vec::new());
        }
        if stored <= ids.len() {
            let mut all: HashSet<TransactionId> = HashSet::with_capacity(stored);
            let mut scan = w.read().prepare_cached("SELECT id FROM transactions")?;
            let mut rows = scan.query([])?;
            while let Some(row) = rows.next()? {
                // A malformed id names none of these.
                if let Some(id) = row.get_ref(0)?.as_str().ok().and_then(|id| id.parse().ok()) {
                    all.insert(id);
                }
            }
            let hits: Vec<TransactionId> = ids.iter().filter(|id| all.contains(id)).copied().collect();
            return read_by_ids(w, &hits, currency);
        }
    }
    read_by_ids(w, ids, currency)
}

fn read_by_ids(w: &Writer<'_>, ids: &[TransactionId], currency: Currency) -> Result<Vec<Stored>> {
    let mut stmt = w.read().prepare_cached(&format!("SELECT {STORED_COLUMNS} FROM transactions WHERE id = ?1"))?;
    let mut key = uuid::Uuid::encode_buffer();
    let mut out = Vec::new();
    for id in ids {
        let mut rows = stmt.query([&*id.as_uuid().hyphenated().encode_lower(&mut key)])?;
        while let Some(row) = rows.next()? {
            out.push(stored_row(row, currency)?);
        }
    }
    Ok(out)
}

const STORED_COLUMNS: &str = "id, provider_transaction_id, posted_on, amount_minor, seller, memo, pending";

fn read_stored(w: &Writer<'_>, filter: &str, args: impl rusqlite::Params, currency: Currency) -> Result<Vec<Stored>> {
    let mut stmt = w.read().prepare_cached(&format!("SELECT {STORED_COLUMNS} FROM transactions WHERE {filter}"))?;
    let mut rows = stmt.query(args)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(stored_row(row, currency)?);
    }
    Ok(out)
}

/// A row of [`STORED_COLUMNS`], as matching sees it.
fn stored_row(r: &rusqlite::Row<'_>, currency: Currency) -> Result<Stored> {
    let corrupt = || Error::new(ErrorKind::Corrupt, "a stored transaction is damaged: restore the vault from a backup");
    Ok(Stored {
        id: r.get::<_, String>(0)?.parse().map_err(|_| corrupt())?,
        provider_id: r.get(1)?,
        posted_on: r.get::<_, String>(2)?.parse().map_err(|_| corrupt())?,
        amount: Money::from_minor(r.get(3)?, currency),
        payee: r.get(4)?,
        memo: r.get(5)?,
        pending: r.get(6)?,
    })
}

/// A row the plan stores as new was stored already: the plan was made from other rows than
/// those applying met, a bug.
fn stored_meanwhile(id: &dyn std::fmt::Display) -> Error {
    Error::new(ErrorKind::Internal, format!("transaction {id} was stored already where the import planned a new one"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doubled(chunk: &[u64]) -> Vec<u64> {
        chunk.iter().map(|x| x * 2).collect()
    }

    /// A real vault file, and its raw payloads as (sha256, body length).
    fn payloads(vault: &Vault) -> Vec<(String, i64)> {
        let mut stmt = vault.read().prepare("SELECT sha256, length(body) FROM raw_payloads ORDER BY id").unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().collect::<rusqlite::Result<_>>().unwrap()
    }

    #[test]
    fn raw_bodies_are_let_go_after_the_retention_period_and_their_hashes_stay() {
        let dir = tempfile::tempdir().unwrap();
        let paths = crate::vault::ProfilePaths::new(dir.path(), "default").unwrap();
        std::fs::create_dir_all(&paths.dir).unwrap();
        let mut vault =
            Vault::create(&paths, &crate::secret::VaultKey::random(), "test", &crate::vault::Migrations::default())
                .unwrap();
        let old = store_raw(&mut vault, "file:ofx", "application/x-ofx", b"an old statement").unwrap();
        let recent = store_raw(&mut vault, "file:ofx", "application/x-ofx", b"a recent statement").unwrap();
        let aged = (chrono::Utc::now() - Duration::days(RAW_RETENTION_DAYS + 1))
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        vault.write(|w| w.update(Table::RAW_PAYLOADS, &old.to_string(), &[("fetched_at", Value::Text(aged))])).unwrap();
        assert!(payloads(&vault).iter().all(|(_, len)| *len > 0));

        // The next payload kept lets the aged body go; the recent one stays whole.
        store_raw(&mut vault, "simplefin", "application/json", b"{\"accounts\": []}").unwrap();
        let kept = payloads(&vault);
        assert_eq!(kept.len(), 3);
        assert_eq!(kept[0].1, 0, "the aged body is gone");
        assert!(kept[1].1 > 0 && kept[2].1 > 0, "{kept:?}");
        // The same bytes are still known: storing them again names the old row.
        assert_eq!(store_raw(&mut vault, "file:ofx", "application/x-ofx", b"an old statement").unwrap(), old);
        assert_eq!(store_raw(&mut vault, "file:ofx", "application/x-ofx", b"a recent statement").unwrap(), recent);
    }

    #[test]
    fn account_numbers_in_a_name_show_their_last_four_digits() {
        assert_eq!(mask_account_numbers("CHECKING 0012345678"), "CHECKING ····5678");
        assert_eq!(mask_account_numbers("Card 4111111111111111 (Visa)"), "Card ····1111 (Visa)");
        assert_eq!(mask_account_numbers("Savings 2024"), "Savings 2024");
        assert_eq!(mask_account_numbers("Joint ····1234"), "Joint ····1234");
    }

    #[test]
    fn pipelined_rows_arrive_all_and_in_order() {
        for n in [0u64, 1, 4096, 4097, 50_000] {
            let items: Vec<u64> = (0..n).collect();
            let out = pipelined(&items, doubled, |rows| rows.collect::<Vec<_>>());
            assert_eq!(out, (0..n).map(|x| x * 2).collect::<Vec<_>>(), "{n} items");
        }
    }

    #[test]
    fn a_consumer_that_stops_early_stops_the_builders() {
        let items: Vec<u64> = (0..100_000).collect();
        // Returns (rather than hanging on builders blocked on a full channel).
        let first = pipelined(&items, doubled, |rows| rows.take(10).collect::<Vec<_>>());
        assert_eq!(first, (0..10).map(|x| x * 2).collect::<Vec<_>>());
    }

    #[test]
    fn a_panicking_builder_is_not_a_short_import() {
        let items: Vec<u64> = (0..100_000).collect();
        let seen = std::sync::atomic::AtomicUsize::new(0);
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            pipelined(
                &items,
                |chunk: &[u64]| {
                    assert!(!chunk.contains(&60_000), "a bug while building a row");
                    doubled(chunk)
                },
                |rows| seen.store(rows.count(), std::sync::atomic::Ordering::SeqCst),
            )
        }));
        // The consumer saw the rows up to the broken chunk; the caller sees the panic (so its
        // SQL transaction is never committed), not a successful, shorter import.
        assert!(outcome.is_err());
        assert!(seen.load(std::sync::atomic::Ordering::SeqCst) < items.len());
    }

    #[test]
    fn iso_dates_are_written_as_chrono_writes_them() {
        let mut day = NaiveDate::from_ymd_opt(-3, 1, 1).expect("a date");
        let last = NaiveDate::from_ymd_opt(10_003, 12, 31).expect("a date");
        while day <= last {
            assert_eq!(iso_date(day), day.to_string());
            day += Duration::days(13);
        }
        for (y, m, d) in [(0, 1, 1), (9999, 12, 31), (2024, 2, 29), (10_000, 1, 1), (-1, 12, 31)] {
            let day = NaiveDate::from_ymd_opt(y, m, d).expect("a date");
            assert_eq!(iso_date(day), day.to_string());
        }
    }
}
