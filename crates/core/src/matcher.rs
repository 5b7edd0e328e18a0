//! Matching incoming transactions against stored ones, so that re-running any import or
//! extraction changes nothing, a pending transaction is replaced by its posted twin instead of
//! duplicated, and two genuinely identical purchases in one statement stay two.
//!
//! Order: (1) identity — the provider's id within the account when it is present and unique in
//! the statement, otherwise a content hash that counts repeats; (2) pending -> posted — same
//! account and amount, dates within a few days, similar payee; (3) a fuzzy pass for rows without
//! provider ids (a CSV of an account that is also synced); (4) identity among rows stored far
//! from the statement's dates (moved since). Pure: the engine loads the stored rows near the
//! statement's dates, then the rows [`Planning`] asks for (those stored under the incoming
//! rows' ids, wherever they are dated), and applies the finished [`Plan`] in one SQL
//! transaction without asking again.

// A fast hasher: a million-row import looks up a million provider ids.
use foldhash::{HashMap, HashMapExt as _, HashSet, HashSetExt as _};

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate};
use sha2::{Digest, Sha256};

use crate::id::{AccountId, TransactionId};
use crate::money::Money;
use crate::statement::StatementTransaction;

/// How many days apart a pending transaction and its posted twin may be dated.
pub const PENDING_WINDOW_DAYS: i64 = 7;
/// How many days apart two sources may date the same transaction in the fuzzy pass.
pub const FUZZY_WINDOW_DAYS: i64 = 2;
/// A provider id stored for a transaction more than this many days away, with another amount
/// and another payee, names a different transaction: the bank reused the id.
pub const REUSED_ID_DAYS: i64 = 30;

/// A stored transaction, as much as matching needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub id: TransactionId,
    pub provider_id: Option<String>,
    pub posted_on: NaiveDate,
    pub amount: Money,
    pub payee: String,
    pub memo: Option<String>,
    pub pending: bool,
}

/// The identity an incoming transaction gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub id: TransactionId,
    /// Set when the id comes from a content hash (no usable provider id).
    pub content_hash: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// A new row.
    Insert { incoming: usize, identity: Identity },
    /// The row exists; some of its fields changed (pending cleared, amount or date corrected).
    Update { incoming: usize, id: TransactionId },
    /// A stored pending row is replaced by its posted twin (which gets `identity`).
    ReplacePending { incoming: usize, pending: TransactionId, identity: Identity },
    /// Already stored, nothing to do.
    Unchanged { incoming: usize, id: TransactionId },
}

/// Everything applying one account's incoming rows does: one action per incoming row, in
/// order, then the released holds to remove. Applied as it says, it needs no other decision.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Plan {
    pub actions: Vec<Action>,
    /// Stored pending rows inside a complete provider window that the provider no longer lists
    /// and nothing replaced: holds that were released. Empty for file imports.
    pub stale_pending: Vec<TransactionId>,
    /// The incoming rows (in order) of `ReplacePending` actions whose posted row is stored
    /// already under its identity, dated away from this statement: that row takes the pending
    /// one's place, brought up to date, instead of a new one.
    pub posted_stored: Vec<usize>,
}

impl Plan {
    /// Whether the posted row of incoming row `incoming`'s `ReplacePending` is stored already.
    pub fn posted_is_stored(&self, incoming: usize) -> bool {
        self.posted_stored.binary_search(&incoming).is_ok()
    }
}

/// Decides the identity of each incoming transaction of one account.
pub fn identities(account: AccountId, incoming: &[StatementTransaction]) -> Vec<Identity> {
    let mut id_counts: HashMap<&str, usize> = HashMap::with_capacity(incoming.len());
    for t in incoming {
        if let Some(pid) = usable(&t.provider_id) {
            *id_counts.entry(pid).or_default() += 1;
        }
    }
    // Which name each row goes by: its provider id when no other row here has it (None), else
    // its content and its rank among the rows with that content. Identical transactions in one
    // statement are told apart by their order, so two equal purchases stay two and a re-import
    // maps each to the same row. Ranking is done in order; hashing the names is not.
    enum Name<'a> {
        Provider(&'a str),
        Content(usize),
    }
    let mut occurrences: HashMap<String, usize> = HashMap::new();
    let names: Vec<Name<'_>> = incoming
        .iter()
        .map(|t| match usable(&t.provider_id) {
            Some(pid) if id_counts[pid] == 1 => Name::Provider(pid),
            _ => {
                let n = occurrences.entry(material(t)).or_default();
                *n += 1;
                Name::Content(*n)
            }
        })
        .collect();
    let identity = |i: usize| match names[i] {
        Name::Provider(pid) => Identity { id: TransactionId::for_provider(account, pid), content_hash: None },
        Name::Content(n) => content_identity(account, &incoming[i], n),
    };
    let mut out = Vec::with_capacity(incoming.len());
    for part in crate::parts::in_parts(incoming.len(), |range| range.map(identity).collect::<Vec<_>>()) {
        out.extend(part);
    }
    out
}

