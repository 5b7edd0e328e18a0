//! The parsers' fuzz target: arbitrary bytes, and real fixtures cut short at every byte,
//! flipped, spliced and stripped of tags, never make any parser panic, and what they accept
//! keeps the statement's invariants. Generated transactions written as OFX, QIF and CSV read
//! back unchanged. 256 cases per property on every run; many more with SPEARMINT_SLOW_TESTS set
//! (`cargo xtask test --slow`).

use chrono::NaiveDate;
use proptest::prelude::*;
use spearmint_formats::csv::{self, AmountColumns, CsvMapping, DecimalSeparator};
use spearmint_formats::{Currency, ImportOptions, Money, Statement, camt053, detect, ofx, parse, qif, simplefin, text};

use crate::common::{self, data, fixture, slow};

fn config() -> ProptestConfig {
    ProptestConfig { cases: if slow() { 20_000 } else { 256 }, failure_persistence: None, ..ProptestConfig::default() }
}

fn fixed_mapping() -> CsvMapping {
    CsvMapping {
        delimiter: b',',
        has_header: true,
        skip_rows: 0,
        date_column: 0,
        date_format: "%Y-%m-%d".to_owned(),
        amount: AmountColumns::DebitCredit { debit: 2, credit: 3 },
        payee_column: 1,
        memo_column: Some(4),
        id_column: Some(5),
        pending_column: None,
        decimal_mark: DecimalSeparator::Comma,
        currency: Currency::EUR,
    }
}

/// What every accepted statement must satisfy.
fn check_invariants(statement: &Statement) {
    for account in &statement.accounts {
        for t in &account.transactions {
            assert_eq!(t.amount.currency(), account.currency, "a transaction in another currency than its account");
            assert_eq!(t.payee, t.payee.split_whitespace().collect::<Vec<_>>().join(" "), "payee not cleaned");
            assert!(t.provider_id.as_deref() != Some(""), "an empty provider id must be None");
            if !t.splits.is_empty() {
                let sum = t.splits.iter().try_fold(Money::zero(t.amount.currency()), |s, x| s.checked_add(x.amount));
                assert_eq!(sum, Ok(t.amount), "splits that do not add up");
            }
        }
    }
}

/// Runs every parser on the bytes; none may panic.
fn every_parser(bytes: &[u8], thorough: bool) {
    let _ = text::decode(bytes);
    let _ = detect(bytes, None);
    let options = ImportOptions::default();
    // By name too, so that content matching nothing reaches each parser through `parse`.
    let names: &[Option<&str>] = if thorough {
        &[None, Some("x.ofx"), Some("x.qif"), Some("x.csv"), Some("x.xml"), Some("x.json")]
    } else {
        &[None]
    };
    for &name in names {
        if let Ok(s) = parse(bytes, name, &options) {
            check_invariants(&s);
        }
    }
    if let Ok(s) = ofx::parse(bytes) {
        check_invariants(&s);
    }
    let _ = ofx::parse_account_info(bytes);
    for order in [None, Some(qif::DateOrder::DayFirst)] {
        if let Ok(s) = qif::parse(bytes, Currency::USD, order) {
            check_invariants(&s);
        }
    }
    if let Ok(mapping) = csv::sniff(bytes, Currency::USD) {
        if let Ok(s) = csv::parse(bytes, &mapping) {
            check_invariants(&s);
        }
        let _ = csv::preview(bytes, &mapping, 20);
    }
    let _ = csv::parse(bytes, &fixed_mapping());
    let _ = csv::preview(bytes, &fixed_mapping(), 20);
    if let Ok(s) = camt053::parse(bytes) {
        check_invariants(&s);
    }
    if let Ok(s) = simplefin::parse_accounts(bytes) {
        check_invariants(&s);
    }
}

