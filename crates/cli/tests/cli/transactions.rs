//! Accounts and transactions at the CLI boundary: the demo bank's books listed exactly, filters
//! that match the full list filtered by hand, counts per account, and a reader that stops early.
//! Expected values come from the data itself (the demo bank's `truth()`, the full list).

use std::process::Stdio;

use serde_json::Value;

use crate::common::{
    assert_money_is_decimal_strings, assert_same_shape, date, demo_vault, ids, json, listed, money, ok, ok_json,
    passphrase_vault, require_secret_service, runtime, shape_of_list, shape_of_truth, sm, spearmint, text,
};

/// The demo bank's books for `today`: the same generator, seed and history as `connect demo`.
fn demo_truth(today: chrono::NaiveDate) -> Vec<spearmint_sandbox_bank::TruthAccount> {
    let rt = runtime();
    rt.block_on(async {
        let config = spearmint_sandbox_bank::BankConfig { seed: 42, today, history_days: 90, tls: false };
        let bank = spearmint_sandbox_bank::SandboxBank::start(config).await.unwrap();
        let truth = bank.truth();
        bank.shutdown().await;
        truth
    })
}

#[test]
fn done_when_init_connect_demo_refresh_lists_realistic_transactions_and_a_second_refresh_adds_none() {
    require_secret_service();
    // The demo bank's books end today (UTC): a run that straddles midnight is started again.
    for _ in 0..2 {
        let day = chrono::Utc::now().date_naive();
        let dir = tempfile::tempdir().unwrap();
        for args in [&["init"][..], &["connect", "demo"], &["refresh"]] {
            ok(&mut spearmint(dir.path(), args));
        }
        let out = ok(&mut spearmint(dir.path(), &["transactions", "--json"]));
        let first = json(&out);
        let report = json(&ok(&mut spearmint(dir.path(), &["refresh", "--json"])));
        let second = json(&ok(&mut spearmint(dir.path(), &["transactions", "--json"])));
        if chrono::Utc::now().date_naive() != day {
            continue;
        }

        let list = first.as_array().unwrap();
        assert!(list.len() > 100, "90 days of a household's transactions: {}", list.len());
        assert_money_is_decimal_strings(&first);
        // Exactly what the demo bank shows: every posted and pending row, once, as it prints them.
        let truth = demo_truth(day);
        assert_same_shape(shape_of_list(list), shape_of_truth(&truth, false), "the demo bank");
        // Several accounts, each the list's.
        let accounts = ok_json(dir.path(), &["accounts"]);
        let account_ids: std::collections::BTreeSet<String> =
            accounts.as_array().unwrap().iter().map(|a| text(a, "id")).collect();
        let used: std::collections::BTreeSet<String> = list.iter().map(|t| text(t, "accountId")).collect();
        assert_eq!(used, account_ids);
        assert_eq!(used.len(), truth.len());
        assert!(used.len() >= 3, "checking, savings and a card");
        // Realistic descriptors: many sellers, printed the way card networks print them.
        let sellers: std::collections::BTreeSet<String> = list.iter().map(|t| text(t, "seller")).collect();
        assert!(sellers.len() >= 20, "{sellers:?}");
        assert!(sellers.iter().any(|s| s.contains('*')) && sellers.iter().any(|s| s.contains('#')), "{sellers:?}");
        assert!(list.iter().any(|t| t["pending"] == true) && list.iter().any(|t| money(&t["amount"]).minor() > 0));

        // The second refresh adds, changes and removes nothing.
        let outcomes = report["outcomes"].as_array().unwrap();
        assert_eq!(outcomes.len(), 1, "{report}");
        let s = &outcomes[0]["summary"];
        assert_eq!(
            (s["added"].as_u64(), s["updated"].as_u64(), s["posted"].as_u64(), s["removed"].as_u64()),
            (Some(0), Some(0), Some(0), Some(0)),
            "{report}"
        );
        // It re-read the last two weeks: those rows are there, unchanged.
        let recent = list.iter().filter(|t| date(t) >= day - chrono::Duration::days(14)).count() as u64;
        assert!(s["unchanged"].as_u64().is_some_and(|n| n >= recent && n > 0), "{recent} recent rows: {report}");
        assert_eq!(ids(second.as_array().unwrap()), ids(list), "the same rows, in the same order");
        return;
    }
    panic!("midnight twice in one test");
}

