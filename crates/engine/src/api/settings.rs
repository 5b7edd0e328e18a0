//! The user's settings: the daily refresh's time.

use chrono::{DateTime, Utc};
use spearmint_core::schedule::Daily;

use crate::background::{self, DailyRefresh};
use crate::engine::Engine;
use crate::error::Result;

impl Engine {
    /// The daily extraction's time, and when it next runs after `now`.
    pub fn daily_refresh(&self, now: DateTime<Utc>) -> Result<DailyRefresh> {
        background::daily_refresh(self, now)
    }

    /// The daily schedule: the time of day (local time) from settings, 06:00 by default, with a
    /// jitter fixed per vault.
    pub fn daily_schedule(&self) -> Result<Daily> {
        background::daily_schedule(self)
    }

    /// Sets the time of day (`HH:MM`, on this machine's clock: its local time zone) of the daily
    /// extraction. A time a clock change skips runs when the clock jumps; one it repeats, once.
    pub fn set_daily_time(&self, at: &str) -> Result<()> {
        background::set_daily_time(self, at)
    }
}
