//! Merging on real vault files: devices that change the same rows in any order, with batches
//! dropped, repeated and reordered, end with the same vault and the same monthly spending.

use proptest::prelude::*;
use rusqlite::types::Value;
use spearmint_sync_proto::CellChange;

use super::merge::{Applied, apply_remote, snapshot_cells, take_local};
use crate::secret::VaultKey;
use crate::vault::{Migrations, ProfilePaths, Table, Vault};

/// One device: its vault, how far its changes were taken, and which of each other device's
/// batches it has applied.
struct Device {
    vault: Vault,
    sealed: i64,
    seen: Vec<usize>,
    _dir: tempfile::TempDir,
}

/// The server, as far as merging cares: each device's batches in order.
#[derive(Default)]
struct Logs {
    batches: Vec<Vec<Vec<CellChange>>>,
}

fn devices(n: usize) -> (Vec<Device>, Logs) {
    let template = template();
    let devices = (0..n)
        .map(|_| {
            let dir = tempfile::tempdir().unwrap();
            let paths = ProfilePaths::new(dir.path(), "default").unwrap();
            std::fs::create_dir_all(&paths.dir).unwrap();
            std::fs::copy(&template.1, paths.vault()).unwrap();
            let mut vault = Vault::open(&paths, &template.0, &Migrations::default()).unwrap();
            // A copied file is another device: give it its own id.
            vault.write(|w| crate::vault::settings::set_device_id(w, spearmint_core::DeviceId::new())).unwrap();
            drop(vault);
            let vault = Vault::open(&paths, &template.0, &Migrations::default()).unwrap();
            Device { vault, sealed: 0, seen: vec![0; n], _dir: dir }
        })
        .collect();
    (devices, Logs { batches: vec![Vec::new(); n] })
}

/// One migrated vault file, made once and copied for every device of every case.
fn template() -> &'static (VaultKey, std::path::PathBuf, tempfile::TempDir) {
    static TEMPLATE: std::sync::OnceLock<(VaultKey, std::path::PathBuf, tempfile::TempDir)> =
        std::sync::OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let paths = ProfilePaths::new(dir.path(), "default").unwrap();
        std::fs::create_dir_all(&paths.dir).unwrap();
        let key = VaultKey::random();
        drop(Vault::create(&paths, &key, "test", &Migrations::default()).unwrap());
        (key, paths.vault(), dir)
    })
}

impl Device {
    /// Sends this device's changes, then applies what the others sent that `deliver` lets
    /// through (dropped batches come later; repeated ones change nothing).
    fn sync(&mut self, me: usize, logs: &mut Logs, deliver: &mut dyn FnMut(usize, usize) -> Delivery) -> Applied {
        let sealed = self.sealed;
        let mut incoming = Vec::new();
        for (other, batches) in logs.batches.iter().enumerate() {
            if other == me {
                continue;
            }
            while self.seen[other] < batches.len() {
                match deliver(other, self.seen[other]) {
                    Delivery::Drop => break,
                    Delivery::Once => incoming.push(batches[self.seen[other]].clone()),
                    Delivery::Twice => {
                        incoming.push(batches[self.seen[other]].clone());
                        incoming.push(batches[self.seen[other]].clone());
                    }
                }
                self.seen[other] += 1;
            }
        }
        // Arrival order is the network's: reversed, so later batches come first.
        incoming.reverse();
        let (outgoing, through, applied) = self
            .vault
            .write(|w| {
                let (outgoing, through) = take_local(w, sealed, u32::MAX)?;
                let applied = apply_remote(w, incoming.into_iter().flatten().collect())?;
                Ok((outgoing, through, applied))
            })
            .unwrap();
        self.sealed = through;
        if !outgoing.is_empty() {
            logs.batches[me].push(outgoing);
        }
        applied
    }

