//! Budgets: the month's budget and the user's overrides and thresholds.

use spearmint_core::{CategoryId, Money};

use crate::budget::{self, BudgetReport};
use crate::engine::Engine;
use crate::error::Result;

impl Engine {
    /// The budget for a month: recommended amounts, the user's overrides, and what was spent.
    pub fn budget(&self, month: &str) -> Result<BudgetReport> {
        self.with_vault(|v| budget::report(v.read(), month))
    }

    /// Sets the user's budget for a top-level category from `from_month` on. A threshold it
    /// makes crossed this month or last alerts at once.
    pub fn set_budget(
        &self,
        category: impl Into<CategoryId>,
        amount: Money,
        from_month: &str,
        rollover: bool,
    ) -> Result<()> {
        let category = category.into();
        self.with_vault(|v| budget::set_override(v, category.as_str(), amount, from_month, rollover))
    }

    /// Sets the alert thresholds, in percent of a budget (80 and 100 by default), for every
    /// category or, with `category`, for that one (which then ignores the general setting).
    pub fn set_budget_thresholds(&self, thresholds: &[u32], category: Option<CategoryId>) -> Result<()> {
        self.with_vault(|v| budget::set_thresholds(v, thresholds, category.as_ref().map(CategoryId::as_str)))
    }
}
