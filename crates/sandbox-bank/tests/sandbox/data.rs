use std::collections::{HashMap, HashSet};

use chrono::Days;
use spearmint_core::{AccountKind, Currency, Money};
use spearmint_sandbox_bank::{BankConfig, SandboxBank, TruthAccount, write_csv};

use crate::ofx::{post, request};
use crate::{access_url, bank, client, date, get_json};

fn account(truth: &[TruthAccount], kind: AccountKind) -> &TruthAccount {
    truth.iter().find(|a| a.kind == kind).expect("account")
}

#[tokio::test]
async fn pending_rows_post_under_new_ids_with_the_same_amounts() {
    let bank = bank().await;
    let before = bank.truth();
    let pending: Vec<_> =
        before.iter().flat_map(|a| a.transactions.iter().filter(|t| t.pending).map(move |t| (a, t))).collect();
    assert!(pending.len() >= 2, "card purchases of the last days are pending");
    let posted_before: HashSet<&str> =
        before.iter().flat_map(|a| &a.transactions).filter(|t| !t.pending).map(|t| t.id.as_str()).collect();

    bank.advance_days(3);
    assert_eq!(bank.today(), date(2026, 11, 30));
    let after = bank.truth();
    let ids_after: HashSet<&str> = after.iter().flat_map(|a| &a.transactions).map(|t| t.id.as_str()).collect();
    assert!(posted_before.iter().all(|id| ids_after.contains(id)), "posted ids are stable across days");

    for (account, p) in &pending {
        assert!(!ids_after.contains(p.id.as_str()), "pending {} is gone", p.id);
        let now = after.iter().find(|a| a.id == account.id).expect("account");
        let twin = now
            .transactions
            .iter()
            .find(|t| !t.pending && t.amount == p.amount && t.transacted_on == p.transacted_on && t.payee == p.payee)
            .unwrap_or_else(|| panic!("a posted twin of {p:?}"));
        assert_ne!(twin.id, p.id);
        assert!(twin.posted_on > p.transacted_on && twin.posted_on <= bank.today());
        assert!(twin.description.len() >= p.description.len(), "{} -> {}", p.description, twin.description);
    }
    assert!(
        after.iter().flat_map(|a| &a.transactions).any(|t| t.posted_on > date(2026, 11, 27)),
        "new days bring new rows"
    );

    // Over SimpleFIN too: the pending ids are gone from what a client downloads.
    let client = client();
    let access = access_url(&bank, &client).await;
    let body = get_json(&client, &format!("{access}/accounts?pending=1")).await.to_string();
    assert!(pending.iter().all(|(_, p)| !body.contains(&p.id)));
}

#[tokio::test]
async fn balances_move_by_exactly_what_posted() {
    let bank = bank().await;
    let before = bank.truth();
    bank.advance_days(10);
    let after = bank.truth();
    for (b, a) in before.iter().zip(&after) {
        let old: HashSet<&str> = b.transactions.iter().filter(|t| !t.pending).map(|t| t.id.as_str()).collect();
        let newly_posted: i64 = a
            .transactions
            .iter()
            .filter(|t| !t.pending && !old.contains(t.id.as_str()))
            .map(|t| t.amount.minor())
            .sum();
        assert_eq!(a.balance.minor() - b.balance.minor(), newly_posted, "{}", a.name);
    }
}

#[tokio::test]
async fn the_same_seed_and_day_give_byte_identical_answers() {
    let (one, two) = (bank().await, bank().await);
    let other = SandboxBank::start(BankConfig { seed: 7, ..BankConfig::default() }).await.expect("bank");
    let client = client();
    let mut bodies = Vec::new();
    for b in [&one, &two, &other] {
        let access = access_url(b, &client).await;
        let simplefin =
            client.get(format!("{access}/accounts?pending=1")).send().await.expect("get").text().await.expect("body");
        let (_, ofx) = post(b, request("stmt_bank_cc_v102.ofx", b, date(2026, 9, 1), date(2026, 11, 28))).await;
        bodies.push((simplefin, ofx));
    }
    assert_eq!(bodies[0], bodies[1]);
    assert_ne!(bodies[0].0, bodies[2].0);
    assert_eq!(one.truth(), two.truth());
    assert_eq!(one.ofx_login(), two.ofx_login());
}

#[tokio::test]
async fn a_day_keeps_its_ids_whenever_the_bank_started() {
    let early = bank().await;
    early.advance_days(5);
    let later = SandboxBank::start(BankConfig { today: date(2026, 12, 2), history_days: 95, ..BankConfig::default() })
        .await
        .expect("bank");
    assert_eq!(early.truth(), later.truth());
    let shorter =
        SandboxBank::start(BankConfig { today: date(2026, 12, 2), history_days: 30, ..BankConfig::default() })
            .await
            .expect("bank");
    let ids = |b: &SandboxBank| -> HashSet<String> {
        b.truth().into_iter().flat_map(|a| a.transactions).map(|t| t.id).collect()
    };
    assert!(ids(&shorter).is_subset(&ids(&early)));
}

