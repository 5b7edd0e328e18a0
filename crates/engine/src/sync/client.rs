//! The sync client: sets a vault up on a server or joins one, and syncs: seals this device's
//! changes into its log's next records (kept in the outbox until the server holds them),
//! uploads them, downloads the other devices' records by `(device, seq)` cursors, opens each
//! as the next of its device's log and merges it. Every step commits before the next talks to
//! the network, so a sync cut off anywhere resumes where it stopped, and a record is never
//! applied twice nor skipped.
//!
//! The server is spoken to over HTTPS with certificate verification, or plain HTTP to a server
//! on this machine. The account's refresh token lives in the keychain; the password is used
//! only to log in and the recovery phrase only to unwrap the data key.

use reqwest::Method;
use serde::Serialize;
use serde::de::DeserializeOwned;
use spearmint_sync_proto::{
    Capabilities, ChangeBatch, ContentHash, Cursor, DeviceId, DeviceInfo, DeviceList, DownloadPage, DownloadRequest,
    Envelope, ErrorBody, KeyEpoch, LoginRequest, RefreshRequest, Secret, Seq, SignUpRequest, Tokens, UploadOutcome,
    UploadRequest, UploadResponse, VaultId,
};
use uuid::Uuid;

use super::merge::{apply_remote, take_local};
use super::seal::{DataKey, DeviceSecret, Head, RecoveryPhrase, SealError, open, seal};
use super::{keys, snapshot};
use crate::engine::Engine;
use crate::error::{Error, ErrorKind, Result};
use crate::keychain::KeychainEntry;
use crate::vault::lock::ProfileLock;
use crate::vault::now_rfc3339;
use crate::vault::sync_book::{self, SyncAccount};

/// Cell changes sealed into one record, at most.
const CELLS_PER_RECORD: usize = 1_000;
/// A cursor past the end of any log: this device's own, which it never downloads.
const OWN_LOG: Seq = Seq(i64::MAX as u64);
/// Change log entries sealed at a time.
const LOG_ENTRIES_PER_SEAL: u32 = 5_000;
/// Records sent in one upload, at most (the server's limit may be lower).
const RECORDS_PER_UPLOAD: u32 = 200;

/// What one sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SyncReport {
    pub uploaded: usize,
    pub downloaded: usize,
    pub applied: usize,
    /// Changes still waiting for their row or for the clocks to agree.
    pub waiting: usize,
    /// Devices whose clocks are far ahead: their changes wait (check those devices' time).
    pub quarantined: Vec<String>,
    /// Sellers the crowd gave a category for (only when this device shares with the crowd).
    pub crowd: usize,
    /// Whether this device made the budget's latest snapshot in this sync.
    pub snapshot: bool,
}

impl SyncReport {
    /// Adds what one merge did.
    fn note(&mut self, applied: &super::merge::Applied) {
        self.applied += applied.applied;
        self.waiting = applied.waiting;
        for device in &applied.quarantined {
            let name = device.to_string();
            if !self.quarantined.contains(&name) {
                self.quarantined.push(name);
            }
        }
    }
}

/// Where this vault's sync stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyncStatus {
    pub server: String,
    pub user: String,
    pub vault: String,
    pub device: String,
    pub last_sync_at: Option<String>,
    pub last_error: Option<String>,
    /// This device's changes not yet on the server (log entries, then sealed records).
    pub pending_changes: i64,
    pub pending_records: i64,
    /// Each other device's records applied here.
    pub devices: Vec<(String, i64)>,
    /// Whether this device shares its categories with the crowd (off unless the user turns it on).
    pub crowd_sharing: bool,
}

/// Where this budget's sync stands, for Settings and the Overview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct SyncState {
    /// Whether this budget syncs through a server; the rest is null or 0 when it does not.
    pub set_up: bool,
    /// The server's address, as the user typed it.
    pub server: Option<String>,
    /// The account's user name on the server.
    pub user: Option<String>,
    /// This device's id on the server.
    pub device: Option<String>,
    /// The last sync that completed (RFC 3339, UTC).
    pub last_sync_at: Option<String>,
    /// What went wrong in the last sync, in words that say what to do; null after a good one.
    pub last_error: Option<String>,
    /// This device's changes not yet on the server.
    pub pending_changes: u32,
    /// Whether this device shares the user's own categories with the crowd, and gets the
    /// crowd's, at each sync (off unless the user turns it on).
    pub crowd_sharing: bool,
}

