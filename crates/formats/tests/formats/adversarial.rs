//! Hostile files cost what ordinary ones do: for each format, inputs built to make a parser do
//! more than a constant amount of work per byte (lone `<`, endless tags, thousands of accounts or
//! columns, deep nesting, long names repeated in every message) are read, or refused, in at most
//! a few times the time an ordinary file of the same size takes, and never make a parser panic.
//!
//! Each test reads an ordinary file first and gives every hostile one `RATIO` times that, plus
//! `SLACK` for a loaded machine; a hostile read still running at its deadline is not waited for,
//! and the test fails naming it. Files are about 1 MB on every run and 10 MB with
//! SPEARMINT_SLOW_TESTS set (`cargo xtask test --slow`).

use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use spearmint_formats::csv;
use spearmint_formats::{Currency, ImportOptions, Statement, camt053, ofx, parse, qif, simplefin};

use crate::common::{self, slow};

/// How many times as long as an ordinary file a hostile one of the same size may take.
const RATIO: u32 = 10;
/// Added to the allowance, so that a busy machine does not fail the test.
const SLACK: Duration = Duration::from_secs(1);

const MB: usize = 1 << 20;

/// The size of every file the tests build.
fn size() -> usize {
    if slow() { 10 * MB } else { MB }
}

/// `head`, then `piece(0)`, `piece(1)` ... until the file is about `size` bytes, then `tail`.
fn fill(head: &str, mut piece: impl FnMut(usize) -> String, tail: &str) -> Vec<u8> {
    let size = size();
    let mut out = String::with_capacity(size + tail.len() + 4096);
    out.push_str(head);
    let mut i = 0;
    while out.len() + tail.len() < size {
        out.push_str(&piece(i));
        i += 1;
    }
    out.push_str(tail);
    out.into_bytes()
}

/// `head`, `piece` repeated to about `size` bytes, then `tail`.
fn repeat(head: &str, piece: &str, tail: &str) -> Vec<u8> {
    let times = size().saturating_sub(head.len() + tail.len()) / piece.len().max(1);
    format!("{head}{}{tail}", piece.repeat(times)).into_bytes()
}

fn transactions(statement: &Result<Statement, spearmint_formats::FormatError>) -> usize {
    statement.as_ref().map_or(0, |s| s.accounts.iter().map(|a| a.transactions.len()).sum())
}

/// Reads `ordinary` with `read`, which must find transactions in it, then each hostile file
/// with a deadline of `RATIO` times as long plus `SLACK`; fails naming every file that missed it.
/// (A file still being read is left to run, so those after it share the machine with it.)
fn reads_in_linear_time(format: &str, read: fn(&[u8]) -> usize, ordinary: Vec<u8>, hostile: Vec<(&str, Vec<u8>)>) {
    // The slower of two reads, so that one lucky read does not set the bar.
    let mut normal = Duration::ZERO;
    let mut found = 0;
    for _ in 0..2 {
        let started = Instant::now();
        found = read(&ordinary);
        normal = normal.max(started.elapsed());
    }
    assert!(found > 0, "{format}: the ordinary file reads no transaction");
    let limit = normal * RATIO + SLACK;
    eprintln!("{format}: an ordinary file of {} bytes ({found} transactions) reads in {normal:?}", ordinary.len());
    let mut slow_files = Vec::new();
    for (name, bytes) in hostile {
        let len = bytes.len();
        let (done, finished) = mpsc::channel();
        let worker = std::thread::spawn(move || {
            let started = Instant::now();
            read(&bytes);
            let _ = done.send(started.elapsed());
        });
        match finished.recv_timeout(limit) {
            Ok(took) => {
                eprintln!("{format}: {name} ({len} bytes) reads in {took:?}");
                let _ = worker.join();
            }
            Err(RecvTimeoutError::Timeout) => {
                eprintln!("{format}: {name} ({len} bytes) is still being read after {limit:?}");
                slow_files.push(format!("{name} ({len} bytes)"));
            }
            Err(RecvTimeoutError::Disconnected) => match worker.join() {
                Err(panic) => std::panic::resume_unwind(panic),
                Ok(()) => unreachable!("the reader ended without saying how long it took"),
            },
        }
    }
    assert!(
        slow_files.is_empty(),
        "{format}: still being read after {limit:?}, {RATIO} times the {normal:?} an ordinary file of {} bytes \
         takes, plus {SLACK:?}: {}",
        ordinary.len(),
        slow_files.join(", ")
    );
}

