//! The Accounts and Transactions screens: lists, linking the demo bank, refreshing.

use spearmint_engine::{
    AccountId, AccountSummary, Connection, ConnectionId, Progress, RefreshReport, Removed, Transaction,
    TransactionQuery,
};
use tauri::State;
use tauri::ipc::Channel;

use super::blocking;
use crate::error::IpcError;
use crate::state::AppState;

#[tauri::command]
pub async fn list_accounts(state: State<'_, AppState>) -> Result<Vec<AccountSummary>, IpcError> {
    let engine = state.engine.clone();
    blocking(move || engine.accounts()).await
}

/// One page of transactions, newest first (keyset paging: pass the last row as `before`).
#[tauri::command]
pub async fn list_transactions(
    state: State<'_, AppState>,
    query: TransactionQuery,
) -> Result<Vec<Transaction>, IpcError> {
    let engine = state.engine.clone();
    let query = TransactionQuery { limit: Some(query.limit.unwrap_or(200).min(1000)), ..query };
    blocking(move || engine.transactions(&query)).await
}

#[tauri::command]
pub async fn list_connections(state: State<'_, AppState>) -> Result<Vec<Connection>, IpcError> {
    let engine = state.engine.clone();
    blocking(move || engine.connections()).await
}

/// Unlinks a bank, keeping its accounts' transactions or removing them.
#[tauri::command]
pub async fn disconnect(
    state: State<'_, AppState>,
    connection: ConnectionId,
    keep_transactions: bool,
) -> Result<Removed, IpcError> {
    let engine = state.engine.clone();
    blocking(move || engine.disconnect(connection, keep_transactions)).await
}

/// Removes an account (a linked bank's: that bank is disconnected).
#[tauri::command]
pub async fn remove_account(
    state: State<'_, AppState>,
    account: AccountId,
    keep_transactions: bool,
) -> Result<Removed, IpcError> {
    let engine = state.engine.clone();
    blocking(move || engine.remove_account(account, keep_transactions)).await
}

#[tauri::command]
pub async fn connect_demo(state: State<'_, AppState>) -> Result<Connection, IpcError> {
    Ok(state.engine.connect_demo().await?)
}

/// Extracts every connection now, streaming progress to the UI.
#[tauri::command]
pub async fn refresh_all(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    on_progress: Channel<Progress>,
) -> Result<RefreshReport, IpcError> {
    let outcome = state
        .engine
        .refresh(None, move |p| {
            let _ = on_progress.send(p.clone());
        })
        .await;
    crate::tray::show_refresh(&app, outcome.as_ref());
    let report = outcome?;
    // New transactions may have crossed a budget: the alert goes out now.
    let engine = state.engine.clone();
    let _ = blocking(move || engine.deliver_notifications(&spearmint_engine::DesktopNotifier)).await;
    Ok(report)
}
