//! Linking and extraction against the sandbox bank over real HTTP (SimpleFIN and OFX), with the
//! real Secret Service holding the credentials (`cargo xtask test` provides it).

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, Utc};
use spearmint_core::Money;
use spearmint_engine::provider::ofx::{OfxBank, OfxCredentials};
use spearmint_engine::{
    ConnectionStatus, Engine, EngineOptions, ErrorKind, NewKey, OfxLogin, Phase, ProviderKind, RefreshReport,
};
use spearmint_sandbox_bank::{BankConfig, SandboxBank};
use tempfile::TempDir;
use zeroize::Zeroizing;

use crate::common::{all, keychain_vault, require_secret_service};

struct World {
    _dir: TempDir,
    engine: Engine,
    bank: SandboxBank,
}

/// A fresh vault and a bank whose "today" is a few days before the real one, so that the
/// engine's window (which ends today) covers days the bank later advances to.
async fn world(seed: u64) -> World {
    world_at(seed, 6).await
}

async fn world_at(seed: u64, days_ago: i64) -> World {
    let (dir, engine) = keychain_vault();
    let today = Utc::now().date_naive() - Duration::days(days_ago);
    let bank = SandboxBank::start(BankConfig { seed, today, history_days: 60, tls: false }).await.unwrap();
    World { _dir: dir, engine, bank }
}

/// (posted/pending, amount) multiset: what the bank shows versus what the vault holds.
fn shape_of_truth(bank: &SandboxBank) -> BTreeMap<(bool, String), usize> {
    let mut m = BTreeMap::new();
    for a in bank.truth() {
        for t in a.transactions {
            *m.entry((t.pending, t.amount.to_plain_string())).or_default() += 1;
        }
    }
    m
}

fn shape_of_vault(engine: &Engine) -> BTreeMap<(bool, String), usize> {
    let mut m = BTreeMap::new();
    for t in all(engine) {
        *m.entry((t.pending, t.amount.to_plain_string())).or_default() += 1;
    }
    m
}

