//! The HTTP API (JSON; see `spearmint-sync-proto` for the bodies): capabilities, accounts,
//! logins and token refresh, devices, and each vault's upload, download and status. Every
//! route but the capabilities, sign-up, login and refresh takes a device's access token; a
//! token writes only its own device's log and reads only its own account's vaults. The store
//! runs on blocking threads, so a slow disk never stalls the runtime.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, MatchedPath, Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore as _;
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
use spearmint_sync_proto::{
    CROWD_MAX_PER_REQUEST, CROWD_MIN_ACCOUNTS, CrowdAnswer, CrowdAnswers, CrowdLookup, CrowdVotes, SellerKey,
    is_category_id,
};
use spearmint_sync_proto::{
    Capabilities, DeviceId, DeviceList, DownloadRequest, ErrorBody, ErrorKind, KeyBundle, LoginRequest,
    PROTOCOL_VERSION, RefreshRequest, Secret, SignUpRequest, SnapshotChunk, SnapshotId, SnapshotManifest, Tokens,
    UploadRequest, VaultId,
};
use uuid::Uuid;

use crate::accounts::{Caller, TokenKind};
use crate::store::{Limits, Store, StoreError};

/// How the server runs: its limits and policies.
#[derive(Clone, Debug)]
pub struct Config {
    pub limits: Limits,
    /// Whether anyone may create an account (`POST /v1/accounts`); off, the operator adds them.
    pub sign_up: bool,
    /// How long an access token is good for (at most an hour).
    pub access_ttl: Duration,
    pub refresh_ttl: Duration,
    pub max_upload_bytes: u64,
    pub max_upload_records: u32,
    /// Requests a device may make per second, on average, and in a burst.
    pub requests_per_sec: u32,
    pub request_burst: u32,
    /// Wrong passwords for one user name before logins to it wait `login_lockout`.
    pub login_failures: u32,
    pub login_lockout: Duration,
    /// Records younger than this are never compacted, and a device not seen for this long no
    /// longer holds compaction back (it starts again from the snapshot when it returns).
    pub retention: Duration,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            limits: Limits::default(),
            sign_up: false,
            access_ttl: Duration::from_secs(15 * 60),
            refresh_ttl: Duration::from_secs(30 * 24 * 3600),
            max_upload_bytes: 4 << 20,
            max_upload_records: 1_000,
            requests_per_sec: 200,
            request_burst: 400,
            login_failures: 5,
            login_lockout: Duration::from_secs(60),
            retention: Duration::from_secs(90 * 24 * 3600),
        }
    }
}

/// A running server: its address, and a handle that stops it.
#[derive(Debug)]
pub struct Server {
    addr: SocketAddr,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Server {
    /// Serves `stores` on `listener` until [`Server::stop`]. `stores` are one store, or several
    /// connections to one PostgreSQL database; each request takes one that is free.
    pub fn start(
        stores: Vec<Box<dyn Store>>,
        config: Config,
        listener: tokio::net::TcpListener,
    ) -> std::io::Result<Server> {
        Server::start_with(stores, config, listener, None)
    }

    /// Serves `stores` over HTTPS with `tls` (see [`crate::load_tls`]) until [`Server::stop`].
    pub fn start_tls(
        stores: Vec<Box<dyn Store>>,
        config: Config,
        listener: tokio::net::TcpListener,
        tls: Arc<rustls::ServerConfig>,
    ) -> std::io::Result<Server> {
        Server::start_with(stores, config, listener, Some(tls))
    }

    fn start_with(
        stores: Vec<Box<dyn Store>>,
        config: Config,
        listener: tokio::net::TcpListener,
        tls: Option<Arc<rustls::ServerConfig>>,
    ) -> std::io::Result<Server> {
        if stores.is_empty() {
            return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, "a server needs a store"));
        }
        let addr = listener.local_addr()?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let service = router(stores, config).into_make_service();
        let stopped = async move {
            let _ = stopped.await;
        };
        let task = tokio::spawn(async move {
            match tls {
                None => axum::serve(listener, service).with_graceful_shutdown(stopped).await,
                Some(tls) => {
                    let listener = crate::tls::TlsListener::new(listener, tls);
                    axum::serve(listener, service).with_graceful_shutdown(stopped).await
                }
            }
        });
        Ok(Server { addr, stop, task })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops taking connections, finishes the requests under way, and returns.
    pub async fn stop(self) -> std::io::Result<()> {
        let _ = self.stop.send(());
        self.task.await.unwrap_or_else(|e| Err(std::io::Error::other(e)))
    }
}