    /// Sends this device's changes (as a sync would), then makes a snapshot of its vault: the
    /// cells, and how many batches of each device's log it covers.
    fn snapshot(&mut self, me: usize, logs: &mut Logs) -> (Vec<CellChange>, Vec<usize>) {
        let sealed = self.sealed;
        let (outgoing, through, cells) = self
            .vault
            .write(|w| {
                let (outgoing, through) = take_local(w, sealed, u32::MAX)?;
                let mut cells = Vec::new();
                snapshot_cells(w, &mut |page| {
                    cells.extend(page);
                    Ok(())
                })?;
                Ok((outgoing, through, cells))
            })
            .unwrap();
        self.sealed = through;
        if !outgoing.is_empty() {
            logs.batches[me].push(outgoing);
        }
        let mut covers = self.seen.clone();
        covers[me] = logs.batches[me].len();
        (cells, covers)
    }

    /// Starts again from another device's snapshot, as a device does whose place in the logs the
    /// server compacted away: its own changes are sent first, and kept.
    fn start_from(&mut self, me: usize, logs: &mut Logs, (cells, covers): (Vec<CellChange>, Vec<usize>)) {
        let sealed = self.sealed;
        let (outgoing, through) = self
            .vault
            .write(|w| {
                let (outgoing, through) = take_local(w, sealed, u32::MAX)?;
                apply_remote(w, cells)?;
                Ok((outgoing, through))
            })
            .unwrap();
        self.sealed = through;
        if !outgoing.is_empty() {
            logs.batches[me].push(outgoing);
        }
        for (other, covered) in covers.into_iter().enumerate() {
            if other != me {
                self.seen[other] = self.seen[other].max(covered);
            }
        }
    }

    /// Every synced row and the derived totals, as text: equal vaults give equal dumps.
    fn dump(&self) -> String {
        let queries = [
            "SELECT id, name, kind, currency, provider, provider_account_id, institution, balance_minor, balance_at, created_at, closed FROM accounts ORDER BY id",
            "SELECT * FROM transactions ORDER BY id",
            "SELECT * FROM categories WHERE builtin = 0 OR hidden = 1 ORDER BY id",
            "SELECT * FROM rules ORDER BY id",
            "SELECT * FROM budget_overrides ORDER BY category_id, effective_from",
            "SELECT * FROM splits ORDER BY transaction_id, position",
            "SELECT * FROM monthly_spending WHERE txn_count != 0 ORDER BY month, category_id, currency",
            "SELECT * FROM account_counts WHERE txn_count != 0 ORDER BY account_id",
        ];
        let r = self.vault.read();
        let mut out = String::new();
        for sql in queries {
            let mut stmt = r.prepare_cached(sql).unwrap();
            let width = stmt.column_count();
            let names: Vec<String> = stmt.column_names().map(str::to_owned).collect();
            let rows = stmt
                .query_map([], |row| {
                    (0..width)
                        .filter(|i| names[*i] != "raw_payload_id")
                        .map(|i| row.get::<_, Value>(i).map(|v| format!("{v:?}")))
                        .collect::<rusqlite::Result<Vec<_>>>()
                })
                .unwrap();
            for row in rows {
                out.push_str(&row.unwrap().join("|"));
                out.push('\n');
            }
            out.push_str("--\n");
        }
        out
    }
}

/// The lines of one dump missing from the other, each way.
fn differences(a: &str, b: &str) -> String {
    let only = |x: &str, y: &str, mark: &str| {
        x.lines().filter(|l| !y.lines().any(|m| m == *l)).map(|l| format!("{mark} {l}\n")).collect::<String>()
    };
    format!("{}{}", only(a, b, "-"), only(b, a, "+"))
}

#[derive(Clone, Copy, Debug)]
enum Delivery {
    Drop,
    Once,
    Twice,
}

const CATEGORIES: [&str; 5] = ["FOOD_GROCERIES", "FOOD_RESTAURANTS", "SHOPPING", "UNCATEGORIZED", "TRAVEL"];

fn account_id(n: u8) -> String {
    format!("acct-{n}")
}

/// Deterministic, as extraction's ids are: two devices that extract the same bank row make the
/// same id.
fn txn_id(account: u8, n: u8) -> String {
    uuid::Uuid::from_u128(u128::from(account) << 64 | u128::from(n)).to_string()
}

