//! Importing the real bank files in shared/fixtures through the engine: each one that parses
//! imports in one transaction, and importing it again changes nothing — no row, no change-log
//! entry. (Which files parse, with which counts and sums, is spearmint-formats' fixture table.)

use std::path::{Path, PathBuf};

use spearmint_core::{AccountId, AccountKind, Currency};
use spearmint_engine::{Engine, ImportRequest, NewAccount, TransactionQuery};
use spearmint_formats::ImportOptions;
use tempfile::TempDir;

use crate::common::{self, passphrase_vault, shared_dir};

fn fixtures_dir() -> PathBuf {
    shared_dir().join("fixtures")
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() { files(&p, out) } else { out.push(p) }
    }
}

/// A fresh passphrase vault with one manual checking account.
fn vault_with_account(name: &str, currency: Currency) -> (TempDir, Engine, AccountId) {
    let (dir, engine) = passphrase_vault();
    let account =
        engine.create_account(NewAccount { name: name.into(), kind: AccountKind::Checking, currency }).unwrap();
    (dir, engine, account)
}

/// Importing `bytes` (named `file_name`) into `account`, with its saved or detected mapping.
fn request(bytes: Vec<u8>, file_name: &str, account: AccountId) -> ImportRequest {
    ImportRequest {
        bytes,
        file_name: Some(file_name.into()),
        account: Some(account),
        mapping: None,
        currency: None,
        dry_run: false,
        log_user: None,
    }
}

/// Imports CSV `rows` of date, description, amount and the bank's transaction id.
fn import_csv_with_ids(engine: &Engine, account: AccountId, rows: &str) -> spearmint_engine::ApplySummary {
    let csv = format!("Date,Description,Amount,Transaction ID\n{rows}").into_bytes();
    engine.import_file(request(csv, "export.csv", account)).unwrap().summary
}

/// The stored transaction whose descriptor is `seller`.
fn by_seller(engine: &Engine, seller: &str) -> spearmint_engine::Transaction {
    engine.transactions(&TransactionQuery::default()).unwrap().into_iter().find(|t| t.seller == seller).unwrap()
}