#[tokio::test]
async fn the_books_look_like_a_real_customer() {
    let bank = bank().await;
    let truth = bank.truth();
    let checking = account(&truth, AccountKind::Checking);
    let savings = account(&truth, AccountKind::Savings);
    let card = account(&truth, AccountKind::CreditCard);
    let all: Vec<&str> = truth.iter().flat_map(|a| &a.transactions).map(|t| t.description.as_str()).collect();
    for messy in ["SQ *", "AMZN Mktp US*", "TST* ", "PAYPAL *", "CHECKCARD ", "POS DEBIT ", "DES:PAYROLL"] {
        assert!(all.iter().any(|d| d.contains(messy)), "some descriptor has {messy:?}");
    }
    assert!(all.iter().any(|d| d.contains("SHELL OIL 57442")));

    // Transfers between the customer's accounts show on both sides: same day, opposite amounts.
    let outs: Vec<_> =
        checking.transactions.iter().filter(|t| t.description.starts_with("ONLINE TRANSFER TO SAV")).collect();
    assert!(outs.len() >= 2);
    for out in outs {
        let reference = out.description.rsplit(' ').next().expect("reference");
        let into = savings
            .transactions
            .iter()
            .find(|t| t.description.ends_with(reference))
            .expect("the savings side of the transfer");
        assert_eq!((into.posted_on, into.amount.minor()), (out.posted_on, -out.amount.minor()));
    }
    let autopay: Vec<_> = card.transactions.iter().filter(|t| t.description.starts_with("AUTOPAY PAYMENT")).collect();
    assert!(!autopay.is_empty());
    for pay in autopay {
        assert!(
            checking
                .transactions
                .iter()
                .any(|t| t.posted_on == pay.posted_on && t.amount.minor() == -pay.amount.minor())
        );
    }

    let pay: Vec<_> = checking.transactions.iter().filter(|t| t.description.contains("DES:PAYROLL")).collect();
    assert!(pay.len() >= 5 && pay.iter().all(|t| !t.amount.is_negative()), "paid twice a month");
    assert!(card.transactions.iter().any(|t| !t.amount.is_negative() && t.description.starts_with("AMZN")), "a refund");
    assert!(checking.transactions.iter().any(|t| t.check_number.is_some()));
    assert!(
        truth
            .iter()
            .flat_map(|a| &a.transactions)
            .all(|t| t.amount.minor() != 0 && t.amount.currency() == Currency::USD)
    );

    // Two identical fares on one day are two transactions.
    let mut same: HashMap<(String, i64, chrono::NaiveDate), usize> = HashMap::new();
    for t in card.transactions.iter().filter(|t| t.description.starts_with("CLIPPER")) {
        *same.entry((t.description.clone(), t.amount.minor(), t.posted_on)).or_default() += 1;
    }
    assert!(same.values().any(|n| *n >= 2), "{same:?}");

    // History: the books open history_days before today.
    let first = truth.iter().flat_map(|a| &a.transactions).map(|t| t.transacted_on).min().expect("rows");
    let opened = bank.today().checked_sub_days(Days::new(90)).expect("date");
    assert!(first >= opened && first <= opened.checked_add_days(Days::new(5)).expect("date"), "{first}");
}

#[test]
fn the_csv_load_is_deterministic_realistic_and_exact() {
    let mut one = Vec::new();
    write_csv(&mut one, 20_000, 42).expect("csv");
    let mut two = Vec::new();
    write_csv(&mut two, 20_000, 42).expect("csv");
    assert_eq!(one, two);
    let mut other = Vec::new();
    write_csv(&mut other, 100, 43).expect("csv");
    assert_ne!(one[..other.len()], other[..]);

    let text = String::from_utf8(one).expect("utf-8");
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("Date,Description,Amount,Transaction ID"));
    let mut ids = HashSet::new();
    let mut last_date = String::new();
    let mut count = 0;
    for line in lines {
        let fields: Vec<&str> = line.split(',').collect();
        assert_eq!(fields.len(), 4, "{line}");
        chrono::NaiveDate::parse_from_str(fields[0], "%Y-%m-%d").expect("ISO date");
        assert!(fields[0] >= last_date.as_str(), "by date");
        last_date = fields[0].to_owned();
        let amount = Money::parse(fields[2], Currency::USD).expect("amount");
        assert_eq!(amount.to_plain_string(), fields[2], "plain amounts like -12.34");
        assert!(ids.insert(fields[3].to_owned()), "unique id {}", fields[3]);
        count += 1;
    }
    assert_eq!(count, 20_000);
}
