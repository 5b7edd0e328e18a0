//! spearmint-sandbox-bank: a bank that speaks the real protocols, SimpleFIN and OFX Direct
//! Connect, over real HTTP (or HTTPS with a test CA) on 127.0.0.1, with deterministic,
//! realistic generated data. It is the demo's default bank, the engine's test double and the
//! benchmark's load (see [`write_csv`]).
//!
//! It must not depend on `spearmint-engine`: it is the engine's test double, and a double that
//! shares the engine's code would agree with the engine's bugs. It depends only on
//! `spearmint-core` for money and account kinds.
//!
//! The data: a customer with a checking account, a savings account and a credit card; pay,
//! rent, bills, groceries, restaurants, fuel, subscriptions, transfers between the accounts
//! (both sides), a card autopay, refunds, ATM withdrawals and checks, under the messy
//! descriptors banks really print. Each day's events depend only on the seed and that date, so
//! ids are stable across requests, restarts and [`SandboxBank::advance_days`]; card purchases
//! stay pending for one to three days and then post under a new id with the same amount.
//! [`SandboxBank::truth`] is what the bank shows, for tests to compare against.

#![forbid(unsafe_code)]

mod csv;
mod faults;
mod ledger;
mod merchant;
mod ofx;
mod server;
mod simplefin;
mod state;
mod tls;

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDate;
use spearmint_core::{AccountKind, Currency, Money};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use faults::{FaultCounters, Faults};
pub use tls::{TestCertificate, test_certificate};

use state::Shared;

/// How a bank is set up. Two banks with the same config answer every request identically
/// (apart from the tokens and credentials they mint).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankConfig {
    /// Decides the customer, their accounts and every transaction.
    pub seed: u64,
    /// The bank's current date. It never reads the clock; [`SandboxBank::advance_days`] moves it.
    pub today: NaiveDate,
    /// How far back the books go from `today` at start.
    pub history_days: u32,
    /// Serve HTTPS with a freshly minted test CA ([`SandboxBank::ca_certificate_pem`]).
    pub tls: bool,
}

impl Default for BankConfig {
    fn default() -> BankConfig {
        BankConfig {
            seed: 42,
            today: NaiveDate::from_ymd_opt(2026, 11, 27).expect("valid date"),
            history_days: 90,
            tls: false,
        }
    }
}

/// What an OFX client needs to sign on.
#[derive(Clone, PartialEq, Eq)]
pub struct OfxLogin {
    pub org: String,
    pub fid: String,
    /// The routing number in `BANKACCTFROM` for the checking and savings accounts.
    pub bank_id: String,
    pub user: String,
    pub password: String,
}

impl std::fmt::Debug for OfxLogin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OfxLogin")
            .field("org", &self.org)
            .field("fid", &self.fid)
            .field("bank_id", &self.bank_id)
            .field("user", &self.user)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// An account as the bank shows it now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TruthAccount {
    /// The SimpleFIN account id and the OFX ACCTID (the same string).
    pub id: String,
    pub name: String,
    pub kind: AccountKind,
    pub currency: Currency,
    /// Posted transactions only; a card owed money is negative.
    pub balance: Money,
    /// The balance less pending card holds (for the card: the credit still available).
    pub available_balance: Money,
    pub balance_on: NaiveDate,
    /// Posted rows by posting date and pending rows by transaction date.
    pub transactions: Vec<TruthTransaction>,
}

/// A transaction as the bank shows it now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TruthTransaction {
    /// The SimpleFIN transaction id and the OFX FITID (the same string). A pending row and the
    /// posted row that replaces it have unrelated ids.
    pub id: String,
    /// The posting date; for a pending row, the transaction date.
    pub posted_on: NaiveDate,
    /// When the purchase happened (SimpleFIN `transacted_at`, OFX `DTUSER`).
    pub transacted_on: NaiveDate,
    pub pending: bool,
    /// Negative is money out.
    pub amount: Money,
    /// The descriptor as the bank prints it (the short form while pending).
    pub description: String,
    /// The clean merchant name SimpleFIN sends as `payee`, when there is one.
    pub payee: Option<String>,
    /// The merchant category code (OFX `SIC`), when there is one.
    pub mcc: Option<u16>,
    pub check_number: Option<String>,
}

/// A running bank. It stops when dropped, or with [`SandboxBank::shutdown`].
pub struct SandboxBank {
    shared: Arc<Shared>,
    ca_pem: Option<String>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for SandboxBank {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxBank").field("base_url", &self.shared.base_url).field("today", &self.today()).finish()
    }
}

