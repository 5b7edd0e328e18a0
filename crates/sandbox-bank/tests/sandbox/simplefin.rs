use base64::Engine as _;
use serde_json::Value;
use spearmint_core::{Currency, Money};
use spearmint_sandbox_bank::TruthAccount;

use crate::{access_url, bank, client, date, get_json, midnight, shared_dir};

fn transactions(account: &Value) -> &Vec<Value> {
    account["transactions"].as_array().expect("transactions array")
}

fn truth_of<'a>(truth: &'a [TruthAccount], account: &Value) -> &'a TruthAccount {
    truth.iter().find(|t| t.id == account["id"].as_str().expect("id")).expect("account is in the truth")
}

#[tokio::test]
async fn info_lists_protocol_version_1() {
    let bank = bank().await;
    let info = get_json(&client(), &format!("{}/simplefin/info", bank.base_url())).await;
    assert_eq!(info["versions"][0], "1.0");
}

#[tokio::test]
async fn a_setup_token_claims_once_and_then_answers_403_html() {
    let bank = bank().await;
    let client = client();
    let token = bank.simplefin_setup_token();
    let claim =
        String::from_utf8(base64::engine::general_purpose::STANDARD.decode(&token).expect("base64")).expect("utf-8");
    assert!(claim.starts_with(&format!("{}/simplefin/claim/", bank.base_url())), "{claim}");

    let first = client.post(&claim).send().await.expect("claim");
    assert_eq!(first.status(), 200);
    let access = first.text().await.expect("body");
    let url = reqwest::Url::parse(&access).expect("the access URL is a URL");
    assert_eq!(url.scheme(), "http");
    assert!(!url.username().is_empty() && url.password().is_some(), "basic-auth userinfo in {access}");
    assert_eq!(url.path(), "/simplefin");

    let second = client.post(&claim).send().await.expect("second claim");
    assert_eq!(second.status(), 403);
    assert!(second.headers()["content-type"].to_str().expect("ascii").starts_with("text/html"));
    assert!(second.text().await.expect("body").contains("Forbidden"));
    assert_eq!(bank.requests_to("/simplefin/claim"), 2);
}

#[tokio::test]
async fn accounts_without_pending_match_the_truth_exactly() {
    let bank = bank().await;
    let client = client();
    let access = access_url(&bank, &client).await;
    let set = get_json(&client, &format!("{access}/accounts")).await;
    assert_eq!(set["errors"], Value::Array(Vec::new()));
    let accounts = set["accounts"].as_array().expect("accounts");
    assert_eq!(accounts.len(), 3);
    let truth = bank.truth();
    for account in accounts {
        let t = truth_of(&truth, account);
        assert_eq!(account["currency"], "USD");
        assert_eq!(account["balance"], t.balance.to_plain_string());
        assert_eq!(account["balance-date"], midnight(bank.today()) + 12 * 3600);
        let got: Vec<(String, Money, String)> = transactions(account)
            .iter()
            .map(|tx| {
                assert!(tx.get("pending").is_none(), "no pending row without pending=1: {tx}");
                assert!(tx["posted"].as_i64().expect("posted") > 0);
                let amount =
                    Money::parse(tx["amount"].as_str().expect("amount string"), Currency::USD).expect("amount");
                (
                    tx["id"].as_str().expect("id").to_owned(),
                    amount,
                    tx["description"].as_str().expect("desc").to_owned(),
                )
            })
            .collect();
        let want: Vec<(String, Money, String)> = t
            .transactions
            .iter()
            .filter(|tx| !tx.pending)
            .map(|tx| (tx.id.clone(), tx.amount, tx.description.clone()))
            .collect();
        assert!(!want.is_empty());
        assert_eq!(got, want, "account {}", t.name);
    }
}

#[tokio::test]
async fn pending_rows_come_only_with_pending_1() {
    let bank = bank().await;
    let client = client();
    let access = access_url(&bank, &client).await;
    let set = get_json(&client, &format!("{access}/accounts?pending=1")).await;
    let truth = bank.truth();
    let mut pending_seen = 0;
    for account in set["accounts"].as_array().expect("accounts") {
        let t = truth_of(&truth, account);
        assert_eq!(transactions(account).len(), t.transactions.len());
        for tx in transactions(account) {
            if tx["pending"] == true {
                pending_seen += 1;
                // As the Bridge does: not posted yet, so `posted` is 0 and the time is in `transacted_at`.
                assert_eq!(tx["posted"], 0);
                assert!(tx["transacted_at"].as_i64().expect("transacted_at") > 0);
            }
        }
    }
    let pending_truth = truth.iter().flat_map(|a| &a.transactions).filter(|t| t.pending).count();
    assert!(pending_truth > 0, "the default bank has card purchases still pending");
    assert_eq!(pending_seen, pending_truth);
}