struct App {
    stores: Arc<Pool>,
    config: Config,
    buckets: Mutex<HashMap<DeviceId, Bucket>>,
    failures: Mutex<HashMap<String, Failures>>,
}

/// A device's token bucket: `tokens` millionths of a request left as of `at`.
struct Bucket {
    tokens: u64,
    at: Instant,
}

/// Wrong passwords for one user name: `count` since `since`.
struct Failures {
    count: u32,
    since: Instant,
}

/// The stores requests run on, each request taking one that is free: one SQLite store, or
/// several connections to one PostgreSQL database (as safe as as many servers over it), so a
/// slow query holds up only its own request.
struct Pool {
    free: Mutex<Vec<Box<dyn Store>>>,
    given_back: Condvar,
}

impl Pool {
    /// Runs `f` on a free store, waiting for one; called on a blocking thread. The store goes
    /// back however `f` ends, a panic included (its transaction was rolled back on the way).
    fn run<T>(&self, f: impl FnOnce(&mut dyn Store) -> T) -> T {
        let mut free = self.free.lock().unwrap_or_else(PoisonError::into_inner);
        let mut store = loop {
            match free.pop() {
                Some(store) => break store,
                None => free = self.given_back.wait(free).unwrap_or_else(PoisonError::into_inner),
            }
        };
        drop(free);
        let done = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(store.as_mut())));
        self.free.lock().unwrap_or_else(PoisonError::into_inner).push(store);
        self.given_back.notify_one();
        done.unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    }
}

fn router(stores: Vec<Box<dyn Store>>, config: Config) -> Router {
    let body_limit = usize::try_from(config.max_upload_bytes).unwrap_or(usize::MAX);
    let app = Arc::new(App {
        stores: Arc::new(Pool { free: Mutex::new(stores), given_back: Condvar::new() }),
        config,
        buckets: Mutex::new(HashMap::new()),
        failures: Mutex::new(HashMap::new()),
    });
    Router::new()
        .route("/v1/capabilities", get(capabilities))
        .route("/v1/accounts", post(sign_up))
        .route("/v1/login", post(login))
        .route("/v1/refresh", post(refresh))
        .route("/v1/devices", get(devices))
        .route("/v1/devices/{device}", delete(revoke))
        .route("/v1/vaults", get(vaults))
        .route("/v1/vaults/{vault}/devices/{device}/records", post(upload))
        .route("/v1/vaults/{vault}/download", post(download))
        .route("/v1/vaults/{vault}/status", get(status))
        .route("/v1/vaults/{vault}/keys", get(get_keys).put(put_keys))
        .route("/v1/vaults/{vault}/snapshot", get(latest_snapshot))
        .route("/v1/vaults/{vault}/snapshots/{id}", put(put_snapshot).get(snapshot_state))
        .route("/v1/vaults/{vault}/snapshots/{id}/chunks/{index}", put(put_chunk).get(get_chunk))
        .route("/v1/crowd/votes", post(crowd_votes))
        .route("/v1/crowd/lookup", post(crowd_lookup))
        .fallback(|| async { ApiError::new(ErrorKind::NotFound, "there is no such endpoint: update Spearmint") })
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(middleware::from_fn(log))
        .with_state(app)
}

/// One line of JSON per request on standard error: the route's template (never its ids), the
/// status and the time taken. No user data, no tokens.
async fn log(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let route = request.extensions().get::<MatchedPath>().map_or("(none)".to_owned(), |p| p.as_str().to_owned());
    let response = next.run(request).await;
    let line = serde_json::json!({
        "event": "request",
        "method": method.as_str(),
        "route": route,
        "status": response.status().as_u16(),
        "ms": started.elapsed().as_millis() as u64,
    });
    eprintln!("{line}");
    response
}

