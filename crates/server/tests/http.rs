//! The real `spearmint-server` process on 127.0.0.1, spoken to over HTTP as a device would:
//! accounts, logins, token expiry and refresh, revocation, who may read and write which log,
//! the limits, and a log with no user data in it.

use std::io::{BufRead as _, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use spearmint_sync_proto::{
    Capabilities, DeviceId, DeviceList, DownloadPage, DownloadRequest, Envelope, ErrorBody, ErrorKind, KeyEpoch,
    PROTOCOL_VERSION, Seq, StatusResponse, Tokens, UploadOutcome, UploadResponse, VaultId,
};
use uuid::Uuid;

const PASSWORD: &str = "correct horse battery";

/// A running server process; stopped (SIGTERM, then waited for) when dropped.
struct ServerProcess {
    child: Child,
    url: String,
    dir: PathBuf,
}

impl ServerProcess {
    fn start(dir: &Path, extra: &[&str]) -> ServerProcess {
        ServerProcess::start_on(&database(dir), dir, extra)
    }

    /// A server on the store at `database`, logging into `dir`.
    fn start_on(database: &str, dir: &Path, extra: &[&str]) -> ServerProcess {
        let mut child = Command::new(env!("CARGO_BIN_EXE_spearmint-server"))
            .args(["--database", database, "--listen", "127.0.0.1:0"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(dir.join("server.log")).unwrap())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let url = line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("said {line:?}")).to_owned();
        ServerProcess { child, url, dir: dir.to_owned() }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("server.log")).unwrap()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let _ = self.child.wait();
    }
}

fn database(dir: &Path) -> String {
    format!("sqlite://{}", dir.join("server.db").display())
}

/// `spearmint-server user add NAME --password-stdin`, with `--database` after the subcommand.
fn add_user(dir: &Path, name: &str, password: &str) -> std::process::Output {
    add_user_to(&database(dir), name, password)
}

fn add_user_to(database: &str, name: &str, password: &str) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_spearmint-server"))
        .args(["user", "add", name, "--password-stdin", "--database", database])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
    child.wait_with_output().unwrap()
}

fn vault(n: u128) -> VaultId {
    VaultId(Uuid::from_u128(0x7a << 64 | n))
}

fn device(n: u128) -> DeviceId {
    DeviceId(Uuid::from_u128(0xd0 << 64 | n))
}

/// `count` chained records standing for sealed ones: the server cannot tell the difference.
fn chain(vault: VaultId, device: DeviceId, count: u64, len: usize) -> Vec<Envelope> {
    let mut out: Vec<Envelope> = Vec::new();
    for seq in 1..=count {
        out.push(Envelope {
            version: PROTOCOL_VERSION,
            vault,
            device,
            seq: Seq(seq),
            epoch: KeyEpoch(0),
            prev: out.last().map(Envelope::content_hash),
            nonce: [seq as u8; 24],
            ciphertext: (0..len).map(|i| (i as u64 * 31 + seq) as u8).collect(),
        });
    }
    out
}

struct Client {
    http: reqwest::Client,
    url: String,
}

impl Client {
    fn new(server: &ServerProcess) -> Client {
        Client { http: reqwest::Client::new(), url: server.url.clone() }
    }

    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, reqwest::header::HeaderMap, Value) {
        let mut request = self.http.request(method, format!("{}{path}", self.url));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let (status, headers) = (response.status(), response.headers().clone());
        let text = response.text().await.unwrap();
        let value = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|_| panic!("{text}"))
        };
        (status, headers, value)
    }

    async fn post(&self, path: &str, token: Option<&str>, body: Value) -> (StatusCode, Value) {
        let (status, _, value) = self.send(reqwest::Method::POST, path, token, Some(body)).await;
        (status, value)
    }

    async fn get(&self, path: &str, token: Option<&str>) -> (StatusCode, Value) {
        let (status, _, value) = self.send(reqwest::Method::GET, path, token, None).await;
        (status, value)
    }

    async fn login(&self, user: &str, password: &str, device: DeviceId) -> (StatusCode, Value) {
        self.post(
            "/v1/login",
            None,
            json!({"user": user, "password": password, "device": device, "device_name": "Laptop"}),
        )
        .await
    }

    async fn tokens(&self, user: &str, device: DeviceId) -> Tokens {
        let (status, body) = self.login(user, PASSWORD, device).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        serde_json::from_value(body).unwrap()
    }

    async fn upload(&self, token: &str, vault: VaultId, device: DeviceId, records: &[Envelope]) -> (StatusCode, Value) {
        self.post(
            &format!("/v1/vaults/{}/devices/{}/records", vault.0, device.0),
            Some(token),
            json!({"records": records}),
        )
        .await
    }

    async fn everything(&self, token: &str, vault: VaultId) -> Vec<Envelope> {
        let mut request = DownloadRequest::default();
        let mut all = Vec::new();
        loop {
            let (status, body) = self
                .post(&format!("/v1/vaults/{}/download", vault.0), Some(token), serde_json::to_value(&request).unwrap())
                .await;
            assert_eq!(status, StatusCode::OK, "{body}");
            let page: DownloadPage = serde_json::from_value(body).unwrap();
            all.extend(page.records);
            request.cursors = page.next;
            if !page.more {
                return all;
            }
        }
    }
}

