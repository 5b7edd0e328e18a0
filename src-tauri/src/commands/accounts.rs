//! The Accounts and Transactions screens: lists, linking the demo bank, refreshing.

use spearmint_engine::{
    AccountId, AccountSummary, Connection, ConnectionId, Progress, RefreshReport, Removed, SplitPart, Transaction,
    TransactionId, TransactionQuery,
};
use tauri::State;
use tauri::ipc::Channel;

use super::{blocking, blocking_write};
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

/// Splits a transaction into parts that add up to it exactly (splitting again replaces the
/// parts); returns the transaction as the list shows it now.
#[tauri::command]
pub async fn split_transaction(
    state: State<'_, AppState>,
    transaction: TransactionId,
    parts: Vec<SplitPart>,
) -> Result<Transaction, IpcError> {
    let engine = state.engine.clone();
    blocking_write(&state.engine, move || {
        let parts: Vec<_> = parts.into_iter().map(|p| (p.category, p.amount, p.memo)).collect();
        engine.split_transaction(transaction, &parts)?;
        engine.transaction(transaction)
    })
    .await
}

/// Makes a split transaction whole again, under its own category.
#[tauri::command]
pub async fn unsplit_transaction(
    state: State<'_, AppState>,
    transaction: TransactionId,
) -> Result<Transaction, IpcError> {
    let engine = state.engine.clone();
    blocking_write(&state.engine, move || {
        engine.unsplit_transaction(transaction)?;
        engine.transaction(transaction)
    })
    .await
}

/// The user's name for the payee (`null`: the seller's own name again) and note.
#[tauri::command]
pub async fn set_payee(
    state: State<'_, AppState>,
    transaction: TransactionId,
    payee: Option<String>,
    note: Option<String>,
) -> Result<Transaction, IpcError> {
    let engine = state.engine.clone();
    blocking(move || {
        engine.set_payee_and_note(transaction, payee.as_deref(), note.as_deref())?;
        engine.transaction(transaction)
    })
    .await
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
    let _ = blocking(move || engine.deliver_pending()).await;
    Ok(report)
}
