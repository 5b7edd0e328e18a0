//! The Settings screen: the daily refresh's time of day, exports, starting at login.

use spearmint_engine::{DailyRefresh, ExportKind, Exported};
use tauri::State;

use super::blocking;
use crate::error::IpcError;
use crate::state::AppState;

#[tauri::command]
pub async fn daily_refresh(state: State<'_, AppState>) -> Result<DailyRefresh, IpcError> {
    let engine = state.engine.clone();
    blocking(move || engine.daily_refresh(chrono::Utc::now())).await
}

/// Sets the time of day (`HH:MM`, local time) of the daily refresh; returns the new schedule.
#[tauri::command]
pub async fn set_daily_time(state: State<'_, AppState>, at: String) -> Result<DailyRefresh, IpcError> {
    let engine = state.engine.clone();
    blocking(move || {
        engine.set_daily_time(&at)?;
        engine.daily_refresh(chrono::Utc::now())
    })
    .await
}

/// Exports to CSV where the user chooses in the system's own save dialog (the page never sees
/// or names a path); `None` when the user cancels.
#[tauri::command]
pub async fn export_csv(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    what: ExportKind,
) -> Result<Option<Exported>, IpcError> {
    let engine = state.engine.clone();
    blocking(move || {
        use tauri_plugin_dialog::DialogExt as _;
        let name = match what {
            ExportKind::Transactions => "transactions",
            ExportKind::Spending => "spending",
            ExportKind::Budgets => "budgets",
        };
        let picked = app
            .dialog()
            .file()
            .set_title(format!("Export {name} as CSV"))
            .set_file_name(format!("spearmint-{name}-{}.csv", chrono::Local::now().format("%Y-%m-%d")))
            .add_filter("CSV", &["csv"])
            .blocking_save_file();
        let Some(picked) = picked else { return Ok(None) };
        let path = picked.into_path().map_err(|_| {
            spearmint_engine::Error::new(
                spearmint_engine::ErrorKind::Invalid,
                "that place cannot be written to: choose a folder on this computer, then export again",
            )
        })?;
        engine.export_to_file(what, &path).map(Some)
    })
    .await
}

/// Whether Spearmint starts when the user logs in (the Tauri autostart plugin: on Linux a
/// desktop entry in `~/.config/autostart`).
#[tauri::command]
pub async fn start_at_login(app: tauri::AppHandle) -> Result<bool, IpcError> {
    use tauri_plugin_autostart::ManagerExt as _;
    app.autolaunch()
        .is_enabled()
        .map_err(|e| IpcError::storage(format!("could not read whether Spearmint starts at login ({e})")))
}

/// Starts Spearmint at login, or no longer; returns the setting as it now is.
#[tauri::command]
pub async fn set_start_at_login(app: tauri::AppHandle, on: bool) -> Result<bool, IpcError> {
    use tauri::Manager as _;
    use tauri_plugin_autostart::ManagerExt as _;
    let launcher = app.autolaunch();
    // The plugin creates `autostart` but not a missing `~/.config` above it (a new account).
    #[cfg(target_os = "linux")]
    if on && let Ok(home) = app.path().home_dir() {
        let _ = std::fs::create_dir_all(home.join(".config").join("autostart"));
    }
    let changed = if on { launcher.enable() } else { launcher.disable() };
    changed.map_err(|e| {
        IpcError::storage(format!(
            "could not change whether Spearmint starts at login ({e}): check that your home folder's .config folder can be written to"
        ))
    })?;
    launcher
        .is_enabled()
        .map_err(|e| IpcError::storage(format!("could not read whether Spearmint starts at login ({e})")))
}
