//! Two Spearmint processes on one profile, as when the app, `spearmint daemon` and a CLI command
//! run at once: real processes on one vault file, and a notification server of the test's own
//! on a private D-Bus session bus that records every `Notify` call. Jobs run once, and each
//! notification reaches the desktop once.

use std::collections::HashMap;
use std::io::BufRead as _;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

use serde_json::Value;

use crate::common::{demo_vault, ids, listed, new_account, ok, ok_json, sm, text};

/// A `dbus-daemon` of the test's own, stopped when dropped: no other test's notification
/// server answers on it.
struct PrivateBus {
    daemon: Child,
    address: String,
}

impl PrivateBus {
    fn start() -> PrivateBus {
        let mut daemon = Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--print-address=1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-daemon (Debian's dbus package, which `cargo xtask test` installs)");
        let mut address = String::new();
        std::io::BufReader::new(daemon.stdout.take().unwrap()).read_line(&mut address).unwrap();
        PrivateBus { daemon, address: address.trim().to_owned() }
    }
}

impl Drop for PrivateBus {
    fn drop(&mut self) {
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
    }
}

type Seen = Arc<Mutex<Vec<String>>>;

/// A notification server that takes its time over each notification, as a busy desktop can:
/// two processes that both deliver what they read as pending are then sure to overlap.
struct SlowRecorder {
    seen: Seen,
}

#[zbus::interface(name = "org.freedesktop.Notifications")]
impl SlowRecorder {
    #[allow(clippy::too_many_arguments)]
    fn notify(
        &self,
        _app_name: String,
        _replaces_id: u32,
        _app_icon: String,
        summary: String,
        _body: String,
        _actions: Vec<String>,
        _hints: HashMap<String, zbus::OwnedVariant>,
        _expire_timeout: i32,
    ) -> u32 {
        // Blocking is what is wanted: one notification at a time, each taking a while.
        std::thread::sleep(std::time::Duration::from_millis(150));
        let mut seen = self.seen.lock().unwrap();
        seen.push(summary);
        seen.len() as u32
    }

    fn get_capabilities(&self) -> Vec<String> {
        vec!["body".into()]
    }

    fn get_server_information(&self) -> (String, String, String, String) {
        ("spearmint-test-recorder".into(), "spearmint".into(), "1".into(), "1.2".into())
    }

    fn close_notification(&self, _id: u32) {}
}

/// `spearmint` on `dir`, its notifications going to `bus`.
fn on_bus(dir: &Path, bus: &PrivateBus, args: &[&str]) -> Command {
    let mut cmd = sm(dir, args);
    cmd.env("DBUS_SESSION_BUS_ADDRESS", &bus.address);
    cmd
}

/// The outbox, newest first.
fn outbox(dir: &Path, bus: &PrivateBus) -> Vec<Value> {
    let out = ok(on_bus(dir, bus, &["--json", "notifications"]).stdin(Stdio::null()));
    serde_json::from_slice::<Value>(&out.stdout).unwrap().as_array().unwrap().clone()
}

#[test]
fn two_processes_on_one_profile_run_each_job_once_and_notify_once() {
    let bus = PrivateBus::start();
    let dir = demo_vault();
    let before = listed(dir.path(), &[]);

    // Spending this month in several categories, each over a budget of one dollar: two alerts
    // each (80% and 100%), all pending while no notification server listens on the bus.
    let account = new_account(dir.path(), "Everyday Card");
    let today = chrono::Local::now().date_naive();
    let csv = format!(
        "Date,Description,Amount\n{today},SAFEWAY #1234 OAKLAND CA,-84.17\n{today},NETFLIX.COM 866-579-7172 CA,-15.49\n\
         {today},SHELL OIL 57442 OAKLAND CA,-48.20\n{today},WALGREENS #4411 OAKLAND CA,-12.99\n"
    );
    let file = dir.path().join("card.csv");
    std::fs::write(&file, csv).unwrap();
    ok(on_bus(dir.path(), &bus, &["import", file.to_str().unwrap(), "--account", &account]).stdin(Stdio::null()));
    let month = today.format("%Y-%m").to_string();
    let budget = ok_json(dir.path(), &["budget", "show", "--month", &month]);
    let categories: Vec<String> = budget["lines"]
        .as_array()
        .unwrap_or_else(|| panic!("{budget}"))
        .iter()
        .filter(|l| !["0", "0.00"].contains(&l["spent"]["amount"].as_str().unwrap()))
        .map(|l| text(l, "category"))
        .collect();
    assert!(categories.len() >= 3, "{budget}");
    for category in &categories {
        ok(on_bus(dir.path(), &bus, &["budget", "set", category, "1"]).stdin(Stdio::null()));
    }
    let pending = outbox(dir.path(), &bus);
    assert!(pending.len() >= 6, "two alerts per category: {pending:?}");
    assert!(pending.iter().all(|n| n["deliveredAt"].is_null()), "no server listens yet: {pending:?}");

    // A slow notification server appears; two processes deliver at once while two more
    // refresh the demo bank at once (and deliver what their writes raise).
    let seen: Seen = Arc::default();
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let _server = runtime
        .block_on(async {
            zbus::connection::Builder::address(bus.address.as_str())
                .name("org.freedesktop.Notifications")
                .serve_at("/org/freedesktop/Notifications", SlowRecorder { seen: seen.clone() })
                .build()
                .await
        })
        .expect("own org.freedesktop.Notifications on the private bus");
    let children: Vec<(&str, Child)> = ["notifications", "notifications", "refresh", "refresh"]
        .into_iter()
        .map(|command| {
            let child = on_bus(dir.path(), &bus, &["--json", command])
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            (command, child)
        })
        .collect();
    for (command, child) in children {
        let pid = child.id();
        let (done, finished) = std::sync::mpsc::channel();
        std::thread::spawn(move || done.send(child.wait_with_output().unwrap()));
        let out = finished.recv_timeout(std::time::Duration::from_secs(120)).unwrap_or_else(|_| {
            let _ = Command::new("kill").arg(pid.to_string()).status();
            panic!("`spearmint {command}` did not finish within two minutes")
        });
        assert!(
            out.status.success(),
            "{command} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    // Every notification went out, each once.
    let outbox = outbox(dir.path(), &bus);
    assert!(outbox.iter().all(|n| !n["deliveredAt"].is_null()), "{outbox:?}");
    let mut sent: Vec<String> = outbox.iter().map(|n| text(n, "summary")).collect();
    let mut got = seen.lock().unwrap().clone();
    sent.sort();
    got.sort();
    assert_eq!(got, sent, "what the desktop showed, against the outbox");

    // The two refreshes added the demo bank's rows once: nothing twice, and the derived totals
    // agree with a recount.
    let after = listed(dir.path(), &[]);
    let mut unique = ids(&after);
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), after.len(), "no transaction twice");
    assert!(after.len() >= before.len() + 4);
    let doctor = ok_json(dir.path(), &["doctor"]);
    assert!(doctor["monthlySpendingDifferences"].as_array().unwrap().is_empty(), "{doctor}");
    assert!(doctor["accountCountDifferences"].as_array().unwrap().is_empty(), "{doctor}");
    assert!(doctor["integrity"].as_array().unwrap().is_empty(), "{doctor}");
}
