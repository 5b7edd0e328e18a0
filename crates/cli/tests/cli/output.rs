//! What the main commands print for a person (not `--json`), as snapshots of the real binary's
//! output on a household's October 2026: a checking account filled from a bank CSV and a credit
//! card from an OFX statement, both written here with fixed dates, so no snapshot follows
//! today's date. What changes from run to run (the data folder, ids) is redacted.
//! `UPDATE_EXPECT=1` rewrites a snapshot; read the diff before keeping it.

use std::path::Path;

use expect_test::{Expect, expect};
use tempfile::TempDir;

use crate::common::{ok, passphrase_vault, sm};

const CHECKING_CSV: &str = "Date,Description,Amount\n\
    2026-10-01,PAYROLL ACME CORP DIR DEP,2450.00\n\
    2026-10-02,SAFEWAY #1234 OAKLAND CA,-84.17\n\
    2026-10-05,NETFLIX.COM 866-579-7172 CA,-15.49\n\
    2026-10-09,SHELL OIL 57442 OAKLAND CA,-48.20\n\
    2026-10-15,PAYROLL ACME CORP DIR DEP,2450.00\n\
    2026-10-16,SAFEWAY #1234 OAKLAND CA,-112.40\n\
    2026-10-20,PG&E WEB ONLINE PAYMENT,-96.33\n\
    2026-10-28,SQ *BLUE BOTTLE COFFEE 0423 OAKLAND CA,-5.75\n";

const CARD_OFX: &str = "OFXHEADER:100\r\nDATA:OFXSGML\r\nVERSION:102\r\nSECURITY:NONE\r\nENCODING:USASCII\r\n\
    CHARSET:1252\r\nCOMPRESSION:NONE\r\nOLDFILEUID:NONE\r\nNEWFILEUID:NONE\r\n\r\n\
    <OFX><SIGNONMSGSRSV1><SONRS><STATUS><CODE>0<SEVERITY>INFO</STATUS><DTSERVER>20261101\
    <LANGUAGE>ENG<FI><ORG>Bay Card<FID>4242</FI></SONRS></SIGNONMSGSRSV1>\
    <CREDITCARDMSGSRSV1><CCSTMTTRNRS><TRNUID>1<STATUS><CODE>0<SEVERITY>INFO</STATUS><CCSTMTRS>\
    <CURDEF>USD<CCACCTFROM><ACCTID>4111000011112222</CCACCTFROM><BANKTRANLIST>\
    <DTSTART>20261001<DTEND>20261031\n\
    <STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20261004<TRNAMT>-62.10<FITID>C1001<NAME>TRADER JOE S #123</STMTTRN>\n\
    <STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20261011<TRNAMT>-23.99<FITID>C1002<NAME>AMAZON MKTPL*2K4LP0</STMTTRN>\n\
    <STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20261018<TRNAMT>-41.50<FITID>C1003<NAME>LYFT *RIDE SUN 4PM</STMTTRN>\n\
    <STMTTRN><TRNTYPE>CREDIT<DTPOSTED>20261025<TRNAMT>150.00<FITID>C1004<NAME>PAYMENT THANK YOU</STMTTRN>\n\
    </BANKTRANLIST><LEDGERBAL><BALAMT>-412.55<DTASOF>20261031</LEDGERBAL></CCSTMTRS></CCSTMTTRNRS>\
    </CREDITCARDMSGSRSV1></OFX>\n";

/// A passphrase vault holding the household's October: a rule the user added, the checking
/// account's CSV, the card's OFX statement and a budget override for food.
fn household() -> TempDir {
    let dir = passphrase_vault();
    let data = dir.path();
    printed(
        data,
        &["rules", "add", "--payee-contains", "netflix", "--category", "ENTERTAINMENT", "--rename", "Netflix"],
    );
    let account = printed(data, &["accounts", "add", "Joint Checking"]).trim().to_owned();
    let (csv, ofx) = (data.join("checking.csv"), data.join("card.ofx"));
    std::fs::write(&csv, CHECKING_CSV).unwrap();
    std::fs::write(&ofx, CARD_OFX).unwrap();
    printed(data, &["import", csv.to_str().unwrap(), "--account", &account]);
    printed(data, &["import", ofx.to_str().unwrap()]);
    printed(data, &["budget", "set", "FOOD", "400", "--from", "2026-10"]);
    dir
}

