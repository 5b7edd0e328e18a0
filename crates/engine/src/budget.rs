//! Budgets: the recommendation (spearmint_core::budget), the user's overrides (the only thing
//! stored, in `budget_overrides`), what was spent against them, and the alert thresholds.
//! Budgets are per top-level category; spending in a subcategory (Groceries) counts towards
//! its parent (Food & Dining). The alerts themselves are `crate::alerts`.

use chrono::NaiveDate;
use rusqlite::OptionalExtension;
use rusqlite::types::Value;
use serde::Serialize;
use spearmint_core::budget;
use spearmint_core::{CategoryId, Currency, Money};

use crate::error::{Error, ErrorKind, Result};
use crate::vault::{Reader, Table, Vault, now_rfc3339, settings};

/// Alert thresholds, in percent of the budget, unless the settings say otherwise.
pub const DEFAULT_THRESHOLDS: [u32; 2] = [80, 100];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct BudgetLine {
    pub category: CategoryId,
    pub name: String,
    pub budget: Money,
    /// "override" (the user's) or "recommended".
    pub source: String,
    /// Money out this month, as a positive amount (refunds reduce it).
    pub spent: Money,
    pub remaining: Money,
    /// What is left from earlier months, when the user turned rollover on.
    pub rollover: Option<Money>,
    /// What Spearmint recommends for the category, shown beside the user's own budget;
    /// `None` when it recommends nothing for it (a category only the user budgets).
    pub recommended: Option<Money>,
    /// The alert thresholds that apply to it, in percent, lowest first (the app colours a
    /// budget amber from the first).
    pub thresholds: Vec<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct BudgetReport {
    pub month: String,
    pub currency: String,
    /// The monthly income the recommendation is fitted to (median of complete months).
    pub income: Money,
    /// How many complete months of history the recommendation used (template below 3).
    pub history_months: u32,
    pub lines: Vec<BudgetLine>,
}

pub(crate) fn month_start(month: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d")
        .map_err(|_| Error::new(ErrorKind::Invalid, format!("`{month}` is not a month: use YYYY-MM")))
}

pub(crate) fn shift(month: NaiveDate, back: u32) -> String {
    month.checked_sub_months(chrono::Months::new(back)).unwrap_or(month).format("%Y-%m").to_string()
}

/// Spending (positive = out) per top-level expense category, and income, in one month.
fn month_totals(r: Reader<'_>, month: &str, currency: &str) -> Result<(Vec<(String, i64)>, i64)> {
    let mut stmt = r.prepare_cached(
        "SELECT coalesce(c.parent_id, c.id) AS top, p.kind, sum(s.amount_minor)
         FROM monthly_spending s JOIN categories c ON c.id = s.category_id
         JOIN categories p ON p.id = coalesce(c.parent_id, c.id)
         WHERE s.month = ?1 AND s.currency = ?2 GROUP BY top, p.kind",
    )?;
    let rows = stmt
        .query_map([month, currency], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?)))?;
    let (mut spending, mut income) = (Vec::new(), 0i64);
    for row in rows {
        let (top, kind, sum) = row?;
        match kind.as_str() {
            "expense" => spending.push((top, sum.saturating_neg())),
            "income" => income = income.saturating_add(sum),
            _ => {}
        }
    }
    Ok((spending, income))
}

