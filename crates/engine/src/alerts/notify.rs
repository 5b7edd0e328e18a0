//! The notification outbox and its delivery. Alerts are written to `notifications` in the same
//! transaction as the write whose check raised them, unique on a dedupe key, so each fires once ever
//! (not again after a restart, a re-import or a recategorization back and forth). A notifier
//! delivers pending ones natively; a failed delivery stays pending and is retried next time.

use rusqlite::types::Value;
use serde::Serialize;
use spearmint_core::{CategoryId, ConnectionId, NotificationId};

use crate::error::{Error, ErrorKind, Result};
use crate::vault::{Reader, Table, Writer, now_rfc3339};

/// What the outbox holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct Notification {
    pub id: NotificationId,
    /// budget_threshold or account_attention.
    pub kind: String,
    pub summary: String,
    pub body: String,
    pub created_at: String,
    pub delivered_at: Option<String>,
    pub attempts: u32,
    pub last_error: Option<String>,
    /// When the user read it in the app; `None` is unread.
    pub read_at: Option<String>,
    /// What it is about, for the app to open: a budget's month and top-level category, or a
    /// connection that needs the user.
    pub month: Option<String>,
    pub category: Option<CategoryId>,
    pub connection: Option<ConnectionId>,
}

/// The subject a dedupe key names: `budget:MONTH:CATEGORY:THRESHOLD` or
/// `attention:CONNECTION:...`.
fn subject(key: &str) -> (Option<String>, Option<CategoryId>, Option<ConnectionId>) {
    let mut parts = key.split(':');
    match parts.next() {
        Some("budget") => {
            let month = parts.next().map(str::to_owned);
            let category = parts.next().map(CategoryId::from);
            (month, category, None)
        }
        Some("attention") => (None, None, parts.next().and_then(|id| id.parse().ok())),
        _ => (None, None, None),
    }
}

/// Why a notification could not be delivered; it stays in the outbox and is retried later.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct DeliveryError {
    pub message: String,
}

impl DeliveryError {
    pub fn new(message: impl Into<String>) -> DeliveryError {
        DeliveryError { message: message.into() }
    }
}

/// Delivers one notification to the user. `DesktopNotifier` is the native one; tests and
/// headless machines may use others.
pub trait Notifier: Send + Sync {
    fn deliver(&self, n: &Notification) -> std::result::Result<(), DeliveryError>;
}

/// Native notifications through `notify-rust`: D-Bus (`org.freedesktop.Notifications`) on
/// Linux, the notification centres on macOS and Windows.
#[derive(Debug, Default, Clone, Copy)]
pub struct DesktopNotifier;

impl Notifier for DesktopNotifier {
    fn deliver(&self, n: &Notification) -> std::result::Result<(), DeliveryError> {
        let (summary, body) = shown(n);
        notify_rust::Notification::new()
            .appname("Spearmint")
            .summary(&summary)
            .body(&body)
            .show()
            .map(|_| ())
            .map_err(|e| DeliveryError::new(format!("no desktop notification service answered ({e})")))
    }
}

/// What the operating system is shown of a notification. Its notification store keeps it in
/// plain text outside the vault, and freedesktop servers read the body as markup: so the
/// summary says what happened in one line of plain text (which the specification keeps free of
/// markup; control characters dropped, cut short), the body only where to look, escaped, never
/// an amount, a bank's own words or an account number (those stay in the vault, in the app's
/// alert list).
pub fn shown(n: &Notification) -> (String, String) {
    let summary: String = n.summary.chars().filter(|c| !c.is_control()).take(80).collect();
    let body = match n.kind.as_str() {
        "budget_threshold" => "Open Spearmint to see your spending against this budget.",
        "account_attention" => "Open Spearmint to see what the bank said and reconnect.",
        _ => "Open Spearmint to see it.",
    };
    (summary, escape_markup(body))
}