#[derive(Clone, Debug)]
enum Op {
    Account(u8),
    Txn {
        account: u8,
        n: u8,
        amount: i64,
        category: usize,
        month: u8,
    },
    Import {
        account: u8,
        from: u8,
        count: u8,
    },
    Categorize {
        account: u8,
        n: u8,
        category: usize,
    },
    Note {
        account: u8,
        n: u8,
        note: u8,
    },
    Split {
        account: u8,
        n: u8,
        parts: u8,
    },
    Unsplit {
        account: u8,
        n: u8,
    },
    DeleteTxn {
        account: u8,
        n: u8,
    },
    DeleteAccount(u8),
    Budget {
        category: usize,
        amount: i64,
    },
    Rule {
        n: u8,
        enabled: bool,
    },
    Sync,
    /// The device starts again from the next device's snapshot (its records compacted away).
    StartFromSnapshot,
}

fn op() -> impl Strategy<Value = Op> {
    // Few rows, so that devices often change the same ones between syncs.
    let account = 0u8..2;
    let n = 0u8..5;
    prop_oneof![
        2 => account.clone().prop_map(Op::Account),
        4 => (account.clone(), n.clone(), -50_000i64..50_000, 0..CATEGORIES.len(), 1u8..4)
            .prop_map(|(account, n, amount, category, month)| Op::Txn { account, n, amount, category, month }),
        1 => (account.clone(), n.clone(), 1u8..8).prop_map(|(account, from, count)| Op::Import { account, from, count }),
        5 => (account.clone(), n.clone(), 0..CATEGORIES.len()).prop_map(|(account, n, category)| Op::Categorize { account, n, category }),
        3 => (account.clone(), n.clone(), 0u8..4).prop_map(|(account, n, note)| Op::Note { account, n, note }),
        1 => (account.clone(), n.clone(), 2u8..4).prop_map(|(account, n, parts)| Op::Split { account, n, parts }),
        1 => (account.clone(), n.clone()).prop_map(|(account, n)| Op::Unsplit { account, n }),
        1 => (account.clone(), n.clone()).prop_map(|(account, n)| Op::DeleteTxn { account, n }),
        1 => account.prop_map(Op::DeleteAccount),
        1 => (0..CATEGORIES.len(), 0i64..100_000).prop_map(|(category, amount)| Op::Budget { category, amount }),
        1 => (0u8..3, any::<bool>()).prop_map(|(n, enabled)| Op::Rule { n, enabled }),
        6 => Just(Op::Sync),
        1 => Just(Op::StartFromSnapshot),
    ]
}

fn transaction_cells(account: u8, amount: i64, category: usize, month: u8) -> Vec<(&'static str, Value)> {
    vec![
        ("account_id", Value::Text(account_id(account))),
        ("posted_on", Value::Text(format!("2026-{month:02}-15"))),
        ("amount_minor", Value::Integer(amount)),
        ("currency", Value::Text("USD".into())),
        ("seller", Value::Text("SAFEWAY #1205".into())),
        ("category_id", Value::Text(CATEGORIES[category].into())),
        ("category_source", Value::Text("dictionary".into())),
        ("created_at", Value::Text("2026-12-01T00:00:00Z".into())),
        ("updated_at", Value::Text("2026-12-01T00:00:00Z".into())),
    ]
}