// OFX.

const OFX_SGML_HEAD: &str = "OFXHEADER:100\r\nDATA:OFXSGML\r\nVERSION:102\r\nSECURITY:NONE\r\n\
    ENCODING:USASCII\r\nCHARSET:1252\r\nCOMPRESSION:NONE\r\nOLDFILEUID:NONE\r\nNEWFILEUID:NONE\r\n\r\n";

fn read_ofx(bytes: &[u8]) -> usize {
    let _ = ofx::parse_account_info(bytes);
    let _ = parse(bytes, Some("x.ofx"), &ImportOptions::default());
    transactions(&ofx::parse(bytes))
}

fn ofx_sgml_statement() -> Vec<u8> {
    let head = format!(
        "{OFX_SGML_HEAD}<OFX><SIGNONMSGSRSV1><SONRS><STATUS><CODE>0<SEVERITY>INFO</STATUS><DTSERVER>20230510\
         <LANGUAGE>ENG<FI><ORG>Test Bank<FID>123</FI></SONRS></SIGNONMSGSRSV1><BANKMSGSRSV1><STMTTRNRS>\
         <TRNUID>1<STATUS><CODE>0<SEVERITY>INFO</STATUS><STMTRS><CURDEF>USD<BANKACCTFROM><BANKID>111\
         <ACCTID>222<ACCTTYPE>CHECKING</BANKACCTFROM><BANKTRANLIST><DTSTART>20230101<DTEND>20231231\n"
    );
    let tail = "</BANKTRANLIST><LEDGERBAL><BALAMT>1234.56<DTASOF>20231231</LEDGERBAL></STMTRS></STMTTRNRS>\
                </BANKMSGSRSV1></OFX>\n";
    fill(
        &head,
        |i| {
            format!(
                "<STMTTRN>\n<TRNTYPE>DEBIT\n<DTPOSTED>2023{:02}{:02}120000.000[-5:EST]\n<TRNAMT>-{}.{:02}\n\
                 <FITID>2023{i:08}\n<NAME>GROCERY STORE #{} &amp; CO\n<MEMO>POS PURCHASE CARD 1234\n</STMTTRN>\n",
                i % 12 + 1,
                i % 28 + 1,
                i % 500,
                i % 100,
                i % 977
            )
        },
        tail,
    )
}

fn ofx_xml_statement() -> Vec<u8> {
    let head = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n\
        <?OFX OFXHEADER=\"200\" VERSION=\"220\" SECURITY=\"NONE\" OLDFILEUID=\"NONE\" NEWFILEUID=\"NONE\"?>\n\
        <OFX><SIGNONMSGSRSV1><SONRS><STATUS><CODE>0</CODE><SEVERITY>INFO</SEVERITY></STATUS>\
        <DTSERVER>20230510</DTSERVER><LANGUAGE>ENG</LANGUAGE></SONRS></SIGNONMSGSRSV1><CREDITCARDMSGSRSV1>\
        <CCSTMTTRNRS><TRNUID>1</TRNUID><STATUS><CODE>0</CODE><SEVERITY>INFO</SEVERITY></STATUS><CCSTMTRS>\
        <CURDEF>USD</CURDEF><CCACCTFROM><ACCTID>4111111111111111</ACCTID></CCACCTFROM><BANKTRANLIST>\
        <DTSTART>20230101</DTSTART><DTEND>20231231</DTEND>\n";
    let tail = "</BANKTRANLIST></CCSTMTRS></CCSTMTTRNRS></CREDITCARDMSGSRSV1></OFX>\n";
    fill(
        head,
        |i| {
            format!(
                "<STMTTRN><TRNTYPE>DEBIT</TRNTYPE><DTPOSTED>2023{:02}{:02}</DTPOSTED><TRNAMT>-{}.{:02}</TRNAMT>\
                 <FITID>CC{i:08}</FITID><NAME>COFFEE SHOP {}</NAME><MEMO>CARD PURCHASE</MEMO></STMTTRN>\n",
                i % 12 + 1,
                i % 28 + 1,
                i % 300,
                i % 100,
                i % 311
            )
        },
        tail,
    )
}

