//! CSV export: RFC 4180 text that spreadsheets cannot run as formulas, exact amounts, and a
//! transactions file that re-imports into its own account without changing anything.

use chrono::NaiveDate;
use spearmint_core::{AccountId, AccountKind, Currency, Money};
use spearmint_engine::{Engine, ImportRequest, NewAccount, NewTransaction, TransactionQuery};
use spearmint_formats::csv::{CsvMapping, preview, sniff};

use crate::common::{demo_vault, passphrase_vault};

fn export(engine: &Engine, query: &TransactionQuery) -> (u64, Vec<u8>) {
    let mut out = Vec::new();
    let rows = engine.export_transactions(query, &mut out).unwrap();
    (rows, out)
}

fn count(engine: &Engine) -> usize {
    engine.transactions(&TransactionQuery::default()).unwrap().len()
}

fn reimport(engine: &Engine, account: AccountId, bytes: &[u8]) -> spearmint_engine::ImportReport {
    engine
        .import_file(ImportRequest {
            bytes: bytes.to_vec(),
            file_name: Some("export.csv".into()),
            account: Some(account),
            mapping: None,
            currency: None,
            dry_run: false,
            log_user: None,
        })
        .unwrap()
}

/// Every cell of the file as the `csv` crate (through the importer's reader) reads it.
fn cells(bytes: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    let mapping: CsvMapping = sniff(bytes, Currency::USD).unwrap();
    let p = preview(bytes, &mapping, usize::MAX).unwrap();
    (p.headers, p.rows.into_iter().map(|r| r.cells).collect())
}

const TRICKY: &[(&str, Option<&str>, i64)] = &[
    ("=HYPERLINK(\"http://evil.example\",\"click\")", Some("@SUM(A1:A9)"), -1250),
    ("+1 555 0100 CALL", Some("-- note"), 123_456_789),
    ("Smith, \"Bob\" & Sons", Some("line one\nline two"), -1),
    ("-MINUS STORE", None, 0),
    ("Café Zürich ☕", Some("plain memo"), 99),
];

fn tricky_account(engine: &Engine) -> AccountId {
    let account = engine
        .create_account(NewAccount {
            name: "=Cash, \"wallet\"".into(),
            kind: AccountKind::Cash,
            currency: Currency::USD,
        })
        .unwrap();
    for (i, (seller, memo, minor)) in TRICKY.iter().enumerate() {
        engine
            .add_transaction(NewTransaction {
                account,
                posted_on: NaiveDate::from_ymd_opt(2024, 3, 1 + 3 * i as u32).unwrap(),
                amount: Money::from_minor(*minor, Currency::USD),
                seller: (*seller).into(),
                memo: memo.map(str::to_owned),
            })
            .unwrap();
    }
    account
}

#[test]
fn text_cells_that_would_run_as_formulas_get_an_apostrophe_and_amounts_stay_exact_numbers() {
    let (_dir, engine) = passphrase_vault();
    tricky_account(&engine);
    let (rows, bytes) = export(&engine, &TransactionQuery::default());
    assert_eq!(rows, TRICKY.len() as u64);
    let text = String::from_utf8(bytes.clone()).expect("UTF-8");
    assert!(!text.starts_with('\u{feff}'), "no BOM");
    assert!(
        text.starts_with("Date,Description,Amount,Currency,Account,Memo,Pending,Transaction ID,Category\r\n"),
        "{text}"
    );
    assert!(text.ends_with("\r\n"));
    // Every line end outside quotes is CRLF: the only bare LF is the one inside a memo.
    assert_eq!(text.matches('\n').count(), text.matches("\r\n").count() + 1);
    assert!(text.contains("\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"click\"\")\""), "{text}");
    assert!(text.contains(",'@SUM(A1:A9),"), "{text}");
    assert!(text.contains("\"'=Cash, \"\"wallet\"\"\""), "the account name is text too: {text}");
    assert!(text.contains("'+1 555 0100 CALL"), "{text}");
    assert!(text.contains("'-MINUS STORE"), "{text}");
    // Amounts are numbers: never neutralized, exact to the cent.
    assert!(text.contains(",-12.50,USD,"), "{text}");
    assert!(text.contains(",1234567.89,USD,"), "{text}");
    assert!(text.contains(",-0.01,USD,"), "{text}");
    assert!(text.contains(",0.00,USD,"), "{text}");

    // Quotes, commas and line breaks come back cell for cell through the csv crate.
    let (headers, records) = cells(&bytes);
    assert_eq!(
        headers,
        ["Date", "Description", "Amount", "Currency", "Account", "Memo", "Pending", "Transaction ID", "Category"]
    );
    let smith = records.iter().find(|r| r[1].starts_with("Smith")).unwrap();
    assert_eq!(smith[1], "Smith, \"Bob\" & Sons");
    assert_eq!(smith[5], "line one\nline two");
    assert_eq!(smith[2], "-0.01");
    assert_eq!(smith[6], "false");
    let cafe = records.iter().find(|r| r[1].starts_with("Caf")).unwrap();
    assert_eq!(cafe[1], "Café Zürich ☕");
}

