//! The notification outbox. Alerts are raised by every write itself (`crate::alerts`); these
//! read the outbox, deliver it, and check budgets on request.

use chrono::Utc;

use crate::alerts::{self, Notification, Notifier};
use crate::background;
use crate::engine::Engine;
use crate::error::Result;
use spearmint_core::NotificationId;

impl Engine {
    /// The outbox, newest first.
    pub fn notifications(&self) -> Result<Vec<Notification>> {
        self.with_vault(|v| alerts::list(v.read()))
    }

    /// Marks alerts read (`read` true) or unread in the app; an id not in the outbox is
    /// `NotFound`.
    pub fn mark_notifications(&self, ids: &[NotificationId], read: bool) -> Result<()> {
        self.with_vault(|v| v.write(|w| alerts::mark_read(w, ids, read)))
    }

    /// Delivers every pending notification; returns how many went out. Failures stay pending.
    pub fn deliver_notifications(&self, notifier: &dyn Notifier) -> Result<u32> {
        background::deliver(self, notifier)
    }

    /// Delivers every pending notification with the engine's notifier ([`Engine::set_notifier`]).
    pub fn deliver_pending(&self) -> Result<u32> {
        background::deliver(self, self.notifier().as_ref())
    }

    /// Checks this month's and last month's budgets now (every write already does).
    pub fn check_recent_budgets(&self) -> Result<u32> {
        self.check_budgets(&alerts::recent_months(Utc::now().date_naive()))
    }

    /// Checks the user's budgets of `months` (only the current and previous month alert: an old
    /// statement imported today is history, not news) and puts each newly crossed threshold
    /// in the outbox: the highest one a change crossed, once per month and category, never a lower
    /// one after a higher. Returns how many are new.
    pub fn check_budgets(&self, months: &[String]) -> Result<u32> {
        self.with_vault(|v| v.write(|w| alerts::check(w, months)))
    }
}
