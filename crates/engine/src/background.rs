//! The background task, shared by the desktop app and `spearmint daemon`: the daily extraction
//! at the user's time of day on their own clock (`chrono::Local`: the system's time zone, or
//! `$TZ`) with jitter (caught up after sleep or downtime, only for a profile used in the last
//! 30 days), and the queued jobs' retries with backoff.

use std::future::Future;

use chrono::{DateTime, Local, NaiveTime, Utc};
use spearmint_core::schedule::Daily;

use crate::alerts;
use crate::engine::Engine;
use crate::error::{Error, ErrorKind, Result};
use crate::provider::connection::{self, ConnectionStatus};
use crate::provider::jobs;
use crate::provider::refresh::{self, RefreshReport};
use crate::sync;
use crate::vault::lock::ProfileLock;
use crate::vault::settings;

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

/// The daily extraction's time, and when it next runs after `now`.
pub(crate) fn daily_refresh(engine: &Engine, now: DateTime<Utc>) -> Result<DailyRefresh> {
    let daily = daily_schedule(engine)?;
    Ok(DailyRefresh {
        at: daily.at.format("%H:%M").to_string(),
        jitter_minutes: daily.jitter_minutes,
        next_run: daily.next_slot(&Local, now).to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    })
}

/// The daily schedule: the time of day (local time) from settings, 06:00 by default, with a
/// jitter fixed per vault.
pub(crate) fn daily_schedule(engine: &Engine) -> Result<Daily> {
    engine.with_vault(|v| {
        let at = settings::daily_at(v.read())?;
        let seed = settings::vault_id(v.read())?
            .unwrap_or_default()
            .bytes()
            .fold(0u64, |h, b| h.rotate_left(5) ^ u64::from(b));
        Ok(Daily { at: at.unwrap_or(Daily::default().at), jitter_seed: seed, ..Daily::default() })
    })
}

/// Sets the time of day (`HH:MM`, on this machine's clock: its local time zone) of the daily
/// extraction. A time a clock change skips runs when the clock jumps; one it repeats, once.
pub(crate) fn set_daily_time(engine: &Engine, at: &str) -> Result<()> {
    let t = NaiveTime::parse_from_str(at, "%H:%M")
        .map_err(|_| Error::new(ErrorKind::Invalid, format!("`{at}` is not a time of day: use HH:MM, e.g. 06:30")))?;
    engine.with_vault(|v| v.write(|w| settings::set_daily_at(w, t)))
}

/// One round of the background task at `now`: queues the daily extraction when it is due,
/// runs the runnable jobs, and says when to wake up next.
pub(crate) async fn tick(engine: &Engine, now: DateTime<Utc>) -> Result<(RefreshReport, DateTime<Utc>)> {
    let daily = daily_schedule(engine)?;
    let due = engine
        .db(move |v| {
            let last_run = settings::last_daily_run(v.read())?;
            let last_used = settings::last_used(v.read())?;
            if !daily.due(&Local, now, last_run, last_used) {
                return Ok(false);
            }
            // A connection whose credentials were refused waits for the user to reconnect:
            // knocking daily with a dead login helps no one and can lock the account.
            for c in connection::list(v)?.into_iter().filter(|c| c.status != ConnectionStatus::NeedsAttention) {
                jobs::enqueue_extract(v, c.id, now)?;
            }
            v.write(|w| settings::set_last_daily_run(w, now))?;
            Ok(true)
        })
        .await?;
    let _ = due;
    let report = refresh::run_jobs(engine, None, |_| {}).await?;
    // Sync, when the vault syncs and it is time: its changes go out and the other devices'
    // come in (raising their alerts, delivered below). A failure (offline, the server down) is
    // kept for the status and retried later; everything works meanwhile without the server.
    // The sync's vault work (sealing, merging a big download) blocks: it runs on a blocking
    // thread, driving its requests from there, never on the runtime's own threads.
    let mut next_sync = sync::client::next_sync(engine, now)?;
    if next_sync.is_some_and(|t| t <= now) {
        let (syncing, runtime) = (engine.clone(), tokio::runtime::Handle::current());
        let _ = Engine::blocking(move || runtime.block_on(sync::client::sync_now(&syncing))).await;
        next_sync = sync::client::next_sync(engine, Utc::now())?;
    }
    // Failures stay in the outbox and are retried on the next tick.
    let delivering = engine.clone();
    Engine::blocking(move || deliver(&delivering, delivering.notifier().as_ref())).await?;
    let next_job = engine.db(|v| jobs::next_due(v)).await?;
    let next = [Some(daily.next_slot(&Local, now)), next_job, next_sync, Some(now + chrono::Duration::minutes(15))]
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
pub(crate) async fn run_daemon(
    engine: &Engine,
    shutdown: impl Future<Output = ()>,
    on_report: impl Fn(&RefreshReport),
    on_error: impl Fn(&Error),
) -> Result<()> {
    tokio::pin!(shutdown);
    loop {
        let next = match tick(engine, Utc::now()).await {
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

/// Delivers every pending notification, oldest first; returns how many went out. A failure
/// stays pending, to be retried. The vault is not held while the notifier works; the
/// profile's `notifications.lock` is, so that two processes (the app and a CLI command) do
/// not both deliver what each read as pending. A crash between showing a notification and
/// recording it shows it once more, never loses it.
pub(crate) fn deliver(engine: &Engine, notifier: &dyn alerts::Notifier) -> Result<u32> {
    let pending = || -> Result<Vec<alerts::Notification>> {
        Ok(engine.with_vault(|v| alerts::list(v.read()))?.into_iter().filter(|n| n.delivered_at.is_none()).collect())
    };
    if pending()?.is_empty() {
        return Ok(0);
    }
    let _delivering = ProfileLock::take(&engine.paths().dir.join("notifications.lock"), "notification")?;
    // What is pending now: another process may have delivered some while this one waited.
    let pending = pending()?;
    let mut sent = 0;
    for n in pending.iter().rev() {
        let outcome = notifier.deliver(n);
        engine.with_vault(|v| v.write(|w| alerts::mark_delivery(w, n, &outcome)))?;
        sent += u32::from(outcome.is_ok());
    }
    Ok(sent)
}