#[test]
fn every_fixture_that_parses_imports_once_and_reimports_as_a_no_op() {
    let (_dir, engine) = passphrase_vault();
    let mut all = Vec::new();
    files(&fixtures_dir(), &mut all);
    all.sort();
    assert!(all.len() > 100, "shared/fixtures is missing or incomplete: {}", fixtures_dir().display());

    let mut imported = 0;
    let mut with_rows = 0;
    for path in &all {
        let bytes = std::fs::read(path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let options =
            ImportOptions { currency: spearmint_core::Currency::USD, csv: None, date_order: None, log_user: None };
        let Ok(statement) = spearmint_formats::parse(&bytes, Some(&name), &options) else { continue };
        if statement.accounts.is_empty() {
            continue;
        }
        // Files that do not name their account (CSV, QIF) go into a manual account of their own.
        let account = statement.accounts[0].provider_account_id.trim().is_empty().then(|| {
            engine
                .create_account(NewAccount {
                    name: name.clone(),
                    kind: AccountKind::Checking,
                    currency: statement.accounts[0].currency,
                })
                .unwrap()
        });
        let request = |dry_run| ImportRequest {
            bytes: bytes.clone(),
            file_name: Some(name.clone()),
            account,
            mapping: None,
            currency: None,
            dry_run,
            log_user: None,
        };
        let first =
            engine.import_file(request(false)).unwrap_or_else(|e| panic!("{}: {}", path.display(), e.message()));
        imported += 1;
        if first.transactions > 0 {
            with_rows += 1;
        }
        let rows = engine.transactions(&TransactionQuery::default()).unwrap().len();
        let changes = engine.change_count().unwrap();

        let preview = engine.import_file(request(true)).unwrap();
        assert_eq!(preview.summary.added, 0, "{}: a dry run of a re-import would add rows", path.display());
        let again = engine.import_file(request(false)).unwrap();
        let s = &again.summary;
        assert_eq!((s.added, s.updated, s.posted, s.removed), (0, 0, 0, 0), "{}: {s:?}", path.display());
        assert_eq!(engine.transactions(&TransactionQuery::default()).unwrap().len(), rows, "{}", path.display());
        assert_eq!(engine.change_count().unwrap(), changes, "{}: a re-import wrote to the change log", path.display());
    }
    assert!(imported >= 60 && with_rows >= 50, "only {imported} fixtures imported ({with_rows} with transactions)");
}

#[test]
fn a_broken_file_is_refused_with_its_problem_named_and_nothing_written() {
    let (_dir, engine) = passphrase_vault();
    let good = std::fs::read(fixtures_dir().join("ofx/ofxparse/bank_medium.ofx")).unwrap();
    // Cut the file in the middle of a transaction.
    let broken = good[..good.len() * 2 / 3].to_vec();
    let before = engine.change_count().unwrap();
    let err = engine
        .import_file(ImportRequest {
            bytes: broken,
            file_name: Some("bank_medium.ofx".into()),
            account: None,
            mapping: None,
            currency: None,
            dry_run: false,
            log_user: None,
        })
        .unwrap_err();
    assert!(err.message().starts_with("bank_medium.ofx: "), "{}", err.message());
    assert!(engine.transactions(&TransactionQuery::default()).unwrap().is_empty(), "nothing half-imported");
    assert_eq!(engine.change_count().unwrap(), before);
    let err = engine
        .import_file(ImportRequest {
            bytes: b"%PDF-1.7 not a statement".to_vec(),
            file_name: Some("statement.pdf".into()),
            account: None,
            mapping: None,
            currency: None,
            dry_run: false,
            log_user: None,
        })
        .unwrap_err();
    assert!(err.message().contains("statement.pdf"), "{}", err.message());
}

#[test]
fn a_bulk_import_is_one_log_entry_that_expands_to_every_rows_cells() {
    let (_dir, engine) = passphrase_vault();
    common::import(
        &engine,
        "bank_medium.ofx",
        std::fs::read(fixtures_dir().join("ofx/ofxparse/bank_medium.ofx")).unwrap(),
    );
    let stored = engine.transactions(&TransactionQuery { limit: Some(1000), ..TransactionQuery::default() }).unwrap();
    assert!(stored.len() > 2, "the fixture has several transactions");
    let entries = engine.changes_since(0, 1000).unwrap();
    let txn_records: Vec<_> = entries.iter().filter(|c| c.table == "transactions").collect();
    let seqs: std::collections::BTreeSet<i64> = txn_records.iter().map(|c| c.seq).collect();
    assert_eq!(seqs.len(), 1, "all the rows are one log entry");

    // Expanded, it is one whole-row record per stored row, holding the row's cells.
    assert_eq!(txn_records.len(), stored.len());
    for t in &stored {
        let record = txn_records.iter().find(|c| c.row_id == t.id.to_string()).expect("a record for every row");
        assert_eq!(record.column, "*");
        let cells: serde_json::Value = serde_json::from_str(record.value.as_deref().unwrap()).unwrap();
        assert_eq!(cells["account_id"], t.account_id.to_string());
        assert_eq!(cells["posted_on"], t.posted_on.to_string());
        assert_eq!(cells["amount_minor"], t.amount.minor());
        assert_eq!(cells["currency"], t.amount.currency().code());
        assert_eq!(cells["seller"], t.seller);
        assert_eq!(cells["category_id"], t.category.as_deref().unwrap());
        assert!(cells.get("id").is_none() && cells.get("memo").is_none_or(|m| !m.is_null()), "no key, no nulls");
    }

    // A row deleted later is left out of the bulk record; its deletion is logged after it.
    let gone = stored[0].id;
    engine.delete_transaction(gone).unwrap();
    let entries = engine.changes_since(0, 1000).unwrap();
    let for_gone: Vec<_> = entries.iter().filter(|c| c.row_id == gone.to_string()).collect();
    assert_eq!(for_gone.len(), 1);
    assert_eq!((for_gone[0].column.as_str(), for_gone[0].value.as_deref()), ("", None));
    assert_eq!(entries.iter().filter(|c| c.table == "transactions" && c.column == "*").count(), stored.len() - 1);
}

/// A large file reports how far it has come: reading, then the stored rows of the total as they
/// are stored, then done; importing it again stores nothing.
#[test]
fn a_large_import_reports_its_progress_and_reimports_as_a_no_op() {
    use spearmint_engine::{ImportPhase, ImportProgress};
    let (_dir, engine, account) = vault_with_account("Big", Currency::USD);
    let rows = 35_000u64;
    let mut csv = Vec::new();
    spearmint_sandbox_bank::write_csv(&mut csv, usize::try_from(rows).unwrap(), 3).unwrap();
    let import = |events: &std::cell::RefCell<Vec<ImportProgress>>| {
        engine
            .import_file_with_progress(request(csv.clone(), "big.csv", account), &|p| events.borrow_mut().push(*p))
            .unwrap()
    };

    let events = std::cell::RefCell::new(Vec::new());
    let report = import(&events);
    assert_eq!(u64::from(report.summary.added), rows);
    let events = events.into_inner();
    let csv_len = u64::try_from(csv.len()).unwrap();
    assert_eq!(events.first(), Some(&ImportProgress { phase: ImportPhase::Reading, done: 0, total: csv_len }));
    assert_eq!(events.last(), Some(&ImportProgress { phase: ImportPhase::Done, done: rows, total: rows }));
    let storing: Vec<u64> = events.iter().filter(|e| e.phase == ImportPhase::Storing).map(|e| e.done).collect();
    assert!(events.iter().filter(|e| e.phase == ImportPhase::Storing).all(|e| e.total == rows));
    assert!(storing.len() >= 3, "progress along the way, not only at the end: {storing:?}");
    assert!(storing.windows(2).all(|w| w[0] < w[1]), "{storing:?}");
    assert_eq!(storing.last(), Some(&rows));

    let again = std::cell::RefCell::new(Vec::new());
    let report = import(&again);
    assert_eq!((report.summary.added, u64::from(report.summary.unchanged)), (0, rows));
    assert_eq!(again.into_inner().last(), Some(&ImportProgress { phase: ImportPhase::Done, done: 0, total: 0 }));
}

/// A large import (more rows than the vault holds) stores its rows before it builds the index
/// of transaction ids again: a bank id stored before, dated far from the file's rows, is still
/// known as the same transaction and brought up to date, and the file imports again as a no-op.
#[test]
fn a_large_import_still_knows_bank_ids_stored_far_from_its_dates() {
    let (_dir, engine, account) = vault_with_account("Big", Currency::USD);
    let first = import_csv_with_ids(
        &engine,
        account,
        "2020-01-05,HARDWARE STORE,-10.00,OLD-1\n2020-01-06,BAKERY,-5.00,OLD-2\n",
    );
    assert_eq!(first.added, 2);
    let start = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
    let mut rows = String::new();
    for i in 0..60_000 {
        let date = start + chrono::Duration::days(i / 200);
        rows.push_str(&format!("{date},SHOP {i},-{}.{:02},NEW-{i}\n", i / 100, i % 100));
    }
    rows.push_str("2026-03-01,HARDWARE STORE,-10.00,OLD-1\n");
    let big = import_csv_with_ids(&engine, account, &rows);
    assert_eq!((big.added, big.updated), (60_000, 1));
    assert_eq!(engine.accounts().unwrap()[0].transactions, 60_002);
    let moved = engine
        .transactions(&TransactionQuery { search: Some("HARDWARE".into()), ..TransactionQuery::default() })
        .unwrap();
    assert_eq!(moved.len(), 1);
    assert_eq!(moved[0].posted_on.to_string(), "2026-03-01");

    let again = import_csv_with_ids(&engine, account, &rows);
    assert_eq!((again.added, again.updated, again.unchanged), (0, 0, 60_001));
}

/// A bank id seen again, dated far from where the row is stored (the user or the bank moved its
/// date), is the same transaction: brought up to date, never a second row, never a failed
/// import (it once failed on the id's uniqueness, since matching looks near the new dates).
#[test]
fn a_known_bank_id_dated_far_from_its_stored_row_updates_that_row() {
    let (_dir, engine, account) = vault_with_account("CSV", Currency::USD);
    let import = |rows: &str| import_csv_with_ids(&engine, account, rows);
    let first =
        import("2026-03-01,HARDWARE STORE,-10.00,TX-1\n2026-03-02,BAKERY,-5.00,TX-2\n2026-03-03,BOOKS,-7.00,TX-4\n");
    assert_eq!(first.added, 3);
    let tx1 = by_seller(&engine, "HARDWARE STORE");
    engine.edit_transaction(tx1.id, chrono::NaiveDate::from_ymd_opt(2026, 1, 1), None).unwrap();

    let second =
        import("2026-05-01,HARDWARE STORE,-12.00,TX-1\n2026-05-02,GROCER,-3.00,TX-3\n2026-05-03,BOOKS,-7.00,TX-4\n");
    assert_eq!((second.added, second.updated, second.unchanged), (1, 2, 0), "{second:?}");
    let rows = engine.transactions(&TransactionQuery::default()).unwrap();
    assert_eq!(rows.len(), 4, "one row per bank id");
    let tx1_now = rows.iter().find(|t| t.id == tx1.id).unwrap();
    assert_eq!(tx1_now.posted_on.to_string(), "2026-05-01");
    assert_eq!(tx1_now.amount.minor(), -1_200);
    assert_eq!(engine.accounts().unwrap()[0].transactions, 4);
    assert!(engine.doctor(false).unwrap().is_empty(), "totals count each row once");

    let third =
        import("2026-05-01,HARDWARE STORE,-12.00,TX-1\n2026-05-02,GROCER,-3.00,TX-3\n2026-05-03,BOOKS,-7.00,TX-4\n");
    assert_eq!((third.added, third.updated, third.unchanged), (0, 0, 3), "{third:?}");
}

/// A QIF file's splits are kept: the transaction is split into the file's parts, each under
/// the category the file names (by name; `[Account]` is a transfer), and the month's totals
/// count the parts; an unsplit transaction beside them counts whole.
#[test]
fn qif_splits_import_as_the_transactions_parts() {
    let (_dir, engine, account) = vault_with_account("Checking", Currency::USD);
    let qif = "!Type:Bank\n\
        D03/02/2026\nT-100.00\nPSUPERSTORE 0042\nL--Split--\n\
        SFood:Groceries\nEweekly shop\n$-60.00\nSHousehold:Home Goods\n$-25.00\nS[Savings]\n$-15.00\n^\n\
        D03/03/2026\nT-50.00\nPCORNER MARKET\nLGroceries\n^\n";
    let import = || engine.import_file(request(qif.as_bytes().to_vec(), "quicken.qif", account)).unwrap();
    let first = import();
    assert_eq!(first.summary.added, 2);
    let spending = |category: &str| {
        let month = engine.spending("2026-03").unwrap();
        month.categories.iter().find(|c| c.category == category).map(|c| (c.amount.to_plain_string(), c.transactions))
    };
    // The split's grocery part, and the whole of CORNER MARKET (its name says a market).
    assert_eq!(spending("FOOD_GROCERIES"), Some(("-110.00".into(), 2)));
    assert_eq!(spending("SHOPPING_HOME"), Some(("-25.00".into(), 1)));
    assert_eq!(spending("TRANSFER"), Some(("-15.00".into(), 1)));
    let whole = by_seller(&engine, "CORNER MARKET");
    let total: i64 = engine.spending("2026-03").unwrap().categories.iter().map(|c| c.amount.minor()).sum();
    assert_eq!(total, -15_000, "each transaction counts once, through its parts or whole");
    assert_eq!(whole.amount.to_plain_string(), "-50.00");
    assert_eq!(whole.category.as_deref(), Some("FOOD_GROCERIES"));

    let again = import();
    assert_eq!((again.summary.added, again.summary.updated), (0, 0), "{:?}", again.summary);
    assert_eq!(spending("FOOD_GROCERIES"), Some(("-110.00".into(), 2)));
    assert_eq!(spending("TRANSFER"), Some(("-15.00".into(), 1)));
}

/// A bank that reused an id months later for another purchase: the purchase is imported as a
/// new row and the old one stays as it was, whether the old row is near the new file's dates
/// or far from them; importing either file again changes nothing.
#[test]
fn an_id_the_bank_reused_months_later_imports_as_a_new_purchase() {
    let (_dir, engine, account) = vault_with_account("CSV", Currency::USD);
    let import = |rows: &str| import_csv_with_ids(&engine, account, rows);
    let january = "2026-01-05,SHELL OIL 57442,-42.00,7\n2026-01-06,BAKERY,-5.00,8\n";
    assert_eq!(import(january).added, 2);
    // June's file: only the reused id, far from January (matching does not load January).
    let june = "2026-06-01,SQ *BLUE BOTTLE COFFEE,-7.50,7\n";
    let second = import(june);
    assert_eq!((second.added, second.updated), (1, 0), "{second:?}");
    // A half-year file that holds both: January's row is near its dates this time.
    let half_year = "2026-01-05,SHELL OIL 57442,-42.00,7\n2026-03-01,RENT,-900.00,9\n2026-06-02,BOOKS,-12.00,7\n";
    let third = import(half_year);
    assert_eq!((third.added, third.updated, third.unchanged), (2, 0, 1), "{third:?}");

    let rows = engine.transactions(&TransactionQuery::default()).unwrap();
    let mut seen: Vec<(String, String)> =
        rows.iter().map(|t| (t.posted_on.to_string(), t.amount.to_plain_string())).collect();
    seen.sort();
    let expected = [
        ("2026-01-05", "-42.00"),
        ("2026-01-06", "-5.00"),
        ("2026-03-01", "-900.00"),
        ("2026-06-01", "-7.50"),
        ("2026-06-02", "-12.00"),
    ];
    assert_eq!(seen, expected.map(|(d, a)| (d.to_owned(), a.to_owned())), "one row per purchase");
    for file in [january, june, half_year] {
        let again = import(file);
        assert_eq!((again.added, again.updated, again.removed), (0, 0, 0), "{file}: {again:?}");
    }
    assert_eq!(engine.transactions(&TransactionQuery::default()).unwrap().len(), expected.len());
}

/// A CSV file mapped by hand, as the app does when detection read it wrong: `01/03/2025` is
/// January 3rd to the detector (month first, as in the US) and March 1st to a Spanish bank. The
/// user's mapping wins, is kept for the account, and the next import of the file adds nothing.
#[test]
fn a_csv_mapped_by_hand_reads_as_mapped_and_the_account_keeps_the_mapping() {
    use spearmint_engine::{AmountMapping, ColumnMapping};
    let (_dir, engine, account) = vault_with_account("Cuenta", Currency::EUR);
    let csv = b"Fecha,Concepto,Importe\n01/03/2025,CAFE,-4.50\n02/03/2025,NOMINA,2500.00\n".to_vec();
    let request =
        |mapping, dry_run| ImportRequest { mapping, dry_run, ..request(csv.clone(), "movimientos.csv", account) };
    let detected = engine.import_file(request(None, true)).unwrap();
    let mut columns = detected.columns.clone().expect("a CSV import shows its columns");
    assert_eq!(columns.date_format, "%m/%d/%Y", "the detector reads month first");
    assert_eq!(detected.preview[0].posted_on, "2025-01-03");
    assert_eq!((columns.date_column, columns.payee_column), (0, 1));
    assert_eq!(columns.amount, AmountMapping::Signed { column: 2, negate: false });

    columns.date_format = "%d/%m/%Y".into();
    let mapping = Some(ColumnMapping::to_csv_mapping(&columns).unwrap());
    let report = engine.import_file(request(mapping, false)).unwrap();
    assert_eq!(report.summary.added, 2);
    let mut dates: Vec<String> =
        engine.transactions(&TransactionQuery::default()).unwrap().iter().map(|t| t.posted_on.to_string()).collect();
    dates.sort();
    assert_eq!(dates, ["2025-03-01", "2025-03-02"]);
    assert_eq!(report.columns.as_ref().map(|c| c.date_format.as_str()), Some("%d/%m/%Y"));

    // The account remembers it: the same file without a mapping is read the same way.
    let again = engine.import_file(request(None, false)).unwrap();
    assert_eq!((again.summary.added, again.summary.unchanged), (0, 2), "{:?}", again.summary);
    assert_eq!(again.columns, report.columns);

    let bad = ColumnMapping { delimiter: ",;".into(), ..columns.clone() };
    assert_eq!(bad.to_csv_mapping().unwrap_err().kind(), spearmint_engine::ErrorKind::Invalid);
    let bad = ColumnMapping { currency: "euro".into(), ..columns };
    assert_eq!(bad.to_csv_mapping().unwrap_err().kind(), spearmint_engine::ErrorKind::Invalid);
}

/// A file is read outside the engine's lock: while a large file is still being read, the
/// vault answers the app's other calls at once, not after the import.
#[test]
fn the_vault_answers_other_calls_while_a_file_is_being_read() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    use spearmint_engine::{ImportPhase, ImportProgress};
    let (_dir, engine, account) = vault_with_account("Big", Currency::USD);
    let mut csv = Vec::new();
    spearmint_sandbox_bank::write_csv(&mut csv, 150_000, 5).unwrap();
    let (reading, started) = std::sync::mpsc::channel::<()>();
    let storing = Arc::new(AtomicBool::new(false));
    let worker = {
        let (engine, storing) = (engine.clone(), Arc::clone(&storing));
        std::thread::spawn(move || {
            let reading = std::sync::Mutex::new(reading);
            engine
                .import_file_with_progress(request(csv, "big.csv", account), &|p: &ImportProgress| match p.phase {
                    ImportPhase::Reading => {
                        let _ = reading.lock().unwrap().send(());
                    }
                    _ => storing.store(true, Ordering::SeqCst),
                })
                .unwrap()
        })
    };
    started.recv().unwrap();
    // Past the account's short lookup, into the reading.
    std::thread::sleep(std::time::Duration::from_millis(100));
    assert_eq!(engine.accounts().unwrap().len(), 1);
    assert!(!storing.load(Ordering::SeqCst), "answered while the file was read, before any row was stored");
    assert_eq!(worker.join().unwrap().summary.added, 150_000);
}

