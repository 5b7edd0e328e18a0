//! Focused checks, one small input each, rendered as text and compared with what a person
//! expects (`UPDATE_EXPECT=1 cargo test` rewrites a snapshot; read the diff before keeping it).

use expect_test::{Expect, expect};
use spearmint_formats::csv::{self, CsvMapping};
use spearmint_formats::qif::{self, DateOrder};
use spearmint_formats::{
    Currency, Format, FormatError, FormatErrorKind, ImportOptions, Statement, camt053, detect, ofx, simplefin,
};

use crate::common::{self, data, fixture};

fn show(result: Result<Statement, FormatError>) -> String {
    let statement = match result {
        Ok(s) => s,
        Err(e) => return format!("error {:?}: {}\n", e.kind, e.message),
    };
    let mut out = String::new();
    for a in &statement.accounts {
        out.push_str(&format!("account {:?} {} {}", a.provider_account_id, a.kind.as_str(), a.currency));
        if let Some(name) = &a.name {
            out.push_str(&format!(" name {name:?}"));
        }
        if let Some(institution) = &a.institution {
            out.push_str(&format!(" at {institution:?}"));
        }
        if let Some(balance) = a.balance {
            out.push_str(&format!(" balance {} on {:?}", balance.to_plain_string(), a.balance_on));
        }
        out.push('\n');
        for t in &a.transactions {
            out.push_str(&format!("  {} {:>9} {:?}", t.posted_on, t.amount.to_plain_string(), t.payee));
            if let Some(memo) = &t.memo {
                out.push_str(&format!(" memo {memo:?}"));
            }
            if let Some(id) = &t.provider_id {
                out.push_str(&format!(" id {id}"));
            }
            if t.pending {
                out.push_str(" pending");
            }
            if let Some(mcc) = t.mcc {
                out.push_str(&format!(" mcc {mcc}"));
            }
            if let Some(check) = &t.check_number {
                out.push_str(&format!(" check {check}"));
            }
            if let Some(category) = &t.category_hint {
                out.push_str(&format!(" category {category:?}"));
            }
            out.push('\n');
            for s in &t.splits {
                out.push_str(&format!(
                    "    split {:>9} {:?} {:?}\n",
                    s.amount.to_plain_string(),
                    s.category_hint.as_deref().unwrap_or(""),
                    s.memo.as_deref().unwrap_or("")
                ));
            }
        }
    }
    for w in &statement.warnings {
        out.push_str(&format!("warning: {w}\n"));
    }
    out
}

fn check(actual: Result<Statement, FormatError>, expect: Expect) {
    expect.assert_eq(&show(actual));
}

fn ofx_sgml(transactions: &str) -> String {
    format!(
        "OFXHEADER:100\r\nDATA:OFXSGML\r\nVERSION:102\r\nSECURITY:NONE\r\nENCODING:USASCII\r\nCHARSET:1252\r\n\
         COMPRESSION:NONE\r\nOLDFILEUID:NONE\r\nNEWFILEUID:NONE\r\n\r\n<OFX><SIGNONMSGSRSV1><SONRS><STATUS><CODE>0\
         <SEVERITY>INFO</STATUS><DTSERVER>20230510<LANGUAGE>ENG<FI><ORG>Test Bank<FID>123</FI></SONRS>\
         </SIGNONMSGSRSV1><BANKMSGSRSV1><STMTTRNRS><TRNUID>1<STATUS><CODE>0<SEVERITY>INFO</STATUS><STMTRS>\
         <CURDEF>USD<BANKACCTFROM><BANKID>111<ACCTID>222<ACCTTYPE>CHECKING</BANKACCTFROM><BANKTRANLIST>\
         <DTSTART>20230501<DTEND>20230510\n{transactions}</BANKTRANLIST><LEDGERBAL><BALAMT>1,234.56\
         <DTASOF>20230510235959.000[-8:PST]</LEDGERBAL></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>\n"
    )
}