#[tokio::test]
async fn the_date_window_is_start_inclusive_end_exclusive() {
    let bank = bank().await;
    let client = client();
    let access = access_url(&bank, &client).await;
    let (from, to) = (date(2026, 11, 1), date(2026, 11, 15));
    let url = format!("{access}/accounts?start-date={}&end-date={}", midnight(from), midnight(to));
    let set = get_json(&client, &url).await;
    let truth = bank.truth();
    for account in set["accounts"].as_array().expect("accounts") {
        let t = truth_of(&truth, account);
        let got: Vec<&str> = transactions(account).iter().map(|tx| tx["id"].as_str().expect("id")).collect();
        let want: Vec<&str> = t
            .transactions
            .iter()
            .filter(|tx| !tx.pending && tx.posted_on >= from && tx.posted_on < to)
            .map(|tx| tx.id.as_str())
            .collect();
        assert_eq!(got, want, "account {}", t.name);
        for tx in transactions(account) {
            let posted = tx["posted"].as_i64().expect("posted");
            assert!(posted >= midnight(from) && posted < midnight(to));
        }
    }
}

#[tokio::test]
async fn account_filter_and_balances_only() {
    let bank = bank().await;
    let client = client();
    let access = access_url(&bank, &client).await;
    let truth = bank.truth();
    let (a, b) = (&truth[0].id, &truth[2].id);
    let set = get_json(&client, &format!("{access}/accounts?account={a}&account={b}&balances-only=1")).await;
    let accounts = set["accounts"].as_array().expect("accounts");
    let ids: Vec<&str> = accounts.iter().map(|x| x["id"].as_str().expect("id")).collect();
    assert_eq!(ids, [a.as_str(), b.as_str()]);
    assert!(accounts.iter().all(|x| transactions(x).is_empty()));
    assert_eq!(accounts[1]["balance"], truth[2].balance.to_plain_string());
    assert!(truth[2].balance.is_negative(), "a card that is owed money has a negative balance");
}

#[tokio::test]
async fn wrong_or_missing_credentials_answer_403_html() {
    let bank = bank().await;
    let client = client();
    let access = access_url(&bank, &client).await;
    let mut wrong = reqwest::Url::parse(&format!("{access}/accounts")).expect("url");
    wrong.set_password(Some("not-the-password")).expect("password");
    for url in [wrong.to_string(), format!("{}/simplefin/accounts", bank.base_url())] {
        let response = client.get(&url).send().await.expect("request");
        assert_eq!(response.status(), 403);
        assert!(response.headers()["content-type"].to_str().expect("ascii").starts_with("text/html"));
        assert!(response.text().await.expect("body").starts_with("<!doctype html>"));
    }
    assert_eq!(bank.faults().counters().refused, 2);
}

#[tokio::test]
async fn expired_credentials_answer_403_until_restored() {
    let bank = bank().await;
    let client = client();
    let access = access_url(&bank, &client).await;
    bank.faults().expire_credentials(true);
    assert_eq!(client.get(format!("{access}/accounts")).send().await.expect("request").status(), 403);
    bank.faults().expire_credentials(false);
    assert_eq!(client.get(format!("{access}/accounts")).send().await.expect("request").status(), 200);
}

#[tokio::test]
async fn payment_required_answers_402_as_the_bridge_does() {
    let bank = bank().await;
    let client = client();
    let access = access_url(&bank, &client).await;
    bank.faults().payment_required(true);
    let response = client.get(format!("{access}/accounts")).send().await.expect("request");
    assert_eq!(response.status(), 402);
    let body: Value = response.json().await.expect("json");
    let real = std::fs::read_to_string(shared_dir().join("fixtures/simplefin/simplefin4py/402.json")).expect("fixture");
    assert_eq!(body, serde_json::from_str::<Value>(&real).expect("fixture json"));
}

#[tokio::test]
async fn the_errors_array_carries_the_configured_messages_with_the_data() {
    let bank = bank().await;
    let client = client();
    let access = access_url(&bank, &client).await;
    bank.faults().simplefin_errors(vec!["Connection to Spearmint Sandbox Bank may need attention".to_owned()]);
    let set = get_json(&client, &format!("{access}/accounts")).await;
    assert_eq!(set["errors"][0], "Connection to Spearmint Sandbox Bank may need attention");
    assert_eq!(set["accounts"].as_array().expect("accounts").len(), 3);
}

#[tokio::test]
async fn an_access_url_used_too_often_in_a_day_is_disabled_for_good() {
    let bank = bank().await;
    let client = client();
    let access = access_url(&bank, &client).await;
    bank.faults().rate_limit(Some(2));
    let status = |url: String| {
        let client = client.clone();
        async move { client.get(url).send().await.expect("request").status().as_u16() }
    };
    assert_eq!(status(format!("{access}/accounts")).await, 200);
    assert_eq!(status(format!("{access}/accounts")).await, 200);
    assert_eq!(status(format!("{access}/accounts")).await, 403);
    bank.advance_days(1);
    assert_eq!(status(format!("{access}/accounts")).await, 403, "disabled, not just throttled");
    let fresh = access_url(&bank, &client).await;
    assert_eq!(status(format!("{fresh}/accounts")).await, 200);
}