#[test]
fn each_row_names_its_category_as_the_app_does_and_a_split_names_its_parts() {
    let (_dir, engine) = passphrase_vault();
    let account = engine
        .create_account(NewAccount { name: "Wallet".into(), kind: AccountKind::Cash, currency: Currency::USD })
        .unwrap();
    let add = |seller: &str, day: u32, minor: i64| {
        engine
            .add_transaction(NewTransaction {
                account,
                posted_on: NaiveDate::from_ymd_opt(2024, 3, day).unwrap(),
                amount: Money::from_minor(minor, Currency::USD),
                seller: seller.into(),
                memo: None,
            })
            .unwrap()
    };
    let cafe = add("CORNER CAFE 1", 1, -450);
    let market = add("BIG MARKET 2", 2, -10_000);
    engine.set_category(cafe, "FOOD_COFFEE").unwrap();
    engine
        .split_transaction(
            market,
            &[
                ("FOOD_GROCERIES".into(), Money::from_minor(-7_000, Currency::USD), None),
                ("SHOPPING".into(), Money::from_minor(-3_000, Currency::USD), None),
            ],
        )
        .unwrap();

    let (_, bytes) = export(&engine, &TransactionQuery::default());
    let (headers, records) = cells(&bytes);
    let column = headers.iter().position(|h| h == "Category").expect("a Category column");
    let category_of = |seller: &str| records.iter().find(|r| r[1] == seller).map(|r| r[column].clone()).unwrap();
    assert_eq!(category_of("CORNER CAFE 1"), "Coffee Shops");
    assert_eq!(category_of("BIG MARKET 2"), "Groceries; Shopping");
    // The extra column does not stop the file re-importing into its account as a no-op.
    let before = count(&engine);
    let report = reimport(&engine, account, &bytes);
    assert_eq!((report.summary.added, count(&engine)), (0, before), "{report:?}");
}

#[test]
fn the_importer_strips_the_apostrophe_so_payees_come_back_as_they_were() {
    let (_dir, engine) = passphrase_vault();
    tricky_account(&engine);
    let (_, bytes) = export(&engine, &TransactionQuery::default());
    let fresh = engine
        .create_account(NewAccount { name: "Fresh".into(), kind: AccountKind::Cash, currency: Currency::USD })
        .unwrap();
    let report = reimport(&engine, fresh, &bytes);
    assert_eq!(report.summary.added, TRICKY.len() as u32, "{report:?}");
    let mut got: Vec<(String, i64)> = engine
        .transactions(&TransactionQuery { account: Some(fresh), ..TransactionQuery::default() })
        .unwrap()
        .into_iter()
        .map(|t| (t.seller, t.amount.minor()))
        .collect();
    got.sort();
    let mut want: Vec<(String, i64)> = TRICKY.iter().map(|(s, _, m)| ((*s).to_owned(), *m)).collect();
    want.sort();
    assert_eq!(got, want);
}