impl SyncState {
    fn of(status: Option<SyncStatus>) -> SyncState {
        match status {
            None => SyncState {
                set_up: false,
                server: None,
                user: None,
                device: None,
                last_sync_at: None,
                last_error: None,
                pending_changes: 0,
                crowd_sharing: false,
            },
            Some(s) => SyncState {
                set_up: true,
                server: Some(s.server),
                user: Some(s.user),
                device: Some(s.device),
                last_sync_at: s.last_sync_at,
                last_error: s.last_error,
                pending_changes: u32::try_from(s.pending_changes.max(0) + s.pending_records.max(0)).unwrap_or(u32::MAX),
                crowd_sharing: s.crowd_sharing,
            },
        }
    }
}

/// A device of the sync account, as Settings lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct SyncDeviceView {
    /// The device's id: what `sync_revoke` takes.
    pub id: String,
    /// The name the device gave itself (its computer's name).
    pub name: String,
    /// When it joined and when the server last heard from it (RFC 3339, UTC).
    pub added_at: String,
    pub last_seen_at: String,
    /// Removed from the account: it can sync no more.
    pub revoked: bool,
    /// This device.
    pub this_device: bool,
}

fn rfc3339(secs: i64) -> String {
    chrono::DateTime::from_timestamp(secs, 0).unwrap_or_default().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Where sync stands, `set_up: false` when this budget does not sync.
pub(crate) fn state(engine: &Engine) -> Result<SyncState> {
    if engine.with_vault(|v| sync_book::sync_account(v.read()))?.is_none() {
        return Ok(SyncState::of(None));
    }
    Ok(SyncState::of(Some(status(engine)?)))
}

/// The account's devices as Settings lists them, this one marked.
pub(crate) async fn device_views(engine: &Engine) -> Result<Vec<SyncDeviceView>> {
    let me = device_of(engine)?;
    Ok(devices(engine)
        .await?
        .into_iter()
        .map(|d| SyncDeviceView {
            id: d.device.0.to_string(),
            name: d.name,
            added_at: rfc3339(d.created_at),
            last_seen_at: rfc3339(d.last_seen_at),
            revoked: d.revoked,
            this_device: d.device == me,
        })
        .collect())
}

/// Where this device keeps its refresh token: named by the device, since two profiles on one
/// machine may sync the same budget as two devices.
fn refresh_entry(device: DeviceId) -> KeychainEntry {
    KeychainEntry::new(format!("sync-refresh:{}", device.0))
}

/// The account's devices, for `spearmint sync devices` and Settings.
pub use spearmint_sync_proto::DeviceInfo as SyncDevice;

pub(super) fn sync_error(kind: ErrorKind, message: impl Into<String>) -> Error {
    Error::new(kind, message)
}

/// The server, spoken to as one device.
pub(super) struct Server {
    http: reqwest::Client,
    base: url::Url,
    token: Option<Secret>,
}

impl Server {
    fn new(url: &str) -> Result<Server> {
        let base = url::Url::parse(url.trim_end_matches('/'))
            .map_err(|_| sync_error(ErrorKind::Invalid, format!("`{url}` is not a server address: use https://...")))?;
        let loopback = match base.host() {
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            Some(url::Host::Domain(d)) => d == "localhost",
            None => false,
        };
        if base.scheme() != "https" && !(base.scheme() == "http" && loopback) {
            return Err(sync_error(
                ErrorKind::Invalid,
                "the sync server's address must start with https:// (plain http only to this machine)",
            ));
        }
        let http = reqwest::Client::builder()
            .connect_timeout(std::time::Duration::from_secs(15))
            .timeout(std::time::Duration::from_secs(60))
            // A sync server never redirects: one that does is not followed anywhere.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| sync_error(ErrorKind::Internal, format!("cannot start the sync client: {e}")))?;
        Ok(Server { http, base, token: None })
    }

    pub(super) async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&impl Serialize>,
    ) -> Result<T> {
        self.exchange(method, path, body).await.map_err(|(_, e)| e)
    }

    /// As [`Server::call`], with the kind the server gave a refusal, for a caller that acts on
    /// it (a download from before what was compacted starts again from the snapshot).
    pub(super) async fn exchange<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&impl Serialize>,
    ) -> std::result::Result<T, (Option<spearmint_sync_proto::ErrorKind>, Error)> {
        let url = format!("{}{path}", self.base.as_str().trim_end_matches('/'));
        let mut request = self.http.request(method, url);
        if let Some(token) = &self.token {
            request = request.bearer_auth(token.expose());
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.map_err(|e| {
            let e = e.without_url();
            (None, Self::unreachable(e))
        })?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(|_| {
            (None, sync_error(ErrorKind::Offline, "the sync server stopped answering: try again later"))
        })?;
        if status.is_success() {
            let bytes: &[u8] = if bytes.is_empty() { b"null" } else { &bytes };
            return serde_json::from_slice(bytes).map_err(|_| {
                (
                    None,
                    sync_error(
                        ErrorKind::Provider,
                        "the sync server answered something this version does not read: update Spearmint",
                    ),
                )
            });
        }
        let said = serde_json::from_slice::<ErrorBody>(&bytes).ok().map(|b| b.error);
        let refused = said.as_ref().map(|e| e.kind);
        let message = said.map(|e| e.message).unwrap_or_else(|| format!("the sync server answered {status}"));
        let kind = match status.as_u16() {
            400 | 413 => ErrorKind::Invalid,
            401 | 403 => ErrorKind::ProviderAuth,
            404 => ErrorKind::NotFound,
            409 => ErrorKind::Conflict,
            429 => ErrorKind::RateLimited,
            507 => ErrorKind::Storage,
            _ => ErrorKind::Provider,
        };
        Err((refused, sync_error(kind, format!("the sync server refused: {message}"))))
    }

    /// The error for a request that reached no answer.
    fn unreachable(e: reqwest::Error) -> Error {
        if let Some(reason) = crate::provider::http::untrusted_certificate(&e) {
            return sync_error(
                ErrorKind::Provider,
                format!(
                    "the sync server presented a certificate this machine does not trust ({reason}): nothing was \
                     sent over it. Someone may be intercepting the connection; if the server has a certificate \
                     of its own, add its certificate authority to the system's trusted certificates"
                ),
            );
        }
        sync_error(
            ErrorKind::Offline,
            format!("cannot reach the sync server ({e}): check the network; your changes are kept and sent later"),
        )
    }

    async fn login(&mut self, user: &str, password: &Secret, device: DeviceId) -> Result<Tokens> {
        let request =
            LoginRequest { user: user.to_owned(), password: password.clone(), device, device_name: device_name() };
        let tokens: Tokens = self.call(Method::POST, "/v1/login", Some(&request)).await?;
        self.token = Some(tokens.access_token.clone());
        Ok(tokens)
    }

    async fn refresh(&mut self, refresh_token: &str) -> Result<Tokens> {
        let request = RefreshRequest { refresh_token: Secret::new(refresh_token) };
        let tokens: Tokens = self.call(Method::POST, "/v1/refresh", Some(&request)).await.map_err(|e| {
            if e.kind() == ErrorKind::ProviderAuth {
                sync_error(
                    ErrorKind::ProviderAuth,
                    "this device is signed out of the sync server: join the budget again",
                )
            } else {
                e
            }
        })?;
        self.token = Some(tokens.access_token.clone());
        Ok(tokens)
    }
}

