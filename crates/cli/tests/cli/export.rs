//! `spearmint export` as a user or a script drives it: a real process, a real passphrase vault
//! on disk (no keychain needed).

use tempfile::TempDir;

use crate::common::{ok, passphrase_vault, sm};

const HEADER: &str = "Date,Description,Amount,Currency,Account,Memo,Pending,Transaction ID,Category\r\n";

/// A passphrase vault with one account holding the rows of a small bank CSV.
fn vault_with_rows() -> TempDir {
    let vault = passphrase_vault();
    let dir = vault.path();
    let out = ok(&mut sm(dir, &["accounts", "add", "Checking"]));
    let account = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    let file = dir.join("bank.csv");
    std::fs::write(
        &file,
        "Date,Description,Amount\n2024-05-01,=cmd|' /C calc'!A0,-12.50\n2024-05-02,\"Payroll, ACME\",2500.00\n2024-04-03,Coffee,-3.75\n",
    )
    .unwrap();
    ok(&mut sm(dir, &["import", file.to_str().unwrap(), "--account", &account]));
    vault
}

#[test]
fn export_transactions_writes_a_csv_file_and_says_how_many_rows() {
    let dir = vault_with_rows();
    let target = dir.path().join("out").join("transactions.csv");
    std::fs::create_dir(target.parent().unwrap()).unwrap();
    std::fs::write(&target, "an older export").unwrap();

    let out = ok(&mut sm(dir.path(), &["export", "transactions", "--out", target.to_str().unwrap()]));
    assert!(String::from_utf8_lossy(&out.stdout).contains("exported 3 transactions"), "{out:?}");
    let text = std::fs::read_to_string(&target).unwrap();
    assert!(text.starts_with(HEADER), "{text}");
    assert_eq!(text.lines().count(), 4);
    assert!(text.contains("2024-05-01,'=cmd|' /C calc'!A0,-12.50,USD,Checking,,false,hash:"), "{text}");
    assert!(text.contains("\"Payroll, ACME\",2500.00"), "{text}");
    // Only the file remains in its folder: the temporary one was renamed over it.
    assert_eq!(std::fs::read_dir(target.parent().unwrap()).unwrap().count(), 1);
    // The vault's data in plain text: readable and writable by this user alone, whatever the
    // umask and whatever the file it replaced allowed.
    use std::os::unix::fs::PermissionsExt as _;
    let mode = std::fs::metadata(&target).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "{mode:o}");

    // The filters are those of `transactions`.
    let out = ok(&mut sm(dir.path(), &["export", "transactions", "--out", "-", "--since", "2024-05-01", "--json"]));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with(HEADER), "{text}");
    assert_eq!(text.lines().count(), 3, "{text}");
    assert!(!text.contains("Coffee"));
    let summary: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(summary["rows"], 2);
}

#[test]
fn export_spending_and_budgets_write_a_header_to_standard_output() {
    let dir = vault_with_rows();
    let out = ok(&mut sm(dir.path(), &["export", "spending", "--out", "-"]));
    assert!(String::from_utf8(out.stdout).unwrap().starts_with("Month,Category,Currency,Amount,Transactions\r\n"));
    let out = ok(&mut sm(dir.path(), &["export", "budgets", "--out", "-"]));
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "Category,From month,Currency,Amount,Rollover\r\n");
    assert!(String::from_utf8_lossy(&out.stderr).contains("exported 0 budgets"));

    let refused = sm(dir.path(), &["export", "budgets", "--out", "-", "--since", "2024-01-01"]).output().unwrap();
    assert_eq!(refused.status.code(), Some(9), "an Invalid request");
}