fn kind(body: &Value) -> ErrorKind {
    serde_json::from_value::<ErrorBody>(body.clone()).unwrap_or_else(|_| panic!("not an error body: {body}")).error.kind
}

#[tokio::test]
async fn accounts_are_added_by_the_operator_unless_sign_up_is_on_and_names_are_unique() {
    let dir = tempfile::tempdir().unwrap();
    let added = add_user(dir.path(), "ana", PASSWORD);
    assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
    let again = add_user(dir.path(), "ana", PASSWORD);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("taken"), "{}", String::from_utf8_lossy(&again.stderr));
    let short = add_user(dir.path(), "bo", "short");
    assert!(String::from_utf8_lossy(&short.stderr).contains("at least 10 characters"));

    let server = ServerProcess::start(dir.path(), &[]);
    let client = Client::new(&server);
    let (status, caps) = client.get("/v1/capabilities", None).await;
    assert_eq!(status, StatusCode::OK);
    let caps: Capabilities = serde_json::from_value(caps).unwrap();
    assert_eq!(caps.protocols, vec![PROTOCOL_VERSION]);
    assert_eq!((caps.max_page_bytes, caps.max_page_records, caps.sign_up), (1 << 20, 1_000, false));

    let (status, body) = client.post("/v1/accounts", None, json!({"user": "cy", "password": PASSWORD})).await;
    assert_eq!((status, kind(&body)), (StatusCode::FORBIDDEN, ErrorKind::Forbidden));
    assert!(body["error"]["message"].as_str().unwrap().contains("ask its operator"), "{body}");
    client.tokens("ana", device(1)).await;
    drop(server);

    let server = ServerProcess::start(dir.path(), &["--allow-sign-up"]);
    let client = Client::new(&server);
    let (status, body) = client.post("/v1/accounts", None, json!({"user": "cy", "password": PASSWORD})).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = client.post("/v1/accounts", None, json!({"user": "cy", "password": PASSWORD})).await;
    assert_eq!((status, kind(&body)), (StatusCode::CONFLICT, ErrorKind::Conflict));
    let (status, body) = client.post("/v1/accounts", None, json!({"user": "dee", "password": "short"})).await;
    assert_eq!((status, kind(&body)), (StatusCode::BAD_REQUEST, ErrorKind::BadRequest));
    client.tokens("cy", device(2)).await;
    let (status, body) = client.login("cy", "wrong password!", device(3)).await;
    assert_eq!((status, kind(&body)), (StatusCode::UNAUTHORIZED, ErrorKind::Unauthorized));
    let (status, body) = client.login("nobody", PASSWORD, device(3)).await;
    assert_eq!((status, kind(&body)), (StatusCode::UNAUTHORIZED, ErrorKind::Unauthorized));
    let (status, body) = client.get("/v1/nowhere", None).await;
    assert_eq!((status, kind(&body)), (StatusCode::NOT_FOUND, ErrorKind::NotFound));
}

