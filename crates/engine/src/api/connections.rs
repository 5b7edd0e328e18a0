//! Linking providers and extracting from them.

use spearmint_core::{AccountId, ConnectionId};

use crate::engine::Engine;
use crate::error::Result;
use crate::provider::connection::Connection;
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
}
