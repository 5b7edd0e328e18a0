//! Linking accounts and extracting their transactions: the async half of the engine. Network
//! work runs on tokio; vault work runs on blocking threads, so neither stalls the other.

use chrono::{Duration, NaiveDate, Utc};
use serde::Serialize;
use spearmint_core::{AccountId, Statement, StatementAccount};
use zeroize::Zeroizing;

use spearmint_core::ConnectionId;

use super::connection::{self, Connection, ConnectionStatus, ProviderKind};
use super::http;
use super::jobs;
use super::ofx::{OfxAccountRef, OfxBank, OfxClient, OfxCredentials};
use super::simplefin::{AccessUrl, SimpleFin};
use crate::alerts;
use crate::engine::Engine;
use crate::error::{Error, ErrorKind, Result};
use crate::ingestion::{self, ApplySummary, Target};
use crate::vault::settings;

/// How far back the first extraction of a connection reaches.
pub const FIRST_HISTORY_DAYS: i64 = 90;
/// Each later extraction re-reads this many days before the last success, so pending rows that
/// posted meanwhile are matched and late-posting banks are caught.
pub const OVERLAP_DAYS: i64 = 14;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Fetching,
    Saving,
    Done,
    Failed,
}

/// Progress of a refresh, for progress bars.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    pub connection: String,
    pub phase: Phase,
    /// Connections finished so far, of `total`.
    pub done: u32,
    pub total: u32,
    /// Accounts finished so far, of `accounts_total`: the accounts of the connections being
    /// refreshed, as far as known (a connection's first fetch may bring accounts it did not
    /// have: the total then grows).
    pub accounts_done: u32,
    pub accounts_total: u32,
    /// Transactions fetched by this connection so far.
    pub fetched: u32,
}

/// How far a run of jobs has come, for [`Progress`].
#[derive(Debug, Clone, Copy, Default)]
struct Tally {
    done: u32,
    total: u32,
    accounts_done: u32,
    accounts_total: u32,
}

impl Tally {
    fn progress(&self, connection: &str, phase: Phase, fetched: u32) -> Progress {
        Progress {
            connection: connection.to_owned(),
            phase,
            done: self.done,
            total: self.total,
            accounts_done: self.accounts_done,
            accounts_total: self.accounts_total,
            fetched,
        }
    }
}

/// Accounts linked to a connection.
fn accounts_of(v: &crate::vault::Vault, connection_id: ConnectionId) -> Result<u32> {
    let id = connection_id.to_string();
    Ok(v.read().query_row("SELECT count(*) FROM accounts WHERE connection_id = ?1", [id], |r| r.get(0))?)
}

/// The outcome for one connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionOutcome {
    pub connection: String,
    pub provider: ProviderKind,
    pub summary: Option<ApplySummary>,
    pub error: Option<crate::error::ErrorPayload>,
    /// Messages the provider sent along (SimpleFIN's `errors`), shown as they are.
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct RefreshReport {
    pub outcomes: Vec<ConnectionOutcome>,
}

impl RefreshReport {
    pub fn added(&self) -> u32 {
        self.outcomes.iter().filter_map(|o| o.summary.as_ref()).map(|s| s.added).sum()
    }
}

/// A new login at a bank over OFX.
#[derive(Debug, Clone)]
pub struct OfxLogin {
    pub bank: OfxBank,
    pub credentials: OfxCredentials,
}

/// Links the demo bank (realistic generated data, no bank needed) and queues its first
/// extraction. Linking it twice gives the same connection.
pub(crate) async fn connect_demo(engine: &Engine) -> Result<Connection> {
    connect_demo_with_history(engine, FIRST_HISTORY_DAYS as u32).await
}

/// The demo bank with `history_days` of history (more makes a bigger vault to try).
pub(crate) async fn connect_demo_with_history(engine: &Engine, history_days: u32) -> Result<Connection> {
    if !(1..=3660).contains(&history_days) {
        return Err(Error::new(ErrorKind::Invalid, "the demo's history is 1 to 3660 days"));
    }
    let existing =
        engine.db(|v| Ok(connection::list(v)?.into_iter().find(|c| c.provider == ProviderKind::Demo))).await?;
    if let Some(c) = existing {
        return Ok(c);
    }
    let id = engine
        .db(move |v| {
            connection::create(
                v,
                ProviderKind::Demo,
                "Demo Bank",
                serde_json::json!({ "seed": 42, "history_days": history_days }),
            )
        })
        .await?;
    queue(engine, id).await?;
    engine.db(move |v| connection::get(v, id)).await
}

