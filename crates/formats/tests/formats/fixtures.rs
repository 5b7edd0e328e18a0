//! Every bank file under `shared/fixtures/` (written by others, never for this project) either
//! imports with the expected number of accounts and transactions and the exact sum of amounts
//! per currency, or is refused with the expected kind of error and a message naming the
//! problem. A second test checks the table covers every file there, so a new fixture cannot be
//! forgotten.
//!
//! The expectations were derived from the raw files, never from this parser's output: see the
//! comment over each group for how.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use spearmint_formats::csv::{AmountColumns, CsvMapping, DecimalSeparator};
use spearmint_formats::{Currency, FormatErrorKind, ImportOptions, Money};

use crate::common::{fixture, fixtures};

enum Expect {
    /// Imports through `parse` (CSV with a sniffed mapping).
    Ok {
        accounts: usize,
        transactions: usize,
        sum: &'static [(&'static str, &'static str)],
    },
    /// A CSV layout sniffing cannot get right on its own (the sign convention is not in the
    /// file): imported with the mapping the user would confirm in the preview.
    Mapped {
        mapping: fn() -> CsvMapping,
        accounts: usize,
        transactions: usize,
        sum: &'static [(&'static str, &'static str)],
    },
    Err(FormatErrorKind, &'static str),
    /// Not a statement of any kind (documentation); the reason is for the reader.
    Skip(#[allow(dead_code)] &'static str),
}

use Expect::{Err, Mapped, Ok, Skip};

const INVESTMENT: &str = "investment statements (INVSTMTRS) are not supported";
const NO_STATEMENT: &str = "holds no bank or credit card statement";
const QIF_NOTHING: &str = "holds no bank, cash or credit card transactions";
const MT940: &str = "MT940 (SWIFT) statements are not supported";
const TEMPLATE: &str = "this is a template with `{{ }}` placeholders";
const NOT_A_FORMAT: &str = "not in a format Spearmint reads";

#[rustfmt::skip]
const TABLE: &[(&str, Expect)] = &[
    // OFX from ofxparse and node-ofx-parser. Accounts: `grep -cE '<(STMTRS|CCSTMTRS)>'`;
    // transactions: `grep -o '<STMTTRN>' | wc -l`; sum: awk over the `<TRNAMT>` values; currency:
    // `<CURDEF>` (ofx-v102-empty-tags has an empty CURDEF and `<CURSYM>AUD` in its transaction).
    ("ofx/node-ofx-parser/example1.ofx", Ok { accounts: 1, transactions: 5, sum: &[("NZD", "-173.11")] }),
    ("ofx/node-ofx-parser/example-xml.qfx", Ok { accounts: 1, transactions: 1, sum: &[("USD", "0.84")] }),
    ("ofx/ofxparse/anzcc.ofx", Ok { accounts: 1, transactions: 1, sum: &[("AUD", "-5.50")] }),
    ("ofx/ofxparse/bank_medium.ofx", Ok { accounts: 1, transactions: 3, sum: &[("CAD", "-345.27")] }),
    ("ofx/ofxparse/checking.ofx", Ok { accounts: 1, transactions: 3, sum: &[("USD", "-59.50")] }),
    ("ofx/ofxparse/multiple_accounts.ofx", Ok { accounts: 2, transactions: 0, sum: &[] }),
    ("ofx/ofxparse/multiple_accounts2.ofx", Ok { accounts: 2, transactions: 0, sum: &[] }),
    ("ofx/ofxparse/ofx-v102-empty-tags.ofx", Ok { accounts: 1, transactions: 1, sum: &[("AUD", "12.34")] }),
    ("ofx/ofxparse/suncorp.ofx", Ok { accounts: 1, transactions: 1, sum: &[("AUD", "-16.85")] }),
    ("ofx/ofxparse/fail_nice/empty_balance.ofx", Ok { accounts: 1, transactions: 1, sum: &[("CAD", "120.00")] }),
    // Refused, read off the files: an account list with no statement (ACCTINFORS only), an
    // empty <OFX>, sign-on replies with nothing after them, status 2000 in STMTTRNRS, sign-on
    // status 15500, INVSTMTRS without any STMTRS, and the "fail nice" files whose first bad
    // transaction lacks DTPOSTED or has DTPOSTED 201120000000 (month 20).
    ("ofx/ofxparse/account_listing_aggregation.ofx", Err(FormatErrorKind::Empty, "lists accounts (ACCTINFORS) but holds no statement")),
    ("ofx/ofxparse/bank_small.ofx", Err(FormatErrorKind::Empty, NO_STATEMENT)),
    ("ofx/ofxparse/signon_success.ofx", Err(FormatErrorKind::Empty, NO_STATEMENT)),
    ("ofx/ofxparse/signon_success_no_message.ofx", Err(FormatErrorKind::Empty, NO_STATEMENT)),
    ("ofx/ofxparse/error_message.ofx", Err(FormatErrorKind::ServerError { code: 2000 }, "failed (code 2000): general server error")),
    ("ofx/ofxparse/signon_fail.ofx", Err(FormatErrorKind::SignOn { code: 15500 }, "OFX sign-on failed (code 15500): the bank refused the user name or password")),
    ("ofx/ofxparse/fidelity.ofx", Err(FormatErrorKind::Unsupported, INVESTMENT)),
    ("ofx/ofxparse/fidelity-savings.ofx", Err(FormatErrorKind::Unsupported, INVESTMENT)),
    ("ofx/ofxparse/investment_401k.ofx", Err(FormatErrorKind::Unsupported, INVESTMENT)),
    ("ofx/ofxparse/investment_medium.ofx", Err(FormatErrorKind::Unsupported, INVESTMENT)),
    ("ofx/ofxparse/td_ameritrade.ofx", Err(FormatErrorKind::Unsupported, INVESTMENT)),
    ("ofx/ofxparse/tiaacref.ofx", Err(FormatErrorKind::Unsupported, INVESTMENT)),
    ("ofx/ofxparse/vanguard.ofx", Err(FormatErrorKind::Unsupported, INVESTMENT)),
    ("ofx/ofxparse/vanguard401k.ofx", Err(FormatErrorKind::Unsupported, INVESTMENT)),
    ("ofx/ofxparse/fail_nice/date_missing.ofx", Err(FormatErrorKind::Invalid, "transaction 1 of account ····9749 (FITID 184997056): it has no posted date (DTPOSTED)")),
    ("ofx/ofxparse/fail_nice/decimal_error.ofx", Err(FormatErrorKind::Invalid, "DTPOSTED `201120000000` is not a date")),

    // QIF from quiffen. Transactions and sums: a ten-line Python reader counting `^`-ended
    // records that have a `D` line in !Type:Bank/CCard/Cash/Oth sections and adding their `T`
    // lines with Decimal; accounts: the `!Account` names those records fall under (a single
    // unnamed one when there is none).
    ("qif/quiffen/test.qif", Ok { accounts: 1, transactions: 6, sum: &[("USD", "-35.50")] }),
    ("qif/quiffen/test_oth_a.qif", Ok { accounts: 1, transactions: 6, sum: &[("USD", "-35.50")] }),
    ("qif/quiffen/test_category_override.qif", Ok { accounts: 1, transactions: 4, sum: &[("USD", "2077.44")] }),
    ("qif/quiffen/test_circular_reference.qif", Ok { accounts: 1, transactions: 2, sum: &[("USD", "-14.59")] }),
    ("qif/quiffen/test_split.qif", Ok { accounts: 1, transactions: 1, sum: &[("USD", "-10.00")] }),
    ("qif/quiffen/test_transaction_before_account_definition_1.qif", Ok { accounts: 1, transactions: 2, sum: &[("USD", "-197.96")] }),
    ("qif/quiffen/test_transaction_before_account_definition_2.qif", Ok { accounts: 1, transactions: 2, sum: &[("USD", "-197.96")] }),
    // Refused: a 0-byte file; prose with a .txt name; files holding only account, category or
    // security lists; an investment-only file (!Type:Invst).
    ("qif/quiffen/empty.qif", Err(FormatErrorKind::Empty, "the file is empty")),
    ("qif/quiffen/invalid.txt", Err(FormatErrorKind::Unsupported, NOT_A_FORMAT)),
    ("qif/quiffen/test_category_inherit.qif", Err(FormatErrorKind::Empty, QIF_NOTHING)),
    ("qif/quiffen/test_clear_autoswitch.qif", Err(FormatErrorKind::Empty, QIF_NOTHING)),
    ("qif/quiffen/test_nosymbol.qif", Err(FormatErrorKind::Empty, QIF_NOTHING)),
    ("qif/quiffen/test_option_autoswitch.qif", Err(FormatErrorKind::Empty, QIF_NOTHING)),
    ("qif/quiffen/test_unknown_account_type.qif", Err(FormatErrorKind::Unsupported, "investment transactions (!Type:Invst) are not supported")),

    // csv2ofx's CSVs, sniffed. Counts and sums: Python's csv module over each file with the
    // column the header names (Amount, Betrag, NetAmount ...; Withdrawal/Deposit, Debit/Credit
    // and Débit/Crédit as money out/in; Mint's Amount signed by its `debit`/`credit` Transaction
    // Type), rows without an amount and repeated headers left out, decimal commas for gls and
    // outbank. They agree with csv2ofx's own conversions in `converted/` where those convert
    // every row (gls, ingesp, n26, outbank, payoneer, schwab, stripe, ubs). Currency: the
    // file's currency column, `Amount (EUR)` header or `$`; the default (USD) where it says none.
    ("csv/csv2ofx/test/capitalone.csv", Ok { accounts: 1, transactions: 2, sum: &[("USD", "0.00")] }),
    ("csv/csv2ofx/test/creditunion.csv", Ok { accounts: 1, transactions: 8, sum: &[("USD", "465000.00")] }),
    ("csv/csv2ofx/test/default.csv", Ok { accounts: 1, transactions: 8, sum: &[("USD", "465000.00")] }),
    ("csv/csv2ofx/test/gls.csv", Ok { accounts: 1, transactions: 1, sum: &[("EUR", "-98.76")] }),
    ("csv/csv2ofx/test/ingesp.csv", Ok { accounts: 1, transactions: 10, sum: &[("USD", "350.21")] }),
    ("csv/csv2ofx/test/mint.csv", Ok { accounts: 1, transactions: 4, sum: &[("USD", "-3000.00")] }),
    ("csv/csv2ofx/test/mint_extra.csv", Ok { accounts: 1, transactions: 4, sum: &[("USD", "-3000.00")] }),
    ("csv/csv2ofx/test/mint_headerless.csv", Ok { accounts: 1, transactions: 4, sum: &[("USD", "-3000.00")] }),
    ("csv/csv2ofx/test/n26-fr.csv", Ok { accounts: 1, transactions: 2, sum: &[("EUR", "0.00")] }),
    ("csv/csv2ofx/test/outbank.csv", Ok { accounts: 1, transactions: 4, sum: &[("EUR", "-35.89")] }),
    ("csv/csv2ofx/test/payoneer.csv", Ok { accounts: 1, transactions: 2, sum: &[("USD", "20.00")] }),
    ("csv/csv2ofx/test/schwab-checking.csv", Ok { accounts: 1, transactions: 4, sum: &[("USD", "-215.27")] }),
    ("csv/csv2ofx/test/schwab-checking-baltest-case1.csv", Ok { accounts: 1, transactions: 4, sum: &[("USD", "-215.27")] }),
    ("csv/csv2ofx/test/schwab-checking-baltest-case2.csv", Ok { accounts: 1, transactions: 4, sum: &[("USD", "-215.27")] }),
    ("csv/csv2ofx/test/schwab-checking-baltest-case3.csv", Ok { accounts: 1, transactions: 4, sum: &[("USD", "-215.27")] }),
    ("csv/csv2ofx/test/schwab-checking-baltest-case4.csv", Ok { accounts: 1, transactions: 4, sum: &[("USD", "-215.27")] }),
    ("csv/csv2ofx/test/schwab-checking-baltest-case5.csv", Ok { accounts: 1, transactions: 4, sum: &[("USD", "-215.27")] }),
    ("csv/csv2ofx/test/schwab-checking-baltest-case6.csv", Ok { accounts: 1, transactions: 4, sum: &[("USD", "-215.27")] }),
    ("csv/csv2ofx/test/schwab-checking-baltest-case7.csv", Ok { accounts: 1, transactions: 2, sum: &[("USD", "0.00")] }),
    ("csv/csv2ofx/test/stripe-all.csv", Ok { accounts: 1, transactions: 5, sum: &[("CAD", "112.50")] }),
    ("csv/csv2ofx/test/stripe-default.csv", Ok { accounts: 1, transactions: 5, sum: &[("CAD", "112.50")] }),
    ("csv/csv2ofx/test/ubs-ch-fr_trimmed.csv", Ok { accounts: 1, transactions: 3, sum: &[("CHF", "30.00")] }),
    ("csv/csv2ofx/test/xero.csv", Ok { accounts: 1, transactions: 13, sum: &[("USD", "0.00")] }),
    // Exports that write purchases as positive numbers: nothing in the file says so, so the
    // mapping is the one a user confirms in the preview (negated). Amazon's `pending` and
    // cancelled rows have no total and are skipped; its repeated header too (same Python count,
    // totals negated; csv2ofx's amazon.ofx holds only the two orders of its date range).
    ("csv/csv2ofx/test/amazon.csv", Mapped { mapping: amazon, accounts: 1, transactions: 3, sum: &[("USD", "-45.76")] }),
    ("csv/csv2ofx/test/pcmastercard.csv", Mapped { mapping: pcmastercard, accounts: 1, transactions: 2, sum: &[("CAD", "-50.31")] }),

    // csv2ofx's conversions and examples, themselves OFX and QIF files. OFX counted as above
    // (grep for <STMTRS>, <STMTTRN>, <TRNAMT>, <CURDEF>); QIF with the same Python reader, the
    // accounts being the distinct `!Account` names (xero.qif switches back to Cash once).
    // mint.ofx, default_w_splits.ofx and transfer_example.ofx hold transfers (INTRARS), no
    // statement.
    ("csv/csv2ofx/converted/amazon.ofx", Ok { accounts: 1, transactions: 2, sum: &[("USD", "-11.64")] }),
    ("csv/csv2ofx/converted/default.ofx", Ok { accounts: 2, transactions: 8, sum: &[("USD", "465000.00")] }),
    ("csv/csv2ofx/converted/gls.ofx", Ok { accounts: 1, transactions: 1, sum: &[("EUR", "-98.76")] }),
    ("csv/csv2ofx/converted/ingesp.ofx", Ok { accounts: 1, transactions: 10, sum: &[("EUR", "350.21")] }),
    ("csv/csv2ofx/converted/n26.ofx", Ok { accounts: 1, transactions: 2, sum: &[("EUR", "0.00")] }),
    ("csv/csv2ofx/converted/outbank.ofx", Ok { accounts: 1, transactions: 4, sum: &[("EUR", "-35.89")] }),
    ("csv/csv2ofx/converted/payoneer.ofx", Ok { accounts: 1, transactions: 2, sum: &[("USD", "20.00")] }),
    ("csv/csv2ofx/converted/pcmastercard.ofx", Ok { accounts: 1, transactions: 2, sum: &[("CAD", "-50.31")] }),
    ("csv/csv2ofx/converted/schwab-checking.ofx", Ok { accounts: 1, transactions: 4, sum: &[("USD", "-215.27")] }),
    ("csv/csv2ofx/converted/schwab-checking-msmoney.ofx", Ok { accounts: 1, transactions: 4, sum: &[("USD", "-215.27")] }),
    ("csv/csv2ofx/converted/schwab-checking-baltest-case1.ofx", Ok { accounts: 1, transactions: 4, sum: &[("USD", "-215.27")] }),
    ("csv/csv2ofx/converted/schwab-checking-baltest-case2.ofx", Ok { accounts: 1, transactions: 4, sum: &[("USD", "-215.27")] }),
    ("csv/csv2ofx/converted/schwab-checking-baltest-case3.ofx", Ok { accounts: 1, transactions: 4, sum: &[("USD", "-215.27")] }),
    ("csv/csv2ofx/converted/schwab-checking-baltest-case4.ofx", Ok { accounts: 1, transactions: 4, sum: &[("USD", "-215.27")] }),
    ("csv/csv2ofx/converted/schwab-checking-baltest-case5.ofx", Ok { accounts: 1, transactions: 4, sum: &[("USD", "-215.27")] }),
    ("csv/csv2ofx/converted/schwab-checking-baltest-case6.ofx", Ok { accounts: 1, transactions: 4, sum: &[("USD", "-215.27")] }),
    ("csv/csv2ofx/converted/schwab-checking-baltest-case7.ofx", Ok { accounts: 1, transactions: 2, sum: &[("USD", "0.00")] }),
    ("csv/csv2ofx/converted/stripe-all.ofx", Ok { accounts: 1, transactions: 5, sum: &[("CAD", "112.50")] }),
    ("csv/csv2ofx/converted/stripe-default.ofx", Ok { accounts: 1, transactions: 5, sum: &[("CAD", "112.50")] }),
    ("csv/csv2ofx/converted/mint.ofx", Err(FormatErrorKind::Empty, NO_STATEMENT)),
    ("csv/csv2ofx/converted/default_w_splits.ofx", Err(FormatErrorKind::Empty, NO_STATEMENT)),
    ("csv/csv2ofx/example/transaction_example.ofx", Ok { accounts: 1, transactions: 1, sum: &[("USD", "-80.00")] }),
    ("csv/csv2ofx/example/transfer_example.ofx", Err(FormatErrorKind::Empty, NO_STATEMENT)),
    ("csv/csv2ofx/converted/creditunion.qif", Ok { accounts: 1, transactions: 8, sum: &[("USD", "465000.00")] }),
    ("csv/csv2ofx/converted/default.qif", Ok { accounts: 2, transactions: 8, sum: &[("USD", "465000.00")] }),
    ("csv/csv2ofx/converted/default_w_splits.qif", Ok { accounts: 2, transactions: 8, sum: &[("USD", "465000.00")] }),
    ("csv/csv2ofx/converted/mint.qif", Ok { accounts: 2, transactions: 4, sum: &[("USD", "-3000.00")] }),
    ("csv/csv2ofx/converted/mint_alt.qif", Ok { accounts: 1, transactions: 2, sum: &[("USD", "-500.00")] }),
    ("csv/csv2ofx/converted/mint_extra.qif", Ok { accounts: 2, transactions: 3, sum: &[("USD", "-500.00")] }),
    ("csv/csv2ofx/converted/stripe-all.qif", Ok { accounts: 1, transactions: 5, sum: &[("USD", "112.50")] }),
    ("csv/csv2ofx/converted/stripe-default.qif", Ok { accounts: 1, transactions: 5, sum: &[("USD", "112.50")] }),
    ("csv/csv2ofx/converted/ubs-ch-fr.qif", Ok { accounts: 1, transactions: 3, sum: &[("USD", "30.00")] }),
    ("csv/csv2ofx/converted/xero.qif", Ok { accounts: 3, transactions: 5, sum: &[("USD", "-233000.00")] }),
    ("csv/csv2ofx/example/investment_example.qif", Err(FormatErrorKind::Unsupported, "investment transactions (!Type:Invst) are not supported")),
    ("csv/csv2ofx/qif-file-format.txt", Skip("a description of the QIF format, not a statement")),

    // CAMT.053 from the camt053 package: its "samples" are Jinja templates (`{{ r.amount }}`,
    // `{% for %}`), not statements; the schemas are XSD and JSON Schema files. The JSON schemas
    // are read as SimpleFIN by their extension and have no `accounts`; the XSDs match nothing.
    // Real CAMT.053 parsing is covered by tests/checks.rs with statements written for it.
    ("camt/camt053/templates/camt.053.001.08/template.xml", Err(FormatErrorKind::Invalid, TEMPLATE)),
    ("camt/camt053/templates/camt.053.001.14/template.xml", Err(FormatErrorKind::Invalid, TEMPLATE)),
    ("camt/camt053/templates/camt.053.001.14/statement.xml", Err(FormatErrorKind::Invalid, TEMPLATE)),
    ("camt/camt053/templates/pacs.004.001.11/template.xml", Err(FormatErrorKind::Unsupported, "pacs payment messages are not supported")),
    ("camt/camt053/templates/camt.053.001.08/camt.053.001.08.xsd", Err(FormatErrorKind::Unsupported, NOT_A_FORMAT)),
    ("camt/camt053/templates/camt.053.001.14/camt.053.001.14.xsd", Err(FormatErrorKind::Unsupported, NOT_A_FORMAT)),
    ("camt/camt053/templates/pacs.004.001.11/pacs.004.001.11.xsd", Err(FormatErrorKind::Unsupported, NOT_A_FORMAT)),
    ("camt/camt053/schemas/camt.052.001.14.schema.json", Err(FormatErrorKind::Syntax, "has no `accounts` list")),
    ("camt/camt053/schemas/camt.053.001.14.schema.json", Err(FormatErrorKind::Syntax, "has no `accounts` list")),
    ("camt/camt053/schemas/camt.054.001.14.schema.json", Err(FormatErrorKind::Syntax, "has no `accounts` list")),

    // SimpleFIN from simplefin4py: accounts and transactions counted with `jq '.accounts |
    // length'` and `[.accounts[].transactions[]] | length`, amounts added from the same. The
    // 402 body has no accounts and one error (a warning, checked below); the 403 body is HTML.
    ("simplefin/simplefin4py/account_set.json", Ok { accounts: 1, transactions: 1, sum: &[("USD", "-33293.43")] }),
    ("simplefin/simplefin4py/200-with-errors.json", Ok { accounts: 8, transactions: 1, sum: &[("USD", "-1234.56")] }),
    ("simplefin/simplefin4py/402.json", Ok { accounts: 0, transactions: 0, sum: &[] }),
    ("simplefin/simplefin4py/403.txt", Err(FormatErrorKind::Unsupported, "this is a web page (HTML)")),

    // MT940 from mt940js: `:20:` and `:60F:`/`:60M:` tags; not a format we import.
    ("mt940/mt940js/test1.mt940", Err(FormatErrorKind::Unsupported, MT940)),
    ("mt940/mt940js/testX.mt940", Err(FormatErrorKind::Unsupported, MT940)),
    ("mt940/mt940js/test2.mt940x", Err(FormatErrorKind::Unsupported, MT940)),
    ("mt940/mt940js/test-with-NS.mt940x", Err(FormatErrorKind::Unsupported, MT940)),

    ("README.md", Skip("describes the fixtures")),
];

fn amazon() -> CsvMapping {
    CsvMapping {
        delimiter: b',',
        has_header: true,
        skip_rows: 0,
        date_column: 4,
        date_format: "%Y-%m-%d".to_owned(),
        amount: AmountColumns::Signed { column: 5, negate: true },
        payee_column: 2,
        memo_column: None,
        id_column: Some(0),
        pending_column: None,
        decimal_mark: DecimalSeparator::Point,
        currency: Currency::USD,
    }
}

fn pcmastercard() -> CsvMapping {
    CsvMapping {
        delimiter: b',',
        has_header: true,
        skip_rows: 0,
        date_column: 2,
        date_format: "%m/%d/%Y".to_owned(),
        amount: AmountColumns::Signed { column: 4, negate: true },
        payee_column: 0,
        memo_column: None,
        id_column: None,
        pending_column: None,
        decimal_mark: DecimalSeparator::Point,
        currency: Currency::new("CAD").unwrap(),
    }
}

fn check(path: &str, expect: &Expect) -> Result<(), String> {
    let bytes = fixture(path);
    let name = Path::new(path).file_name().and_then(|n| n.to_str());
    let (mapping, accounts, transactions, sum) = match expect {
        Skip(_) => return Result::Ok(()),
        Err(kind, phrase) => {
            return match spearmint_formats::parse(&bytes, name, &ImportOptions::default()) {
                Result::Ok(s) => Result::Err(format!("expected an error, got {} account(s)", s.accounts.len())),
                Result::Err(e) if e.kind == *kind && e.message.contains(phrase) => Result::Ok(()),
                Result::Err(e) => {
                    Result::Err(format!("expected {kind:?} containing {phrase:?}, got {:?}: {}", e.kind, e))
                }
            };
        }
        Ok { accounts, transactions, sum } => (None, accounts, transactions, sum),
        Mapped { mapping, accounts, transactions, sum } => (Some(mapping()), accounts, transactions, sum),
    };
    let options = ImportOptions { csv: mapping, ..ImportOptions::default() };
    let statement = spearmint_formats::parse(&bytes, name, &options).map_err(|e| format!("{:?}: {e}", e.kind))?;
    let got_transactions: usize = statement.accounts.iter().map(|a| a.transactions.len()).sum();
    let mut sums: BTreeMap<String, Money> = BTreeMap::new();
    for t in statement.accounts.iter().flat_map(|a| &a.transactions) {
        let entry = sums.entry(t.amount.currency().code().to_owned()).or_insert(Money::zero(t.amount.currency()));
        *entry = entry.checked_add(t.amount).map_err(|e| e.to_string())?;
    }
    let got_sum: Vec<(String, String)> = sums.into_iter().map(|(c, m)| (c, m.to_plain_string())).collect();
    let want_sum: Vec<(String, String)> = sum.iter().map(|(c, s)| (c.to_string(), s.to_string())).collect();
    if statement.accounts.len() != *accounts || got_transactions != *transactions || got_sum != want_sum {
        return Result::Err(format!(
            "expected {accounts} account(s), {transactions} transaction(s), {want_sum:?}; got {} account(s), {got_transactions} transaction(s), {got_sum:?}",
            statement.accounts.len()
        ));
    }
    Result::Ok(())
}

#[test]
fn every_fixture_imports_or_is_refused_as_expected() {
    let failures: Vec<String> =
        TABLE.iter().filter_map(|(path, expect)| check(path, expect).err().map(|e| format!("{path}: {e}"))).collect();
    assert!(failures.is_empty(), "{} fixture(s) differ:\n{}", failures.len(), failures.join("\n"));
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.is_dir() {
            walk(&path, out);
        } else {
            out.push(path);
        }
    }
}

#[test]
fn the_table_covers_every_fixture_file() {
    let root = fixtures();
    let root = root.as_path();
    let mut files = Vec::new();
    walk(root, &mut files);
    let on_disk: Vec<String> =
        files.iter().map(|p| p.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/")).collect();
    let listed: Vec<&str> = TABLE.iter().map(|(p, _)| *p).collect();
    let missing: Vec<&String> = on_disk.iter().filter(|p| !listed.contains(&p.as_str())).collect();
    let gone: Vec<&&str> = listed.iter().filter(|p| !on_disk.iter().any(|d| d == *p)).collect();
    assert!(missing.is_empty(), "fixtures not in the table (add each with its expected result): {missing:?}");
    assert!(gone.is_empty(), "table entries with no file: {gone:?}");
    let mut seen = std::collections::HashSet::new();
    let dupes: Vec<&&str> = listed.iter().filter(|p| !seen.insert(**p)).collect();
    assert!(dupes.is_empty(), "listed twice: {dupes:?}");
}

#[test]
fn simplefin_errors_become_warnings() {
    let statement = spearmint_formats::parse(
        &fixture("simplefin/simplefin4py/402.json"),
        Some("402.json"),
        &ImportOptions::default(),
    )
    .unwrap();
    assert_eq!(statement.warnings, ["Payment required."]);
    let statement =
        spearmint_formats::simplefin::parse_accounts(&fixture("simplefin/simplefin4py/200-with-errors.json")).unwrap();
    assert_eq!(
        statement.warnings,
        ["Connection to Investments may need attention", "Connection to The Bank of Go may need attention"]
    );
}

#[test]
fn most_csv_layouts_are_sniffed_and_the_rest_are_mapped_by_hand() {
    let csvs: Vec<&(&str, Expect)> = TABLE.iter().filter(|(p, _)| p.ends_with(".csv")).collect();
    let mapped = csvs.iter().filter(|(_, e)| matches!(e, Mapped { .. })).count();
    // Counted by hand from the table: two layouts (Amazon orders and PC Mastercard) write
    // spending as positive numbers and need the user's word.
    assert_eq!((csvs.len(), mapped), (25, 2));
}

/// Sniffing and reading in one go (the file decoded and split once) gives what sniffing then
/// reading give, for every CSV fixture: the same mapping, the same statement or the same error.
#[test]
fn sniff_and_parse_is_sniff_then_parse() {
    use spearmint_core::Currency;
    use spearmint_formats::csv;
    let mut csvs = 0;
    for (path, _) in TABLE.iter().filter(|(p, _)| p.ends_with(".csv")) {
        let bytes = fixture(path);
        let apart = csv::sniff(&bytes, Currency::USD).and_then(|m| csv::parse(&bytes, &m).map(|s| (m, s)));
        let together = csv::sniff_and_parse(&bytes, Currency::USD);
        match (apart, together) {
            (Result::Ok(apart), Result::Ok(together)) => assert_eq!(apart, together, "{path}"),
            (Result::Err(apart), Result::Err(together)) => {
                assert_eq!(apart.to_string(), together.to_string(), "{path}")
            }
            (apart, together) => panic!("{path}: {apart:?} against {together:?}"),
        }
        csvs += 1;
    }
    assert_eq!(csvs, 25);
}
