//! Monthly spending, the doctor's recount, and CSV exports.

use std::io::Write;

use crate::engine::Engine;
use crate::error::Result;
use crate::ledger::TransactionQuery;
use crate::reports::{self, DoctorReport, ExportKind, Exported, MonthSpending, SellerSpending};

impl Engine {
    /// Spending by category for one month (`YYYY-MM`).
    pub fn spending(&self, month: &str) -> Result<MonthSpending> {
        self.with_vault(|v| reports::month(v, month))
    }

    /// The last `months` months up to and including `until`, oldest first.
    pub fn spending_trend(&self, until: &str, months: u32) -> Result<Vec<MonthSpending>> {
        self.with_vault(|v| reports::trend(v, until, months))
    }

    /// The sellers the most money went to in a month (transfers and income left out).
    pub fn top_sellers(&self, month: &str, limit: u32) -> Result<Vec<SellerSpending>> {
        self.with_vault(|v| reports::top_sellers(v, month, limit))
    }

    /// The newest month with any transaction, if any.
    pub fn latest_month(&self) -> Result<Option<String>> {
        self.with_vault(|v| reports::latest_month(v))
    }

    /// Recomputes monthly spending and each account's transaction count from the rows; returns
    /// every difference from the maintained tables (none, when all is well). With `repair`,
    /// replaces the tables that differ with their recount.
    pub fn doctor(&self, repair: bool) -> Result<DoctorReport> {
        self.with_vault(|v| reports::doctor(v, repair))
    }

    /// Writes the transactions `query` selects (its `limit` and `before` are ignored: all of
    /// them, newest first) as CSV to `out`; returns how many rows. Reads the vault a page at a
    /// time, releasing it between pages.
    pub fn export_transactions(&self, query: &TransactionQuery, out: &mut dyn Write) -> Result<u64> {
        reports::export_transactions(self, query, out)
    }

    /// Writes the transactions `query` selects as the seed's transaction log for `user` (the
    /// vault's id when `None`): what `batch spending` reads and `import` reads back for one
    /// user. Fails, writing nothing more, when they are in more than one currency.
    pub fn export_log(&self, query: &TransactionQuery, user: Option<&str>, out: &mut dyn Write) -> Result<u64> {
        let user = match user {
            Some(u) => u.to_owned(),
            None => reports::log_user(self)?,
        };
        reports::export_log(self, query, &user, out)
    }

    /// Writes the monthly spending per category (what the Spending screen sums) as CSV.
    pub fn export_spending(&self, out: &mut dyn Write) -> Result<u64> {
        reports::export_spending(self, out)
    }

    /// Writes an export to the file at `path`, which appears under its name only when complete
    /// (a temporary file beside it, synced, then renamed over it), readable by this user only;
    /// a failure (a full disk, a folder that cannot be written) leaves `path` as it was.
    /// Transactions are all of them, in every account. Returns how many rows.
    pub fn export_to_file(&self, what: ExportKind, path: &std::path::Path) -> Result<Exported> {
        let rows = reports::to_file(path, |out| match what {
            ExportKind::Transactions => self.export_transactions(&TransactionQuery::default(), out),
            ExportKind::Spending => self.export_spending(out),
            ExportKind::Budgets => self.export_budgets(out),
        })?;
        Ok(Exported { rows, file: path.display().to_string() })
    }

    /// Writes the budgets the user set (overrides of the recommended ones) as CSV.
    pub fn export_budgets(&self, out: &mut dyn Write) -> Result<u64> {
        reports::export_budgets(self, out)
    }
}
