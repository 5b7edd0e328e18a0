//! `cargo xtask bench sync`: the real `spearmint-server` (release) on 127.0.0.1 under the load
//! shapes Actual's sync server was measured with on this machine (see the sync issue), printed
//! side by side with its figures and as ratios. One "cell" is one column change; records carry
//! ciphertext of the size a sealed batch of that many real cells pads to (the server cannot
//! tell it from the real thing, and the client's sealing is measured apart).

// Rates and latencies, never money.
#![allow(clippy::float_arithmetic)]

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;
use spearmint_sync_proto::{
    CellChange, ChangeBatch, ChangeOp, DeviceId, DownloadPage, DownloadRequest, Envelope, KeyEpoch, PROTOCOL_VERSION,
    Seq, Tokens, VaultId, pad,
};
use uuid::Uuid;

const PASSWORD: &str = "a long benchmark password";

/// The ciphertext length of a sealed batch of `cells` cell changes like a device's: a row's
/// cells share its id and nearby clocks, values are categories, notes, payees and amounts.
fn sealed_len(cells: usize) -> usize {
    let device = Uuid::now_v7().simple().to_string();
    let batch = ChangeBatch {
        changes: (0..cells)
            .map(|i| {
                let (column, value) = match i % 8 {
                    0 => ("category_id", json!(["FOOD_GROCERIES", "SHOPPING", "TRAVEL", "FOOD_COFFEE"][i % 4])),
                    1 => ("category_source", json!("user")),
                    2 => ("category_locked", json!(1)),
                    3 => ("note", json!(format!("dinner with the team, week {}", i % 52))),
                    4 => ("payee", json!(["Safeway", "Blue Bottle Coffee", "Shell", "Amazon"][i % 4])),
                    5 => ("amount_minor", json!(-((i as i64 * 7_919) % 25_000))),
                    6 => ("posted_on", json!(format!("2026-11-{:02}", 1 + i % 28))),
                    _ => ("seller", json!(format!("SQ *BLUE BOTTLE COFFEE {:04} OAKLAND CA", i % 9_973))),
                };
                CellChange {
                    hlc: format!("{:015}-{:08x}-{device}", 1_796_000_000_000u64 + i as u64 / 8, i % 8),
                    table: "transactions".into(),
                    row: Uuid::new_v5(&Uuid::NAMESPACE_OID, &(i / 8).to_le_bytes()).to_string(),
                    op: ChangeOp::Set { column: column.into(), value },
                }
            })
            .collect(),
    };
    pad(&batch.to_bytes()).len() + 16
}

struct Device {
    http: reqwest::Client,
    url: String,
    token: String,
    vault: VaultId,
    device: DeviceId,
    prev: Option<spearmint_sync_proto::ContentHash>,
    seq: u64,
}