/// Claims a SimpleFIN setup token, keeps the access URL in the keychain, queues the first
/// extraction.
pub(crate) async fn connect_simplefin(engine: &Engine, setup_token: &str) -> Result<Connection> {
    let client = SimpleFin::new(reach(engine))?;
    let mut requests = 0;
    let access = client.claim(setup_token, &mut requests).await?;
    let id = engine
        .db(|v| connection::create(v, ProviderKind::Simplefin, "SimpleFIN Bridge", serde_json::json!({})))
        .await?;
    let c = engine.db(move |v| connection::get(v, id)).await?;
    let entry = c.keychain();
    let secret = Zeroizing::new(access.expose().to_owned());
    Engine::blocking(move || entry.store_secret(&secret)).await?;
    let today = Utc::now().date_naive();
    engine.db(move |v| connection::count_requests(v, id, requests, today)).await?;
    queue(engine, id).await?;
    Ok(c)
}

/// Signs on to a bank over OFX, lists its accounts (`ACCTINFORQ`), keeps the login in the
/// keychain, queues the first extraction.
pub(crate) async fn connect_ofx(engine: &Engine, login: OfxLogin) -> Result<Connection> {
    let client = OfxClient::new(client_uid(engine).await?, reach(engine))?;
    let mut requests = 0;
    let accounts = client.account_info(&login.bank, &login.credentials, &mut requests).await?;
    if accounts.is_empty() {
        return Err(Error::new(ErrorKind::Provider, format!("{} lists no accounts for this login", login.bank.name)));
    }
    let config = serde_json::json!({
        "bank": login.bank,
        "accounts": accounts.iter().map(|a| serde_json::json!({
            "acct_id": a.acct_id, "bank_id": a.bank_id, "kind": a.kind.as_str(), "name": a.description,
        })).collect::<Vec<_>>(),
    });
    let label = login.bank.name.clone();
    let id = engine.db(move |v| connection::create(v, ProviderKind::Ofx, &label, config)).await?;
    let c = engine.db(move |v| connection::get(v, id)).await?;
    let entry = c.keychain();
    let secret = login_secret(&login.credentials)?;
    Engine::blocking(move || entry.store_secret(&secret)).await?;
    let today = Utc::now().date_naive();
    engine.db(move |v| connection::count_requests(v, id, requests, today)).await?;
    queue(engine, id).await?;
    Ok(c)
}

/// Where this engine's clients may go: https, and loopback http if the engine allows it.
fn reach(engine: &Engine) -> http::Reach {
    http::Reach { loopback_http: engine.allows_loopback_http() }
}

/// An OFX login as the keychain keeps it: JSON `{"user": ..., "password": ...}`.
#[derive(serde::Serialize, serde::Deserialize)]
struct StoredLogin<S> {
    user: S,
    password: S,
}

/// The keychain's copy of a login, written once into a buffer large enough for any escaping
/// (so it never grows and leaves a copy behind), wiped when dropped.
fn login_secret(credentials: &OfxCredentials) -> Result<Zeroizing<String>> {
    let login = StoredLogin { user: credentials.user.as_str(), password: credentials.password.as_str() };
    let capacity = 6 * (credentials.user.len() + credentials.password.len()) + 32;
    let mut bytes = Zeroizing::new(Vec::with_capacity(capacity));
    serde_json::to_writer(&mut *bytes, &login).map_err(|e| Error::internal("cannot keep the login", e))?;
    let text = String::from_utf8(std::mem::take(&mut *bytes))
        .map_err(|e| Error::internal("cannot keep the login", e.utf8_error()))?;
    Ok(Zeroizing::new(text))
}

/// The installation's OFX CLIENTUID (the same for every profile), adopting the one this
/// profile sent before the installation kept its own.
async fn client_uid(engine: &Engine) -> Result<String> {
    let data_dir = engine.paths().data_dir().to_path_buf();
    engine.db(move |v| crate::installation::ofx_client_uid(&data_dir, settings::ofx_client_uid(v.read())?)).await
}

async fn queue(engine: &Engine, connection_id: ConnectionId) -> Result<()> {
    engine.db(move |v| jobs::enqueue_extract(v, connection_id, Utc::now())).await
}

pub(crate) fn connections(engine: &Engine) -> Result<Vec<Connection>> {
    engine.with_vault(|v| connection::list(v))
}

