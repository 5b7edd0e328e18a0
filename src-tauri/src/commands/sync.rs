//! Settings' sync card and the Overview's sync health: set up, join with the recovery phrase,
//! sync now, the account's devices, a new recovery phrase, leaving. Passwords and the phrase pass through to the
//! engine and are never kept or logged here.

use std::future::Future;

use spearmint_engine::{Engine, SyncDeviceView, SyncState};
use tauri::State;

use super::{blocking, blocking_write};
use crate::error::IpcError;
use crate::state::AppState;

/// Runs a sync call on a blocking thread, waiting there for the server and for the vault work
/// inside the call (SQLite, sealing), so that Tauri's async workers never wait on either.
async fn off_runtime<T, F>(engine: &Engine, call: impl FnOnce(Engine) -> F + Send + 'static) -> Result<T, IpcError>
where
    T: Send + 'static,
    F: Future<Output = spearmint_engine::Result<T>> + Send + 'static,
{
    let engine = engine.clone();
    blocking(move || tauri::async_runtime::block_on(call(engine))).await
}

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
    off_runtime(&state.engine, move |e| async move { e.sync_setup(server.trim(), user.trim(), &password).await }).await
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
    off_runtime(
        &state.engine,
        move |e| async move { e.sync_join(server.trim(), user.trim(), &password, &phrase).await },
    )
    .await?;
    let engine = state.engine.clone();
    blocking_write(&state.engine, move || engine.sync_state()).await
}

/// Syncs now; other devices' changes may cross a budget, so pending alerts go out after.
#[tauri::command]
pub async fn sync_now(state: State<'_, AppState>) -> Result<SyncState, IpcError> {
    off_runtime(&state.engine, |e| async move { e.sync_now().await }).await?;
    let engine = state.engine.clone();
    blocking_write(&state.engine, move || engine.sync_state()).await
}

#[tauri::command]
pub async fn sync_devices(state: State<'_, AppState>) -> Result<Vec<SyncDeviceView>, IpcError> {
    off_runtime(&state.engine, |e| async move { e.sync_device_views().await }).await
}

/// Removes another device from the account; returns the devices as they now are.
#[tauri::command]
pub async fn sync_revoke(state: State<'_, AppState>, device: String) -> Result<Vec<SyncDeviceView>, IpcError> {
    off_runtime(&state.engine, move |e| async move {
        e.sync_revoke(&device).await?;
        e.sync_device_views().await
    })
    .await
}

/// A new recovery phrase and key for the budget; returns the phrase, shown once.
#[tauri::command]
pub async fn sync_change_phrase(state: State<'_, AppState>) -> Result<String, IpcError> {
    off_runtime(&state.engine, |e| async move { e.sync_change_phrase().await }).await
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

/// Shares this user's own categories with the crowd at each sync, or no longer.
#[tauri::command]
pub async fn set_crowd_sharing(state: State<'_, AppState>, on: bool) -> Result<SyncState, IpcError> {
    let engine = state.engine.clone();
    blocking(move || {
        engine.set_crowd_sharing(on)?;
        engine.sync_state()
    })
    .await
}
