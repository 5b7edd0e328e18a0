//! Monthly spending stays equal to a recount after any sequence of inserts (one by one and in
//! bulk), edits, recategorizations, deletes and pending -> posted swaps, because it is
//! maintained in the same SQL transaction as the rows (by the Writer for inserts, by triggers
//! for changes), whatever path writes them.

use chrono::NaiveDate;
use proptest::prelude::*;
use spearmint_core::{AccountKind, Currency, Money};
use spearmint_engine::{Engine, NewAccount, NewKey, NewTransaction, TransactionQuery};

use crate::common::{
    self, checking, engine_with, keychain_vault, passphrase_vault, profile_json, require_secret_service, slow,
};

#[derive(Debug, Clone)]
enum Op {
    Add {
        day: u32,
        month: u32,
        cents: i64,
    },
    Recategorize {
        pick: usize,
        category: usize,
    },
    Edit {
        pick: usize,
        day: u32,
        cents: i64,
    },
    Delete {
        pick: usize,
    },
    /// A SimpleFIN statement with a pending purchase, then one where it posted under a new id.
    PendingThenPosted {
        n: u32,
        cents: i64,
    },
    /// Split a transaction in two parts across categories (or split it again).
    Split {
        pick: usize,
        first: usize,
        second: usize,
        share: i64,
    },
    Unsplit {
        pick: usize,
    },
    /// A statement of several purchases over two months, stored in one bulk insert.
    Bulk {
        n: u32,
        rows: Vec<(u32, i64, usize)>,
    },
}

/// Sellers the dictionary files under different categories, and one it does not know.
const SELLERS: &[&str] = &["SAFEWAY #1234", "SHELL OIL 57442", "NETFLIX.COM", "ZZ UNKNOWN SELLER"];

const CATEGORIES: &[&str] = &["FOOD_GROCERIES", "GAS", "HOUSING_RENT", "SHOPPING", "INCOME_PAYCHECK", "TRANSFER"];

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (1u32..28, 1u32..4, -50_000i64..50_000).prop_map(|(day, month, cents)| Op::Add { day, month, cents }),
        2 => (any::<usize>(), 0..CATEGORIES.len()).prop_map(|(pick, category)| Op::Recategorize { pick, category }),
        2 => (any::<usize>(), 1u32..28, -50_000i64..50_000).prop_map(|(pick, day, cents)| Op::Edit { pick, day, cents }),
        1 => any::<usize>().prop_map(|pick| Op::Delete { pick }),
        1 => (0u32..1000, -20_000i64..-1).prop_map(|(n, cents)| Op::PendingThenPosted { n, cents }),
        2 => (any::<usize>(), 0..CATEGORIES.len(), 0..CATEGORIES.len(), 0i64..=100)
            .prop_map(|(pick, first, second, share)| Op::Split { pick, first, second, share }),
        1 => any::<usize>().prop_map(|pick| Op::Unsplit { pick }),
        1 => (0u32..1000, prop::collection::vec((0u32..60, -50_000i64..50_000, 0..SELLERS.len()), 2..8))
            .prop_map(|(n, rows)| Op::Bulk { n, rows }),
    ]
}

fn simplefin_json(id: &str, posted: i64, pending: bool, cents: i64, description: &str) -> Vec<u8> {
    let amount = Money::from_minor(cents, Currency::USD).to_plain_string();
    serde_json::json!({
        "errors": [],
        "accounts": [{
            "org": { "domain": "bank.example", "sfin-url": "https://bank.example/simplefin" },
            "id": "ACC-1", "name": "Card", "currency": "USD", "balance": "0.00", "balance-date": posted,
            "transactions": [{
                "id": id, "posted": if pending { 0 } else { posted }, "transacted_at": posted,
                "amount": amount, "description": description, "pending": pending
            }]
        }]
    })
    .to_string()
    .into_bytes()
}