/// Extracts now: every connection, or the one holding `account`. Runs the queued jobs
/// (including ones a crash interrupted) and reports each connection's outcome.
pub(crate) async fn refresh(
    engine: &Engine,
    account: Option<AccountId>,
    progress: impl Fn(&Progress) + Send + Sync,
) -> Result<RefreshReport> {
    let only: Option<Vec<ConnectionId>> = match account {
        Some(a) => {
            let a = a.to_string();
            let c = engine.db(move |v| connection::of_account(v, &a)).await?;
            Some(vec![c.ok_or_else(|| {
                Error::new(
                    ErrorKind::Invalid,
                    "this account is not linked to a provider: update it by importing a file",
                )
            })?])
        }
        None => None,
    };
    let targets: Vec<ConnectionId> = match &only {
        Some(ids) => ids.clone(),
        None => engine.db(|v| Ok(connection::list(v)?.into_iter().map(|c| c.id).collect())).await?,
    };
    {
        let (targets, everything) = (targets.clone(), only.is_none());
        engine
            .db(move |v| {
                for t in &targets {
                    jobs::enqueue_extract(v, *t, Utc::now())?;
                }
                if everything {
                    // A manual refresh of everything stands in for today's daily run.
                    v.write(|w| settings::set_last_daily_run(w, Utc::now()))?;
                }
                Ok(())
            })
            .await?;
    }
    run_jobs(engine, Some(targets), progress).await
}

/// Extracts one connection now (after linking it).
pub(crate) async fn refresh_connection(
    engine: &Engine,
    connection_id: ConnectionId,
    progress: impl Fn(&Progress) + Send + Sync,
) -> Result<RefreshReport> {
    engine.db(move |v| jobs::enqueue_extract(v, connection_id, Utc::now())).await?;
    run_jobs(engine, Some(vec![connection_id]), progress).await
}

/// Runs every runnable job (of `only` connections, if given) until none is left.
pub(crate) async fn run_jobs(
    engine: &Engine,
    only: Option<Vec<ConnectionId>>,
    progress: impl Fn(&Progress) + Send + Sync,
) -> Result<RefreshReport> {
    // One process at a time runs a profile's jobs (the app, the daemon, a CLI command): the
    // others wait their turn. Holding it, a job still marked running is a dead process's, and
    // goes back to the queue.
    let _runner = jobs::RunnerLock::take(engine.paths().dir.clone()).await?;
    engine.db(|v| jobs::recover(v).map(|_| ())).await?;
    let mut report = RefreshReport::default();
    let mut tally = {
        let only = only.clone();
        engine
            .db(move |v| {
                let queued: Vec<ConnectionId> = match only {
                    Some(ids) => ids,
                    None => jobs::queued_connections(v)?,
                };
                let mut accounts_total = 0;
                for id in &queued {
                    accounts_total += accounts_of(v, *id)?;
                }
                Ok(Tally { total: queued.len() as u32, accounts_total, ..Tally::default() })
            })
            .await?
    };
    loop {
        let filter = only.clone();
        let Some(job) = engine.db(move |v| jobs::claim_next(v, Utc::now(), filter.as_deref())).await? else { break };
        let c = {
            let id = job.connection_id;
            engine.db(move |v| connection::get(v, id)).await
        };
        let c = match c {
            Ok(c) => c,
            Err(e) => {
                let job2 = job.clone();
                engine.db(move |v| jobs::finish(v, &job2, Err(&e), Utc::now())).await?;
                continue;
            }
        };
        let known = {
            let id = c.id;
            engine.db(move |v| accounts_of(v, id)).await?
        };
        progress(&tally.progress(&c.label, Phase::Fetching, 0));
        let result = extract(engine, &c, &progress, tally, known).await;
        let outcome = match result {
            Ok((summary, warnings)) => {
                let job2 = job.clone();
                engine.db(move |v| jobs::finish(v, &job2, Ok(()), Utc::now())).await?;
                ConnectionOutcome {
                    connection: c.label.clone(),
                    provider: c.provider,
                    summary: Some(summary),
                    error: None,
                    warnings,
                }
            }
            Err(e) => {
                let payload = e.payload();
                let (job2, id, reason) = (job.clone(), c.id, e.message().to_owned());
                let kind_status = match e.kind() {
                    ErrorKind::ProviderAuth => Some(ConnectionStatus::NeedsAttention),
                    ErrorKind::RateLimited => Some(ConnectionStatus::RateLimited),
                    _ => None,
                };
                let (label, last_success) =
                    (c.label.clone(), c.last_success_at.clone().unwrap_or_else(|| "never".into()));
                engine
                    .db(move |v| {
                        // A failure that outlasts its retries (a bank that keeps answering
                        // errors, a reply that never reads) needs the user too, with its reason.
                        let gave_up = jobs::finish(v, &job2, Err(&e), Utc::now())?;
                        let status = kind_status.or(gave_up.then_some(ConnectionStatus::NeedsAttention));
                        if let Some(status) = status {
                            connection::set_status(v, id, status, Some(&reason), false)?;
                        }
                        if status == Some(ConnectionStatus::NeedsAttention) {
                            // Once per failure episode: until the connection works again.
                            v.write(|w| {
                                alerts::enqueue(
                                    w,
                                    "account_attention",
                                    &format!("attention:{id}:{last_success}"),
                                    &format!("{label} needs attention"),
                                    &reason,
                                )
                            })?;
                        }
                        Ok(())
                    })
                    .await?;
                ConnectionOutcome {
                    connection: c.label.clone(),
                    provider: c.provider,
                    summary: None,
                    error: Some(payload),
                    warnings: Vec::new(),
                }
            }
        };
        let phase = if outcome.error.is_some() { Phase::Failed } else { Phase::Done };
        let fetched = outcome.summary.as_ref().map_or(0, |s| s.added + s.updated + s.posted + s.unchanged);
        report.outcomes.push(outcome);
        // The connection's accounts now (its first fetch may have added some).
        let now_known = {
            let id = c.id;
            engine.db(move |v| accounts_of(v, id)).await?
        };
        tally.done = report.outcomes.len() as u32;
        tally.total = tally.total.max(tally.done);
        tally.accounts_total = (tally.accounts_total + now_known).saturating_sub(known);
        tally.accounts_done += now_known;
        progress(&tally.progress(&c.label, phase, fetched));
    }
    Ok(report)
}

