use std::time::{Duration, Instant};

use crate::ofx::{post, request};
use crate::{access_url, bank, client, date};

#[tokio::test]
async fn fail_next_answers_500_that_many_times_then_recovers() {
    let bank = bank().await;
    let client = client();
    let access = access_url(&bank, &client).await;
    bank.faults().fail_next(2);
    let url = format!("{access}/accounts");
    assert_eq!(client.get(&url).send().await.expect("request").status(), 500);
    assert_eq!(client.post(bank.ofx_url()).body("x").send().await.expect("request").status(), 500);
    assert_eq!(client.get(&url).send().await.expect("request").status(), 200);
    assert_eq!(bank.faults().counters().served_500, 2);
    assert_eq!(bank.requests_to("/simplefin/accounts"), 2);
    assert_eq!(bank.requests_to("/ofx"), 1);
    assert_eq!(bank.requests_served(), 4, "the claim and three requests");
}

#[tokio::test]
async fn a_truncated_response_is_an_error_for_the_client_never_a_short_body() {
    let bank = bank().await;
    let client = client();
    let access = access_url(&bank, &client).await;
    let url = format!("{access}/accounts?pending=1");

    bank.faults().truncate_next(1);
    let cut = match client.get(&url).send().await {
        Ok(response) => response.bytes().await.map(|b| b.len()),
        Err(e) => Err(e),
    };
    assert!(cut.is_err(), "reading a cut-off body must fail, got {cut:?}");

    bank.faults().truncate_next(1);
    let body = request("stmt_bank_cc_v220.ofx", &bank, date(2026, 10, 1), date(2026, 11, 1));
    let cut = match client.post(bank.ofx_url()).body(body).send().await {
        Ok(response) => response.text().await.map(|t| t.len()),
        Err(e) => Err(e),
    };
    assert!(cut.is_err(), "OFX too: {cut:?}");

    let whole: serde_json::Value = client.get(&url).send().await.expect("request").json().await.expect("json");
    assert_eq!(whole["accounts"].as_array().map(Vec::len), Some(3));
    assert_eq!(bank.faults().counters().truncated, 2);
}

#[tokio::test]
async fn latency_delays_every_answer() {
    let bank = bank().await;
    bank.faults().latency_ms(300);
    let started = Instant::now();
    let response = client().get(format!("{}/simplefin/info", bank.base_url())).send().await.expect("request");
    assert_eq!(response.status(), 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
    bank.faults().latency_ms(0);
}

#[tokio::test]
async fn throttle_next_answers_429_with_retry_after() {
    let bank = bank().await;
    let client = client();
    bank.faults().throttle_next(1, 7);
    let info = format!("{}/simplefin/info", bank.base_url());
    let response = client.get(&info).send().await.expect("request");
    assert_eq!(response.status(), 429);
    assert_eq!(response.headers()["retry-after"], "7");
    assert_eq!(client.get(&info).send().await.expect("request").status(), 200);
    assert_eq!(bank.faults().counters().throttled, 1);
}

#[tokio::test]
async fn the_ofx_daily_limit_answers_429_until_the_next_bank_day() {
    let bank = bank().await;
    bank.faults().rate_limit(Some(1));
    let body = || request("acctinfo_v220.ofx", &bank, date(2026, 10, 1), date(2026, 11, 1));
    post(&bank, body()).await;
    let response = client().post(bank.ofx_url()).body(body()).send().await.expect("request");
    assert_eq!(response.status(), 429);
    assert!(response.headers().contains_key("retry-after"));
    bank.advance_days(1);
    post(&bank, body()).await;
}