/// Elements left open (`<A>` without text or end), `depth` deep: the most the reader allows
/// without refusing the file.
fn open_aggregates(depth: usize) -> String {
    (0..depth).map(|i| format!("<AGG{i}>")).collect()
}

#[test]
fn ofx_sgml_reads_in_linear_time() {
    let open = format!("{OFX_SGML_HEAD}<OFX>");
    let hostile = vec![
        ("lone `<` characters", repeat(&open, "<", "</OFX>")),
        ("lone `<` between words", repeat(&open, "a < b ", "</OFX>")),
        ("`<` and long names without `>`", repeat(&open, &format!("<{}", "TRNAMT".repeat(200)), "</OFX>")),
        ("one name without `>` to the end", repeat(&open, "N", "</OFX>")),
        ("`<` and a name then a space, never closed", repeat(&open, "<NAME x", "</OFX>")),
        ("unclosed leaves", repeat(&open, "<NAME>x\n", "</OFX>")),
        ("unclosed aggregates", repeat(&open, "<STMTTRN>", "</OFX>")),
        ("end tags of elements never opened", repeat(&format!("{open}{}", open_aggregates(250)), "</NOPE>", "</OFX>")),
        (
            "children of elements left open, closed all at once",
            repeat(&format!("{open}{}", open_aggregates(250)), "<A></A>", "</OFX>"),
        ),
        (
            "blank text before many children",
            format!("{open}{}{}</OFX>", " ".repeat(size() / 2), "<A></A>".repeat(size() / 14)).into_bytes(),
        ),
        ("unclosed comments", repeat(&open, "<!--", "</OFX>")),
        ("unclosed CDATA", repeat(&open, "<![CDATA[", "</OFX>")),
        ("unclosed declarations", repeat(&open, "<!", "</OFX>")),
        ("unclosed processing instructions", repeat(&open, "<?", "</OFX>")),
        ("ampersands", repeat(&format!("{open}<NAME>"), "&&#;&#x;&amp", "</OFX>")),
    ];
    reads_in_linear_time("OFX SGML", read_ofx, ofx_sgml_statement(), hostile);
}

#[test]
fn ofx_xml_reads_in_linear_time() {
    let open = "<?xml version=\"1.0\"?><?OFX OFXHEADER=\"200\" VERSION=\"220\"?><OFX>";
    let attributes: String = (0..size() / 12).map(|i| format!(" a{i}=\"1\"")).collect();
    let hostile = vec![
        ("deep nesting", repeat(open, "<A>", "</OFX>")),
        ("deep nesting closed", repeat(open, "<A></A>", "</OFX>")),
        ("an element with many attributes", format!("{open}<STMTRS{attributes}></STMTRS></OFX>").into_bytes()),
        ("lone `<` characters", repeat(open, "<", "</OFX>")),
        ("unmatched end tags", repeat(&format!("{open}{}", open_aggregates(250)), "</B>", "</OFX>")),
        ("end tags without `>`", repeat(open, "</STMTTRN", "</OFX>")),
        ("empty elements", repeat(open, "<A/>", "</OFX>")),
    ];
    reads_in_linear_time("OFX XML", read_ofx, ofx_xml_statement(), hostile);
}

// QIF.

fn read_qif(bytes: &[u8]) -> usize {
    let _ = qif::parse(bytes, Currency::USD, Some(qif::DateOrder::DayFirst));
    let _ = parse(bytes, Some("x.qif"), &ImportOptions::default());
    transactions(&qif::parse(bytes, Currency::USD, None))
}

fn qif_transaction(i: usize) -> String {
    format!(
        "D{}/{}/2023\nT-{}.{:02}\nPGROCERY STORE #{}\nMweekly shop\nLFood:Groceries\n^\n",
        i % 12 + 1,
        i % 28 + 1,
        i % 500,
        i % 100,
        i % 977
    )
}

