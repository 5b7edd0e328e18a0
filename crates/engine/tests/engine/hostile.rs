//! A bank server that turns hostile: it redirects the engine elsewhere or sends an endless
//! answer. The sandbox bank misbehaves over real HTTP; a plain TCP listener stands for the
//! other server, to see that nothing reaches it.

use std::io::ErrorKind as IoErrorKind;
use std::net::TcpListener;

use chrono::{Duration, Utc};
use spearmint_engine::provider::ofx::{OfxBank, OfxCredentials};
use spearmint_engine::{Engine, ErrorKind, OfxLogin, RefreshReport};
use spearmint_sandbox_bank::{BankConfig, SandboxBank};
use tempfile::TempDir;
use zeroize::Zeroizing;

use crate::common::{all, keychain_vault};

async fn world(seed: u64) -> (TempDir, Engine, SandboxBank) {
    let (dir, engine) = keychain_vault();
    let today = Utc::now().date_naive() - Duration::days(2);
    let bank = SandboxBank::start(BankConfig { seed, today, history_days: 30, tls: false }).await.unwrap();
    (dir, engine, bank)
}

fn ofx_login(bank: &SandboxBank) -> OfxLogin {
    let l = bank.ofx_login();
    OfxLogin {
        bank: OfxBank { name: "Sandbox Bank".into(), url: bank.ofx_url(), org: l.org, fid: l.fid, version: 103 },
        credentials: OfxCredentials { user: Zeroizing::new(l.user), password: Zeroizing::new(l.password) },
    }
}

/// Another server on this machine, which must never hear from the engine.
fn bystander() -> (TcpListener, String) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let url = format!("http://{}/ofx", listener.local_addr().unwrap());
    (listener, url)
}

fn never_reached(listener: &TcpListener) {
    match listener.accept() {
        Err(e) if e.kind() == IoErrorKind::WouldBlock => {}
        Err(e) => panic!("{e}"),
        Ok((_, peer)) => panic!("the engine connected to the other server from {peer}"),
    }
}

fn the_error(report: &RefreshReport) -> spearmint_engine::ErrorPayload {
    assert_eq!(report.outcomes.len(), 1, "{report:?}");
    report.outcomes[0].error.clone().unwrap_or_else(|| panic!("the refresh must fail: {report:?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_that_would_re_send_the_password_elsewhere_is_refused_before_it_leaves() {
    let (_dir, engine, bank) = world(41).await;
    let connection = engine.connect_ofx(ofx_login(&bank)).await.unwrap();
    let before = all(&engine);

    // A 307 to another server re-sends the POST body, which holds <USERPASS>.
    let (listener, elsewhere) = bystander();
    for status in [307, 308] {
        bank.faults().redirect_next(1, status, &elsewhere);
        let report = engine.refresh_connection(connection.id, |_| {}).await.unwrap();
        let e = the_error(&report);
        assert_eq!(e.kind, ErrorKind::Provider, "{}", e.message);
        assert!(e.message.contains("re-send the request to another server"), "{}", e.message);
        assert!(e.message.contains("Nothing was sent there"), "{}", e.message);
        never_reached(&listener);
    }

    // Plain http to a host that is not this machine: refused, not tried (192.0.2.1 is a
    // documentation address: trying it would wait for the connect timeout).
    for status in [301, 302, 303, 307, 308] {
        bank.faults().redirect_next(1, status, "http://192.0.2.1/ofx");
        let started = std::time::Instant::now();
        let report = engine.refresh_connection(connection.id, |_| {}).await.unwrap();
        let e = the_error(&report);
        assert_eq!(e.kind, ErrorKind::Provider, "{status}: {}", e.message);
        assert!(e.message.contains("which is not https"), "{status}: {}", e.message);
        assert!(started.elapsed() < std::time::Duration::from_secs(10), "refused, not attempted");
    }
    assert_eq!(all(&engine), before, "nothing changed");

    // The bank behaves again: the same connection refreshes.
    let report = engine.refresh_connection(connection.id, |_| {}).await.unwrap();
    assert!(report.outcomes[0].error.is_none(), "{report:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_within_the_bank_is_followed() {
    let (_dir, engine, bank) = world(43).await;
    let c = engine.connect_simplefin(&bank.simplefin_setup_token()).await.unwrap();
    let accounts = format!("{}/simplefin/accounts", bank.base_url());
    bank.faults().redirect_next(1, 302, &accounts);
    let report = engine.refresh_connection(c.id, |_| {}).await.unwrap();
    assert!(report.outcomes[0].error.is_none(), "{report:?}");
    assert!(!all(&engine).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_of_two_hundred_mebibytes_is_refused_without_being_read() {
    let (_dir, engine, bank) = world(47).await;
    let c = engine.connect_simplefin(&bank.simplefin_setup_token()).await.unwrap();
    let before = all(&engine);
    const HUGE: u64 = 200 * 1024 * 1024;
    const CAP: u64 = 32 * 1024 * 1024;

    // Announced: refused on its Content-Length.
    bank.faults().oversize_next(1, HUGE, true);
    let report = engine.refresh_connection(c.id, |_| {}).await.unwrap();
    let e = the_error(&report);
    assert_eq!(e.kind, ErrorKind::Provider);
    assert!(e.message.contains("too large"), "{}", e.message);
    let sent = bank.faults().oversize_bytes_sent();
    assert!(sent < CAP, "refused before the body was read: {sent} bytes sent");

    // Not announced: read up to the cap, then refused. The bank can hand a little more to the
    // kernel's buffers than the engine reads.
    bank.faults().oversize_next(1, HUGE, false);
    let report = engine.refresh_connection(c.id, |_| {}).await.unwrap();
    let e = the_error(&report);
    assert!(e.message.contains("too large"), "{}", e.message);
    let sent = bank.faults().oversize_bytes_sent() - sent;
    assert!(sent < CAP + 16 * 1024 * 1024, "read stops at the cap: {sent} bytes sent");
    assert_eq!(all(&engine), before, "nothing changed");
}

fn raw_payloads(engine: &Engine) -> u32 {
    engine.status().unwrap().counts.iter().find(|t| t.table == "raw_payloads").map_or(0, |t| t.rows)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_that_is_not_a_statement_is_not_kept() {
    let (_dir, engine, bank) = world(53).await;
    let c = engine.connect_simplefin(&bank.simplefin_setup_token()).await.unwrap();
    let (kept, before) = (raw_payloads(&engine), all(&engine));
    // The bank's own home page (plain text) where its accounts should be.
    bank.faults().redirect_next(1, 302, &format!("{}/", bank.base_url()));
    let report = engine.refresh_connection(c.id, |_| {}).await.unwrap();
    let e = the_error(&report);
    assert_eq!(e.kind, ErrorKind::Provider, "{}", e.message);
    assert_eq!(raw_payloads(&engine), kept, "a page that is no statement is not kept");
    assert_eq!(all(&engine), before);
}

/// A SimpleFIN document (the Bridge's format, as a file) with one transaction.
fn simplefin_file(posted: i64, amount: &str) -> Vec<u8> {
    format!(
        r#"{{"errors":[],"accounts":[{{"org":{{"domain":"bank.example","sfin-url":"https://bank.example/simplefin"}},
        "id":"acct-1","name":"Checking","currency":"USD","balance":"100.00","balance-date":1764000000,
        "transactions":[{{"id":"t-1","posted":1764000000,"amount":"-4.50","description":"BLUE BOTTLE COFFEE"}},
        {{"id":"t-2","posted":{posted},"amount":"{amount}","description":"HOSTILE"}}]}}]}}"#
    )
    .into_bytes()
}

fn import(engine: &Engine, bytes: Vec<u8>) -> spearmint_engine::Result<spearmint_engine::ImportReport> {
    engine.import_file(spearmint_engine::ImportRequest {
        bytes,
        file_name: Some("accounts.json".into()),
        account: None,
        mapping: None,
        currency: None,
        dry_run: false,
        log_user: None,
    })
}

#[test]
fn dates_at_the_calendars_end_and_amounts_past_any_sum_are_refused_whole() {
    let (_dir, engine) = keychain_vault();
    // Near chrono's last representable day (year 262143), and before any bank existed.
    for posted in [8_210_266_876_799_i64, 8_000_000_000_000, -5_000_000_000, 7_258_118_400] {
        let err = import(&engine, simplefin_file(posted, "-1.00")).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Invalid, "{posted}: {}", err.message());
    }
    let err = import(&engine, simplefin_file(7_258_118_400, "-1.00")).unwrap_err();
    assert!(err.message().contains("dated 2200-01-01, which cannot be right"), "{}", err.message());
    assert!(err.message().contains("nothing of it was imported"), "{}", err.message());
    // Two rows whose sum overflows 64 bits, or one past any balance.
    for amount in ["-92233720368547758.07", "92233720368547758.07", "-100000000000.01"] {
        let err = import(&engine, simplefin_file(1_764_086_400, amount)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Invalid, "{amount}: {}", err.message());
    }
    assert!(all(&engine).is_empty(), "all or nothing: the good row is not imported either");
    // The largest plausible amount imports, and the vault's totals still add up.
    let report = import(&engine, simplefin_file(1_764_086_400, "-100000000000.00")).unwrap();
    assert_eq!(report.summary.added, 2);
}