/// The fuzzing the parsers get, through the engine: every shared fixture, damaged in several
/// ways (a flipped byte, a cut, a repeated stretch, a stray `<` or quote, a huge number), is
/// imported into one vault. Nothing panics; a refused file changes nothing; the vault's totals
/// stay equal to a recount and the file stays sound. Three damages per file, thirty with
/// `--slow`; the seed is printed, so a failing run can be repeated.
#[test]
fn damaged_fixtures_imported_into_a_vault_never_panic_or_half_import() {
    let (_dir, engine, account) = vault_with_account("Fuzzed", Currency::USD);
    let mut all = Vec::new();
    files(&fixtures_dir(), &mut all);
    all.sort();
    let seed = std::env::var("SPEARMINT_FUZZ_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64
    });
    eprintln!("seed {seed} (SPEARMINT_FUZZ_SEED={seed} repeats this run)");
    let mut state = seed | 1;
    let mut next = move |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % (n.max(1) as u64)) as usize
    };
    let count = |engine: &Engine| {
        engine.transactions(&TransactionQuery { limit: Some(u32::MAX), ..Default::default() }).unwrap().len()
    };
    let rounds = if common::slow() { 30 } else { 3 };
    let (mut refused, mut imported) = (0, 0);
    for path in &all {
        let original = std::fs::read(path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        for _ in 0..rounds {
            let mut bytes = original.clone();
            for _ in 0..1 + next(3) {
                let at = next(bytes.len() + 1);
                match next(6) {
                    0 if !bytes.is_empty() => {
                        let at = at.min(bytes.len() - 1);
                        bytes[at] ^= 1 << next(8);
                    }
                    1 => bytes.truncate(at),
                    2 => {
                        let len = next(64).min(bytes.len() - at);
                        let stretch = bytes[at..at + len].to_vec();
                        bytes.splice(at..at, stretch.repeat(1 + next(50)));
                    }
                    3 => {
                        let stray: Vec<u8> = b"<<\"\",;".iter().copied().cycle().take(1 + next(500)).collect();
                        bytes.splice(at..at, stray);
                    }
                    4 => {
                        bytes.splice(at..at, b"-99999999999999999999.99".iter().copied());
                    }
                    _ => {
                        bytes.splice(at..at, b"20991231".iter().copied());
                    }
                }
            }
            let before = count(&engine);
            match engine.import_file(request(bytes, &name, account)) {
                Ok(_) => imported += 1,
                Err(e) => {
                    refused += 1;
                    assert_eq!(count(&engine), before, "seed {seed}, {name}: a refused file changed the vault ({e})");
                }
            }
        }
    }
    eprintln!("{imported} damaged files imported, {refused} refused");
    assert!(refused > 0 && imported > 0, "the damage both breaks files and leaves some readable");
    let doctor = engine.doctor(false).unwrap();
    assert!(doctor.is_empty(), "seed {seed}: {doctor:?}");
}