fn import(engine: &Engine, bytes: Vec<u8>) {
    common::import(engine, "accounts.json", bytes);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: if slow() { 200 } else { 16 }, ..ProptestConfig::default() })]

    #[test]
    fn incremental_monthly_spending_always_equals_a_recount(ops in prop::collection::vec(op(), 1..40)) {
        let (_dir, engine) = passphrase_vault();
        let account = checking(&engine);
        for op in ops {
            let ids: Vec<_> = engine.transactions(&TransactionQuery::default()).unwrap().into_iter().map(|t| t.id).collect();
            match op {
                Op::Add { day, month, cents } => {
                    engine.add_transaction(NewTransaction {
                        account,
                        posted_on: NaiveDate::from_ymd_opt(2026, month, day).unwrap(),
                        amount: Money::from_minor(cents, Currency::USD),
                        seller: "SHOP".into(),
                        memo: None,
                    }).unwrap();
                }
                Op::Recategorize { pick, category } if !ids.is_empty() => {
                    engine.set_category(ids[pick % ids.len()], CATEGORIES[category]).unwrap();
                }
                Op::Edit { pick, day, cents } if !ids.is_empty() => {
                    engine.edit_transaction(
                        ids[pick % ids.len()],
                        Some(NaiveDate::from_ymd_opt(2026, 2, day).unwrap()),
                        Some(Money::from_minor(cents, Currency::USD)),
                    ).unwrap();
                }
                Op::Delete { pick } if !ids.is_empty() => engine.delete_transaction(ids[pick % ids.len()]).unwrap(),
                Op::Split { pick, first, second, share } if !ids.is_empty() => {
                    let t = engine.transactions(&TransactionQuery::default()).unwrap()[pick % ids.len()].clone();
                    let a = t.amount.minor() * share / 100;
                    engine.split_transaction(t.id, &[
                        (CATEGORIES[first].into(), Money::from_minor(a, Currency::USD), None),
                        (CATEGORIES[second].into(), Money::from_minor(t.amount.minor() - a, Currency::USD), Some("rest".into())),
                    ]).unwrap();
                }
                Op::Unsplit { pick } if !ids.is_empty() => engine.unsplit_transaction(ids[pick % ids.len()]).unwrap(),
                Op::PendingThenPosted { n, cents } => {
                    let when = NaiveDate::from_ymd_opt(2026, 3, 10).unwrap().and_hms_opt(12, 0, 0).unwrap().and_utc().timestamp();
                    import(&engine, simplefin_json(&format!("P-{n}"), when, true, cents, "SQ *TACO SPOT"));
                    import(&engine, simplefin_json(&format!("T-{n}"), when + 2 * 86_400, false, cents, "SQ *TACO SPOT 0423 OAKLAND CA"));
                }
                Op::Bulk { n, rows } => {
                let start = NaiveDate::from_ymd_opt(2026, 4, 20).unwrap().and_hms_opt(12, 0, 0).unwrap().and_utc().timestamp();
                let transactions: Vec<serde_json::Value> = rows
                    .iter()
                    .enumerate()
                    .map(|(i, (day, cents, seller))| serde_json::json!({
                        "id": format!("B-{n}-{i}"), "posted": start + i64::from(*day) * 86_400,
                        "amount": Money::from_minor(*cents, Currency::USD).to_plain_string(),
                        "description": SELLERS[*seller], "pending": false
                    }))
                    .collect();
                let json = serde_json::json!({
                    "errors": [],
                    "accounts": [{
                        "org": { "domain": "bank.example", "sfin-url": "https://bank.example/simplefin" },
                        "id": "ACC-1", "name": "Card", "currency": "USD", "balance": "0.00", "balance-date": start,
                        "transactions": transactions
                    }]
                });
                import(&engine, json.to_string().into_bytes());
            }
                _ => {}
            }
            let diffs = engine.doctor(false).unwrap();
            prop_assert!(diffs.is_empty(), "after {:?}: {:?}", engine.transactions(&TransactionQuery::default()).unwrap().len(), diffs);
            // The account list shows the maintained counts: every row is in one of them.
            let all = engine.transactions(&TransactionQuery::default()).unwrap();
            let listed: u32 = engine.accounts().unwrap().iter().map(|a| a.transactions).sum();
            prop_assert_eq!(listed as usize, all.len());
        }
    }
}