#[test]
fn qif_reads_in_linear_time() {
    let ordinary = fill("!Type:Bank\n", qif_transaction, "");
    let hostile = vec![
        (
            "a distinct account per transaction",
            fill("", |i| format!("!Account\nNChecking {i}\nTBank\n^\n!Type:Bank\n{}", qif_transaction(i)), ""),
        ),
        ("distinct accounts without transactions", fill("", |i| format!("!Account\nNA{i}\nTBank\n^\n"), "")),
        ("the same account again and again", repeat("", "!Account\nNChecking\nTBank\n^\n", "")),
        (
            "accounts switched by an AutoSwitch list",
            fill("!Option:AutoSwitch\n", |i| format!("!Account\nNA{i}\nTBank\n^\n"), ""),
        ),
        ("one record of many splits", repeat("!Type:Bank\nD1/2/2023\nT-1.00\n", "SFood\n$-0.00\nEsplit\n", "^\n")),
        ("section headers", repeat("", "!Type:Bank\n", "")),
        ("fields without records", repeat("!Type:Bank\n", "P\n", "")),
    ];
    reads_in_linear_time("QIF", read_qif, ordinary, hostile);
}

// CSV.

fn read_csv(bytes: &[u8]) -> usize {
    let mapping = common::date_payee_amount("%Y-%m-%d");
    let _ = csv::parse(bytes, &mapping);
    let _ = csv::preview(bytes, &mapping, 20);
    let _ = csv::layout(bytes, 20);
    // Without a name the file is recognized by sniffing it, then sniffed again to be read.
    transactions(&parse(bytes, None, &ImportOptions::default()))
}

fn csv_row(i: usize) -> String {
    format!(
        "2023-{:02}-{:02},POS PURCHASE GROCERY STORE #{},-{}.{:02},{}.{:02},TX{i:09}\n",
        i % 12 + 1,
        i % 28 + 1,
        i % 977,
        i % 500,
        i % 100,
        i % 9000,
        i % 100
    )
}

/// Rows `width` cells wide at the top, a line longer than the part of the file the delimiter is
/// chosen on (so those rows alone decide the width), then many two-cell rows.
fn wide_head_over_narrow_rows(header: &str, width: usize) -> Vec<u8> {
    let wide_row = format!("2023-01-02,-1.00{}\n", ",".repeat(width - 2));
    let head = format!("{header}\n{wide_row}{wide_row}{}\n", "x".repeat(70_000));
    repeat(&head, "2023-01-02,-1.00\n", "")
}

#[test]
fn csv_reads_in_linear_time() {
    let header = "Date,Description,Amount,Balance,Transaction ID\n";
    let ordinary = fill(header, csv_row, "");
    // As wide as a file may be, and wider.
    let width = 1000;
    let currency_header = format!("Date,Amount{}", ",Currency".repeat(width - 2));
    let blank_header = format!("Date,Amount{}", ",".repeat(width - 2));
    let distinct_rows = 2100;
    let distinct_width = size() / distinct_rows / 8;
    let distinct: String = (0..distinct_rows)
        .map(|r| {
            let cells: Vec<String> = (0..distinct_width).map(|c| format!("{}", r * distinct_width + c)).collect();
            format!("2023-01-02,{}\n", cells.join(","))
        })
        .collect();
    let hostile = vec![
        ("a huge quoted field", repeat(&format!("{header}2023-01-02,\""), "x\"\"y, z\n", "\",-1.00\n")),
        ("a quote never closed", repeat(&format!("{header}2023-01-02,\""), "x, y\n", "")),
        ("a header of many columns", repeat("Date,Description,Amount", ",C", "\n2023-01-02,Shop,-1.00\n")),
        ("one row of many columns", repeat("", "2023-01-02,", "\n")),
        ("rows of only delimiters", repeat(header, ",,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,\n", "")),
        ("rows of one cell", repeat(header, "1\n", "")),
        ("a wide header of currencies over narrow rows", wide_head_over_narrow_rows(&currency_header, width)),
        ("a wide blank header over narrow rows", wide_head_over_narrow_rows(&blank_header, width)),
        (
            "a header wider than any export over narrow rows",
            wide_head_over_narrow_rows(&format!("Date,Amount{}", ",".repeat(5 * width)), 5 * width + 2),
        ),
        (
            "a header cell of many words",
            repeat("Date,\"", "Amount paid in money out ", "\",Amount\n2023-01-02,x,-1.00\n"),
        ),
        (
            "many columns of distinct numbers",
            format!("Date{}\n{distinct}", ",Amount".repeat(distinct_width)).into_bytes(),
        ),
        ("many columns without a header", repeat("", &format!("2023-01-02,-1.00{}\n", ",1".repeat(130)), "")),
    ];
    reads_in_linear_time("CSV", read_csv, ordinary, hostile);
}