/// What a content hash is made of: everything the bank states about the transaction.
fn material(t: &StatementTransaction) -> String {
    format!(
        "{}|{}|{}|{}|{}|{}",
        t.posted_on,
        t.amount.minor(),
        t.amount.currency(),
        fold_payee(&t.payee),
        t.provider_id.as_deref().unwrap_or("").trim(),
        t.memo.as_deref().map(fold_payee).unwrap_or_default(),
    )
}

/// The identity of the `n`th transaction (from 1) of a statement with `t`'s content, when its
/// provider id cannot name it (empty, repeated in the statement, or reused by the bank).
pub fn content_identity(account: AccountId, t: &StatementTransaction, n: usize) -> Identity {
    let hash = hex(&Sha256::digest(format!("{}|#{n}", material(t)).as_bytes()));
    Identity { id: TransactionId::for_provider(account, &format!("hash:{hash}")), content_hash: Some(hash) }
}

/// Whether stored row `s`, found under `t`'s provider id, is another transaction the bank gave
/// the same id (some banks reuse ids across statements): dated more than [`REUSED_ID_DAYS`]
/// away, for another amount, at another payee. A row that differs in fewer of these is the
/// same transaction, corrected.
fn reused_id(t: &StatementTransaction, s: &Stored) -> bool {
    usable(&t.provider_id).is_some()
        && (s.posted_on - t.posted_on).num_days().abs() > REUSED_ID_DAYS
        && s.amount != t.amount
        && !similar_payees(&s.payee, &t.payee)
}

/// Gives the transactions whose provider id the bank reused content identities, counting
/// repeats of the same content so that two stay two.
#[derive(Debug, Default)]
struct ReusedIds(HashMap<String, usize>);

impl ReusedIds {
    fn identity(&mut self, account: AccountId, t: &StatementTransaction) -> Identity {
        let n = self.0.entry(material(t)).or_default();
        *n += 1;
        content_identity(account, t, *n)
    }
}

fn usable(pid: &Option<String>) -> Option<&str> {
    pid.as_deref().map(str::trim).filter(|p| !p.is_empty())
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    out
}

/// What to do with incoming transaction `incoming` (`t`) whose identity is stored row `s`:
/// update the fields the provider changed (pending cleared, amount or date corrected), or
/// nothing.
fn same_identity(incoming: usize, t: &StatementTransaction, s: &Stored) -> Action {
    let changed = s.pending != t.pending
        || s.amount != t.amount
        || s.posted_on != t.posted_on
        || s.payee != t.payee
        || s.memo != t.memo;
    if changed { Action::Update { incoming, id: s.id } } else { Action::Unchanged { incoming, id: s.id } }
}

/// Plans what to do with `incoming` given the `stored` rows of the same account near its dates,
/// as if nothing else were stored ([`Planning`] asks for the rest). `window` is the complete
/// date range a provider fetch covered (None for files): pending rows inside it that the
/// provider no longer lists are stale.
pub fn plan(
    account: AccountId,
    incoming: &[StatementTransaction],
    stored: &[Stored],
    window: Option<(NaiveDate, NaiveDate)>,
) -> Plan {
    Planning::new(account, incoming, stored, window).finish()
}

