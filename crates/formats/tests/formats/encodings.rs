//! The same small OFX, QIF and CSV files, written in every encoding banks use (UTF-8 with and
//! without a byte-order mark, UTF-16 LE and BE with and without one, cp1252, Latin-1), read to
//! the same payees.

use spearmint_formats::{ImportOptions, Statement, parse, text};

const PAYEES: [&str; 3] = ["Café Zürich", "Bäckerei Müller €5", "Crème brûlée"];

fn ofx() -> String {
    let transactions: String = PAYEES
        .iter()
        .enumerate()
        .map(|(i, p)| {
            format!("<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>2024010{}<TRNAMT>-1.00<FITID>{i}<NAME>{p}\n</STMTTRN>\n", i + 1)
        })
        .collect();
    format!(
        "OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\nSECURITY:NONE\nENCODING:USASCII\nCHARSET:1252\nCOMPRESSION:NONE\n\
         OLDFILEUID:NONE\nNEWFILEUID:NONE\n\n<OFX><BANKMSGSRSV1><STMTTRNRS><TRNUID>1<STATUS><CODE>0<SEVERITY>INFO</STATUS>\
         <STMTRS><CURDEF>EUR<BANKACCTFROM><BANKID>1<ACCTID>2<ACCTTYPE>CHECKING</BANKACCTFROM><BANKTRANLIST>\n\
         {transactions}</BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>\n"
    )
}

fn qif() -> String {
    let records: String =
        PAYEES.iter().enumerate().map(|(i, p)| format!("D01/0{}/2024\nT-1.00\nP{p}\n^\n", i + 1)).collect();
    format!("!Type:Bank\n{records}")
}

fn csv() -> String {
    let rows: String = PAYEES.iter().enumerate().map(|(i, p)| format!("2024-01-0{};{p};-1,00\n", i + 1)).collect();
    format!("Datum;Empfänger;Betrag\n{rows}")
}

fn utf16(s: &str, big_endian: bool, bom: bool) -> Vec<u8> {
    let mut out = Vec::new();
    let units = (if bom { Some('\u{feff}') } else { None }).into_iter().chain(s.chars()).collect::<String>();
    for unit in units.encode_utf16() {
        out.extend(if big_endian { unit.to_be_bytes() } else { unit.to_le_bytes() });
    }
    out
}

fn encodings(s: &str) -> Vec<(&'static str, Vec<u8>)> {
    let (cp1252, _, unmappable) = encoding_rs::WINDOWS_1252.encode(s);
    assert!(!unmappable, "the sample has characters cp1252 lacks");
    vec![
        ("UTF-8", s.as_bytes().to_vec()),
        ("UTF-8 with BOM", [&b"\xEF\xBB\xBF"[..], s.as_bytes()].concat()),
        ("UTF-16 LE with BOM", utf16(s, false, true)),
        ("UTF-16 BE with BOM", utf16(s, true, true)),
        ("UTF-16 LE without BOM", utf16(s, false, false)),
        ("UTF-16 BE without BOM", utf16(s, true, false)),
        ("cp1252", cp1252.into_owned()),
    ]
}

fn payees(statement: &Statement) -> Vec<&str> {
    statement.accounts.iter().flat_map(|a| &a.transactions).map(|t| t.payee.as_str()).collect()
}

#[test]
fn ofx_qif_and_csv_read_alike_in_every_encoding() {
    for (format, name, content) in [("OFX", "x.ofx", ofx()), ("QIF", "x.qif", qif()), ("CSV", "x.csv", csv())] {
        for (encoding, bytes) in encodings(&content) {
            let statement = parse(&bytes, Some(name), &ImportOptions::default())
                .unwrap_or_else(|e| panic!("{format} in {encoding}: {e}"));
            assert_eq!(payees(&statement), PAYEES, "{format} in {encoding}");
        }
    }
}

#[test]
fn latin1_reads_like_cp1252() {
    // Latin-1 has no €: the sample without it.
    let content = "!Type:Bank\nD1/1/24\nT-1.00\nPCafé Zürich\n^\n";
    let latin1: Vec<u8> = content.chars().map(|c| u8::try_from(u32::from(c)).unwrap()).collect();
    let statement = parse(&latin1, Some("x.qif"), &ImportOptions::default()).unwrap();
    assert_eq!(payees(&statement), ["Café Zürich"]);
}

#[test]
fn a_declared_charset_is_honoured_when_the_bytes_are_not_utf8() {
    // CHARSET:1250 (Central European): 0x9A is `š` there, `š` in cp1252 too, but 0xB9 is `ą`.
    let mut bytes = b"OFXHEADER:100\nCHARSET:1250\n\n<OFX><NAME>".to_vec();
    bytes.extend([0xB9, 0x9A]);
    let decoded = text::decode(&bytes).unwrap();
    assert!(decoded.ends_with("ąš"), "{decoded}");
    let broken_utf16 = [0xFF, 0xFE, 0x41, 0x00, 0x00, 0xD8];
    assert_eq!(text::decode(&broken_utf16).unwrap_err().kind, spearmint_formats::FormatErrorKind::Encoding);
}
