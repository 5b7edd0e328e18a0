//! Accounts, their devices, the tokens devices hold, and which account owns a vault. The store
//! keeps only hashes of tokens and an Argon2id hash of each password (made by the caller, off
//! the store's lock): a copy of the database logs no one in.

use rusqlite::{OptionalExtension, params};
use spearmint_sync_proto::{DeviceId, DeviceInfo, KeyBundle, VaultId};

use crate::store::{SqliteStore, StoreError, device_of};

pub(crate) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS accounts (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    created_at    INTEGER NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS devices (
    device       BLOB PRIMARY KEY,
    account      INTEGER NOT NULL REFERENCES accounts (id),
    name         TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    revoked      INTEGER NOT NULL DEFAULT 0
) STRICT, WITHOUT ROWID;
-- SHA-256 of each token; `kind` is 'access' or 'refresh'; `parent` the refresh token that
-- was redeemed for it (it stays good until this one is used: see `redeem_token`).
CREATE TABLE IF NOT EXISTS tokens (
    hash       BLOB PRIMARY KEY,
    kind       TEXT NOT NULL,
    device     BLOB NOT NULL REFERENCES devices (device),
    expires_at INTEGER NOT NULL,
    parent     BLOB
) STRICT, WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS tokens_by_device ON tokens (device);
CREATE INDEX IF NOT EXISTS tokens_by_parent ON tokens (parent);
CREATE TABLE IF NOT EXISTS vaults (
    vault   BLOB PRIMARY KEY,
    account INTEGER NOT NULL REFERENCES accounts (id)
) STRICT, WITHOUT ROWID;
-- Each vault's data keys, wrapped by a key only its recovery phrase derives (JSON, ciphertext).
-- The crowd's votes, opt-in: per seller (a keyed hash, never a name), each account's latest
-- category for it.
CREATE TABLE IF NOT EXISTS crowd_votes (
    seller     BLOB NOT NULL,
    account    INTEGER NOT NULL REFERENCES accounts (id),
    category   TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (seller, account)
) STRICT, WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS vault_keys (
    vault  BLOB PRIMARY KEY REFERENCES vaults (vault),
    bundle TEXT NOT NULL
) STRICT, WITHOUT ROWID;
";

/// An account's row id: never on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AccountId(pub i64);

/// Who a valid access token speaks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Caller {
    pub account: AccountId,
    pub device: DeviceId,
}

/// A token's kind, as stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    Access,
    Refresh,
}

impl TokenKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            TokenKind::Access => "access",
            TokenKind::Refresh => "refresh",
        }
    }
}

type Result<T> = std::result::Result<T, StoreError>;

impl SqliteStore {
    /// Creates an account; the name must be free.
    pub fn create_account(&mut self, name: &str, password_hash: &str, now: i64) -> Result<AccountId> {
        let inserted = self.db.execute(
            "INSERT INTO accounts (name, password_hash, created_at) VALUES (?1, ?2, ?3) ON CONFLICT (name) DO NOTHING",
            params![name, password_hash, now],
        )?;
        if inserted == 0 {
            return Err(StoreError::UserTaken);
        }
        Ok(AccountId(self.db.last_insert_rowid()))
    }

    /// The account called `name` and its password hash, if there is one.
    pub fn password_hash(&self, name: &str) -> Result<Option<(AccountId, String)>> {
        Ok(self
            .db
            .query_row("SELECT id, password_hash FROM accounts WHERE name = ?1", [name], |r| {
                Ok((AccountId(r.get(0)?), r.get(1)?))
            })
            .optional()?)
    }