/// A plan being made for one account's incoming rows, without IO. A row the bank sent before
/// is stored where its date was then, and the bank or the user may have moved it since, so
/// besides the rows stored near the statement's dates the plan depends on the rows stored
/// under its rows' ids, wherever they are dated. The caller reads the rows stored under the ids
/// [`Planning::wanted`] names and hands back what it found with [`Planning::found`], until
/// nothing is wanted (two rounds at most: the rows' ids, then the content identities of rows
/// whose id the bank reused); [`Planning::finish`] gives the plan.
///
/// Matching, in order: (1) identity among the rows near the statement (an id the bank reused
/// for another transaction, near or far, does not name it: that one is known by its content
/// instead); (2) pending -> posted twins and (3) the fuzzy pass, both among the rows near the
/// statement; (4) identity among the rows stored away from it: that transaction, brought up
/// to date. A posted row found there that took a pending twin in (2) replaces it as it is.
#[derive(Debug)]
pub struct Planning<'a> {
    account: AccountId,
    incoming: &'a [StatementTransaction],
    near: &'a [Stored],
    near_by_id: HashMap<TransactionId, &'a Stored>,
    window: Option<(NaiveDate, NaiveDate)>,
    ids: Vec<Identity>,
    /// Rows stored under wanted ids, away from the statement's dates or not.
    found: HashMap<TransactionId, Stored>,
    wanted: Vec<TransactionId>,
    stage: Stage,
}

#[derive(Debug, PartialEq, Eq)]
enum Stage {
    /// Waiting for the rows stored under the incoming rows' ids.
    Identities,
    /// Waiting for the rows stored under the content identities of rows whose id the bank
    /// reused.
    Fallbacks,
    Done,
}

