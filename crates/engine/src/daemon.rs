//! The background task, shared by the desktop app and `spearmint daemon`: the daily extraction
//! at the user's time of day on their own clock (`chrono::Local`: the system's time zone, or
//! `$TZ`) with jitter (caught up after sleep or downtime, only for a profile used in the last
//! 30 days), and the queued jobs' retries with backoff.

use std::future::Future;

use chrono::{DateTime, Local, NaiveTime, Utc};
use rusqlite::OptionalExtension;
use rusqlite::types::Value;
use spearmint_core::schedule::Daily;

use crate::connection::{self, ConnectionStatus};
use crate::engine::Engine;
use crate::error::{Error, ErrorKind, Result};
use crate::jobs;
use crate::refresh::RefreshReport;
use crate::vault::{Table, Vault};

pub(crate) fn setting(v: &Vault, key: &str) -> Result<Option<String>> {
    Ok(v.read().query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| r.get(0)).optional()?)
}

fn instant(s: Option<String>) -> Option<DateTime<Utc>> {
    s.and_then(|s| DateTime::parse_from_rfc3339(&s).ok()).map(|t| t.with_timezone(&Utc))
}

/// The daily extraction as the app shows and sets it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct DailyRefresh {
    /// The time of day the user chose, `HH:MM` on this machine's clock.
    pub at: String,
    /// The run starts up to this many minutes later (fixed per vault), so that many
    /// installations do not reach a bank at the same second.
    pub jitter_minutes: u32,
    /// When it next runs (RFC 3339, UTC): the time of day plus this vault's jitter.
    pub next_run: String,
}

impl Engine {
    /// The daily extraction's time, and when it next runs after `now`.
    pub fn daily_refresh(&self, now: DateTime<Utc>) -> Result<DailyRefresh> {
        let daily = self.daily_schedule()?;
        Ok(DailyRefresh {
            at: daily.at.format("%H:%M").to_string(),
            jitter_minutes: daily.jitter_minutes,
            next_run: daily.next_slot(&Local, now).to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        })
    }

    /// The daily schedule: the time of day (local time) from settings, 06:00 by default, with a
    /// jitter fixed per vault.
    pub fn daily_schedule(&self) -> Result<Daily> {
        self.with_vault(|v| {
            let at = setting(v, "daily_at")?.and_then(|t| NaiveTime::parse_from_str(&t, "%H:%M").ok());
            let seed =
                setting(v, "vault_id")?.unwrap_or_default().bytes().fold(0u64, |h, b| h.rotate_left(5) ^ u64::from(b));
            Ok(Daily { at: at.unwrap_or(Daily::default().at), jitter_seed: seed, ..Daily::default() })
        })
    }

    /// Sets the time of day (`HH:MM`, on this machine's clock: its local time zone) of the daily
    /// extraction. A time a clock change skips runs when the clock jumps; one it repeats, once.
    pub fn set_daily_time(&self, at: &str) -> Result<()> {
        let t = NaiveTime::parse_from_str(at, "%H:%M").map_err(|_| {
            Error::new(ErrorKind::Invalid, format!("`{at}` is not a time of day: use HH:MM, e.g. 06:30"))
        })?;
        self.with_vault(|v| {
            v.write(|w| w.upsert(Table::SETTINGS, "daily_at", &[("value", Value::Text(t.format("%H:%M").to_string()))]))
        })
    }

    /// One round of the background task at `now`: queues the daily extraction when it is due,
    /// runs the runnable jobs, and says when to wake up next.
    pub async fn tick(&self, now: DateTime<Utc>) -> Result<(RefreshReport, DateTime<Utc>)> {
        let daily = self.daily_schedule()?;
        let due = self
            .db(move |v| {
                let last_run = instant(setting(v, "last_daily_run")?);
                let last_used = instant(
                    v.read()
                        .query_row("SELECT last_used_at FROM activity WHERE id = 1", [], |r| r.get(0))
                        .optional()?,
                );
                if !daily.due(&Local, now, last_run, last_used) {
                    return Ok(false);
                }
                // A connection whose credentials were refused waits for the user to reconnect:
                // knocking daily with a dead login helps no one and can lock the account.
                for c in connection::list(v)?.into_iter().filter(|c| c.status != ConnectionStatus::NeedsAttention) {
                    jobs::enqueue_extract(v, &c.id, now)?;
                }
                let stamp = now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
                v.write(|w| w.upsert(Table::SETTINGS, "last_daily_run", &[("value", Value::Text(stamp))]))?;
                Ok(true)
            })
            .await?;
        let _ = due;
        self.db(jobs::recover).await?;
        let report = self.run_jobs(None, |_| {}).await?;
        let engine = self.clone();
        // Failures stay in the outbox and are retried on the next tick.
        Self::blocking(move || engine.deliver_notifications(&crate::notify::DesktopNotifier)).await?;
        let next_job = self.db(|v| jobs::next_due(v)).await?;
        let next = [Some(daily.next_slot(&Local, now)), next_job, Some(now + chrono::Duration::minutes(15))]
            .into_iter()
            .flatten()
            .filter(|t| *t > now)
            .min()
            .unwrap_or(now + chrono::Duration::minutes(15));
        Ok((report, next))
    }

    /// Runs the background task until `shutdown` resolves. Wakes at the next scheduled instant,
    /// and at least every 15 minutes, so a machine that slept catches up soon after waking.
    /// An error (a locked vault, a full disk) is reported and the loop goes on a minute later:
    /// the background task outlives any one failure.
    pub async fn run_daemon(
        &self,
        shutdown: impl Future<Output = ()>,
        on_report: impl Fn(&RefreshReport),
        on_error: impl Fn(&Error),
    ) -> Result<()> {
        tokio::pin!(shutdown);
        loop {
            let next = match self.tick(Utc::now()).await {
                Ok((report, next)) => {
                    if !report.outcomes.is_empty() {
                        on_report(&report);
                    }
                    next
                }
                Err(e) => {
                    on_error(&e);
                    Utc::now() + chrono::Duration::minutes(1)
                }
            };
            let wait = (next - Utc::now()).to_std().unwrap_or_default().min(std::time::Duration::from_secs(15 * 60));
            tokio::select! {
                () = &mut shutdown => return Ok(()),
                () = tokio::time::sleep(wait) => {}
            }
        }
    }
}
