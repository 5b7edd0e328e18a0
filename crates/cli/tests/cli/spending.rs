//! Spending by category for a month: the demo bank's last complete month looks like a household's.

use serde_json::Value;

use crate::common::{json, run, spearmint};

/// The month before `today`'s, as `YYYY-MM`.
fn last_complete_month(today: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    (today.with_day(1).unwrap() - chrono::Duration::days(1)).format("%Y-%m").to_string()
}

#[test]
fn last_complete_month_steps_back_across_a_year() {
    let day = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap();
    assert_eq!(last_complete_month(day(2026, 12, 1)), "2026-11");
    assert_eq!(last_complete_month(day(2027, 1, 31)), "2026-12");
    assert_eq!(last_complete_month(day(2028, 3, 1)), "2028-02");
}

#[test]
fn init_connect_demo_refresh_and_spending_show_realistic_categories() {
    let dir = tempfile::tempdir().unwrap();
    let pass = "a long enough passphrase";
    let out = run(&mut spearmint(dir.path(), &["init", "--passphrase", "--passphrase-stdin"]), &format!("{pass}\n"));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    for args in [&["connect", "demo"][..], &["refresh"][..]] {
        let out = run(spearmint(dir.path(), args).env("SPEARMINT_PASSPHRASE", pass), "");
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
    // Last month, not the default (this month): the demo's 90 days always cover all of it,
    // while this month has only a few days of transactions in its first days.
    let last_month = last_complete_month(chrono::Utc::now().date_naive());
    let out = run(
        spearmint(dir.path(), &["spending", "--month", &last_month, "--json"]).env("SPEARMINT_PASSPHRASE", pass),
        "",
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let month = json(&out);
    assert_eq!(month["month"], last_month.as_str(), "{month}");
    let categories = month["categories"].as_array().unwrap();
    let count = |c: &Value| c["transactions"].as_u64().unwrap();
    let total: u64 = categories.iter().map(count).sum();
    let uncategorized: u64 = categories.iter().filter(|c| c["category"] == "UNCATEGORIZED").map(count).sum();
    assert!(total > 20, "{month}");
    assert!(uncategorized * 20 < total, "{uncategorized} of {total} uncategorized");
    assert!(categories.iter().filter(|c| c["kind"] == "expense").count() >= 5, "realistic spread: {month}");
    let decimal = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit() || c == '.' || c == '-');
    assert!(categories.iter().all(|c| decimal(c["amount"]["amount"].as_str().unwrap())), "amounts are decimal strings");
    assert!(month["spent"][0]["amount"].as_str().unwrap() != "0.00", "non-zero spending");

    // The demo's rent goes out by Zelle to its landlord: it is Housing spending, not a transfer.
    let rent =
        categories.iter().find(|c| c["category"] == "HOUSING_RENT").unwrap_or_else(|| panic!("no rent: {month}"));
    assert_eq!(rent["kind"], "expense", "{rent}");
    assert!(count(rent) >= 1, "{rent}");
    let out = run(
        spearmint(dir.path(), &["budget", "recommend", "--month", &last_month, "--json"])
            .env("SPEARMINT_PASSPHRASE", pass),
        "",
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let budget = json(&out);
    let housing = budget["lines"].as_array().unwrap().iter().find(|l| l["category"] == "HOUSING");
    let housing = housing.unwrap_or_else(|| panic!("the recommended budget has no Housing: {budget}"));
    assert_ne!(housing["spent"]["amount"], "0.00", "the rent counts in Housing: {housing}");
}