pub(crate) fn usd_string(minor: i64) -> String {
    Money::from_minor(minor, Currency::USD).to_plain_string()
}

impl SandboxBank {
    /// Starts a bank on `127.0.0.1` on a free port, on the current tokio runtime.
    pub async fn start(config: BankConfig) -> io::Result<SandboxBank> {
        SandboxBank::start_on(config, SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await
    }

    /// Starts a bank on the given address (the binary's `--port`).
    pub async fn start_on(config: BankConfig, addr: SocketAddr) -> io::Result<SandboxBank> {
        let listener = TcpListener::bind(addr).await?;
        let local = listener.local_addr()?;
        let scheme = if config.tls { "https" } else { "http" };
        let base_url = format!("{scheme}://{local}");
        let tls = if config.tls { Some(tls::mint()?) } else { None };
        let shared = Arc::new(Shared::new(config, base_url));
        let app = server::router(Arc::clone(&shared));
        let (stop, stopped) = oneshot::channel::<()>();
        let signal = async move {
            let _ = stopped.await;
        };
        let ca_pem = tls.as_ref().map(|t| t.ca_pem.clone());
        let task = match tls {
            Some(tls) => {
                let listener = tls::TlsListener::new(listener, tls.config)?;
                tokio::spawn(async move {
                    let _ = axum::serve(listener, app).with_graceful_shutdown(signal).await;
                })
            }
            None => tokio::spawn(async move {
                let _ = axum::serve(listener, app).with_graceful_shutdown(signal).await;
            }),
        };
        Ok(SandboxBank { shared, ca_pem, stop: Some(stop), task: Some(task) })
    }

    /// `http://127.0.0.1:PORT` (`https` with TLS), without a trailing slash.
    pub fn base_url(&self) -> String {
        self.shared.base_url.clone()
    }

    /// A new single-use SimpleFIN setup token: the base64 of `{base}/simplefin/claim/{id}`.
    pub fn simplefin_setup_token(&self) -> String {
        simplefin::setup_token(&self.shared)
    }

    /// `{base}/ofx`.
    pub fn ofx_url(&self) -> String {
        format!("{}/ofx", self.shared.base_url)
    }

    pub fn ofx_login(&self) -> OfxLogin {
        self.shared.login.clone()
    }

    pub fn faults(&self) -> &Faults {
        &self.shared.faults
    }

    /// Moves the bank's today forward: pending rows whose day has come post under new ids,
    /// and the new days' transactions appear.
    pub fn advance_days(&self, n: u32) {
        self.shared.advance_days(n);
    }

    pub fn today(&self) -> NaiveDate {
        self.shared.today()
    }

    /// Every HTTP request received, whatever its answer (for "no retry storm" tests).
    /// The most requests the bank was answering at one moment (a client that never overlaps
    /// its own requests keeps this at 1).
    pub fn most_in_flight(&self) -> u64 {
        self.shared.most_in_flight()
    }

    pub fn requests_served(&self) -> u64 {
        self.shared.requests_served()
    }

    /// Requests received on one route: `/simplefin/info`, `/simplefin/claim` (any token),
    /// `/simplefin/accounts`, `/ofx`, or any other path as sent.
    pub fn requests_to(&self, route: &str) -> u64 {
        self.shared.requests_to(route)
    }

    /// What the bank shows now: every account with its posted and pending transactions.
    pub fn truth(&self) -> Vec<TruthAccount> {
        self.shared.ledger().truth()
    }

    /// The test CA's certificate (PEM) when serving HTTPS.
    pub fn ca_certificate_pem(&self) -> Option<String> {
        self.ca_pem.clone()
    }

    /// Stops accepting, lets requests in flight finish (for up to five seconds), then stops.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(mut task) = self.task.take()
            && tokio::time::timeout(Duration::from_secs(5), &mut task).await.is_err()
        {
            task.abort();
        }
    }
}

impl Drop for SandboxBank {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// The bench and import load: `rows` realistic posted transactions as CSV (header
/// `Date,Description,Amount,Transaction ID`, ISO dates from 2024-01-01 on, amounts like
/// `-12.34`, unique ids), several customers' worth interleaved by date when `rows` is large.
/// Deterministic from `seed`, written as it is generated.
pub fn write_csv(out: &mut impl io::Write, rows: usize, seed: u64) -> io::Result<()> {
    csv::write(out, rows, seed)
}
