//! `spearmint sync` between two profiles (two devices) through the real `spearmint-server`
//! process on 127.0.0.1: set up on one, join on the other with the recovery phrase, the same
//! transactions, categories and budgets on both, a category override crossing over after
//! `sync now`, a wrong phrase refused before anything is written, and a server database that
//! holds none of the budget's text; and high availability: two servers over the real
//! PostgreSQL behind Debian's nginx, one killed in the middle of a large sync. Refresh tokens
//! go to the real Secret Service.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use serde_json::Value;

use crate::common::{fails, json, listed, ok, ok_json, passphrase_vault, require_secret_service, run, sm, text};

const PASSWORD: &str = "correct horse battery";

/// `spearmint-server`, built beside this test by the workspace's build.
fn server_binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let bin = exe.parent().and_then(Path::parent).unwrap().join("spearmint-server");
    assert!(bin.exists(), "{} is missing: build the workspace (`cargo xtask test` does)", bin.display());
    bin
}

/// A `spearmint-server` process with sign-up on, started with `args`, and the URL it printed;
/// killed when dropped.
struct Process {
    child: Child,
    url: String,
}

impl Process {
    fn start(args: &[&str], stderr: Stdio) -> Process {
        let mut child = Command::new(server_binary())
            .args(args)
            .arg("--allow-sign-up")
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let url = line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("said {line:?}")).to_owned();
        Process { child, url }
    }

    /// Stops it (SIGTERM, so SQLite folds its WAL in) and waits.
    fn stop(&mut self) {
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let _ = self.child.wait();
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Server {
    process: Process,
    url: String,
    dir: tempfile::TempDir,
    extra: Vec<String>,
}

impl Server {
    fn start() -> Server {
        Server::start_in(tempfile::tempdir().unwrap(), "127.0.0.1:0", &[])
    }

    fn start_in(dir: tempfile::TempDir, listen: &str, extra: &[&str]) -> Server {
        let database = format!("sqlite://{}", dir.path().join("server.db").display());
        let mut args = vec!["--database", &database, "--listen", listen];
        args.extend_from_slice(extra);
        let process = Process::start(&args, Stdio::null());
        let url = process.url.clone();
        Server { process, url, dir, extra: extra.iter().map(|s| (*s).to_owned()).collect() }
    }

    /// The size of the server's database and its write-ahead log: it grows as records come.
    fn stored_bytes(&self) -> u64 {
        ["server.db", "server.db-wal"]
            .iter()
            .filter_map(|f| std::fs::metadata(self.dir.path().join(f)).ok())
            .map(|m| m.len())
            .sum()
    }

    /// Kills the process at once (no clean shutdown) and starts it again on the same address
    /// and database.
    fn crash_and_restart(mut self) -> Server {
        let _ = self.process.child.kill();
        let _ = self.process.child.wait();
        let listen = self.url.strip_prefix("http://").unwrap().to_owned();
        let dir = std::mem::replace(&mut self.dir, tempfile::tempdir().unwrap());
        let extra: Vec<&str> = self.extra.iter().map(String::as_str).collect();
        Server::start_in(dir, &listen, &extra)
    }

    /// The server's whole database, as bytes (its WAL folded in by stopping it first).
    fn database(mut self) -> Vec<u8> {
        self.process.stop();
        let mut bytes = std::fs::read(self.dir.path().join("server.db")).unwrap();
        if let Ok(wal) = std::fs::read(self.dir.path().join("server.db-wal")) {
            bytes.extend(wal);
        }
        bytes
    }

    /// The key bundle the server holds for the only vault on it: what it could hand anyone.
    fn key_bundle(mut self) -> Value {
        self.process.stop();
        let db = rusqlite::Connection::open(self.dir.path().join("server.db")).unwrap();
        let bundle: String = db.query_row("SELECT bundle FROM vault_keys", [], |r| r.get(0)).unwrap();
        serde_json::from_str(&bundle).unwrap()
    }
}

fn sync_json(dir: &Path, args: &[&str], stdin: &str) -> std::process::Output {
    let mut all = vec!["sync"];
    all.extend_from_slice(args);
    all.push("--json");
    run(&mut sm(dir, &all), stdin)
}

/// What must be equal on both devices: each transaction's id, date, amount, payee and category.
fn ledger(dir: &Path) -> Vec<(String, String, String, String, String)> {
    let mut rows: Vec<_> = listed(dir, &["--limit", "100000"])
        .iter()
        .map(|t| {
            (text(t, "id"), text(t, "postedOn"), t["amount"].to_string(), text(t, "seller"), t["category"].to_string())
        })
        .collect();
    rows.sort();
    rows
}

#[test]
fn a_second_device_joins_with_the_phrase_and_both_keep_each_others_changes() {
    require_secret_service();
    let server = Server::start();
    let laptop = crate::common::demo_vault();
    let month = text(&listed(laptop.path(), &[])[0], "postedOn")[..7].to_owned();
    ok(&mut sm(laptop.path(), &["budget", "set", "FOOD", "432.10", "--from", &month]));

    let phrase = setup(laptop.path(), &server.url, "ana");
    assert_eq!(phrase.split(' ').count(), 24);

    // A wrong phrase is refused, and the new device is left as it was.
    let phone = passphrase_vault();
    let other = "abandon ".repeat(23) + "art";
    let out = sync_json(
        phone.path(),
        &["join", "--server", &server.url, "--user", "ana", "--password-stdin"],
        &format!("{PASSWORD}\n{other}\n"),
    );
    let message = fails(&out, out.status.code().unwrap(), "WrongKey");
    assert!(message.contains("recovery phrase"), "{message}");
    assert!(listed(phone.path(), &[]).is_empty());
    let out = sync_json(phone.path(), &["status"], "");
    assert!(!out.status.success(), "a refused join sets nothing up");

    let out = sync_json(
        phone.path(),
        &["join", "--server", &server.url, "--user", "ana", "--password-stdin"],
        &format!("{PASSWORD}\n{phrase}\n"),
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let expected = ledger(laptop.path());
    assert!(expected.len() > 20, "{}", expected.len());
    assert_eq!(ledger(phone.path()), expected);
    let spending = |dir: &Path| ok_json(dir, &["spending", "--month", &month]);
    assert_eq!(spending(phone.path()), spending(laptop.path()));
    let budget = |dir: &Path| ok_json(dir, &["budget", "show", "--month", &month]);
    assert_eq!(budget(phone.path()), budget(laptop.path()));
    assert!(budget(phone.path()).to_string().contains("432.10"));

    // An override on the phone reaches the laptop after `sync now` on both.
    let target = listed(phone.path(), &[])[0].clone();
    let id = text(&target, "id");
    let new_category = if target["category"] == "SHOPPING" { "TRAVEL" } else { "SHOPPING" };
    ok(&mut sm(phone.path(), &["recategorize", &id, new_category]));
    let report: Value = json(&sync_json(phone.path(), &["now"], ""));
    assert!(report["uploaded"].as_u64().unwrap() >= 1, "{report}");
    let report: Value = json(&sync_json(laptop.path(), &["now"], ""));
    assert!(report["applied"].as_u64().unwrap() >= 1, "{report}");
    let there = listed(laptop.path(), &[]).into_iter().find(|t| text(t, "id") == id).unwrap();
    assert_eq!(there["category"], new_category, "{there}");
    assert_eq!(there["categoryLocked"], true, "the lock syncs with the category");
    assert_eq!(ledger(laptop.path()), ledger(phone.path()));

    // And the other way, sent by the background task (it syncs when changes wait), after
    // which neither has anything left to send.
    let back = text(&listed(laptop.path(), &[])[1], "id");
    ok(&mut sm(laptop.path(), &["recategorize", &back, "FOOD_COFFEE"]));
    let status: Value = json(&sync_json(laptop.path(), &["status"], ""));
    assert!(status["pending_changes"].as_i64().unwrap() > 0, "{status}");
    ok(&mut sm(laptop.path(), &["daemon", "--once"]));
    json(&sync_json(phone.path(), &["now"], ""));
    assert_eq!(ledger(laptop.path()), ledger(phone.path()));
    let status: Value = json(&sync_json(laptop.path(), &["status"], ""));
    assert_eq!(
        (status["pending_changes"].as_i64(), status["pending_records"].as_i64()),
        (Some(0), Some(0)),
        "{status}"
    );

    // Both devices are on the account; the laptop removes the phone, which can sync no more
    // and then leaves, keeping its data.
    let devices: Value = json(&sync_json(phone.path(), &["devices"], ""));
    assert_eq!(devices.as_array().unwrap().len(), 2, "{devices}");
    assert!(devices.as_array().unwrap().iter().all(|d| d["revoked"] == false), "{devices}");
    let phone_id = json(&sync_json(phone.path(), &["status"], ""))["device"].as_str().unwrap().to_owned();
    ok(&mut sm(laptop.path(), &["sync", "devices", "revoke", &phone_id]));
    let out = sync_json(phone.path(), &["now"], "");
    let message = fails(&out, out.status.code().unwrap(), "ProviderAuth");
    assert!(message.contains("join the budget again"), "{message}");
    let devices: Value = json(&sync_json(laptop.path(), &["devices"], ""));
    let removed = devices.as_array().unwrap().iter().find(|d| d["device"] == phone_id.as_str()).unwrap().clone();
    assert_eq!(removed["revoked"], true, "{devices}");
    ok(&mut sm(phone.path(), &["sync", "leave"]));
    let out = sync_json(phone.path(), &["status"], "");
    fails(&out, out.status.code().unwrap(), "NotFound");
    assert_eq!(ledger(phone.path()), ledger(laptop.path()), "leaving keeps the data");

    // The server never saw a payee, an amount or a category name.
    let sellers: Vec<String> = listed(laptop.path(), &[]).iter().map(|t| text(t, "seller")).collect();
    let database = server.database();
    let database = String::from_utf8_lossy(&database);
    for seller in sellers.iter().filter(|s| s.len() >= 6) {
        assert!(!database.contains(seller.as_str()), "the server's database holds `{seller}`");
    }
    for word in ["FOOD_COFFEE", "SHOPPING", "432"] {
        assert!(!database.contains(word), "the server's database holds `{word}`");
    }

    // The server is gone: a change is kept, the sync says what happened, and the app goes on.
    ok(&mut sm(laptop.path(), &["recategorize", &back, "TRAVEL"]));
    let out = sync_json(laptop.path(), &["now"], "");
    let message = fails(&out, out.status.code().unwrap(), "Offline");
    assert!(message.contains("your changes are kept"), "{message}");
    let status: Value = json(&sync_json(laptop.path(), &["status"], ""));
    assert!(status["pending_records"].as_i64().unwrap() + status["pending_changes"].as_i64().unwrap() > 0, "{status}");
    assert!(status["last_error"].as_str().unwrap().contains("cannot reach the sync server"), "{status}");
    let there = listed(laptop.path(), &[]).into_iter().find(|t| text(t, "id") == back).unwrap();
    assert_eq!(there["category"], "TRAVEL");
}

/// Sets `dir`'s budget up for sync on the server at `url` as `user`; returns the recovery phrase.
fn setup(dir: &Path, url: &str, user: &str) -> String {
    let out = sync_json(dir, &["setup", "--server", url, "--user", user, "--password-stdin"], &format!("{PASSWORD}\n"));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    json(&out)["recovery_phrase"].as_str().unwrap().to_owned()
}

/// `sync join` of `dir` to the budget `ana` syncs on the server at `url`.
fn join_at(dir: &Path, url: &str, phrase: &str) -> std::process::Output {
    sync_json(dir, &["join", "--server", url, "--user", "ana", "--password-stdin"], &format!("{PASSWORD}\n{phrase}\n"))
}

/// Joins `dir` to the budget `ana` syncs on `server`.
fn join(dir: &Path, server: &Server, phrase: &str) {
    let out = sync_json(
        dir,
        &["join", "--server", &server.url, "--user", "ana", "--password-stdin"],
        &format!("{PASSWORD}\n{phrase}\n"),
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn three_devices_converge_through_a_server_that_crashes_during_a_sync() {
    require_secret_service();
    // One record an upload and a page, so that a sync of a large import takes many requests.
    let server = Server::start_in(
        tempfile::tempdir().unwrap(),
        "127.0.0.1:0",
        &["--max-upload-records", "1", "--max-page-records", "1"],
    );
    let a = crate::common::demo_vault();
    let phrase = setup(a.path(), &server.url, "ana");
    let (b, c) = (passphrase_vault(), passphrase_vault());
    join(b.path(), &server, &phrase);
    join(c.path(), &server, &phrase);

    // A large import on one device, whose sync the server dies in the middle of.
    let account = crate::common::new_account(a.path(), "Savings");
    let file = a.path().join("big.csv");
    let mut csv = String::from("Date,Description,Amount\n");
    for i in 0..3_000 {
        csv.push_str(&format!("2026-11-{:02},STORE NUMBER {i},-{}.{:02}\n", 1 + i % 28, 1 + i % 90, i % 100));
    }
    std::fs::write(&file, csv).unwrap();
    ok(&mut sm(a.path(), &["import", file.to_str().unwrap(), "--account", &account]));
    let before = server.stored_bytes();
    let mut syncing =
        sm(a.path(), &["sync", "now", "--json"]).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    // Killed as soon as the server writes anything for this sync (the sign-in, or the first of
    // the import's records): the sync is cut off, or goes on against the restarted server.
    let started = std::time::Instant::now();
    while server.stored_bytes() == before && started.elapsed() < std::time::Duration::from_secs(30) {
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    let server = server.crash_and_restart();
    assert!(server.stored_bytes() > 0);
    let _ = syncing.wait().unwrap();

    // Meanwhile the others edit the same transactions; the later edit wins everywhere.
    let ids: Vec<String> = listed(b.path(), &[]).iter().take(3).map(|t| text(t, "id")).collect();
    ok(&mut sm(b.path(), &["recategorize", &ids[0], "SHOPPING"]));
    ok(&mut sm(c.path(), &["recategorize", &ids[0], "TRAVEL"]));
    let amount: rust_decimal::Decimal =
        listed(c.path(), &[]).into_iter().find(|t| text(t, "id") == ids[1]).unwrap()["amount"]["amount"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
    let half = (amount / rust_decimal::Decimal::TWO).round_dp(2);
    let parts = [format!("FOOD_GROCERIES={half}"), format!("SHOPPING_HOME={}", amount - half)];
    ok(&mut sm(c.path(), &["split", &ids[1], &parts[0], &parts[1]]));
    ok(&mut sm(b.path(), &["recategorize", &ids[2], "FOOD_COFFEE"]));

    for _ in 0..2 {
        for dir in [a.path(), b.path(), c.path()] {
            let out = sync_json(dir, &["now"], "");
            assert!(
                out.status.success(),
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
    let expected = ledger(a.path());
    assert!(expected.len() > 3_000, "{}", expected.len());
    assert_eq!(ledger(b.path()), expected);
    assert_eq!(ledger(c.path()), expected);
    let first = listed(a.path(), &["--limit", "100000"]).into_iter().find(|t| text(t, "id") == ids[0]).unwrap();
    assert_eq!(first["category"], "TRAVEL", "the later edit wins: {first}");
    let split = listed(b.path(), &["--limit", "100000"]).into_iter().find(|t| text(t, "id") == ids[1]).unwrap();
    assert_eq!(split["parts"].as_array().unwrap().len(), 2, "{split}");
    let spending = |dir: &Path| ok_json(dir, &["spending", "--month", "2026-11"]);
    assert_eq!(spending(b.path()), spending(a.path()));
    assert_eq!(spending(c.path()), spending(a.path()));
    drop(server);
}

/// How many records the server holds, read beside the running server (WAL readers do not block).
fn records_held(server: &Server) -> i64 {
    let db = rusqlite::Connection::open(server.dir.path().join("server.db")).unwrap();
    db.query_row("SELECT count(*) FROM records", [], |r| r.get(0)).unwrap()
}

#[test]
fn a_new_device_starts_from_the_snapshot_and_one_away_past_the_retention_starts_again_from_it() {
    require_secret_service();
    // No retention: what a snapshot covers goes as soon as the devices seen since read it. The
    // devices reach the server through nginx, which fails one chunk's upload, then one chunk's
    // download, as a server that goes down half-way does.
    let server = Server::start_in(tempfile::tempdir().unwrap(), "127.0.0.1:0", &["--retention-days", "0"]);
    let upstream = server.url.strip_prefix("http://").unwrap().to_owned();
    let chunk_1 = "^/v1/vaults/[^/]+/snapshots/[^/]+/chunks/1$";
    let proxy_dir = tempfile::tempdir().unwrap();
    let proxy = Proxy::start_with(proxy_dir.path(), &[&upstream], None, Some(("PUT", chunk_1)));
    let url = proxy.url.clone();
    let port: u16 = url.rsplit(':').next().unwrap().parse().unwrap();
    let laptop = crate::common::demo_vault();
    let phrase = setup(laptop.path(), &url, "ana");
    let away = passphrase_vault();
    assert!(join_at(away.path(), &url, &phrase).status.success());

    // Cash transactions reach both; the away device edits one and goes away unsynced, while
    // the laptop removes the account and changes another transaction.
    let cash = crate::common::new_account(laptop.path(), "Cash");
    let file = laptop.path().join("cash.csv");
    let mut csv = String::from("Date,Description,Amount\n");
    for i in 0..20 {
        csv.push_str(&format!("2026-11-{:02},CORNER SHOP {i},-{}.50\n", 1 + i, 2 + i));
    }
    std::fs::write(&file, csv).unwrap();
    ok(&mut sm(laptop.path(), &["import", file.to_str().unwrap(), "--account", &cash]));
    // And enough that stays for a snapshot of several chunks (4,000 changes at most a chunk, a
    // new row one change).
    let wallet = crate::common::new_account(laptop.path(), "Wallet");
    let mut csv = String::from("Date,Description,Amount\n");
    for i in 0..8_500 {
        csv.push_str(&format!("2026-10-{:02},MARKET STALL {i},-{}.25\n", 1 + i % 28, 1 + i % 70));
    }
    std::fs::write(&file, csv).unwrap();
    ok(&mut sm(laptop.path(), &["import", file.to_str().unwrap(), "--account", &wallet]));
    json(&sync_json(laptop.path(), &["now"], ""));
    json(&sync_json(away.path(), &["now"], ""));
    let corner = listed(away.path(), &["--limit", "100000"])
        .into_iter()
        .find(|t| text(t, "seller").contains("CORNER SHOP"))
        .expect("the cash transactions reached the away device");
    ok(&mut sm(away.path(), &["recategorize", &text(&corner, "id"), "TRAVEL"]));
    ok(&mut sm(laptop.path(), &["disconnect", &cash, "--delete-transactions"]));
    let kept = text(&listed(laptop.path(), &[])[0], "id");
    ok(&mut sm(laptop.path(), &["recategorize", &kept, "FOOD_COFFEE"]));
    assert!(records_held(&server) > 0);

    // The laptop's snapshot: its upload fails at chunk 1, and the next sync goes on with the
    // chunks the server lacks, not from the start.
    std::thread::sleep(std::time::Duration::from_millis(1_100));
    let out = sync_json(laptop.path(), &["snapshot"], "");
    assert!(!out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    let held = |sql: &str| -> i64 {
        rusqlite::Connection::open(server.dir.path().join("server.db"))
            .unwrap()
            .query_row(sql, [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(held("SELECT count(*) FROM snapshots WHERE latest = 1"), 0);
    assert_eq!(held("SELECT count(*) FROM snapshot_chunks"), 1, "chunk 0 went up before chunk 1 failed");
    proxy.stop();
    let proxy_dir = tempfile::tempdir().unwrap();
    let proxy = Proxy::start_with(proxy_dir.path(), &[&upstream], Some(port), Some(("GET", chunk_1)));
    let report = json(&sync_json(laptop.path(), &["now"], ""));
    assert_eq!(report["snapshot"], true, "{report}\n{}", proxy.requests());
    let chunks = held("SELECT chunks FROM snapshots WHERE latest = 1");
    assert!(chunks > 2, "{chunks} chunks");
    let puts: Vec<String> = proxy
        .requests()
        .lines()
        .filter(|l| l.starts_with("PUT") && l.contains("/chunks/"))
        .map(str::to_owned)
        .collect();
    assert_eq!(puts.len() as i64, chunks - 1, "only the chunks the server lacked: {puts:?}");
    assert!(!puts.iter().any(|l| l.contains("/chunks/0 ")), "{puts:?}");
    // The snapshot stands for every record once the devices seen since have read them.
    json(&sync_json(laptop.path(), &["now"], ""));
    assert_eq!(records_held(&server), 0, "every record is compacted into the snapshot");

    // A new device gets the whole budget from the snapshot alone: its start fails at chunk 1,
    // and the next sync goes on from there.
    let phone = passphrase_vault();
    let out = join_at(phone.path(), &url, &phrase);
    assert!(!out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    proxy.stop();
    let proxy_dir = tempfile::tempdir().unwrap();
    let proxy = Proxy::start_with(proxy_dir.path(), &[&upstream], Some(port), None);
    json(&sync_json(phone.path(), &["now"], ""));
    let gets: Vec<String> = proxy
        .requests()
        .lines()
        .filter(|l| l.starts_with("GET") && l.contains("/chunks/"))
        .map(str::to_owned)
        .collect();
    assert_eq!(gets.len() as i64, chunks - 1, "only the chunks not applied yet: {gets:?}");
    assert!(!gets.iter().any(|l| l.contains("/chunks/0 ")), "{gets:?}");
    let expected = ledger(laptop.path());
    assert!(expected.len() > 8_500, "{}", expected.len());
    assert!(!expected.iter().any(|t| t.3.contains("CORNER SHOP")), "the removed account's rows are gone");
    assert_eq!(ledger(phone.path()), expected);
    let mine = listed(phone.path(), &["--limit", "100000"]).into_iter().find(|t| text(t, "id") == kept).unwrap();
    assert_eq!(mine["category"], "FOOD_COFFEE", "{mine}");

    // The away device's place in the laptop's log is gone: it starts again from the snapshot,
    // keeps its own later changes, and the removed account stays removed.
    let report = json(&sync_json(away.path(), &["now"], ""));
    assert!(report["applied"].as_u64().unwrap() > 0, "{report}");
    assert!(
        !listed(away.path(), &["--limit", "100000"]).iter().any(|t| text(t, "seller").contains("CORNER SHOP")),
        "a row deleted while the device was away came back"
    );
    for dir in [laptop.path(), phone.path(), away.path()] {
        json(&sync_json(dir, &["now"], ""));
    }
    assert_eq!(ledger(away.path()), expected);
    assert_eq!(ledger(phone.path()), expected);
    let month = text(&listed(laptop.path(), &[])[0], "postedOn")[..7].to_owned();
    let spending = |dir: &Path| ok_json(dir, &["spending", "--month", &month]);
    assert_eq!(spending(away.path()), spending(laptop.path()));
    assert_eq!(spending(phone.path()), spending(laptop.path()));

    // The snapshot is ciphertext: the server holds no payee.
    drop(proxy);
    let database = server.database();
    let database = String::from_utf8_lossy(&database);
    assert!(!database.contains("CORNER SHOP") && !database.contains("FOOD_COFFEE"));
}

/// Two devices that each link the same bank (here the demo bank) hold one copy of it once they
/// sync, not two: the account's id comes from the bank's own account id, and each
/// transaction's from the account's.
#[test]
fn two_devices_that_link_the_same_bank_keep_one_copy_of_it() {
    require_secret_service();
    let server = Server::start();
    let laptop = crate::common::demo_vault();
    let alone = ledger(laptop.path());
    let phrase = setup(laptop.path(), &server.url, "ana");
    let desktop = crate::common::demo_vault();
    join(desktop.path(), &server, &phrase);
    for dir in [laptop.path(), desktop.path(), laptop.path()] {
        json(&sync_json(dir, &["now"], ""));
    }
    let accounts = |dir: &Path| ok_json(dir, &["accounts"]).as_array().unwrap().len();
    assert_eq!(accounts(desktop.path()), accounts(laptop.path()));
    assert_eq!(ledger(laptop.path()), alone, "the laptop's own extraction, once");
    assert_eq!(ledger(desktop.path()), alone);
}

/// A fresh database in the PostgreSQL cluster `cargo xtask test` starts.
fn postgres_database() -> String {
    let admin = std::env::var("SPEARMINT_TEST_POSTGRES")
        .expect("this test uses a real PostgreSQL: run it with `cargo xtask test`, which starts one");
    let name = format!("ha_{}", std::process::id());
    let out = Command::new("psql").args(["-XtA", &admin, "-c", &format!("CREATE DATABASE {name}")]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    format!("{}/{name}", admin.rsplit_once('/').unwrap().0)
}

/// One `spearmint-server` over PostgreSQL, its request log in a file.
struct PgServer {
    process: Process,
    addr: String,
    log: PathBuf,
}

impl PgServer {
    fn start(database: &str, dir: &Path, name: &str) -> PgServer {
        let log = dir.join(format!("{name}.log"));
        let args = ["--database", database, "--listen", "127.0.0.1:0", "--max-upload-records", "1"];
        let process = Process::start(&args, std::fs::File::create(&log).unwrap().into());
        let addr = process.url.strip_prefix("http://").unwrap_or_else(|| panic!("{}", process.url)).to_owned();
        PgServer { process, addr, log }
    }

    /// Uploads this server has answered.
    fn uploads(&self) -> usize {
        std::fs::read_to_string(&self.log).unwrap_or_default().lines().filter(|l| l.contains("/records")).count()
    }
}

/// Debian's nginx in front of `upstreams`, on a port of its own; a request an upstream fails
/// (refused, reset) goes to the next one, uploads too: a replayed record changes nothing.
struct Proxy {
    child: Child,
    url: String,
    log: PathBuf,
}

impl Proxy {
    fn start(dir: &Path, upstreams: &[&str]) -> Proxy {
        Proxy::start_with(dir, upstreams, None, None)
    }

    /// As [`Proxy::start`], on `port` if given, answering 503 to the requests with `method` whose
    /// path matches the regular expression `refuse` (a server failing half-way through an upload
    /// or a download), and logging each request's method, path and status to
    /// `nginx/access.log`.
    fn start_with(dir: &Path, upstreams: &[&str], port: Option<u16>, refuse: Option<(&str, &str)>) -> Proxy {
        let nginx = ["/usr/sbin/nginx", "/usr/local/sbin/nginx"]
            .into_iter()
            .map(PathBuf::from)
            .find(|p| p.exists())
            .expect("nginx is missing: `cargo xtask test` installs Debian's nginx");
        let port =
            port.unwrap_or_else(|| std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port());
        let prefix = dir.join("nginx");
        std::fs::create_dir_all(&prefix).unwrap();
        // Workers run as an unprivileged user when started as root: they must reach the prefix.
        use std::os::unix::fs::PermissionsExt as _;
        for d in [dir, prefix.as_path()] {
            std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o777)).unwrap();
        }
        let servers: String = upstreams.iter().map(|u| format!("server {u} max_fails=1 fail_timeout=60s;\n")).collect();
        let p = prefix.display();
        let pass = "proxy_pass http://sync;\nproxy_http_version 1.1;\nproxy_set_header Connection \"\";\n\
                    proxy_buffering off;\nproxy_next_upstream error timeout http_502 http_503 non_idempotent;\n";
        let refusal = refuse.map_or(String::new(), |(method, path)| {
            format!(
                "location ~ {path} {{\ndefault_type application/json;\nif ($request_method = {method}) {{\n\
                 return 503 '{{\"error\":{{\"kind\":\"unavailable\",\"message\":\"down for a moment\"}}}}';\n}}\n{pass}}}\n"
            )
        });
        let conf = format!(
            "daemon off;\nworker_processes 1;\npid {p}/nginx.pid;\nerror_log {p}/error.log;\nevents {{}}\nhttp {{\n\
             log_format brief '$request_method $uri $status';\naccess_log {p}/access.log brief;\n\
             client_body_temp_path {p}/body;\nproxy_temp_path {p}/proxy;\nfastcgi_temp_path {p}/fastcgi;\n\
             uwsgi_temp_path {p}/uwsgi;\nscgi_temp_path {p}/scgi;\nclient_max_body_size 8m;\nclient_body_buffer_size 8m;\n\
             upstream sync {{\n{servers}}}\nserver {{\nlisten 127.0.0.1:{port};\n{refusal}location / {{\n{pass}}}\n}}\n}}\n"
        );
        let conf_file = prefix.join("nginx.conf");
        std::fs::write(&conf_file, conf).unwrap();
        let child = Command::new(nginx)
            .args(["-e", &format!("{p}/error.log"), "-p", &p.to_string(), "-c"])
            .arg(&conf_file)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let url = format!("http://127.0.0.1:{port}");
        let started = std::time::Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(started.elapsed().as_secs() < 20, "nginx did not start: see {p}/error.log");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        Proxy { child, url, log: prefix.join("access.log") }
    }

    /// The requests it passed or refused, as `METHOD PATH STATUS` lines.
    fn requests(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Stops nginx and its worker (SIGTERM: a killed master would leave its worker serving).
    fn stop(self) {
        drop(self);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let _ = self.child.wait();
    }
}

/// High availability: two servers over one PostgreSQL behind nginx; one is killed in the middle
/// of a sync of over 100,000 cells, the sync completes through the other, and a second device
/// gets every transaction, once. The database holds no payee, amount or category text.
#[test]
fn a_sync_goes_on_through_the_other_server_when_one_dies() {
    require_secret_service();
    let dir = tempfile::tempdir().unwrap();
    let database = postgres_database();
    let first = PgServer::start(&database, dir.path(), "first");
    let second = PgServer::start(&database, dir.path(), "second");
    let proxy = Proxy::start(dir.path(), &[&first.addr, &second.addr]);

    let laptop = crate::common::demo_vault();
    let phrase = setup(laptop.path(), &proxy.url, "ana");
    let phone = passphrase_vault();
    let out = sync_json(
        phone.path(),
        &["join", "--server", &proxy.url, "--user", "ana", "--password-stdin"],
        &format!("{PASSWORD}\n{phrase}\n"),
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    // A large import, whose sync one server dies in the middle of.
    let account = crate::common::new_account(laptop.path(), "Household");
    let file = laptop.path().join("big.csv");
    let mut csv = String::from("Date,Description,Amount\n");
    for i in 0..12_500 {
        csv.push_str(&format!("2026-10-{:02},CORNER SHOP NUMBER {i},-{}.{:02}\n", 1 + i % 28, 1 + i % 90, i % 100));
    }
    std::fs::write(&file, csv).unwrap();
    ok(&mut sm(laptop.path(), &["import", file.to_str().unwrap(), "--account", &account]));

    let mut syncing =
        sm(laptop.path(), &["sync", "now", "--json"]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let started = std::time::Instant::now();
    let before = first.uploads();
    while first.uploads() < before + 2 {
        assert!(started.elapsed().as_secs() < 120, "the first server took no uploads");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    assert!(syncing.try_wait().unwrap().is_none(), "the sync was still going when the server died");
    let mut first = first;
    first.process.child.kill().unwrap();
    first.process.child.wait().unwrap();
    let out = syncing.wait_with_output().unwrap();
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(second.uploads() > 2, "the rest went to the second server");
    let status: Value = json(&sync_json(laptop.path(), &["status"], ""));
    assert_eq!(
        (status["pending_changes"].as_i64(), status["pending_records"].as_i64()),
        (Some(0), Some(0)),
        "{status}"
    );

    // Every record once, with no gap: each device's log on the server is 1..=n.
    let psql = |sql: &str| {
        let out = Command::new("psql").args(["-XtA", &database, "-c", sql]).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    };
    assert_eq!(
        psql("SELECT count(*) FROM records r JOIN heads h USING (vault, device) WHERE r.seq > h.contiguous"),
        "0"
    );
    assert_eq!(
        psql("SELECT bool_and(n = m) FROM (SELECT count(*) AS n, max(seq) AS m FROM records GROUP BY device) AS logs"),
        "t"
    );

    // The phone gets every change, once, and the same transactions. A new row is one change
    // carrying all its synced columns: 12,500 transactions at 8 cells each are 100,000 cells.
    let report: Value = json(&sync_json(phone.path(), &["now"], ""));
    assert!(report["applied"].as_u64().unwrap() >= 12_500, "{report}");
    let expected = ledger(laptop.path());
    assert!(expected.len() > 12_500, "{}", expected.len());
    assert_eq!(ledger(phone.path()), expected);

    let dump = Command::new("pg_dump").args(["--data-only", &database]).output().unwrap();
    assert!(dump.status.success(), "{}", String::from_utf8_lossy(&dump.stderr));
    let dump = String::from_utf8_lossy(&dump.stdout);
    assert!(dump.contains("COPY public.records"), "the dump holds the records table");
    let sellers: std::collections::BTreeSet<String> =
        listed(laptop.path(), &["--limit", "200"]).iter().map(|t| text(t, "seller")).collect();
    assert!(sellers.iter().any(|s| s.contains("CORNER SHOP")), "{sellers:?}");
    for word in sellers.iter().filter(|s| s.len() >= 6).map(String::as_str).chain(["CORNER", "Household"]) {
        assert!(!dump.contains(word), "the PostgreSQL dump holds `{word}`");
    }
    drop(proxy);
}

/// The crowd, opt-in: once three accounts that share categorized a local seller the same way
/// by hand, a fourth account's device that shares gets that category for it; two accounts are
/// not enough. It outranks the seller's words, so a row the lexicon or the model decided takes
/// the crowd's category too. The server holds the seller only as a keyed hash, never its name.
#[test]
fn the_crowd_fills_in_a_seller_once_three_accounts_agree() {
    require_secret_service();
    let server = Server::start();
    let seller = "ZORBLAX QUARTERMILE 77";
    // A name whose words say groceries (to the lexicon or the model), where this seller's
    // customers say shopping.
    let worded = "QUIBBLEWICK MARKET 12";
    let device = |user: &str| {
        let dir = passphrase_vault();
        setup(dir.path(), &server.url, user);
        let account = crate::common::new_account(dir.path(), "Card");
        let file = dir.path().join("card.csv");
        let lines = format!("Date,Description,Amount\n2026-11-03,{seller},-12.50\n2026-11-04,{worded},-30.00\n");
        std::fs::write(&file, lines).unwrap();
        ok(&mut sm(dir.path(), &["import", file.to_str().unwrap(), "--account", &account]));
        dir
    };
    let decided = |dir: &Path| {
        let decision = ok_json(dir, &["categorize", seller]);
        (text(&decision, "category"), text(&decision, "source"))
    };
    let row = |dir: &Path, name: &str| {
        let t = listed(dir, &[]).into_iter().find(|t| text(t, "seller").contains(name)).unwrap();
        (text(&t, "id"), text(&t, "category"), text(&t, "categorySource"))
    };
    let asker = device("dee");
    ok(&mut sm(asker.path(), &["sync", "crowd", "on"]));
    let status: Value = json(&sync_json(asker.path(), &["status"], ""));
    assert_eq!(status["crowd_sharing"], true, "{status}");
    assert_ne!(decided(asker.path()).0, "FOOD_RESTAURANTS");
    let (_, category, source) = row(asker.path(), worded);
    assert_eq!(category, "FOOD_GROCERIES");
    assert!(["lexicon", "model"].contains(&source.as_str()), "decided by its words: {source}");

    // A device that does not share sends no vote, whatever its user chose.
    let private = device("eve");
    ok(&mut sm(private.path(), &["recategorize", &row(private.path(), seller).0, "FOOD_RESTAURANTS"]));
    json(&sync_json(private.path(), &["now"], ""));

    for (n, user) in ["ana", "bo", "cy"].into_iter().enumerate() {
        let voter = device(user);
        ok(&mut sm(voter.path(), &["sync", "crowd", "on"]));
        ok(&mut sm(voter.path(), &["recategorize", &row(voter.path(), seller).0, "FOOD_RESTAURANTS"]));
        ok(&mut sm(voter.path(), &["recategorize", &row(voter.path(), worded).0, "SHOPPING"]));
        json(&sync_json(voter.path(), &["now"], ""));
        let report: Value = json(&sync_json(asker.path(), &["now"], ""));
        if n < 2 {
            assert_eq!(report["crowd"], 0, "{} accounts are not a crowd: {report}", n + 1);
            assert_ne!(decided(asker.path()).0, "FOOD_RESTAURANTS");
        } else {
            assert_eq!(report["crowd"], 2, "{report}");
        }
    }
    assert_eq!(decided(asker.path()), ("FOOD_RESTAURANTS".to_owned(), "crowd".to_owned()));
    // The transactions already there take it too: the one nothing could categorize, and the
    // one only its words had.
    let (_, category, source) = row(asker.path(), seller);
    assert_eq!((category.as_str(), source.as_str()), ("FOOD_RESTAURANTS", "crowd"));
    let (_, category, source) = row(asker.path(), worded);
    assert_eq!((category.as_str(), source.as_str()), ("SHOPPING", "crowd"));
    // Nothing changes at the next sync: the rows already say what the crowd says.
    let report: Value = json(&sync_json(asker.path(), &["now"], ""));
    assert_eq!(report["uploaded"], 0, "{report}");

    let database = server.database();
    let database = String::from_utf8_lossy(&database);
    assert!(!database.contains("ZORBLAX"), "the server's database holds the seller's name");
    assert!(!database.contains("QUIBBLEWICK"), "the server's database holds the seller's name");
}

/// After a laptop is lost: it is removed, the budget gets a new key and then a new recovery
/// phrase, and the devices still on the account go on syncing without typing anything (no
/// reset); the old phrase joins no more, the new one does and reads every record, sealed
/// before the changes and after; the new phrase's key is sealed to the remaining device only.
#[test]
fn a_new_key_and_a_new_phrase_keep_the_devices_left_in_sync() {
    require_secret_service();
    let server = Server::start();
    let laptop = crate::common::demo_vault();
    let phrase = setup(laptop.path(), &server.url, "ana");
    let phone = passphrase_vault();
    join(phone.path(), &server, &phrase);
    let lost = passphrase_vault();
    join(lost.path(), &server, &phrase);
    let device_of = |dir: &Path| json(&sync_json(dir, &["status"], ""))["device"].as_str().unwrap().to_owned();
    let (phone_id, lost_id) = (device_of(phone.path()), device_of(lost.path()));
    let ids: Vec<String> = listed(laptop.path(), &[]).iter().map(|t| text(t, "id")).collect();
    let category_on = |dir: &Path, id: &str| {
        let t = listed(dir, &["--limit", "100000"]).into_iter().find(|t| text(t, "id") == id).unwrap();
        text(&t, "category")
    };

    // A new key: the phone opens what the laptop seals with it, after one sync.
    let rotated: Value = json(&sync_json(laptop.path(), &["rotate-key"], ""));
    assert_eq!(rotated["epoch"], 1, "{rotated}");
    ok(&mut sm(laptop.path(), &["recategorize", &ids[0], "TRAVEL"]));
    json(&sync_json(laptop.path(), &["now"], ""));
    json(&sync_json(phone.path(), &["now"], ""));
    assert_eq!(category_on(phone.path(), &ids[0]), "TRAVEL");

    // The lost laptop is removed, then the phrase changes.
    ok(&mut sm(laptop.path(), &["sync", "devices", "revoke", &lost_id]));
    let changed: Value = json(&sync_json(laptop.path(), &["change-phrase"], ""));
    let new_phrase = changed["recovery_phrase"].as_str().unwrap().to_owned();
    assert_eq!(new_phrase.split(' ').count(), 24);
    assert_ne!(new_phrase, phrase);

    // The phone, not synced since, asks for a new phrase too: refused, so the phrase the
    // laptop just showed stays the one that joins (checked at the end).
    let out = sync_json(phone.path(), &["change-phrase"], "");
    let message = fails(&out, 10, "Conflict");
    assert!(message.contains("just changed on another device"), "{message}");

    // Both ways between the devices left, the phone not asked for anything.
    ok(&mut sm(phone.path(), &["recategorize", &ids[1], "SHOPPING"]));
    json(&sync_json(phone.path(), &["now"], ""));
    ok(&mut sm(laptop.path(), &["recategorize", &ids[2], "FOOD_COFFEE"]));
    json(&sync_json(laptop.path(), &["now"], ""));
    json(&sync_json(phone.path(), &["now"], ""));
    json(&sync_json(laptop.path(), &["now"], ""));
    assert_eq!(category_on(laptop.path(), &ids[1]), "SHOPPING");
    assert_eq!(category_on(phone.path(), &ids[2]), "FOOD_COFFEE");
    assert_eq!(ledger(phone.path()), ledger(laptop.path()));
    // The phone now seals with the newest key too: a second rotation from it works.
    let rotated: Value = json(&sync_json(phone.path(), &["rotate-key"], ""));
    assert_eq!(rotated["epoch"], 3, "{rotated}");
    json(&sync_json(laptop.path(), &["now"], ""));

    // The old phrase opens nothing now; the new one joins and reads everything.
    let late = passphrase_vault();
    let out = sync_json(
        late.path(),
        &["join", "--server", &server.url, "--user", "ana", "--password-stdin"],
        &format!("{PASSWORD}\n{phrase}\n"),
    );
    let message = fails(&out, out.status.code().unwrap(), "WrongKey");
    assert!(message.contains("only the new one does"), "{message}");
    assert!(listed(late.path(), &[]).is_empty(), "a refused join writes nothing");
    join(late.path(), &server, &new_phrase);
    assert_eq!(ledger(late.path()), ledger(laptop.path()));

    // The lost laptop can neither sync nor, from the server's keys, learn the new phrase's.
    let out = sync_json(lost.path(), &["now"], "");
    fails(&out, out.status.code().unwrap(), "ProviderAuth");
    let bundle = server.key_bundle();
    assert_eq!((bundle["phrase"].as_u64(), bundle["keys"].as_array().unwrap().len()), (Some(1), 4), "{bundle}");
    let granted: Vec<&str> =
        bundle["grants"].as_array().unwrap().iter().map(|g| g["device"].as_str().unwrap()).collect();
    assert_eq!(granted, [phone_id.as_str()], "{bundle}");
    let known: Vec<&str> =
        bundle["devices"].as_array().unwrap().iter().map(|d| d["device"].as_str().unwrap()).collect();
    assert!(!known.contains(&lost_id.as_str()), "{bundle}");
    assert_eq!(known.len(), 3, "the laptop, the phone and the device that joined late: {bundle}");
}

/// Processes syncing one profile at the same moment (the app and `spearmint daemon`, or a
/// command run meanwhile) each sign in with the refresh token the one before left: a refresh
/// token is good once, and none of them is told its session ended.
#[test]
fn processes_syncing_one_profile_at_once_all_stay_signed_in() {
    require_secret_service();
    let server = Server::start();
    let laptop = crate::common::demo_vault();
    setup(laptop.path(), &server.url, "ana");
    for round in 0..3 {
        let children: Vec<_> = (0..4)
            .map(|_| {
                sm(laptop.path(), &["sync", "now", "--json"])
                    .stdin(std::process::Stdio::null())
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for child in children {
            let out = child.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "round {round}: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}

/// The server's own HTTPS, for a deployment without a TLS proxy: a device that trusts the
/// server's certificate authority syncs over it; one that does not is told the certificate is
/// not trusted, and nothing is set up; plain HTTP to another machine is refused before
/// anything is sent.
#[test]
fn a_device_syncs_over_the_server_s_own_https_and_only_with_a_trusted_certificate() {
    require_secret_service();
    let certificate = spearmint_sandbox_bank::test_certificate().unwrap();
    let files = tempfile::tempdir().unwrap();
    let write = |name: &str, pem: &str| {
        let path = files.path().join(name);
        std::fs::write(&path, pem).unwrap();
        path.to_str().unwrap().to_owned()
    };
    let (ca, chain, key) = (
        write("ca.pem", &certificate.ca_pem),
        write("chain.pem", &certificate.chain_pem),
        write("key.pem", &certificate.key_pem),
    );
    let untrusted = write("other.pem", "");
    let server =
        Server::start_in(tempfile::tempdir().unwrap(), "127.0.0.1:0", &["--tls-cert", &chain, "--tls-key", &key]);
    assert!(server.url.starts_with("https://127.0.0.1:"), "{}", server.url);
    let setup_with = |dir: &Path, url: &str, trusted: &str| {
        let mut cmd = sm(dir, &["sync", "setup", "--server", url, "--user", "ana", "--password-stdin", "--json"]);
        cmd.env("SSL_CERT_FILE", trusted);
        run(&mut cmd, &format!("{PASSWORD}\n"))
    };

    let laptop = crate::common::demo_vault();
    let out = setup_with(laptop.path(), &server.url, &untrusted);
    let message = fails(&out, out.status.code().unwrap(), "Provider");
    assert!(message.contains("certificate this machine does not trust"), "{message}");
    assert!(!sync_json(laptop.path(), &["status"], "").status.success(), "nothing was set up");

    let plain = setup_with(laptop.path(), "http://192.0.2.1:8421", &ca);
    let message = fails(&plain, plain.status.code().unwrap(), "Invalid");
    assert!(message.contains("https://"), "{message}");

    let out = setup_with(laptop.path(), &server.url, &ca);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let phrase = json(&out)["recovery_phrase"].as_str().unwrap().to_owned();
    let phone = passphrase_vault();
    let mut cmd =
        sm(phone.path(), &["sync", "join", "--server", &server.url, "--user", "ana", "--password-stdin", "--json"]);
    cmd.env("SSL_CERT_FILE", &ca);
    let out = run(&mut cmd, &format!("{PASSWORD}\n{phrase}\n"));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(ledger(phone.path()), ledger(laptop.path()));

    // The port speaks only TLS: a plain HTTP request gets no answer the client reads as one.
    let port = server.url.rsplit(':').next().unwrap().to_owned();
    let out = setup_with(passphrase_vault().path(), &format!("http://127.0.0.1:{port}"), &ca);
    assert!(!out.status.success());
}