fn device_name() -> String {
    std::env::var("HOSTNAME").ok().filter(|h| !h.is_empty()).unwrap_or_else(|| "This computer".to_owned())
}

pub(super) fn no_body() -> Option<&'static ()> {
    None
}

fn vault_of(account: &SyncAccount) -> Result<VaultId> {
    Uuid::parse_str(&account.vault_id)
        .map(VaultId)
        .map_err(|_| sync_error(ErrorKind::Corrupt, "the vault's sync settings are damaged: join the budget again"))
}

fn device_of(engine: &Engine) -> Result<DeviceId> {
    engine.with_vault(|v| Ok(DeviceId(*v.device_id().as_uuid())))
}

/// Keeps the refresh token for the next sync.
fn keep_tokens(tokens: &Tokens) -> Result<()> {
    refresh_entry(tokens.device).store_secret(tokens.refresh_token.expose())
}

/// Sets this vault up on `server` for `user` (creating the account if the server allows it):
/// a new data key, wrapped by a new recovery phrase, returned to be shown once.
pub(crate) async fn setup(engine: &Engine, server_url: &str, user: &str, password: &Secret) -> Result<String> {
    let mut server = Server::new(server_url)?;
    let device = device_of(engine)?;
    let sign_up = SignUpRequest { user: user.to_owned(), password: password.clone() };
    match server.call::<serde_json::Value>(Method::POST, "/v1/accounts", Some(&sign_up)).await {
        Ok(_) => {}
        // No sign-up (the operator adds accounts) or the name is taken: log in as it.
        Err(e) if matches!(e.kind(), ErrorKind::ProviderAuth | ErrorKind::Conflict) => {}
        Err(e) => return Err(e),
    }
    let tokens = server.login(user, password, device).await?;
    let vault = VaultId(Uuid::now_v7());
    let phrase = RecoveryPhrase::generate();
    let phrase_key = phrase.key(vault);
    let key = DataKey::random();
    let secret = DeviceSecret::random();
    let bundle = keys::first_bundle(&phrase_key, vault, device, &secret, &key);
    server.call::<()>(Method::PUT, &format!("/v1/vaults/{}/keys", vault.0), Some(&bundle)).await?;
    let account = SyncAccount::starting(server_url, user, vault.0.to_string(), 0);
    keep_tokens(&tokens)?;
    keys::begin(engine, &account, &[(0, key)], (0, &phrase_key), &secret, Some(bundle.revision))?;
    // The phrase is shown whatever the first sync does: it is the only one there is. A failed
    // sync is kept as the last error and retried by the background task.
    let _ = sync_now(engine).await;
    Ok(phrase.expose().to_owned())
}

