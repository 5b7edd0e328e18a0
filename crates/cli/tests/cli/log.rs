//! The vault and the batch job's log format: `export log` writes a vault's transactions as the
//! seed's log, `import --log-user` reads one person's lines back, and `batch spending
//! --categorize builtin` categorizes real bank descriptors as the app does. Real processes, real
//! passphrase vaults, the demo bank.

use std::collections::BTreeMap;
use std::process::Command;
use std::str::FromStr as _;

use rust_decimal::Decimal;
use serde_json::Value;

use crate::common::{demo_vault, fails, listed, new_account, ok, ok_json, passphrase_vault, sm};

fn batch(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_spearmint"));
    cmd.arg("batch").args(args).env_remove("SPEARMINT_DATA_DIR");
    cmd
}

/// (date, descriptor, amount) of listed transactions, as a multiset.
fn rows(list: &[Value]) -> BTreeMap<(String, String, String), u32> {
    let mut out = BTreeMap::new();
    for t in list {
        let key = (
            t["postedOn"].as_str().unwrap().to_owned(),
            t["seller"].as_str().unwrap().to_owned(),
            t["amount"]["amount"].as_str().unwrap().to_owned(),
        );
        *out.entry(key).or_insert(0) += 1;
    }
    out
}

#[test]
fn a_vaults_transactions_go_through_the_log_and_come_back_unchanged() {
    let demo = demo_vault();
    let all = listed(demo.path(), &["--limit", "100000"]);
    assert!(all.len() > 50, "the demo has a few months of transactions");
    let log = demo.path().join("demo.log");
    let said = ok(&mut sm(demo.path(), &["export", "log", "--user", "alice", "--out", log.to_str().unwrap()]));
    assert!(String::from_utf8_lossy(&said.stdout).contains(&format!("exported {} transactions", all.len())));
    let text = std::fs::read_to_string(&log).unwrap();
    assert_eq!(text.lines().count(), all.len());
    for line in text.lines() {
        let fields: Vec<&str> = line.split('\t').collect();
        assert_eq!(fields.len(), 4, "{line}");
        assert_eq!(fields[0], "alice");
        assert!(fields[1].ends_with("T00:00:00Z") && fields[1].len() == 20, "{line}");
    }
    // Without --user the lines carry the vault's id.
    let by_id = ok(&mut sm(demo.path(), &["export", "log", "--out", "-"]));
    let first = String::from_utf8(by_id.stdout).unwrap();
    let id = first.lines().next().unwrap().split('\t').next().unwrap().to_owned();
    assert!(id.len() >= 16 && id != "alice", "{id}");

    // Money spent is positive in the log, and the batch job sums exactly what the vault holds.
    let spent: Decimal = all.iter().map(|t| -Decimal::from_str(t["amount"]["amount"].as_str().unwrap()).unwrap()).sum();
    let sellers = demo.path().join("empty-sellers.tsv");
    std::fs::write(&sellers, "").unwrap();
    let out = ok(&mut batch(&[
        "spending",
        "--log",
        log.to_str().unwrap(),
        "--sellers",
        sellers.to_str().unwrap(),
        "--categorize",
        "builtin",
        "--out",
        "-",
    ]));
    let result = String::from_utf8(out.stdout).unwrap();
    let total: Decimal = result.lines().map(|l| Decimal::from_str(l.rsplit('\t').next().unwrap()).unwrap()).sum();
    assert_eq!(total, spent);
    assert!(result.lines().all(|l| l.starts_with("alice\t")));

    // Imported into another vault for alice: the same rows; again: nothing new.
    let other = passphrase_vault();
    let account = new_account(other.path(), "Alice's card");
    let import = |extra: &[&str]| {
        let mut args = vec!["import", log.to_str().unwrap(), "--account", &account];
        args.extend_from_slice(extra);
        ok_json(other.path(), &args)
    };
    let first = import(&["--log-user", "alice"]);
    assert_eq!(first["format"], "log");
    assert_eq!(first["summary"]["added"], all.len());
    assert_eq!(rows(&listed(other.path(), &["--limit", "100000"])), rows(&all));
    let again = import(&["--log-user", "alice"]);
    assert_eq!(again["summary"]["added"], 0, "{again}");

    // A log is never imported on a guess of whose it is, and an absent user is named.
    let mut guess = sm(other.path(), &["import", log.to_str().unwrap(), "--account", &account, "--json"]);
    let refused = fails(&guess.output().unwrap(), 9, "Invalid");
    assert!(refused.contains("transaction log") && refused.contains("alice"), "{refused}");
    let mut absent =
        sm(other.path(), &["import", log.to_str().unwrap(), "--account", &account, "--log-user", "bob", "--json"]);
    let absent = absent.output().unwrap();
    assert!(!absent.status.success());
    assert!(String::from_utf8_lossy(&absent.stdout).contains("no transaction of user `bob`"), "{absent:?}");
    let hint = sm(other.path(), &["import", log.to_str().unwrap(), "--account", &account]).output().unwrap();
    assert!(String::from_utf8_lossy(&hint.stderr).contains("--log-user"), "{hint:?}");
}

