//! Alerts: budget thresholds crossed and accounts that need the user, put in the notification
//! outbox and delivered natively.
//!
//! Every write to the vault ends in [`after_write`], the vault's commit hook, inside the
//! write's own SQL transaction: whatever changed a month's spending or a budget (an import, a
//! refresh, a manual edit, a split, a recategorization, a rule applied, a sync) is checked
//! there, once, for every client. No write path calls the check itself.

mod notify;

use chrono::{Datelike, NaiveDate, Utc};

pub use notify::{DeliveryError, DesktopNotifier, Notification, Notifier};
pub(crate) use notify::{enqueue, list, mark_delivery};

use crate::budget;
use crate::error::Result;
use crate::vault::Writer;

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
            for t in spearmint_core::budget::crossed(line.spent, available, &thresholds) {
                let summary = if t >= 100 {
                    format!("{} is over budget", line.name)
                } else {
                    format!("{} budget: {t}% used", line.name)
                };
                let body = format!("Spent {} of {} in {month}", line.spent, line.budget);
                let key = format!("budget:{month}:{}:{t}", line.category);
                new += enqueue(w, "budget_threshold", &key, &summary, &body)?;
            }
        }
    }
    Ok(new)
}
