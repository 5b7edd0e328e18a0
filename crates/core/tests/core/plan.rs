//! The whole decision of a statement's way in, without a vault: [`Planning`] against an
//! in-memory account that loads and applies a plan as the engine does. A re-run changes
//! nothing, identical purchases stay apart, a posted row replaces its pending twin once, an id
//! the bank reused names a new row; and applying never meets a row other than the plan said
//! (no insert over a stored id, no update or removal of a missing row), wherever rows are dated.

use chrono::{Duration, NaiveDate};
use proptest::prelude::*;
use spearmint_core::matcher::{Action, PENDING_WINDOW_DAYS, Plan, Planning, Stored};
use spearmint_core::{AccountId, Currency, Money, StatementTransaction, TransactionId};
use uuid::Uuid;

fn account() -> AccountId {
    AccountId::from_uuid(Uuid::from_u128(0xacc))
}

fn day(offset: i64) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + Duration::days(offset)
}

fn txn(pid: Option<&str>, offset: i64, cents: i64, payee: &str, pending: bool) -> StatementTransaction {
    let mut t = StatementTransaction::new(day(offset), Money::from_minor(cents, Currency::USD), payee);
    t.provider_id = pid.map(str::to_owned);
    t.pending = pending;
    t
}

type Window = Option<(NaiveDate, NaiveDate)>;

/// One account's stored rows, read and written as the engine reads and writes the vault.
#[derive(Debug, Clone, Default)]
struct Vault {
    rows: Vec<Stored>,
}

/// What applying a plan did, counted as the engine's summary counts it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Summary {
    added: usize,
    updated: usize,
    posted: usize,
    removed: usize,
    unchanged: usize,
}

impl Vault {
    fn get(&self, id: TransactionId) -> Option<&Stored> {
        self.rows.iter().find(|s| s.id == id)
    }

    /// The plan for `incoming`: the rows near its dates first (as the engine loads them), then
    /// whatever the plan asks for, by id, at any date.
    fn plan(&self, incoming: &[StatementTransaction], window: Window) -> Plan {
        let dates = incoming.iter().map(|t| t.posted_on).chain(window.into_iter().flat_map(|(a, b)| [a, b]));
        let (Some(min), Some(max)) = (dates.clone().min(), dates.max()) else { return Plan::default() };
        let margin = Duration::days(PENDING_WINDOW_DAYS + 1);
        let near: Vec<Stored> =
            self.rows.iter().filter(|s| s.posted_on >= min - margin && s.posted_on <= max + margin).cloned().collect();
        let mut planning = Planning::new(account(), incoming, &near, window);
        let mut rounds = 0;
        while !planning.wanted().is_empty() {
            rounds += 1;
            assert!(rounds <= 2, "a plan asks twice at most");
            let found: Vec<Stored> = planning.wanted().iter().filter_map(|id| self.get(*id)).cloned().collect();
            planning.found(found);
        }
        let plan = planning.finish();
        assert_eq!(plan.actions.len(), incoming.len(), "one action per incoming row");
        plan
    }

    /// Applies `plan` as the engine does: actions in order, then released holds, then new rows.
    /// Every write finds what the plan said it would.
    fn apply(&mut self, incoming: &[StatementTransaction], plan: &Plan) -> Summary {
        let mut summary = Summary::default();
        let mut news = Vec::new();
        for (i, action) in plan.actions.iter().enumerate() {
            match action {
                Action::Insert { incoming: at, identity } => {
                    assert_eq!(*at, i);
                    news.push((i, identity.id));
                    summary.added += 1;
                }
                Action::ReplacePending { incoming: at, pending, identity } => {
                    assert_eq!(*at, i);
                    self.remove(*pending);
                    if plan.posted_is_stored(i) {
                        self.update(identity.id, &incoming[i]);
                    } else {
                        self.insert(identity.id, &incoming[i]);
                    }
                    summary.posted += 1;
                }
                Action::Update { incoming: at, id } => {
                    assert_eq!(*at, i);
                    self.update(*id, &incoming[i]);
                    summary.updated += 1;
                }
                Action::Unchanged { incoming: at, id } => {
                    assert_eq!(*at, i);
                    assert!(self.get(*id).is_some(), "unchanged {id} is stored");
                    summary.unchanged += 1;
                }
            }
        }
        for id in &plan.stale_pending {
            self.remove(*id);
            summary.removed += 1;
        }
        for (i, id) in news {
            self.insert(id, &incoming[i]);
        }
        summary
    }

