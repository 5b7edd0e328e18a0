//! Money moving between two of the user's accounts (same amount, opposite sign, within a few
//! days) is a transfer: both legs are marked and left out of spending and income.

use crate::common::{self, all, passphrase_vault};

fn statement(rows: &[(&str, &str, u32, &str, &str)]) -> Vec<u8> {
    // (account id, transaction id, day of March 2026, amount, description)
    let mut accounts: Vec<serde_json::Value> = Vec::new();
    for acct in ["CHK", "SAV"] {
        let txns: Vec<serde_json::Value> = rows
            .iter()
            .filter(|r| r.0 == acct)
            .map(|(_, id, day, amount, description)| {
                let when = chrono::NaiveDate::from_ymd_opt(2026, 3, *day)
                    .unwrap()
                    .and_hms_opt(12, 0, 0)
                    .unwrap()
                    .and_utc()
                    .timestamp();
                serde_json::json!({ "id": id, "posted": when, "amount": amount, "description": description })
            })
            .collect();
        accounts.push(
            serde_json::json!({ "org": { "domain": "bank.example" }, "id": acct, "name": acct, "currency": "USD",
            "balance": "0.00", "balance-date": 1_772_000_000, "transactions": txns }),
        );
    }
    serde_json::json!({ "errors": [], "accounts": accounts }).to_string().into_bytes()
}

#[test]
fn opposite_amounts_between_accounts_become_one_transfer() {
    let (_dir, engine) = passphrase_vault();
    let bytes = statement(&[
        ("CHK", "T1", 3, "-500.00", "WEB PMT 88213"),
        ("SAV", "T2", 4, "500.00", "DEPOSIT 88213"),
        // Too far apart to be the same money.
        ("CHK", "T3", 10, "-75.00", "WEB PMT 11111"),
        ("SAV", "T4", 20, "75.00", "DEPOSIT 11111"),
        // Same account: a refund, not a transfer.
        ("CHK", "T5", 12, "-42.00", "HARDWARE STORE"),
        ("CHK", "T6", 13, "42.00", "HARDWARE STORE REFUND"),
    ]);
    common::import(&engine, "a.json", bytes);
    let txns = all(&engine);
    let category = |seller: &str| txns.iter().find(|t| t.seller == seller).unwrap().category.clone().unwrap();
    assert_eq!(category("WEB PMT 88213"), "TRANSFER");
    assert_eq!(category("DEPOSIT 88213"), "TRANSFER");
    assert_ne!(category("WEB PMT 11111"), "TRANSFER");
    assert_ne!(category("DEPOSIT 11111"), "TRANSFER");
    assert_ne!(category("HARDWARE STORE REFUND"), "TRANSFER");

    let march = engine.spending("2026-03").unwrap();
    let transfer = march.categories.iter().find(|c| c.category == "TRANSFER").unwrap();
    assert_eq!((transfer.amount.minor(), transfer.transactions), (0, 2), "the two legs cancel out");
    // Only the unpaired deposit is income; the transfer's 500.00 is not.
    assert_eq!(
        march.income.iter().map(|m| m.to_plain_string()).collect::<Vec<_>>(),
        ["75.00"],
        "{:?}",
        march.categories
    );
    assert!(engine.doctor(false).unwrap().is_empty());

    // Top sellers: money out only, transfers left out, the biggest first.
    let top = engine.top_sellers("2026-03", 10).unwrap();
    let names: Vec<(&str, String)> = top.iter().map(|s| (s.seller.as_str(), s.spent.to_plain_string())).collect();
    assert_eq!(names, [("web pmt", "75.00".to_owned()), ("hardware store", "42.00".to_owned())], "{top:?}");
}