impl<'a> Planning<'a> {
    /// Starts from `near`, the account's rows stored near the statement's dates.
    pub fn new(
        account: AccountId,
        incoming: &'a [StatementTransaction],
        near: &'a [Stored],
        window: Option<(NaiveDate, NaiveDate)>,
    ) -> Planning<'a> {
        let ids = identities(account, incoming);
        let near_by_id: HashMap<TransactionId, &Stored> = near.iter().map(|s| (s.id, s)).collect();
        let wanted = ids.iter().map(|i| i.id).filter(|id| !near_by_id.contains_key(id)).collect();
        let mut planning = Planning {
            account,
            incoming,
            near,
            near_by_id,
            window,
            ids,
            found: HashMap::new(),
            wanted,
            stage: Stage::Identities,
        };
        if planning.wanted.is_empty() {
            planning.fall_back();
        }
        planning
    }

    /// The ids whose stored rows (of any date) the plan still needs; empty once it has all.
    pub fn wanted(&self) -> &[TransactionId] {
        &self.wanted
    }

    /// The rows stored under [`Planning::wanted`]'s ids; an id without a row is not stored.
    pub fn found(&mut self, rows: impl IntoIterator<Item = Stored>) {
        self.found.extend(rows.into_iter().map(|s| (s.id, s)));
        self.wanted.clear();
        match self.stage {
            Stage::Identities => self.fall_back(),
            Stage::Fallbacks | Stage::Done => self.stage = Stage::Done,
        }
    }

    /// The plan; ids still wanted are taken as not stored.
    pub fn finish(mut self) -> Plan {
        if self.stage == Stage::Identities {
            self.fall_back();
        }
        self.decide()
    }

    fn stored(&self, id: &TransactionId) -> Option<&Stored> {
        self.near_by_id.get(id).copied().or_else(|| self.found.get(id))
    }

    /// Gives the rows whose id names a stored row that the bank gave another transaction their
    /// content identities, and wants the rows stored under those.
    fn fall_back(&mut self) {
        let mut reused = ReusedIds::default();
        let mut fresh = Vec::new();
        for (i, t) in self.incoming.iter().enumerate() {
            if self.stored(&self.ids[i].id).is_some_and(|s| reused_id(t, s)) {
                let identity = reused.identity(self.account, t);
                fresh.push(identity.id);
                self.ids[i] = identity;
            }
        }
        fresh.retain(|id| self.stored(id).is_none());
        self.wanted = fresh;
        self.stage = if self.wanted.is_empty() { Stage::Done } else { Stage::Fallbacks };
    }

    fn decide(self) -> Plan {
        let Planning { account, incoming, near, near_by_id: by_id, window, ids, found, .. } = self;
        // Rows stored away from the statement's dates (what was found and is not near).
        let elsewhere = |id: &TransactionId| found.get(id).filter(|_| !by_id.contains_key(id));
        if near.is_empty() && found.is_empty() {
            // Nothing to match against (a first import): every row is new.
            let actions =
                ids.into_iter().enumerate().map(|(i, identity)| Action::Insert { incoming: i, identity }).collect();
            return Plan { actions, ..Plan::default() };
        }
        // 1. Identity, near.
        let incoming_ids: HashSet<TransactionId> = ids.iter().map(|i| i.id).collect();
        let mut claimed: HashSet<TransactionId> = HashSet::new();
        let mut actions: Vec<Option<Action>> = vec![None; incoming.len()];
        for (i, (t, identity)) in incoming.iter().zip(&ids).enumerate() {
            if let Some(s) = by_id.get(&identity.id) {
                claimed.insert(s.id);
                actions[i] = Some(same_identity(i, t, s));
            }
        }
        // An id repeated in this statement names none of its rows; but a row stored under that id
        // from a statement where it was unique is one of them: the one that reads the same, else
        // the first the bank did not reuse the id for.
        for exact in [true, false] {
            for (i, t) in incoming.iter().enumerate() {
                let Some(pid) = usable(&t.provider_id) else { continue };
                if actions[i].is_some() || ids[i].content_hash.is_none() {
                    continue;
                }
                let Some(s) = by_id.get(&TransactionId::for_provider(account, pid)) else { continue };
                let action = same_identity(i, t, s);
                let fits = if exact { matches!(action, Action::Unchanged { .. }) } else { !reused_id(t, s) };
                if fits && !claimed.contains(&s.id) {
                    claimed.insert(s.id);
                    actions[i] = Some(action);
                }
            }
        }
        // Stored rows the provider still lists under their own id are never someone's twin.
        let unclaimed =
            |s: &Stored, claimed: &HashSet<TransactionId>| !claimed.contains(&s.id) && !incoming_ids.contains(&s.id);
        let mut twins = Twins::new(near.iter().filter(|s| unclaimed(s, &claimed)));

        // 2. Pending -> posted: the closest similar pending row takes the posted one.
        let mut posted_stored = Vec::new();
        for (i, t) in incoming.iter().enumerate() {
            if actions[i].is_some() || t.pending {
                continue;
            }
            if let Some(s) = twins.take(t, true, PENDING_WINDOW_DAYS) {
                claimed.insert(s.id);
                if elsewhere(&ids[i].id).is_some() {
                    posted_stored.push(i);
                }
                actions[i] = Some(Action::ReplacePending { incoming: i, pending: s.id, identity: ids[i].clone() });
            }
        }

        // 3. Fuzzy: a row without a provider id that another source already stored.
        for (i, t) in incoming.iter().enumerate() {
            if actions[i].is_some() || usable(&t.provider_id).is_some() {
                continue;
            }
            if let Some(s) = twins.take(t, t.pending, FUZZY_WINDOW_DAYS) {
                claimed.insert(s.id);
                actions[i] = Some(Action::Unchanged { incoming: i, id: s.id });
            }
        }

        // 4. Identity, away from these dates: the same transaction, moved.
        let actions: Vec<Action> = actions
            .into_iter()
            .zip(ids)
            .enumerate()
            .map(|(i, (a, identity))| {
                a.unwrap_or_else(|| match elsewhere(&identity.id) {
                    Some(s) => same_identity(i, &incoming[i], s),
                    None => Action::Insert { incoming: i, identity },
                })
            })
            .collect();
        let stale_pending = match window {
            Some((from, to)) => near
                .iter()
                .filter(|s| s.pending && unclaimed(s, &claimed) && s.posted_on >= from && s.posted_on <= to)
                .map(|s| s.id)
                .collect(),
            None => Vec::new(),
        };
        Plan { actions, stale_pending, posted_stored }
    }
}

/// Uppercase letters only, runs of anything else collapsed to one space.
pub fn fold_payee(payee: &str) -> String {
    let mut out = String::with_capacity(payee.len());
    let mut gap = false;
    for c in payee.chars() {
        if c.is_alphabetic() {
            if gap && !out.is_empty() {
                out.push(' ');
            }
            gap = false;
            out.extend(c.to_uppercase());
        } else {
            gap = true;
        }
    }
    out
}

/// Whether two descriptors plausibly name the same seller: a pending `SQ *BLUE BOTTLE` and a
/// posted `SQ *BLUE BOTTLE COFFEE 0423 OAKLAND CA` do; `SHELL OIL` and `BLUE BOTTLE` do not.
pub fn similar_payees(a: &str, b: &str) -> bool {
    PayeeWords::of(a).similar(&PayeeWords::of(b))
}