/// Joins the budget `user` syncs on `server`, with the recovery phrase shown at its setup. A
/// wrong phrase is refused before anything is written.
pub(crate) async fn join(engine: &Engine, server_url: &str, user: &str, password: &Secret, phrase: &str) -> Result<()> {
    let phrase = RecoveryPhrase::parse(phrase).map_err(|e| sync_error(ErrorKind::Invalid, e.to_string()))?;
    let mut server = Server::new(server_url)?;
    let device = device_of(engine)?;
    let tokens = server.login(user, password, device).await?;
    #[derive(serde::Deserialize)]
    struct Vaults {
        vaults: Vec<VaultId>,
    }
    let vaults: Vaults = server.call(Method::GET, "/v1/vaults", no_body()).await?;
    let Some(&vault) = vaults.vaults.first() else {
        return Err(sync_error(
            ErrorKind::NotFound,
            "this account has no budget on the sync server yet: set up sync on the device that has it first",
        ));
    };
    let bundle = keys::fetch(&server, vault).await?;
    // Every epoch's key: records sealed before a key change open too.
    let phrase_key = phrase.key(vault);
    let data_keys = keys::open_all(&phrase_key, vault, &bundle)?;
    let epoch = data_keys.iter().map(|(e, _)| *e).max().unwrap_or(0);
    let account = SyncAccount::starting(server_url, user, vault.0.to_string(), epoch);
    keep_tokens(&tokens)?;
    keys::begin(engine, &account, &data_keys, (bundle.phrase, &phrase_key), &DeviceSecret::random(), None)?;
    sync_now(engine).await.map(|_| ())
}

fn account_of(engine: &Engine) -> Result<SyncAccount> {
    engine.with_vault(|v| sync_book::sync_account(v.read()))?.ok_or_else(|| {
        sync_error(ErrorKind::NotFound, "this budget is not synced: set up sync, or join a budget, in Settings")
    })
}

/// Seals this device's changes not yet sealed into its log's next records. Runs inside the
/// write that applies remote changes too, so that every local change has its clock first.
pub(super) fn seal_pending(w: &mut crate::vault::Writer<'_>, keys: &[(u32, DataKey)]) -> Result<usize> {
    let mut sealed = 0;
    // A few thousand log entries at a time, so a first sync of a large vault does not hold
    // every change in memory at once (a bulk import's entry still expands to all its rows).
    loop {
        let account =
            sync_book::sync_account(w.read())?.ok_or_else(|| sync_error(ErrorKind::NotFound, "not synced"))?;
        let (changes, through) = take_local(w, account.sealed_through, LOG_ENTRIES_PER_SEAL)?;
        if through == account.sealed_through {
            return Ok(sealed);
        }
        if changes.is_empty() {
            w.mark_sealed(through)?;
            continue;
        }
        let vault = vault_of(&account)?;
        let device = DeviceId(w.device_uuid());
        let key = keys.iter().find(|(e, _)| *e == account.epoch).map(|(_, k)| k).ok_or_else(|| {
            sync_error(ErrorKind::KeyMissing, "this device lacks the budget's key: join the budget again")
        })?;
        let mut head = Head { seq: Seq(account.device_seq as u64), hash: head_hash(account.device_head.as_deref())? };
        for part in changes.chunks(CELLS_PER_RECORD) {
            let batch = ChangeBatch { changes: part.to_vec() };
            let record = seal(key, KeyEpoch(account.epoch), vault, device, head, &batch);
            head = Head { seq: record.seq, hash: Some(record.content_hash()) };
            let json =
                serde_json::to_string(&record).map_err(|_| sync_error(ErrorKind::Internal, "cannot keep a record"))?;
            w.queue_sealed(record.seq.0 as i64, &json, &record.content_hash().to_string(), through)?;
            sealed += 1;
        }
    }
}

pub(super) fn head_hash(text: Option<&str>) -> Result<Option<ContentHash>> {
    text.map(|t| {
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(t, &mut bytes)
            .map(|()| ContentHash(bytes))
            .map_err(|_| sync_error(ErrorKind::Corrupt, "the vault's sync state is damaged: join the budget again"))
    })
    .transpose()
}

/// Syncs now: seal, upload, download and merge, upload what merging changed.
pub(crate) async fn sync_now(engine: &Engine) -> Result<SyncReport> {
    let result = sync_once(engine).await;
    let at = now_rfc3339();
    let error = result.as_ref().err().map(|e| e.to_string());
    let _ = engine.with_vault(|v| v.write(|w| w.note_sync(&at, error.as_deref())));
    result
}

