//! Matching: re-running changes nothing, pending is replaced by posted, identical purchases
//! stay distinct, files without ids do not duplicate synced rows.

use chrono::NaiveDate;
use proptest::prelude::*;
use spearmint_core::matcher::{Action, Plan, Stored, plan, similar_payees};
use spearmint_core::{AccountId, Currency, Money, StatementTransaction};
use uuid::Uuid;

fn account() -> AccountId {
    AccountId::from_uuid(Uuid::from_u128(0xacc))
}

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 10, d).unwrap()
}

fn txn(pid: Option<&str>, d: u32, cents: i64, payee: &str, pending: bool) -> StatementTransaction {
    let mut t = StatementTransaction::new(day(d), Money::from_minor(cents, Currency::USD), payee);
    t.provider_id = pid.map(str::to_owned);
    t.pending = pending;
    t
}

/// Applies a plan to an in-memory store, as the engine does in SQL.
fn apply(store: &mut Vec<Stored>, incoming: &[StatementTransaction], p: &Plan) {
    for a in &p.actions {
        let (i, id) = match a {
            Action::Insert { incoming, identity } => (*incoming, Some(identity.id)),
            Action::ReplacePending { incoming, pending, identity } => {
                store.retain(|s| s.id != *pending);
                (*incoming, Some(identity.id))
            }
            Action::Update { incoming, id } => {
                store.retain(|s| s.id != *id);
                (*incoming, Some(*id))
            }
            Action::Unchanged { .. } => continue,
        };
        let t = &incoming[i];
        store.push(Stored {
            id: id.unwrap(),
            provider_id: t.provider_id.clone(),
            posted_on: t.posted_on,
            amount: t.amount,
            payee: t.payee.clone(),
            memo: t.memo.clone(),
            pending: t.pending,
        });
    }
    store.retain(|s| !p.stale_pending.contains(&s.id));
}

fn inserts(p: &Plan) -> usize {
    p.actions.iter().filter(|a| matches!(a, Action::Insert { .. })).count()
}

#[test]
fn two_identical_purchases_in_one_statement_stay_two_and_reimport_adds_none() {
    let coffee = txn(None, 3, -450, "BLUE BOTTLE COFFEE", false);
    let incoming = vec![coffee.clone(), coffee.clone(), txn(None, 4, -1200, "SHELL OIL 57442", false)];
    let mut store = Vec::new();
    let first = plan(account(), &incoming, &store, None);
    assert_eq!(inserts(&first), 3);
    apply(&mut store, &incoming, &first);
    assert_eq!(store.len(), 3);
    let second = plan(account(), &incoming, &store, None);
    assert_eq!(inserts(&second), 0);
    assert!(second.actions.iter().all(|a| matches!(a, Action::Unchanged { .. })));
}

/// Stored rows carry these hashes and ids: they must never change between versions. The
/// expected hash is SHA-256 of the documented material, computed with Python's hashlib.
#[test]
fn content_hashes_are_stable() {
    let incoming = vec![txn(None, 3, -450, "SQ *Blue Bottle Coffee 0423", false)];
    let ids = spearmint_core::matcher::identities(account(), &incoming);
    // sha256("2026-10-03|-450|USD|SQ BLUE BOTTLE COFFEE||" + "|#1")
    let hash = "e40fce652b1449d6ed4cb7025d1feb636c6f35f11c34c896d321c4d1d398e1c3";
    assert_eq!(ids[0].content_hash.as_deref(), Some(hash));
    assert_eq!(ids[0].id, spearmint_core::TransactionId::for_provider(account(), &format!("hash:{hash}")));
}