/// What the engine would do for `op` on one device, through the Writer.
fn run(vault: &mut Vault, op: &Op) {
    let has = |vault: &Vault, table: Table, id: &str| {
        vault
            .read()
            .query_row(&format!("SELECT count(*) FROM {} WHERE id = ?1", table.name), [id], |r| r.get::<_, i64>(0))
            .unwrap()
            > 0
    };
    match *op {
        Op::Account(a) => {
            if has(vault, Table::ACCOUNTS, &account_id(a)) {
                return;
            }
            vault
                .write(|w| {
                    w.insert(
                        Table::ACCOUNTS,
                        &account_id(a),
                        &[
                            ("name", Value::Text(format!("Checking {a}"))),
                            ("kind", Value::Text("checking".into())),
                            ("currency", Value::Text("USD".into())),
                            ("provider", Value::Text("demo".into())),
                            ("provider_account_id", Value::Text(format!("demo-{a}"))),
                            ("credential_ref", Value::Text("keychain entry, never synced".into())),
                            ("created_at", Value::Text("2026-12-01T00:00:00Z".into())),
                        ],
                    )
                })
                .unwrap();
        }
        Op::Txn { account, n, amount, category, month } => {
            if !has(vault, Table::ACCOUNTS, &account_id(account))
                || has(vault, Table::TRANSACTIONS, &txn_id(account, n))
            {
                return;
            }
            vault
                .write(|w| {
                    w.insert(
                        Table::TRANSACTIONS,
                        &txn_id(account, n),
                        &transaction_cells(account, amount, category, month),
                    )
                })
                .unwrap();
        }
        Op::Import { account, from, count } => {
            if !has(vault, Table::ACCOUNTS, &account_id(account)) {
                return;
            }
            let columns: Vec<&str> = transaction_cells(account, 0, 0, 1).iter().map(|(c, _)| *c).collect();
            let rows: Vec<(String, Vec<Value>)> = (from..from.saturating_add(count))
                .filter(|n| !has(vault, Table::TRANSACTIONS, &txn_id(account, *n)))
                .map(|n| {
                    let cells =
                        transaction_cells(account, -1_000 * i64::from(n), usize::from(n) % CATEGORIES.len(), 1 + n % 3);
                    (txn_id(account, n), cells.into_iter().map(|(_, v)| v).collect())
                })
                .collect();
            vault.write(|w| w.insert_many_new(Table::TRANSACTIONS, &columns, rows).map(|_| ())).unwrap();
        }
        Op::Categorize { account, n, category } => {
            vault
                .write(|w| {
                    w.update(
                        Table::TRANSACTIONS,
                        &txn_id(account, n),
                        &[
                            ("category_id", Value::Text(CATEGORIES[category].into())),
                            ("category_source", Value::Text("user".into())),
                            ("category_locked", Value::Integer(1)),
                        ],
                    )
                    .map(|_| ())
                })
                .unwrap();
        }
        Op::Note { account, n, note } => {
            vault
                .write(|w| {
                    w.update(Table::TRANSACTIONS, &txn_id(account, n), &[("note", Value::Text(format!("note {note}")))])
                        .map(|_| ())
                })
                .unwrap();
        }
        Op::Split { account, n, parts } => {
            let id = txn_id(account, n);
            let amount: Option<i64> =
                vault.read().query_row("SELECT amount_minor FROM transactions WHERE id = ?1", [&id], |r| r.get(0)).ok();
            let Some(amount) = amount else { return };
            let each = amount / i64::from(parts);
            let rows: Vec<Vec<Value>> = (0..parts)
                .map(|p| {
                    let share = if p == parts - 1 { amount - each * i64::from(parts - 1) } else { each };
                    vec![
                        Value::Integer(i64::from(p)),
                        Value::Text(CATEGORIES[usize::from(p) % CATEGORIES.len()].into()),
                        Value::Integer(share),
                        Value::Null,
                    ]
                })
                .collect();
            vault
                .write(|w| {
                    w.update(Table::TRANSACTIONS, &id, &[("is_split", Value::Integer(1))])?;
                    w.replace_children(
                        Table::SPLITS,
                        "transaction_id",
                        &id,
                        &["position", "category_id", "amount_minor", "memo"],
                        &rows,
                    )
                })
                .unwrap();
        }
        Op::Unsplit { account, n } => {
            let id = txn_id(account, n);
            if !has(vault, Table::TRANSACTIONS, &id) {
                return;
            }
            vault
                .write(|w| {
                    w.replace_children(
                        Table::SPLITS,
                        "transaction_id",
                        &id,
                        &["position", "category_id", "amount_minor", "memo"],
                        &[],
                    )?;
                    w.update(Table::TRANSACTIONS, &id, &[("is_split", Value::Integer(0))]).map(|_| ())
                })
                .unwrap();
        }
        Op::DeleteTxn { account, n } => {
            let id = txn_id(account, n);
            vault
                .write(|w| {
                    w.replace_children(Table::SPLITS, "transaction_id", &id, &["position"], &[])?;
                    w.delete(Table::TRANSACTIONS, &id).map(|_| ())
                })
                .unwrap();
        }
        Op::DeleteAccount(a) => {
            let ids: Vec<String> = {
                let r = vault.read();
                let mut stmt = r.prepare_cached("SELECT id FROM transactions WHERE account_id = ?1").unwrap();
                stmt.query_map([account_id(a)], |r| r.get(0)).unwrap().collect::<rusqlite::Result<_>>().unwrap()
            };
            vault
                .write(|w| {
                    for id in &ids {
                        w.replace_children(Table::SPLITS, "transaction_id", id, &["position"], &[])?;
                        w.delete(Table::TRANSACTIONS, id)?;
                    }
                    w.rebuild_account_counts()?;
                    w.delete(Table::ACCOUNTS, &account_id(a)).map(|_| ())
                })
                .unwrap();
        }
        Op::Budget { category, amount } => {
            let category = CATEGORIES[category];
            vault
                .write(|w| {
                    w.upsert_keyed(
                        Table::BUDGET_OVERRIDES,
                        &format!("{category}|2026-01"),
                        &[
                            ("category_id", Value::Text(category.into())),
                            ("effective_from", Value::Text("2026-01".into())),
                        ],
                        &[
                            ("currency", Value::Text("USD".into())),
                            ("amount_minor", Value::Integer(amount)),
                            ("rollover", Value::Integer(0)),
                            ("updated_at", Value::Text("2026-12-01T00:00:00Z".into())),
                        ],
                    )
                })
                .unwrap();
        }
        Op::Rule { n, enabled } => {
            let id = format!("rule-{n}");
            vault
                .write(|w| {
                    if !w.update(Table::RULES, &id, &[("enabled", Value::Integer(i64::from(enabled)))])? {
                        w.insert(
                            Table::RULES,
                            &id,
                            &[
                                ("position", Value::Integer(i64::from(n))),
                                ("origin", Value::Text("learned".into())),
                                ("conditions", Value::Text(format!("{{\"seller\":\"SELLER {n}\"}}"))),
                                ("actions", Value::Text("{\"category\":\"SHOPPING\"}".into())),
                                ("enabled", Value::Integer(i64::from(enabled))),
                                ("created_at", Value::Text("2026-12-01T00:00:00Z".into())),
                                ("updated_at", Value::Text("2026-12-01T00:00:00Z".into())),
                            ],
                        )?;
                    }
                    Ok(())
                })
                .unwrap();
        }
        Op::Sync | Op::StartFromSnapshot => {}
    }
}