async fn sync_once(engine: &Engine) -> Result<SyncReport> {
    let account = account_of(engine)?;
    let vault = vault_of(&account)?;
    let me = device_of(engine)?;
    let server = signed_in(engine, &account).await?;

    let caps: Capabilities = server.call(Method::GET, "/v1/capabilities", no_body()).await?;
    if !caps.protocols.contains(&spearmint_sync_proto::PROTOCOL_VERSION) {
        return Err(sync_error(
            ErrorKind::Provider,
            "the sync server speaks another version of the sync protocol: update Spearmint, or the server",
        ));
    }
    let keys = keys::follow(engine, &server, vault, me).await?;
    let mut report = SyncReport::default();
    engine.with_vault(|v| v.write(|w| seal_pending(w, &keys)))?;
    report.uploaded += upload(engine, &server, &caps, vault, me).await?;

    // A start from a snapshot cut off goes on where it stopped; a new device starts from the
    // budget's latest snapshot, if it has one, and downloads only the records after it.
    let book = engine.with_vault(|v| sync_book::snapshot_book(v.read()))?;
    if let Some(json) = &book.starting_from {
        let manifest = serde_json::from_str(json)
            .map_err(|_| sync_error(ErrorKind::Corrupt, "the vault's sync state is damaged: join the budget again"))?;
        let first = u32::try_from(book.next_chunk).unwrap_or(0);
        match snapshot::start_from(engine, &server, vault, &keys, me, &manifest, first).await? {
            Some(applied) => report.note(&applied),
            None => start_from_latest(engine, &server, vault, &keys, me, &mut report).await?,
        }
    } else if book.seen.is_none()
        && account.device_seq == 0
        && engine.with_vault(|v| sync_book::sync_cursors(v.read()))?.is_empty()
    {
        start_from_latest(engine, &server, vault, &keys, me, &mut report).await?;
    }
    engine.with_vault(|v| v.write(|w| seal_pending(w, &keys)))?;
    report.uploaded += upload(engine, &server, &caps, vault, me).await?;

    let mut started_again = false;
    loop {
        match download(engine, &server, vault, me, &keys, &mut report).await {
            Ok(()) => break,
            // Away past the server's retention window: what this device missed of another
            // device's log is in the snapshot now. Once a sync: a second time is a bug.
            Err((Some(spearmint_sync_proto::ErrorKind::Compacted), _)) if !started_again => {
                started_again = true;
                start_from_latest(engine, &server, vault, &keys, me, &mut report).await?;
            }
            Err((_, e)) => return Err(e),
        }
    }
    // Merging may have made changes of this device's own (a deleted account's transactions).
    engine.with_vault(|v| v.write(|w| seal_pending(w, &keys)))?;
    report.uploaded += upload(engine, &server, &caps, vault, me).await?;
    if engine.with_vault(|v| crate::vault::settings::crowd_sharing(v.read()))? {
        report.crowd = crowd_exchange(engine, &server).await?;
        // The categories the crowd gave are this device's changes now: they reach the user's
        // other devices in this sync, not the next.
        engine.with_vault(|v| v.write(|w| seal_pending(w, &keys)))?;
        report.uploaded += upload(engine, &server, &caps, vault, me).await?;
    }
    report.snapshot = snapshot::maybe_make(engine, &server, vault, &keys, me, &caps).await?;
    Ok(report)
}

