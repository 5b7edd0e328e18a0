//! The Transactions screen's category picker and the Rules screen: categories, setting a
//! transaction's category, rules and applying them to past transactions.

use spearmint_engine::{
    Category, CategoryId, Condition, Rule, RuleActions, RuleChange, RuleId, RuleOrigin, TransactionId,
};
use tauri::State;

use super::{blocking, blocking_write};
use crate::error::IpcError;
use crate::state::AppState;

#[tauri::command]
pub async fn list_categories(state: State<'_, AppState>) -> Result<Vec<Category>, IpcError> {
    let engine = state.engine.clone();
    blocking(move || engine.categories()).await
}

/// The user's own choice of category (the row is locked); with `from_now_on`, also a visible
/// learned rule for the seller's future transactions, whose id it returns.
#[tauri::command]
pub async fn set_category(
    state: State<'_, AppState>,
    transaction: TransactionId,
    category: CategoryId,
    from_now_on: bool,
) -> Result<Option<RuleId>, IpcError> {
    let engine = state.engine.clone();
    blocking_write(&state.engine, move || {
        engine.set_category(transaction, category)?;
        if from_now_on { engine.learn_from(transaction).map(Some) } else { Ok(None) }
    })
    .await
}

#[tauri::command]
pub async fn list_rules(state: State<'_, AppState>) -> Result<Vec<Rule>, IpcError> {
    let engine = state.engine.clone();
    blocking(move || engine.rules()).await
}

#[tauri::command]
pub async fn add_rule(
    state: State<'_, AppState>,
    conditions: Vec<Condition>,
    actions: RuleActions,
) -> Result<RuleId, IpcError> {
    let engine = state.engine.clone();
    blocking(move || engine.add_rule(conditions, actions, RuleOrigin::User)).await
}

/// Sets what a rule does and whether it is on (every field, as the form shows them).
#[tauri::command]
pub async fn edit_rule(
    state: State<'_, AppState>,
    rule: RuleId,
    actions: RuleActions,
    enabled: bool,
) -> Result<Rule, IpcError> {
    let engine = state.engine.clone();
    blocking(move || engine.edit_rule(rule, Some(actions.category), Some(actions.rename), Some(enabled))).await
}

#[tauri::command]
pub async fn delete_rule(state: State<'_, AppState>, rule: RuleId) -> Result<(), IpcError> {
    let engine = state.engine.clone();
    blocking(move || engine.delete_rule(rule)).await
}

/// What applying a rule to past transactions changes (`dry_run`: only says so).
#[tauri::command]
pub async fn apply_rule(state: State<'_, AppState>, rule: RuleId, dry_run: bool) -> Result<Vec<RuleChange>, IpcError> {
    let engine = state.engine.clone();
    blocking_write(&state.engine, move || engine.apply_rule(rule, dry_run)).await
}