/// Runs `ops` (device, op, delivery seed) on `n` devices, then syncs everyone until nothing
/// moves, every batch delivered; returns the dumps.
fn converge(n: usize, ops: &[(usize, Op, u8)]) -> Vec<String> {
    let (mut devices, mut logs) = devices(n);
    for (who, op, seed) in ops {
        let who = who % n;
        match op {
            Op::Sync => {
                let mut seed = *seed;
                devices[who].sync(who, &mut logs, &mut |_, _| {
                    seed = seed.rotate_left(3) ^ 0x5a;
                    match seed % 4 {
                        0 => Delivery::Drop,
                        1 => Delivery::Twice,
                        _ => Delivery::Once,
                    }
                });
            }
            Op::StartFromSnapshot => {
                let from = (who + 1) % n;
                let snapshot = devices[from].snapshot(from, &mut logs);
                devices[who].start_from(who, &mut logs, snapshot);
            }
            op => run(&mut devices[who].vault, op),
        }
    }
    // Until nothing moves: applying a change can make new ones (an account deleted elsewhere
    // takes this device's transactions in it with it), which need another round to spread.
    let mut settled = false;
    for _ in 0..10 {
        let before: usize = logs.batches.iter().map(Vec::len).sum();
        for (who, device) in devices.iter_mut().enumerate() {
            device.sync(who, &mut logs, &mut |_, _| Delivery::Once);
        }
        let after: usize = logs.batches.iter().map(Vec::len).sum();
        let seen_all = devices
            .iter()
            .enumerate()
            .all(|(who, d)| logs.batches.iter().enumerate().all(|(other, b)| other == who || d.seen[other] == b.len()));
        let unsent = devices.iter().any(|d| {
            d.vault.read().query_row("SELECT coalesce(max(seq), 0) FROM changes", [], |r| r.get::<_, i64>(0)).unwrap()
                > d.sealed
        });
        if before == after && seen_all && !unsent {
            settled = true;
            break;
        }
    }
    assert!(settled, "the devices kept sending changes to each other");
    let mut dumps: Vec<String> = devices.iter().map(Device::dump).collect();
    // A new device that starts from device 0's snapshot alone ends with the same vault.
    let (mut fresh, _) = self::devices(1);
    let snapshot = devices[0].snapshot(0, &mut logs);
    fresh[0].vault.write(|w| apply_remote(w, snapshot.0).map(|_| ())).unwrap();
    dumps.push(fresh[0].dump());
    dumps
}