#[test]
fn a_month_report_sums_categories_exactly() {
    let (_dir, engine) = passphrase_vault();
    let account = checking(&engine);
    let add = |d: u32, cents: i64, category: &str| {
        let id = engine
            .add_transaction(NewTransaction {
                account,
                posted_on: NaiveDate::from_ymd_opt(2026, 10, d).unwrap(),
                amount: Money::from_minor(cents, Currency::USD),
                seller: "X".into(),
                memo: None,
            })
            .unwrap();
        engine.set_category(id, category).unwrap();
    };
    add(1, -1_001, "FOOD_GROCERIES");
    add(2, -2_002, "FOOD_GROCERIES");
    add(3, -4_500, "GAS");
    add(4, 300_000, "INCOME_PAYCHECK");
    add(5, -50_000, "TRANSFER");
    let october = engine.spending("2026-10").unwrap();
    let groceries = october.categories.iter().find(|c| c.category == "FOOD_GROCERIES").unwrap();
    assert_eq!(groceries.amount, Money::from_minor(-3_003, Currency::USD));
    assert_eq!(groceries.transactions, 2);
    assert_eq!(october.spent, vec![Money::from_minor(7_503, Currency::USD)], "transfers are not spending");
    assert_eq!(october.income, vec![Money::from_minor(300_000, Currency::USD)]);
    assert!(engine.doctor(false).unwrap().is_empty());
    assert_eq!(engine.spending_trend("2026-11", 3).unwrap().len(), 3);
    assert_eq!(engine.spending("2026-13").unwrap_err().kind(), spearmint_engine::ErrorKind::Invalid);
}

#[test]
fn a_pending_purchase_that_posts_counts_once_in_its_month() {
    let (_dir, engine) = passphrase_vault();
    let when = NaiveDate::from_ymd_opt(2026, 3, 10).unwrap().and_hms_opt(12, 0, 0).unwrap().and_utc().timestamp();
    import(&engine, simplefin_json("P-1", when, true, -1_875, "SQ *TACO SPOT"));
    import(&engine, simplefin_json("T-1", when + 2 * 86_400, false, -1_875, "SQ *TACO SPOT 0423 OAKLAND CA"));
    let txns = engine.transactions(&TransactionQuery::default()).unwrap();
    assert_eq!(txns.len(), 1, "the posted row replaced its pending twin");
    assert!(!txns[0].pending);
    let march = engine.spending("2026-03").unwrap();
    assert_eq!(march.spent, vec![Money::from_minor(1_875, Currency::USD)]);
    assert!(engine.doctor(false).unwrap().is_empty());
}

/// The locked vault of the default profile in `dir`, opened with plain SQLCipher and the key
/// from the real Secret Service: for changing it behind the engine's back.
fn raw_vault(dir: &std::path::Path) -> rusqlite::Connection {
    require_secret_service();
    let profile = profile_json(dir);
    let key =
        keyring::Entry::new("spearmint", profile["key"]["account"].as_str().unwrap()).unwrap().get_password().unwrap();
    let conn = rusqlite::Connection::open(dir.join("profiles/default/vault.db")).unwrap();
    conn.pragma_update(None, "key", format!("x'{key}'")).unwrap();
    conn.execute_batch(&spearmint_engine::vault::cipher_pragmas()).unwrap();
    conn
}

/// A vault from before account counts were kept (schema 9) gets them counted by the migration.
#[test]
fn migrating_a_vault_counts_the_transactions_it_already_holds() {
    let (dir, engine) = keychain_vault();
    let mut accounts = Vec::new();
    for (name, rows) in [("Checking", 3), ("Savings", 1), ("Empty", 0)] {
        let account = engine
            .create_account(NewAccount { name: name.into(), kind: AccountKind::Checking, currency: Currency::USD })
            .unwrap();
        for day in 1..=rows {
            engine
                .add_transaction(NewTransaction {
                    account,
                    posted_on: NaiveDate::from_ymd_opt(2026, 10, day).unwrap(),
                    amount: Money::from_minor(-100, Currency::USD),
                    seller: "X".into(),
                    memo: None,
                })
                .unwrap();
        }
        accounts.push((account, rows));
    }
    engine.lock().unwrap();
    // Back to schema 9: no counts table, no triggers (0010), the old date index (0011), no read
    // marks on alerts (0015), no sync tables (0017, 0020). 0014 rebuilds the transactions table,
    // dropping later columns.
    raw_vault(dir.path())
        .execute_batch(
            "DROP TABLE sync_clocks; DROP TABLE sync_waiting; DROP TABLE sync_account; DROP TABLE sync_keys;
             DROP TABLE sync_outbox; DROP TABLE sync_cursors; DROP TABLE sync_snapshot_out;
             DROP TRIGGER transactions_count_delete; DROP TRIGGER transactions_count_move;
             DROP TABLE account_counts;
             DROP INDEX transactions_posted_search;
             CREATE INDEX transactions_posted ON transactions (posted_on, id);
             ALTER TABLE notifications DROP COLUMN read_at;
             PRAGMA user_version = 9;",
        )
        .unwrap();

    let status = engine.unlock(spearmint_engine::Unlock::Keychain).unwrap();
    assert_eq!(status.schema_version, Some(spearmint_engine::vault::Migrations::default().latest()));
    let listed: Vec<_> = engine.accounts().unwrap().into_iter().map(|a| (a.id, a.transactions)).collect();
    assert_eq!(listed, accounts);
    assert!(engine.doctor(false).unwrap().is_empty());
}