/// Downloads from each device's cursor, opens each record as the next of its log and merges it,
/// page by page, each page in one write with the cursors it moves.
async fn download(
    engine: &Engine,
    server: &Server,
    vault: VaultId,
    me: DeviceId,
    keys: &[(u32, DataKey)],
    report: &mut SyncReport,
) -> std::result::Result<(), (Option<spearmint_sync_proto::ErrorKind>, Error)> {
    let cursors = engine.with_vault(|v| sync_book::sync_cursors(v.read())).map_err(|e| (None, e))?;
    let mut heads: Vec<(DeviceId, Head)> = Vec::new();
    for (device, seq, head) in cursors {
        let device =
            DeviceId(Uuid::parse_str(&device).map_err(|_| (None, sync_error(ErrorKind::Corrupt, "damaged cursor")))?);
        heads.push((device, Head { seq: Seq(seq as u64), hash: head_hash(Some(&head)).map_err(|e| (None, e))? }));
    }
    let mut request = DownloadRequest {
        cursors: heads.iter().map(|(d, h)| Cursor { device: *d, after: h.seq }).collect(),
        max_bytes: None,
    };
    // This device's own log is not downloaded: it is all here (a cursor past its end).
    request.cursors.retain(|c| c.device != me);
    request.cursors.push(Cursor { device: me, after: OWN_LOG });
    loop {
        let page: DownloadPage =
            server.exchange(Method::POST, &format!("/v1/vaults/{}/download", vault.0), Some(&request)).await?;
        report.downloaded += page.records.len();
        let bytes: usize = page.records.iter().map(|r| r.ciphertext.len()).sum();
        let mut changes = Vec::new();
        let mut moved: Vec<(DeviceId, Head)> = Vec::new();
        for record in &page.records {
            if record.device == me {
                continue;
            }
            let head = moved
                .iter()
                .rev()
                .find(|(d, _)| *d == record.device)
                .or_else(|| heads.iter().find(|(d, _)| *d == record.device))
                .map_or(Head::START, |(_, h)| *h);
            let lookup = |epoch: KeyEpoch| keys.iter().find(|(e, _)| *e == epoch.0).map(|(_, k)| k.clone());
            let batch = open(&lookup, vault, record.device, head, record).map_err(|e| {
                let e = match e {
                    SealError::NoKey { .. } => sync_error(
                        ErrorKind::KeyMissing,
                        format!("{e}: join the budget again (Settings, Sync) with the recovery phrase"),
                    ),
                    e => sync_error(ErrorKind::Corrupt, format!("a record from the sync server was refused: {e}")),
                };
                (None, e)
            })?;
            changes.extend(batch.changes);
            moved.push((record.device, Head { seq: record.seq, hash: Some(record.content_hash()) }));
        }
        let applied = engine
            .with_vault(|v| {
                v.write(|w| {
                    seal_pending(w, keys)?;
                    let applied = apply_remote(w, changes)?;
                    for (device, head) in &moved {
                        let hash = head.hash.map(|h| h.to_string()).unwrap_or_default();
                        w.set_sync_cursor(&device.0.to_string(), head.seq.0 as i64, &hash)?;
                    }
                    w.add_record_bytes(bytes as i64)?;
                    Ok(applied)
                })
            })
            .map_err(|e| (None, e))?;
        report.note(&applied);
        for (device, head) in moved {
            match heads.iter_mut().find(|(d, _)| *d == device) {
                Some(h) => h.1 = head,
                None => heads.push((device, head)),
            }
        }
        request.cursors = page.next.into_iter().filter(|c| c.device != me).collect();
        request.cursors.push(Cursor { device: me, after: OWN_LOG });
        if !page.more {
            break;
        }
    }
    Ok(())
}

/// Starts from the budget's latest snapshot, if it has one (and again from a newer one if it is
/// replaced on the way).
async fn start_from_latest(
    engine: &Engine,
    server: &Server,
    vault: VaultId,
    keys: &[(u32, DataKey)],
    me: DeviceId,
    report: &mut SyncReport,
) -> Result<()> {
    for _ in 0..3 {
        let Some(manifest) = snapshot::latest(server, vault).await? else { return Ok(()) };
        if let Some(applied) = snapshot::start_from(engine, server, vault, keys, me, &manifest, 0).await? {
            report.note(&applied);
            return Ok(());
        }
    }
    Err(sync_error(
        ErrorKind::Provider,
        "the budget's snapshot kept changing on the sync server while this device read it: sync again later",
    ))
}

/// The most sellers asked about at each sync: the most recent first.
const CROWD_SELLERS: u32 = 20_000;

/// For a device that shares with the crowd: the user's own categories go up as votes (sellers
/// as keyed hashes, categories as ids), and the crowd's answers for the sellers here fill
/// `crowd_votes`, which the categorizer consults after the user's rules and the dictionary.
/// Returns how many sellers the crowd answered for.
async fn crowd_exchange(engine: &Engine, server: &Server) -> Result<usize> {
    use spearmint_sync_proto::{CROWD_MAX_PER_REQUEST, CrowdAnswers, CrowdLookup, CrowdVote, CrowdVotes, SellerKey};
    let (votes, sellers) = engine.with_vault(|v| {
        Ok((sync_book::crowd_votes_to_share(v.read())?, sync_book::crowd_sellers(v.read(), CROWD_SELLERS)?))
    })?;
    for chunk in votes.chunks(CROWD_MAX_PER_REQUEST) {
        let body = CrowdVotes {
            votes: chunk
                .iter()
                .filter(|(_, c)| spearmint_sync_proto::is_category_id(c))
                .map(|(s, c)| CrowdVote { seller: SellerKey::of(s), category: c.clone() })
                .collect(),
        };
        server.call::<()>(Method::POST, "/v1/crowd/votes", Some(&body)).await?;
    }
    let mut kept = 0;
    for chunk in sellers.chunks(CROWD_MAX_PER_REQUEST) {
        let by_key: std::collections::HashMap<SellerKey, &String> =
            chunk.iter().map(|s| (SellerKey::of(s), s)).collect();
        let body = CrowdLookup { sellers: chunk.iter().map(|s| SellerKey::of(s)).collect() };
        let answers: CrowdAnswers = server.call(Method::POST, "/v1/crowd/lookup", Some(&body)).await?;
        let found: Vec<(String, String, u32)> = answers
            .answers
            .into_iter()
            .filter_map(|a| by_key.get(&a.seller).map(|s| ((*s).clone(), a.category, a.accounts)))
            .collect();
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        kept += engine.with_vault(|v| v.write(|w| w.keep_crowd(&found, &now)))?;
    }
    Ok(kept)
}