/// Real files of every format, to mutate.
fn seeds() -> &'static [Vec<u8>] {
    static SEEDS: std::sync::OnceLock<Vec<Vec<u8>>> = std::sync::OnceLock::new();
    SEEDS.get_or_init(|| {
        let mut seeds: Vec<Vec<u8>> = [
            "ofx/ofxparse/bank_medium.ofx",
            "ofx/ofxparse/checking.ofx",
            "ofx/ofxparse/suncorp.ofx",
            "ofx/ofxparse/ofx-v102-empty-tags.ofx",
            "ofx/ofxparse/signon_fail.ofx",
            "ofx/ofxparse/account_listing_aggregation.ofx",
            "qif/quiffen/test.qif",
            "qif/quiffen/test_split.qif",
            "csv/csv2ofx/test/gls.csv",
            "csv/csv2ofx/test/schwab-checking.csv",
            "csv/csv2ofx/test/mint_extra.csv",
            "csv/csv2ofx/test/ubs-ch-fr_trimmed.csv",
            "simplefin/simplefin4py/200-with-errors.json",
        ]
        .iter()
        .map(|p| fixture(p))
        .collect();
        seeds.push(data("camt053-v02-prefixed.xml"));
        seeds.push(data("camt053-v08-two-accounts.xml"));
        seeds
    })
}

#[test]
fn fixtures_cut_short_at_every_byte() {
    // Every seed in slow runs; otherwise one small file of each format.
    let few = [
        fixture("ofx/ofxparse/bank_medium.ofx"),
        fixture("qif/quiffen/test_split.qif"),
        fixture("csv/csv2ofx/test/gls.csv"),
        fixture("simplefin/simplefin4py/account_set.json"),
        data("camt053-v08-two-accounts.xml"),
    ];
    let seeds: &[Vec<u8>] = if slow() { seeds() } else { &few };
    for seed in seeds {
        for end in 0..=seed.len() {
            every_parser(&seed[..end], false);
        }
    }
}

#[test]
fn deep_nesting_is_refused_not_overflowed() {
    // Whole documents, so each parser gets as far as nesting: the refusal must be the depth
    // check's, not an earlier "no OFX element" or "unclosed element".
    let nests_too_deep = |e: spearmint_formats::FormatError| {
        assert!(e.to_string().contains("nest deeper than"), "{e}");
    };
    let deep_sgml =
        format!("OFXHEADER:100\nDATA:OFXSGML\n\n<OFX>{}{}</OFX>", "<A>".repeat(200_000), "</A>".repeat(200_000));
    nests_too_deep(ofx::parse(deep_sgml.as_bytes()).unwrap_err());
    let deep_ofx_xml = format!(
        "<?xml version=\"1.0\"?><?OFX OFXHEADER=\"200\" VERSION=\"220\"?><OFX>{}{}</OFX>",
        "<A>".repeat(200_000),
        "</A>".repeat(200_000)
    );
    nests_too_deep(ofx::parse(deep_ofx_xml.as_bytes()).unwrap_err());
    let deep_xml = format!(
        "<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\">{}{}</Document>",
        "<Stmt>".repeat(200_000),
        "</Stmt>".repeat(200_000)
    );
    nests_too_deep(camt053::parse(deep_xml.as_bytes()).unwrap_err());
    let deep_json = format!("{{\"accounts\":{}", "[".repeat(200_000));
    assert!(simplefin::parse_accounts(deep_json.as_bytes()).is_err());
    let unclosed_leaves = "<OFX>".to_owned() + &"<NAME>x".repeat(100_000);
    assert!(ofx::parse(unclosed_leaves.as_bytes()).is_err());
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip {
        at: usize,
        byte: u8,
    },
    Remove {
        at: usize,
        len: usize,
    },
    Duplicate {
        at: usize,
        len: usize,
    },
    Insert {
        at: usize,
        bytes: Vec<u8>,
    },
    /// Remove the n-th `<...>` tag.
    DropTag(usize),
    /// Repeat the n-th `<...>` tag.
    RepeatTag(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Mutation::Flip { at, byte }),
        (any::<usize>(), 0usize..64).prop_map(|(at, len)| Mutation::Remove { at, len }),
        (any::<usize>(), 0usize..256).prop_map(|(at, len)| Mutation::Duplicate { at, len }),
        (any::<usize>(), proptest::collection::vec(any::<u8>(), 0..16))
            .prop_map(|(at, bytes)| Mutation::Insert { at, bytes }),
        any::<usize>().prop_map(Mutation::DropTag),
        any::<usize>().prop_map(Mutation::RepeatTag),
    ]
}