/// Damages the stored totals behind the engine's back (through SQLCipher with the key from the
/// real Secret Service): doctor reports the difference and repairs it.
#[test]
fn doctor_finds_and_repairs_damaged_totals() {
    let (dir, engine) = keychain_vault();
    let account = checking(&engine);
    engine
        .add_transaction(NewTransaction {
            account,
            posted_on: NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(),
            amount: Money::from_minor(-1_234, Currency::USD),
            seller: "X".into(),
            memo: None,
        })
        .unwrap();
    engine.lock().unwrap();
    let conn = raw_vault(dir.path());
    conn.execute("UPDATE monthly_spending SET amount_minor = amount_minor + 1", []).unwrap();
    conn.execute("UPDATE account_counts SET txn_count = txn_count + 5", []).unwrap();
    drop(conn);

    engine.unlock(spearmint_engine::Unlock::Keychain).unwrap();
    assert_eq!(engine.accounts().unwrap()[0].transactions, 6, "the list reads the maintained count");
    let report = engine.doctor(false).unwrap();
    let diffs = &report.monthly_spending;
    assert_eq!(diffs.len(), 1, "{diffs:?}");
    assert_eq!((diffs[0].stored_minor, diffs[0].recounted_minor), (-1_233, -1_234));
    let counts = &report.account_counts;
    assert_eq!(counts.len(), 1, "{counts:?}");
    assert_eq!(
        (counts[0].account.as_str(), counts[0].stored, counts[0].recounted),
        (account.to_string().as_str(), 6, 1)
    );
    assert_eq!(engine.doctor(true).unwrap().len(), 2, "the repair reports what it fixed");
    assert!(engine.doctor(false).unwrap().is_empty());
    assert_eq!(engine.accounts().unwrap()[0].transactions, 1);
}

/// Every row of `table` (all columns, in key order), to compare a table before and after.
fn dump(conn: &rusqlite::Connection, table: &str) -> Vec<Vec<rusqlite::types::Value>> {
    let mut stmt = conn.prepare(&format!("SELECT * FROM {table} ORDER BY 1, 2")).unwrap();
    let width = stmt.column_count();
    stmt.query_map([], |r| (0..width).map(|i| r.get(i)).collect()).unwrap().map(Result::unwrap).collect()
}

/// An engine on the vault in `dir` that migrates it no further than schema `version`.
fn engine_up_to(dir: &std::path::Path, version: u32) -> Engine {
    engine_with(dir, spearmint_engine::vault::Migrations::default().up_to(version))
}

/// The file passes SQLite's integrity check and every foreign key holds.
fn assert_sound(raw: &rusqlite::Connection) {
    let check: String = raw.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(check, "ok");
    assert!(dump(raw, "pragma_foreign_key_check").is_empty());
}

/// A vault made by the engine of schema `version`, locked: three rows, the first split in two
/// (one part with a note), the second categorized by the user.
fn old_vault(version: u32) -> (tempfile::TempDir, Vec<spearmint_core::TransactionId>) {
    let dir = tempfile::tempdir().unwrap();
    let old = engine_up_to(dir.path(), version);
    old.create(NewKey::Keychain).unwrap();
    let account = checking(&old);
    let usd = |cents| Money::from_minor(cents, Currency::USD);
    let mut ids = Vec::new();
    for (day, cents, seller) in
        [(1, -4_000, "TRADER JOE S #123"), (2, -1_250, "SHELL OIL 57442"), (3, 250_000, "PAYROLL")]
    {
        ids.push(
            old.add_transaction(NewTransaction {
                account,
                posted_on: NaiveDate::from_ymd_opt(2026, 10, day).unwrap(),
                amount: usd(cents),
                seller: seller.into(),
                memo: Some(format!("day {day}")),
            })
            .unwrap(),
        );
    }
    old.split_transaction(
        ids[0],
        &[("FOOD_GROCERIES".into(), usd(-3_000), None), ("SHOPPING_HOME".into(), usd(-1_000), Some("a mop".into()))],
    )
    .unwrap();
    old.set_category(ids[1], "AUTO_SERVICE").unwrap();
    old.lock().unwrap();
    (dir, ids)
}