impl Device {
    async fn login(http: &reqwest::Client, url: &str, vault: VaultId) -> Device {
        let device = DeviceId(Uuid::now_v7());
        let tokens: Tokens = http
            .post(format!("{url}/v1/login"))
            .json(&json!({"user": "bench", "password": PASSWORD, "device": device, "device_name": "bench"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        Device {
            http: http.clone(),
            url: url.to_owned(),
            token: tokens.access_token.expose().to_owned(),
            vault,
            device,
            prev: None,
            seq: 0,
        }
    }

    fn next(&mut self, len: usize) -> Envelope {
        self.seq += 1;
        let record = Envelope {
            version: PROTOCOL_VERSION,
            vault: self.vault,
            device: self.device,
            seq: Seq(self.seq),
            epoch: KeyEpoch(0),
            prev: self.prev,
            nonce: [(self.seq % 251) as u8; 24],
            ciphertext: noise(self.seq, len),
        };
        self.prev = Some(record.content_hash());
        record
    }

    /// Uploads `requests` records of `cells` cells, one per request; each request's time.
    async fn upload(&mut self, requests: usize, cells: usize) -> Vec<Duration> {
        let len = sealed_len(cells);
        let mut times = Vec::with_capacity(requests);
        for _ in 0..requests {
            let record = self.next(len);
            let body = serde_json::to_vec(&json!({"records": [record]})).unwrap();
            let started = Instant::now();
            let response = self
                .http
                .post(format!("{}/v1/vaults/{}/devices/{}/records", self.url, self.vault.0, self.device.0))
                .bearer_auth(&self.token)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap();
            assert!(response.status().is_success(), "{}", response.text().await.unwrap());
            response.bytes().await.unwrap();
            times.push(started.elapsed());
        }
        times
    }
}

/// `len` bytes as incompressible as real ciphertext (PostgreSQL would compress a pattern away),
/// the same for the same `seed`: splitmix64.
fn noise(seed: u64, len: usize) -> Vec<u8> {
    let mut state = seed;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        out.extend_from_slice(&(z ^ (z >> 31)).to_le_bytes());
    }
    out.truncate(len);
    out
}

fn p99(times: &mut [Duration]) -> f64 {
    times.sort();
    let at = ((times.len() as f64) * 0.99).ceil() as usize;
    times[at.saturating_sub(1).min(times.len() - 1)].as_secs_f64() * 1000.0
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmRSS:")).map(str::to_owned))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        .unwrap_or(0)
}

fn row(name: &str, ours: f64, theirs: f64, unit: &str, target: &str) {
    println!(
        "  {name:<44} {ours:>10.1} {unit:<7} Actual {theirs:>9.1} {unit:<7} {:>7.2}x   target {target}",
        ours / theirs
    );
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    // SQLite in a temporary file, or the PostgreSQL database `cargo xtask bench sync` made.
    let postgres = std::env::var("SPEARMINT_BENCH_DATABASE").ok();
    let database = postgres.clone().unwrap_or_else(|| format!("sqlite://{}", dir.path().join("server.db").display()));
    let backend = if postgres.is_some() { "PostgreSQL (fsync on)" } else { "SQLite" };
    let mut server = Command::new(env!("CARGO_BIN_EXE_spearmint-server"))
        .args(["--database", &database, "--listen", "127.0.0.1:0", "--allow-sign-up", "--rate-limit", "1000000"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(server.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let url = line.trim().strip_prefix("listening on ").unwrap().to_owned();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let http = reqwest::Client::new();
        let status = http
            .post(format!("{url}/v1/accounts"))
            .json(&json!({"user": "bench", "password": PASSWORD}))
            .send()
            .await
            .unwrap()
            .status();
        assert!(status.is_success(), "{status}");
        let vault = VaultId(Uuid::now_v7());
        println!(
            "sync server, release build, {backend}, one record per request ({} B sealed per 100 cells)",
            sealed_len(100)
        );

        let mut one = Device::login(&http, &url, vault).await;
        one.upload(20, 100).await; // warm-up
        let started = Instant::now();
        let mut times = one.upload(500, 100).await;
        let rate = 500.0 * 100.0 / started.elapsed().as_secs_f64();
        row("1 device, 100 cells a record: cells/s", rate, 3_419.0, "cells/s", ">= 30,000");
        row("  p99 latency", p99(&mut times), 43.0, "ms", "< 25 ms");

        let started = Instant::now();
        let mut times = one.upload(100, 1_000).await;
        let rate = 100.0 * 1_000.0 / started.elapsed().as_secs_f64();
        row("1 device, 1,000 cells a record: cells/s", rate, 9_405.0, "cells/s", ">= 100,000");
        row("  p99 latency", p99(&mut times), 176.0, "ms", "< 60 ms");

        let mut devices = Vec::new();
        for _ in 0..8 {
            devices.push(Device::login(&http, &url, vault).await);
        }
        let started = Instant::now();
        let tasks: Vec<_> =
            devices.into_iter().map(|mut d| tokio::spawn(async move { d.upload(100, 100).await })).collect();
        let mut times = Vec::new();
        for t in tasks {
            times.extend(t.await.unwrap());
        }
        let rate = 8.0 * 100.0 * 100.0 / started.elapsed().as_secs_f64();
        row("8 devices at once, 100 cells a record: cells/s", rate, 1_939.0, "cells/s", ">= 30,000");
        row("  p99 latency", p99(&mut times), 801.0, "ms", "< 100 ms");

        // A new device: everything from the start, page by page.
        let total_cells = 520.0 * 100.0 + 100.0 * 1_000.0 + 8.0 * 100.0 * 100.0;
        let fresh = Device::login(&http, &url, vault).await;
        let rss_before = rss_kib(server.id());
        let started = Instant::now();
        let mut request = DownloadRequest::default();
        let (mut wire, mut payload, mut records) = (0u64, 0u64, 0usize);
        loop {
            let bytes = http
                .post(format!("{url}/v1/vaults/{}/download", vault.0))
                .bearer_auth(&fresh.token)
                .json(&request)
                .send()
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap();
            wire += bytes.len() as u64;
            let page: DownloadPage = serde_json::from_slice(&bytes).unwrap();
            payload += page.records.iter().map(|r| r.ciphertext.len() as u64).sum::<u64>();
            records += page.records.len();
            request.cursors = page.next;
            if !page.more {
                break;
            }
        }
        let took = started.elapsed().as_secs_f64() * 1000.0;
        let per_100k = took * 100_000.0 / total_cells;
        row("new device, download per 100k cells", per_100k, 564.0, "ms", "< 1,000 ms with decrypt and apply");
        let growth = rss_kib(server.id()).saturating_sub(rss_before) as f64 / 1024.0;
        println!("  {:<44} {growth:>10.1} MiB     Actual     260.0 MiB     target < 64 MiB", "  server memory growth");
        let stored = 520 + 100 + 800;
        println!(
            "  {:<44} {:>10.2} x       Actual       1.80 x       target <= 1.05",
            "  records downloaded / records missing",
            records as f64 / stored as f64
        );
        println!(
            "  {:<44} {:>10.2} x       (base64 JSON over the ciphertext itself)",
            "  bytes on the wire / ciphertext",
            wire as f64 / payload as f64
        );
        let _ = server.kill();
        let _ = server.wait();
        let disk: u64 = match &postgres {
            // The records table with its indexes and TOAST: what the records take in the database.
            Some(uri) => {
                let out = Command::new("psql")
                    .args(["-XtA", uri, "-c", "SELECT pg_total_relation_size('records')"])
                    .output()
                    .unwrap();
                String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
            }
            None => ["server.db", "server.db-wal"]
                .iter()
                .filter_map(|f| std::fs::metadata(dir.path().join(f)).ok())
                .map(|m| m.len())
                .sum(),
        };
        row("server disk per cell", disk as f64 / total_cells, 241.0, "B", "<= 60 B");
    });
}
