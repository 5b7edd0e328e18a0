//! Connections: one login at a provider, holding one or more accounts. The row keeps the
//! provider, a label, non-secret settings and the name of the keychain entry; the credentials
//! themselves (a SimpleFIN access URL, an OFX user name and password) live in the keychain.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::types::Value;
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};

use spearmint_core::ConnectionId;

use crate::error::{Error, ErrorKind, Hint, Result};
use crate::keychain::KeychainEntry;
use crate::vault::{Table, Vault, now_rfc3339};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ProviderKind {
    Demo,
    Simplefin,
    Ofx,
}

impl ProviderKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderKind::Demo => "demo",
            ProviderKind::Simplefin => "simplefin",
            ProviderKind::Ofx => "ofx",
        }
    }

    fn parse(s: &str) -> Result<ProviderKind> {
        Ok(match s {
            "demo" => ProviderKind::Demo,
            "simplefin" => ProviderKind::Simplefin,
            "ofx" => ProviderKind::Ofx,
            other => return Err(Error::new(ErrorKind::Corrupt, format!("unknown provider `{other}` in the vault"))),
        })
    }

    /// Requests a connection may make per day. The SimpleFIN Bridge disables tokens used more
    /// than about 24 times a day; banks frown on more than a few OFX downloads.
    pub fn daily_budget(self) -> u32 {
        match self {
            ProviderKind::Demo => u32::MAX,
            ProviderKind::Simplefin => 16,
            ProviderKind::Ofx => 24,
        }
    }
}

/// A connection's health, as the UI shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ConnectionStatus {
    Ok,
    NeedsAttention,
    RateLimited,
}

