//! Reports: what the vault's rows add up to. Monthly spending by category, trends and top
//! sellers (`spending`, read from the maintained `monthly_spending`), the doctor's recount, and
//! CSV exports (`export`). Reports only read, except the doctor's repair.

mod export;
mod spending;

pub use export::{ExportKind, Exported};
pub(crate) use export::{export_budgets, export_log, export_spending, export_transactions, log_user, to_file};
pub use spending::{
    AccountCountDifference, CategorySpending, DoctorReport, MonthSpending, SellerSpending, SpendingDifference,
};
pub(crate) use spending::{doctor, latest_month, month, top_sellers, trend};