fn tags(bytes: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'<' => start = Some(i),
            b'>' => {
                if let Some(s) = start.take() {
                    out.push((s, i + 1));
                }
            }
            _ => {}
        }
    }
    out
}

fn apply(mut bytes: Vec<u8>, m: &Mutation) -> Vec<u8> {
    let len = bytes.len();
    let clamp = |at: usize| if len == 0 { 0 } else { at % (len + 1) };
    match m {
        Mutation::Flip { at, byte } => {
            if len > 0 {
                bytes[at % len] ^= byte;
            }
        }
        Mutation::Remove { at, len: n } => {
            let start = clamp(*at);
            let end = (start + n).min(len);
            bytes.drain(start..end);
        }
        Mutation::Duplicate { at, len: n } => {
            let start = clamp(*at);
            let end = (start + n).min(len);
            let copy = bytes[start..end].to_vec();
            bytes.splice(end..end, copy);
        }
        Mutation::Insert { at, bytes: new } => {
            let at = clamp(*at);
            bytes.splice(at..at, new.iter().copied());
        }
        Mutation::DropTag(n) | Mutation::RepeatTag(n) => {
            let tags = tags(&bytes);
            if !tags.is_empty() {
                let (s, e) = tags[n % tags.len()];
                if matches!(m, Mutation::DropTag(_)) {
                    bytes.drain(s..e);
                } else {
                    let copy = bytes[s..e].to_vec();
                    bytes.splice(e..e, copy);
                }
            }
        }
    }
    bytes
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        every_parser(&bytes, true);
    }

    #[test]
    fn arbitrary_text_never_panics(text in "[<>/A-Z0-9a-z:;,.\\-\\^!$'\" \n\t{}\\[\\]&#]{0,600}") {
        every_parser(text.as_bytes(), true);
    }

    #[test]
    fn mutated_fixtures_never_panic(seed in 0usize..15, mutations in proptest::collection::vec(mutation(), 1..8)) {
        let seeds = seeds();
        let mut bytes = seeds[seed % seeds.len()].clone();
        for m in &mutations {
            bytes = apply(bytes, m);
        }
        every_parser(&bytes, true);
    }
}

/// A transaction as the generators make it.
#[derive(Debug, Clone, PartialEq)]
struct Generated {
    date: NaiveDate,
    minor: i64,
    payee: String,
}

fn generated() -> impl Strategy<Value = Generated> {
    (0i64..40_000, -100_000_000i64..100_000_000, "[A-Za-z0-9éü€][A-Za-z0-9 &'.,éü€*#/-]{0,28}[A-Za-z0-9éü€]").prop_map(
        |(days, minor, payee)| Generated {
            date: NaiveDate::from_ymd_opt(1990, 1, 1).unwrap() + chrono::Days::new(days as u64),
            minor,
            payee: payee.split_whitespace().collect::<Vec<_>>().join(" "),
        },
    )
}

fn plain(minor: i64) -> String {
    Money::from_minor(minor, Currency::USD).to_plain_string()
}