    fn insert(&mut self, id: TransactionId, t: &StatementTransaction) {
        assert!(self.get(id).is_none(), "{id} is planned as new but stored: {:?}", self.get(id));
        self.rows.push(Stored {
            id,
            provider_id: t.provider_id.clone().filter(|p| !p.trim().is_empty()),
            posted_on: t.posted_on,
            amount: t.amount,
            payee: t.payee.clone(),
            memo: t.memo.clone(),
            pending: t.pending,
        });
    }

    /// What the provider now says of a stored row; its provider id stays.
    fn update(&mut self, id: TransactionId, t: &StatementTransaction) {
        let s = self.rows.iter_mut().find(|s| s.id == id).unwrap_or_else(|| panic!("update of {id}, not stored"));
        s.posted_on = t.posted_on;
        s.amount = t.amount;
        s.payee = t.payee.clone();
        s.memo = t.memo.clone();
        s.pending = t.pending;
    }

    fn remove(&mut self, id: TransactionId) {
        let before = self.rows.len();
        self.rows.retain(|s| s.id != id);
        assert_eq!(self.rows.len() + 1, before, "removal of {id}, not stored");
    }

    /// The user moves a row's date (the bank may too): it is then stored away from the dates a
    /// later statement of it is matched near.
    fn move_row(&mut self, pick: usize, days: i64) {
        let mut ids: Vec<TransactionId> = self.rows.iter().map(|s| s.id).collect();
        ids.sort();
        if let Some(id) = ids.get(pick % ids.len().max(1)) {
            let row = self.rows.iter_mut().find(|s| s.id == *id).unwrap();
            row.posted_on += Duration::days(days);
        }
    }

    fn import(&mut self, incoming: &[StatementTransaction], window: Window) -> (Plan, Summary) {
        let plan = self.plan(incoming, window);
        let summary = self.apply(incoming, &plan);
        (plan, summary)
    }
}

/// The stored row incoming row `i` is, once `plan` is applied.
fn target(plan: &Plan, i: usize) -> TransactionId {
    match &plan.actions[i] {
        Action::Insert { identity, .. } | Action::ReplacePending { identity, .. } => identity.id,
        Action::Update { id, .. } | Action::Unchanged { id, .. } => *id,
    }
}

fn only_unchanged(plan: &Plan) -> bool {
    plan.actions.iter().all(|a| matches!(a, Action::Unchanged { .. }))
        && plan.stale_pending.is_empty()
        && plan.posted_stored.is_empty()
}

const PAYEES: [&str; 6] = ["SQ *BLUE BOTTLE", "SQ *BLUE BOTTLE COFFEE 0423", "SHELL OIL", "RENT", "GROCER", "BOOKS"];

/// A statement of a fortnight somewhere in the year, with ids from a small pool (so that an
/// id comes back months later, for the same transaction moved or for another one), few
/// amounts and payees (so that twins and look-alikes are common), some rows pending, and a
/// provider's window or none (a file).
fn statement() -> impl Strategy<Value = (Vec<StatementTransaction>, Window)> {
    statement_of(0..12)
}

