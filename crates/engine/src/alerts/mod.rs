//! Alerts: budget thresholds crossed and accounts that need the user, put in the notification
//! outbox and delivered natively.
//!
//! Every write to the vault ends in [`after_write`], the vault's commit hook, inside the
//! write's own SQL transaction: whatever changed a month's spending or a budget (an import, a
//! refresh, a manual edit, a split, a recategorization, a rule applied, a sync) is checked
//! there, once, for every client. No write path calls the check itself.

mod notify;

use chrono::{Datelike, NaiveDate, Utc};

pub use notify::{DeliveryError, DesktopNotifier, Notification, Notifier, shown};
pub(crate) use notify::{enqueue, list, mark_delivery, mark_read};

use crate::budget;
use crate::error::Result;
use crate::vault::{Reader, Writer};

/// This month and the one before (`YYYY-MM`): the only months that alert. An old statement
/// imported today is history, not news.
pub(crate) fn recent_months(today: NaiveDate) -> [String; 2] {
    let first = NaiveDate::from_ymd_opt(today.year(), today.month(), 1).unwrap_or(today);
    [budget::shift(first, 0), budget::shift(first, 1)]
}

/// The commit hook: checks the recent months whose spending this write changed, or to which a
/// budget it changed applies.
pub(crate) fn after_write(w: &mut Writer<'_>) -> Result<()> {
    let touched = w.take_touched()?;
    if touched.is_empty() {
        return Ok(());
    }
    let months: Vec<String> = recent_months(Utc::now().date_naive())
        .into_iter()
        .filter(|m| touched.spending.contains(m) || touched.budgets_from.iter().any(|from| from <= m))
        .collect();
    check(w, &months).map(|_| ())
}

/// Checks the user's budgets of `months` (only recent ones alert, see [`recent_months`]) and
/// puts each newly crossed threshold in the outbox, once ever per month, category and
/// threshold. Returns how many are new.
pub(crate) fn check(w: &mut Writer<'_>, months: &[String]) -> Result<u32> {
    let recent = recent_months(Utc::now().date_naive());
    let mut new = 0;
    for month in months.iter().filter(|m| recent.contains(m)) {
        let report = budget::report(w.read(), month)?;
        // Only budgets the user set alert: a recommendation is a suggestion, and alerting on
        // it would greet a new user with a dozen notifications.
        for line in report.lines.iter().filter(|l| l.source == "override") {
            let thresholds = budget::thresholds(w.read(), line.category.as_str())?;
            // With rollover, what is available this month is the budget plus what carried over.
            let available = line.rollover.and_then(|r| line.budget.checked_add(r).ok()).unwrap_or(line.budget);
            // One change can cross several thresholds (50% to 130%): the user hears the
            // highest only, and never a lower one after a higher one for the same month.
            let Some(t) = spearmint_core::budget::crossed(line.spent, available, &thresholds).into_iter().max() else {
                continue;
            };
            let prefix = format!("budget:{month}:{}:", line.category);
            if highest_alerted(w.read(), &prefix)?.is_some_and(|done| done >= t) {
                continue;
            }
            let summary = if t >= 100 {
                format!("{} is over budget", line.name)
            } else {
                format!("{} budget: {t}% used", line.name)
            };
            let body = format!("Spent {} of {} in {month}", line.spent, line.budget);
            new += enqueue(w, "budget_threshold", &format!("{prefix}{t}"), &summary, &body)?;
        }
    }
    Ok(new)
}

/// The highest threshold already alerted for one month and category (`prefix` is
/// `budget:MONTH:CATEGORY:`).
fn highest_alerted(r: Reader<'_>, prefix: &str) -> Result<Option<u32>> {
    let mut stmt = r.prepare_cached("SELECT dedupe_key FROM notifications WHERE substr(dedupe_key, 1, ?2) = ?1")?;
    let keys = stmt.query_map(rusqlite::params![prefix, prefix.len() as i64], |row| row.get::<_, String>(0))?;
    let mut highest = None;
    for key in keys {
        if let Some(t) = key?.strip_prefix(prefix).and_then(|t| t.parse::<u32>().ok()) {
            highest = highest.max(Some(t));
        }
    }
    Ok(highest)
}
