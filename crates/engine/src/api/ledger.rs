//! Accounts, the transaction list, and the user's edits of transactions.

use chrono::NaiveDate;
use spearmint_core::{AccountId, CategoryId, Money, TransactionId};

use crate::engine::Engine;
use crate::error::Result;
use crate::ledger::{self, AccountSummary, NewAccount, NewTransaction, Transaction, TransactionQuery};

impl Engine {
    /// A manual account (no provider), to enter transactions or import files into.
    pub fn create_account(&self, new: NewAccount) -> Result<AccountId> {
        self.with_vault(|v| ledger::create_account(v, new))
    }

    /// A transaction entered by hand.
    pub fn add_transaction(&self, new: NewTransaction) -> Result<TransactionId> {
        self.with_vault(|v| ledger::add_transaction(v, new))
    }

    /// The newest `limit` transactions.
    pub fn list_transactions(&self, limit: u32) -> Result<Vec<Transaction>> {
        self.with_vault(|v| ledger::list_transactions(v, limit))
    }

    /// One page of transactions, newest first, filtered (keyset paging: `query.before`).
    pub fn transactions(&self, query: &TransactionQuery) -> Result<Vec<Transaction>> {
        self.with_vault(|v| ledger::query_transactions(v, query))
    }

    /// The open accounts with their balances, status and transaction counts.
    pub fn accounts(&self) -> Result<Vec<AccountSummary>> {
        self.with_vault(|v| ledger::list_accounts(v))
    }

    /// The user sets a transaction's category: it is locked, and nothing automatic changes it.
    pub fn set_category(&self, id: TransactionId, category: impl Into<CategoryId>) -> Result<()> {
        let category = category.into();
        self.with_vault(|v| ledger::set_category(v, id, category.as_str()))
    }

    /// Corrects a transaction's date or amount (a manual fix of what the bank said).
    pub fn edit_transaction(
        &self,
        id: TransactionId,
        posted_on: Option<NaiveDate>,
        amount: Option<Money>,
    ) -> Result<()> {
        self.with_vault(|v| ledger::edit_transaction(v, id, posted_on, amount))
    }

    /// Splits a transaction across categories. The parts must be in its currency and sum to its
    /// amount exactly; splitting again replaces the parts. The monthly totals follow the parts.
    pub fn split_transaction(&self, id: TransactionId, parts: &[(CategoryId, Money, Option<String>)]) -> Result<()> {
        self.with_vault(|v| ledger::split_transaction(v, id, parts))
    }

    /// The user's name for the payee (`None`: the seller's own name again) and note.
    pub fn set_payee_and_note(&self, id: TransactionId, payee: Option<&str>, note: Option<&str>) -> Result<()> {
        self.with_vault(|v| ledger::set_payee_and_note(v, id, payee, note))
    }

    /// One transaction as lists show it.
    pub fn transaction(&self, id: TransactionId) -> Result<Transaction> {
        self.with_vault(|v| ledger::transaction(v, id))
    }

    /// Makes a split transaction whole again, under its own category.
    pub fn unsplit_transaction(&self, id: TransactionId) -> Result<()> {
        self.with_vault(|v| ledger::unsplit_transaction(v, id))
    }

    pub fn delete_transaction(&self, id: TransactionId) -> Result<()> {
        self.with_vault(|v| ledger::delete_transaction(v, id))
    }
}