fn statement_of(rows: std::ops::Range<usize>) -> impl Strategy<Value = (Vec<StatementTransaction>, Window)> {
    let row = (prop::option::of(0u8..8), 0i64..16, -3i64..3, prop::sample::select(PAYEES.to_vec()), 0u8..4);
    (0i64..300, prop::collection::vec(row, rows), any::<bool>()).prop_map(|(start, rows, provider)| {
        let txns = rows
            .into_iter()
            .map(|(pid, d, amount, payee, pending)| {
                txn(pid.map(|p| format!("ID{p}")).as_deref(), start + d, amount * 1000, payee, pending == 0)
            })
            .collect();
        (txns, provider.then(|| (day(start), day(start + 15))))
    })
}

#[derive(Debug, Clone)]
enum Step {
    Import(Vec<StatementTransaction>, Window),
    Move { pick: usize, days: i64 },
}

/// Imports and refreshes over a year, with rows moved in between.
fn history() -> impl Strategy<Value = Vec<Step>> {
    let step = prop_oneof![
        3 => statement().prop_map(|(t, w)| Step::Import(t, w)),
        1 => (any::<usize>(), prop_oneof![-90i64..-20, 20i64..90]).prop_map(|(pick, days)| Step::Move { pick, days }),
    ];
    prop::collection::vec(step, 0..8)
}