/// A large statement is named in parts on several cores: each row must get the identity it gets
/// alone, with repeated ids and identical purchases ranked across the whole statement, in order.
#[test]
fn a_large_statement_gets_the_same_identities_as_each_row_alone() {
    use spearmint_core::TransactionId;
    use spearmint_core::matcher::{content_identity, identities};
    let n = 100_000;
    let mut incoming: Vec<StatementTransaction> =
        (0..n).map(|i| txn(Some(&format!("ID-{i}")), 1 + (i % 28) as u32, -(i as i64) - 1, "SHOP", false)).collect();
    // An id the bank repeated, far apart; three identical purchases without an id, in three parts.
    incoming[7].provider_id = Some("DUP".into());
    incoming[n - 7].provider_id = Some("DUP".into());
    for i in [10, n / 2, n - 1] {
        incoming[i] = txn(None, 3, -450, "BLUE BOTTLE COFFEE", false);
    }
    let ids = identities(account(), &incoming);
    assert_eq!(ids.len(), n);
    let mut coffee = 0;
    for (i, (t, identity)) in incoming.iter().zip(&ids).enumerate() {
        let expected = match i {
            7 => content_identity(account(), t, 1),
            i if i == n - 7 => content_identity(account(), t, 1),
            10 => content_identity(account(), t, 1),
            i if i == n / 2 || i == n - 1 => {
                coffee += 1;
                content_identity(account(), t, 1 + coffee)
            }
            i => spearmint_core::matcher::Identity {
                id: TransactionId::for_provider(account(), &format!("ID-{i}")),
                content_hash: None,
            },
        };
        assert_eq!(*identity, expected, "row {i}");
    }
    let distinct: std::collections::HashSet<_> = ids.iter().map(|i| i.id).collect();
    assert_eq!(distinct.len(), n, "the three identical purchases stay three");
}

#[test]
fn repeated_or_empty_fitids_fall_back_to_content_hashes() {
    let incoming = vec![
        txn(Some("DUP"), 3, -450, "COFFEE", false),
        txn(Some("DUP"), 5, -990, "BOOKS", false),
        txn(Some("  "), 6, -100, "PARKING", false),
        txn(Some("OK-1"), 7, -100, "PARKING", false),
    ];
    let p = plan(account(), &incoming, &[], None);
    let hashes: Vec<bool> = p
        .actions
        .iter()
        .map(|a| match a {
            Action::Insert { identity, .. } => identity.content_hash.is_some(),
            _ => panic!("all new"),
        })
        .collect();
    assert_eq!(hashes, [true, true, true, false]);
}

#[test]
fn a_posted_transaction_replaces_its_pending_twin() {
    let mut store = Vec::new();
    let day1 = vec![txn(Some("P-1"), 10, -1875, "SQ *BLUE BOTTLE", true), txn(Some("T-0"), 9, -5000, "RENT", false)];
    let p = plan(account(), &day1, &store, Some((day(1), day(10))));
    apply(&mut store, &day1, &p);
    // Two days later the pending one is gone and a posted one with a new id and fuller name exists.
    let day3 = vec![
        txn(Some("T-1"), 12, -1875, "SQ *BLUE BOTTLE COFFEE 0423 OAKLAND CA", false),
        txn(Some("T-0"), 9, -5000, "RENT", false),
    ];
    let p = plan(account(), &day3, &store, Some((day(3), day(12))));
    assert!(matches!(p.actions[0], Action::ReplacePending { .. }), "{:?}", p.actions);
    apply(&mut store, &day3, &p);
    assert_eq!(store.len(), 2);
    assert!(store.iter().all(|s| !s.pending));
    assert_eq!(
        plan(account(), &day3, &store, Some((day(3), day(12))))
            .actions
            .iter()
            .filter(|a| !matches!(a, Action::Unchanged { .. }))
            .count(),
        0
    );
}

#[test]
fn a_released_hold_disappears_but_only_inside_the_fetched_window() {
    let mut store = Vec::new();
    let hold = vec![txn(Some("P-9"), 10, -10000, "HOTEL DEPOSIT", true)];
    let p = plan(account(), &hold, &store, Some((day(1), day(10))));
    apply(&mut store, &hold, &p);
    assert!(plan(account(), &[], &store, Some((day(11), day(20)))).stale_pending.is_empty());
    assert_eq!(plan(account(), &[], &store, Some((day(1), day(20)))).stale_pending.len(), 1);
    assert!(plan(account(), &[], &store, None).stale_pending.is_empty(), "a file import never removes rows");
}