#[test]
fn ofx_dates_are_the_stated_date_whatever_the_zone() {
    let file = ofx_sgml(
        "<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20230509120000.000[-5:EST]<TRNAMT>-12.50<FITID>A1<NAME>LATE NIGHT  CAFE<MEMO>card 1234\n\
         </STMTTRN>\n\
         <STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20231231235959[+13:NZDT]<TRNAMT>-1,05<FITID>A2<NAME>Comma decimal</STMTTRN>\n\
         <STMTTRN><TRNTYPE>POS<DTPOSTED>20180804093914:014<TRNAMT>+3<FITID><NAME><MEMO>only a memo<SIC>5812</STMTTRN>\n\
         <STMTTRN><TRNTYPE>CHECK<DTUSER>20230102<TRNAMT>-100.00<FITID>A4<CHECKNUM>1001<PAYEE><NAME>Landlord<ADDR1>1 Main St</PAYEE></STMTTRN>\n",
    );
    check(
        ofx::parse(file.as_bytes()),
        expect![[r#"
            account "222" checking USD at "Test Bank" balance 1234.56 on Some(2023-05-10)
              2023-05-09    -12.50 "LATE NIGHT CAFE" memo "card 1234" id A1
              2023-12-31     -1.05 "Comma decimal" id A2
              2018-08-04      3.00 "only a memo" mcc 5812
              2023-01-02   -100.00 "Landlord" id A4 check 1001
        "#]],
    );
}

/// Some Brazilian banks write `1.234,56`: a comma for decimals, dots for thousands. Where one
/// amount (`-1.000`) could be read either way, the statement's others decide.
#[test]
fn ofx_amounts_with_a_decimal_comma_and_thousands_dots_read_as_stated() {
    let brazilian = ofx_sgml(
        "<STMTTRN><DTPOSTED>20230502<TRNAMT>1.234,56<FITID>B1<NAME>Salario</STMTTRN>\n\
         <STMTTRN><DTPOSTED>20230503<TRNAMT>-1.000,00<FITID>B2<NAME>Aluguel</STMTTRN>\n\
         <STMTTRN><DTPOSTED>20230504<TRNAMT>-1.000<FITID>B3<NAME>Mercado</STMTTRN>\n\
         <STMTTRN><DTPOSTED>20230505<TRNAMT>-12,90<FITID>B4<NAME>Padaria</STMTTRN>\n\
         <STMTTRN><DTPOSTED>20230506<TRNAMT>-1.234.567,89<FITID>B5<NAME>Carro</STMTTRN>\n",
    );
    check(
        ofx::parse(brazilian.as_bytes()),
        expect![[r#"
            account "222" checking USD at "Test Bank" balance 1234.56 on Some(2023-05-10)
              2023-05-02   1234.56 "Salario" id B1
              2023-05-03  -1000.00 "Aluguel" id B2
              2023-05-04  -1000.00 "Mercado" id B3
              2023-05-05    -12.90 "Padaria" id B4
              2023-05-06 -1234567.89 "Carro" id B5
        "#]],
    );
    // In a statement without such amounts, `1.000` keeps OFX's own reading: one.
    let plain = ofx_sgml("<STMTTRN><DTPOSTED>20230504<TRNAMT>-1.000<FITID>P1<NAME>Coffee</STMTTRN>\n");
    check(
        ofx::parse(plain.as_bytes()),
        expect![[r#"
            account "222" checking USD at "Test Bank" balance 1234.56 on Some(2023-05-10)
              2023-05-04     -1.00 "Coffee" id P1
        "#]],
    );
}

/// A message names an account by its last four characters only: messages reach logs, the
/// window and, through an account's status, notifications.
#[test]
fn messages_show_an_account_number_by_its_last_four() {
    let file =
        ofx_sgml("<STMTTRN><DTPOSTED>20230101<FITID>X1<NAME>a</STMTTRN>").replace("<ACCTID>222", "<ACCTID>0012345678");
    let err = ofx::parse(file.as_bytes()).unwrap_err();
    assert!(err.message.contains("of account ····5678"), "{}", err.message);
    assert!(!err.message.contains("12345678"), "{}", err.message);
}

#[test]
fn ofx_bad_dates_and_amounts_name_the_transaction() {
    let bad_date = ofx_sgml("<STMTTRN><DTPOSTED>2023-13-45<TRNAMT>1.00<FITID>X9<NAME>a</STMTTRN>");
    check(
        ofx::parse(bad_date.as_bytes()),
        expect![[r#"
            error Invalid: OFX transaction 1 of account 222 (FITID X9): DTPOSTED `2023-13-45` is not a date (OFX dates are YYYYMMDD...)
        "#]],
    );
    let bad_amount = ofx_sgml(
        "<STMTTRN><DTPOSTED>20230101<TRNAMT>1.00<FITID>X1<NAME>a</STMTTRN><STMTTRN><DTPOSTED>20230101<TRNAMT>12.345<NAME>b</STMTTRN>",
    );
    check(
        ofx::parse(bad_amount.as_bytes()),
        expect![[r#"
            error Invalid: OFX transaction 2 of account 222: `12.345` has more decimals than USD allows (2)
        "#]],
    );
}

#[test]
fn ofx_several_statements_and_statuses() {
    let two = r#"<?xml version="1.0" encoding="UTF-8"?>
<?OFX OFXHEADER="200" VERSION="220" SECURITY="NONE" OLDFILEUID="NONE" NEWFILEUID="NONE"?>
<OFX><SIGNONMSGSRSV1><SONRS><STATUS><CODE>0</CODE><SEVERITY>INFO</SEVERITY></STATUS><DTSERVER>20240101</DTSERVER><LANGUAGE>ENG</LANGUAGE></SONRS></SIGNONMSGSRSV1>
<BANKMSGSRSV1><STMTTRNRS><TRNUID>1</TRNUID><STATUS><CODE>0</CODE><SEVERITY>INFO</SEVERITY></STATUS>
<STMTRS><CURDEF>EUR</CURDEF><BANKACCTFROM><BANKID>1</BANKID><ACCTID>SAV-1</ACCTID><ACCTTYPE>MONEYMRKT</ACCTTYPE></BANKACCTFROM>
<BANKTRANLIST><DTSTART>20240101</DTSTART><DTEND>20240131</DTEND>
<STMTTRN><TRNTYPE>INT</TRNTYPE><DTPOSTED>20240131</DTPOSTED><TRNAMT>0.42</TRNAMT><FITID>dup</FITID><NAME>Interest &amp; bonus</NAME></STMTTRN>
<STMTTRN><TRNTYPE>INT</TRNTYPE><DTPOSTED>20240131</DTPOSTED><TRNAMT>0.42</TRNAMT><FITID>dup</FITID><NAME>Interest &amp; bonus</NAME></STMTTRN>
</BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1>
<CREDITCARDMSGSRSV1><CCSTMTTRNRS><TRNUID>2</TRNUID><STATUS><CODE>0</CODE><SEVERITY>INFO</SEVERITY></STATUS>
<CCSTMTRS><CURDEF>EUR</CURDEF><CCACCTFROM><ACCTID>4111</ACCTID></CCACCTFROM>
<BANKTRANLIST><STMTTRN><TRNTYPE>DEBIT</TRNTYPE><DTPOSTED>20240115</DTPOSTED><TRNAMT>-9.99</TRNAMT><FITID>c1</FITID><NAME>Streaming</NAME></STMTTRN></BANKTRANLIST>
<LEDGERBAL><BALAMT>-9.99</BALAMT><DTASOF>20240131</DTASOF></LEDGERBAL></CCSTMTRS></CCSTMTTRNRS></CREDITCARDMSGSRSV1></OFX>"#;
    check(
        ofx::parse(two.as_bytes()),
        expect![[r#"
            account "SAV-1" savings EUR
              2024-01-31      0.42 "Interest & bonus" id dup
              2024-01-31      0.42 "Interest & bonus" id dup
            account "4111" credit_card EUR balance -9.99 on Some(2024-01-31)
              2024-01-15     -9.99 "Streaming" id c1
        "#]],
    );
    let locked =
        "<OFX><SIGNONMSGSRSV1><SONRS><STATUS><CODE>15502<SEVERITY>ERROR</STATUS></SONRS></SIGNONMSGSRSV1></OFX>";
    check(
        ofx::parse(locked.as_bytes()),
        expect![[r#"
            error SignOn { code: 15502 }: OFX sign-on failed (code 15502): the bank has locked this login: unlock it with the bank, then reconnect
        "#]],
    );
    let not_found = "<OFX><BANKMSGSRSV1><STMTTRNRS><TRNUID>1<STATUS><CODE>2003<SEVERITY>ERROR<MESSAGE>No such account</STATUS></STMTTRNRS></BANKMSGSRSV1></OFX>";
    check(
        ofx::parse(not_found.as_bytes()),
        expect![[r#"
            error ServerError { code: 2003 }: the OFX statement request failed (code 2003): account not found (the bank says: No such account)
        "#]],
    );
}

#[test]
fn ofx_account_lists() {
    let accounts = ofx::parse_account_info(&fixture("ofx/ofxparse/account_listing_aggregation.ofx")).unwrap();
    let shown: Vec<String> = accounts
        .iter()
        .map(|a| format!("{} {:?} {} {:?}", a.acct_id, a.bank_id, a.kind.as_str(), a.description))
        .collect();
    expect![[r#"
        [
            "0000000001 Some(\"314074269\") savings Some(\"USAA SAVINGS\")",
            "0000000002 Some(\"314074269\") checking Some(\"FOUR STAR CHECKING\")",
            "00000000000003 Some(\"314074269\") loan Some(\"LINE OF CREDIT\")",
            "4111111111111111 None credit_card Some(\"MY CREDIT CARD\")",
        ]
    "#]]
    .assert_debug_eq(&shown);
}

#[test]
fn qif_date_order_is_settled_by_the_file() {
    // 13/02 can only be day first, so 01/02 is the 1st of February.
    let day_first = "!Type:Bank\nD01/02/2024\nT-1.00\nPA\n^\nD13/02/2024\nT-2.00\nPB\n^\n";
    check(
        qif::parse(day_first.as_bytes(), Currency::EUR, None),
        expect![[r#"
            account "" checking EUR
              2024-02-01     -1.00 "A"
              2024-02-13     -2.00 "B"
        "#]],
    );
    // Nothing settles it: the caller's order, else month first.
    let ambiguous = "!Type:CCard\nD01/02'24\nT-1.00\nPA\n^\n";
    check(
        qif::parse(ambiguous.as_bytes(), Currency::USD, Some(DateOrder::DayFirst)),
        expect![[r#"
            account "" credit_card USD
              2024-02-01     -1.00 "A"
        "#]],
    );
    check(
        qif::parse(ambiguous.as_bytes(), Currency::USD, None),
        expect![[r#"
            account "" credit_card USD
              2024-01-02     -1.00 "A"
        "#]],
    );
    let conflicting = "!Type:Bank\nD13/02/2024\nT-1.00\n^\nD02/13/2024\nT-1.00\n^\n";
    check(
        qif::parse(conflicting.as_bytes(), Currency::USD, None),
        expect![[r#"
            error Invalid: the dates in this file disagree: line 2 (`13/02/2024`) puts the day first, line 5 (`02/13/2024`) the month first
        "#]],
    );
    let not_a_date = "!Type:Bank\nD12/31/20x3\nT-1.00\n^\n";
    check(
        qif::parse(not_a_date.as_bytes(), Currency::USD, None),
        expect![[r#"
            error Invalid: line 2: `12/31/20x3` is not a date (read as month/day/year)
        "#]],
    );
}

#[test]
fn qif_splits_must_add_up() {
    let good = "!Account\nNJoint\nTBank\n^\n!Type:Bank\nD3/1/2024\nT-60.00\nPMarket\nLFood\nSFood:Groceries/Home\nEveg\n$-45.00\nS[Savings]\n$-15.00\n^\n";
    check(
        qif::parse(good.as_bytes(), Currency::USD, None),
        expect![[r#"
            account "" checking USD name "Joint"
              2024-03-01    -60.00 "Market"
                split    -45.00 "Food:Groceries" "veg"
                split    -15.00 "[Savings]" ""
        "#]],
    );
    let bad = "!Type:Bank\nD3/1/2024\nT-60.00\nPMarket\nSFood\n$-45.00\nSHome\n$-14.99\n^\n";
    check(
        qif::parse(bad.as_bytes(), Currency::USD, None),
        expect![[r#"
            error Invalid: the transaction at line 2 (2024-03-01): its splits add up to -59.99 but its amount (T) is -60.00
        "#]],
    );
    let unknown = "!Type:Budget Plan\nD3/1/2024\n^\n";
    check(
        qif::parse(unknown.as_bytes(), Currency::USD, None),
        expect![[r#"
            error Unsupported: line 1: `!Type:Budget Plan` is not a QIF section Spearmint reads (Bank, CCard, Cash, Oth A, Oth L)
        "#]],
    );
}

#[test]
fn qif_accounts_switch_and_merge_by_name() {
    let file = "!Type:Cash\nD1/1/24\nT-1\nPbefore any account\n^\n\
                !Account\nNChecking\nTBank\n^\n!Type:Bank\nD1/2/24\nT-2\nPin checking\n^\n\
                !Account\nNVisa\nTCCard\n^\n!Type:CCard\nD1/3/24\nU-3.00\nPon the card\n^\n\
                !Account\nNChecking\nTBank\n^\n!Type:Bank\nD1/4/24\nT-4\nPchecking again\n^\n";
    check(
        qif::parse(file.as_bytes(), Currency::USD, None),
        expect![[r#"
            account "" cash USD
              2024-01-01     -1.00 "before any account"
            account "" checking USD name "Checking"
              2024-01-02     -2.00 "in checking"
              2024-01-04     -4.00 "checking again"
            account "" credit_card USD name "Visa"
              2024-01-03     -3.00 "on the card"
        "#]],
    );
}

fn mapping(csv: &str) -> String {
    match csv::sniff(csv.as_bytes(), Currency::USD) {
        Ok(m) => format!(
            "delimiter {:?} header {} skip {} date {} {:?} amount {:?} payee {} memo {:?} id {:?} {:?} {}",
            m.delimiter as char,
            m.has_header,
            m.skip_rows,
            m.date_column,
            m.date_format,
            m.amount,
            m.payee_column,
            m.memo_column,
            m.id_column,
            m.decimal_mark,
            m.currency
        ),
        Err(e) => format!("error {:?}: {}", e.kind, e.message),
    }
}

/// The columns are judged on a sample of the first rows; a long file keeps its id column (it
/// was once lost past the sample, and every row fell back to a content hash).
#[test]
fn csv_sniffs_the_id_column_of_a_file_longer_than_the_sample() {
    for rows in [10, 2_500, 20_000] {
        let mut csv = String::from("Date,Description,Amount,Transaction ID\n");
        for i in 0..rows {
            csv.push_str(&format!("2024-01-{:02},SHOP {i},-{}.25,TX-{i:08}\n", 1 + i % 28, 1 + i % 90));
        }
        let m = csv::sniff(csv.as_bytes(), Currency::USD).unwrap();
        assert_eq!(m.id_column, Some(3), "{rows} rows");
        let statement = spearmint_formats::parse(
            csv.as_bytes(),
            Some("long.csv"),
            &spearmint_formats::ImportOptions {
                currency: Currency::USD,
                csv: Some(m),
                date_order: None,
                log_user: None,
            },
        )
        .unwrap();
        let last = statement.accounts[0].transactions.last().unwrap();
        assert_eq!(last.provider_id.as_deref(), Some(format!("TX-{:08}", rows - 1).as_str()));
    }
}

#[test]
fn csv_sniffs_signed_amounts_and_debit_credit_pairs() {
    let signed =
        "Date,Description,Amount,Balance\n01/15/2024,COFFEE SHOP,-4.50,95.50\n01/16/2024,PAYROLL,1000.00,1095.50\n";
    expect![[r#"delimiter ',' header true skip 0 date 0 "%m/%d/%Y" amount Signed { column: 2, negate: false } payee 1 memo None id None Point USD"#]]
        .assert_eq(&mapping(signed));
    let split = "Posted Date,Payee,Debit,Credit,Running Balance\n2024-01-15,COFFEE,4.50,,95.50\n2024-01-16,PAYROLL,,1000.00,1095.50\n";
    expect![[r#"delimiter ',' header true skip 0 date 0 "%Y-%m-%d" amount DebitCredit { debit: 2, credit: 3 } payee 1 memo None id None Point USD"#]]
        .assert_eq(&mapping(split));
    // German: a preamble, `;`, decimal commas, Soll/Haben, and a day above 12 settling the order.
    let german = "Kontoauszug;Girokonto\nZeitraum;01.01.2024 - 31.01.2024\n\n\
                  Buchungstag;Valuta;Empfänger;Verwendungszweck;Soll;Haben;Währung\n\
                  02.01.2024;02.01.2024;Stadtwerke;Strom Januar;1.234,56;;EUR\n\
                  15.01.2024;15.01.2024;Arbeitgeber GmbH;Gehalt;;2.500,00;EUR\n";
    expect![[r#"delimiter ';' header true skip 2 date 0 "%d.%m.%Y" amount DebitCredit { debit: 4, credit: 5 } payee 2 memo Some(3) id None Comma EUR"#]]
        .assert_eq(&mapping(german));
    let statement = csv::parse(german.as_bytes(), &csv::sniff(german.as_bytes(), Currency::USD).unwrap());
    check(
        statement,
        expect![[r#"
            account "" other EUR
              2024-01-02  -1234.56 "Stadtwerke" memo "Strom Januar"
              2024-01-15   2500.00 "Arbeitgeber GmbH" memo "Gehalt"
        "#]],
    );
}

#[test]
fn csv_sniffs_decimal_commas_indicators_and_headerless_files() {
    // Dutch: an unsigned amount with an Af/Bij column.
    let dutch = "Datum,Naam / Omschrijving,Rekening,Af Bij,Bedrag (EUR)\n\
                 20240105,Albert Heijn,NL01,Af,\"23,45\"\n20240106,Salaris,NL01,Bij,\"2000,00\"\n";
    expect![[r#"delimiter ',' header true skip 0 date 0 "%Y%m%d" amount Indicator { column: 4, indicator: 3 } payee 1 memo None id None Comma EUR"#]]
        .assert_eq(&mapping(dutch));
    let headerless = "2024-03-01\tGROCER\t-12.00\n2024-03-02\tREFUND\t3.10\n";
    expect![[r#"delimiter '\t' header false skip 0 date 0 "%Y-%m-%d" amount Signed { column: 2, negate: false } payee 1 memo None id None Point USD"#]]
        .assert_eq(&mapping(headerless));
    // Both orders read every date: a file with `;` and decimal commas reads them day first.
    let european = "Date;Text;Amount\n01/02/2024;a;-1,00\n03/04/2024;b;2,00\n";
    expect![[r#"delimiter ';' header true skip 0 date 0 "%d/%m/%Y" amount Signed { column: 2, negate: false } payee 1 memo None id None Comma USD"#]]
        .assert_eq(&mapping(european));
    expect![[r#"error Invalid: no column of dates was found: map the columns by hand in the import preview"#]]
        .assert_eq(&mapping("Name,Amount\nA,1.00\nB,2.00\n"));
}

#[test]
fn csv_preview_shows_each_rows_problem() {
    let file =
        "Date,Payee,Amount\n01/02/2024,Grocer,-5.00\n12/31/20x3,Typo,-1.00\n01/03/2024,Pending,\n01/04/2024,Bad,abc\n";
    let mapping = common::date_payee_amount("%m/%d/%Y");
    let preview = csv::preview(file.as_bytes(), &mapping, 10).unwrap();
    let rows: Vec<String> = preview
        .rows
        .iter()
        .map(|r| match (&r.transaction, &r.problem) {
            (Some(t), _) => format!("{}: {} {} {}", r.line, t.posted_on, t.amount.to_plain_string(), t.payee),
            (None, Some(p)) => format!("{}: {p}", r.line),
            (None, None) => format!("{}: ?", r.line),
        })
        .collect();
    expect![[r#"
        [
            "2: 2024-01-02 -5.00 Grocer",
            "3: line 3: `12/31/20x3` is not a date in the format MM/DD/YYYY",
            "4: line 4: the row has no amount; it was skipped",
            "5: line 5, column 3: `abc` is not an amount of money",
        ]
    "#]]
    .assert_debug_eq(&rows);
    assert_eq!(preview.headers, ["Date", "Payee", "Amount"]);
    check(
        csv::parse(file.as_bytes(), &mapping),
        expect![[r#"
            error Invalid: line 3: `12/31/20x3` is not a date in the format MM/DD/YYYY
        "#]],
    );
}

/// A large file is read in parts, one per core: the rows, the warnings and the first problem
/// still come in the file's order, as from one reader.
#[test]
fn csv_large_files_read_in_file_order() {
    let mapping = common::date_payee_amount("%m/%d/%Y");
    let rows = 50_000;
    let file = |bad_line: Option<usize>| {
        let mut file = String::from("Date,Payee,Amount\n");
        for i in 0..rows {
            let line = i + 2;
            let amount = if line % 9_999 == 0 { String::new() } else { format!("-{}.{:02}", i / 100, i % 100) };
            let date = if Some(line) == bad_line { "13/45/2024".to_owned() } else { "01/02/2024".to_owned() };
            file.push_str(&format!("{date},Payee {i},{amount}\n"));
        }
        file
    };
    let statement = csv::parse(file(None).as_bytes(), &mapping).unwrap();
    let read = &statement.accounts[0].transactions;
    let expected: Vec<String> = (0..rows).filter(|i| (i + 2) % 9_999 != 0).map(|i| format!("Payee {i}")).collect();
    assert_eq!(read.iter().map(|t| t.payee.clone()).collect::<Vec<_>>(), expected);
    let skipped: Vec<&str> = statement.warnings.iter().map(|w| w.split(':').next().unwrap()).collect();
    assert_eq!(skipped, ["line 9999", "line 19998", "line 29997", "line 39996", "line 49995"]);
    // Two bad dates, one in each half: the first in the file is the one named.
    let mut two_bad = file(Some(40_000));
    two_bad = two_bad.replacen("01/02/2024,Payee 1000,", "13/45/2024,Payee 1000,", 1);
    let err = csv::parse(two_bad.as_bytes(), &mapping).unwrap_err().to_string();
    assert!(err.contains("line 1002"), "{err}");
}

#[test]
fn csv_mappings_round_trip_through_json() {
    let mapping = csv::sniff(b"Date,Payee,Debit,Credit\n2024-01-01,a,1.00,\n", Currency::EUR).unwrap();
    let json = serde_json::to_string(&mapping).unwrap();
    expect![[r#"{"delimiter":44,"has_header":true,"skip_rows":0,"date_column":0,"date_format":"%Y-%m-%d","amount":{"kind":"debit_credit","debit":2,"credit":3},"payee_column":1,"memo_column":null,"id_column":null,"decimal_mark":"point","currency":"EUR"}"#]]
        .assert_eq(&json);
    assert_eq!(serde_json::from_str::<CsvMapping>(&json).unwrap(), mapping);
}

#[test]
fn camt_signs_come_from_the_credit_debit_indicator() {
    check(
        camt053::parse(&data("camt053-v02-prefixed.xml")),
        expect![[r#"
            account "DE89370400440532013000" checking EUR name "Girokonto" at "COBADEFFXXX" balance -12.34 on Some(2024-05-31)
              2024-05-02   2500.00 "ACME GmbH" memo "Gehalt Mai 2024" id REF-SALARY
              2024-05-10   -100.00 "Hausverwaltung Schmidt" memo "Garage Mai" id RENT-05
              2024-05-10    -50.00 "Stadtwerke München" memo "SAMMLER 2 POSTEN" id REF-BATCH/2
              2024-05-12     19.99 "Streaming & Co" memo "RUECKLASTSCHRIFT" id REF-RETURN
              2024-05-31  -3882.33 "Moebelhaus Nord" id CARD-77 pending
        "#]],
    );
    check(
        camt053::parse(&data("camt053-v08-two-accounts.xml")),
        expect![[r#"
            account "CH9300762011623852957" checking CHF at "UBSWCHZH80A"
              2024-06-03  -1234.50 "Immobilien AG" memo "Miete Juni" id UBS-0001 check 4711
              2024-06-05    -80.00 "Kiosk" id UBS-0002
            account "0012-3456" checking CHF balance 500.00 on Some(2024-06-30)
              2024-06-28    500.00 "Zins"
        "#]],
    );
}

#[test]
fn camt_prefixed_documents_are_detected_by_content_alone() {
    // A bank's export saved without a name (or under `.txt`): the content must say it all.
    let prefixed = data("camt053-v02-prefixed.xml");
    assert_eq!(detect(&prefixed, None), Some(Format::Camt053));
    assert_eq!(detect(&prefixed, Some("Kontoauszug.txt")), Some(Format::Camt053));
    let by_content = spearmint_formats::parse(&prefixed, None, &ImportOptions::default());
    assert_eq!(show(by_content), show(camt053::parse(&prefixed)), "the nameless file reads as CAMT.053");

    // Every version from 001.02 to 001.14, with any prefix or none.
    for version in 2..=14 {
        for prefix in ["", "c53:", "ns2:", "camt:"] {
            let xml = format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<{prefix}Document xmlns{colon}{bare}=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.{version:02}\">\
                 <{prefix}BkToCstmrStmt><{prefix}GrpHdr><{prefix}MsgId>M1</{prefix}MsgId></{prefix}GrpHdr></{prefix}BkToCstmrStmt></{prefix}Document>",
                colon = if prefix.is_empty() { "" } else { ":" },
                bare = prefix.trim_end_matches(':'),
            );
            assert_eq!(detect(xml.as_bytes(), None), Some(Format::Camt053), "{xml}");
        }
    }

    // A prefixed camt.054 is named as what it is, not as an unknown file.
    let camt054 = b"<n:Document xmlns:n=\"urn:iso:std:iso:20022:tech:xsd:camt.054.001.08\"><n:BkToCstmrDbtCdtNtfctn/></n:Document>";
    let err = spearmint_formats::parse(camt054, None, &ImportOptions::default()).unwrap_err();
    assert_eq!(err.kind, FormatErrorKind::Unsupported);
    assert!(err.message.contains("camt.054"), "{}", err.message);
    // Only an element named Document counts, not one that merely starts like it.
    let notes = b"<x:Documentation>how we read camt.053 files</x:Documentation>";
    assert_eq!(detect(notes, None), None);
}

/// One entry of a generated camt.053.001.14 statement.
struct CamtEntry {
    reference: &'static str,
    booked: Option<&'static str>,
    value: &'static str,
    amount: &'static str,
    indicator: &'static str,
    status: &'static str,
    /// `Dbtr` (who paid us) or `Cdtr` (whom we paid), and their name; empty for none.
    party: (&'static str, &'static str),
    remittance: &'static str,
    info: &'static str,
}

const NOVEMBER: &[CamtEntry] = &[
    CamtEntry {
        reference: "ABN-20261102-0001",
        booked: Some("2026-11-02"),
        value: "2026-11-02",
        amount: "1150.00",
        indicator: "DBIT",
        status: "BOOK",
        party: ("Cdtr", "Woonstichting De Key"),
        remittance: "Huur november 2026 Vrolikstraat 12-3",
        info: "SEPA Incasso algemeen doorlopend",
    },
    CamtEntry {
        reference: "ABN-20261104-0017",
        booked: Some("2026-11-04"),
        value: "2026-11-03",
        amount: "87.34",
        indicator: "DBIT",
        status: "BOOK",
        party: ("Cdtr", "Albert Heijn 1403"),
        remittance: "BEA, Apple Pay AH 1403 AMSTERDAM",
        info: "Betaalpas",
    },
    CamtEntry {
        reference: "ABN-20261112-0042",
        booked: Some("2026-11-12"),
        value: "2026-11-12",
        amount: "24.99",
        indicator: "CRDT",
        status: "BOOK",
        party: ("Dbtr", "bol.com b.v."),
        remittance: "Terugbetaling bestelling 4011-2231-9876",
        info: "SEPA Overboeking",
    },
    CamtEntry {
        reference: "ABN-20261118-0003",
        booked: Some("2026-11-18"),
        value: "2026-11-18",
        amount: "100.00",
        indicator: "DBIT",
        status: "BOOK",
        party: ("", ""),
        remittance: "",
        info: "GEA NR:S1J459 18.11.26/10.41 Damrak 70 AMSTERDAM",
    },
    CamtEntry {
        reference: "ABN-20261125-0009",
        booked: Some("2026-11-25"),
        value: "2026-11-25",
        amount: "3125.40",
        indicator: "CRDT",
        status: "BOOK",
        party: ("Dbtr", "Werkgever Noord B.V."),
        remittance: "Salaris november 2026 personeelsnr 0815",
        info: "SEPA Overboeking",
    },
    CamtEntry {
        reference: "ABN-20261127-0021",
        booked: Some("2026-11-27"),
        value: "2026-11-28",
        amount: "142.17",
        indicator: "DBIT",
        status: "BOOK",
        party: ("Cdtr", "Vattenfall Klantenservice N.V."),
        remittance: "Termijnbedrag energie klantnr 50019922 nov",
        info: "SEPA Incasso algemeen doorlopend",
    },
    CamtEntry {
        reference: "ABN-20261130-PDNG1",
        booked: None,
        value: "2026-11-30",
        amount: "56.80",
        indicator: "DBIT",
        status: "PDNG",
        party: ("Cdtr", "NS Groep N.V."),
        remittance: "OV-chipkaart automatisch opladen",
        info: "Betaalpas",
    },
];

/// A camt.053.001.14 statement as a Dutch bank sends it: the structure of the 2023 schema (status
/// as `Sts/Cd`, parties under `Pty`, `BICFI`), a balance that adds up, and the given entries.
fn camt_v14(entries: &[CamtEntry], opening_minor: i64) -> String {
    let minor = |amount: &str, indicator: &str| {
        let m = spearmint_formats::Money::parse(amount, Currency::EUR).unwrap().minor();
        if indicator == "DBIT" { -m } else { m }
    };
    let booked: i64 = entries.iter().filter(|e| e.status == "BOOK").map(|e| minor(e.amount, e.indicator)).sum::<i64>();
    let balance = |minor: i64, code: &str, date: &str| {
        let indicator = if minor < 0 { "DBIT" } else { "CRDT" };
        let amount = spearmint_formats::Money::from_minor(minor.abs(), Currency::EUR).to_plain_string();
        format!(
            "<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp><Amt Ccy=\"EUR\">{amount}</Amt>\
             <CdtDbtInd>{indicator}</CdtDbtInd><Dt><Dt>{date}</Dt></Dt></Bal>\n"
        )
    };
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.14\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\n\
         <BkToCstmrStmt>\n\
         <GrpHdr><MsgId>ABN-STMT-20261130-0001</MsgId><CreDtTm>2026-11-30T06:15:00+01:00</CreDtTm>\
         <MsgPgntn><PgNb>1</PgNb><LastPgInd>true</LastPgInd></MsgPgntn></GrpHdr>\n\
         <Stmt>\n<Id>NL91ABNA0417164300-2026-11</Id><ElctrncSeqNb>334</ElctrncSeqNb>\
         <CreDtTm>2026-11-30T06:15:00+01:00</CreDtTm>\
         <FrToDt><FrDtTm>2026-11-01T00:00:00+01:00</FrDtTm><ToDtTm>2026-11-30T23:59:59+01:00</ToDtTm></FrToDt>\n\
         <Acct><Id><IBAN>NL91ABNA0417164300</IBAN></Id><Ccy>EUR</Ccy><Nm>Betaalrekening</Nm>\
         <Ownr><Nm>J. de Vries</Nm></Ownr><Svcr><FinInstnId><BICFI>ABNANL2A</BICFI></FinInstnId></Svcr></Acct>\n",
    );
    xml.push_str(&balance(opening_minor, "OPBD", "2026-11-01"));
    xml.push_str(&balance(opening_minor + booked, "CLBD", "2026-11-30"));
    xml.push_str(&format!(
        "<TxsSummry><TtlNtries><NbOfNtries>{}</NbOfNtries></TtlNtries></TxsSummry>\n",
        entries.len()
    ));
    for (n, e) in entries.iter().enumerate() {
        let booked = e.booked.map(|d| format!("<BookgDt><Dt>{d}</Dt></BookgDt>")).unwrap_or_default();
        let party = match e.party {
            ("", _) => String::new(),
            (role, name) => format!("<RltdPties><{role}><Pty><Nm>{name}</Nm></Pty></{role}></RltdPties>"),
        };
        let remittance = if e.remittance.is_empty() {
            String::new()
        } else {
            format!("<RmtInf><Ustrd>{}</Ustrd></RmtInf>", e.remittance)
        };
        xml.push_str(&format!(
            "<Ntry><NtryRef>{n}</NtryRef><Amt Ccy=\"EUR\">{amount}</Amt><CdtDbtInd>{ind}</CdtDbtInd>\
             <RvslInd>false</RvslInd><Sts><Cd>{status}</Cd></Sts>{booked}<ValDt><Dt>{value}</Dt></ValDt>\
             <AcctSvcrRef>{reference}</AcctSvcrRef>\
             <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>\
             <NtryDtls><TxDtls><Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs><Amt Ccy=\"EUR\">{amount}</Amt>\
             <CdtDbtInd>{ind}</CdtDbtInd>{party}{remittance}</TxDtls></NtryDtls><AddtlNtryInf>{info}</AddtlNtryInf></Ntry>\n",
            amount = e.amount,
            ind = e.indicator,
            status = e.status,
            value = e.value,
            reference = e.reference,
            info = e.info,
        ));
    }
    xml.push_str("</Stmt>\n</BkToCstmrStmt>\n</Document>\n");
    xml
}

#[test]
fn camt_v14_statement_reads_with_signs_count_and_sum_from_the_file() {
    // EUR 1,250.00 in cents.
    let opening = 125_000;
    let xml = camt_v14(NOVEMBER, opening);
    assert_eq!(detect(xml.as_bytes(), None), Some(Format::Camt053));
    let statement = spearmint_formats::parse(xml.as_bytes(), None, &ImportOptions::default()).unwrap();
    assert_eq!(statement.accounts.len(), 1);
    let account = &statement.accounts[0];
    assert_eq!(account.provider_account_id, "NL91ABNA0417164300");
    assert_eq!(account.currency, Currency::EUR);

    // What the table says, entry by entry: the sign from CdtDbtInd alone, pending from Sts.
    let signed = |e: &CamtEntry| {
        let m = spearmint_formats::Money::parse(e.amount, Currency::EUR).unwrap().minor();
        if e.indicator == "DBIT" { -m } else { m }
    };
    assert_eq!(account.transactions.len(), NOVEMBER.len());
    for (t, e) in account.transactions.iter().zip(NOVEMBER) {
        assert_eq!(t.amount.minor(), signed(e), "{}", e.reference);
        assert_eq!(t.pending, e.status == "PDNG", "{}", e.reference);
        assert_eq!(t.provider_id.as_deref(), Some(e.reference));
        let date = e.booked.unwrap_or(e.value);
        assert_eq!(t.posted_on.to_string(), date, "{}: booking date, else value date", e.reference);
    }
    let sum: i64 = account.transactions.iter().map(|t| t.amount.minor()).sum();
    assert_eq!(sum, NOVEMBER.iter().map(signed).sum::<i64>());
    let booked: i64 = account.transactions.iter().filter(|t| !t.pending).map(|t| t.amount.minor()).sum();
    assert_eq!(account.balance.map(|b| b.minor()), Some(opening + booked), "the closing balance adds up");

    check(
        Ok(statement),
        expect![[r#"
            account "NL91ABNA0417164300" checking EUR name "Betaalrekening" at "ABNANL2A" balance 2920.88 on Some(2026-11-30)
              2026-11-02  -1150.00 "Woonstichting De Key" memo "Huur november 2026 Vrolikstraat 12-3" id ABN-20261102-0001
              2026-11-04    -87.34 "Albert Heijn 1403" memo "BEA, Apple Pay AH 1403 AMSTERDAM" id ABN-20261104-0017
              2026-11-12     24.99 "bol.com b.v." memo "Terugbetaling bestelling 4011-2231-9876" id ABN-20261112-0042
              2026-11-18   -100.00 "GEA NR:S1J459 18.11.26/10.41 Damrak 70 AMSTERDAM" id ABN-20261118-0003
              2026-11-25   3125.40 "Werkgever Noord B.V." memo "Salaris november 2026 personeelsnr 0815" id ABN-20261125-0009
              2026-11-27   -142.17 "Vattenfall Klantenservice N.V." memo "Termijnbedrag energie klantnr 50019922 nov" id ABN-20261127-0021
              2026-11-30    -56.80 "NS Groep N.V." memo "OV-chipkaart automatisch opladen" id ABN-20261130-PDNG1 pending
        "#]],
    );
}

#[test]
fn camt_v04_statement_reads_by_content() {
    let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.04">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>053D2026-11-30T05:10:11</MsgId><CreDtTm>2026-11-30T05:10:11.0+01:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>0352C5320261130051011</Id>
      <Acct><Id><IBAN>AT611904300234573201</IBAN></Id><Ccy>EUR</Ccy><Svcr><FinInstnId><BICFI>BKAUATWW</BICFI></FinInstnId></Svcr></Acct>
      <Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">841.56</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-11-29</Dt></Dt></Bal>
      <Ntry>
        <Amt Ccy="EUR">64.90</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts>
        <BookgDt><Dt>2026-11-27</Dt></BookgDt><ValDt><Dt>2026-11-27</Dt></ValDt>
        <AcctSvcrRef>0352271120260000001</AcctSvcrRef>
        <NtryDtls><TxDtls>
          <Refs><EndToEndId>A1-2026-11-MAGENTA</EndToEndId></Refs>
          <RltdPties><Cdtr><Nm>Magenta Telekom</Nm></Cdtr></RltdPties>
          <RmtInf><Ustrd>Rechnung 11/2026 Kundennr 77120934</Ustrd></RmtInf>
        </TxDtls></NtryDtls>
      </Ntry>
      <Ntry>
        <Amt Ccy="EUR">12.40</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
        <BookgDt><Dt>2026-11-28</Dt></BookgDt><ValDt><Dt>2026-11-28</Dt></ValDt>
        <AcctSvcrRef>0352281120260000002</AcctSvcrRef>
        <NtryDtls><TxDtls>
          <RltdPties><Dbtr><Nm>Anna Gruber</Nm></Dbtr></RltdPties>
          <RmtInf><Ustrd>Pizza Freitag</Ustrd></RmtInf>
        </TxDtls></NtryDtls>
      </Ntry>
    </Stmt>
  </BkToCstmrStmt>
</Document>
"#;
    assert_eq!(detect(xml.as_bytes(), None), Some(Format::Camt053));
    let statement = spearmint_formats::parse(xml.as_bytes(), None, &ImportOptions::default());
    check(
        statement,
        expect![[r#"
        account "AT611904300234573201" checking EUR at "BKAUATWW" balance 841.56 on Some(2026-11-29)
          2026-11-27    -64.90 "Magenta Telekom" memo "Rechnung 11/2026 Kundennr 77120934" id 0352271120260000001
          2026-11-28     12.40 "Anna Gruber" memo "Pizza Freitag" id 0352281120260000002
    "#]],
    );
}

#[test]
fn simplefin_dates_are_the_utc_date_of_the_instant() {
    let body = r#"{"errors":["Connection to Bank may need attention"],"accounts":[{"org":{"domain":"bank.example","name":"Bank"},
        "id":"A1","name":"Everyday Checking","currency":"USD","balance":"100.00","available-balance":"90.00","balance-date":1704067199,
        "transactions":[
          {"id":"t1","posted":1704067199,"amount":"-5.25","description":"COFFEE","payee":"Coffee","memo":""},
          {"id":"t2","posted":0,"transacted_at":1704153600,"amount":"12.00","description":"REFUND","pending":true},
          {"id":"t3","posted":1704240000,"amount":"-1.00","description":"CARD","extra":{"mcc":"5411"}}]},
        {"id":"A2","name":"Miles","currency":"https://bank.example/miles.json","balance":"10","balance-date":1704067199,"transactions":[]}]}"#;
    check(
        simplefin::parse_accounts(body.as_bytes()),
        expect![[r#"
            account "A1" checking USD name "Everyday Checking" at "Bank" balance 100.00 on Some(2023-12-31)
              2023-12-31     -5.25 "COFFEE" id t1
              2024-01-02     12.00 "REFUND" id t2 pending
              2024-01-03     -1.00 "CARD" id t3 mcc 5411
            warning: Connection to Bank may need attention
            warning: SimpleFIN account Miles counts in `https://bank.example/miles.json`, not a currency Spearmint knows; it was skipped
        "#]],
    );
}

#[test]
fn formats_are_detected_by_content_then_by_name() {
    let cases: &[(&[u8], Option<&str>)] = &[
        (b"OFXHEADER:100\nDATA:OFXSGML\n\n<OFX></OFX>", None),
        (b"<?xml version=\"1.0\"?><?OFX OFXHEADER=\"200\"?><OFX></OFX>", Some("statement.xml")),
        (b"\n\n!Type:Bank\nD1/1/24\n^\n", Some("export.txt")),
        (b"<?xml version=\"1.0\"?><Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\"/>", None),
        (b"{\"errors\":[],\"accounts\":[]}", None),
        (b"Date,Amount\n2024-01-01,1.00\n", Some("x.CSV")),
        (b"Date,Amount\n2024-01-01,1.00\n", None),
        (b"hello", Some("notes.txt")),
        (b"<OFX>", Some("x.csv")),
    ];
    let detected: Vec<Option<Format>> = cases.iter().map(|(bytes, name)| detect(bytes, *name)).collect();
    expect![[r#"
        [
            Some(
                Ofx,
            ),
            Some(
                Ofx,
            ),
            Some(
                Qif,
            ),
            Some(
                Camt053,
            ),
            Some(
                SimpleFin,
            ),
            Some(
                Csv,
            ),
            Some(
                Csv,
            ),
            None,
            Some(
                Ofx,
            ),
        ]
    "#]]
    .assert_debug_eq(&detected);
    let mt940 = b":20:STARTUMS\r\n:25:12345678/0012345678\r\n:28C:0\r\n:60F:C240101EUR100,00\r\n";
    let err = spearmint_formats::parse(mt940, Some("umsatz.sta"), &ImportOptions::default()).unwrap_err();
    assert_eq!(err.kind, FormatErrorKind::Unsupported);
    expect![[r#"MT940 (SWIFT) statements are not supported: export the statement as CAMT.053, OFX or CSV instead"#]]
        .assert_eq(&err.message);
    let pdf = spearmint_formats::parse(b"%PDF-1.7 ...", Some("statement.pdf"), &ImportOptions::default()).unwrap_err();
    assert_eq!(pdf.kind, FormatErrorKind::Unsupported);
}

#[test]
fn csv_layout_shows_the_columns_to_map_by_hand() {
    let german = "Buchungstag;Verwendungszweck;Soll;Haben\n31.12.2024;MIETE;850,00;\n02.01.2025;GEHALT;;3.100,00\n";
    let layout = csv::layout(german.as_bytes(), 10).unwrap();
    assert_eq!(layout.delimiter, b';');
    assert!(layout.has_header);
    assert_eq!(layout.columns, ["Buchungstag", "Verwendungszweck", "Soll", "Haben"]);
    assert_eq!(layout.rows, [["31.12.2024", "MIETE", "850,00", ""], ["02.01.2025", "GEHALT", "", "3.100,00"]]);
    assert_eq!(layout.date_formats[0], ["%d.%m.%Y"], "31.12 settles day before month");
    assert!(layout.date_formats[1].is_empty() && layout.date_formats[2].is_empty());

    // No header: the columns are numbered, the first row is data.
    let bare = "2025/03/01|COFFEE|-4.50\n2025/03/02|BOOKS|-12.00\n";
    let layout = csv::layout(bare.as_bytes(), 1).unwrap();
    assert_eq!((layout.delimiter, layout.has_header), (b'|', false));
    assert_eq!(layout.columns, ["Column 1", "Column 2", "Column 3"]);
    assert_eq!(layout.rows, [["2025/03/01", "COFFEE", "-4.50"]]);
    assert_eq!(layout.date_formats[0], ["%Y/%m/%d"]);

    assert!(csv::layout(b"   \n", 10).is_err());
}