/// Uploads the outbox in uploads within the server's limits; returns how many records the
/// server took. Each upload's acknowledged records leave the outbox before the next is sent.
async fn upload(engine: &Engine, server: &Server, caps: &Capabilities, vault: VaultId, me: DeviceId) -> Result<usize> {
    let mut sent = 0;
    let per_upload = RECORDS_PER_UPLOAD.min(caps.max_upload_records).max(1);
    // Room for the body's own JSON around the records.
    let max_bytes = caps.max_upload_bytes.saturating_sub(1024).max(1);
    loop {
        let queued = engine.with_vault(|v| sync_book::sync_outbox(v.read(), per_upload))?;
        if queued.is_empty() {
            return Ok(sent);
        }
        let mut records: Vec<Envelope> = Vec::with_capacity(queued.len());
        let mut bytes = 0u64;
        for (_, json) in &queued {
            // A record alone over the limit still goes, alone: the server names the problem.
            if !records.is_empty() && bytes + json.len() as u64 > max_bytes {
                break;
            }
            bytes += json.len() as u64 + 1;
            records.push(serde_json::from_str(json).map_err(|_| {
                sync_error(ErrorKind::Corrupt, "a record waiting to be sent is damaged: join the budget again")
            })?);
        }
        let answer: UploadResponse = server
            .call(
                Method::POST,
                &format!("/v1/vaults/{}/devices/{}/records", vault.0, me.0),
                Some(&UploadRequest { records }),
            )
            .await?;
        let mut done = Vec::new();
        for outcome in &answer.outcomes {
            match outcome {
                UploadOutcome::Stored { seq } | UploadOutcome::Duplicate { seq } => done.push(seq.0 as i64),
                UploadOutcome::Conflict { seq, .. } => {
                    return Err(sync_error(
                        ErrorKind::Conflict,
                        format!(
                            "the sync server holds another record {seq} of this device (a copy of this vault synced as the same device): join the budget again from this device"
                        ),
                    ));
                }
            }
        }
        sent += done.len();
        engine.with_vault(|v| {
            v.write(|w| {
                w.unqueue_sealed(&done)?;
                w.add_record_bytes(bytes as i64)
            })
        })?;
    }
}

/// Where sync stands, read from the vault (no network).
pub(crate) fn status(engine: &Engine) -> Result<SyncStatus> {
    let account = account_of(engine)?;
    engine.with_vault(|v| {
        let r = v.read();
        let (pending_changes, pending_records) = sync_book::sync_pending(r, account.sealed_through)?;
        let devices = sync_book::sync_cursors(r)?.into_iter().map(|(d, seq, _)| (d, seq)).collect();
        Ok(SyncStatus {
            server: account.server_url.clone(),
            user: account.user_name.clone(),
            vault: account.vault_id.clone(),
            device: v.device_id().as_uuid().to_string(),
            last_sync_at: account.last_sync_at.clone(),
            last_error: account.last_error.clone(),
            pending_changes,
            pending_records,
            devices,
            crowd_sharing: crate::vault::settings::crowd_sharing(r)?,
        })
    })
}

/// How often the background task syncs a synced vault with nothing of its own to send (to get
/// the other devices' changes), and how long after the last good sync it waits once a sync
/// failed (a failing sync is retried on each wake-up of the task, at most every 15 minutes).
const SYNC_EVERY_MINUTES: i64 = 5;
const RETRY_AFTER_FAILURE_MINUTES: i64 = 15;

/// When the background task should next sync this vault: now if it has changes to send (or has
/// never synced), else a while after the last sync; `None` when it does not sync.
pub(crate) fn next_sync(
    engine: &Engine,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Option<chrono::DateTime<chrono::Utc>>> {
    let Some(account) = engine.with_vault(|v| sync_book::sync_account(v.read()))? else { return Ok(None) };
    let (changes, records) = engine.with_vault(|v| sync_book::sync_pending(v.read(), account.sealed_through))?;
    let pending = changes + records;
    let last = account
        .last_sync_at
        .as_deref()
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&chrono::Utc));
    let wait = chrono::Duration::minutes(if account.last_error.is_some() {
        RETRY_AFTER_FAILURE_MINUTES
    } else {
        SYNC_EVERY_MINUTES
    });
    Ok(Some(match last {
        // A failed sync is retried later whatever is waiting: offline, the changes are kept.
        Some(last) if account.last_error.is_some() => last + wait,
        Some(_) if pending > 0 => now,
        Some(last) => last + wait,
        None => now,
    }))
}

