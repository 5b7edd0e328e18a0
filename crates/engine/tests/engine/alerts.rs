//! Every way a month's spending can change raises the budget alert, through the one check at
//! the end of each write: an import, a refresh, a manual correction, a split, a category set
//! by hand, a rule applied to past transactions. Each case starts from a vault whose Food &
//! Dining budget is not yet reached and makes one write that goes over it.

use chrono::{Datelike, Utc};
use spearmint_core::{Condition, Currency, Money, RuleActions, RuleOrigin, TransactionId};
use spearmint_engine::{Engine, ImportRequest, TransactionQuery};

use crate::common;

const OVER: &str = "Food & Dining is over budget";

fn usd(text: &str) -> Money {
    Money::parse(text, Currency::USD).unwrap()
}

/// A passphrase vault (no keychain needed) with a budget of 100.00 for Food & Dining from
/// `month` on.
fn engine_with_budget(month: &str) -> (tempfile::TempDir, Engine) {
    let (dir, engine) = common::passphrase_vault();
    engine.set_budget("FOOD", usd("100"), month, false).unwrap();
    assert!(alerts(&engine).is_empty(), "nothing spent yet: {:?}", alerts(&engine));
    (dir, engine)
}

fn this_month() -> String {
    Utc::now().date_naive().format("%Y-%m").to_string()
}

fn alerts(engine: &Engine) -> Vec<String> {
    engine.notifications().unwrap().into_iter().map(|n| n.summary).collect()
}

/// Imports one card transaction posted today (a SimpleFIN JSON file, which names its account).
fn import_one(engine: &Engine, id: &str, amount: &str, description: &str) -> TransactionId {
    let when = Utc::now().date_naive().and_hms_opt(12, 0, 0).unwrap().and_utc().timestamp();
    let statement = serde_json::json!({ "errors": [], "accounts": [{
        "org": { "domain": "bank.example" }, "id": "CARD-1", "name": "Card", "currency": "USD",
        "balance": "0.00", "balance-date": when,
        "transactions": [{ "id": id, "posted": when, "amount": amount, "description": description }]
    }]});
    let report = engine
        .import_file(ImportRequest {
            bytes: statement.to_string().into_bytes(),
            file_name: Some("card.json".into()),
            account: None,
            mapping: None,
            currency: None,
            dry_run: false,
            log_user: None,
        })
        .unwrap();
    assert_eq!(report.summary.added, 1, "{report:?}");
    let query = TransactionQuery { search: Some(description.into()), ..TransactionQuery::default() };
    engine.transactions(&query).unwrap()[0].id
}

/// A seller no dictionary knows: it comes in Uncategorized, outside every budget.
const LOCAL_SHOP: &str = "CORNER STORE 4471 SPRINGFIELD";

#[test]
fn an_import_that_goes_over_a_budget_alerts() {
    let (_dir, engine) = engine_with_budget(&this_month());
    import_one(&engine, "G-1", "-150.00", "WHOLE FOODS MARKET #10234");
    assert!(alerts(&engine).contains(&OVER.to_owned()), "{:?}", alerts(&engine));
}

