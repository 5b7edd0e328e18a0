use chrono::NaiveDate;
use spearmint_core::{AccountKind, Currency, Money};
use spearmint_sandbox_bank::SandboxBank;

use crate::{bank, client, date, shared_dir};

/// A real client's request body from `shared/specs/ofx-requests/`, with this bank's login,
/// FI, account ids and a date range inside its books.
pub fn request(name: &str, bank: &SandboxBank, from: NaiveDate, to: NaiveDate) -> String {
    let text = std::fs::read_to_string(shared_dir().join("specs/ofx-requests").join(name)).expect("request body");
    let login = bank.ofx_login();
    let truth = bank.truth();
    let id = |kind| truth.iter().find(|a| a.kind == kind).expect("account").id.clone();
    text.replace(">myuser", &format!(">{}", login.user))
        .replace(">secret", &format!(">{}", login.password))
        .replace(">MYORG", &format!(">{}", login.org))
        .replace(">1234<", &format!(">{}<", login.fid))
        .replace(">1234\r", &format!(">{}\r", login.fid))
        .replace(">1234\n", &format!(">{}\n", login.fid))
        .replace(">111000614", &format!(">{}", login.bank_id))
        .replace(">9876543210", &format!(">{}", id(AccountKind::Checking)))
        .replace(">4111111111111111", &format!(">{}", id(AccountKind::CreditCard)))
        .replace(">20240101", &format!(">{}", from.format("%Y%m%d")))
        .replace(">20240301", &format!(">{}", to.format("%Y%m%d")))
}

pub async fn post(bank: &SandboxBank, body: String) -> (String, String) {
    let response = client()
        .post(bank.ofx_url())
        .header("content-type", "application/x-ofx")
        .body(body)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"].to_str().expect("ascii").to_owned();
    (content_type, response.text().await.expect("body"))
}

/// The response's version and its body as well-formed XML: 2.x as it is, 1.x after closing the
/// leaf elements 1.0.2 leaves open (one element per line).
pub fn as_xml(response: &str) -> (String, String) {
    if let Some(rest) = response.strip_prefix("OFXHEADER:100\r\n") {
        let (header, body) = rest.split_once("\r\n\r\n").expect("a blank line ends the header");
        let version = header.lines().find_map(|l| l.strip_prefix("VERSION:")).expect("VERSION").to_owned();
        let closed: Vec<String> = body
            .lines()
            .map(|line| {
                let t = line.trim();
                match t.strip_prefix('<').and_then(|r| r.split_once('>')) {
                    Some((tag, value)) if !tag.starts_with('/') && !value.is_empty() && !value.contains("</") => {
                        format!("<{tag}>{value}</{tag}>")
                    }
                    _ => t.to_owned(),
                }
            })
            .collect();
        (version, closed.join("\n"))
    } else {
        assert!(response.starts_with("<?xml version=\"1.0\""), "{response}");
        let pi = response.split("<?OFX ").nth(1).expect("OFX header");
        let version = pi.split("VERSION=\"").nth(1).and_then(|v| v.split('"').next()).expect("VERSION").to_owned();
        (version, response.to_owned())
    }
}

#[derive(Debug, PartialEq)]
pub struct Row {
    pub fitid: String,
    pub posted: String,
    pub amount: Money,
}

fn text<'a>(node: roxmltree::Node<'a, 'a>, tag: &str) -> Option<&'a str> {
    node.descendants().find(|n| n.has_tag_name(tag)).and_then(|n| n.text())
}

/// Statement rows of the first element named `statement` (`STMTRS` or `CCSTMTRS`).
pub fn rows(doc: &roxmltree::Document<'_>, statement: &str) -> Vec<Row> {
    let rs = doc.descendants().find(|n| n.has_tag_name(statement)).expect("statement");
    rs.descendants()
        .filter(|n| n.has_tag_name("STMTTRN"))
        .map(|t| Row {
            fitid: text(t, "FITID").expect("FITID").to_owned(),
            posted: text(t, "DTPOSTED").expect("DTPOSTED")[..8].to_owned(),
            amount: Money::parse(text(t, "TRNAMT").expect("TRNAMT"), Currency::USD).expect("amount"),
        })
        .collect()
}

