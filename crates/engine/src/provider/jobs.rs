//! Durable background jobs in the vault: queued, running, done, failed; attempts; next run.
//! A job left `running` by a crash is queued again on the next start; failures are retried with
//! exponential backoff, except those no retry can fix (refused credentials).

use chrono::{DateTime, Utc};
use rusqlite::OptionalExtension;
use rusqlite::types::Value;

use spearmint_core::{ConnectionId, JobId};

use crate::error::{Error, ErrorKind, Result};
use crate::vault::lock::ProfileLock;
use crate::vault::{Table, Vault};

/// After this many attempts a job stays failed until the user or the next daily run retries.
pub(crate) const MAX_ATTEMPTS: u32 = 5;

#[derive(Debug, Clone)]
pub(crate) struct Job {
    pub id: JobId,
    pub connection_id: ConnectionId,
    pub attempts: u32,
}

fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Queues an extraction of a connection, unless one is already queued or running.
pub(crate) fn enqueue_extract(vault: &mut Vault, connection_id: ConnectionId, now: DateTime<Utc>) -> Result<()> {
    let payload = serde_json::json!({ "connection_id": connection_id }).to_string();
    // Looked up and inserted in one IMMEDIATE write: two processes queue one job, not two.
    vault.write(|w| {
        let existing: Option<String> = w
            .read()
            .query_row(
                "SELECT id FROM jobs WHERE kind = 'extract' AND payload = ?1 AND state IN ('queued', 'running')",
                [&payload],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(id) = existing {
            // A manual refresh does not wait for a backoff.
            return w.update(Table::JOBS, &id, &[("next_run_at", Value::Text(ts(now)))]).map(|_| ());
        }
        w.insert(
            Table::JOBS,
            &JobId::new().to_string(),
            &[
                ("kind", Value::Text("extract".into())),
                ("state", Value::Text("queued".into())),
                ("attempts", Value::Integer(0)),
                ("next_run_at", Value::Text(ts(now))),
                ("payload", Value::Text(payload.clone())),
                ("created_at", Value::Text(ts(now))),
                ("updated_at", Value::Text(ts(now))),
            ],
        )
    })
}

/// The right to run a profile's jobs: `jobs.lock` in the profile, held while jobs run.
#[derive(Debug)]
pub(crate) struct RunnerLock(#[allow(dead_code)] ProfileLock);

impl RunnerLock {
    /// Waits for the lock.
    pub(crate) async fn take(profile_dir: std::path::PathBuf) -> Result<RunnerLock> {
        tokio::task::spawn_blocking(move || ProfileLock::take(&profile_dir.join("jobs.lock"), "job").map(RunnerLock))
            .await
            .map_err(|e| Error::internal("the job lock's thread failed", e))?
    }
}

/// Jobs a crash left running go back to the queue. Only with the [`RunnerLock`] held: then no
/// live process is running them.
pub(crate) fn recover(vault: &mut Vault) -> Result<u32> {
    let ids: Vec<String> = {
        let mut stmt = vault.read().prepare("SELECT id FROM jobs WHERE state = 'running'")?;
        stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?
    };
    vault.write(|w| {
        for id in &ids {
            w.update(Table::JOBS, id, &[("state", Value::Text("queued".into()))])?;
        }
        Ok(ids.len() as u32)
    })
}

/// Takes the next runnable job (optionally of one connection), marking it running.
pub(crate) fn claim_next(vault: &mut Vault, now: DateTime<Utc>, only: Option<&[ConnectionId]>) -> Result<Option<Job>> {
    let mut stmt = vault.read().prepare(
        "SELECT id, payload, attempts FROM jobs WHERE state = 'queued' AND next_run_at <= ?1 ORDER BY next_run_at, id",
    )?;
    let rows: Vec<(String, String, u32)> =
        stmt.query_map([ts(now)], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<rusqlite::Result<_>>()?;
    drop(stmt);
    for (id, payload, attempts) in rows {
        let payload: serde_json::Value = serde_json::from_str(&payload).unwrap_or_default();
        let Some(connection_id) = payload["connection_id"].as_str().and_then(|c| c.parse::<ConnectionId>().ok()) else {
            continue;
        };
        if only.is_some_and(|only| !only.contains(&connection_id)) {
            continue;
        }
        // Claimed only if still queued, checked in the claiming write: of two processes, one
        // runs the job and the other moves on.
        let claimed = vault.write(|w| {
            let still: bool = w.read().query_row(
                "SELECT EXISTS (SELECT 1 FROM jobs WHERE id = ?1 AND state = 'queued')",
                [&id],
                |r| r.get(0),
            )?;
            if !still {
                return Ok(false);
            }
            w.update(
                Table::JOBS,
                &id,
                &[
                    ("state", Value::Text("running".into())),
                    ("attempts", Value::Integer(i64::from(attempts) + 1)),
                    ("updated_at", Value::Text(ts(now))),
                ],
            )
        })?;
        if !claimed {
            continue;
        }
        let id = id.parse().map_err(|_| Error::new(ErrorKind::Corrupt, "a job has a malformed id"))?;
        return Ok(Some(Job { id, connection_id, attempts: attempts + 1 }));
    }
    Ok(None)
}

/// Records a job's outcome: done, retried after a backoff, or failed for good. Returns whether
/// it failed for good (no retry can fix it, or it has had its attempts).
pub(crate) fn finish(
    vault: &mut Vault,
    job: &Job,
    outcome: std::result::Result<(), &Error>,
    now: DateTime<Utc>,
) -> Result<bool> {
    let mut gave_up = false;
    let cells: Vec<(&str, Value)> = match outcome {
        Ok(()) => vec![("state", Value::Text("done".into())), ("last_error", Value::Null)],
        Err(e) => {
            let retry = match e.kind() {
                ErrorKind::ProviderAuth | ErrorKind::Invalid | ErrorKind::NotFound | ErrorKind::KeyMissing => false,
                _ => job.attempts < MAX_ATTEMPTS,
            };
            let wait = match e.kind() {
                // The provider's own budget resets daily.
                ErrorKind::RateLimited => chrono::Duration::hours(6),
                _ => spearmint_core::schedule::backoff(job.attempts, seed(&job.id.to_string())),
            };
            if retry {
                vec![
                    ("state", Value::Text("queued".into())),
                    ("next_run_at", Value::Text(ts(now + wait))),
                    ("last_error", Value::Text(e.message().to_owned())),
                ]
            } else {
                gave_up = true;
                vec![("state", Value::Text("failed".into())), ("last_error", Value::Text(e.message().to_owned()))]
            }
        }
    };
    vault.write(|w| {
        let mut cells = cells.clone();
        cells.push(("updated_at", Value::Text(ts(now))));
        w.update(Table::JOBS, &job.id.to_string(), &cells).map(|_| ())
    })?;
    Ok(gave_up)
}

fn seed(id: &str) -> u64 {
    id.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// The connections with a queued extraction, runnable or waiting for its backoff.
pub(crate) fn queued_connections(vault: &Vault) -> Result<Vec<ConnectionId>> {
    let mut stmt = vault.read().prepare(
        "SELECT DISTINCT json_extract(payload, '$.connection_id') FROM jobs
         WHERE kind = 'extract' AND state = 'queued' AND json_extract(payload, '$.connection_id') IS NOT NULL",
    )?;
    let ids: Vec<String> = stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
    Ok(ids.iter().filter_map(|id| id.parse().ok()).collect())
}

/// When the earliest queued job becomes runnable.
pub(crate) fn next_due(vault: &Vault) -> Result<Option<DateTime<Utc>>> {
    let next: Option<String> =
        vault.read().query_row("SELECT min(next_run_at) FROM jobs WHERE state = 'queued'", [], |r| r.get(0))?;
    Ok(next.and_then(|s| DateTime::parse_from_rfc3339(&s).ok()).map(|t| t.with_timezone(&Utc)))
}