fn read_back(statement: &Statement) -> Vec<Generated> {
    statement
        .accounts
        .iter()
        .flat_map(|a| &a.transactions)
        .map(|t| Generated { date: t.posted_on, minor: t.amount.minor(), payee: t.payee.clone() })
        .collect()
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn ofx_round_trip(transactions in proptest::collection::vec(generated(), 1..20)) {
        let body: String = transactions
            .iter()
            .enumerate()
            .map(|(i, t)| format!(
                "<STMTTRN>\n<TRNTYPE>OTHER\n<DTPOSTED>{}120000.000[-5:EST]\n<TRNAMT>{}\n<FITID>{i}\n<NAME>{}\n</STMTTRN>\n",
                t.date.format("%Y%m%d"), plain(t.minor), xml_escape(&t.payee)
            ))
            .collect();
        let file = format!(
            "OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\n\n<OFX>\n<BANKMSGSRSV1><STMTTRNRS><STMTRS><CURDEF>USD\n<BANKACCTFROM><ACCTID>1\n</BANKACCTFROM>\n<BANKTRANLIST>\n{body}</BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>"
        );
        let statement = ofx::parse(file.as_bytes()).unwrap();
        prop_assert_eq!(read_back(&statement), transactions);
    }

    #[test]
    fn qif_round_trip(transactions in proptest::collection::vec(generated(), 1..20)) {
        let body: String = transactions
            .iter()
            .map(|t| format!("D{}\nT{}\nP{}\n^\n", t.date.format("%m/%d/%Y"), plain(t.minor), t.payee))
            .collect();
        let file = format!("!Type:Bank\n{body}");
        let statement = qif::parse(file.as_bytes(), Currency::USD, None).unwrap();
        prop_assert_eq!(read_back(&statement), transactions);
    }

    #[test]
    fn csv_round_trip(transactions in proptest::collection::vec(generated(), 1..20)) {
        let mut writer = ::csv::WriterBuilder::new().delimiter(b';').from_writer(Vec::new());
        writer.write_record(["Date", "Description", "Amount"]).unwrap();
        for t in &transactions {
            let amount = Money::from_minor(t.minor, Currency::EUR).format(spearmint_formats::DecimalMark::Comma, true);
            writer.write_record([t.date.format("%d.%m.%Y").to_string(), t.payee.clone(), amount]).unwrap();
        }
        let bytes = writer.into_inner().unwrap();
        let mapping = CsvMapping {
            delimiter: b';',
            decimal_mark: DecimalSeparator::Comma,
            currency: Currency::EUR,
            ..common::date_payee_amount("%d.%m.%Y")
        };
        let statement = csv::parse(&bytes, &mapping).unwrap();
        prop_assert_eq!(read_back(&statement), transactions.clone());
        // The sniffer finds the same layout on its own.
        let sniffed = csv::sniff(&bytes, Currency::EUR).unwrap();
        prop_assert_eq!(read_back(&csv::parse(&bytes, &sniffed).unwrap()), transactions);
    }
}

proptest! {
    #![proptest_config(config())]

    /// Dates in `%Y-%m-%d` are read directly (chrono re-reads its format for every cell): the
    /// result is always chrono's, for valid dates, invalid ones and near misses alike.
    #[test]
    fn iso_dates_read_as_chrono_reads_them(
        y in prop_oneof![0u32..10_000, 1890u32..2210],
        m in 0u32..14,
        d in 0u32..33,
        shape in 0usize..5,
    ) {
        let text = match shape {
            0 => format!("{y:04}-{m:02}-{d:02}"),
            1 => format!("{y}-{m}-{d}"),
            2 => format!(" {y:04}-{m:02}-{d:02} "),
            3 => format!("{y:04}/{m:02}/{d:02}"),
            _ => format!("{y:04}-{m:02}-{d:02}x"),
        };
        let chrono = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
            .ok()
            .filter(|d| (1900..=2200).contains(&chrono::Datelike::year(d)));
        let mapping = common::date_payee_amount("%Y-%m-%d");
        let read = csv::parse(format!("Date,Payee,Amount\n{text},SHOP,-1.00\n").as_bytes(), &mapping)
            .ok()
            .map(|s| s.accounts[0].transactions[0].posted_on);
        prop_assert_eq!(read, chrono, "{}", text);
    }
}