pub(crate) fn report(r: Reader<'_>, month: &str) -> Result<BudgetReport> {
    let start = month_start(month)?;
    let currency: String = r
        .query_row("SELECT currency FROM accounts GROUP BY currency ORDER BY count(*) DESC LIMIT 1", [], |r| r.get(0))
        .optional()?
        .unwrap_or_else(|| "USD".into());
    let cur = Currency::new(&currency).unwrap_or(Currency::USD);
    // Complete months before this one that have any data, most recent last.
    let mut history: Vec<(String, Vec<i64>)> = Vec::new();
    let mut incomes = Vec::new();
    let mut complete = 0usize;
    for back in (1..=budget::HISTORY_MONTHS as u32).rev() {
        let m = shift(start, back);
        let (spending, income) = month_totals(r, &m, &currency)?;
        if spending.is_empty() && income == 0 {
            continue;
        }
        complete += 1;
        incomes.push(income.max(0));
        for (cat, spent) in spending {
            match history.iter_mut().find(|(c, _)| *c == cat) {
                Some((_, list)) => list.push(spent.max(0)),
                None => history.push((cat, vec![spent.max(0)])),
            }
        }
    }
    let (this_month, this_income) = month_totals(r, month, &currency)?;
    let income_minor = if incomes.is_empty() { this_income.max(0) } else { budget::median(incomes) };
    let income = Money::from_minor(income_minor, cur);
    let mut lines: Vec<(String, Money, String, Option<Money>)> = budget::recommend(&history, complete, income)
        .into_iter()
        .map(|(c, m)| (c, m, "recommended".to_owned(), Some(m)))
        .collect();
    // The user's overrides win: the latest one that applies to this month, per category.
    let mut stmt = r.prepare_cached(
        "SELECT category_id, amount_minor, currency, rollover, effective_from FROM budget_overrides o
         WHERE effective_from <= ?1 AND effective_from = (
             SELECT max(effective_from) FROM budget_overrides i WHERE i.category_id = o.category_id AND i.effective_from <= ?1)",
    )?;
    let overrides: Vec<(String, i64, String, bool, String)> = stmt
        .query_map([month], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))?
        .collect::<rusqlite::Result<_>>()?;
    drop(stmt);
    // Rollover: what was left (or overspent) in each month since the budget took effect
    // carries into the next, for at most two years back.
    let mut carried: Vec<(String, Money)> = Vec::new();
    for (cat, minor, c, rollover, from) in &overrides {
        if !rollover {
            continue;
        }
        let from = month_start(from)?;
        let mut carry = 0i64;
        for back in (1..=24u32).rev() {
            let m = start.checked_sub_months(chrono::Months::new(back)).unwrap_or(start);
            if m < from {
                continue;
            }
            let (spending, _) = month_totals(r, &m.format("%Y-%m").to_string(), c)?;
            let spent = spending.iter().find(|(x, _)| x == cat).map_or(0, |(_, s)| *s);
            carry = carry.saturating_add(minor.saturating_sub(spent));
        }
        carried.push((cat.clone(), Money::from_minor(carry, Currency::new(c).unwrap_or(cur))));
    }
    for (cat, minor, c, _, _) in overrides {
        let amount = Money::from_minor(minor, Currency::new(&c).unwrap_or(cur));
        match lines.iter_mut().find(|(l, _, _, _)| *l == cat) {
            Some(line) => {
                line.1 = amount;
                line.2 = "override".to_owned();
            }
            None => lines.push((cat, amount, "override".to_owned(), None)),
        }
    }
    let mut out = Vec::new();
    for (category, budget_amount, source, recommended) in lines {
        let name: String = r
            .query_row("SELECT name FROM categories WHERE id = ?1", [&category], |r| r.get(0))
            .optional()?
            .unwrap_or_else(|| category.clone());
        let spent_minor = this_month.iter().find(|(c, _)| *c == category).map_or(0, |(_, s)| *s);
        let spent = Money::from_minor(spent_minor, budget_amount.currency());
        let rollover = carried.iter().find(|(c, _)| *c == category).map(|(_, m)| *m);
        let available = match rollover {
            Some(r) => {
                budget_amount.checked_add(r).map_err(|e| Error::internal("the budget could not be totalled", e))?
            }
            None => budget_amount,
        };
        let remaining =
            available.checked_sub(spent).map_err(|e| Error::internal("the budget could not be totalled", e))?;
        let thresholds = thresholds(r, &category)?;
        out.push(BudgetLine {
            thresholds,
            category: category.into(),
            name,
            budget: budget_amount,
            source,
            spent,
            remaining,
            rollover,
            recommended,
        });
    }
    out.sort_by(|a, b| b.budget.minor().cmp(&a.budget.minor()).then(a.category.cmp(&b.category)));
    Ok(BudgetReport { month: month.to_owned(), currency, income, history_months: complete as u32, lines: out })
}

/// Sets the user's budget for a top-level category from `from_month` on.
pub(crate) fn set_override(
    v: &mut Vault,
    category: &str,
    amount: Money,
    from_month: &str,
    rollover: bool,
) -> Result<()> {
    month_start(from_month)?;
    if !amount.is_plausible() {
        return Err(Error::new(
            ErrorKind::Invalid,
            format!("{} is larger than any budget can be: check the amount", amount.to_plain_string()),
        ));
    }
    if amount.is_negative() {
        return Err(Error::new(ErrorKind::Invalid, "a budget cannot be negative"));
    }
    let parent: Option<Option<String>> =
        v.read().query_row("SELECT parent_id FROM categories WHERE id = ?1", [category], |r| r.get(0)).optional()?;
    match parent {
        None => return Err(Error::new(ErrorKind::Invalid, format!("there is no category `{category}`"))),
        Some(Some(p)) => {
            return Err(Error::new(ErrorKind::Invalid, format!("budgets are per top-level category: use `{p}`")));
        }
        Some(None) => {}
    }
    v.write(|w| {
        w.upsert_keyed(
            Table::BUDGET_OVERRIDES,
            &format!("{category}|{from_month}"),
            &[
                ("category_id", Value::Text(category.to_owned())),
                ("effective_from", Value::Text(from_month.to_owned())),
            ],
            &[
                ("currency", Value::Text(amount.currency().code().to_owned())),
                ("amount_minor", Value::Integer(amount.minor())),
                ("rollover", Value::Integer(i64::from(rollover))),
                ("updated_at", Value::Text(now_rfc3339())),
            ],
        )
    })
}

/// Sets the alert thresholds, in percent of a budget, for every category or, with
/// `category`, for that one (which then ignores the general setting).
pub(crate) fn set_thresholds(v: &mut Vault, thresholds: &[u32], category: Option<&str>) -> Result<()> {
    if thresholds.is_empty() || thresholds.iter().any(|t| !(1..=1000).contains(t)) {
        return Err(Error::new(ErrorKind::Invalid, "thresholds are percentages of a budget, 1 to 1000, e.g. 80,100"));
    }
    let mut list = thresholds.to_vec();
    list.sort_unstable();
    list.dedup();
    v.write(|w| settings::set_budget_thresholds(w, category, &list))
}

/// The thresholds that apply to `category`: its own, else the general ones, else 80% and 100%.
pub(crate) fn thresholds(r: Reader<'_>, category: &str) -> Result<Vec<u32>> {
    Ok(match settings::budget_thresholds(r, Some(category))? {
        Some(own) => own,
        None => settings::budget_thresholds(r, None)?.unwrap_or_else(|| DEFAULT_THRESHOLDS.to_vec()),
    })
}
