//! `spearmint import` of bank files the tests write: a dry run changes nothing, a mapping reads
//! what the sniffer cannot, and the account remembers it.

use serde_json::Value;

use crate::common::{counts, fails, listed, new_account, ok, ok_json, passphrase_vault, run, sm, sorted, text};

const PLAIN_CSV: &str = "Date,Description,Amount\n\
    2026-10-01,PAYROLL ACME CORP DIR DEP,2450.00\n\
    2026-10-02,SAFEWAY #1234 OAKLAND CA,-84.17\n\
    2026-10-05,NETFLIX.COM 866-579-7172 CA,-15.49\n\
    2026-10-09,SHELL OIL 57442 OAKLAND CA,-48.20\n";

/// An Indian bank's export: day-month-year run together, which no sniffer can tell from a number.
const COMPACT_DATES_1: &str = "Value Date,Particulars,Amount\n\
    03112026,NEFT CR ACME PAYROLL,5200.00\n\
    05112026,UPI SWIGGY ORDER 4411,-41.25\n\
    12112026,ATM WDL CONNAUGHT PLACE,-200.00\n";
const COMPACT_DATES_2: &str = "Value Date,Particulars,Amount\n\
    19112026,UPI ZOMATO ORDER 8812,-23.10\n\
    28112026,NEFT CR ACME PAYROLL,5200.00\n";
const COMPACT_MAPPING: &str = r#"{"delimiter":44,"has_header":true,"skip_rows":0,"date_column":0,"date_format":"%d%m%Y",
    "amount":{"kind":"signed","column":2,"negate":false},"payee_column":1,"memo_column":null,"id_column":null,
    "decimal_mark":"point","currency":"USD"}"#;

/// (date, payee, amount) rows of a CSV test file, read by hand; `date` turns its date cell into
/// ISO form.
fn csv_rows(csv: &str, date: impl Fn(&str) -> String) -> Vec<(String, String, String)> {
    csv.lines()
        .skip(1)
        .map(|l| {
            let cells: Vec<&str> = l.trim().split(',').collect();
            (date(cells[0]), cells[1].to_owned(), cells[2].to_owned())
        })
        .collect()
}

fn compact_date(cell: &str) -> String {
    format!("{}-{}-{}", &cell[4..8], &cell[2..4], &cell[0..2])
}

fn rows_of(list: &[Value]) -> Vec<(String, String, String)> {
    let mut rows: Vec<_> =
        list.iter().map(|t| (text(t, "postedOn"), text(t, "seller"), text(&t["amount"], "amount"))).collect();
    rows.sort();
    rows
}

#[test]
fn import_dry_run_previews_without_changing_the_vault() {
    let dir = passphrase_vault();
    let account = new_account(dir.path(), "Joint Checking");
    let file = dir.path().join("checking-october.csv");
    std::fs::write(&file, PLAIN_CSV).unwrap();
    let file = file.to_str().unwrap();
    let expected = csv_rows(PLAIN_CSV, str::to_owned);
    let before = counts(dir.path());

    let report = ok_json(dir.path(), &["import", file, "--account", &account, "--dry-run"]);
    assert_eq!(report["dryRun"], true);
    assert_eq!(report["format"], "csv");
    assert_eq!(report["transactions"].as_u64(), Some(expected.len() as u64));
    assert_eq!(report["summary"]["added"].as_u64(), Some(expected.len() as u64), "{report}");
    let preview: Vec<_> = report["preview"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (text(r, "postedOn"), text(r, "payee"), text(&r["amount"], "amount")))
        .collect();
    assert_eq!(sorted(preview), sorted(expected.clone()));
    // The same preview for a person.
    let plain =
        String::from_utf8(ok(&mut sm(dir.path(), &["import", file, "--account", &account, "--dry-run"])).stdout)
            .unwrap();
    assert!(plain.contains("dry run") && plain.contains("nothing was changed"), "{plain}");
    for (date, payee, amount) in &expected {
        assert!(plain.lines().any(|l| l.contains(date) && l.contains(payee) && l.contains(amount)), "{payee}: {plain}");
    }
    assert_eq!(counts(dir.path()), before, "a dry run writes nothing: no rows, no raw file, no change log");
    assert!(listed(dir.path(), &[]).is_empty());

    let report = ok_json(dir.path(), &["import", file, "--account", &account]);
    assert_eq!(report["summary"]["added"].as_u64(), Some(expected.len() as u64));
    assert_eq!(rows_of(&listed(dir.path(), &["--account", &account])), sorted(expected.clone()));
    let report = ok_json(dir.path(), &["import", file, "--account", &account]);
    assert_eq!(report["summary"]["added"].as_u64(), Some(0), "importing again adds nothing");
    assert_eq!(listed(dir.path(), &[]).len(), expected.len());
}