fn replay(steps: &[Step]) -> Vault {
    let mut vault = Vault::default();
    for step in steps {
        match step {
            Step::Import(incoming, window) => {
                vault.import(incoming, *window);
            }
            Step::Move { pick, days } => vault.move_row(*pick, *days),
        }
    }
    vault
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Whatever the account holds, wherever its rows are dated: importing a statement and
    /// planning it again against what that left gives only `Unchanged`.
    #[test]
    fn a_rerun_of_any_statement_changes_nothing(steps in history(), (incoming, window) in statement()) {
        let mut vault = replay(&steps);
        vault.import(&incoming, window);
        let again = vault.plan(&incoming, window);
        prop_assert!(only_unchanged(&again), "{again:?}\nvault: {vault:?}");
        let mut ids: Vec<TransactionId> = vault.rows.iter().map(|s| s.id).collect();
        ids.sort();
        ids.dedup();
        prop_assert_eq!(ids.len(), vault.rows.len(), "every stored id is unique");
    }

    /// Two (or more) identical purchases in one statement are as many rows, whatever was
    /// stored before, and a re-run adds none.
    #[test]
    fn identical_purchases_in_one_statement_stay_apart(
        steps in history(),
        (mut incoming, window) in statement_of(1..12),
        (copies, pick) in (2usize..4, any::<usize>()),
    ) {
        let original = pick % incoming.len();
        let first_copy = incoming.len();
        incoming.extend(std::iter::repeat_n(incoming[original].clone(), copies - 1));
        let mut vault = replay(&steps);
        let (plan, _) = vault.import(&incoming, window);
        let mut rows: Vec<TransactionId> =
            std::iter::once(original).chain(first_copy..incoming.len()).map(|i| target(&plan, i)).collect();
        rows.sort();
        rows.dedup();
        prop_assert_eq!(rows.len(), copies, "{:?}", plan);
        for id in &rows {
            prop_assert!(vault.get(*id).is_some());
        }
        prop_assert!(only_unchanged(&vault.plan(&incoming, window)));
    }

    /// A pending row and its posted twin (a new id, a fuller name, a few days later) give one
    /// replace: the pending row goes, the posted one stays, once, even when the bank sent the
    /// posted row before and it is stored far from these dates.
    #[test]
    fn a_posted_row_replaces_its_pending_twin_once(
        steps in history(),
        (start, late) in (0i64..300, 0i64..=PENDING_WINDOW_DAYS),
        stored_far in any::<bool>(),
    ) {
        // Amounts of the history are multiples of 1000; the twins' is not.
        let cents = -1875;
        let mut vault = replay(&steps);
        let pending = vec![txn(Some("P-1"), start, cents, "SQ *BLUE BOTTLE", true)];
        vault.import(&pending, Some((day(start - 3), day(start))));
        let posted = txn(Some("T-1"), start + late, cents, "SQ *BLUE BOTTLE COFFEE 0423 OAKLAND CA", false);
        if stored_far {
            // The same posted row, sent months before (the bank has since moved it).
            let mut early = posted.clone();
            early.posted_on = day(start - 120);
            vault.import(std::slice::from_ref(&early), None);
        }
        let incoming = vec![posted];
        let window = Some((day(start), day(start + late)));
        let (plan, summary) = vault.import(&incoming, window);
        let Action::ReplacePending { pending: replaced, .. } = &plan.actions[0] else {
            return Err(TestCaseError::fail(format!("{plan:?}")));
        };
        prop_assert_eq!(summary.posted, 1);
        prop_assert_eq!(plan.posted_is_stored(0), stored_far);
        prop_assert!(vault.get(*replaced).is_none());
        let twins: Vec<&Stored> = vault.rows.iter().filter(|s| s.amount.minor() == cents).collect();
        prop_assert_eq!(twins.len(), 1, "{:?}", twins);
        prop_assert!(!twins[0].pending && twins[0].posted_on == day(start + late));
        prop_assert!(only_unchanged(&vault.plan(&incoming, window)));
    }

    /// An id the bank reused months later for another amount at another payee names a new row
    /// (known by its content), whether the old row is near the statement's dates or far from
    /// them; the old row stays as it was, and a re-run changes nothing.
    #[test]
    fn an_id_the_bank_reused_for_another_purchase_is_a_new_row(
        steps in history(),
        (old_day, later) in (0i64..100, 31i64..200),
        near_the_old_row in any::<bool>(),
    ) {
        let mut vault = replay(&steps);
        // Cents of the history are multiples of 1000; these are not.
        let old = txn(Some("REUSED"), old_day, -4_250, "SHELL OIL 57442", false);
        vault.import(std::slice::from_ref(&old), None);
        let kept = vault.rows.iter().find(|s| s.amount.minor() == -4_250).cloned().unwrap();
        let mut incoming = vec![txn(Some("REUSED"), old_day + later, -750, "SQ *BLUE BOTTLE COFFEE", false)];
        if near_the_old_row {
            // Another row of the statement brings the old row near its dates.
            incoming.push(txn(Some("OTHER"), old_day, -9_990, "BOOKS", false));
        }
        let (plan, _) = vault.import(&incoming, None);
        let Action::Insert { identity, .. } = &plan.actions[0] else {
            return Err(TestCaseError::fail(format!("a new purchase: {plan:?}")));
        };
        prop_assert_ne!(identity.id, kept.id);
        prop_assert!(identity.content_hash.is_some(), "known by its content");
        prop_assert_eq!(vault.get(kept.id), Some(&kept), "the old purchase stays as it was");
        prop_assert!(only_unchanged(&vault.plan(&incoming, None)));
        prop_assert!(only_unchanged(&vault.plan(&[old, incoming[0].clone()], None)));
    }
}

/// A row the bank sent before and the user moved far from its date is found by its id, wherever
/// it is: brought up to date, not inserted again.
#[test]
fn a_row_moved_far_from_its_date_is_updated_where_it_is() {
    let mut vault = Vault::default();
    let first = [txn(Some("TX-1"), 60, -1000, "HARDWARE STORE", false), txn(Some("TX-2"), 61, -500, "BAKERY", false)];
    vault.import(&first, None);
    let moved = vault.rows.iter_mut().find(|s| s.payee == "HARDWARE STORE").unwrap();
    moved.posted_on = day(1);
    let moved = moved.clone();
    let second = [txn(Some("TX-1"), 120, -1200, "HARDWARE STORE", false)];
    let (plan, summary) = vault.import(&second, None);
    assert_eq!(plan.actions, [Action::Update { incoming: 0, id: moved.id }]);
    assert_eq!((summary.added, summary.updated), (0, 1));
    assert_eq!(vault.rows.len(), 2);
    assert_eq!(vault.get(moved.id).map(|s| s.posted_on), Some(day(120)));
}
