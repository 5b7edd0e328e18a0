//! The Overview, Spending, Budgets and Alerts screens: what a month's money did.

use spearmint_engine::{BudgetReport, CategoryId, Money, MonthSpending, Notification, NotificationId, SellerSpending};
use tauri::State;

use super::{blocking, blocking_write};
use crate::error::IpcError;
use crate::state::AppState;

/// This month (`YYYY-MM`, local time): what a screen shows when the user has not picked one.
fn this_month() -> String {
    chrono::Local::now().format("%Y-%m").to_string()
}

#[tauri::command]
pub async fn spending(state: State<'_, AppState>, month: Option<String>) -> Result<MonthSpending, IpcError> {
    let engine = state.engine.clone();
    blocking(move || engine.spending(&month.unwrap_or_else(this_month))).await
}

/// `months` months up to and including `until`, oldest first.
#[tauri::command]
pub async fn spending_trend(
    state: State<'_, AppState>,
    until: Option<String>,
    months: u32,
) -> Result<Vec<MonthSpending>, IpcError> {
    if !(1..=24).contains(&months) {
        return Err(IpcError::invalid("a trend covers 1 to 24 months"));
    }
    let engine = state.engine.clone();
    blocking(move || engine.spending_trend(&until.unwrap_or_else(this_month), months)).await
}

#[tauri::command]
pub async fn top_sellers(
    state: State<'_, AppState>,
    month: Option<String>,
    limit: u32,
) -> Result<Vec<SellerSpending>, IpcError> {
    let engine = state.engine.clone();
    blocking(move || engine.top_sellers(&month.unwrap_or_else(this_month), limit.min(100))).await
}

#[tauri::command]
pub async fn budget(state: State<'_, AppState>, month: Option<String>) -> Result<BudgetReport, IpcError> {
    let engine = state.engine.clone();
    blocking(move || engine.budget(&month.unwrap_or_else(this_month))).await
}

/// Sets the user's budget of a top-level category from `month` on; returns that month's budget.
#[tauri::command]
pub async fn set_budget(
    state: State<'_, AppState>,
    category: CategoryId,
    amount: Money,
    month: String,
    rollover: bool,
) -> Result<BudgetReport, IpcError> {
    let engine = state.engine.clone();
    blocking_write(&state.engine, move || {
        engine.set_budget(category, amount, &month, rollover)?;
        engine.budget(&month)
    })
    .await
}

#[tauri::command]
pub async fn set_budget_thresholds(
    state: State<'_, AppState>,
    thresholds: Vec<u32>,
    category: Option<CategoryId>,
) -> Result<(), IpcError> {
    let engine = state.engine.clone();
    blocking_write(&state.engine, move || engine.set_budget_thresholds(&thresholds, category)).await
}

#[tauri::command]
pub async fn list_notifications(state: State<'_, AppState>) -> Result<Vec<Notification>, IpcError> {
    let engine = state.engine.clone();
    blocking(move || engine.notifications()).await
}

#[tauri::command]
pub async fn mark_notifications(
    state: State<'_, AppState>,
    ids: Vec<NotificationId>,
    read: bool,
) -> Result<(), IpcError> {
    let engine = state.engine.clone();
    blocking(move || engine.mark_notifications(&ids, read)).await
}
