//! The tray icon: Spearmint keeps running there when its window closes.

use tauri::menu::{Menu, MenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager};

use crate::state::AppState;

pub fn install(app: &AppHandle) -> tauri::Result<()> {
    let show = MenuItem::with_id(app, "show", "Open Spearmint", true, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", "Quit Spearmint", true, None::<&str>)?;
    let menu = Menu::with_items(app, &[&show, &quit])?;
    let mut builder =
        TrayIconBuilder::with_id("spearmint").tooltip("Spearmint").menu(&menu).on_menu_event(|app, event| match event
            .id()
            .as_ref()
        {
            "show" => show_main(app),
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