/// A signed-in connection to this vault's server (the refresh token rotated and kept).
async fn signed_in(engine: &Engine, account: &SyncAccount) -> Result<Server> {
    // A refresh token is good once: two calls at a time (the background task's sync and a
    // click in Settings, or the app and `spearmint daemon` on one profile) must not both
    // redeem the one in the keychain. The second waits, then redeems the token the first
    // kept: in this process behind a mutex, between processes behind the profile's file lock.
    static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    let _signing_in = ONE_AT_A_TIME.lock().await;
    let lock = engine.paths().dir.join("sync-sign-in.lock");
    let _between_processes = tokio::task::spawn_blocking(move || ProfileLock::take(&lock, "sync sign-in"))
        .await
        .map_err(|e| Error::internal("the sync sign-in lock's thread failed", e))??;
    let me = device_of(engine)?;
    let mut server = Server::new(&account.server_url)?;
    let refresh = refresh_entry(me).load_secret()?;
    let tokens = server.refresh(&refresh).await?;
    keep_tokens(&tokens)?;
    Ok(server)
}

/// The account's devices, as the server knows them.
pub(crate) async fn devices(engine: &Engine) -> Result<Vec<DeviceInfo>> {
    let server = signed_in(engine, &account_of(engine)?).await?;
    let list: DeviceList = server.call(Method::GET, "/v1/devices", no_body()).await?;
    Ok(list.devices)
}

/// A new data key: what this device seals from now on, and every device after its next sync,
/// uses it. Returns its epoch.
pub(crate) async fn rotate_key(engine: &Engine) -> Result<u32> {
    let (server, vault, me) = for_key_change(engine).await?;
    let epoch = keys::rotate(engine, &server, vault, me).await?;
    sync_after_key_change(engine).await;
    Ok(epoch)
}

/// A new recovery phrase (and a new data key): the devices active now go on, a removed one
/// or a reader of the old phrase opens nothing sealed from now on. Returns the phrase, to be
/// shown once.
pub(crate) async fn change_phrase(engine: &Engine) -> Result<String> {
    let (server, vault, me) = for_key_change(engine).await?;
    let phrase = keys::change_phrase(engine, &server, vault, me).await?;
    sync_after_key_change(engine).await;
    Ok(phrase)
}

/// Signed in, with the budget and this device, for a change of keys.
async fn for_key_change(engine: &Engine) -> Result<(Server, VaultId, DeviceId)> {
    let account = account_of(engine)?;
    let server = signed_in(engine, &account).await?;
    Ok((server, vault_of(&account)?, device_of(engine)?))
}

/// The sync right after a change of keys. The change is made whatever the sync does (a new
/// phrase must be shown: the old one no longer joins), so a failed sync is only kept as the
/// last error, and the background task retries it.
async fn sync_after_key_change(engine: &Engine) {
    let _ = sync_now(engine).await;
}

/// Syncs, then makes and uploads a snapshot now. Returns whether it became the latest.
pub(crate) async fn snapshot_now(engine: &Engine) -> Result<bool> {
    sync_now(engine).await?;
    let account = account_of(engine)?;
    let server = signed_in(engine, &account).await?;
    let (vault, me) = (vault_of(&account)?, device_of(engine)?);
    let caps: Capabilities = server.call(Method::GET, "/v1/capabilities", no_body()).await?;
    let keys = keys::follow(engine, &server, vault, me).await?;
    snapshot::make_now(engine, &server, vault, &keys, me, &caps).await
}

/// Removes a device from the account: its tokens stop working at once (a lost laptop).
pub(crate) async fn revoke(engine: &Engine, device: &str) -> Result<()> {
    let id = Uuid::parse_str(device).map_err(|_| {
        sync_error(ErrorKind::Invalid, format!("`{device}` is not a device id: copy it from the list of devices"))
    })?;
    let server = signed_in(engine, &account_of(engine)?).await?;
    server.call::<()>(Method::DELETE, &format!("/v1/devices/{id}"), no_body()).await
}

/// Stops syncing this vault here: its data stays, the server's copy and the other devices are
/// untouched, and this device's sign-in leaves the keychain.
pub(crate) fn leave(engine: &Engine) -> Result<()> {
    let me = device_of(engine)?;
    account_of(engine)?;
    engine.with_vault(|v| v.write(|w| w.end_sync()))?;
    refresh_entry(me).delete()
}