/// A failure as the one error body, with the status its kind maps to.
#[derive(Debug)]
struct ApiError {
    body: ErrorBody,
}

impl ApiError {
    fn new(kind: ErrorKind, message: impl Into<String>) -> ApiError {
        ApiError { body: ErrorBody::new(kind, message) }
    }

    fn retry_after(mut self, secs: u64) -> ApiError {
        self.body.error.retry_after_secs = Some(secs.max(1));
        self
    }

    fn unauthorized() -> ApiError {
        ApiError::new(ErrorKind::Unauthorized, "sign in to the sync server again: this device's session has ended")
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = match self.body.error.kind {
            ErrorKind::BadRequest | ErrorKind::UnsupportedVersion => StatusCode::BAD_REQUEST,
            ErrorKind::Unauthorized => StatusCode::UNAUTHORIZED,
            ErrorKind::Forbidden => StatusCode::FORBIDDEN,
            ErrorKind::NotFound => StatusCode::NOT_FOUND,
            ErrorKind::Conflict => StatusCode::CONFLICT,
            ErrorKind::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorKind::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            ErrorKind::QuotaExceeded => StatusCode::INSUFFICIENT_STORAGE,
            ErrorKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ErrorKind::Compacted => StatusCode::GONE,
        };
        let retry = self.body.error.retry_after_secs;
        let mut response = (status, Json(self.body)).into_response();
        if let Some(secs) = retry
            && let Ok(value) = HeaderValue::from_str(&secs.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        let message = match &e {
            StoreError::Database(_) | StoreError::Corrupt => {
                eprintln!("{}", serde_json::json!({"event": "store_error", "error": e.to_string()}));
                "the sync server cannot reach its database: try again later".to_owned()
            }
            other => other.to_string(),
        };
        let kind = e.kind();
        let error = ApiError::new(kind, message);
        if kind == ErrorKind::Unavailable { error.retry_after(5) } else { error }
    }
}

type ApiResult<T> = Result<T, ApiError>;

fn ok<T: Serialize>(value: T) -> Response {
    Json(value).into_response()
}

fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

/// A JSON body, or a typed error saying what is wrong with it.
fn parse<T: DeserializeOwned>(body: Result<Bytes, BytesRejection>) -> ApiResult<T> {
    let bytes = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(ErrorKind::TooLarge, "the request is larger than the server takes: send it in parts")
        } else {
            ApiError::new(ErrorKind::BadRequest, "the request's body could not be read")
        }
    })?;
    serde_json::from_slice(&bytes).map_err(|e| {
        ApiError::new(ErrorKind::BadRequest, format!("the request's body is not what this endpoint takes: {e}"))
    })
}

fn uuid_of(text: &str) -> ApiResult<Uuid> {
    Uuid::parse_str(text).map_err(|_| ApiError::new(ErrorKind::BadRequest, "a vault or device id is a UUID"))
}

/// A random token, and the hash the store keeps of it.
fn new_token() -> (Secret, [u8; 32]) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let hash = token_hash(&token);
    (Secret::new(token), hash)
}

fn token_hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// An Argon2id hash of `password` in the PHC string format, with a random salt.
pub fn hash_password(password: &Secret) -> Result<String, String> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| e.to_string())?;
    Argon2::default()
        .hash_password(password.expose().as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

fn password_matches(password: &Secret, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(password.expose().as_bytes(), &h).is_ok())
}

/// What an unknown user's password is checked against, so that a login to a name that does
/// not exist takes as long as one to a name that does.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password(&Secret::new("decoy password, never an account's")).unwrap_or_default())
}

fn check_user_name(name: &str) -> ApiResult<()> {
    if name.is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
        return Err(ApiError::new(
            ErrorKind::BadRequest,
            "a user name is 1 to 64 characters, with no control characters",
        ));
    }
    Ok(())
}

fn check_password(password: &Secret) -> ApiResult<()> {
    let len = password.expose().chars().count();
    if !(10..=1024).contains(&len) {
        return Err(ApiError::new(ErrorKind::BadRequest, "choose a password of at least 10 characters"));
    }
    Ok(())
}

