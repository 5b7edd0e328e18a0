//! `spearmint daemon`: the due daily extraction runs, and SIGTERM or SIGINT stops it cleanly.

use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::common::{demo_vault, ids, listed, ok_json, outcome_names, sm};

/// Waits for a child, killing it after `limit`.
fn wait_for(child: &mut std::process::Child, limit: std::time::Duration) -> std::process::ExitStatus {
    let start = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("the daemon did not stop within {limit:?}");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// Starts `spearmint daemon`, waits until it says it runs, sends `signal`, waits for its exit.
fn daemon_until(dir: &Path, args: &[&str], signal: &str) -> (std::process::ExitStatus, String, String) {
    use std::io::{BufRead, Read};
    let mut child = sm(dir, &[&["daemon"][..], args].concat())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut banner = String::new();
    stderr.read_line(&mut banner).unwrap();
    assert!(banner.starts_with("spearmint daemon: daily extraction at"), "{banner}");
    let kill = Command::new("kill").args([signal, &child.id().to_string()]).status().unwrap();
    assert!(kill.success());
    let status = wait_for(&mut child, std::time::Duration::from_secs(60));
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).unwrap();
    let mut stdout = String::new();
    child.stdout.take().unwrap().read_to_string(&mut stdout).unwrap();
    (status, stdout, banner + &rest)
}

#[test]
fn the_daemon_runs_the_due_extraction_and_stops_cleanly_on_sigterm_and_sigint() {
    let dir = demo_vault();
    let before = listed(dir.path(), &[]);

    // Linking ran the first extraction but no daily run yet: on start the daemon runs it. A
    // SIGTERM sent meanwhile lets that round finish, then it exits 0.
    let (status, stdout, stderr) = daemon_until(dir.path(), &["--json"], "-TERM");
    assert!(status.success(), "{status:?}: {stderr}");
    let reports: Vec<Value> = serde_json::Deserializer::from_str(&stdout).into_iter().map(Result::unwrap).collect();
    assert_eq!(reports.len(), 1, "one round: {stdout}");
    assert_eq!(outcome_names(&reports[0]), ["Demo Bank"], "the due daily extraction: {stdout}");
    let summary = &reports[0]["outcomes"][0]["summary"];
    assert!(reports[0]["outcomes"][0]["error"].is_null(), "{stdout}");

    // The vault is intact: it opens, what the round added is there, and its totals add up.
    let after = listed(dir.path(), &[]);
    assert_eq!(after.len() as u64, before.len() as u64 + summary["added"].as_u64().unwrap(), "{summary}");
    assert_eq!(ok_json(dir.path(), &["status"])["state"], "unlocked");
    let doctor = ok_json(dir.path(), &["doctor"]);
    assert!(doctor["monthlySpendingDifferences"].as_array().unwrap().is_empty(), "{doctor}");
    assert!(doctor["accountCountDifferences"].as_array().unwrap().is_empty(), "{doctor}");

    // Started again, with today's run done and the next slot hours away: nothing to do, and
    // Ctrl-C (SIGINT) stops it.
    let at = (chrono::Local::now() + chrono::Duration::hours(12)).format("%H:%M").to_string();
    let (status, stdout, stderr) = daemon_until(dir.path(), &["--at", &at], "-INT");
    assert!(status.success(), "{status:?}: {stderr}");
    assert!(stdout.is_empty(), "no round was due: {stdout}");
    assert!(stderr.contains(&format!("daily extraction at {at} local time")), "{stderr}");
    assert!(stderr.trim_end().ends_with("spearmint daemon: stopped"), "{stderr}");
    assert_eq!(ids(&listed(dir.path(), &[])), ids(&after));
}