#[test]
fn transactions_filters_match_the_full_list_filtered_by_hand() {
    let dir = demo_vault();
    let all = listed(dir.path(), &[]);
    assert!(all.len() > 100);
    let check = |filters: &[&str], keep: &dyn Fn(&Value) -> bool| {
        let expected: Vec<Value> = all.iter().filter(|t| keep(t)).cloned().collect();
        let got = listed(dir.path(), filters);
        assert_eq!(ids(&got), ids(&expected), "{filters:?}");
        expected.len()
    };
    let narrower =
        |n: usize, what: &str| assert!(n > 0 && n < all.len(), "{what} keeps {n} of {}: test nothing", all.len());

    // Newest first, by date.
    assert!(all.windows(2).all(|w| date(&w[0]) >= date(&w[1])));

    // Dates a third and two thirds into the data.
    let mut dates: Vec<chrono::NaiveDate> = all.iter().map(date).collect();
    dates.sort();
    dates.dedup();
    let (since, until) = (dates[dates.len() / 3], dates[dates.len() * 2 / 3]);
    let (since_s, until_s) = (since.to_string(), until.to_string());
    narrower(check(&["--since", &since_s], &|t| date(t) >= since), "--since");
    narrower(check(&["--until", &until_s], &|t| date(t) <= until), "--until");
    narrower(check(&["--since", &since_s, "--until", &until_s], &|t| date(t) >= since && date(t) <= until), "both");
    check(&["--since", &until_s, "--until", &since_s], &|_| false);

    for account in all.iter().map(|t| text(t, "accountId")).collect::<std::collections::BTreeSet<_>>() {
        narrower(check(&["--account", &account], &|t| text(t, "accountId") == account), "--account");
    }

    // A word of the most common seller, searched in any case.
    let mut counts = std::collections::BTreeMap::<String, usize>::new();
    for t in &all {
        *counts.entry(text(t, "seller")).or_default() += 1;
    }
    let seller = counts.iter().max_by_key(|(_, n)| **n).unwrap().0.clone();
    let word = seller.split(|c: char| !c.is_ascii_alphabetic()).find(|w| w.len() >= 4).unwrap().to_owned();
    let matches = |t: &Value, word: &str| {
        let word = word.to_ascii_lowercase();
        ["seller", "payee", "memo"].iter().any(|f| text(t, f).to_ascii_lowercase().contains(&word))
    };
    for query in [word.to_ascii_lowercase(), word.to_ascii_uppercase()] {
        narrower(check(&["--search", &query], &|t| matches(t, &query)), "--search");
    }
    check(&["--search", "no seller is called this"], &|_| false);

    // All at once, and a limit.
    let account = text(all.iter().find(|t| matches(t, &word)).unwrap(), "accountId");
    let n = check(&["--account", &account, "--search", &word, "--since", &dates[0].to_string()], &|t| {
        text(t, "accountId") == account && matches(t, &word)
    });
    assert!(n > 0);
    assert_eq!(ids(&listed(dir.path(), &["--limit", "7"])), ids(&all[..7]));
}

#[test]
fn accounts_show_counts_that_match_each_accounts_transactions() {
    let dir = demo_vault();
    let accounts = ok_json(dir.path(), &["accounts"]);
    let accounts = accounts.as_array().unwrap();
    assert_eq!(accounts.len(), 3, "{accounts:?}");
    let kinds: std::collections::BTreeSet<String> = accounts.iter().map(|a| text(a, "kind")).collect();
    assert_eq!(kinds.into_iter().collect::<Vec<_>>(), ["checking", "credit_card", "savings"]);
    let plain = String::from_utf8(ok(&mut sm(dir.path(), &["accounts"])).stdout).unwrap();
    let mut total = 0;
    for a in accounts {
        let id = text(a, "id");
        let count = listed(dir.path(), &["--account", &id]).len();
        assert!(count > 0);
        assert_eq!(a["transactions"].as_u64(), Some(count as u64), "{a}");
        assert_eq!(a["status"], "ok");
        assert_eq!(a["provider"], "demo");
        let line = plain.lines().find(|l| l.starts_with(&id)).unwrap_or_else(|| panic!("{id} not listed: {plain}"));
        assert!(line.contains(&text(a, "name")) && line.contains(&format!(" {count} transactions")), "{line}");
        total += count;
    }
    assert_eq!(total, listed(dir.path(), &[]).len());
}

#[test]
fn a_reader_that_stops_early_is_not_an_error() {
    let dir = passphrase_vault();
    // More than a year of rows: far more than a pipe holds, so the writer is still writing when
    // the reader goes away.
    ok(&mut sm(dir.path(), &["connect", "demo", "--history-days", "400"]));
    let mut child =
        sm(dir.path(), &["transactions", "--json"]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let mut head = [0u8; 16];
    std::io::Read::read_exact(child.stdout.as_mut().unwrap(), &mut head).unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && !stderr.contains("panicked"), "{:?}: {stderr}", out.status);
}
