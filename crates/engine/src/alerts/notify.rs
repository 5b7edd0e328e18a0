//! The notification outbox and its delivery. Alerts are written to `notifications` in the same
//! transaction as the write whose check raised them, unique on a dedupe key, so each fires once ever
//! (not again after a restart, a re-import or a recategorization back and forth). A notifier
//! delivers pending ones natively; a failed delivery stays pending and is retried next time.

use rusqlite::types::Value;
use serde::Serialize;
use spearmint_core::NotificationId;

use crate::error::Result;
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
        notify_rust::Notification::new()
            .appname("Spearmint")
            .summary(&n.summary)
            .body(&n.body)
            .show()
            .map(|_| ())
            .map_err(|e| DeliveryError::new(format!("no desktop notification service answered ({e})")))
    }
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
        "SELECT id, kind, summary, body, created_at, delivered_at, attempts, last_error
         FROM notifications ORDER BY created_at DESC, id DESC",
    )?;
    let rows = stmt.query_map([], |r| {
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
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
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