/// Real card descriptors, as banks print them, that no seller map holds: `--categorize builtin`
/// gives each the category the app's own categorizer gives it (`spearmint categorize`).
#[test]
fn builtin_categorizes_real_descriptors_as_the_app_does() {
    let descriptors = [
        ("CHECKCARD 1202 SAFEWAY #1205 OAKLAND CA", "54.20"),
        ("MCDONALD'S #112", "8.45"),
        ("TST* BIDA MANDA 0000RALEIGH NC", "61.30"),
        ("SIR WALTER COFFEE -CRALEIGH NC", "4.75"),
        ("SHELL OIL 57444212500", "38.10"),
        ("NETFLIX.COM 866-579-7172 CA", "15.49"),
        ("POS DEBIT 004821", "12.00"),
    ];
    let vault = passphrase_vault();
    let dir = vault.path();
    let mut log = String::new();
    for (i, (d, amount)) in descriptors.iter().enumerate() {
        log.push_str(&format!("u{i}\t2024-03-0{}T12:00:00Z\t{d}\t{amount}\n", i + 1));
    }
    std::fs::write(dir.join("real.log"), &log).unwrap();
    std::fs::write(dir.join("none.tsv"), "").unwrap();
    let out = ok(&mut batch(&[
        "spending",
        "--log",
        dir.join("real.log").to_str().unwrap(),
        "--sellers",
        dir.join("none.tsv").to_str().unwrap(),
        "--categorize",
        "builtin",
        "--out",
        "-",
    ]));
    let result = String::from_utf8(out.stdout).unwrap();
    let by_user: BTreeMap<&str, &str> =
        result.lines().map(|l| l.split('\t').collect::<Vec<_>>()).map(|f| (f[0], f[2])).collect();
    let mut categorized = 0;
    for (i, (d, amount)) in descriptors.iter().enumerate() {
        let app = ok_json(dir, &["categorize", d, "--amount", &format!("-{amount}")]);
        let expected = app["category"].as_str().unwrap();
        assert_eq!(by_user[format!("u{i}").as_str()], expected, "{d}: the app says {app}");
        categorized += usize::from(expected != "UNCATEGORIZED");
    }
    // The brands and the local shops the lexicon knows are categorized; the bare POS line is not.
    assert_eq!(by_user["u0"], "FOOD_GROCERIES");
    assert_eq!(by_user["u6"], "UNCATEGORIZED");
    assert!(categorized >= 5, "{result}");
    // Without builtin, only the map counts: all of them are uncategorized.
    let plain = ok(&mut batch(&[
        "spending",
        "--log",
        dir.join("real.log").to_str().unwrap(),
        "--sellers",
        dir.join("none.tsv").to_str().unwrap(),
        "--out",
        "-",
    ]));
    assert!(String::from_utf8(plain.stdout).unwrap().lines().all(|l| l.contains("\tUNCATEGORIZED\t")));
}