fn escape_markup(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// Adds a notification unless one with the same dedupe key exists; returns 1 if added.
pub(crate) fn enqueue(w: &mut Writer<'_>, kind: &str, dedupe_key: &str, summary: &str, body: &str) -> Result<u32> {
    let exists: bool =
        w.read().query_row("SELECT EXISTS (SELECT 1 FROM notifications WHERE dedupe_key = ?1)", [dedupe_key], |r| {
            r.get(0)
        })?;
    if exists {
        return Ok(0);
    }
    w.insert(
        Table::NOTIFICATIONS,
        &NotificationId::new().to_string(),
        &[
            ("kind", Value::Text(kind.into())),
            ("dedupe_key", Value::Text(dedupe_key.into())),
            ("summary", Value::Text(summary.into())),
            ("body", Value::Text(body.into())),
            ("created_at", Value::Text(now_rfc3339())),
        ],
    )?;
    Ok(1)
}

/// The outbox, newest first.
pub(crate) fn list(r: Reader<'_>) -> Result<Vec<Notification>> {
    let mut stmt = r.prepare(
        "SELECT id, kind, summary, body, created_at, delivered_at, attempts, last_error, read_at, dedupe_key
         FROM notifications ORDER BY created_at DESC, id DESC",
    )?;
    let rows = stmt.query_map([], |r| {
        let (month, category, connection) = subject(&r.get::<_, String>(9)?);
        Ok(Notification {
            id: r
                .get::<_, String>(0)?
                .parse()
                .map_err(|e| rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e)))?,
            kind: r.get(1)?,
            summary: r.get(2)?,
            body: r.get(3)?,
            created_at: r.get(4)?,
            delivered_at: r.get(5)?,
            attempts: r.get(6)?,
            last_error: r.get(7)?,
            read_at: r.get(8)?,
            month,
            category,
            connection,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Marks alerts read or unread in the app.
pub(crate) fn mark_read(w: &mut Writer<'_>, ids: &[NotificationId], read: bool) -> Result<()> {
    let at = if read { Value::Text(now_rfc3339()) } else { Value::Null };
    for id in ids {
        let exists: bool =
            w.read().query_row("SELECT EXISTS (SELECT 1 FROM notifications WHERE id = ?1)", [id.to_string()], |r| {
                r.get(0)
            })?;
        if !exists {
            return Err(Error::new(ErrorKind::NotFound, "that alert is no longer in the list: reopen Alerts"));
        }
        w.update(Table::NOTIFICATIONS, &id.to_string(), &[("read_at", at.clone())])?;
    }
    Ok(())
}

/// Records how delivering `n` went: delivered, or one more failed attempt and why.
pub(crate) fn mark_delivery(
    w: &mut Writer<'_>,
    n: &Notification,
    outcome: &std::result::Result<(), DeliveryError>,
) -> Result<()> {
    let cells = match outcome {
        Ok(()) => vec![("delivered_at", Value::Text(now_rfc3339())), ("last_error", Value::Null)],
        Err(e) => vec![
            ("attempts", Value::Integer(i64::from(n.attempts) + 1)),
            ("last_error", Value::Text(e.message.clone())),
        ],
    };
    w.update(Table::NOTIFICATIONS, &n.id.to_string(), &cells).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notification(kind: &str, summary: &str, body: &str) -> Notification {
        Notification {
            id: NotificationId::new(),
            kind: kind.into(),
            summary: summary.into(),
            body: body.into(),
            created_at: String::new(),
            delivered_at: None,
            attempts: 0,
            last_error: None,
            read_at: None,
            month: None,
            category: None,
            connection: None,
        }
    }

    #[test]
    fn the_desktop_sees_no_amount_no_bank_text_and_no_markup() {
        let hostile = r#"<a href="http://evil.example/">Verify account 123456789</a> balance $9,000.00"#;
        let n = notification("account_attention", &format!("First Bank\u{7}\n{hostile}"), hostile);
        let (summary, body) = shown(&n);
        assert!(!summary.contains('\n') && !summary.contains('\u{7}'), "one line: {summary}");
        assert!(summary.chars().count() <= 80, "{summary}");
        assert!(!body.contains("123456789") && !body.contains("9,000") && !body.contains("evil"), "{body}");
        assert!(!body.contains('<'), "{body}");

        let n = notification("budget_threshold", "Food & Dining is over budget", "Spent $150.00 of $100.00 in 2026-12");
        let (summary, body) = shown(&n);
        assert_eq!(summary, "Food & Dining is over budget");
        assert!(!body.contains("150") && !body.contains("100"), "{body}");
    }
}