#[test]
fn a_dry_run_import_raises_nothing() {
    let (_dir, engine) = engine_with_budget(&this_month());
    let when = Utc::now().timestamp();
    let statement = serde_json::json!({ "errors": [], "accounts": [{
        "org": { "domain": "bank.example" }, "id": "CARD-1", "name": "Card", "currency": "USD",
        "balance": "0.00", "balance-date": when,
        "transactions": [{ "id": "G-1", "posted": when, "amount": "-150.00", "description": "WHOLE FOODS MARKET" }]
    }]});
    let request = ImportRequest {
        bytes: statement.to_string().into_bytes(),
        file_name: Some("card.json".into()),
        account: None,
        mapping: None,
        currency: None,
        dry_run: true,
        log_user: None,
    };
    assert_eq!(engine.import_file(request).unwrap().summary.added, 1);
    assert!(alerts(&engine).is_empty(), "a preview changes nothing: {:?}", alerts(&engine));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refresh_that_goes_over_a_budget_alerts() {
    // From last month on: the demo's 90 days always hold a full month of groceries there.
    let today = Utc::now().date_naive();
    let last = (today.with_day(1).unwrap() - chrono::Duration::days(1)).format("%Y-%m").to_string();
    let (_dir, engine) = engine_with_budget(&last);
    engine.connect_demo().await.unwrap();
    let report = engine.refresh(None, |_| {}).await.unwrap();
    assert!(report.outcomes.iter().all(|o| o.error.is_none()), "{report:?}");
    assert!(alerts(&engine).contains(&OVER.to_owned()), "{:?}", alerts(&engine));
}

#[test]
fn a_corrected_amount_that_goes_over_a_budget_alerts() {
    let (_dir, engine) = engine_with_budget(&this_month());
    let id = import_one(&engine, "G-1", "-50.00", "WHOLE FOODS MARKET #10234");
    assert!(alerts(&engine).is_empty(), "half the budget: {:?}", alerts(&engine));
    engine.edit_transaction(id, None, Some(usd("-150.00"))).unwrap();
    assert!(alerts(&engine).contains(&OVER.to_owned()), "{:?}", alerts(&engine));
}

#[test]
fn a_split_that_goes_over_a_budget_alerts() {
    let (_dir, engine) = engine_with_budget(&this_month());
    let id = import_one(&engine, "S-1", "-150.00", LOCAL_SHOP);
    assert!(alerts(&engine).is_empty(), "{:?}", alerts(&engine));
    let parts = [("FOOD_GROCERIES".into(), usd("-120.00"), None), ("SHOPPING".into(), usd("-30.00"), None)];
    engine.split_transaction(id, &parts).unwrap();
    assert!(alerts(&engine).contains(&OVER.to_owned()), "{:?}", alerts(&engine));
}

#[test]
fn a_category_set_by_hand_that_goes_over_a_budget_alerts() {
    let (_dir, engine) = engine_with_budget(&this_month());
    let id = import_one(&engine, "S-1", "-150.00", LOCAL_SHOP);
    assert!(alerts(&engine).is_empty(), "{:?}", alerts(&engine));
    engine.set_category(id, "FOOD_GROCERIES").unwrap();
    assert!(alerts(&engine).contains(&OVER.to_owned()), "{:?}", alerts(&engine));
}

#[test]
fn a_rule_applied_to_past_transactions_that_goes_over_a_budget_alerts() {
    let (_dir, engine) = engine_with_budget(&this_month());
    import_one(&engine, "S-1", "-150.00", LOCAL_SHOP);
    let rule = engine
        .add_rule(
            vec![Condition::PayeeContains("corner store".into())],
            RuleActions { category: Some("FOOD_GROCERIES".into()), rename: None },
            RuleOrigin::User,
        )
        .unwrap();
    assert_eq!(engine.apply_rule(rule, true).unwrap().len(), 1);
    assert!(alerts(&engine).is_empty(), "a preview changes nothing: {:?}", alerts(&engine));
    assert_eq!(engine.apply_rule(rule, false).unwrap().len(), 1);
    assert!(alerts(&engine).contains(&OVER.to_owned()), "{:?}", alerts(&engine));
}

#[test]
fn a_budget_lowered_under_what_was_spent_alerts_for_the_months_it_covers() {
    let today = Utc::now().date_naive();
    let (_dir, engine) = engine_with_budget(&this_month());
    import_one(&engine, "G-1", "-90.00", "WHOLE FOODS MARKET #10234");
    let summaries = alerts(&engine);
    assert_eq!(summaries, ["Food & Dining budget: 80% used"], "90 of 100");
    // A budget set from a year ago applies to this month too.
    let year_ago = today.with_day(1).unwrap().checked_sub_months(chrono::Months::new(12)).unwrap();
    engine.set_budget("FOOD", usd("50"), &year_ago.format("%Y-%m").to_string(), false).unwrap();
    // This month's own override (100) still wins over the older one.
    assert_eq!(alerts(&engine).len(), 1, "{:?}", alerts(&engine));
    engine.set_budget("FOOD", usd("50"), &this_month(), false).unwrap();
    assert!(alerts(&engine).contains(&OVER.to_owned()), "{:?}", alerts(&engine));
}

#[test]
fn one_change_that_crosses_several_thresholds_alerts_once_with_the_highest() {
    let (_dir, engine) = engine_with_budget(&this_month());
    import_one(&engine, "G-1", "-50.00", "WHOLE FOODS MARKET #10234");
    assert!(alerts(&engine).is_empty(), "50 of 100: {:?}", alerts(&engine));
    // From 50% to 130% in one import: the user hears "over budget", not also "80% used".
    import_one(&engine, "G-2", "-80.00", "WHOLE FOODS MARKET #10234");
    assert_eq!(alerts(&engine), [OVER], "130 of 100");
    // A refund back under 100% and a new purchase do not bring up the lower threshold later.
    import_one(&engine, "R-1", "40.00", "WHOLE FOODS MARKET #10234");
    import_one(&engine, "G-3", "-5.00", "WHOLE FOODS MARKET #10234");
    assert_eq!(alerts(&engine), [OVER], "95 of 100 after the over-budget alert");
}

#[test]
fn an_alert_names_its_budget_and_is_read_or_unread_in_the_app() {
    let (_dir, engine) = engine_with_budget(&this_month());
    import_one(&engine, "G-1", "-150.00", "WHOLE FOODS MARKET #10234");
    let alert = engine.notifications().unwrap().remove(0);
    assert_eq!(alert.summary, OVER);
    assert_eq!(
        (alert.month.as_deref(), alert.category.as_ref().map(|c| c.as_str())),
        (Some(&*this_month()), Some("FOOD"))
    );
    assert_eq!(alert.connection, None);
    assert_eq!(alert.read_at, None, "new alerts are unread");

    engine.mark_notifications(&[alert.id], true).unwrap();
    assert!(engine.notifications().unwrap()[0].read_at.is_some());
    engine.mark_notifications(&[alert.id], false).unwrap();
    assert_eq!(engine.notifications().unwrap()[0].read_at, None);

    let gone = spearmint_core::NotificationId::new();
    let err = engine.mark_notifications(&[alert.id, gone], true).unwrap_err();
    assert_eq!(err.kind(), spearmint_engine::ErrorKind::NotFound);
    assert_eq!(engine.notifications().unwrap()[0].read_at, None, "all or nothing: the known one stays unread");
}