fn expected_rows(bank: &SandboxBank, kind: AccountKind, from: NaiveDate, to: NaiveDate) -> Vec<Row> {
    let truth = bank.truth();
    let account = truth.iter().find(|a| a.kind == kind).expect("account");
    account
        .transactions
        .iter()
        .filter(|t| !t.pending && t.posted_on >= from && t.posted_on < to)
        .map(|t| Row { fitid: t.id.clone(), posted: t.posted_on.format("%Y%m%d").to_string(), amount: t.amount })
        .collect()
}

#[tokio::test]
async fn every_real_request_body_gets_a_well_formed_answer_in_its_version() {
    let bank = bank().await;
    let (from, to) = (date(2026, 10, 1), date(2026, 11, 15));
    for (name, version) in [
        ("acctinfo_v102.ofx", "102"),
        ("acctinfo_v103.ofx", "103"),
        ("acctinfo_v220.ofx", "220"),
        ("profile_v102.ofx", "102"),
        ("profile_v103.ofx", "103"),
        ("profile_v220.ofx", "220"),
        ("stmt_bank_cc_v102.ofx", "102"),
        ("stmt_bank_cc_v103.ofx", "103"),
        ("stmt_bank_cc_v220.ofx", "220"),
    ] {
        let (content_type, response) = post(&bank, request(name, &bank, from, to)).await;
        assert_eq!(content_type, "application/x-ofx", "{name}");
        let (got_version, xml) = as_xml(&response);
        assert_eq!(got_version, version, "{name}");
        let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{name} is not well-formed: {e}\n{xml}"));
        let sonrs = doc.descendants().find(|n| n.has_tag_name("SONRS")).expect("SONRS");
        assert_eq!(text(sonrs, "CODE"), Some("0"), "{name}: sign-on");
        let codes: Vec<&str> = doc.descendants().filter(|n| n.has_tag_name("CODE")).filter_map(|n| n.text()).collect();
        assert!(codes.iter().all(|c| *c == "0"), "{name}: every status is 0: {codes:?}");

        if name.starts_with("acctinfo") {
            let ids: Vec<&str> = doc
                .descendants()
                .filter(|n| n.has_tag_name("ACCTINFO"))
                .map(|n| text(n, "ACCTID").expect("ACCTID"))
                .collect();
            let truth_ids: Vec<String> = bank.truth().into_iter().map(|a| a.id).collect();
            assert_eq!(ids, truth_ids, "{name}");
            let trnuid = doc.descendants().find(|n| n.has_tag_name("ACCTINFOTRNRS")).and_then(|n| text(n, "TRNUID"));
            assert!(trnuid.is_some_and(|t| t.starts_with("UUID")), "{name}: TRNUID is echoed");
        } else if name.starts_with("profile") {
            let profrs = doc.descendants().find(|n| n.has_tag_name("PROFRS")).expect("PROFRS");
            assert_eq!(text(profrs, "FINAME"), Some("Spearmint Sandbox Bank"));
        } else {
            let bank_rows = rows(&doc, "STMTRS");
            let card_rows = rows(&doc, "CCSTMTRS");
            assert!(!bank_rows.is_empty() && !card_rows.is_empty(), "{name}");
            assert_eq!(bank_rows, expected_rows(&bank, AccountKind::Checking, from, to), "{name}: checking");
            assert_eq!(card_rows, expected_rows(&bank, AccountKind::CreditCard, from, to), "{name}: card");
            let list = doc.descendants().find(|n| n.has_tag_name("BANKTRANLIST")).expect("BANKTRANLIST");
            assert!(text(list, "DTSTART").is_some_and(|d| d.starts_with("20261001")));
            assert!(text(list, "DTEND").is_some_and(|d| d.starts_with("20261115")));
        }
    }
}

