//! Budgets through the engine: overrides win over the recommendation, and rollover carries
//! what was left or overspent from month to month.

use chrono::{Datelike, Months, NaiveDate, Utc};
use spearmint_core::{Currency, Money};
use spearmint_engine::NewTransaction;

use crate::common::{checking, passphrase_vault};

fn usd(s: &str) -> Money {
    Money::parse(s, Currency::USD).unwrap()
}

#[test]
fn rollover_carries_what_was_left_or_overspent() {
    let (_dir, engine) = passphrase_vault();
    let account = checking(&engine);
    let today = Utc::now().date_naive();
    let this = NaiveDate::from_ymd_opt(today.year(), today.month(), 1).unwrap();
    let month = |back: u32| this.checked_sub_months(Months::new(back)).unwrap();
    let spend = |day: NaiveDate, amount: &str| {
        let id = engine
            .add_transaction(NewTransaction {
                account,
                posted_on: day,
                amount: usd(amount),
                seller: "GROCER".into(),
                memo: None,
            })
            .unwrap();
        engine.set_category(id, "FOOD_GROCERIES").unwrap();
    };
    spend(month(2), "-60.00");
    spend(month(1), "-130.00");
    spend(this, "-50.00");
    engine.set_budget("FOOD", usd("100"), &month(2).format("%Y-%m").to_string(), true).unwrap();
    engine.set_budget("GAS", usd("40"), &month(2).format("%Y-%m").to_string(), false).unwrap();

    let report = engine.budget(&this.format("%Y-%m").to_string()).unwrap();
    let food = report.lines.iter().find(|l| l.category == "FOOD").unwrap();
    assert_eq!(food.source, "override");
    assert_eq!(food.spent, usd("50.00"));
    // (100 - 60) + (100 - 130) = 10 carried; 100 + 10 - 50 = 60 left.
    assert_eq!(food.rollover, Some(usd("10.00")));
    assert_eq!(food.remaining, usd("60.00"));
    let gas = report.lines.iter().find(|l| l.category == "GAS").unwrap();
    assert_eq!((gas.rollover, gas.remaining), (None, usd("40.00")));

    assert_eq!(
        engine.set_budget("FOOD_GROCERIES", usd("5"), "2026-01", false).unwrap_err().kind(),
        spearmint_engine::ErrorKind::Invalid
    );
    assert_eq!(
        engine.set_budget("FOOD", usd("-5"), "2026-01", false).unwrap_err().kind(),
        spearmint_engine::ErrorKind::Invalid
    );
}

#[test]
fn thresholds_can_differ_per_category() {
    let (_dir, engine) = passphrase_vault();
    let account = checking(&engine);
    let today = Utc::now().date_naive();
    let month = today.format("%Y-%m").to_string();
    for (category, amount) in [("FOOD_GROCERIES", "-60.00"), ("GAS", "-60.00")] {
        let id = engine
            .add_transaction(NewTransaction {
                account,
                posted_on: today,
                amount: usd(amount),
                seller: "X".into(),
                memo: None,
            })
            .unwrap();
        engine.set_category(id, category).unwrap();
    }
    engine.set_budget_thresholds(&[50], Some("FOOD".into())).unwrap();
    engine.set_budget("FOOD", usd("100"), &month, false).unwrap();
    engine.set_budget("GAS", usd("100"), &month, false).unwrap();
    let alerts: Vec<String> = engine.notifications().unwrap().into_iter().map(|n| n.summary).collect();
    assert_eq!(alerts, ["Food & Dining budget: 50% used"], "60% of Gas is below the default 80%");
    assert!(engine.set_budget_thresholds(&[], None).is_err());
}

#[test]
fn a_budget_line_shows_the_recommendation_beside_the_users_own_and_its_thresholds() {
    let (_dir, engine) = passphrase_vault();
    let month = Utc::now().date_naive().format("%Y-%m").to_string();
    let before = engine.budget(&month).unwrap();
    let recommended = before.lines.iter().find(|l| l.category == "FOOD").unwrap();
    assert_eq!(recommended.source, "recommended");
    assert_eq!(recommended.recommended, Some(recommended.budget));
    assert_eq!(recommended.thresholds, [80, 100]);

    engine.set_budget("FOOD", usd("12.34"), &month, false).unwrap();
    engine.set_budget_thresholds(&[50, 90], Some("FOOD".into())).unwrap();
    engine.set_budget_thresholds(&[75, 100], None).unwrap();
    let after = engine.budget(&month).unwrap();
    let food = after.lines.iter().find(|l| l.category == "FOOD").unwrap();
    assert_eq!((food.source.as_str(), food.budget), ("override", usd("12.34")));
    // The user's budget replaces the amount, not what Spearmint would have recommended.
    assert_eq!(food.recommended, recommended.recommended);
    assert_eq!(food.thresholds, [50, 90]);
    let gas = after.lines.iter().find(|l| l.category == "GAS").unwrap();
    assert_eq!(gas.thresholds, [75, 100]);
}