impl ConnectionStatus {
    fn as_str(self) -> &'static str {
        match self {
            ConnectionStatus::Ok => "ok",
            ConnectionStatus::NeedsAttention => "needs_attention",
            ConnectionStatus::RateLimited => "rate_limited",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct Connection {
    pub id: ConnectionId,
    pub provider: ProviderKind,
    pub label: String,
    pub status: ConnectionStatus,
    pub status_reason: Option<String>,
    pub last_success_at: Option<String>,
    #[serde(skip)]
    #[ts(skip)]
    pub(crate) config: serde_json::Value,
    #[serde(skip)]
    #[ts(skip)]
    pub(crate) requests_day: Option<String>,
    #[serde(skip)]
    #[ts(skip)]
    pub(crate) requests_today: u32,
}

impl Connection {
    /// The requests counted against the provider's daily budget on `today` (UTC).
    pub fn requests_on(&self, today: NaiveDate) -> u32 {
        if self.requests_day.as_deref() == Some(&today.to_string()) { self.requests_today } else { 0 }
    }

    pub(crate) fn keychain(&self) -> KeychainEntry {
        KeychainEntry::new(format!("connection:{}", self.id))
    }

    pub(crate) fn last_success(&self) -> Option<DateTime<Utc>> {
        self.last_success_at
            .as_deref()
            .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
            .map(|t| t.with_timezone(&Utc))
    }

    /// Requests left today.
    pub(crate) fn budget_left(&self, today: NaiveDate) -> u32 {
        let used = if self.requests_day.as_deref() == Some(&today.to_string()) { self.requests_today } else { 0 };
        self.provider.daily_budget().saturating_sub(used)
    }
}

pub(crate) fn create(
    vault: &mut Vault,
    provider: ProviderKind,
    label: &str,
    config: serde_json::Value,
) -> Result<ConnectionId> {
    let id = ConnectionId::new();
    vault.write(|w| {
        w.insert(
            Table::CONNECTIONS,
            &id.to_string(),
            &[
                ("provider", Value::Text(provider.as_str().into())),
                ("label", Value::Text(label.to_owned())),
                ("credential_ref", Value::Text(format!("connection:{id}"))),
                ("config", Value::Text(config.to_string())),
                ("created_at", Value::Text(now_rfc3339())),
            ],
        )
    })?;
    Ok(id)
}

pub(crate) fn list(vault: &Vault) -> Result<Vec<Connection>> {
    let mut stmt = vault.read().prepare(
        "SELECT id, provider, label, status, status_reason, last_success_at, config, requests_day, requests_today
         FROM connections ORDER BY created_at, id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, Option<String>>(4)?,
            r.get::<_, Option<String>>(5)?,
            r.get::<_, String>(6)?,
            r.get::<_, Option<String>>(7)?,
            r.get::<_, u32>(8)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, provider, label, status, status_reason, last_success_at, config, requests_day, requests_today) = row?;
        let id = id.parse().map_err(|_| Error::new(ErrorKind::Corrupt, "a connection has a malformed id"))?;
        out.push(Connection {
            id,
            provider: ProviderKind::parse(&provider)?,
            label,
            status: match status.as_str() {
                "needs_attention" => ConnectionStatus::NeedsAttention,
                "rate_limited" => ConnectionStatus::RateLimited,
                _ => ConnectionStatus::Ok,
            },
            status_reason,
            last_success_at,
            config: serde_json::from_str(&config).unwrap_or_default(),
            requests_day,
            requests_today,
        });
    }
    Ok(out)
}

pub(crate) fn get(vault: &Vault, id: ConnectionId) -> Result<Connection> {
    list(vault)?
        .into_iter()
        .find(|c| c.id == id)
        .ok_or_else(|| Error::new(ErrorKind::NotFound, format!("there is no connection {id}")))
}

/// The connection an account belongs to, if any.
pub(crate) fn of_account(vault: &Vault, account: &str) -> Result<Option<ConnectionId>> {
    let found: Option<Option<String>> = vault
        .read()
        .query_row("SELECT connection_id FROM accounts WHERE id = ?1", [account], |r| r.get(0))
        .optional()?;
    match found {
        None => Err(Error::new(
            ErrorKind::NotFound,
            format!("there is no account {account}: choose one from the account list"),
        )
        .with_hint(Hint::ListAccounts)),
        Some(c) => Ok(c.and_then(|c| c.parse().ok())),
    }
}

/// Counts requests against today's budget.
pub(crate) fn count_requests(vault: &mut Vault, id: ConnectionId, n: u32, today: NaiveDate) -> Result<()> {
    if n == 0 {
        return Ok(());
    }
    // Read and written in one IMMEDIATE write: two processes refreshing at once both count.
    vault.write(|w| {
        let (day, used): (Option<String>, u32) = w
            .read()
            .query_row("SELECT requests_day, requests_today FROM connections WHERE id = ?1", [id.to_string()], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?
            .ok_or_else(|| Error::new(ErrorKind::NotFound, format!("there is no connection {id}")))?;
        let used = if day.as_deref() == Some(&today.to_string()) { used } else { 0 };
        w.update(
            Table::CONNECTIONS,
            &id.to_string(),
            &[
                ("requests_day", Value::Text(today.to_string())),
                ("requests_today", Value::Integer(i64::from(used.saturating_add(n)))),
                ("last_attempt_at", Value::Text(now_rfc3339())),
            ],
        )
        .map(|_| ())
    })
}

/// Sets the connection's and its accounts' status.
pub(crate) fn set_status(
    vault: &mut Vault,
    id: ConnectionId,
    status: ConnectionStatus,
    reason: Option<&str>,
    success: bool,
) -> Result<()> {
    vault.write(|w| {
        let mut cells = vec![
            ("status", Value::Text(status.as_str().into())),
            ("status_reason", reason.map_or(Value::Null, |r| Value::Text(r.to_owned()))),
        ];
        if success {
            cells.push(("last_success_at", Value::Text(now_rfc3339())));
        }
        w.update(Table::CONNECTIONS, &id.to_string(), &cells)?;
        let accounts: Vec<String> = {
            let mut stmt = w.read().prepare("SELECT id FROM accounts WHERE connection_id = ?1")?;
            stmt.query_map(params![id.to_string()], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?
        };
        for account in accounts {
            w.update(
                Table::ACCOUNTS,
                &account,
                &[
                    ("status", Value::Text(status.as_str().into())),
                    ("status_reason", reason.map_or(Value::Null, |r| Value::Text(r.to_owned()))),
                ],
            )?;
        }
        Ok(())
    })
}

/// What removing a connection or an account did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct Removed {
    /// Accounts removed, or (when their transactions were kept) turned into manual accounts.
    pub accounts: u32,
    /// Transactions removed with them (none when they were kept).
    pub transactions: u32,
}

/// Removes a connection in one write: its jobs and its row; its accounts either stay, as
/// manual accounts with every transaction (`keep_transactions`), or go with their transactions.
/// The caller deletes its keychain entry once this has committed.
pub(crate) fn remove(vault: &mut Vault, id: ConnectionId, keep_transactions: bool) -> Result<Removed> {
    get(vault, id)?;
    let accounts = ids_of(vault, "SELECT id FROM accounts WHERE connection_id = ?1", &id.to_string())?;
    let jobs: Vec<String> = {
        let mut stmt = vault.read().prepare("SELECT id, payload FROM jobs")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        let mut mine = Vec::new();
        for row in rows {
            let (job, payload) = row?;
            let of = serde_json::from_str::<serde_json::Value>(&payload).ok();
            if of.as_ref().and_then(|p| p["connection_id"].as_str()) == Some(id.to_string().as_str()) {
                mine.push(job);
            }
        }
        mine
    };
    let doomed = if keep_transactions { Vec::new() } else { transactions_of(vault, &accounts)? };
    vault.write(|w| {
        for job in &jobs {
            w.delete(Table::JOBS, job)?;
        }
        if keep_transactions {
            for account in &accounts {
                // Theirs now: no bank refreshes them, and a new link finds them by the bank's id.
                w.update(
                    Table::ACCOUNTS,
                    account,
                    &[
                        ("connection_id", Value::Null),
                        ("provider", Value::Text("manual".into())),
                        ("provider_account_id", Value::Null),
                        ("status", Value::Text("ok".into())),
                        ("status_reason", Value::Null),
                    ],
                )?;
            }
        } else {
            delete_accounts(w, &accounts, &doomed)?;
        }
        w.delete(Table::CONNECTIONS, &id.to_string())?;
        Ok(())
    })?;
    Ok(Removed { accounts: accounts.len() as u32, transactions: doomed.len() as u32 })
}

/// Removes an account that no connection holds, with every transaction in it.
pub(crate) fn remove_account(vault: &mut Vault, account: spearmint_core::AccountId) -> Result<Removed> {
    match of_account(vault, &account.to_string())? {
        Some(_) => Err(Error::new(
            ErrorKind::Invalid,
            "this account comes from a linked bank: disconnect the bank instead (its transactions can be kept)",
        )),
        None => {
            let accounts = vec![account.to_string()];
            let doomed = transactions_of(vault, &accounts)?;
            vault.write(|w| delete_accounts(w, &accounts, &doomed))?;
            Ok(Removed { accounts: 1, transactions: doomed.len() as u32 })
        }
    }
}

fn ids_of(vault: &Vault, sql: &str, arg: &str) -> Result<Vec<String>> {
    let mut stmt = vault.read().prepare(sql)?;
    let ids = stmt.query_map([arg], |r| r.get::<_, String>(0))?.collect::<rusqlite::Result<_>>()?;
    Ok(ids)
}

/// The transactions of `accounts`, and whether each is split.
fn transactions_of(vault: &Vault, accounts: &[String]) -> Result<Vec<(String, bool)>> {
    let mut out = Vec::new();
    let mut stmt = vault.read().prepare("SELECT id, is_split FROM transactions WHERE account_id = ?1")?;
    for account in accounts {
        let rows = stmt.query_map([account], |r| Ok((r.get::<_, String>(0)?, r.get::<_, bool>(1)?)))?;
        for row in rows {
            out.push(row?);
        }
    }
    Ok(out)
}

pub(crate) fn delete_accounts(
    w: &mut crate::vault::Writer<'_>,
    accounts: &[String],
    doomed: &[(String, bool)],
) -> Result<()> {
    for (transaction, split) in doomed {
        if *split {
            w.replace_children(Table::SPLITS, "transaction_id", transaction, &["position"], &[])?;
        }
        w.delete(Table::TRANSACTIONS, transaction)?;
    }
    // The counts of the accounts that go; their raw payloads stay, for audit, but name no account.
    w.rebuild_account_counts()?;
    for account in accounts {
        let payloads = {
            let mut stmt = w.read().prepare("SELECT id FROM raw_payloads WHERE account_id = ?1")?;
            stmt.query_map([account], |r| r.get::<_, i64>(0))?.collect::<rusqlite::Result<Vec<_>>>()?
        };
        for payload in payloads {
            w.update(Table::RAW_PAYLOADS, &payload.to_string(), &[("account_id", Value::Null)])?;
        }
        let jobs = {
            let mut stmt = w.read().prepare("SELECT id FROM jobs WHERE account_id = ?1")?;
            stmt.query_map([account], |r| r.get::<_, String>(0))?.collect::<rusqlite::Result<Vec<_>>>()?
        };
        for job in jobs {
            w.delete(Table::JOBS, &job)?;
        }
        w.delete(Table::ACCOUNTS, account)?;
    }
    Ok(())
}

/// Deletes a removed connection's login from the keychain (a missing one is already gone).
pub(crate) fn forget_login(entry: &KeychainEntry) -> Result<()> {
    entry.delete().map_err(|e| {
        Error::new(
            ErrorKind::KeychainUnavailable,
            format!(
                "the bank is disconnected, but its login could not be removed from the keychain ({}): \
                 remove the entry named {} there",
                e.message(),
                entry.account
            ),
        )
    })
}