/// What `spearmint ARGS` printed on standard output, after checking that it succeeded.
fn printed(data_dir: &Path, args: &[&str]) -> String {
    String::from_utf8(ok(&mut sm(data_dir, args)).stdout).unwrap()
}

/// Checks what `spearmint ARGS` printed against `expect`, with the data folder and the ids
/// (which change on every run) redacted.
fn check(data_dir: &Path, args: &[&str], expect: Expect) {
    expect.assert_eq(&redact(&printed(data_dir, args), data_dir));
}

/// The data folder shown as `$DATA_DIR` and every UUID as `<id N>`, numbered in order of first
/// appearance, so the same id still reads as the same.
fn redact(text: &str, data_dir: &Path) -> String {
    let text = text.replace(data_dir.to_str().unwrap(), "$DATA_DIR");
    let mut seen: Vec<String> = Vec::new();
    let mut out = String::new();
    let mut rest = text.as_str();
    while !rest.is_empty() {
        if let Some(id) = rest.get(..36).filter(|s| is_uuid(s)) {
            let n = match seen.iter().position(|s| s == id) {
                Some(n) => n,
                None => {
                    seen.push(id.to_owned());
                    seen.len() - 1
                }
            };
            out.push_str(&format!("<id {}>", n + 1));
            rest = &rest[36..];
        } else {
            let c = rest.chars().next().unwrap();
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

#[test]
fn redacting_names_each_id_once_and_hides_the_data_folder() {
    let text = "/tmp/x/vault.db 0c6f1b8e-2d1a-4a5e-9a51-7f6d8a0e9b21 then 5b0e3c1a-8f3e-4c2b-9d7a-1e2f3a4b5c6d \
                and 0c6f1b8e-2d1a-4a5e-9a51-7f6d8a0e9b21 but not 0c6f1b8e-2d1a-4a5e\n";
    expect![[r#"
        $DATA_DIR/vault.db <id 1> then <id 2> and <id 1> but not 0c6f1b8e-2d1a-4a5e
    "#]]
    .assert_eq(&redact(text, Path::new("/tmp/x")));
}

#[test]
fn accounts_list_each_account_with_its_kind_balance_and_count() {
    let dir = household();
    check(
        dir.path(),
        &["accounts"],
        expect![[r#"
        <id 1>  Joint Checking               checking                    -  8 transactions
        <id 2>  Credit card ····2222         credit_card       -412.55 USD  4 transactions
    "#]],
    );
}

#[test]
fn transactions_list_newest_first_with_amount_payee_and_category() {
    let dir = household();
    check(
        dir.path(),
        &["transactions"],
        expect![[r#"
        2026-10-28         -5.75 USD  SQ *BLUE BOTTLE COFFEE 0423 OAKLAND CA       FOOD_COFFEE
        2026-10-25        150.00 USD  PAYMENT THANK YOU                            TRANSFER_CREDIT_CARD
        2026-10-20        -96.33 USD  PG&E WEB ONLINE PAYMENT                      UTILITIES_POWER
        2026-10-18        -41.50 USD  LYFT *RIDE SUN 4PM                           AUTO_RIDESHARE
        2026-10-16       -112.40 USD  SAFEWAY #1234 OAKLAND CA                     FOOD_GROCERIES
        2026-10-15       2450.00 USD  PAYROLL ACME CORP DIR DEP                    INCOME_PAYCHECK
        2026-10-11        -23.99 USD  AMAZON MKTPL*2K4LP0                          SHOPPING
        2026-10-09        -48.20 USD  SHELL OIL 57442 OAKLAND CA                   GAS
        2026-10-05        -15.49 USD  Netflix                                      ENTERTAINMENT
        2026-10-04        -62.10 USD  TRADER JOE S #123                            FOOD_GROCERIES
        2026-10-02        -84.17 USD  SAFEWAY #1234 OAKLAND CA                     FOOD_GROCERIES
        2026-10-01       2450.00 USD  PAYROLL ACME CORP DIR DEP                    INCOME_PAYCHECK
    "#]],
    );
    check(
        dir.path(),
        &["transactions", "--search", "safeway", "--limit", "1"],
        expect![[r#"
        2026-10-16       -112.40 USD  SAFEWAY #1234 OAKLAND CA                     FOOD_GROCERIES
    "#]],
    );
}

#[test]
fn spending_shows_a_months_categories_and_top_sellers() {
    let dir = household();
    check(
        dir.path(),
        &["spending", "--month", "2026-10", "--top-sellers", "3"],
        expect![[r#"
            2026-10: spent 489.93 USD, income 4900.00 USD
              Groceries                           -258.67 USD  (3 transactions)
              Electricity, Gas & Water             -96.33 USD  (1 transaction)
              Gas & Fuel                           -48.20 USD  (1 transaction)
              Rideshare & Taxi                     -41.50 USD  (1 transaction)
              Shopping                             -23.99 USD  (1 transaction)
              Entertainment                        -15.49 USD  (1 transaction)
              Coffee Shops                          -5.75 USD  (1 transaction)
              Credit Card Payment                  150.00 USD  (1 transaction)
              Paycheck                            4900.00 USD  (2 transactions)
            top sellers:
              safeway                                  196.57 USD  (2 transactions)
              pg&e web online payment                   96.33 USD  (1 transaction)
              trader joes                               62.10 USD  (1 transaction)
        "#]],
    );
    check(
        dir.path(),
        &["spending", "--month", "2026-11", "--months", "3"],
        expect![[r#"
        2026-09: spent 0, income 0
        2026-10: spent 489.93 USD, income 4900.00 USD
        2026-11: spent 0, income 0
    "#]],
    );
}

#[test]
fn budget_show_puts_spending_against_the_budget_and_says_where_it_comes_from() {
    let dir = household();
    check(
        dir.path(),
        &["budget", "show", "--month", "2026-10"],
        expect![[r#"
        2026-10: fitted to a monthly income of 4900.00 USD (0 complete months of history, so the income-tier template)
          Housing                       1700.00 USD spent     0.00 USD left  1700.00 USD  (recommended)
          Shopping                       980.00 USD spent    23.99 USD left   956.01 USD  (recommended)
          Gas & Fuel                     490.00 USD spent    48.20 USD left   441.80 USD  (recommended)
          Bills & Utilities              490.00 USD spent    96.33 USD left   393.67 USD  (recommended)
          Food & Dining                  400.00 USD spent   264.42 USD left   135.58 USD  (override)
    "#]],
    );
}

#[test]
fn rules_and_categorize_say_what_decides_a_category() {
    let dir = household();
    check(
        dir.path(),
        &["rules", "list"],
        expect![[r#"
        <id 1>  user     [{"payee_contains":"netflix"}] -> {"category":"ENTERTAINMENT","rename":"Netflix"}
    "#]],
    );
    check(
        dir.path(),
        &["categorize", "NETFLIX.COM 866-579-7172 CA"],
        expect![[r#"
        ENTERTAINMENT  (from rule; seller "netflix")
    "#]],
    );
    check(
        dir.path(),
        &["categorize", "SQ *BLUE BOTTLE COFFEE 0423 OAKLAND CA"],
        expect![[r#"
        FOOD_COFFEE  (from dictionary; seller "blue bottle coffee")
    "#]],
    );
    check(
        dir.path(),
        &["categorize", "ZEPHYR ATELIER 0099", "--amount", "-9.00"],
        expect![[r#"
        UNCATEGORIZED  (from default; seller "zephyr atelier")
    "#]],
    );
}

#[test]
fn categorize_says_why_and_reads_many_lines_from_standard_input() {
    let dir = household();
    check(
        dir.path(),
        &["categorize", "SIR WALTER COFFEE -CRALEIGH NC"],
        expect![[r#"
        FOOD_COFFEE  (from lexicon; seller "sir walter coffee craleigh")
        why: "coffee" in the name
    "#]],
    );
    let out = crate::common::run(
        &mut sm(dir.path(), &["categorize", "-"]),
        "RALEIGH TIMES BAR\t-18.00\nPAYROLL ACME CORP DIR DEP\t2450.00\nNETFLIX.COM 866-579-7172 CA\n",
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<serde_json::Value> =
        String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let got: Vec<(&str, &str)> =
        lines.iter().map(|l| (l["category"].as_str().unwrap(), l["source"].as_str().unwrap())).collect();
    assert_eq!(got, [("FOOD_RESTAURANTS", "lexicon"), ("INCOME_PAYCHECK", "dictionary"), ("ENTERTAINMENT", "rule")]);
    assert_eq!(lines[0]["words"], serde_json::json!(["bar"]));
    assert_eq!(lines[0]["reason"], "\"bar\" in the name");
    // A line that is not `descriptor<TAB>amount` is named by its number; nothing else is printed.
    let bad =
        crate::common::run(&mut sm(dir.path(), &["categorize", "-", "--json"]), "RALEIGH TIMES BAR\t-18.00\nX\tlots\n");
    let message = crate::common::fails(&bad, 9, "Invalid");
    assert!(message.contains("line 2"), "{message}");
}

#[test]
fn status_shows_the_vault_its_key_and_its_rows() {
    let dir = household();
    check(
        dir.path(),
        &["status"],
        expect![[r#"
        profile      default
        vault        $DATA_DIR/profiles/default/vault.db
        state        unlocked
        encryption   encrypted (SQLCipher, AES-256)
        key          derived from your passphrase (Argon2id); not stored anywhere
        schema       20 (this Spearmint knows up to 20)
        rows         accounts 2, transactions 12, categories 48, rules 1, budget_overrides 1, monthly_spending 9, jobs 0, notifications 0, raw_payloads 2, changes 9
    "#]],
    );
}

#[test]
fn import_says_what_it_added_and_a_dry_run_what_it_would() {
    let dir = passphrase_vault();
    let data = dir.path();
    let account = printed(data, &["accounts", "add", "Joint Checking"]).trim().to_owned();
    let file = data.join("checking.csv");
    std::fs::write(&file, CHECKING_CSV).unwrap();
    let file = file.to_str().unwrap();
    check(
        data,
        &["import", file, "--account", &account, "--dry-run"],
        expect![[r#"
        dry run of a csv file with 8 transactions: nothing was changed
        column mapping: {"delimiter":44,"has_header":true,"skip_rows":0,"date_column":0,"date_format":"%Y-%m-%d","amount":{"kind":"signed","column":2,"negate":false},"payee_column":1,"memo_column":null,"id_column":null,"decimal_mark":"point","currency":"USD"}
          2026-10-01       2450.00  PAYROLL ACME CORP DIR DEP
          2026-10-02        -84.17  SAFEWAY #1234 OAKLAND CA
          2026-10-05        -15.49  NETFLIX.COM 866-579-7172 CA
          2026-10-09        -48.20  SHELL OIL 57442 OAKLAND CA
          2026-10-15       2450.00  PAYROLL ACME CORP DIR DEP
          2026-10-16       -112.40  SAFEWAY #1234 OAKLAND CA
          2026-10-20        -96.33  PG&E WEB ONLINE PAYMENT
          2026-10-28         -5.75  SQ *BLUE BOTTLE COFFEE 0423 OAKLAND CA
        would add 8, update 0, leave 0 unchanged
    "#]],
    );
    check(
        data,
        &["import", file, "--account", &account],
        expect![[r#"
        imported a csv file: 8 new, 0 updated, 0 already there
    "#]],
    );
    check(
        data,
        &["import", file, "--account", &account],
        expect![[r#"
        imported a csv file: 0 new, 0 updated, 8 already there
    "#]],
    );
}