#[test]
fn two_devices_editing_the_same_transaction_keep_the_later_edit_on_both() {
    let ops = vec![
        (0, Op::Account(0), 0),
        (0, Op::Txn { account: 0, n: 1, amount: -1234, category: 0, month: 1 }, 0),
        (0, Op::Sync, 7),
        (1, Op::Sync, 2),
        (1, Op::Categorize { account: 0, n: 1, category: 2 }, 0),
        (0, Op::Categorize { account: 0, n: 1, category: 1 }, 0),
        (1, Op::Note { account: 0, n: 1, note: 3 }, 0),
        (1, Op::Sync, 2),
        (0, Op::Sync, 2),
    ];
    let dumps = converge(2, &ops);
    assert_eq!(dumps[0], dumps[1]);
    assert_eq!(dumps[0], dumps[2], "a new device from the snapshot");
    assert!(dumps[0].contains("FOOD_RESTAURANTS"), "device 0 categorized last:\n{}", dumps[0]);
    assert!(dumps[0].contains("note 3"), "the other cell's edit is kept:\n{}", dumps[0]);
    assert!(!dumps[0].contains("keychain entry"), "a credential's name never syncs");
}

#[test]
fn a_deletion_wins_over_older_edits_and_an_account_deleted_on_one_device_takes_its_rows_everywhere() {
    let ops = vec![
        (0, Op::Account(0), 0),
        (0, Op::Txn { account: 0, n: 1, amount: -500, category: 0, month: 2 }, 0),
        (0, Op::Sync, 2),
        (1, Op::Sync, 2),
        (1, Op::Note { account: 0, n: 1, note: 1 }, 0),
        (0, Op::DeleteTxn { account: 0, n: 1 }, 0),
        (1, Op::Txn { account: 0, n: 2, amount: -700, category: 1, month: 2 }, 0),
        (0, Op::DeleteAccount(0), 0),
        (0, Op::Sync, 2),
        (1, Op::Sync, 2),
    ];
    let dumps = converge(2, &ops);
    assert_eq!(dumps[0], dumps[1]);
    assert_eq!(dumps[0], dumps[2], "a new device from the snapshot");
    assert!(!dumps[0].contains("acct-0"), "{}", dumps[0]);
}

#[test]
fn a_device_that_starts_again_from_a_snapshot_does_not_bring_back_a_row_deleted_meanwhile() {
    let ops = vec![
        (0, Op::Account(0), 0),
        (0, Op::Txn { account: 0, n: 1, amount: -500, category: 0, month: 2 }, 0),
        (0, Op::Sync, 2),
        (1, Op::Sync, 2),
        (2, Op::Sync, 2),
        // Device 2 edits the transaction, then is away while device 1 deletes it...
        (2, Op::Note { account: 0, n: 1, note: 1 }, 0),
        (1, Op::DeleteTxn { account: 0, n: 1 }, 0),
        (1, Op::Sync, 2),
        (0, Op::Sync, 2),
        // ...and comes back after device 1's log was compacted into device 0's snapshot.
        (2, Op::StartFromSnapshot, 0),
    ];
    let dumps = converge(3, &ops);
    assert_eq!(dumps[0], dumps[2], "{}", differences(&dumps[0], &dumps[2]));
    assert_eq!(dumps[0], dumps[1]);
    assert_eq!(dumps[0], dumps[3]);
    assert!(!dumps[2].contains(&txn_id(0, 1)), "{}", dumps[2]);
}