#[test]
fn rows_entered_by_hand_reimport_into_their_account_as_a_no_op() {
    let (_dir, engine) = passphrase_vault();
    let account = tricky_account(&engine);
    let before = count(&engine);
    let (_, bytes) = export(&engine, &TransactionQuery { account: Some(account), ..TransactionQuery::default() });
    let report = reimport(&engine, account, &bytes);
    assert!(!report.summary.changed(), "{report:?}");
    assert_eq!(report.summary.unchanged, TRICKY.len() as u32, "{report:?}");
    assert_eq!(count(&engine), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_demo_bank_vault_exports_and_reimports_into_the_same_accounts_as_a_no_op() {
    let (_dir, engine) = demo_vault().await;
    let before = count(&engine);
    assert!(before > 100, "the demo bank filled the vault: {before}");
    let changes = engine.change_count().unwrap();

    let (all, _) = export(&engine, &TransactionQuery::default());
    assert_eq!(all, before as u64);
    let mut pending = 0;
    for account in engine.accounts().unwrap() {
        let query = TransactionQuery { account: Some(account.id), ..TransactionQuery::default() };
        let (rows, bytes) = export(&engine, &query);
        assert_eq!(rows, u64::from(account.transactions));
        pending += cells(&bytes).1.iter().filter(|r| r[6] == "true").count();
        let report = reimport(&engine, account.id, &bytes);
        // The importer reads the export's ids and pending flags, so rows match by identity.
        let mapping = report.mapping.as_ref().unwrap();
        assert_eq!((mapping.id_column, mapping.pending_column), (Some(7), Some(6)), "{mapping:?}");
        let s = &report.summary;
        assert_eq!((s.added, s.updated, s.posted, s.removed), (0, 0, 0, 0), "{}: {report:?}", account.name);
        assert_eq!(s.unchanged, account.transactions, "{}: {report:?}", account.name);
    }
    assert!(pending > 0, "the demo has pending rows, and they stay pending");
    assert_eq!(count(&engine), before);
    // Nothing but the saved column mappings changed.
    let mapping_changes = engine.accounts().unwrap().len() as i64;
    assert!(engine.change_count().unwrap() <= changes + mapping_changes);
}

#[test]
fn filters_are_those_of_the_list_and_paging_covers_every_row() {
    let (_dir, engine) = passphrase_vault();
    let account = engine
        .create_account(NewAccount { name: "Big".into(), kind: AccountKind::Checking, currency: Currency::EUR })
        .unwrap();
    // More than one page of 5,000, with many rows on the same day (the cursor breaks ties by id).
    let mut csv = String::from("Date,Description,Amount\n");
    for i in 0..12_345 {
        csv.push_str(&format!("2024-{:02}-{:02},Shop {i},-{}.{:02}\n", 1 + i % 12, 1 + i % 28, i / 100, i % 100));
    }
    let report = reimport(&engine, account, csv.as_bytes());
    assert_eq!(report.summary.added, 12_345);
    let (rows, bytes) = export(&engine, &TransactionQuery::default());
    assert_eq!(rows, 12_345);
    let (_, records) = cells(&bytes);
    let mut names: Vec<&str> = records.iter().map(|r| r[1].as_str()).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), 12_345, "no row twice, none missing");

    let march = TransactionQuery {
        since: NaiveDate::from_ymd_opt(2024, 3, 1),
        until: NaiveDate::from_ymd_opt(2024, 3, 31),
        search: Some("shop 1".into()),
        ..TransactionQuery::default()
    };
    let (rows, _) = export(&engine, &march);
    assert_eq!(rows, engine.transactions(&march).unwrap().len() as u64);
    assert!(rows > 0);
}

#[test]
fn spending_and_budgets_export_a_header_even_when_empty() {
    let (_dir, engine) = passphrase_vault();
    let mut out = Vec::new();
    engine.export_spending(&mut out).unwrap();
    assert!(String::from_utf8(out).unwrap().starts_with("Month,Category,Currency,Amount,Transactions\r\n"));
    let mut out = Vec::new();
    assert_eq!(engine.export_budgets(&mut out).unwrap(), 0);
    assert_eq!(String::from_utf8(out).unwrap(), "Category,From month,Currency,Amount,Rollover\r\n");
}

/// The app's Settings export: the file the user picked holds what the stream export writes,
/// readable by its owner only; a place that cannot be written gets an error that says what
/// to do and leaves the old file as it was.
#[test]
fn an_export_to_a_file_is_complete_private_or_not_there_at_all() {
    use spearmint_engine::ExportKind;
    let (dir, engine) = passphrase_vault();
    let account = tricky_account(&engine);
    assert!(count(&engine) > 0);
    let path = dir.path().join("spearmint-transactions.csv");
    std::fs::write(&path, "the user's old file").unwrap();

    let done = engine.export_to_file(ExportKind::Transactions, &path).unwrap();
    let (rows, streamed) = export(&engine, &TransactionQuery::default());
    assert_eq!((done.rows, done.file.as_str()), (rows, path.to_str().unwrap()));
    assert_eq!(std::fs::read(&path).unwrap(), streamed);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    }
    assert_eq!(reimport(&engine, account, &std::fs::read(&path).unwrap()).summary.added, 0);

    let missing = dir.path().join("no such folder").join("spending.csv");
    let err = engine.export_to_file(ExportKind::Spending, &missing).unwrap_err();
    assert_eq!(err.kind(), spearmint_engine::ErrorKind::Storage);
    assert!(err.message().contains("choose another folder"), "{}", err.message());
    assert!(!missing.exists());
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".spearmint-export"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}
