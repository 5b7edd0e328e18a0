//! The background task, shared by the desktop app and `spearmint daemon`.

use std::future::Future;

use chrono::{DateTime, Utc};

use crate::background;
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::provider::refresh::RefreshReport;

impl Engine {
    /// One round of the background task at `now`: queues the daily extraction when it is due,
    /// runs the runnable jobs, delivers notifications, and says when to wake up next.
    pub async fn tick(&self, now: DateTime<Utc>) -> Result<(RefreshReport, DateTime<Utc>)> {
        background::tick(self, now).await
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
        background::run_daemon(self, shutdown, on_report, on_error).await
    }
}
