//! Disconnecting a bank and removing accounts: the login leaves the real Secret Service, no
//! refresh reaches the bank again, the transactions stay or go as the user chose, and the
//! maintained totals still equal a recount.

use std::process::Command;

use chrono::{Duration, Utc};
use spearmint_engine::{Engine, ErrorKind};
use spearmint_sandbox_bank::{BankConfig, SandboxBank};

use crate::common::{all, checking, keychain_vault};

fn in_keychain(account: &str) -> bool {
    let out = Command::new("secret-tool").args(["lookup", "service", "spearmint", "username", account]).output();
    out.is_ok_and(|o| o.status.success())
}

fn clean(engine: &Engine) {
    let doctor = engine.doctor(false).unwrap();
    assert!(doctor.is_empty(), "{doctor:?}");
}

async fn linked(seed: u64) -> (tempfile::TempDir, Engine, SandboxBank, spearmint_engine::Connection) {
    let (dir, engine) = keychain_vault();
    let today = Utc::now().date_naive() - Duration::days(1);
    let bank = SandboxBank::start(BankConfig { seed, today, history_days: 30, tls: false }).await.unwrap();
    let c = engine.connect_simplefin(&bank.simplefin_setup_token()).await.unwrap();
    engine.refresh(None, |_| {}).await.unwrap();
    assert!(!all(&engine).is_empty());
    assert!(in_keychain(&format!("connection:{}", c.id)), "the access URL is in the keychain");
    (dir, engine, bank, c)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disconnecting_and_keeping_leaves_every_transaction_in_accounts_of_ones_own() {
    let (_dir, engine, bank, c) = linked(61).await;
    let before = all(&engine);
    let accounts = engine.accounts().unwrap().len();

    let removed = engine.disconnect(c.id, true).unwrap();
    assert_eq!(removed.accounts as usize, accounts);
    assert_eq!(removed.transactions, 0);
    assert!(!in_keychain(&format!("connection:{}", c.id)), "the login left the keychain");
    assert!(engine.connections().unwrap().is_empty());
    assert_eq!(all(&engine), before, "every transaction kept, unchanged");
    assert!(engine.accounts().unwrap().iter().all(|a| a.provider == "manual"));
    clean(&engine);

    // Nothing reaches the bank any more.
    let served = bank.requests_served();
    let report = engine.refresh(None, |_| {}).await.unwrap();
    assert!(report.outcomes.is_empty(), "{report:?}");
    assert_eq!(bank.requests_served(), served);
    // Linking the bank again makes new accounts (the kept ones are the user's now).
    let again = engine.connect_simplefin(&bank.simplefin_setup_token()).await.unwrap();
    engine.refresh(None, |_| {}).await.unwrap();
    assert_eq!(engine.accounts().unwrap().len(), accounts * 2);
    assert!(engine.disconnect(again.id, false).is_ok());
    assert_eq!(all(&engine), before);
    clean(&engine);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disconnecting_and_removing_takes_the_accounts_and_their_transactions_only() {
    let (_dir, engine, _bank, c) = linked(67).await;
    let own = checking(&engine);
    engine
        .add_transaction(spearmint_engine::NewTransaction {
            account: own,
            posted_on: Utc::now().date_naive(),
            amount: spearmint_engine::Money::parse("-3.50", spearmint_engine::Currency::USD).unwrap(),
            seller: "CORNER BAKERY".into(),
            memo: None,
        })
        .unwrap();
    // A split transaction of the bank's goes too.
    let bank_row = all(&engine).into_iter().find(|t| t.account_id != own && t.amount.is_negative()).unwrap();
    let half = spearmint_engine::Money::from_minor(bank_row.amount.minor() / 2, bank_row.amount.currency());
    let rest = spearmint_engine::Money::from_minor(bank_row.amount.minor() - half.minor(), bank_row.amount.currency());
    engine.split_transaction(bank_row.id, &[("FOOD".into(), half, None), ("SHOPPING".into(), rest, None)]).unwrap();
    let total = all(&engine).len();

    let removed = engine.disconnect(c.id, false).unwrap();
    assert_eq!(removed.transactions as usize, total - 1);
    let left = all(&engine);
    assert_eq!(left.len(), 1, "the user's own account keeps its row");
    assert_eq!(left[0].account_id, own);
    assert_eq!(engine.accounts().unwrap().len(), 1);
    assert!(!in_keychain(&format!("connection:{}", c.id)));
    clean(&engine);

    // An account of one's own can be removed, but cannot keep its rows without an account.
    let err = engine.remove_account(own, true).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Invalid);
    let removed = engine.remove_account(own, false).unwrap();
    assert_eq!((removed.accounts, removed.transactions), (1, 1));
    assert!(engine.accounts().unwrap().is_empty() && all(&engine).is_empty());
    clean(&engine);
}