impl App {
    /// Runs `f` on a free store on a blocking thread.
    async fn with_store<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut dyn Store) -> Result<T, StoreError> + Send + 'static,
    ) -> ApiResult<T> {
        let stores = Arc::clone(&self.stores);
        tokio::task::spawn_blocking(move || stores.run(f))
            .await
            .map_err(|_| {
                ApiError::new(ErrorKind::Unavailable, "the sync server failed: try again later").retry_after(5)
            })?
            .map_err(ApiError::from)
    }

    fn retention_secs(&self) -> i64 {
        i64::try_from(self.config.retention.as_secs()).unwrap_or(i64::MAX)
    }

    /// The caller a request's `Authorization: Bearer` access token speaks for, within its
    /// device's request rate.
    async fn caller(&self, headers: &HeaderMap) -> ApiResult<Caller> {
        let token = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(ApiError::unauthorized)?;
        let hash = token_hash(token.trim());
        let caller = self
            .with_store(move |s| s.redeem_token(&hash, TokenKind::Access, now()))
            .await?
            .ok_or_else(ApiError::unauthorized)?;
        self.take_request(caller.device)?;
        Ok(caller)
    }

    fn take_request(&self, device: DeviceId) -> ApiResult<()> {
        // In millionths of a request: a bucket refills `rate` of them each microsecond.
        const ONE: u64 = 1_000_000;
        let (rate, burst) =
            (u64::from(self.config.requests_per_sec.max(1)), u64::from(self.config.request_burst.max(1)));
        let mut buckets = self.buckets.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let now = Instant::now();
        let bucket = buckets.entry(device).or_insert(Bucket { tokens: burst * ONE, at: now });
        let elapsed = u64::try_from(now.duration_since(bucket.at).as_micros()).unwrap_or(u64::MAX);
        bucket.tokens = bucket.tokens.saturating_add(elapsed.saturating_mul(rate)).min(burst * ONE);
        bucket.at = now;
        if bucket.tokens < ONE {
            let wait = (ONE - bucket.tokens).div_ceil(rate).div_ceil(ONE);
            return Err(ApiError::new(
                ErrorKind::RateLimited,
                "this device is syncing too often: it will try again shortly",
            )
            .retry_after(wait));
        }
        bucket.tokens -= ONE;
        Ok(())
    }

    /// Refuses a login to `user` while it is locked out after too many wrong passwords.
    fn check_lockout(&self, user: &str) -> ApiResult<()> {
        let failures = self.failures.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(f) = failures.get(user)
            && f.count >= self.config.login_failures
        {
            let elapsed = f.since.elapsed();
            if elapsed < self.config.login_lockout {
                let wait = (self.config.login_lockout - elapsed).as_secs() + 1;
                return Err(ApiError::new(
                    ErrorKind::RateLimited,
                    format!("too many wrong passwords: wait {wait} seconds, then sign in again"),
                )
                .retry_after(wait));
            }
        }
        Ok(())
    }

    fn note_login(&self, user: &str, succeeded: bool) {
        let mut failures = self.failures.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if succeeded {
            failures.remove(user);
            return;
        }
        let entry = failures.entry(user.to_owned()).or_insert(Failures { count: 0, since: Instant::now() });
        if entry.since.elapsed() >= self.config.login_lockout {
            *entry = Failures { count: 0, since: Instant::now() };
        }
        entry.count += 1;
    }

    /// A new token pair for `device`, issued for the refresh token `parent` (none at a login).
    async fn issue(&self, device: DeviceId, parent: Option<[u8; 32]>) -> ApiResult<Tokens> {
        let (access, access_hash) = new_token();
        let (refresh, refresh_hash) = new_token();
        let access_ttl = self.config.access_ttl.min(Duration::from_secs(3600)).as_secs();
        let refresh_ttl = self.config.refresh_ttl.as_secs();
        self.with_store(move |s| {
            let now = now();
            s.store_token(&access_hash, TokenKind::Access, device, now + access_ttl as i64, now, parent.as_ref())?;
            s.store_token(&refresh_hash, TokenKind::Refresh, device, now + refresh_ttl as i64, now, parent.as_ref())
        })
        .await?;
        Ok(Tokens { access_token: access, expires_in_secs: access_ttl, refresh_token: refresh, device })
    }
}

