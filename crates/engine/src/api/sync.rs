//! Sync: the change log as sync reads it, setting up and joining a synced budget, syncing.

use spearmint_sync_proto::Secret;

use crate::engine::Engine;
use crate::error::Result;
use crate::sync::client;
use crate::sync::client::{SyncDevice, SyncDeviceView, SyncReport, SyncState, SyncStatus};
use crate::vault::write::{self, ChangeRecord};

impl Engine {
    /// The number of entries in the change log (a bulk insert is one entry).
    pub fn change_count(&self) -> Result<i64> {
        self.with_vault(|v| Ok(v.read().query_row("SELECT count(*) FROM changes", [], |r| r.get(0))?))
    }

    /// The change log after `after_seq`, oldest first, `limit` entries, with each bulk insert
    /// expanded into one record per row: what sync will upload.
    pub fn changes_since(&self, after_seq: i64, limit: u32) -> Result<Vec<ChangeRecord>> {
        self.with_vault(|v| write::expand(v.read(), after_seq, limit))
    }

    /// Sets this budget up for sync on `server` as `user` (creating the account when the server
    /// lets anyone sign up) and syncs it. Returns the recovery phrase: shown once, the only way
    /// another device can open the budget.
    pub async fn sync_setup(&self, server: &str, user: &str, password: &str) -> Result<String> {
        client::setup(self, server, user, &Secret::new(password)).await
    }

    /// Joins the budget `user` syncs on `server`, opened with its recovery phrase, and syncs it
    /// here. A wrong phrase is refused before anything is written.
    pub async fn sync_join(&self, server: &str, user: &str, password: &str, phrase: &str) -> Result<()> {
        client::join(self, server, user, &Secret::new(password), phrase).await
    }

    /// Syncs now: sends this device's changes and merges the other devices'.
    pub async fn sync_now(&self) -> Result<SyncReport> {
        client::sync_now(self).await
    }

    /// Where sync stands (no network): server, last sync, what is waiting to be sent.
    pub fn sync_status(&self) -> Result<SyncStatus> {
        client::status(self)
    }

    /// Where sync stands, for the app: `set_up: false` (not an error) when it does not sync.
    pub fn sync_state(&self) -> Result<SyncState> {
        client::state(self)
    }

    /// The devices that sync this budget, as Settings lists them, this one marked.
    pub async fn sync_device_views(&self) -> Result<Vec<SyncDeviceView>> {
        client::device_views(self).await
    }

    /// The devices that sync this budget, as the server knows them.
    pub async fn sync_devices(&self) -> Result<Vec<SyncDevice>> {
        client::devices(self).await
    }

    /// A new data key for the budget: records sealed from now on use it, on every device after
    /// its next sync. Returns the key's epoch.
    pub async fn sync_rotate_key(&self) -> Result<u32> {
        client::rotate_key(self).await
    }

    /// A new recovery phrase, with a new data key: the devices active now go on syncing as
    /// they are; a removed device, or anyone who read the old phrase, opens nothing sealed
    /// from now on. Returns the new phrase: shown once, the old one no longer joins.
    pub async fn sync_change_phrase(&self) -> Result<String> {
        client::change_phrase(self).await
    }

    /// Syncs, then makes a snapshot of the budget now (the latest value of every cell) and
    /// uploads it: new devices start from it, and the server may delete the records it stands
    /// for once every device has read them. Snapshots are made at syncs on their own; this is
    /// for an operator who wants one now. Returns whether it became the budget's latest.
    pub async fn sync_snapshot(&self) -> Result<bool> {
        client::snapshot_now(self).await
    }

    /// Removes a device from the sync account: it can no longer sync (a lost or sold laptop).
    pub async fn sync_revoke(&self, device: &str) -> Result<()> {
        client::revoke(self, device).await
    }

    /// Shares this user's own categories with the crowd at each sync, and asks the crowd
    /// about this vault's sellers (opt-in: off until turned on). Sellers leave this device only
    /// as keyed hashes of their names, categories as ids; nothing else does.
    pub fn set_crowd_sharing(&self, on: bool) -> Result<()> {
        self.with_vault(|v| v.write(|w| crate::vault::settings::set_crowd_sharing(w, on)))
    }

    /// Stops syncing this budget on this device; its data stays here and on the server.
    pub fn sync_leave(&self) -> Result<()> {
        client::leave(self)
    }
}
