//! Matching incoming transactions against stored ones, so that re-running any import or
//! extraction changes nothing, a pending transaction is replaced by its posted twin instead of
//! duplicated, and two genuinely identical purchases in one statement stay two.
//!
//! Order: (1) identity — the provider's id within the account when it is present and unique in
//! the statement, otherwise a content hash that counts repeats; (2) pending -> posted — same
//! account and amount, dates within a few days, similar payee; (3) a fuzzy pass for rows without
//! provider ids (a CSV of an account that is also synced). Pure: the engine loads the stored
//! rows near the statement's dates, then the rows [`Planning`] asks for (those stored under the
//! ids it would give new rows, wherever they are dated), and applies the finished [`Plan`] in
//! one SQL transaction without asking again.

// A fast hasher: a million-row import looks up a million provider ids.
use foldhash::{HashMap, HashMapExt as _, HashSet, HashSetExt as _};

use chrono::NaiveDate;
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
    let mut ids = identities(account, incoming);
    if stored.is_empty() {
        // Nothing to match against (a first import): every row is new.
        let actions =
            ids.into_iter().enumerate().map(|(i, identity)| Action::Insert { incoming: i, identity }).collect();
        return Plan { actions, ..Plan::default() };
    }
    let by_id: HashMap<TransactionId, &Stored> = stored.iter().map(|s| (s.id, s)).collect();
    // Twins have equal amounts: look only among those, not through every stored row.
    let mut by_amount: HashMap<Money, Vec<&Stored>> = HashMap::new();
    for s in stored {
        by_amount.entry(s.amount).or_default().push(s);
    }
    let same_amount = |t: &StatementTransaction| by_amount.get(&t.amount).into_iter().flatten().copied();
    // 1. Identity. An id the bank reused for another transaction does not name it: that one
    // is known by its content instead.
    let mut reused = ReusedIds::default();
    for (t, identity) in incoming.iter().zip(ids.iter_mut()) {
        if by_id.get(&identity.id).is_some_and(|s| reused_id(t, s)) {
            *identity = reused.identity(account, t);
        }
    }
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

    // 2. Pending -> posted: the closest similar pending row takes the posted one.
    for (i, t) in incoming.iter().enumerate() {
        if actions[i].is_some() || t.pending {
            continue;
        }
        let twin = same_amount(t)
            .filter(|s| s.pending && unclaimed(s, &claimed))
            .filter(|s| (s.posted_on - t.posted_on).num_days().abs() <= PENDING_WINDOW_DAYS)
            .filter(|s| similar_payees(&s.payee, &t.payee))
            .min_by_key(|s| ((s.posted_on - t.posted_on).num_days().abs(), s.id));
        if let Some(s) = twin {
            claimed.insert(s.id);
            actions[i] = Some(Action::ReplacePending { incoming: i, pending: s.id, identity: ids[i].clone() });
        }
    }

    // 3. Fuzzy: a row without a provider id that another source already stored.
    for (i, t) in incoming.iter().enumerate() {
        if actions[i].is_some() || usable(&t.provider_id).is_some() {
            continue;
        }
        let same = same_amount(t)
            .filter(|s| s.pending == t.pending && unclaimed(s, &claimed))
            .filter(|s| (s.posted_on - t.posted_on).num_days().abs() <= FUZZY_WINDOW_DAYS)
            .filter(|s| similar_payees(&s.payee, &t.payee))
            .min_by_key(|s| ((s.posted_on - t.posted_on).num_days().abs(), s.id));
        if let Some(s) = same {
            claimed.insert(s.id);
            actions[i] = Some(Action::Unchanged { incoming: i, id: s.id });
        }
    }

    let actions: Vec<Action> = actions
        .into_iter()
        .zip(ids)
        .enumerate()
        .map(|(i, (a, identity))| a.unwrap_or(Action::Insert { incoming: i, identity }))
        .collect();
    let stale_pending = match window {
        Some((from, to)) => stored
            .iter()
            .filter(|s| s.pending && unclaimed(s, &claimed) && s.posted_on >= from && s.posted_on <= to)
            .map(|s| s.id)
            .collect(),
        None => Vec::new(),
    };
    Plan { actions, stale_pending, posted_stored: Vec::new() }
}

/// A plan being made for one account's incoming rows, which may need stored rows dated away
/// from the statement: a row the bank sent before is stored where its date was then, and the
/// bank or the user may have moved it since. [`plan`] matches against the rows near the
/// statement's dates; then the caller reads the rows stored under the ids [`Planning::wanted`]
/// names (the ids the plan would give new rows, at any date) and hands back what it found with
/// [`Planning::found`], until nothing is wanted (two rounds at most); [`Planning::finish`]
/// gives the plan. Each row stored under such an id is that transaction, brought up to date:
/// unless the bank reused the id for another one, which is then known by its content (new, or
/// the row stored under that content), and a posted twin found there takes its pending row's
/// place as it is.
#[derive(Debug)]
pub struct Planning<'a> {
    account: AccountId,
    incoming: &'a [StatementTransaction],
    plan: Plan,
    stage: Stage,
    wanted: Vec<TransactionId>,
    found: HashMap<TransactionId, Stored>,
}

#[derive(Debug)]
enum Stage {
    /// Waiting for the rows stored under the ids of the plan's new rows.
    NewIds,
    /// Waiting for the rows stored under the content identities of incoming rows (by index)
    /// whose id the bank reused for a row stored away from these dates.
    Fallbacks(HashMap<usize, Identity>),
    Done,
}