/// One connection: fetch, store the raw payload, apply in one transaction.
async fn extract(
    engine: &Engine,
    c: &Connection,
    progress: &(impl Fn(&Progress) + Send + Sync),
    tally: Tally,
    known_accounts: u32,
) -> Result<(ApplySummary, Vec<String>)> {
    let today = Utc::now().date_naive();
    if c.budget_left(today) == 0 {
        return Err(Error::new(
            ErrorKind::RateLimited,
            format!(
                "{} was refreshed {} times today, its daily limit: it refreshes again tomorrow",
                c.label,
                c.provider.daily_budget()
            ),
        ));
    }
    let history = c.config["history_days"].as_i64().unwrap_or(FIRST_HISTORY_DAYS);
    let start =
        c.last_success().map_or(today - Duration::days(history), |t| t.date_naive() - Duration::days(OVERLAP_DAYS));
    let mut requests = 0u32;
    let fetched = fetch(engine, c, start, today, &mut requests).await;
    {
        let id = c.id;
        engine.db(move |v| connection::count_requests(v, id, requests, today)).await?;
    }
    let (raw_id, statement) = fetched?;
    let count: u32 = statement.accounts.iter().map(|a| a.transactions.len() as u32).sum();
    // The statement's accounts replace those known before in the total.
    let statement_accounts = statement.accounts.len() as u32;
    let tally = Tally {
        accounts_total: (tally.accounts_total + statement_accounts.max(known_accounts)).saturating_sub(known_accounts),
        ..tally
    };
    progress(&tally.progress(&c.label, Phase::Saving, count));
    let warnings = statement.warnings.clone();
    let (id, provider) = (c.id, c.provider.as_str());
    let window = Some((start, today));
    let dictionary = engine.dictionary();
    let summary = engine
        .db(move |v| {
            let summary =
                ingestion::apply(v, &Target::Connection { id, provider }, &statement, raw_id, window, dictionary)?;
            connection::set_status(v, id, ConnectionStatus::Ok, None, true)?;
            Ok(summary)
        })
        .await?;
    Ok((summary, warnings))
}

/// Stores a provider's reply in the vault (its own small transaction) before anything reads
/// it, so a reply Spearmint cannot read is kept for audit and for a later release to
/// re-process; hands the body back for reading. Only a reply in the provider's own format is
/// kept (an HTML page or an answer of anything else is not a statement worth keeping).
async fn keep_raw(
    engine: &Engine,
    c: &Connection,
    media_type: &'static str,
    body: Vec<u8>,
) -> Result<(Option<i64>, Vec<u8>)> {
    let source = c.provider.as_str();
    let expected = match c.provider {
        ProviderKind::Ofx => spearmint_formats::Format::Ofx,
        _ => spearmint_formats::Format::SimpleFin,
    };
    if spearmint_formats::detect(&body, None) != Some(expected) {
        return Ok((None, body));
    }
    engine.db(move |v| Ok((Some(ingestion::store_raw(v, source, media_type, &body)?), body))).await
}