// CAMT.053.

const CAMT_HEAD: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
    <Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.08\"><BkToCstmrStmt>\
    <GrpHdr><MsgId>M1</MsgId><CreDtTm>2024-06-30T18:00:00</CreDtTm></GrpHdr>\n";
const CAMT_TAIL: &str = "</BkToCstmrStmt></Document>\n";

fn read_camt(bytes: &[u8]) -> usize {
    let _ = parse(bytes, Some("x.xml"), &ImportOptions::default());
    transactions(&camt053::parse(bytes))
}

fn camt_entry(i: usize) -> String {
    format!(
        "<Ntry><NtryRef>N-{i}</NtryRef><Amt Ccy=\"EUR\">{}.{:02}</Amt><CdtDbtInd>DBIT</CdtDbtInd>\
         <Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2024-06-{:02}</Dt></BookgDt><ValDt><Dt>2024-06-{:02}</Dt></ValDt>\
         <AcctSvcrRef>REF-{i}</AcctSvcrRef><NtryDtls><TxDtls><Refs><EndToEndId>E2E-{i}</EndToEndId></Refs>\
         <RltdPties><Cdtr><Pty><Nm>Supermarkt {}</Nm></Pty></Cdtr></RltdPties>\
         <RmtInf><Ustrd>Einkauf Filiale {}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>\n",
        i % 500,
        i % 100,
        i % 28 + 1,
        i % 28 + 1,
        i % 97,
        i % 31
    )
}

fn camt_statement(account: &str) -> String {
    format!(
        "<Stmt><Id>S1</Id><Acct><Id><IBAN>{account}</IBAN></Id><Ccy>EUR</Ccy>\
         <Svcr><FinInstnId><BICFI>UBSWCHZH80A</BICFI></FinInstnId></Svcr></Acct>\n"
    )
}

#[test]
fn camt053_reads_in_linear_time() {
    let open = format!("{CAMT_HEAD}{}", camt_statement("DE89370400440532013000"));
    let close = format!("</Stmt>{CAMT_TAIL}");
    let ordinary = fill(&open, camt_entry, &close);
    let attributes: String = (0..size() / 24).map(|i| format!(" a{i}=\"1\"")).collect();
    let entry_start = "<Ntry><Amt Ccy=\"EUR\">1.00</Amt><BookgDt><Dt>2024-06-01</Dt></BookgDt>";
    let hostile = vec![
        ("deep nesting", repeat(&open, "<Ntry>", &close)),
        ("deep nesting of prefixed names", repeat(&open, "<c53:Stmt>", &close)),
        (
            "an element with many attributes",
            format!(
                "{open}{entry_start}<CdtDbtInd{attributes}>DBIT</CdtDbtInd></Ntry>\n\
                 <Ntry><Amt{attributes} Ccy=\"EUR\">1.00</Amt></Ntry>{close}"
            )
            .into_bytes(),
        ),
        (
            "an entry of many payments, its direction after them",
            repeat(
                &format!("{open}{entry_start}"),
                "<NtryDtls><TxDtls><Amt>0.00</Amt></TxDtls></NtryDtls>",
                &format!("<CdtDbtInd>CRDT</CdtDbtInd></Ntry>{close}"),
            ),
        ),
        (
            "a long account number over many entries and balances",
            fill(
                &format!("{CAMT_HEAD}{}", camt_statement(&"DE89".repeat(size() / 8))),
                |i| {
                    if i % 2 == 0 {
                        format!("{entry_start}<CdtDbtInd>CRDT</CdtDbtInd></Ntry>\n")
                    } else {
                        "<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt>1.00</Amt>\
                         <CdtDbtInd>CRDT</CdtDbtInd></Bal>\n"
                            .to_owned()
                    }
                },
                &close,
            ),
        ),
        ("many statements", fill(CAMT_HEAD, |i| format!("{}</Stmt>\n", camt_statement(&format!("DE{i}"))), CAMT_TAIL)),
        (
            "many entity references",
            repeat(
                &format!("{open}<Ntry><AddtlNtryInf>"),
                "&amp;&#233;&lt;",
                &format!("</AddtlNtryInf></Ntry>{close}"),
            ),
        ),
        ("lone `<` characters", repeat(&open, "<", &close)),
        ("tags never closed", repeat(&open, "<Ntry", "")),
    ];
    reads_in_linear_time("CAMT.053", read_camt, ordinary, hostile);
}