proptest! {
    #![proptest_config(ProptestConfig {
        // 1,000 cases in the normal suite, 10,000 under `cargo xtask test --slow`.
        cases: std::env::var("SPEARMINT_SYNC_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(
            if std::env::var_os("SPEARMINT_SLOW_TESTS").is_some() { 10_000 } else { 1_000 },
        ),
        ..ProptestConfig::default()
    })]

    #[test]
    fn three_devices_converge_whatever_the_network_drops_repeats_or_reorders(
        ops in prop::collection::vec((0usize..3, op(), any::<u8>()), 1..50)
    ) {
        let dumps = converge(3, &ops);
        prop_assert!(dumps[0] == dumps[1], "devices 0 and 1 differ:\n{}", differences(&dumps[0], &dumps[1]));
        prop_assert!(dumps[0] == dumps[2], "devices 0 and 2 differ:\n{}", differences(&dumps[0], &dumps[2]));
        prop_assert!(
            dumps[0] == dumps[3],
            "a new device from device 0's snapshot differs:\n{}",
            differences(&dumps[0], &dumps[3])
        );
    }
}

#[test]
fn parts_count_in_the_totals_only_while_their_transaction_is_marked_split_whatever_the_order() {
    // Another device's changes may put the parts in before the mark (this order counted the
    // parts twice and the whole as well before migration 18).
    let (mut devices, _) = devices(1);
    let vault = &mut devices[0].vault;
    run(vault, &Op::Account(0));
    run(vault, &Op::Txn { account: 0, n: 1, amount: -900, category: 4, month: 3 });
    let id = txn_id(0, 1);
    let parts = |category: &str, amount: i64| {
        vec![Value::Integer(0), Value::Text(category.into()), Value::Integer(amount), Value::Null]
    };
    let columns = ["position", "category_id", "amount_minor", "memo"];
    vault
        .write(|w| {
            w.replace_children(Table::SPLITS, "transaction_id", &id, &columns, &[parts("SHOPPING", -900)])?;
            w.update(Table::TRANSACTIONS, &id, &[("is_split", Value::Integer(1))]).map(|_| ())
        })
        .unwrap();
    let totals = |vault: &Vault| -> Vec<(String, i64, i64)> {
        let r = vault.read();
        let mut stmt =
            r.prepare("SELECT category_id, amount_minor, txn_count FROM monthly_spending ORDER BY 1").unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().map(Result::unwrap).collect()
    };
    assert_eq!(totals(vault), vec![("SHOPPING".to_owned(), -900, 1)]);
    // And out again in the other order: the mark cleared before the parts go.
    vault
        .write(|w| {
            w.update(Table::TRANSACTIONS, &id, &[("is_split", Value::Integer(0))])?;
            w.replace_children(Table::SPLITS, "transaction_id", &id, &["position"], &[])
        })
        .unwrap();
    assert_eq!(totals(vault), vec![("TRAVEL".to_owned(), -900, 1)]);
}

#[test]
fn a_change_from_a_clock_far_ahead_waits_names_its_device_and_does_not_move_the_local_clock() {
    let (mut devices, _) = devices(1);
    let vault = &mut devices[0].vault;
    run(vault, &Op::Account(0));
    let ahead = spearmint_core::DeviceId::new();
    let now = crate::vault::now_millis();
    let future = spearmint_core::Hlc { millis: now + 3 * 24 * 3600 * 1000, counter: 0, device: ahead };
    let change = CellChange {
        hlc: future.to_string(),
        table: "accounts".into(),
        row: account_id(0),
        op: spearmint_sync_proto::ChangeOp::Set { column: "name".into(), value: serde_json::json!("From the future") },
    };
    let applied = vault.write(|w| apply_remote(w, vec![change])).unwrap();
    assert_eq!(applied.quarantined, vec![ahead]);
    assert_eq!((applied.applied, applied.waiting), (0, 1));
    let name: String = vault.read().query_row("SELECT name FROM accounts", [], |r| r.get(0)).unwrap();
    assert_eq!(name, "Checking 0");
    // The next local change is stamped with this device's own time, not the far one.
    run(vault, &Op::Rule { n: 1, enabled: true });
    let last: String =
        vault.read().query_row("SELECT hlc FROM changes ORDER BY seq DESC LIMIT 1", [], |r| r.get(0)).unwrap();
    let last: spearmint_core::Hlc = last.parse().unwrap();
    assert!(last.millis < now + 60_000, "the clock jumped to {last}");
}
