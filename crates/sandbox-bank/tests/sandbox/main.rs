//! The sandbox bank over real sockets, with a real HTTP client: what the engine's SimpleFIN and
//! OFX clients will see.

mod data;
mod faults;
mod ofx;
mod simplefin;
mod tls;

use std::path::PathBuf;
use std::time::Duration;

use base64::Engine as _;
use chrono::NaiveDate;
use spearmint_sandbox_bank::{BankConfig, SandboxBank};

pub fn client() -> reqwest::Client {
    reqwest::Client::builder().timeout(Duration::from_secs(20)).no_proxy().build().expect("client")
}

pub async fn bank() -> SandboxBank {
    SandboxBank::start(BankConfig::default()).await.expect("bank starts")
}

pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

/// Unix seconds at midnight UTC.
pub fn midnight(date: NaiveDate) -> i64 {
    date.and_hms_opt(0, 0, 0).expect("time").and_utc().timestamp()
}

/// The project's shared folder, beside the repository.
pub fn shared_dir() -> PathBuf {
    let dir = manifest_dir().join("../../../shared");
    assert!(dir.is_dir(), "{} is missing: the shared fixtures live beside the repository", dir.display());
    dir
}

/// Claims a fresh setup token and returns the access URL.
pub async fn access_url(bank: &SandboxBank, client: &reqwest::Client) -> String {
    let claim = base64::engine::general_purpose::STANDARD.decode(bank.simplefin_setup_token()).expect("base64");
    let claim = String::from_utf8(claim).expect("utf-8");
    let response = client.post(&claim).send().await.expect("claim");
    assert_eq!(response.status(), 200);
    response.text().await.expect("access url")
}

pub async fn get_json(client: &reqwest::Client, url: &str) -> serde_json::Value {
    let response = client.get(url).send().await.expect("request");
    assert_eq!(response.status(), 200, "{url}");
    response.json().await.expect("json")
}

/// This crate's directory, read at run time first: the target directory is shared by every
/// clone on the machine, so a path baked in at compile time could name another (or a deleted) one.
fn manifest_dir() -> std::path::PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(|| env!("CARGO_MANIFEST_DIR").into(), std::path::PathBuf::from)
}