/// A setup token whose claim URL would go over plain http to another host: refused, and the
/// message names the host only (the token is the URL's path).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claim_url_is_never_shown_whole() {
    use base64::Engine as _;
    let (_dir, engine) = keychain_vault();
    for claim in [
        "http://bridge.example/simplefin/claim/SECRET-CLAIM-TOKEN",
        "ftp://user:SECRET-PASSWORD@bridge.example/claim/SECRET-CLAIM-TOKEN?k=SECRET-QUERY",
    ] {
        let token = base64::engine::general_purpose::STANDARD.encode(claim);
        let err = engine.connect_simplefin(&token).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Invalid, "{}", err.message());
        assert!(!err.message().contains("SECRET"), "{}", err.message());
        assert!(err.message().contains("bridge.example"), "{}", err.message());
    }
    assert!(engine.connections().unwrap().is_empty());
}

/// Plain http to this machine is for the built-in demo bank and for engines built to reach a
/// test bank: by default a SimpleFIN claim or an OFX address on loopback http is refused before
/// anything is sent, while the demo still links.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn by_default_no_bank_address_may_be_plain_http_even_on_this_machine() {
    crate::common::require_secret_service();
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::new(spearmint_engine::EngineOptions::new(dir.path().to_path_buf())).unwrap();
    engine.create(spearmint_engine::NewKey::Keychain).unwrap();
    let (_bank_dir, _other, bank) = world(59).await;
    let served = bank.requests_served();

    let err = engine.connect_simplefin(&bank.simplefin_setup_token()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Invalid, "{}", err.message());
    assert!(err.message().contains("must use https"), "{}", err.message());
    let err = engine.connect_ofx(ofx_login(&bank)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Invalid, "{}", err.message());
    assert_eq!(bank.requests_served(), served, "nothing reached the bank");
    assert!(engine.connections().unwrap().is_empty());

    engine.connect_demo().await.unwrap();
    engine.refresh(None, |_| {}).await.unwrap();
    assert!(!all(&engine).is_empty(), "the built-in demo bank still links and refreshes");
}