/// Fetches the connection's statements, keeping each raw reply before reading it; returns
/// the id of the last reply kept and what they say.
async fn fetch(
    engine: &Engine,
    c: &Connection,
    start: NaiveDate,
    end: NaiveDate,
    requests: &mut u32,
) -> Result<(Option<i64>, Statement)> {
    match c.provider {
        ProviderKind::Demo => {
            // The demo is the sandbox bank, in-process, reached through the real SimpleFIN
            // client over loopback HTTP: the same code path as a real bank.
            let seed = c.config["seed"].as_u64().unwrap_or(42);
            let bank = spearmint_sandbox_bank::SandboxBank::start(spearmint_sandbox_bank::BankConfig {
                seed,
                today: end,
                history_days: c.config["history_days"].as_u64().map_or(FIRST_HISTORY_DAYS as u32, |d| d as u32),
                tls: false,
            })
            .await
            .map_err(|e| Error::internal("the demo bank could not start", e))?;
            // The demo bank runs in this process, on loopback.
            let client = SimpleFin::new(http::Reach::LOOPBACK_TOO)?;
            let mut demo_requests = 0;
            let result = async {
                let access = client.claim(&bank.simplefin_setup_token(), &mut demo_requests).await?;
                client.accounts(&access, start, end, &mut demo_requests).await
            }
            .await;
            bank.shutdown().await;
            let (raw_id, body) = keep_raw(engine, c, "application/json", result?).await?;
            Ok((raw_id, SimpleFin::read_accounts(&body)?))
        }
        ProviderKind::Simplefin => {
            let entry = c.keychain();
            let access = Engine::blocking(move || entry.load_secret()).await?;
            let access = AccessUrl::new(access.to_string());
            let body = SimpleFin::new(reach(engine))?.accounts(&access, start, end, requests).await?;
            let (raw_id, body) = keep_raw(engine, c, "application/json", body).await?;
            Ok((raw_id, SimpleFin::read_accounts(&body)?))
        }
        ProviderKind::Ofx => {
            let bank: OfxBank = serde_json::from_value(c.config["bank"].clone()).map_err(|_| {
                Error::new(ErrorKind::Corrupt, "this OFX connection's settings are damaged: connect the bank again")
            })?;
            let entry = c.keychain();
            let secret = Engine::blocking(move || entry.load_secret()).await?;
            let login: StoredLogin<String> = serde_json::from_str(&secret).map_err(|_| {
                Error::new(ErrorKind::KeyMissing, "the bank login in the keychain is damaged: connect the bank again")
            })?;
            // Moved, not copied, into buffers that are wiped when dropped.
            let credentials =
                OfxCredentials { user: Zeroizing::new(login.user), password: Zeroizing::new(login.password) };
            let client = OfxClient::new(client_uid(engine).await?, reach(engine))?;
            let mut raw_id = None;
            let mut statement = Statement::default();
            for a in c.config["accounts"].as_array().cloned().unwrap_or_default() {
                let account = OfxAccountRef {
                    acct_id: a["acct_id"].as_str().unwrap_or_default().to_owned(),
                    bank_id: a["bank_id"].as_str().map(str::to_owned),
                    kind: spearmint_core::AccountKind::parse(a["kind"].as_str().unwrap_or("checking"))
                        .unwrap_or(spearmint_core::AccountKind::Checking),
                };
                let raw = client.statement(&bank, &credentials, &account, start, end, requests).await?;
                let (id, raw) = keep_raw(engine, c, "application/x-ofx", raw).await?;
                raw_id = id.or(raw_id);
                // A refused sign-on inside the reply stops here, before the next account's
                // request: a wrong password is not sent again and again.
                let s = OfxClient::read_statement(&bank, &raw)?;
                let name = a["name"].as_str().map(str::to_owned);
                statement.accounts.extend(s.accounts.into_iter().map(|mut acc: StatementAccount| {
                    if acc.name.is_none() {
                        acc.name.clone_from(&name);
                    }
                    acc
                }));
                statement.warnings.extend(s.warnings);
            }
            Ok((raw_id, statement))
        }
    }
}