#[tokio::test]
async fn a_narrow_range_returns_only_its_days_and_never_pending_rows() {
    let bank = bank().await;
    let (from, to) = (date(2026, 11, 20), date(2026, 11, 22));
    let (_, response) = post(&bank, request("stmt_bank_cc_v220.ofx", &bank, from, to)).await;
    let doc = roxmltree::Document::parse(&response).expect("well-formed");
    let card = rows(&doc, "CCSTMTRS");
    assert_eq!(card, expected_rows(&bank, AccountKind::CreditCard, from, to));
    assert!(card.iter().all(|r| r.posted == "20261120" || r.posted == "20261121"));

    // Up to today: no pending purchase ever appears in an OFX statement.
    let (_, response) = post(&bank, request("stmt_bank_cc_v102.ofx", &bank, date(2026, 8, 1), date(2026, 12, 1))).await;
    let (_, xml) = as_xml(&response);
    let doc = roxmltree::Document::parse(&xml).expect("well-formed");
    let fitids: Vec<String> = rows(&doc, "CCSTMTRS").into_iter().map(|r| r.fitid).collect();
    let truth = bank.truth();
    let pending: Vec<&str> =
        truth.iter().flat_map(|a| &a.transactions).filter(|t| t.pending).map(|t| t.id.as_str()).collect();
    assert!(!pending.is_empty());
    assert!(fitids.iter().all(|f| !pending.contains(&f.as_str())));
    assert_eq!(fitids.len(), expected_rows(&bank, AccountKind::CreditCard, date(2026, 8, 1), date(2026, 12, 1)).len());
}

#[tokio::test]
async fn a_wrong_password_answers_status_15500_and_nothing_else() {
    let bank = bank().await;
    let password = bank.ofx_login().password;
    for name in ["stmt_bank_cc_v102.ofx", "acctinfo_v103.ofx", "stmt_bank_cc_v220.ofx"] {
        let body = request(name, &bank, date(2026, 10, 1), date(2026, 11, 1)).replace(&password, "wrong-password");
        let (_, response) = post(&bank, body).await;
        let (_, xml) = as_xml(&response);
        let doc = roxmltree::Document::parse(&xml).expect("well-formed");
        let sonrs = doc.descendants().find(|n| n.has_tag_name("SONRS")).expect("SONRS");
        assert_eq!(text(sonrs, "CODE"), Some("15500"), "{name}");
        assert_eq!(text(sonrs, "SEVERITY"), Some("ERROR"), "{name}");
        let ofx = doc.root_element();
        let sets: Vec<&str> = ofx.children().filter(|n| n.is_element()).map(|n| n.tag_name().name()).collect();
        assert_eq!(sets, ["SIGNONMSGSRSV1"], "{name}");
    }
}

#[tokio::test]
async fn expired_credentials_answer_15500_even_with_the_right_password() {
    let bank = bank().await;
    bank.faults().expire_credentials(true);
    let (_, response) = post(&bank, request("acctinfo_v220.ofx", &bank, date(2026, 10, 1), date(2026, 11, 1))).await;
    let doc = roxmltree::Document::parse(&response).expect("well-formed");
    assert_eq!(doc.descendants().find(|n| n.has_tag_name("CODE")).and_then(|n| n.text()), Some("15500"));
}

#[tokio::test]
async fn an_unknown_account_answers_status_2003_in_its_transaction() {
    let bank = bank().await;
    let checking = bank.truth()[0].id.clone();
    let body =
        request("stmt_bank_cc_v103.ofx", &bank, date(2026, 10, 1), date(2026, 11, 1)).replace(&checking, "0000000000");
    let (_, response) = post(&bank, body).await;
    let (_, xml) = as_xml(&response);
    let doc = roxmltree::Document::parse(&xml).expect("well-formed");
    let trnrs = doc.descendants().find(|n| n.has_tag_name("STMTTRNRS")).expect("STMTTRNRS");
    assert_eq!(text(trnrs, "CODE"), Some("2003"));
    let cc = doc.descendants().find(|n| n.has_tag_name("CCSTMTTRNRS")).expect("CCSTMTTRNRS");
    assert_eq!(text(cc, "CODE"), Some("0"), "the other statement in the same request still answers");
}

#[tokio::test]
async fn long_descriptors_are_cut_to_32_in_name_and_whole_in_memo() {
    let bank = bank().await;
    let (_, response) =
        post(&bank, request("stmt_bank_cc_v220.ofx", &bank, date(2026, 9, 1), date(2026, 11, 27))).await;
    let doc = roxmltree::Document::parse(&response).expect("well-formed");
    let mut long = 0;
    for t in doc.descendants().filter(|n| n.has_tag_name("STMTTRN")) {
        let name = text(t, "NAME").expect("NAME");
        assert!(name.chars().count() <= 32, "{name}");
        if let Some(memo) = text(t, "MEMO") {
            assert!(memo.starts_with(name), "{memo} / {name}");
            long += 1;
        }
    }
    assert!(long > 0);
    assert!(response.contains("AT&amp;T*BILL PAYMENT"), "& is escaped");
}