async fn capabilities(State(app): State<Arc<App>>) -> Response {
    let c = &app.config;
    ok(Capabilities {
        protocols: vec![PROTOCOL_VERSION],
        max_upload_bytes: c.max_upload_bytes,
        max_upload_records: c.max_upload_records,
        max_page_bytes: c.limits.max_page_bytes,
        max_page_records: c.limits.max_page_records,
        sign_up: c.sign_up,
    })
}

async fn sign_up(State(app): State<Arc<App>>, body: Result<Bytes, BytesRejection>) -> ApiResult<Response> {
    if !app.config.sign_up {
        return Err(ApiError::new(
            ErrorKind::Forbidden,
            "this sync server does not take new accounts: ask its operator to add yours",
        ));
    }
    let request: SignUpRequest = parse(body)?;
    check_user_name(&request.user)?;
    check_password(&request.password)?;
    let password = request.password.clone();
    let hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|_| ApiError::new(ErrorKind::Unavailable, "the sync server failed: try again later"))?
        .map_err(|e| ApiError::new(ErrorKind::Unavailable, format!("cannot hash the password: {e}")))?;
    let user = request.user.clone();
    app.with_store(move |s| s.create_account(&user, &hash, now())).await.map_err(|e| {
        if e.body.error.kind == ErrorKind::Conflict {
            ApiError::new(ErrorKind::Conflict, "this user name is taken: sign in, or choose another")
        } else {
            e
        }
    })?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({"user": request.user}))).into_response())
}

async fn login(State(app): State<Arc<App>>, body: Result<Bytes, BytesRejection>) -> ApiResult<Response> {
    let request: LoginRequest = parse(body)?;
    check_user_name(&request.user)?;
    if request.device_name.chars().count() > 64 || request.device_name.chars().any(char::is_control) {
        return Err(ApiError::new(ErrorKind::BadRequest, "a device name is at most 64 characters"));
    }
    app.check_lockout(&request.user)?;
    let user = request.user.clone();
    let found = app.with_store(move |s| s.password_hash(&user)).await?;
    let password = request.password.clone();
    let (account, matches) = tokio::task::spawn_blocking(move || match found {
        Some((account, hash)) => (Some(account), password_matches(&password, &hash)),
        None => {
            let _ = password_matches(&password, decoy_hash());
            (None, false)
        }
    })
    .await
    .map_err(|_| ApiError::new(ErrorKind::Unavailable, "the sync server failed: try again later"))?;
    app.note_login(&request.user, matches);
    let (Some(account), true) = (account, matches) else {
        return Err(ApiError::new(
            ErrorKind::Unauthorized,
            "the user name or password is wrong: check both and try again",
        ));
    };
    let (device, name) = (request.device, request.device_name.clone());
    app.with_store(move |s| s.register_device(account, device, &name, now())).await.map_err(|e| match e.body.error.kind {
        ErrorKind::Forbidden => ApiError::new(
            ErrorKind::Forbidden,
            "this device was removed from the account or belongs to another: join the budget again from this device",
        ),
        _ => e,
    })?;
    Ok(ok(app.issue(request.device, None).await?))
}

async fn refresh(State(app): State<Arc<App>>, body: Result<Bytes, BytesRejection>) -> ApiResult<Response> {
    let request: RefreshRequest = parse(body)?;
    let hash = token_hash(request.refresh_token.expose());
    let caller = app
        .with_store(move |s| s.redeem_token(&hash, TokenKind::Refresh, now()))
        .await?
        .ok_or_else(ApiError::unauthorized)?;
    Ok(ok(app.issue(caller.device, Some(hash)).await?))
}

async fn devices(State(app): State<Arc<App>>, headers: HeaderMap) -> ApiResult<Response> {
    let caller = app.caller(&headers).await?;
    let devices = app.with_store(move |s| s.devices(caller.account)).await?;
    Ok(ok(DeviceList { devices }))
}