// SimpleFIN.

fn read_simplefin(bytes: &[u8]) -> usize {
    let _ = parse(bytes, Some("x.json"), &ImportOptions::default());
    transactions(&simplefin::parse_accounts(bytes))
}

fn simplefin_transaction(i: usize) -> String {
    format!(
        "{{\"id\":\"TX{i:09}\",\"posted\":{},\"amount\":\"-{}.{:02}\",\"description\":\"GROCERY STORE #{}\",\
         \"payee\":\"Grocery Store\",\"memo\":\"POS PURCHASE\",\"transacted_at\":{}}},\n",
        1_700_000_000 + i * 3600,
        i % 500,
        i % 100,
        i % 977,
        1_699_990_000 + i * 3600
    )
}

fn simplefin_account(id: &str, name: &str) -> String {
    format!(
        "{{\"org\":{{\"domain\":\"mybank.com\",\"name\":\"My Bank\"}},\"id\":\"{id}\",\"name\":\"{name}\",\
         \"currency\":\"USD\",\"balance\":\"100.23\",\"balance-date\":1700000000,\"transactions\":["
    )
}

#[test]
fn simplefin_reads_in_linear_time() {
    let open = format!("{{\"errors\":[],\"accounts\":[{}", simplefin_account("A1", "Checking"));
    let close = "{\"id\":\"LAST\",\"posted\":1700000000,\"amount\":\"1.00\"}]}]}";
    let ordinary = fill(&open, simplefin_transaction, close);
    let hostile = vec![
        (
            "many accounts",
            fill(
                "{\"errors\":[],\"accounts\":[",
                |i| {
                    format!(
                        "{}{}]}},\n",
                        simplefin_account(&format!("A{i}"), &format!("Account {i}")),
                        &simplefin_transaction(i).trim_end().trim_end_matches(',')
                    )
                },
                "{\"id\":\"LAST\"}]}",
            ),
        ),
        (
            "a long name over many transactions",
            repeat(
                &format!("{{\"errors\":[],\"accounts\":[{}", simplefin_account("A1", &"Checking ".repeat(size() / 20))),
                "{\"posted\":1700000000,\"amount\":\"1.00\"},",
                close,
            ),
        ),
        ("deep nesting", repeat("{\"accounts\":", "[", "")),
        ("many errors", repeat("{\"errors\":[", "\"the bank needs attention\",", "\"x\"],\"accounts\":[]}")),
        ("a transaction of many keys", repeat(&format!("{open}{{\"id\":\"T\""), ",\"k\":1", &format!("}},{close}"))),
        (
            "a transaction of many distinct keys",
            fill(&format!("{open}{{\"id\":\"T\""), |i| format!(",\"k{i}\":1"), &format!("}},{close}")),
        ),
        ("one long string", repeat("{\"accounts\":[],\"errors\":[\"", "a\\u00e9", "\"]}")),
    ];
    reads_in_linear_time("SimpleFIN", read_simplefin, ordinary, hostile);
}
