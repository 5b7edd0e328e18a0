//! Linking providers and extracting from them.

use spearmint_core::{AccountId, ConnectionId};

use crate::engine::Engine;
use crate::error::Result;
use crate::provider::connection::{self, Connection, Removed};
use crate::provider::refresh::{self, OfxLogin, Progress, RefreshReport};

impl Engine {
    /// Links the demo bank (realistic generated data, no bank needed) and queues its first
    /// extraction. Linking it twice gives the same connection.
    pub async fn connect_demo(&self) -> Result<Connection> {
        refresh::connect_demo(self).await
    }

    /// The demo bank with `history_days` of history (more makes a bigger vault to try).
    pub async fn connect_demo_with_history(&self, history_days: u32) -> Result<Connection> {
        refresh::connect_demo_with_history(self, history_days).await
    }

    /// Claims a SimpleFIN setup token, keeps the access URL in the keychain, queues the first
    /// extraction.
    pub async fn connect_simplefin(&self, setup_token: &str) -> Result<Connection> {
        refresh::connect_simplefin(self, setup_token).await
    }

    /// Signs on to a bank over OFX, lists its accounts (`ACCTINFORQ`), keeps the login in the
    /// keychain, queues the first extraction.
    pub async fn connect_ofx(&self, login: OfxLogin) -> Result<Connection> {
        refresh::connect_ofx(self, login).await
    }

    /// The linked providers and their health.
    pub fn connections(&self) -> Result<Vec<Connection>> {
        refresh::connections(self)
    }

    /// Extracts now: every connection, or the one holding `account`. Runs the queued jobs
    /// (including ones a crash interrupted) and reports each connection's outcome.
    pub async fn refresh(
        &self,
        account: Option<AccountId>,
        progress: impl Fn(&Progress) + Send + Sync,
    ) -> Result<RefreshReport> {
        refresh::refresh(self, account, progress).await
    }

    /// Extracts one connection now (after linking it).
    pub async fn refresh_connection(
        &self,
        connection_id: ConnectionId,
        progress: impl Fn(&Progress) + Send + Sync,
    ) -> Result<RefreshReport> {
        refresh::refresh_connection(self, connection_id, progress).await
    }

    /// Unlinks a bank: its login leaves the keychain, no refresh reaches it again, and its
    /// accounts either stay with every transaction, as accounts of your own
    /// (`keep_transactions`), or are removed with them. All or nothing.
    pub fn disconnect(&self, id: ConnectionId, keep_transactions: bool) -> Result<Removed> {
        let entry = self.with_vault(|v| connection::get(v, id))?.keychain();
        let removed = self.with_vault(|v| connection::remove(v, id, keep_transactions))?;
        connection::forget_login(&entry)?;
        Ok(removed)
    }

    /// Removes an account: one from a linked bank disconnects that bank (all its accounts, as
    /// [`Engine::disconnect`]); one of your own goes with its transactions, which it cannot keep.
    pub fn remove_account(&self, account: AccountId, keep_transactions: bool) -> Result<Removed> {
        match self.with_vault(|v| connection::of_account(v, &account.to_string()))? {
            Some(id) => self.disconnect(id, keep_transactions),
            None if keep_transactions => Err(crate::error::Error::new(
                crate::error::ErrorKind::Invalid,
                "this account is not linked to a bank, so there is nothing to disconnect: remove it with its \
                 transactions, or keep it",
            )),
            None => self.with_vault(|v| connection::remove_account(v, account)),
        }
    }
}