/// Schema 12 rebuilds `transactions` to write a CHECK another way (SQLite cannot change one in
/// place). Every row, split, total, index and trigger comes through it, and every constraint
/// still holds.
#[test]
fn the_rebuild_of_transactions_in_schema_12_keeps_rows_totals_constraints_and_triggers() {
    let (dir, ids) = old_vault(11);
    let tables = ["transactions", "splits", "monthly_spending", "account_counts"];
    let schema = "SELECT type, name FROM sqlite_schema WHERE tbl_name IN ('transactions', 'splits') ORDER BY 1, 2";
    let (before, objects) = {
        let raw = raw_vault(dir.path());
        assert_eq!(raw.pragma_query_value(None, "user_version", |r| r.get::<_, u32>(0)).unwrap(), 11);
        (tables.map(|t| dump(&raw, t)), dump(&raw, &format!("({schema})")))
    };

    // Up to 12 only: 13 changes the schema of `splits` (its own test below).
    let engine = engine_up_to(dir.path(), 12);
    let status = engine.unlock(spearmint_engine::Unlock::Keychain).unwrap();
    assert_eq!(status.schema_version, Some(12));
    engine.lock().unwrap();
    let mut raw = raw_vault(dir.path());
    assert_eq!(tables.map(|t| dump(&raw, t)), before, "every row comes through unchanged");
    // The primary key's own index gives way to a unique index a bulk import can rebuild.
    let text = |s: &str| rusqlite::types::Value::Text(s.into());
    let mut expected: Vec<_> = objects
        .into_iter()
        .map(|o| {
            if o[1] == text("sqlite_autoindex_transactions_1") {
                vec![text("index"), text("transactions_id")]
            } else {
                o
            }
        })
        .collect();
    expected.sort_by_key(|o| format!("{o:?}"));
    let mut after = dump(&raw, &format!("({schema})"));
    after.sort_by_key(|o| format!("{o:?}"));
    assert_eq!(after, expected, "every index and trigger is back");
    let unique: i64 = raw
        .query_row("SELECT \"unique\" FROM pragma_index_list('transactions') WHERE name = 'transactions_id'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(unique, 1);
    assert_sound(&raw);

    // The constraints refuse what they refused: an unknown category source, an unknown account.
    raw.pragma_update(None, "foreign_keys", true).unwrap();
    let tx = raw.transaction().unwrap();
    let id = ids[2].to_string();
    for source in ["user", "rule", "learned", "dictionary", "crowd", "provider", "default"] {
        tx.execute("UPDATE transactions SET category_source = ?1 WHERE id = ?2", [source, id.as_str()]).unwrap();
    }
    let refused = |sql: &str| tx.execute(sql, [id.as_str()]).unwrap_err().to_string();
    assert!(refused("UPDATE transactions SET category_source = 'guess' WHERE id = ?1").contains("CHECK constraint"));
    assert!(refused("UPDATE transactions SET pending = 2 WHERE id = ?1").contains("CHECK constraint"));
    assert!(refused("UPDATE transactions SET account_id = 'nobody' WHERE id = ?1").contains("FOREIGN KEY"));
    assert!(refused("INSERT INTO transactions SELECT * FROM transactions WHERE id = ?1").contains("UNIQUE"));
    drop(tx);
    drop(raw);

    // And the triggers still keep the totals, through a split and a plain row deleted.
    engine.unlock(spearmint_engine::Unlock::Keychain).unwrap();
    engine.delete_transaction(ids[0]).unwrap();
    engine.delete_transaction(ids[1]).unwrap();
    assert!(engine.doctor(false).unwrap().is_empty(), "totals equal a recount");
    assert_eq!(engine.accounts().unwrap()[0].transactions, 1);
    assert_eq!(engine.spending("2026-10").unwrap().categories.len(), 1, "only the paycheck is left");
}

/// Schema 13 ties a split to its transaction with triggers instead of a foreign key (a
/// many-row INSERT into a table that a foreign key references needs the unique index a large
/// import drops). Every row comes through, the reference holds as the foreign key held it, and
/// deleting a split transaction still takes its parts with it.
#[test]
fn schema_13_keeps_splits_tied_to_their_transactions_without_a_foreign_key() {
    let dir = tempfile::tempdir().unwrap();
    let old = engine_up_to(dir.path(), 12);
    old.create(NewKey::Keychain).unwrap();
    let account = checking(&old);
    let usd = |cents| Money::from_minor(cents, Currency::USD);
    let add = |day: u32, cents: i64| {
        old.add_transaction(NewTransaction {
            account,
            posted_on: NaiveDate::from_ymd_opt(2026, 10, day).unwrap(),
            amount: usd(cents),
            seller: format!("SHOP {day}"),
            memo: None,
        })
        .unwrap()
    };
    let (split, whole) = (add(1, -4_000), add(2, -1_250));
    old.split_transaction(
        split,
        &[("FOOD_GROCERIES".into(), usd(-3_000), None), ("SHOPPING_HOME".into(), usd(-1_000), Some("a mop".into()))],
    )
    .unwrap();
    old.lock().unwrap();
    let tables = ["transactions", "splits", "monthly_spending", "account_counts"];
    let before = {
        let raw = raw_vault(dir.path());
        assert_eq!(raw.pragma_query_value(None, "user_version", |r| r.get::<_, u32>(0)).unwrap(), 12);
        tables.map(|t| dump(&raw, t))
    };

    // Up to 13 only: 14 adds a column to `transactions` (its own test below).
    let engine = engine_up_to(dir.path(), 13);
    assert_eq!(engine.unlock(spearmint_engine::Unlock::Keychain).unwrap().schema_version, Some(13));
    engine.lock().unwrap();
    let mut raw = raw_vault(dir.path());
    assert_eq!(tables.map(|t| dump(&raw, t)), before, "every row comes through unchanged");
    let referenced: Vec<Vec<rusqlite::types::Value>> =
        dump(&raw, "(SELECT \"table\", \"from\" FROM pragma_foreign_key_list('splits'))");
    let text = |s: &str| rusqlite::types::Value::Text(s.into());
    assert_eq!(referenced, vec![vec![text("categories"), text("category_id")]], "no foreign key names transactions");
    assert_sound(&raw);

    // What the foreign key refused, the triggers refuse; what it allowed, they allow.
    raw.pragma_update(None, "foreign_keys", true).unwrap();
    let tx = raw.transaction().unwrap();
    let (split, whole) = (split.to_string(), whole.to_string());
    let refused = |sql: &str, id: &str| tx.execute(sql, [id]).unwrap_err().to_string();
    let insert =
        "INSERT INTO splits (transaction_id, position, category_id, amount_minor) VALUES (?1, 9, 'SHOPPING', 1)";
    assert!(refused(insert, "no such transaction").contains("FOREIGN KEY"));
    assert!(
        refused("UPDATE splits SET transaction_id = 'elsewhere' WHERE transaction_id = ?1", &split)
            .contains("FOREIGN KEY")
    );
    assert!(refused("UPDATE transactions SET id = 'renamed' WHERE id = ?1", &split).contains("FOREIGN KEY"));
    let unknown = "INSERT INTO splits (transaction_id, position, category_id, amount_minor) VALUES (?1, 9, 'NOPE', 1)";
    assert!(refused(unknown, &whole).contains("FOREIGN KEY"), "a split's category is still a foreign key");
    tx.execute(insert, [&whole]).unwrap();
    tx.execute("UPDATE splits SET transaction_id = ?1 WHERE transaction_id = ?2 AND position = 9", [&split, &whole])
        .unwrap();
    assert_eq!(tx.execute("UPDATE transactions SET id = 'renamed' WHERE id = ?1", [&whole]).unwrap(), 1);
    drop(tx);
    drop(raw);

    // Deleting the split transaction deletes its parts, and the totals follow.
    engine.unlock(spearmint_engine::Unlock::Keychain).unwrap();
    engine.delete_transaction(split.parse().unwrap()).unwrap();
    assert!(engine.doctor(false).unwrap().is_empty(), "totals equal a recount");
    engine.lock().unwrap();
    let raw = raw_vault(dir.path());
    assert!(dump(&raw, "splits").is_empty());
}

/// Schema 14 rebuilds `transactions` for four more category sources and a reason column.
/// Every row, total, index and trigger comes through; the new sources are allowed, others
/// still refused; the rows the user categorized are indexed on their own.
#[test]
fn schema_14_records_reasons_and_keeps_every_row_index_and_trigger() {
    let (dir, ids) = old_vault(13);
    let tables = ["splits", "monthly_spending", "account_counts"];
    let schema = "SELECT type, name FROM sqlite_schema WHERE tbl_name IN ('transactions', 'splits') ORDER BY 1, 2";
    let (rows, others, objects) = {
        let raw = raw_vault(dir.path());
        (dump(&raw, "transactions"), tables.map(|t| dump(&raw, t)), dump(&raw, &format!("({schema})")))
    };

    let engine = common::engine(dir.path());
    let latest = spearmint_engine::vault::Migrations::default().latest();
    assert!(latest >= 14);
    assert_eq!(engine.unlock(spearmint_engine::Unlock::Keychain).unwrap().schema_version, Some(latest));
    engine.lock().unwrap();
    let mut raw = raw_vault(dir.path());
    // The columns added since (the reason; later ones such as the user's note) start empty.
    let columns: i64 =
        raw.query_row("SELECT count(*) FROM pragma_table_info('transactions')", [], |r| r.get(0)).unwrap();
    let columns = usize::try_from(columns).unwrap();
    assert!(columns > rows[0].len(), "schema 14 adds the reason column");
    let with_reason: Vec<_> = rows
        .into_iter()
        .map(|mut row| {
            row.resize(columns, rusqlite::types::Value::Null);
            row
        })
        .collect();
    assert_eq!(dump(&raw, "transactions"), with_reason, "every row comes through, with no reason yet");
    assert_eq!(tables.map(|t| dump(&raw, t)), others);
    let text = |s: &str| rusqlite::types::Value::Text(s.into());
    let mut expected = objects;
    expected.push(vec![text("index"), text("transactions_user_categorized")]);
    expected.sort_by_key(|o| format!("{o:?}"));
    let mut after = dump(&raw, &format!("({schema})"));
    after.sort_by_key(|o| format!("{o:?}"));
    assert_eq!(after, expected, "every index and trigger is back, and one more index");
    assert_sound(&raw);
    let plan: Vec<String> = raw
        .prepare("EXPLAIN QUERY PLAN SELECT seller_normalized FROM transactions WHERE category_source = 'user'")
        .unwrap()
        .query_map([], |r| r.get::<_, String>(3))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let plan = plan.join("; ");
    assert!(plan.contains("transactions_user_categorized"), "{plan}");

    let tx = raw.transaction().unwrap();
    let id = ids[2].to_string();
    for source in [
        "user",
        "rule",
        "learned",
        "dictionary",
        "crowd",
        "provider",
        "default",
        "profile",
        "channel",
        "lexicon",
        "model",
    ] {
        tx.execute("UPDATE transactions SET category_source = ?1 WHERE id = ?2", [source, id.as_str()]).unwrap();
    }
    let refused = tx.execute("UPDATE transactions SET category_source = 'guess' WHERE id = ?1", [id.as_str()]);
    assert!(refused.unwrap_err().to_string().contains("CHECK constraint"));
    drop(tx);
    drop(raw);

    engine.unlock(spearmint_engine::Unlock::Keychain).unwrap();
    engine.delete_transaction(ids[0]).unwrap();
    assert!(engine.doctor(false).unwrap().is_empty(), "totals equal a recount");
}

#[test]
fn a_split_counts_through_its_parts_and_must_add_up_exactly() {
    let (_dir, engine) = passphrase_vault();
    let account = checking(&engine);
    let id = engine
        .add_transaction(NewTransaction {
            account,
            posted_on: NaiveDate::from_ymd_opt(2026, 10, 5).unwrap(),
            amount: Money::from_minor(-10_000, Currency::USD),
            seller: "BIG BOX STORE".into(),
            memo: None,
        })
        .unwrap();
    let part = |c: &str, cents: i64| (c.into(), Money::from_minor(cents, Currency::USD), None);
    let err = engine.split_transaction(id, &[part("FOOD_GROCERIES", -6_000), part("SHOPPING", -3_999)]).unwrap_err();
    assert!(err.message().contains("add up to -99.99 USD, not the transaction's -100.00 USD"), "{}", err.message());
    engine.split_transaction(id, &[part("FOOD_GROCERIES", -6_000), part("SHOPPING_HOME", -4_000)]).unwrap();
    let october = engine.spending("2026-10").unwrap();
    let amount = |c: &str| october.categories.iter().find(|x| x.category == c).map(|x| x.amount.minor());
    assert_eq!((amount("FOOD_GROCERIES"), amount("SHOPPING_HOME")), (Some(-6_000), Some(-4_000)));
    assert_eq!(amount("UNCATEGORIZED"), None, "the whole no longer counts, its parts do");
    // Moving the transaction moves its parts; unsplitting restores the whole.
    engine.edit_transaction(id, Some(NaiveDate::from_ymd_opt(2026, 11, 2).unwrap()), None).unwrap();
    assert!(engine.spending("2026-10").unwrap().categories.is_empty());
    engine.unsplit_transaction(id).unwrap();
    assert!(engine.doctor(false).unwrap().is_empty());
    engine.split_transaction(id, &[part("FOOD_GROCERIES", -1), part("GAS", -9_999)]).unwrap();
    engine.delete_transaction(id).unwrap();
    assert!(
        engine.spending("2026-11").unwrap().categories.is_empty(),
        "deleting a split transaction removes its parts"
    );
    assert!(engine.doctor(false).unwrap().is_empty());
}

/// The Spending screen's drill-down: a category's rows in a month are exactly those its total
/// counts; with its subcategories, a top-level category's whole spending.
#[test]
fn a_category_lists_the_transactions_its_total_counts() {
    let (_dir, engine) = passphrase_vault();
    let account = checking(&engine);
    let add = |day: u32, cents: i64, seller: &str| {
        engine
            .add_transaction(NewTransaction {
                account,
                posted_on: NaiveDate::from_ymd_opt(2026, 3, day).unwrap(),
                amount: Money::from_minor(cents, Currency::USD),
                seller: seller.into(),
                memo: None,
            })
            .unwrap()
    };
    // Rows entered by hand are not categorized automatically: each gets its category here.
    for (day, cents, seller, category) in [
        (2, -4_210, "SAFEWAY #1234", "FOOD_GROCERIES"),
        (3, -1_999, "SAFEWAY #1234", "FOOD_GROCERIES"),
        (4, -650, "ZZ UNKNOWN SELLER", "FOOD_COFFEE"),
        (5, -3_000, "SHELL OIL 57442", "GAS"),
        (6, -1_000, "ZZ FOOD TRUCK", "FOOD"),
    ] {
        let id = add(day, cents, seller);
        engine.set_category(id, category).unwrap();
    }
    add(7, -120, "ZZ UNKNOWN SELLER");

    let march = |category: &str| TransactionQuery {
        since: NaiveDate::from_ymd_opt(2026, 3, 1),
        until: NaiveDate::from_ymd_opt(2026, 3, 31),
        category: Some(category.into()),
        ..TransactionQuery::default()
    };
    let spending = engine.spending("2026-03").unwrap();
    for line in &spending.categories {
        let rows = engine.transactions(&march(line.category.as_str())).unwrap();
        assert_eq!(rows.len() as u32, line.transactions, "{}", line.category);
        let sum: i64 = rows.iter().map(|t| t.amount.minor()).sum();
        assert_eq!(sum, line.amount.minor(), "{}", line.category);
    }
    let whole = |category: &str| TransactionQuery { subcategories: true, ..march(category) };
    let food: Vec<_> = engine.transactions(&whole("FOOD")).unwrap().into_iter().map(|t| t.amount.minor()).collect();
    assert_eq!(food, [-1_000, -650, -1_999, -4_210], "food itself, groceries and coffee, newest first");
    let none: Vec<_> =
        engine.transactions(&march("UNCATEGORIZED")).unwrap().into_iter().map(|t| t.amount.minor()).collect();
    assert_eq!(none, [-120]);
    assert!(engine.transactions(&whole("TRAVEL")).unwrap().is_empty());

    // Amounts between two bounds, money out negative, both ends included, in the row's currency.
    let usd = |cents| Some(Money::from_minor(cents, Currency::USD));
    let between = |min, max| TransactionQuery { min_amount: min, max_amount: max, ..whole("FOOD") };
    let amounts = |q| engine.transactions(&q).unwrap().into_iter().map(|t| t.amount.minor()).collect::<Vec<_>>();
    assert_eq!(amounts(between(usd(-2_000), usd(-650))), [-1_000, -650, -1_999]);
    assert_eq!(amounts(between(None, usd(-2_000))), [-4_210]);
    assert_eq!(amounts(between(usd(-999), None)), [-650]);
    assert!(amounts(between(Some(Money::from_minor(-2_000, Currency::EUR)), None)).is_empty(), "no row is in euros");

    // The picker lists every category once, each top-level one before its children.
    let categories = engine.categories().unwrap();
    let at = |id: &str| categories.iter().position(|c| c.id.as_str() == id).unwrap();
    assert!(at("FOOD") < at("FOOD_COFFEE") && at("FOOD") < at("FOOD_GROCERIES"));
    assert_eq!(categories[at("FOOD_COFFEE")].parent.as_ref().map(|p| p.as_str()), Some("FOOD"));
    let mut ids: Vec<_> = categories.iter().map(|c| c.id.as_str()).collect();
    ids.dedup();
    assert_eq!(ids.len(), categories.len());
}