impl<'a> Planning<'a> {
    /// Starts with [`plan`] over `near`, the account's rows stored near the statement's dates.
    pub fn new(
        account: AccountId,
        incoming: &'a [StatementTransaction],
        near: &[Stored],
        window: Option<(NaiveDate, NaiveDate)>,
    ) -> Planning<'a> {
        let plan = plan(account, incoming, near, window);
        let wanted: Vec<TransactionId> = plan
            .actions
            .iter()
            .filter_map(|a| match a {
                Action::Insert { identity, .. } | Action::ReplacePending { identity, .. } => Some(identity.id),
                Action::Update { .. } | Action::Unchanged { .. } => None,
            })
            .collect();
        let stage = if wanted.is_empty() { Stage::Done } else { Stage::NewIds };
        Planning { account, incoming, plan, stage, wanted, found: HashMap::new() }
    }

    /// The ids whose stored rows (of any date) the plan still needs; empty once it has all.
    pub fn wanted(&self) -> &[TransactionId] {
        &self.wanted
    }

    /// The rows stored under [`Planning::wanted`]'s ids; an id without a row is not stored.
    pub fn found(&mut self, rows: impl IntoIterator<Item = Stored>) {
        self.found.extend(rows.into_iter().map(|s| (s.id, s)));
        self.wanted.clear();
        match std::mem::replace(&mut self.stage, Stage::Done) {
            Stage::NewIds if self.found.is_empty() => {}
            Stage::NewIds => {
                let fallbacks = self.fallbacks();
                self.wanted = fallbacks.values().map(|f| f.id).filter(|id| !self.found.contains_key(id)).collect();
                if self.wanted.is_empty() {
                    self.settle(&fallbacks);
                } else {
                    self.stage = Stage::Fallbacks(fallbacks);
                }
            }
            Stage::Fallbacks(fallbacks) => self.settle(&fallbacks),
            Stage::Done => {}
        }
    }

    /// The plan; ids still wanted are taken as not stored.
    pub fn finish(mut self) -> Plan {
        match std::mem::replace(&mut self.stage, Stage::Done) {
            Stage::NewIds | Stage::Done => {}
            Stage::Fallbacks(fallbacks) => self.settle(&fallbacks),
        }
        self.plan
    }

    /// The content identities of the new rows whose id names a row stored elsewhere that the
    /// bank gave another transaction. Repeats of one content are counted in date order.
    fn fallbacks(&self) -> HashMap<usize, Identity> {
        let mut moved: Vec<(usize, TransactionId)> = self
            .plan
            .actions
            .iter()
            .filter_map(|a| match a {
                Action::Insert { incoming, identity } if self.found.contains_key(&identity.id) => {
                    Some((*incoming, identity.id))
                }
                _ => None,
            })
            .collect();
        moved.sort_unstable_by_key(|&(i, id)| (self.incoming[i].posted_on, id));
        let mut reused = ReusedIds::default();
        moved
            .into_iter()
            .filter(|(i, id)| reused_id(&self.incoming[*i], &self.found[id]))
            .map(|(i, _)| (i, reused.identity(self.account, &self.incoming[i])))
            .collect()
    }

    /// Decides the new rows and posted twins whose ids name stored rows, given every row
    /// stored under those ids and under `fallbacks`.
    fn settle(&mut self, fallbacks: &HashMap<usize, Identity>) {
        // Rows the plan removes (replaced pending rows, released holds) go before any row is
        // inserted: an id of theirs is free again.
        for gone in &self.plan.stale_pending {
            self.found.remove(gone);
        }
        for action in &self.plan.actions {
            if let Action::ReplacePending { pending, .. } = action {
                self.found.remove(pending);
            }
        }
        let incoming = self.incoming;
        for action in &mut self.plan.actions {
            match action {
                Action::Insert { incoming: i, identity } => {
                    let i = *i;
                    let Some(stored) = self.found.get(&identity.id) else { continue };
                    let t = &incoming[i];
                    *action = match fallbacks.get(&i) {
                        None => same_identity(i, t, stored),
                        Some(fresh) => match self.found.get(&fresh.id) {
                            Some(stored) => same_identity(i, t, stored),
                            None => Action::Insert { incoming: i, identity: fresh.clone() },
                        },
                    };
                }
                Action::ReplacePending { incoming: i, identity, .. } if self.found.contains_key(&identity.id) => {
                    self.plan.posted_stored.push(*i);
                }
                _ => {}
            }
        }
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
    const NOISE: &[&str] =
        &["SQ", "TST", "POS", "DEBIT", "CREDIT", "CHECKCARD", "PURCHASE", "PAYPAL", "THE", "INC", "LLC", "CO"];
    let words = |s: &str| -> Vec<String> {
        fold_payee(s).split(' ').filter(|w| w.len() > 1 && !NOISE.contains(w)).map(str::to_owned).collect()
    };
    let (wa, wb) = (words(a), words(b));
    if wa.is_empty() || wb.is_empty() {
        return fold_payee(a) == fold_payee(b);
    }
    let sa: HashSet<&String> = wa.iter().collect();
    let shared = wb.iter().filter(|w| sa.contains(w)).count();
    let smaller = wa.len().min(wb.len());
    // All of the shorter descriptor's words appear in the longer, or most words are shared.
    shared == smaller || shared * 2 > wa.len().max(wb.len())
}