#[test]
fn a_csv_row_matches_a_synced_row_from_another_source() {
    let mut store = Vec::new();
    let synced = vec![txn(Some("FIT-7"), 10, -6499, "AMZN Mktp US*2K4HJ7", false)];
    let p = plan(account(), &synced, &store, None);
    apply(&mut store, &synced, &p);
    let csv = vec![txn(None, 11, -6499, "AMZN MKTP US", false), txn(None, 11, -6499, "SHELL OIL", false)];
    let p = plan(account(), &csv, &store, None);
    assert!(matches!(p.actions[0], Action::Unchanged { .. }));
    assert!(matches!(p.actions[1], Action::Insert { .. }), "a different seller is a different purchase");
}

#[test]
fn payee_similarity() {
    assert!(similar_payees("SQ *BLUE BOTTLE", "SQ *BLUE BOTTLE COFFEE 0423 OAKLAND CA"));
    assert!(similar_payees("POS DEBIT 0412 SHELL OIL 57442", "SHELL OIL 57442"));
    assert!(!similar_payees("SHELL OIL", "BLUE BOTTLE COFFEE"));
    assert!(!similar_payees("NETFLIX.COM", "SPOTIFY USA"));
}

fn statement() -> impl Strategy<Value = Vec<StatementTransaction>> {
    let payees = prop::sample::select(vec!["COFFEE", "SHELL OIL", "RENT", "GROCER", "SQ *TACOS"]);
    let one = (prop::option::of(0u8..6), 1u32..28, -3i64..3, payees, any::<bool>()).prop_map(
        |(pid, d, amt, payee, pending)| txn(pid.map(|p| format!("ID{p}")).as_deref(), d, amt * 1000, payee, pending),
    );
    prop::collection::vec(one, 0..30)
}

proptest! {
    #[test]
    fn any_import_rerun_changes_nothing(first in statement(), second in statement()) {
        let mut store = Vec::new();
        for incoming in [&first, &second] {
            let p = plan(account(), incoming, &store, None);
            apply(&mut store, incoming, &p);
            let again = plan(account(), incoming, &store, None);
            prop_assert!(again.actions.iter().all(|a| matches!(a, Action::Unchanged { .. })), "{:?}", again.actions);
            prop_assert!(again.stale_pending.is_empty());
        }
        // Every stored id is unique.
        let mut ids: Vec<_> = store.iter().map(|s| s.id).collect();
        ids.sort();
        ids.dedup();
        prop_assert_eq!(ids.len(), store.len());
    }

    #[test]
    fn a_plan_has_one_action_per_incoming_row_in_order(incoming in statement()) {
        let p = plan(account(), &incoming, &[], None);
        prop_assert_eq!(p.actions.len(), incoming.len());
    }
}

/// A bank that reuses an id months later for another purchase: the new purchase is a new row
/// (known by its content), the old one stays; a re-import of either changes nothing. The same
/// id with the same payee, moved and corrected, is still the same transaction.
#[test]
fn an_id_the_bank_reused_for_another_purchase_names_a_new_row() {
    let at = |y: i32, m: u32, d: u32| NaiveDate::from_ymd_opt(y, m, d).unwrap();
    let mut old = txn(Some("7"), 1, -4200, "SHELL OIL 57442", false);
    old.posted_on = at(2026, 1, 5);
    let mut store = Vec::new();
    let first = plan(account(), std::slice::from_ref(&old), &store, None);
    apply(&mut store, std::slice::from_ref(&old), &first);

    let mut new = txn(Some("7"), 1, -750, "SQ *BLUE BOTTLE COFFEE", false);
    new.posted_on = at(2026, 6, 1);
    let p = plan(account(), std::slice::from_ref(&new), &store, None);
    let Action::Insert { identity, .. } = &p.actions[0] else { panic!("a new purchase: {p:?}") };
    assert_ne!(identity.id, store[0].id);
    assert!(identity.content_hash.is_some(), "known by its content");
    apply(&mut store, std::slice::from_ref(&new), &p);
    assert_eq!(store.len(), 2, "the old purchase stays");
    let again = plan(account(), &[old.clone(), new.clone()], &store, None);
    assert!(again.actions.iter().all(|a| matches!(a, Action::Unchanged { .. })), "{again:?}");

    // Moved five weeks and corrected, at the same payee: the same transaction, updated.
    let mut corrected = old.clone();
    corrected.posted_on = at(2026, 2, 12);
    corrected.amount = Money::from_minor(-4300, Currency::USD);
    let p = plan(account(), std::slice::from_ref(&corrected), &store, None);
    assert!(matches!(p.actions[0], Action::Update { .. }), "{p:?}");

    // Two equal purchases under one reused id are two rows.
    let twice = [new.clone(), new.clone()];
    let mut once_more = store[..1].to_vec();
    let p = plan(account(), &twice, &once_more, None);
    assert_eq!(inserts(&p), 2, "{p:?}");
    apply(&mut once_more, &twice, &p);
    assert_eq!(once_more.len(), 3);
}

