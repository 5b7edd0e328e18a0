//! The state Tauri manages: the engine, and nothing the engine could own instead.

use std::sync::atomic::{AtomicBool, Ordering};

use spearmint_engine::{Engine, EngineOptions, default_data_dir};

#[derive(Debug)]
pub struct AppState {
    pub engine: Engine,
    keep_in_tray: AtomicBool,
    background: AtomicBool,
}

impl AppState {
    /// The default profile in the data directory (`$SPEARMINT_DATA_DIR` or the platform's).
    pub fn from_env() -> spearmint_engine::Result<AppState> {
        let engine = Engine::new(EngineOptions::new(default_data_dir()?))?;
        // Without a tray (some desktops have none) closing the window must quit, or the app
        // would be unreachable: tray::install turns this on once the icon exists.
        Ok(AppState { engine, keep_in_tray: AtomicBool::new(false), background: AtomicBool::new(false) })
    }

    pub fn keep_in_tray(&self) -> bool {
        self.keep_in_tray.load(Ordering::Relaxed)
    }

    pub fn set_keep_in_tray(&self, keep: bool) {
        self.keep_in_tray.store(keep, Ordering::Relaxed);
    }

    /// Starts the engine's background task (daily extraction, retries) once, after the vault
    /// is first unlocked; it lives as long as the app, in the tray too.
    /// Each round's outcome shows in the tray menu.
    pub fn start_background(&self, app: tauri::AppHandle) {
        if self.background.swap(true, Ordering::SeqCst) {
            return;
        }
        let engine = self.engine.clone();
        tauri::async_runtime::spawn(async move {
            let never = std::future::pending::<()>();
            let _ = engine
                .run_daemon(
                    never,
                    |report| {
                        if !report.outcomes.is_empty() {
                            crate::tray::show_refresh(&app, Ok(report));
                        }
                    },
                    |e| eprintln!("spearmint: background task: {}", e.message()),
                )
                .await;
        });
    }
}
