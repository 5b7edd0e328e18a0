//! The tray icon: Spearmint keeps running there when its window closes. Its menu opens the
//! window, refreshes now, says when the last refresh ran and how it went, and quits.

use spearmint_engine::{Error, RefreshReport};
use tauri::menu::{Menu, MenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager, Wry};

use crate::state::AppState;

/// The menu line that tells the last refresh, kept to be updated.
struct LastRefresh(MenuItem<Wry>);

pub fn install(app: &AppHandle) -> tauri::Result<()> {
    let show = MenuItem::with_id(app, "show", "Open Spearmint", true, None::<&str>)?;
    let refresh = MenuItem::with_id(app, "refresh", "Refresh now", true, None::<&str>)?;
    let last = MenuItem::with_id(app, "last", "Not refreshed yet", false, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", "Quit Spearmint", true, None::<&str>)?;
    let menu = Menu::with_items(app, &[&show, &refresh, &last, &quit])?;
    app.manage(LastRefresh(last));
    let mut builder =
        TrayIconBuilder::with_id("spearmint").tooltip("Spearmint").menu(&menu).on_menu_event(|app, event| match event
            .id()
            .as_ref()
        {
            "show" => show_main(app),
            "refresh" => refresh_now(app),
            "quit" => app.exit(0),
            _ => {}
        });
    if let Some(icon) = app.default_window_icon() {
        builder = builder.icon(icon.clone());
    }
    match builder.build(app) {
        Ok(_) => app.state::<AppState>().set_keep_in_tray(true),
        // No tray on this desktop: closing the window quits instead of hiding it.
        Err(e) => eprintln!("spearmint: no system tray ({e}); closing the window will quit"),
    }
    Ok(())
}

fn show_main(app: &AppHandle) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.show();
        let _ = window.set_focus();
    }
}

fn refresh_now(app: &AppHandle) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let engine = app.state::<AppState>().engine.clone();
        let outcome = engine.refresh(None, |_| {}).await;
        show_refresh(&app, outcome.as_ref());
        let _ = tauri::async_runtime::spawn_blocking(move || engine.deliver_pending()).await;
    });
}

/// Puts the time and outcome of a refresh in the tray menu.
pub fn show_refresh(app: &AppHandle, outcome: Result<&RefreshReport, &Error>) {
    if let Some(last) = app.try_state::<LastRefresh>() {
        let at = chrono::Local::now().format("%H:%M");
        let _ = last.0.set_text(format!("Last refresh {at}: {}", summary(outcome)));
    }
}

/// How a refresh went, in a few words.
fn summary(outcome: Result<&RefreshReport, &Error>) -> String {
    let report = match outcome {
        Ok(report) => report,
        Err(e) if e.kind() == spearmint_engine::ErrorKind::VaultLocked => return "the vault is locked".into(),
        Err(_) => return "failed, open Spearmint to see why".into(),
    };
    let failed = report.outcomes.iter().filter(|o| o.error.is_some()).count();
    let added = report.added();
    match (report.outcomes.len(), failed) {
        (0, _) => "no bank linked".into(),
        (_, 0) if added == 1 => "1 new transaction".into(),
        (_, 0) => format!("{added} new transactions"),
        (_, 1) => "1 bank needs attention".into(),
        (_, n) => format!("{n} banks need attention"),
    }
}

#[cfg(test)]
mod tests {
    use spearmint_engine::{ApplySummary, ConnectionOutcome, ErrorKind, ErrorPayload, ProviderKind};

    use super::*;

    fn outcome(added: Option<u32>) -> ConnectionOutcome {
        ConnectionOutcome {
            connection: "Demo Bank".into(),
            provider: ProviderKind::Demo,
            summary: added.map(|added| ApplySummary { added, ..ApplySummary::default() }),
            error: added
                .is_none()
                .then(|| ErrorPayload { kind: ErrorKind::ProviderAuth, message: "sign in again".into() }),
            warnings: Vec::new(),
        }
    }

    #[test]
    fn the_tray_says_how_the_last_refresh_went() {
        let report = |outcomes| RefreshReport { outcomes };
        assert_eq!(summary(Ok(&report(vec![]))), "no bank linked");
        assert_eq!(summary(Ok(&report(vec![outcome(Some(1))]))), "1 new transaction");
        assert_eq!(summary(Ok(&report(vec![outcome(Some(2)), outcome(Some(3))]))), "5 new transactions");
        assert_eq!(summary(Ok(&report(vec![outcome(Some(2)), outcome(None)]))), "1 bank needs attention");
        assert_eq!(summary(Ok(&report(vec![outcome(None), outcome(None)]))), "2 banks need attention");
        let locked = Error::new(ErrorKind::VaultLocked, "locked");
        assert_eq!(summary(Err(&locked)), "the vault is locked");
    }
}