#[tokio::test]
async fn every_endpoint_refuses_a_missing_wrong_or_expired_token_and_a_refresh_rotates() {
    let dir = tempfile::tempdir().unwrap();
    assert!(add_user(dir.path(), "ana", PASSWORD).status.success());
    let server = ServerProcess::start(dir.path(), &["--access-token-ttl", "1"]);
    let client = Client::new(&server);
    let tokens = client.tokens("ana", device(1)).await;
    assert_eq!(tokens.expires_in_secs, 1);
    let records = chain(vault(1), device(1), 1, 64);
    let (status, body) = client.upload(tokens.access_token.expose(), vault(1), device(1), &records).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let endpoints = |v: VaultId, d: DeviceId| {
        vec![
            (reqwest::Method::GET, "/v1/devices".to_owned(), None),
            (reqwest::Method::DELETE, format!("/v1/devices/{}", d.0), None),
            (
                reqwest::Method::POST,
                format!("/v1/vaults/{}/devices/{}/records", v.0, d.0),
                Some(json!({"records": []})),
            ),
            (reqwest::Method::POST, format!("/v1/vaults/{}/download", v.0), Some(json!({"cursors": []}))),
            (reqwest::Method::GET, format!("/v1/vaults/{}/status", v.0), None),
            (reqwest::Method::GET, format!("/v1/vaults/{}/keys", v.0), None),
            (reqwest::Method::PUT, format!("/v1/vaults/{}/keys", v.0), Some(json!({"keys": []}))),
            (reqwest::Method::POST, "/v1/crowd/votes".to_owned(), Some(json!({"votes": []}))),
            (reqwest::Method::POST, "/v1/crowd/lookup".to_owned(), Some(json!({"sellers": []}))),
            (reqwest::Method::GET, format!("/v1/vaults/{}/snapshot", v.0), None),
            (reqwest::Method::PUT, format!("/v1/vaults/{}/snapshots/{}", v.0, d.0), Some(json!({}))),
            (reqwest::Method::GET, format!("/v1/vaults/{}/snapshots/{}", v.0, d.0), None),
            (reqwest::Method::PUT, format!("/v1/vaults/{}/snapshots/{}/chunks/0", v.0, d.0), Some(json!({}))),
            (reqwest::Method::GET, format!("/v1/vaults/{}/snapshots/{}/chunks/0", v.0, d.0), None),
        ]
    };
    let refresh = tokens.refresh_token.expose().to_owned();
    let wrong = ["", "not-a-token", refresh.as_str()];
    for (method, path, body) in endpoints(vault(1), device(1)) {
        let (status, headers, answer) = client.send(method.clone(), &path, None, body.clone()).await;
        assert_eq!((status, kind(&answer)), (StatusCode::UNAUTHORIZED, ErrorKind::Unauthorized), "{method} {path}");
        assert_eq!(headers.get("www-authenticate").unwrap(), "Bearer");
        for token in wrong {
            let (status, _, answer) = client.send(method.clone(), &path, Some(token), body.clone()).await;
            assert_eq!(
                (status, kind(&answer)),
                (StatusCode::UNAUTHORIZED, ErrorKind::Unauthorized),
                "{method} {path} with a wrong token"
            );
        }
    }

    tokio::time::sleep(Duration::from_millis(2_100)).await;
    for (method, path, body) in endpoints(vault(1), device(1)) {
        let (status, _, answer) = client.send(method.clone(), &path, Some(tokens.access_token.expose()), body).await;
        assert_eq!(
            (status, kind(&answer)),
            (StatusCode::UNAUTHORIZED, ErrorKind::Unauthorized),
            "{method} {path} expired"
        );
    }

    let (status, body) = client.post("/v1/refresh", None, json!({"refresh_token": refresh})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let fresh: Tokens = serde_json::from_value(body).unwrap();
    let (status, body) =
        client.get(&format!("/v1/vaults/{}/status", vault(1).0), Some(fresh.access_token.expose())).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // The answer may never have reached the device (a dropped connection, a crash): the old
    // refresh token still works until the new one is used, and what it gives supersedes the
    // pair whose answer was lost.
    let refresh_json = |token: &str| json!({"refresh_token": token});
    let (status, body) = client.post("/v1/refresh", None, refresh_json(&refresh)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let again: Tokens = serde_json::from_value(body).unwrap();
    let (status, body) = client.post("/v1/refresh", None, refresh_json(fresh.refresh_token.expose())).await;
    assert_eq!((status, kind(&body)), (StatusCode::UNAUTHORIZED, ErrorKind::Unauthorized), "superseded");
    let (status, _) = client.get("/v1/devices", Some(fresh.access_token.expose())).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the lost pair's access token is gone with it");
    // Once the new one is used, the old one is spent.
    let (status, body) = client.post("/v1/refresh", None, refresh_json(again.refresh_token.expose())).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = client.post("/v1/refresh", None, refresh_json(&refresh)).await;
    assert_eq!(
        (status, kind(&body)),
        (StatusCode::UNAUTHORIZED, ErrorKind::Unauthorized),
        "a refresh token is spent once its successor is used"
    );
    let (status, body) = client.post("/v1/refresh", None, refresh_json(again.refresh_token.expose())).await;
    assert_eq!(status, StatusCode::OK, "still good: its successor's answer may be the one lost now: {body}");
}

#[tokio::test]
async fn a_token_writes_only_its_own_devices_log_and_reads_only_its_own_accounts_vaults() {
    let dir = tempfile::tempdir().unwrap();
    assert!(add_user(dir.path(), "ana", PASSWORD).status.success());
    assert!(add_user(dir.path(), "bo", PASSWORD).status.success());
    let server = ServerProcess::start(dir.path(), &[]);
    let client = Client::new(&server);
    let ana1 = client.tokens("ana", device(1)).await;
    let ana2 = client.tokens("ana", device(2)).await;
    let bo = client.tokens("bo", device(3)).await;
    let (a1, a2, b) = (ana1.access_token.expose(), ana2.access_token.expose(), bo.access_token.expose());

    let mine = chain(vault(1), device(1), 3, 100);
    let (status, body) = client.upload(a1, vault(1), device(1), &mine).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // Device 2's token cannot write device 1's log, even with device 1's records.
    let (status, body) = client.upload(a2, vault(1), device(1), &chain(vault(1), device(1), 4, 100)).await;
    assert_eq!((status, kind(&body)), (StatusCode::FORBIDDEN, ErrorKind::Forbidden));
    // Nor can a record be slipped into its own log naming another device.
    let (status, body) = client.upload(a2, vault(1), device(2), &mine).await;
    assert_eq!((status, kind(&body)), (StatusCode::FORBIDDEN, ErrorKind::Forbidden));
    // Another account cannot read or write the vault, nor log in as one of its devices.
    let (status, body) =
        client.post(&format!("/v1/vaults/{}/download", vault(1).0), Some(b), json!({"cursors": []})).await;
    assert_eq!((status, kind(&body)), (StatusCode::FORBIDDEN, ErrorKind::Forbidden));
    let (status, body) = client.get(&format!("/v1/vaults/{}/status", vault(1).0), Some(b)).await;
    assert_eq!((status, kind(&body)), (StatusCode::FORBIDDEN, ErrorKind::Forbidden));
    let (status, body) = client.upload(b, vault(1), device(3), &chain(vault(1), device(3), 1, 100)).await;
    assert_eq!((status, kind(&body)), (StatusCode::FORBIDDEN, ErrorKind::Forbidden));
    let (status, body) = client.login("bo", PASSWORD, device(1)).await;
    assert_eq!((status, kind(&body)), (StatusCode::FORBIDDEN, ErrorKind::Forbidden));
    // The wrapped keys: the account's devices put and get them, another account neither.
    let bundle = json!({
        "revision": 0, "phrase": 0, "devices": [], "grants": [],
        "keys": [{"epoch": 0, "nonce": "BQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUF", "ciphertext": "CQkJCQkJCQkJCQkJCQkJCQ=="}]
    });
    let keys = format!("/v1/vaults/{}/keys", vault(1).0);
    let (status, _, _) = client.send(reqwest::Method::PUT, &keys, Some(a1), Some(bundle.clone())).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(client.get(&keys, Some(a2)).await, (StatusCode::OK, bundle.clone()));
    // A change must follow the bundle held: a device that read it before another's change is told.
    let (status, _, body) = client.send(reqwest::Method::PUT, &keys, Some(a2), Some(bundle.clone())).await;
    assert_eq!((status, kind(&body)), (StatusCode::CONFLICT, ErrorKind::Conflict));
    assert!(body["error"]["message"].as_str().unwrap().contains("fetch them and try again"), "{body}");
    let (status, body) = client.get(&keys, Some(b)).await;
    assert_eq!((status, kind(&body)), (StatusCode::FORBIDDEN, ErrorKind::Forbidden));
    let (status, _, body) = client.send(reqwest::Method::PUT, &keys, Some(b), Some(bundle)).await;
    assert_eq!((status, kind(&body)), (StatusCode::FORBIDDEN, ErrorKind::Forbidden));
    let (status, body) = client.get(&format!("/v1/vaults/{}/keys", vault(5).0), Some(a1)).await;
    assert_eq!((status, kind(&body)), (StatusCode::NOT_FOUND, ErrorKind::NotFound));

    // The account's other device reads everything, and sees device 1's log in the status.
    assert_eq!(client.everything(a2, vault(1)).await, mine);
    let (status, body) = client.get(&format!("/v1/vaults/{}/status", vault(1).0), Some(a2)).await;
    assert_eq!(status, StatusCode::OK);
    let status: StatusResponse = serde_json::from_value(body).unwrap();
    assert_eq!(status.devices.len(), 1);
    assert_eq!((status.devices[0].device, status.devices[0].contiguous), (device(1), Seq(3)));
    // Bo's own vault is Bo's.
    let (status, body) = client.upload(b, vault(2), device(3), &chain(vault(2), device(3), 2, 100)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _) = client.get(&format!("/v1/vaults/{}/status", vault(2).0), Some(a1)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

/// A snapshot's manifest as device `author` would put it, covering `covers` (device, seq, hash).
fn manifest(id: u128, author: DeviceId, chunks: u32, covers: &[(DeviceId, Seq, &Envelope)]) -> Value {
    json!({
        "id": Uuid::from_u128(id), "author": author, "epoch": 0, "chunks": chunks,
        "covers": covers.iter().map(|(d, s, r)| json!({"device": d, "seq": s, "hash": r.content_hash()})).collect::<Vec<_>>(),
    })
}

fn chunk(index: u32) -> Value {
    json!({"index": index, "nonce": "BQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUF", "ciphertext": "CQkJCQkJCQkJCQkJCQkJCQ=="})
}

#[tokio::test]
async fn a_snapshot_is_its_author_s_to_write_the_account_s_to_read_and_stands_for_what_it_compacts() {
    let dir = tempfile::tempdir().unwrap();
    assert!(add_user(dir.path(), "ana", PASSWORD).status.success());
    assert!(add_user(dir.path(), "bo", PASSWORD).status.success());
    let server = ServerProcess::start(dir.path(), &["--retention-days", "0"]);
    let client = Client::new(&server);
    let (a1, a2, b) = (
        client.tokens("ana", device(1)).await,
        client.tokens("ana", device(2)).await,
        client.tokens("bo", device(3)).await,
    );
    let (a1, a2, b) = (a1.access_token.expose(), a2.access_token.expose(), b.access_token.expose());
    let records = chain(vault(1), device(1), 5, 100);
    assert_eq!(client.upload(a1, vault(1), device(1), &records).await.0, StatusCode::OK);
    let id = Uuid::from_u128(77);
    let path = format!("/v1/vaults/{}/snapshots/{id}", vault(1).0);
    let mine = manifest(77, device(1), 2, &[(device(1), Seq(4), &records[3])]);

    // No snapshot yet; a device puts only its own, under the id in the address.
    let latest = format!("/v1/vaults/{}/snapshot", vault(1).0);
    assert_eq!(kind(&client.get(&latest, Some(a1)).await.1), ErrorKind::NotFound);
    let (status, _, body) = client.send(reqwest::Method::PUT, &path, Some(a2), Some(mine.clone())).await;
    assert_eq!((status, kind(&body)), (StatusCode::FORBIDDEN, ErrorKind::Forbidden));
    let (status, _, body) = client.send(reqwest::Method::PUT, &path, Some(b), Some(mine.clone())).await;
    assert_eq!((status, kind(&body)), (StatusCode::FORBIDDEN, ErrorKind::Forbidden));
    let (status, _, body) = client.send(reqwest::Method::PUT, &path, Some(a1), Some(mine.clone())).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"missing": [0, 1], "latest": false})));

    // Its chunks: the author's alone, then the latest with the last one.
    let (status, _, body) =
        client.send(reqwest::Method::PUT, &format!("{path}/chunks/0"), Some(a2), Some(chunk(0))).await;
    assert_eq!((status, kind(&body)), (StatusCode::FORBIDDEN, ErrorKind::Forbidden));
    let (status, _, body) =
        client.send(reqwest::Method::PUT, &format!("{path}/chunks/1"), Some(a1), Some(chunk(0))).await;
    assert_eq!((status, kind(&body)), (StatusCode::BAD_REQUEST, ErrorKind::BadRequest), "index and address differ");
    let (status, _, body) =
        client.send(reqwest::Method::PUT, &format!("{path}/chunks/1"), Some(a1), Some(chunk(1))).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"missing": [0], "latest": false})));
    assert_eq!(client.get(&path, Some(a2)).await, (StatusCode::OK, json!({"missing": [0], "latest": false})));
    let (status, _, body) =
        client.send(reqwest::Method::PUT, &format!("{path}/chunks/0"), Some(a1), Some(chunk(0))).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"missing": [], "latest": true})));
    assert_eq!(client.get(&latest, Some(a2)).await, (StatusCode::OK, mine));
    assert_eq!(client.get(&format!("{path}/chunks/1"), Some(a2)).await, (StatusCode::OK, chunk(1)));
    assert_eq!(kind(&client.get(&latest, Some(b)).await.1), ErrorKind::Forbidden);
    assert_eq!(kind(&client.get(&format!("{path}/chunks/1"), Some(b)).await.1), ErrorKind::Forbidden);

    // With no retention, the records it covers go once every device seen since has read them,
    // as the cursors of its next download say; a download from before them is answered 410, in
    // words that say to start from the snapshot.
    let download = format!("/v1/vaults/{}/download", vault(1).0);
    let (status, body) = client.post(&download, Some(a2), json!({"cursors": []})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let read = json!({"cursors": [{"device": device(1), "after": 5}]});
    let (status, body) = client.post(&download, Some(a2), read).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = client.post(&download, Some(a2), json!({"cursors": []})).await;
    assert_eq!((status, kind(&body)), (StatusCode::GONE, ErrorKind::Compacted), "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("download the snapshot"), "{body}");
    let after = json!({"cursors": [{"device": device(1), "after": 4}]});
    let (status, body) = client.post(&download, Some(a2), after).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let page: DownloadPage = serde_json::from_value(body).unwrap();
    assert_eq!(page.records, records[4..].to_vec(), "only what the snapshot does not cover is left");
}

#[tokio::test]
async fn replays_are_no_ops_conflicts_keep_the_first_and_everything_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    assert!(add_user(dir.path(), "ana", PASSWORD).status.success());
    let records = chain(vault(1), device(1), 2_500, 200);
    {
        let server = ServerProcess::start(dir.path(), &[]);
        let client = Client::new(&server);
        let token = client.tokens("ana", device(1)).await;
        let token = token.access_token.expose();
        for part in records.chunks(1_000) {
            let (status, body) = client.upload(token, vault(1), device(1), part).await;
            assert_eq!(status, StatusCode::OK, "{body}");
        }
        let (status, body) = client.upload(token, vault(1), device(1), &records[..10]).await;
        assert_eq!(status, StatusCode::OK);
        let answer: UploadResponse = serde_json::from_value(body).unwrap();
        assert!(answer.outcomes.iter().all(|o| matches!(o, UploadOutcome::Duplicate { .. })));
        assert_eq!(answer.contiguous, Seq(2_500));
        let mut other = records[4].clone();
        other.ciphertext[0] ^= 1;
        let (status, body) = client.upload(token, vault(1), device(1), &[other]).await;
        assert_eq!(status, StatusCode::OK);
        let answer: UploadResponse = serde_json::from_value(body).unwrap();
        assert_eq!(answer.outcomes, vec![UploadOutcome::Conflict { seq: Seq(5), held: records[4].content_hash() }]);
    }
    let server = ServerProcess::start(dir.path(), &[]);
    let client = Client::new(&server);
    let token = client.tokens("ana", device(2)).await;
    assert_eq!(client.everything(token.access_token.expose(), vault(1)).await, records, "paged, in order, once each");
}