#[test]
fn import_with_a_mapping_reads_what_the_sniffer_cannot_and_the_account_remembers_it() {
    let dir = passphrase_vault();
    let account = new_account(dir.path(), "Savings at Indus");
    let write = |name: &str, body: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, body).unwrap();
        path.to_str().unwrap().to_owned()
    };
    let (first, second) = (write("statement-1.csv", COMPACT_DATES_1), write("statement-2.csv", COMPACT_DATES_2));
    let mapping_file = format!("@{}", write("mapping.json", COMPACT_MAPPING));

    // Alone, the file cannot be read: nothing in it looks like a date. (Its bytes are kept, as
    // every file's are, and no transaction.)
    let out = run(&mut sm(dir.path(), &["import", &first, "--account", &account, "--json"]), "");
    let message = fails(&out, 9, "Invalid");
    assert!(message.contains("statement-1.csv") && message.contains("no column of dates"), "{message}");
    assert!(listed(dir.path(), &[]).is_empty());
    let before = counts(dir.path());
    // A dry run with the mapping shows the rows, and saves nothing (not even the mapping).
    let report =
        ok_json(dir.path(), &["import", &first, "--account", &account, "--mapping", COMPACT_MAPPING, "--dry-run"]);
    assert_eq!(report["summary"]["added"].as_u64(), Some(3));
    assert_eq!(counts(dir.path()), before);
    let out = run(&mut sm(dir.path(), &["import", &first, "--account", &account, "--json"]), "");
    fails(&out, 9, "Invalid");

    // With the mapping (from a file), it imports, dates read day first.
    let report = ok_json(dir.path(), &["import", &first, "--account", &account, "--mapping", &mapping_file]);
    assert_eq!(report["summary"]["added"].as_u64(), Some(3), "{report}");
    assert_eq!(report["mapping"]["date_format"], "%d%m%Y");
    let expected_first = csv_rows(COMPACT_DATES_1, compact_date);
    assert_eq!(rows_of(&listed(dir.path(), &["--account", &account])), sorted(expected_first.clone()));

    // The next statement for that account needs no mapping: the saved one is used.
    let report = ok_json(dir.path(), &["import", &second, "--account", &account]);
    assert_eq!(report["summary"]["added"].as_u64(), Some(2), "{report}");
    let mut expected = expected_first;
    expected.extend(csv_rows(COMPACT_DATES_2, compact_date));
    assert_eq!(rows_of(&listed(dir.path(), &["--account", &account])), sorted(expected));
    // Another account has no mapping saved: the same file fails there.
    let other = new_account(dir.path(), "Another Account");
    let out = run(&mut sm(dir.path(), &["import", &second, "--account", &other, "--json"]), "");
    fails(&out, 9, "Invalid");
    // A mapping that is not JSON is refused before anything is read.
    let out =
        run(&mut sm(dir.path(), &["import", &second, "--account", &other, "--mapping", "{date: 0}", "--json"]), "");
    assert!(fails(&out, 9, "Invalid").contains("mapping"));
}

/// A file far larger than any statement is refused by its size, before it is read: the file
/// here is sparse, so it takes no disk, and reading it would take seconds and its size in memory.
#[test]
fn a_file_too_large_to_be_a_statement_is_refused_unread() {
    let dir = passphrase_vault();
    let account = new_account(dir.path(), "Joint Checking");
    let big = dir.path().join("everything.csv");
    let file = std::fs::File::create(&big).unwrap();
    file.set_len(300 * 1024 * 1024).unwrap();
    let before = counts(dir.path());
    let out = run(&mut sm(dir.path(), &["import", big.to_str().unwrap(), "--account", &account, "--json"]), "");
    let message = fails(&out, 9, "Invalid");
    assert!(message.contains("too large to be a bank's statement"), "{message}");
    assert!(message.contains("everything.csv") && message.contains("shorter period"), "{message}");
    assert_eq!(counts(dir.path()), before, "nothing is imported or kept");
}