/// Plans `incoming` against `stored` on a thread, giving up after `limit`.
fn plan_within(stored: Vec<Stored>, incoming: Vec<StatementTransaction>, limit: std::time::Duration) -> Option<Plan> {
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(plan(account(), &incoming, &stored, None));
    });
    finished.recv_timeout(limit).ok()
}

/// Rows without a provider id, all of one amount on one day, each with its own seller: the
/// shape of a hostile file (or a CSV of a thousand identical top-ups) that made the pending and
/// fuzzy passes compare every incoming row with every stored one.
fn same_amount_rows(n: usize, seller: &str, pending: bool) -> Vec<StatementTransaction> {
    (0..n).map(|i| txn(None, 10, -500, &format!("{seller} {} {} {}", i, i * 7, i * 13), pending)).collect()
}

fn as_stored(rows: &[StatementTransaction], offset: usize) -> Vec<Stored> {
    rows.iter()
        .enumerate()
        .map(|(i, t)| Stored {
            id: spearmint_core::matcher::content_identity(account(), t, offset + i).id,
            provider_id: None,
            posted_on: t.posted_on,
            amount: t.amount,
            payee: t.payee.clone(),
            memo: None,
            pending: t.pending,
        })
        .collect()
}

#[test]
fn many_rows_of_one_amount_are_matched_in_linear_time() {
    let n = if std::env::var_os("SPEARMINT_SLOW_TESTS").is_some() { 100_000 } else { 20_000 };
    // An ordinary statement of that size, stored before from another source (so not under the
    // same ids): every amount different, every row finds its one twin.
    let ordinary: Vec<StatementTransaction> =
        (0..n).map(|i| txn(None, 10, -500 - i as i64, &format!("SHOP {i}"), false)).collect();
    let ordinary_stored = as_stored(&ordinary, n);
    let mut normal = std::time::Duration::ZERO;
    for _ in 0..2 {
        let started = std::time::Instant::now();
        let p = plan(account(), &ordinary, &ordinary_stored, None);
        normal = normal.max(started.elapsed());
        assert_eq!(inserts(&p), 0, "every ordinary row has its twin");
    }
    let limit = normal * 20 + std::time::Duration::from_secs(2);

    // Stored pending rows and posted incoming ones of the same amount and day, no two of the
    // same seller: every pair is a candidate that the payee check refuses.
    let stored = as_stored(&same_amount_rows(n, "ALPHA", true), 0);
    let incoming = same_amount_rows(n, "OMEGA", false);
    let p = plan_within(stored, incoming, limit)
        .unwrap_or_else(|| panic!("{n} same-amount rows took longer than {limit:?}; an ordinary statement {normal:?}"));
    assert_eq!(inserts(&p), n, "no row has a twin");

    // The same seller each time: each incoming row takes one stored twin, none twice.
    let stored = as_stored(&same_amount_rows(n, "ALPHA", false), 0);
    let incoming: Vec<StatementTransaction> = (0..n).map(|_| txn(None, 10, -500, "ALPHA BETA", false)).collect();
    let stored: Vec<Stored> = stored.into_iter().map(|s| Stored { payee: "ALPHA BETA GAMMA".into(), ..s }).collect();
    let p = plan_within(stored, incoming, limit)
        .unwrap_or_else(|| panic!("{n} twins took longer than {limit:?}; an ordinary statement {normal:?}"));
    let mut twins: Vec<_> = p
        .actions
        .iter()
        .filter_map(|a| match a {
            Action::Unchanged { id, .. } => Some(*id),
            _ => None,
        })
        .collect();
    assert_eq!(twins.len(), n, "every row found its twin");
    twins.sort();
    twins.dedup();
    assert_eq!(twins.len(), n, "no stored row is the twin of two");
}