#[tokio::test]
async fn limits_answer_with_typed_errors_and_retry_after() {
    let dir = tempfile::tempdir().unwrap();
    assert!(add_user(dir.path(), "ana", PASSWORD).status.success());
    let server = ServerProcess::start(dir.path(), &["--rate-limit", "2", "--device-quota", "20000"]);
    let client = Client::new(&server);

    // Wrong passwords lock the name out for a while, even against the right one.
    for _ in 0..5 {
        let (status, _) = client.login("ana", "wrong password!", device(1)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let (status, headers, body) = client
        .send(
            reqwest::Method::POST,
            "/v1/login",
            None,
            Some(json!({"user": "ana", "password": PASSWORD, "device": device(1), "device_name": "Laptop"})),
        )
        .await;
    assert_eq!((status, kind(&body)), (StatusCode::TOO_MANY_REQUESTS, ErrorKind::RateLimited));
    assert!(headers.get("retry-after").unwrap().to_str().unwrap().parse::<u64>().unwrap() >= 1);
    drop(server);

    let server = ServerProcess::start(
        dir.path(),
        &["--rate-limit", "2", "--device-quota", "20000", "--max-upload-bytes", "65536"],
    );
    let client = Client::new(&server);
    let (_, caps) = client.get("/v1/capabilities", None).await;
    assert_eq!(caps["max_upload_bytes"], 65536);
    let token = client.tokens("ana", device(1)).await;
    let token = token.access_token.expose();
    // Too many records in one upload, then too many bytes: the client must split them.
    let many = chain(vault(1), device(1), 1_001, 16);
    let (status, body) = client.upload(token, vault(1), device(1), &many).await;
    assert_eq!((status, kind(&body)), (StatusCode::PAYLOAD_TOO_LARGE, ErrorKind::TooLarge));
    let big = chain(vault(1), device(1), 1, 70_000);
    let (status, body) = client.upload(token, vault(1), device(1), &big).await;
    assert_eq!((status, kind(&body)), (StatusCode::PAYLOAD_TOO_LARGE, ErrorKind::TooLarge), "{body}");
    // Past the device's quota: nothing of the upload is stored.
    let records = chain(vault(1), device(1), 100, 100);
    let (status, body) = client.upload(token, vault(1), device(1), &records).await;
    assert_eq!((status, kind(&body)), (StatusCode::INSUFFICIENT_STORAGE, ErrorKind::QuotaExceeded));
    // The burst (twice the rate) is used up by now.
    let mut limited = None;
    for _ in 0..10 {
        let (status, headers, body) =
            client.send(reqwest::Method::GET, &format!("/v1/vaults/{}/status", vault(1).0), Some(token), None).await;
        if status == StatusCode::TOO_MANY_REQUESTS {
            limited = Some((headers, body));
            break;
        }
        assert_eq!(status, StatusCode::OK);
    }
    let (headers, body) = limited.expect("a device over its rate is told to wait");
    assert_eq!(kind(&body), ErrorKind::RateLimited);
    assert!(headers.get("retry-after").is_some());
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let (status, body) = client.get(&format!("/v1/vaults/{}/status", vault(1).0), Some(token)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let status: StatusResponse = serde_json::from_value(body).unwrap();
    assert!(status.devices.is_empty(), "the refused uploads stored nothing");
}

#[tokio::test]
async fn a_revoked_device_loses_its_tokens_at_once_and_cannot_log_in_again() {
    let dir = tempfile::tempdir().unwrap();
    assert!(add_user(dir.path(), "ana", PASSWORD).status.success());
    let server = ServerProcess::start(dir.path(), &[]);
    let client = Client::new(&server);
    let laptop = client.tokens("ana", device(1)).await;
    let phone = client.tokens("ana", device(2)).await;
    let (status, _, _) = client
        .send(
            reqwest::Method::DELETE,
            &format!("/v1/devices/{}", device(2).0),
            Some(laptop.access_token.expose()),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = client.get("/v1/devices", Some(phone.access_token.expose())).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, body) = client.post("/v1/refresh", None, json!({"refresh_token": phone.refresh_token.expose()})).await;
    assert_eq!((status, kind(&body)), (StatusCode::UNAUTHORIZED, ErrorKind::Unauthorized));
    let (status, body) = client.login("ana", PASSWORD, device(2)).await;
    assert_eq!((status, kind(&body)), (StatusCode::FORBIDDEN, ErrorKind::Forbidden));
    assert!(body["error"]["message"].as_str().unwrap().contains("join the budget again"), "{body}");
    let (status, body) = client.get("/v1/devices", Some(laptop.access_token.expose())).await;
    assert_eq!(status, StatusCode::OK);
    let list: DeviceList = serde_json::from_value(body).unwrap();
    let states: Vec<_> = list.devices.iter().map(|d| (d.device, d.revoked)).collect();
    assert_eq!(states, vec![(device(1), false), (device(2), true)]);
    let (status, _, _) = client
        .send(
            reqwest::Method::DELETE,
            &format!("/v1/devices/{}", device(9).0),
            Some(laptop.access_token.expose()),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_log_and_the_database_hold_no_password_token_or_user_data() {
    let dir = tempfile::tempdir().unwrap();
    assert!(add_user(dir.path(), "ana-the-user", PASSWORD).status.success());
    let server = ServerProcess::start(dir.path(), &[]);
    let client = Client::new(&server);
    let tokens = client.tokens("ana-the-user", device(1)).await;
    let records = chain(vault(1), device(1), 3, 100);
    client.upload(tokens.access_token.expose(), vault(1), device(1), &records).await;
    client.login("ana-the-user", "wrong password!", device(1)).await;
    let log = server.log();
    drop(server);
    assert!(log.contains(r#""route":"/v1/vaults/{vault}/devices/{device}/records""#), "{log}");
    let database = std::fs::read(dir.path().join("server.db")).unwrap();
    let database = String::from_utf8_lossy(&database);
    for secret in [PASSWORD, "wrong password!", tokens.access_token.expose(), tokens.refresh_token.expose()] {
        assert!(!log.contains(secret), "the log holds a secret");
        assert!(!database.contains(secret), "the database holds a secret");
    }
    for identity in
        ["ana-the-user", &vault(1).0.to_string(), &device(1).0.to_string(), &vault(1).0.simple().to_string()]
    {
        assert!(!log.contains(identity), "the log names {identity}:\n{log}");
    }
}

/// A new database in the cluster `SPEARMINT_TEST_POSTGRES` names, for one test. Blocking (the
/// driver runs a runtime of its own): called off the test's runtime.
fn fresh_postgres(test: &str) -> String {
    let admin = std::env::var("SPEARMINT_TEST_POSTGRES").expect(
        "this test uses a real PostgreSQL: run it with `cargo xtask test`, which starts one \
         (or set SPEARMINT_TEST_POSTGRES to a superuser's postgres:// URL)",
    );
    let name = format!("http_{test}_{}", Uuid::now_v7().simple());
    let mut client = ::postgres::Client::connect(&admin, ::postgres::NoTls).unwrap();
    client.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
    format!("{}/{name}", admin.rsplit_once('/').unwrap().0)
}

/// On PostgreSQL the server answers from several connections, so a request stuck in the
/// database (here an upload waiting on a lock another session holds on the records) holds up
/// no other request; the stuck one completes once the lock goes.
#[tokio::test]
async fn on_postgres_a_request_stuck_in_the_database_holds_up_no_other() {
    let database = tokio::task::spawn_blocking(|| fresh_postgres("stuck")).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let added = add_user_to(&database, "ana", PASSWORD);
    assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
    let server = ServerProcess::start_on(&database, dir.path(), &["--database-connections", "2"]);
    let client = std::sync::Arc::new(Client::new(&server));
    let token = client.tokens("ana", device(1)).await.access_token.expose().to_owned();

    // Another session locks the records; it lets go when told.
    let (locked_tx, locked) = std::sync::mpsc::channel();
    let (release, release_rx) = std::sync::mpsc::channel::<()>();
    let holder = {
        let database = database.clone();
        std::thread::spawn(move || {
            let mut session = ::postgres::Client::connect(&database, ::postgres::NoTls).unwrap();
            let mut tx = session.transaction().unwrap();
            tx.batch_execute("LOCK TABLE records IN ACCESS EXCLUSIVE MODE").unwrap();
            locked_tx.send(()).unwrap();
            release_rx.recv().unwrap();
            tx.commit().unwrap();
        })
    };
    locked.recv().unwrap();
    let upload = {
        let (client, token) = (client.clone(), token.clone());
        tokio::spawn(
            async move { client.upload(&token, vault(1), device(1), &chain(vault(1), device(1), 3, 50)).await },
        )
    };
    // The upload is waiting on the lock once the database says a session waits on it.
    let waiting = {
        let database = database.clone();
        std::thread::spawn(move || {
            let mut watch = ::postgres::Client::connect(&database, ::postgres::NoTls).unwrap();
            for _ in 0..200 {
                let row = watch
                    .query_one(
                        "SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = 'records'::regclass",
                        &[],
                    )
                    .unwrap();
                if row.get::<_, i64>(0) > 0 {
                    return true;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            false
        })
    };
    assert!(
        tokio::task::spawn_blocking(move || waiting.join().unwrap()).await.unwrap(),
        "the upload never reached the lock"
    );

    let devices = tokio::time::timeout(Duration::from_secs(20), client.get("/v1/devices", Some(&token))).await;
    let (status, body) = devices.expect("another request was held up behind the stuck one");
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(!upload.is_finished(), "the upload still waits on the lock");

    release.send(()).unwrap();
    let (status, body) = upload.await.unwrap();
    assert_eq!(status, StatusCode::OK, "{body}");
    let answer: UploadResponse = serde_json::from_value(body).unwrap();
    assert_eq!(answer.contiguous, Seq(3));
    holder.join().unwrap();
}

/// The operator's commands on PostgreSQL, as run from a shell: `migrate` moves a SQLite
/// deployment into an empty database, `user add` adds an account to it, and a server over it
/// signs both in.
#[tokio::test]
async fn migrate_and_user_add_work_on_postgres_from_the_command_line() {
    let postgres = tokio::task::spawn_blocking(|| fresh_postgres("cmd")).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    assert!(add_user(dir.path(), "ana", PASSWORD).status.success());
    let migrated = Command::new(env!("CARGO_BIN_EXE_spearmint-server"))
        .args(["migrate", "--from", &database(dir.path()), "--to", &postgres])
        .output()
        .unwrap();
    assert!(migrated.status.success(), "{}", String::from_utf8_lossy(&migrated.stderr));
    assert!(String::from_utf8_lossy(&migrated.stdout).contains("accounts: 1 rows"), "{migrated:?}");
    let added = add_user_to(&postgres, "bo", PASSWORD);
    assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));

    let server = ServerProcess::start_on(&postgres, dir.path(), &[]);
    let client = Client::new(&server);
    for (user, n) in [("ana", 1), ("bo", 2)] {
        let (status, body) = client.login(user, PASSWORD, device(n)).await;
        assert_eq!(status, StatusCode::OK, "{user}: {body}");
    }
}