/// A descriptor as [`similar_payees`] compares it: its folded form and its telling words.
#[derive(Debug)]
struct PayeeWords {
    folded: String,
    words: Vec<String>,
}

impl PayeeWords {
    fn of(payee: &str) -> PayeeWords {
        const NOISE: &[&str] =
            &["SQ", "TST", "POS", "DEBIT", "CREDIT", "CHECKCARD", "PURCHASE", "PAYPAL", "THE", "INC", "LLC", "CO"];
        let folded = fold_payee(payee);
        let mut words: Vec<String> =
            folded.split(' ').filter(|w| w.len() > 1 && !NOISE.contains(w)).map(str::to_owned).collect();
        words.sort_unstable();
        PayeeWords { folded, words }
    }

    fn similar(&self, other: &PayeeWords) -> bool {
        let (wa, wb) = (&self.words, &other.words);
        if wa.is_empty() || wb.is_empty() {
            return self.folded == other.folded;
        }
        // Each of `wb`'s words counted once for every time it appears in `wa` (both are sorted).
        let shared = wb.iter().filter(|w| wa.binary_search(w).is_ok()).count();
        let smaller = wa.len().min(wb.len());
        // All of the shorter descriptor's words appear in the longer, or most words are shared.
        shared == smaller || shared * 2 > wa.len().max(wb.len())
    }
}

/// How many stored rows of the right amount, nearest first, the pending and fuzzy passes
/// compare with one incoming row before taking it as having no twin. Real statements have a
/// handful; a file made of thousands of rows of one amount and one day, none the same seller,
/// would otherwise make planning compare every incoming row with every stored one.
pub const MAX_TWIN_CANDIDATES: usize = 64;

/// The stored rows not yet claimed, by amount, pending or not, and day: the candidates for the
/// pending and fuzzy passes, each looked at in order of distance in days, then id.
#[derive(Debug)]
struct Twins<'a> {
    rows: HashMap<(Money, bool), ByDay<'a>>,
}

/// One amount's candidates: by day, then by id.
type ByDay<'a> = BTreeMap<NaiveDate, BTreeMap<TransactionId, (&'a Stored, PayeeWords)>>;

impl<'a> Twins<'a> {
    fn new(stored: impl Iterator<Item = &'a Stored>) -> Twins<'a> {
        let mut rows: HashMap<_, ByDay<'a>> = HashMap::new();
        for s in stored {
            rows.entry((s.amount, s.pending))
                .or_default()
                .entry(s.posted_on)
                .or_default()
                .insert(s.id, (s, PayeeWords::of(&s.payee)));
        }
        Twins { rows }
    }

    /// Takes the stored row of `t`'s amount, pending as said, dated at most `window` days from
    /// `t` with a similar payee, nearest in days and then lowest id; of the nearest
    /// [`MAX_TWIN_CANDIDATES`] rows only.
    fn take(&mut self, t: &StatementTransaction, pending: bool, window: i64) -> Option<&'a Stored> {
        let days = self.rows.get_mut(&(t.amount, pending))?;
        let words = PayeeWords::of(&t.payee);
        let mut looked = 0;
        for distance in 0..=window {
            let dates = [
                t.posted_on.checked_sub_days(Days::new(distance as u64)),
                t.posted_on.checked_add_days(Days::new(distance as u64)),
            ];
            let dates = if distance == 0 { &dates[..1] } else { &dates[..] };
            // The rows at this distance, both sides, by id: at most what may still be looked at.
            let mut here: Vec<(&TransactionId, &(&'a Stored, PayeeWords))> = Vec::new();
            for date in dates.iter().flatten() {
                if let Some(ids) = days.get(date) {
                    here.extend(ids.iter().take(MAX_TWIN_CANDIDATES - looked));
                }
            }
            here.sort_unstable_by_key(|(id, _)| **id);
            for (_, (s, theirs)) in here.into_iter().take(MAX_TWIN_CANDIDATES - looked) {
                looked += 1;
                if theirs.similar(&words) {
                    let s: &'a Stored = s;
                    if let Some(ids) = days.get_mut(&s.posted_on) {
                        ids.remove(&s.id);
                        if ids.is_empty() {
                            days.remove(&s.posted_on);
                        }
                    }
                    return Some(s);
                }
            }
            if looked == MAX_TWIN_CANDIDATES {
                break;
            }
        }
        None
    }
}