async fn revoke(State(app): State<Arc<App>>, headers: HeaderMap, Path(device): Path<String>) -> ApiResult<Response> {
    let caller = app.caller(&headers).await?;
    let device = DeviceId(uuid_of(&device)?);
    if !app.with_store(move |s| s.revoke_device(caller.account, device)).await? {
        return Err(ApiError::new(ErrorKind::NotFound, "the account has no such device"));
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn upload(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path((vault, device)): Path<(String, String)>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let caller = app.caller(&headers).await?;
    let (vault, device) = (VaultId(uuid_of(&vault)?), DeviceId(uuid_of(&device)?));
    if device != caller.device {
        return Err(ApiError::new(ErrorKind::Forbidden, "a device uploads only to its own log"));
    }
    let request: UploadRequest = parse(body)?;
    if request.records.len() > app.config.max_upload_records as usize {
        return Err(ApiError::new(
            ErrorKind::TooLarge,
            format!("an upload holds at most {} records: send them in parts", app.config.max_upload_records),
        ));
    }
    let answer = app
        .with_store(move |s| {
            s.claim_vault(caller.account, vault)?;
            s.append(vault, device, &request.records)
        })
        .await?;
    Ok(ok(answer))
}

async fn download(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(vault): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let caller = app.caller(&headers).await?;
    let vault = VaultId(uuid_of(&vault)?);
    let request: DownloadRequest = parse(body)?;
    let retention = app.retention_secs();
    let page = app
        .with_store(move |s| {
            s.check_vault(caller.account, vault)?;
            s.note_reads(vault, caller.device, &request.cursors)?;
            let page = s.download(vault, &request)?;
            // The end of a device's download: what every device has read may go now.
            if !page.more {
                s.compact(vault, now(), retention)?;
            }
            Ok(page)
        })
        .await?;
    Ok(ok(page))
}

/// The vault's latest complete snapshot's manifest, for a device that starts from it.
async fn latest_snapshot(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(vault): Path<String>,
) -> ApiResult<Response> {
    let caller = app.caller(&headers).await?;
    let vault = VaultId(uuid_of(&vault)?);
    let latest = app
        .with_store(move |s| {
            s.check_vault(caller.account, vault)?;
            s.latest_snapshot(vault)
        })
        .await?;
    latest.map(ok).ok_or_else(|| ApiError::new(ErrorKind::NotFound, "this budget has no snapshot on the server yet"))
}

/// A snapshot's manifest, from the device that made it, before its chunks.
async fn put_snapshot(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path((vault, id)): Path<(String, String)>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let caller = app.caller(&headers).await?;
    let (vault, id) = (VaultId(uuid_of(&vault)?), SnapshotId(uuid_of(&id)?));
    let manifest: SnapshotManifest = parse(body)?;
    if manifest.id != id || manifest.author != caller.device {
        return Err(ApiError::new(ErrorKind::Forbidden, "a device uploads only its own snapshot, under its own id"));
    }
    let state = app
        .with_store(move |s| {
            s.claim_vault(caller.account, vault)?;
            s.put_snapshot(vault, &manifest, now())
        })
        .await?;
    Ok(ok(state))
}

/// Which chunks of a snapshot the server lacks: where an interrupted upload resumes.
async fn snapshot_state(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path((vault, id)): Path<(String, String)>,
) -> ApiResult<Response> {
    let caller = app.caller(&headers).await?;
    let (vault, id) = (VaultId(uuid_of(&vault)?), SnapshotId(uuid_of(&id)?));
    let state = app
        .with_store(move |s| {
            s.check_vault(caller.account, vault)?;
            s.snapshot_state(vault, id)
        })
        .await?;
    Ok(ok(state))
}

async fn put_chunk(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path((vault, id, index)): Path<(String, String, u32)>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let caller = app.caller(&headers).await?;
    let (vault, id) = (VaultId(uuid_of(&vault)?), SnapshotId(uuid_of(&id)?));
    let chunk: SnapshotChunk = parse(body)?;
    if chunk.index != index {
        return Err(ApiError::new(ErrorKind::BadRequest, "the chunk's index is not the one in its address"));
    }
    let retention = app.retention_secs();
    let state = app
        .with_store(move |s| {
            s.check_vault(caller.account, vault)?;
            let state = s.put_snapshot_chunk(vault, caller.device, id, &chunk)?;
            if state.latest {
                s.compact(vault, now(), retention)?;
            }
            Ok(state)
        })
        .await?;
    Ok(ok(state))
}

async fn get_chunk(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path((vault, id, index)): Path<(String, String, u32)>,
) -> ApiResult<Response> {
    let caller = app.caller(&headers).await?;
    let (vault, id) = (VaultId(uuid_of(&vault)?), SnapshotId(uuid_of(&id)?));
    let chunk = app
        .with_store(move |s| {
            s.check_vault(caller.account, vault)?;
            s.snapshot_chunk(vault, id, index)
        })
        .await?;
    chunk.map(ok).ok_or_else(|| {
        ApiError::new(ErrorKind::NotFound, "the server no longer holds this snapshot: a newer one replaced it")
    })
}

async fn status(State(app): State<Arc<App>>, headers: HeaderMap, Path(vault): Path<String>) -> ApiResult<Response> {
    let caller = app.caller(&headers).await?;
    let vault = VaultId(uuid_of(&vault)?);
    let status = app
        .with_store(move |s| {
            s.check_vault(caller.account, vault)?;
            s.status(vault)
        })
        .await?;
    Ok(ok(status))
}

async fn put_keys(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(vault): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let caller = app.caller(&headers).await?;
    let vault = VaultId(uuid_of(&vault)?);
    let bundle: KeyBundle = parse(body)?;
    app.with_store(move |s| s.put_keys(caller.account, vault, &bundle)).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The caller's account's crowd votes: seller keys and category ids only, no free text.
async fn crowd_votes(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let caller = app.caller(&headers).await?;
    let request: CrowdVotes = parse(body)?;
    if request.votes.len() > CROWD_MAX_PER_REQUEST {
        return Err(ApiError::new(ErrorKind::TooLarge, "send at most 1,000 votes a request"));
    }
    let mut votes = Vec::with_capacity(request.votes.len());
    for vote in request.votes {
        match vote.seller.bytes().filter(|_| vote.seller.is_valid() && is_category_id(&vote.category)) {
            Some(seller) => votes.push((seller, vote.category)),
            None => return Err(ApiError::new(ErrorKind::BadRequest, "a vote is a seller key and a category id")),
        }
    }
    app.with_store(move |s| s.put_votes(caller.account, &votes, now())).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The crowd's category for each seller asked about that enough accounts agree on.
async fn crowd_lookup(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    app.caller(&headers).await?;
    let request: CrowdLookup = parse(body)?;
    if request.sellers.len() > CROWD_MAX_PER_REQUEST {
        return Err(ApiError::new(ErrorKind::TooLarge, "ask about at most 1,000 sellers a request"));
    }
    let sellers = request
        .sellers
        .iter()
        .map(|s| s.bytes().filter(|_| s.is_valid()))
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| ApiError::new(ErrorKind::BadRequest, "a seller is asked about by its key"))?;
    let found = app.with_store(move |s| s.crowd(&sellers, CROWD_MIN_ACCOUNTS)).await?;
    let answers = found
        .into_iter()
        .map(|(seller, category, accounts)| CrowdAnswer { seller: SellerKey::from_bytes(&seller), category, accounts })
        .collect();
    Ok(ok(CrowdAnswers { answers }))
}

async fn get_keys(State(app): State<Arc<App>>, headers: HeaderMap, Path(vault): Path<String>) -> ApiResult<Response> {
    let caller = app.caller(&headers).await?;
    let vault = VaultId(uuid_of(&vault)?);
    match app.with_store(move |s| s.keys(caller.account, vault)).await? {
        Some(bundle) => Ok(ok(bundle)),
        None => Err(ApiError::new(
            ErrorKind::NotFound,
            "this budget has not been set up for sync on the server: set it up from the device that has it",
        )),
    }
}

async fn vaults(State(app): State<Arc<App>>, headers: HeaderMap) -> ApiResult<Response> {
    let caller = app.caller(&headers).await?;
    let vaults = app.with_store(move |s| s.vaults(caller.account)).await?;
    Ok(ok(serde_json::json!({ "vaults": vaults })))
}
