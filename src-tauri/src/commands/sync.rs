//! Settings' sync card and the Overview's sync health: set up, join with the recovery phrase,
//! sync now, the account's devices, leaving. Passwords and the phrase pass through to the
//! engine and are never kept or logged here.

use spearmint_engine::{SyncDeviceView, SyncState};
use tauri::State;

use super::{blocking, blocking_write};
use crate::error::IpcError;
use crate::state::AppState;

#[tauri::command]
pub async fn sync_state(state: State<'_, AppState>) -> Result<SyncState, IpcError> {
    let engine = state.engine.clone();
    blocking(move || engine.sync_state()).await
}

/// Sets this budget up for sync and syncs it; returns the recovery phrase, shown once.
#[tauri::command]
pub async fn sync_setup(
    state: State<'_, AppState>,
    server: String,
    user: String,
    password: String,
) -> Result<String, IpcError> {
    let password = zeroize::Zeroizing::new(password);
    Ok(state.engine.sync_setup(server.trim(), user.trim(), &password).await?)
}

/// Joins the budget another device set up, opened with its recovery phrase.
#[tauri::command]
pub async fn sync_join(
    state: State<'_, AppState>,
    server: String,
    user: String,
    password: String,
    phrase: String,
) -> Result<SyncState, IpcError> {
    let (password, phrase) = (zeroize::Zeroizing::new(password), zeroize::Zeroizing::new(phrase));
    state.engine.sync_join(server.trim(), user.trim(), &password, &phrase).await?;
    let engine = state.engine.clone();
    blocking_write(&state.engine, move || engine.sync_state()).await
}

/// Syncs now; other devices' changes may cross a budget, so pending alerts go out after.
#[tauri::command]
pub async fn sync_now(state: State<'_, AppState>) -> Result<SyncState, IpcError> {
    state.engine.sync_now().await?;
    let engine = state.engine.clone();
    blocking_write(&state.engine, move || engine.sync_state()).await
}

#[tauri::command]
pub async fn sync_devices(state: State<'_, AppState>) -> Result<Vec<SyncDeviceView>, IpcError> {
    Ok(state.engine.sync_device_views().await?)
}

/// Removes another device from the account; returns the devices as they now are.
#[tauri::command]
pub async fn sync_revoke(state: State<'_, AppState>, device: String) -> Result<Vec<SyncDeviceView>, IpcError> {
    state.engine.sync_revoke(&device).await?;
    Ok(state.engine.sync_device_views().await?)
}

/// Stops syncing on this device; its data stays here and on the server.
#[tauri::command]
pub async fn sync_leave(state: State<'_, AppState>) -> Result<SyncState, IpcError> {
    let engine = state.engine.clone();
    blocking(move || {
        engine.sync_leave()?;
        engine.sync_state()
    })
    .await
}