    /// Registers `device` with `account` on its first login, or checks it is the account's and
    /// not revoked on a later one.
    pub fn register_device(&mut self, account: AccountId, device: DeviceId, name: &str, now: i64) -> Result<()> {
        let tx = self.db.transaction()?;
        let held: Option<(i64, bool)> = tx
            .query_row("SELECT account, revoked FROM devices WHERE device = ?1", [device.0.as_bytes()], |r| {
                Ok((r.get(0)?, r.get::<_, i64>(1)? != 0))
            })
            .optional()?;
        match held {
            Some((owner, _)) if owner != account.0 => return Err(StoreError::DeviceOfAnotherAccount),
            Some((_, true)) => return Err(StoreError::DeviceRevoked),
            Some(_) => {
                tx.execute(
                    "UPDATE devices SET name = ?2, last_seen_at = ?3 WHERE device = ?1",
                    params![device.0.as_bytes(), name, now],
                )?;
            }
            None => {
                tx.execute(
                    "INSERT INTO devices (device, account, name, created_at, last_seen_at) VALUES (?1, ?2, ?3, ?4, ?4)",
                    params![device.0.as_bytes(), account.0, name, now],
                )?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Stores a token's hash for `device`, good until `expires_at`, issued for the refresh token
    /// `parent` (none for a login); forgets expired ones.
    pub fn store_token(
        &mut self,
        hash: &[u8; 32],
        kind: TokenKind,
        device: DeviceId,
        expires_at: i64,
        now: i64,
        parent: Option<&[u8; 32]>,
    ) -> Result<()> {
        self.db.execute("DELETE FROM tokens WHERE expires_at <= ?1", [now])?;
        self.db.execute(
            "INSERT INTO tokens (hash, kind, device, expires_at, parent) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![hash.as_slice(), kind.as_str(), device.0.as_bytes(), expires_at, parent.map(|p| p.as_slice())],
        )?;
        Ok(())
    }

    /// Who the token with `hash` speaks for, if it is of `kind`, unexpired and its device not
    /// revoked. Redeeming a refresh token retires the one it was issued for (the device has
    /// shown it got this one) and the tokens an earlier redemption of it issued (their answer
    /// never reached the device); it stays good itself until its successor is used, so a
    /// refresh whose answer is lost (a dropped connection, a server that died) does not sign
    /// the device out.
    pub fn redeem_token(&mut self, hash: &[u8; 32], kind: TokenKind, now: i64) -> Result<Option<Caller>> {
        let found: Option<(Vec<u8>, i64)> = self
            .db
            .query_row(
                "SELECT t.device, d.account FROM tokens t JOIN devices d ON d.device = t.device
                 WHERE t.hash = ?1 AND t.kind = ?2 AND t.expires_at > ?3 AND d.revoked = 0",
                params![hash.as_slice(), kind.as_str(), now],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((device, account)) = found else { return Ok(None) };
        let device = device_of(&device)?;
        match kind {
            TokenKind::Refresh => {
                let tx = self.db.transaction()?;
                tx.execute(
                    "DELETE FROM tokens WHERE hash = (SELECT parent FROM tokens WHERE hash = ?1)",
                    [hash.as_slice()],
                )?;
                tx.execute("DELETE FROM tokens WHERE parent = ?1", [hash.as_slice()])?;
                tx.execute("UPDATE tokens SET parent = NULL WHERE hash = ?1", [hash.as_slice()])?;
                tx.commit()?;
            }
            // Last seen to the minute: a write per minute, not per request.
            TokenKind::Access => {
                self.db.execute(
                    "UPDATE devices SET last_seen_at = ?2 WHERE device = ?1 AND last_seen_at < ?2 - 60",
                    params![device.0.as_bytes(), now],
                )?;
            }
        }
        Ok(Some(Caller { account: AccountId(account), device }))
    }

    /// The account's devices, oldest first.
    pub fn devices(&self, account: AccountId) -> Result<Vec<DeviceInfo>> {
        let mut stmt = self.db.prepare_cached(
            "SELECT device, name, created_at, last_seen_at, revoked FROM devices WHERE account = ?1
             ORDER BY created_at, device",
        )?;
        let rows = stmt.query_map([account.0], |r| {
            Ok((r.get::<_, Vec<u8>>(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get::<_, i64>(4)? != 0))
        })?;
        let mut devices = Vec::new();
        for row in rows {
            let (device, name, created_at, last_seen_at, revoked) = row?;
            devices.push(DeviceInfo { device: device_of(&device)?, name, created_at, last_seen_at, revoked });
        }
        Ok(devices)
    }

    /// Revokes one of the account's devices: its tokens stop working at once and it can never
    /// log in again (it joins again as a new device). Returns whether the account had it.
    pub fn revoke_device(&mut self, account: AccountId, device: DeviceId) -> Result<bool> {
        let tx = self.db.transaction()?;
        let changed = tx.execute(
            "UPDATE devices SET revoked = 1 WHERE device = ?1 AND account = ?2",
            params![device.0.as_bytes(), account.0],
        )?;
        tx.execute("DELETE FROM tokens WHERE device = ?1", [device.0.as_bytes()])?;
        tx.commit()?;
        Ok(changed > 0)
    }

    /// Makes `vault` the account's if no account has it yet; refuses another account's vault.
    pub fn claim_vault(&mut self, account: AccountId, vault: VaultId) -> Result<()> {
        self.db.execute(
            "INSERT INTO vaults (vault, account) VALUES (?1, ?2) ON CONFLICT (vault) DO NOTHING",
            params![vault.0.as_bytes(), account.0],
        )?;
        self.check_vault(account, vault)
    }

    /// The account's vaults.
    pub fn vaults(&self, account: AccountId) -> Result<Vec<VaultId>> {
        let mut stmt = self.db.prepare_cached("SELECT vault FROM vaults WHERE account = ?1 ORDER BY vault")?;
        let rows = stmt.query_map([account.0], |r| r.get::<_, Vec<u8>>(0))?;
        let mut out = Vec::new();
        for row in rows {
            out.push(VaultId(uuid::Uuid::from_slice(&row?).map_err(|_| StoreError::Corrupt)?));
        }
        Ok(out)
    }

    /// Keeps the vault's wrapped keys (the account's own vault, claimed if new).
    pub fn put_keys(&mut self, account: AccountId, vault: VaultId, bundle: &KeyBundle) -> Result<()> {
        self.claim_vault(account, vault)?;
        let json = serde_json::to_string(bundle).map_err(|_| StoreError::Corrupt)?;
        let tx = self.db.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let held: Option<String> = tx
            .query_row("SELECT bundle FROM vault_keys WHERE vault = ?1", [vault.0.as_bytes()], |r| r.get(0))
            .optional()?;
        let held = held.map(|j| serde_json::from_str::<KeyBundle>(&j).map_err(|_| StoreError::Corrupt)).transpose()?;
        crate::store::check_successor(held.as_ref(), bundle)?;
        tx.execute(
            "INSERT INTO vault_keys (vault, bundle) VALUES (?1, ?2) ON CONFLICT (vault) DO UPDATE SET bundle = excluded.bundle",
            params![vault.0.as_bytes(), json],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The vault's wrapped keys, if any device put them.
    pub fn keys(&self, account: AccountId, vault: VaultId) -> Result<Option<KeyBundle>> {
        self.check_vault(account, vault)?;
        let json: Option<String> = self
            .db
            .query_row("SELECT bundle FROM vault_keys WHERE vault = ?1", [vault.0.as_bytes()], |r| r.get(0))
            .optional()?;
        json.map(|j| serde_json::from_str(&j).map_err(|_| StoreError::Corrupt)).transpose()
    }

    /// Keeps the account's votes, each replacing its earlier vote for the same seller.
    pub fn put_votes(&mut self, account: AccountId, votes: &[([u8; 32], String)], now: i64) -> Result<()> {
        let tx = self.db.transaction()?;
        {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO crowd_votes (seller, account, category, updated_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (seller, account) DO UPDATE SET category = excluded.category, updated_at = excluded.updated_at",
            )?;
            for (seller, category) in votes {
                stmt.execute(params![seller.as_slice(), account.0, category, now])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// For each of `sellers`, the category most distinct accounts chose (ties: the smaller id)
    /// and how many, where at least `min_accounts` did.
    pub fn crowd(&mut self, sellers: &[[u8; 32]], min_accounts: u32) -> Result<Vec<([u8; 32], String, u32)>> {
        let mut stmt = self.db.prepare_cached(
            "SELECT category, COUNT(*) AS n FROM crowd_votes WHERE seller = ?1
             GROUP BY category ORDER BY n DESC, category LIMIT 1",
        )?;
        let mut out = Vec::new();
        for seller in sellers {
            let top: Option<(String, i64)> =
                stmt.query_row([seller.as_slice()], |r| Ok((r.get(0)?, r.get(1)?))).optional()?;
            if let Some((category, n)) = top
                && n >= i64::from(min_accounts)
            {
                out.push((*seller, category, u32::try_from(n).unwrap_or(u32::MAX)));
            }
        }
        Ok(out)
    }

    /// Refuses `vault` if another account has it (a vault no one has is empty, and readable).
    pub fn check_vault(&self, account: AccountId, vault: VaultId) -> Result<()> {
        let owner: Option<i64> = self
            .db
            .query_row("SELECT account FROM vaults WHERE vault = ?1", [vault.0.as_bytes()], |r| r.get(0))
            .optional()?;
        match owner {
            Some(owner) if owner != account.0 => Err(StoreError::VaultOfAnotherAccount),
            _ => Ok(()),
        }
    }
}
