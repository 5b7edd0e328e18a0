//! spearmint-desktop: the thin Tauri shell. It manages one [`spearmint_engine::Engine`], turns
//! IPC calls into engine calls, and owns the window and the tray. It has no SQL, no HTTP and no
//! domain logic: those live in spearmint-engine. Only this package depends on `tauri`.

#[macro_use]
mod commands;
mod error;
mod notify;
mod state;
mod tray;

use tauri::Manager;

pub use error::IpcError;
pub use state::AppState;

/// The IPC handler: `tauri::generate_handler!` over every command of `commands/list.rs`.
macro_rules! handler {
    ($($module:ident :: $name:ident { $($meta:tt)* }),* $(,)?) => {
        tauri::generate_handler![$(commands::$module::$name),*]
    };
}

/// Builds and runs the desktop app until the user quits from the tray.
pub fn run() {
    let state = match AppState::from_env() {
        Ok(state) => state,
        Err(e) => {
            eprintln!("spearmint: {}", e.message());
            std::process::exit(1);
        }
    };
    let app = tauri::Builder::default()
        .manage(state)
        // Used from Rust only (to confirm a bank address the user typed): the window is granted
        // none of its commands.
        .plugin(tauri_plugin_dialog::init())
        // Used from Rust only (Settings' "start at login"): the window is granted none of its commands.
        .plugin(tauri_plugin_autostart::Builder::new().app_name("Spearmint").build())
        .invoke_handler(with_commands!(handler))
        .setup(|app| {
            // Alerts open the window where they point when clicked.
            app.state::<AppState>().engine.set_notifier(notify::WindowNotifier::shared(app.handle().clone()));
            tray::install(app.handle())?;
            Ok(())
        })
        .on_window_event(|window, event| {
            // Closing the window keeps Spearmint in the tray, where the background task lives;
            // "Quit" in the tray menu ends it.
            if let tauri::WindowEvent::CloseRequested { api, .. } = event
                && window.app_handle().state::<AppState>().keep_in_tray()
            {
                api.prevent_close();
                let _ = window.hide();
            }
        })
        .build(tauri::generate_context!());
    match app {
        Ok(app) => app.run(|_, _| {}),
        Err(e) => {
            eprintln!("spearmint: the desktop app could not start: {e}");
            std::process::exit(1);
        }
    }
}
