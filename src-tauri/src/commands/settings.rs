//! The Settings screen: the daily refresh's time of day.

use spearmint_engine::DailyRefresh;
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
