//! Native notifications that open the window where they point: clicking a budget alert opens
//! the Budgets screen at its month and category, an account alert the Accounts screen. The
//! text shown is the engine's ([`spearmint_engine::os_notification_text`]: no amounts, no bank
//! words); only the click is the shell's.

use std::sync::Arc;

use spearmint_engine::{DeliveryError, Notification, Notifier};
use tauri::{AppHandle, Manager};

/// Where in the app a notification leads, as a route of the window (`#/budgets?...`). Built
/// only from parts that pass a strict check, since it is handed to the web view.
pub fn route_of(n: &Notification) -> String {
    let month = n.month.as_deref().filter(|m| is_month(m));
    let category = n.category.as_ref().map(|c| c.as_str()).filter(|c| is_category_id(c));
    match (n.kind.as_str(), month, category) {
        ("budget_threshold", Some(month), Some(category)) => format!("#/budgets?month={month}&category={category}"),
        ("account_attention", _, _) => "#/accounts".to_owned(),
        _ => "#/alerts".to_owned(),
    }
}

fn is_month(m: &str) -> bool {
    let b = m.as_bytes();
    b.len() == 7 && b[4] == b'-' && b.iter().enumerate().all(|(i, c)| i == 4 || c.is_ascii_digit())
}

fn is_category_id(c: &str) -> bool {
    !c.is_empty() && c.len() <= 64 && c.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

/// Shows the main window at `route`.
pub fn open_at(app: &AppHandle, route: &str) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.show();
        let _ = window.unminimize();
        let _ = window.set_focus();
        // A JSON string literal: the route is a checked one anyway.
        if let Ok(literal) = serde_json::to_string(route) {
            let _ = window.eval(format!("window.location.hash = {literal};"));
        }
    }
}

/// The desktop app's notifier: native, with a default action that opens the window at the
/// alert's route.
pub struct WindowNotifier {
    app: AppHandle,
}

impl WindowNotifier {
    pub fn shared(app: AppHandle) -> Arc<dyn Notifier> {
        Arc::new(WindowNotifier { app })
    }
}

impl Notifier for WindowNotifier {
    fn deliver(&self, n: &Notification) -> Result<(), DeliveryError> {
        let (summary, body) = spearmint_engine::os_notification_text(n);
        let mut note = notify_rust::Notification::new();
        note.appname("Spearmint").summary(&summary).body(&body);
        let failed = |e: notify_rust::error::Error| {
            DeliveryError::new(format!("no desktop notification service answered ({e})"))
        };
        #[cfg(all(unix, not(target_os = "macos")))]
        {
            // "default" is the freedesktop action of a click on the notification itself.
            note.action("default", "Open Spearmint");
            let handle = note.show().map_err(failed)?;
            let app = self.app.clone();
            let route = route_of(n);
            // Waits, on a thread of its own, until the notification is clicked or closed.
            std::thread::spawn(move || {
                handle.wait_for_action(|action| {
                    if action == "default" {
                        open_at(&app, &route);
                    }
                });
            });
        }
        #[cfg(not(all(unix, not(target_os = "macos"))))]
        {
            let _ = &self.app;
            note.show().map_err(failed)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alert(kind: &str, month: Option<&str>, category: Option<&str>) -> Notification {
        Notification {
            id: "01a24e46-45cf-75f2-8f42-e65d25423550".parse().unwrap(),
            kind: kind.into(),
            summary: "Food & Dining is over budget".into(),
            body: String::new(),
            created_at: "2026-12-07T02:12:37Z".into(),
            delivered_at: None,
            attempts: 0,
            last_error: None,
            read_at: None,
            month: month.map(str::to_owned),
            category: category.map(Into::into),
            connection: None,
        }
    }

    #[test]
    fn a_click_leads_to_the_alerts_budget_or_account_and_nothing_else_reaches_the_window() {
        assert_eq!(
            route_of(&alert("budget_threshold", Some("2026-12"), Some("FOOD"))),
            "#/budgets?month=2026-12&category=FOOD"
        );
        assert_eq!(route_of(&alert("account_attention", None, None)), "#/accounts");
        // Anything that is not a plain month and category id goes to the alert list instead.
        assert_eq!(route_of(&alert("budget_threshold", Some("2026-12\";alert(1)//"), Some("FOOD"))), "#/alerts");
        assert_eq!(route_of(&alert("budget_threshold", Some("2026-12"), Some("food'"))), "#/alerts");
        assert_eq!(route_of(&alert("budget_threshold", None, Some("FOOD"))), "#/alerts");
        assert_eq!(route_of(&alert("something_new", None, None)), "#/alerts");
    }
}
