//! The vault screen: status, first-run open, create, unlock, lock.

use spearmint_engine::{NewKey, Passphrase, Unlock, VaultState, VaultStatus};
use tauri::State;

use super::blocking;
use crate::error::IpcError;
use crate::state::AppState;

#[tauri::command]
pub async fn vault_status(state: State<'_, AppState>) -> Result<VaultStatus, IpcError> {
    let engine = state.engine.clone();
    blocking(move || engine.status()).await
}

#[tauri::command]
pub async fn open_vault(app: tauri::AppHandle, state: State<'_, AppState>) -> Result<VaultStatus, IpcError> {
    let engine = state.engine.clone();
    let status = blocking(move || engine.open_or_create()).await?;
    if status.state == VaultState::Unlocked {
        state.start_background(app);
    }
    Ok(status)
}

#[tauri::command]
pub async fn create_vault(state: State<'_, AppState>, passphrase: Option<String>) -> Result<VaultStatus, IpcError> {
    let engine = state.engine.clone();
    let key = passphrase.map_or(NewKey::Keychain, |p| NewKey::Passphrase(Passphrase::new(p)));
    blocking(move || engine.create(key)).await
}

#[tauri::command]
pub async fn unlock_vault(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    passphrase: Option<String>,
) -> Result<VaultStatus, IpcError> {
    let engine = state.engine.clone();
    let how = passphrase.map_or(Unlock::Keychain, |p| Unlock::Passphrase(Passphrase::new(p)));
    let status = blocking(move || engine.unlock(how)).await?;
    state.start_background(app);
    Ok(status)
}

#[tauri::command]
pub async fn lock_vault(state: State<'_, AppState>) -> Result<VaultStatus, IpcError> {
    let engine = state.engine.clone();
    blocking(move || engine.lock()).await
}

/// Protects the vault with a new passphrase (from a keychain key or an older passphrase); the
/// file is re-encrypted, crash-safe.
#[tauri::command]
pub async fn set_passphrase(state: State<'_, AppState>, passphrase: String) -> Result<VaultStatus, IpcError> {
    let engine = state.engine.clone();
    blocking(move || engine.set_passphrase(Passphrase::new(passphrase))).await
}

/// Re-encrypts the vault with a fresh random key kept in the keychain (from a passphrase
/// vault: the key moves to the keychain).
#[tauri::command]
pub async fn rekey(state: State<'_, AppState>) -> Result<VaultStatus, IpcError> {
    let engine = state.engine.clone();
    blocking(move || engine.rekey()).await
}