fn only_outcome(report: &RefreshReport) -> &spearmint_engine::ConnectionOutcome {
    assert_eq!(report.outcomes.len(), 1, "{report:?}");
    &report.outcomes[0]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simplefin_claim_fetch_and_a_second_refresh_adds_nothing() {
    let w = world(7).await;
    let c = w.engine.connect_simplefin(&w.bank.simplefin_setup_token()).await.unwrap();
    assert_eq!(c.provider, ProviderKind::Simplefin);
    let report = w.engine.refresh(None, |_| {}).await.unwrap();
    let s = only_outcome(&report).summary.clone().expect("the refresh succeeds");
    assert_eq!(s.accounts, 3, "checking, savings and a credit card");
    assert!(s.added > 50, "{s:?}");
    assert_eq!(shape_of_vault(&w.engine), shape_of_truth(&w.bank), "the vault holds exactly what the bank shows");
    let accounts = w.engine.accounts().unwrap();
    assert_eq!(accounts.len(), 3);
    // Accounts linked together list by name; each is matched to the bank's by its kind.
    for t in w.bank.truth() {
        let a = accounts.iter().find(|a| a.kind == t.kind).unwrap_or_else(|| panic!("no {:?} account", t.kind));
        assert_eq!(a.balance, Some(t.balance), "balances come through exactly");
    }

    let again = w.engine.refresh(None, |_| {}).await.unwrap();
    let s2 = only_outcome(&again).summary.clone().unwrap();
    assert_eq!((s2.added, s2.updated, s2.posted, s2.removed), (0, 0, 0, 0), "{s2:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pending_purchases_appear_once_posted_after_they_post_under_new_ids() {
    // Start two weeks back and move the bank to a day with pending card purchases.
    let w = world_at(11, 14).await;
    for _ in 0..8 {
        if w.bank.truth().iter().flat_map(|a| &a.transactions).any(|t| t.pending) {
            break;
        }
        w.bank.advance_days(1);
    }
    w.engine.connect_simplefin(&w.bank.simplefin_setup_token()).await.unwrap();
    w.engine.refresh(None, |_| {}).await.unwrap();
    let pending_before = all(&w.engine).iter().filter(|t| t.pending).count();
    assert!(pending_before > 0, "the bank has pending card purchases");

    w.bank.advance_days(3);
    let report = w.engine.refresh(None, |_| {}).await.unwrap();
    let s = only_outcome(&report).summary.clone().unwrap();
    assert!(s.posted > 0, "pending rows were replaced by their posted twins: {s:?}");
    assert_eq!(
        shape_of_vault(&w.engine),
        shape_of_truth(&w.bank),
        "each purchase appears once, as the bank now shows it"
    );
    // A posted purchase never sits next to its own pending twin.
    let txns = all(&w.engine);
    for p in txns.iter().filter(|t| t.pending) {
        assert!(w.bank.truth().iter().flat_map(|a| a.transactions.clone()).any(|t| t.pending && t.amount == p.amount));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_and_cut_off_bodies_are_retried() {
    let w = world(13).await;
    w.engine.connect_simplefin(&w.bank.simplefin_setup_token()).await.unwrap();
    w.bank.faults().fail_next(1);
    let report = w.engine.refresh(None, |_| {}).await.unwrap();
    assert!(only_outcome(&report).summary.is_some(), "one 500 is retried at once: {report:?}");
    w.bank.faults().truncate_next(1);
    w.bank.advance_days(1);
    let report = w.engine.refresh(None, |_| {}).await.unwrap();
    assert!(only_outcome(&report).summary.is_some(), "a cut-off body is retried: {report:?}");
    assert_eq!(shape_of_vault(&w.engine), shape_of_truth(&w.bank));

    // A bank that keeps failing: the refresh reports it, nothing is half-written, and the job
    // waits for a backoff instead of hammering the bank.
    w.bank.advance_days(1);
    w.bank.faults().fail_next(100);
    let before = w.bank.requests_served();
    let report = w.engine.refresh(None, |_| {}).await.unwrap();
    let e = only_outcome(&report).error.clone().expect("the refresh fails");
    assert_eq!(e.kind, ErrorKind::Provider);
    assert!(w.bank.requests_served() - before <= 3, "a few quick retries, not a storm");
    let before = w.bank.requests_served();
    let (report, next) = w.engine.tick(Utc::now()).await.unwrap();
    assert!(report.outcomes.is_empty(), "the retry waits for its backoff");
    assert_eq!(w.bank.requests_served(), before);
    assert!(next > Utc::now());
}

fn rows_of(engine: &Engine, table: &str) -> u32 {
    engine.status().unwrap().counts.iter().find(|t| t.table == table).map_or(0, |t| t.rows)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_that_does_not_read_is_kept_and_changes_nothing() {
    let w = world(29).await;
    w.engine.connect_simplefin(&w.bank.simplefin_setup_token()).await.unwrap();
    w.engine.refresh(None, |_| {}).await.unwrap();
    let (txns, raws) = (all(&w.engine), rows_of(&w.engine, "raw_payloads"));
    w.bank.advance_days(1);
    w.bank.faults().garble_next(1);
    let report = w.engine.refresh(None, |_| {}).await.unwrap();
    assert_eq!(w.bank.faults().counters().garbled, 1);
    let e = only_outcome(&report).error.clone().expect("half a document does not read");
    assert_eq!(e.kind, ErrorKind::Provider);
    assert!(e.message.contains("cannot read"), "{}", e.message);
    // The reply was stored before it was read; the transactions are as they were.
    assert_eq!(rows_of(&w.engine, "raw_payloads"), raws + 1, "the unreadable reply is kept");
    assert_eq!(all(&w.engine), txns);
    // The next refresh reads a whole reply and catches up.
    w.engine.refresh(None, |_| {}).await.unwrap();
    assert_eq!(shape_of_vault(&w.engine), shape_of_truth(&w.bank));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bank_that_keeps_failing_needs_attention_with_its_reason() {
    let w = world(31).await;
    w.engine.connect_simplefin(&w.bank.simplefin_setup_token()).await.unwrap();
    w.engine.refresh(None, |_| {}).await.unwrap();
    w.bank.faults().fail_next(u32::MAX);
    let mut reports = Vec::new();
    loop {
        let report = w.engine.refresh(None, |_| {}).await.unwrap();
        assert!(only_outcome(&report).error.is_some(), "{report:?}");
        reports.push(report);
        let c = &w.engine.connections().unwrap()[0];
        if c.status != ConnectionStatus::Ok {
            assert_eq!(c.status, ConnectionStatus::NeedsAttention);
            let reason = c.status_reason.clone().expect("the reason is kept");
            assert!(reason.contains("500"), "the bank's own error: {reason}");
            break;
        }
        assert!(reports.len() < 10, "a failing bank must come to the user's attention");
    }
    assert!(reports.len() > 1, "one failure is retried before it bothers the user");
    assert!(w.engine.accounts().unwrap().iter().all(|a| a.status == "needs_attention"));
    let alerts = w.engine.notifications().unwrap().into_iter().filter(|n| n.kind == "account_attention").count();
    assert_eq!(alerts, 1);
    // Once the bank answers again, a refresh clears it.
    w.bank.faults().fail_next(0);
    w.engine.refresh(None, |_| {}).await.unwrap();
    assert_eq!(w.engine.connections().unwrap()[0].status, ConnectionStatus::Ok);
    assert!(w.engine.accounts().unwrap().iter().all(|a| a.status == "ok"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_throttled_bank_makes_the_connection_wait_and_the_daily_budget_holds() {
    let w = world(37).await;
    w.engine.connect_simplefin(&w.bank.simplefin_setup_token()).await.unwrap();
    w.engine.refresh(None, |_| {}).await.unwrap();

    // The Bridge answers 429: the connection is rate-limited, says how long, and is not hammered.
    w.bank.faults().throttle_next(u32::MAX, 120);
    let before = w.bank.requests_to("/simplefin/accounts");
    let report = w.engine.refresh(None, |_| {}).await.unwrap();
    let e = only_outcome(&report).error.clone().expect("throttled");
    assert_eq!(e.kind, ErrorKind::RateLimited);
    assert!(e.message.contains("120 seconds"), "{}", e.message);
    assert_eq!(w.bank.requests_to("/simplefin/accounts") - before, 1, "a 429 is not retried at once");
    let c = &w.engine.connections().unwrap()[0];
    assert_eq!(c.status, ConnectionStatus::RateLimited);
    assert!(w.engine.accounts().unwrap().iter().all(|a| a.status == "rate_limited"));
    let before = w.bank.requests_served();
    w.engine.tick(Utc::now()).await.unwrap();
    assert_eq!(w.bank.requests_served(), before, "the background task waits");
    w.bank.faults().throttle_next(0, 0);
    w.engine.refresh(None, |_| {}).await.unwrap();
    assert_eq!(w.engine.connections().unwrap()[0].status, ConnectionStatus::Ok);

    // However often the user refreshes, a SimpleFIN connection stays far below the ~24
    // requests a day past which the Bridge disables its token; then it says so and waits.
    let claimed_and_fetched = w.bank.requests_to("/simplefin/claim") + w.bank.requests_to("/simplefin/accounts");
    let budget = u64::from(ProviderKind::Simplefin.daily_budget());
    assert!(budget <= 16, "a handful of requests a day, with room under the Bridge's limit: {budget}");
    let mut refused = None;
    for _ in 0..=budget {
        let report = w.engine.refresh(None, |_| {}).await.unwrap();
        if let Some(e) = only_outcome(&report).error.clone() {
            refused = Some(e);
            break;
        }
    }
    let e = refused.expect("the daily budget runs out");
    assert_eq!(e.kind, ErrorKind::RateLimited);
    assert!(e.message.contains("daily limit"), "{}", e.message);
    let sent = w.bank.requests_to("/simplefin/claim") + w.bank.requests_to("/simplefin/accounts");
    assert!(sent <= budget, "{sent} requests today, more than {budget} (before this loop: {claimed_and_fetched})");
    let before = w.bank.requests_served();
    let report = w.engine.refresh(None, |_| {}).await.unwrap();
    assert_eq!(only_outcome(&report).error.as_ref().map(|e| e.kind), Some(ErrorKind::RateLimited));
    assert_eq!(w.bank.requests_served(), before, "a spent budget sends nothing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_credentials_need_attention_without_a_retry_storm() {
    let w = world(17).await;
    w.engine.connect_simplefin(&w.bank.simplefin_setup_token()).await.unwrap();
    w.engine.refresh(None, |_| {}).await.unwrap();
    w.bank.faults().expire_credentials(true);
    let before = w.bank.requests_served();
    let report = w.engine.refresh(None, |_| {}).await.unwrap();
    let e = only_outcome(&report).error.clone().expect("refused");
    assert_eq!(e.kind, ErrorKind::ProviderAuth);
    assert!(e.message.contains("connect again"), "{}", e.message);
    assert_eq!(w.bank.requests_served() - before, 1, "a refusal is not retried");
    let c = &w.engine.connections().unwrap()[0];
    assert_eq!(c.status, ConnectionStatus::NeedsAttention);
    assert!(w.engine.accounts().unwrap().iter().all(|a| a.status == "needs_attention"));
    // The user hears about it, once for this failure.
    let alerts: Vec<_> =
        w.engine.notifications().unwrap().into_iter().filter(|n| n.kind == "account_attention").collect();
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert!(alerts[0].summary.contains("needs attention") && alerts[0].body.contains("connect again"), "{alerts:?}");
    // The background task does not keep knocking either, and a second manual try adds no alert.
    let before = w.bank.requests_served();
    w.engine.tick(Utc::now()).await.unwrap();
    assert_eq!(w.bank.requests_served(), before);
    w.engine.refresh(None, |_| {}).await.unwrap();
    assert_eq!(w.engine.notifications().unwrap().iter().filter(|n| n.kind == "account_attention").count(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_used_setup_token_is_refused_clearly() {
    let w = world(19).await;
    let token = w.bank.simplefin_setup_token();
    w.engine.connect_simplefin(&token).await.unwrap();
    let err = w.engine.connect_simplefin(&token).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ProviderAuth);
    assert!(err.message().contains("already used"), "{}", err.message());
    let err = w.engine.connect_simplefin("not a token at all!").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Invalid);
}

fn sandbox_ofx_login(bank: &SandboxBank, password: &str) -> OfxLogin {
    let l = bank.ofx_login();
    OfxLogin {
        bank: OfxBank { name: "Sandbox Bank".into(), url: bank.ofx_url(), org: l.org, fid: l.fid, version: 103 },
        credentials: OfxCredentials { user: Zeroizing::new(l.user), password: Zeroizing::new(password.to_owned()) },
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ofx_direct_connect_refuses_a_wrong_password_and_downloads_statements() {
    let w = world(23).await;
    let err = w.engine.connect_ofx(sandbox_ofx_login(&w.bank, "not the password")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ProviderAuth);
    assert!(err.message().contains("15500"), "{}", err.message());
    assert!(w.engine.connections().unwrap().is_empty(), "nothing is linked after a refused sign-on");

    for version in [103, 220] {
        let (_dir, engine) = keychain_vault();
        let mut login = sandbox_ofx_login(&w.bank, &w.bank.ofx_login().password);
        login.bank.version = version;
        let c = engine.connect_ofx(login).await.unwrap();
        let report = engine.refresh_connection(c.id, |_| {}).await.unwrap();
        let s = only_outcome(&report).summary.clone().unwrap_or_else(|| panic!("OFX {version}: {report:?}"));
        assert_eq!(s.accounts, 3);
        // OFX statements list posted transactions only.
        let posted: usize = w.bank.truth().iter().flat_map(|a| &a.transactions).filter(|t| !t.pending).count();
        assert_eq!(all(&engine).iter().filter(|t| !t.pending).count(), posted, "OFX {version}");
        let again = engine.refresh(None, |_| {}).await.unwrap();
        assert_eq!(only_outcome(&again).summary.clone().unwrap().added, 0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_bank_works_with_no_bank_at_all() {
    let (_dir, engine) = keychain_vault();
    let c = engine.connect_demo().await.unwrap();
    assert_eq!(engine.connect_demo().await.unwrap().id, c.id, "linking the demo twice gives one connection");
    let report = engine.refresh(None, |_| {}).await.unwrap();
    assert!(only_outcome(&report).summary.clone().unwrap().added > 50);
    let again = engine.refresh(None, |_| {}).await.unwrap();
    assert_eq!(only_outcome(&again).summary.clone().unwrap().added, 0);

    // Budgets far below what the demo spends: alerts go to the outbox once, and re-running the
    // extraction (the real provider path) adds none.
    let today = Utc::now().date_naive();
    let last_month = (today.with_day(1).unwrap() - Duration::days(1)).format("%Y-%m").to_string();
    for category in ["FOOD", "SHOPPING"] {
        engine.set_budget(category, Money::from_minor(100, spearmint_core::Currency::USD), &last_month, false).unwrap();
    }
    let alerts = engine.notifications().unwrap().len();
    assert!(alerts > 0, "the demo overspends a $1 budget");
    engine.refresh(None, |_| {}).await.unwrap();
    engine.refresh(None, |_| {}).await.unwrap();
    assert_eq!(engine.notifications().unwrap().len(), alerts, "re-running the extraction raises no alert twice");
}

/// Some OFX servers reject a request whose first header is not User-Agent: read the bytes the
/// client really sends, from a plain TCP listener.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ofx_requests_send_user_agent_first() {
    let (_dir, engine) = keychain_vault();
    let request = ofx_request_sent(&engine, 103).await;
    let first_header = request.lines().nth(1).unwrap_or_default().to_ascii_lowercase();
    assert!(first_header.starts_with("user-agent:"), "the request starts:\n{request}");
    assert!(request.contains("<APPID>QWIN"), "{request}");
}

/// The CLIENTUID an engine sends when it signs on to a bank.
async fn client_uid_sent(engine: &Engine) -> String {
    let request = ofx_request_sent(engine, 103).await;
    let uid = request.split("<CLIENTUID>").nth(1).expect("a CLIENTUID is sent");
    uid.split(['<', '\r', '\n']).next().unwrap_or_default().to_owned()
}

/// The request an engine sends when it signs on to a bank of this OFX version (to a one-shot
/// server that answers 401).
async fn ofx_request_sent(engine: &Engine, version: u32) -> String {
    ofx_request_to(
        engine,
        OfxBank { name: "Header Bank".into(), url: String::new(), org: "ORG".into(), fid: "1".into(), version },
    )
    .await
}

/// The request an engine sends when it signs on to `bank` (its URL replaced by a one-shot
/// server that answers 401).
async fn ofx_request_to(engine: &Engine, bank: OfxBank) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/ofx", listener.local_addr().unwrap());
    let server = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut request = Vec::new();
        let mut buf = vec![0u8; 8192];
        while !String::from_utf8_lossy(&request).contains("</OFX>") {
            let n = socket.read(&mut buf).await.unwrap();
            assert!(n > 0, "the request ended before its OFX did");
            request.extend_from_slice(&buf[..n]);
        }
        let _ = socket.write_all(b"HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\nconnection: close\r\n\r\n").await;
        String::from_utf8_lossy(&request).into_owned()
    });
    let login = OfxLogin {
        bank: OfxBank { url, ..bank },
        credentials: OfxCredentials { user: Zeroizing::new("me".into()), password: Zeroizing::new("pw".into()) },
    };
    assert_eq!(engine.connect_ofx(login).await.unwrap_err().kind(), ErrorKind::ProviderAuth);
    server.await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bank_the_directory_knows_no_org_for_is_signed_on_to_without_one() {
    let (_dir, engine) = keychain_vault();
    let becu = spearmint_engine::provider::institutions::search("becu").into_iter().next().expect("in the directory");
    assert_eq!((becu.org.as_str(), becu.fid.as_str()), ("", "3670"));
    let request = ofx_request_to(&engine, becu).await;
    assert!(!request.contains("<FI>") && !request.contains("<ORG>"), "{request}");
    assert!(request.contains("<USERID>me") && request.contains("<APPID>QWIN"), "{request}");
    let with_org = ofx_request_sent(&engine, 103).await;
    assert!(with_org.contains("<FI>") && with_org.contains("<ORG>ORG") && with_org.contains("<FID>1"), "{with_org}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ofx_requests_speak_the_banks_version() {
    let (_dir, engine) = keychain_vault();
    for (version, header) in [(102, "\r\nVERSION:102\r\n"), (103, "\r\nVERSION:103\r\n"), (220, "VERSION=\"220\"")] {
        let request = ofx_request_sent(&engine, version).await;
        assert!(request.contains(header), "version {version}:\n{request}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_profile_of_an_installation_sends_one_clientuid() {
    require_secret_service();
    let dir = tempfile::tempdir().unwrap();
    let open = |data_dir: &std::path::Path, profile: &str| {
        let options = EngineOptions { profile: profile.into(), ..crate::common::test_options(data_dir) };
        let engine = Engine::new(options).unwrap();
        engine.create(NewKey::Keychain).unwrap();
        engine
    };
    let home = open(dir.path(), "default");
    let uid = client_uid_sent(&home).await;
    assert_eq!(uid.len(), 36, "{uid}");
    assert_eq!(client_uid_sent(&home).await, uid, "the same on every request");
    assert_eq!(client_uid_sent(&open(dir.path(), "work")).await, uid, "the same in another profile");
    let other = tempfile::tempdir().unwrap();
    assert_ne!(client_uid_sent(&open(other.path(), "default")).await, uid, "another installation has its own");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_progress_counts_connections_accounts_and_transactions() {
    let w = world(41).await;
    w.engine.connect_simplefin(&w.bank.simplefin_setup_token()).await.unwrap();
    w.engine.connect_ofx(sandbox_ofx_login(&w.bank, &w.bank.ofx_login().password)).await.unwrap();
    // The first refresh finds the accounts: the total grows as each connection brings its own.
    let events = std::sync::Mutex::new(Vec::new());
    w.engine.refresh(None, |p| events.lock().unwrap().push(p.clone())).await.unwrap();
    let first = events.into_inner().unwrap();
    let accounts = w.engine.accounts().unwrap().len() as u32;
    assert!(accounts >= 4, "both connections linked their accounts: {accounts}");
    assert_eq!(first[0].accounts_total, 0, "{first:?}");
    assert!(first.windows(2).all(|p| p[0].accounts_total <= p[1].accounts_total), "{first:?}");
    let last = first.last().unwrap();
    assert_eq!((last.accounts_done, last.accounts_total), (accounts, accounts), "{last:?}");

    w.bank.advance_days(1);
    let events = std::sync::Mutex::new(Vec::new());
    let report = w.engine.refresh(None, |p| events.lock().unwrap().push(p.clone())).await.unwrap();
    let events = events.into_inner().unwrap();
    assert_eq!(report.outcomes.len(), 2);
    for e in &events {
        assert!(e.done <= e.total && e.accounts_done <= e.accounts_total, "{e:?}");
        assert_eq!((e.total, e.accounts_total), (2, accounts), "known from the start: {e:?}");
    }
    assert!(events.windows(2).all(|p| p[0].done <= p[1].done && p[0].accounts_done <= p[1].accounts_done));
    let last = events.last().unwrap();
    assert_eq!((last.phase, last.done, last.accounts_done), (Phase::Done, 2, accounts), "{last:?}");
    // Each connection: fetching, then saving what it fetched, then done with its accounts.
    for outcome in &report.outcomes {
        let mine: Vec<_> = events.iter().filter(|e| e.connection == outcome.connection).collect();
        let phases: Vec<Phase> = mine.iter().map(|e| e.phase).collect();
        assert_eq!(phases, [Phase::Fetching, Phase::Saving, Phase::Done], "{mine:?}");
        let s = outcome.summary.as_ref().unwrap();
        assert_eq!(mine[1].fetched, s.added + s.updated + s.posted + s.unchanged, "{mine:?}");
        assert!(mine[1].fetched > 0);
        assert!(mine[2].accounts_done > mine[0].accounts_done, "its accounts count as done: {mine:?}");
    }
}

/// What the Bridge says in its `errors` array reaches the user as it is, with the data it did
/// send; a 402 (subscription lapsed) puts the connection in "needs attention" with the reason.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bridges_messages_and_a_lapsed_subscription_reach_the_user() {
    let w = world(43).await;
    w.engine.connect_simplefin(&w.bank.simplefin_setup_token()).await.unwrap();
    let message = "Connection to Sandbox Bank may need attention";
    w.bank.faults().simplefin_errors(vec![message.to_owned()]);
    let report = w.engine.refresh(None, |_| {}).await.unwrap();
    let outcome = only_outcome(&report);
    assert_eq!(outcome.warnings, [message], "{report:?}");
    assert!(outcome.summary.as_ref().is_some_and(|s| s.added > 0), "the data sent along is kept: {report:?}");
    w.bank.faults().simplefin_errors(Vec::new());

    w.bank.faults().payment_required(true);
    let before = w.bank.requests_served();
    let report = w.engine.refresh(None, |_| {}).await.unwrap();
    let e = only_outcome(&report).error.clone().expect("402");
    assert_eq!(e.kind, ErrorKind::ProviderAuth);
    assert!(e.message.contains("payment is required") && e.message.contains("subscription"), "{}", e.message);
    assert_eq!(w.bank.requests_served() - before, 1, "a 402 is not retried");
    let c = &w.engine.connections().unwrap()[0];
    assert_eq!(c.status, ConnectionStatus::NeedsAttention);
    assert!(c.status_reason.as_deref().is_some_and(|r| r.contains("subscription")), "{c:?}");
    // Renewed: the next refresh works and clears the state.
    w.bank.faults().payment_required(false);
    let report = w.engine.refresh(None, |_| {}).await.unwrap();
    assert!(only_outcome(&report).error.is_none(), "{report:?}");
    assert_eq!(w.engine.connections().unwrap()[0].status, ConnectionStatus::Ok);
}

/// Two engines on one profile, as the desktop app and `spearmint daemon` are: each has its own
/// connection to the vault file and they refresh at the same moment, again and again. They take
/// turns (the bank never answers both at once, even slowly: one process runs a profile's jobs,
/// and a job another is running is never taken back from it), every request either makes is
/// counted against the provider's daily budget (none is lost to the other's write), and the
/// vault holds exactly what the bank shows.
#[test]
fn two_engines_refreshing_at_once_lose_no_count_and_duplicate_nothing() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let w = runtime.block_on(world(83));
    runtime.block_on(w.engine.connect_simplefin(&w.bank.simplefin_setup_token())).unwrap();
    let other = crate::common::engine(w._dir.path());
    other.unlock(spearmint_engine::Unlock::Keychain).unwrap();
    let today = Utc::now().date_naive();
    let counted = |e: &Engine| e.connections().unwrap()[0].requests_on(today);
    let before = (w.bank.requests_to("/simplefin/accounts"), counted(&w.engine));
    w.bank.faults().latency_ms(40);
    for _ in 0..8 {
        std::thread::scope(|s| {
            for e in [&w.engine, &other] {
                s.spawn(|| runtime.block_on(e.refresh(None, |_| {})).unwrap());
            }
        });
    }
    assert_eq!(w.bank.most_in_flight(), 1, "the two engines' extractions took turns");
    let fetched = w.bank.requests_to("/simplefin/accounts") - before.0;
    assert!(fetched >= 8, "{fetched}");
    assert_eq!(u64::from(counted(&w.engine) - before.1), fetched, "every request counted once");
    assert_eq!(counted(&other), counted(&w.engine));
    assert_eq!(shape_of_vault(&w.engine), shape_of_truth(&w.bank), "nothing duplicated");
    assert!(w.engine.doctor(false).unwrap().is_empty());
}
