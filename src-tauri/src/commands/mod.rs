//! IPC commands, grouped by screen. Each parses, calls one engine method, maps the error.
//! `list.rs` names them all, once.

#[macro_use]
mod list;

pub mod accounts;
pub mod adding;
pub mod categories;
pub mod reports;
pub mod settings;
pub mod sync;
pub mod vault;

use crate::error::IpcError;

/// Runs blocking engine work (SQLite, Argon2id, the keychain) off the UI thread.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> spearmint_engine::Result<T> + Send + 'static,
) -> Result<T, IpcError> {
    tauri::async_runtime::spawn_blocking(f)
        .await
        .map_err(|e| IpcError::internal(format!("background task failed: {e}")))?
        .map_err(IpcError::from)
}

/// [`blocking`] for a command that writes: a write may cross a budget threshold (every write
/// checks them), and the alert goes out natively now rather than at the background task's
/// next round. A notification that cannot be shown stays in the outbox for that round.
pub(crate) async fn blocking_write<T: Send + 'static>(
    engine: &spearmint_engine::Engine,
    f: impl FnOnce() -> spearmint_engine::Result<T> + Send + 'static,
) -> Result<T, IpcError> {
    let out = blocking(f).await?;
    let engine = engine.clone();
    let _ = blocking(move || engine.deliver_pending()).await;
    Ok(out)
}
