//! OFX Direct Connect: `POST {base}/ofx` with an OFX 1.x SGML or 2.x XML request, answered in
//! the version the request used, as `application/x-ofx`.
//!
//! Supported: sign-on (`SONRQ`; a wrong login answers STATUS 15500 and nothing else), the
//! profile (`PROFRQ`, also with the anonymous login), the account list (`ACCTINFORQ`), bank
//! statements (`STMTRQ`) and card statements (`CCSTMTRQ`). Statements carry posted
//! transactions only (OFX has no pending rows); `INCTRAN` selects by posting date with
//! `DTSTART` inclusive and `DTEND` exclusive, comparing the bank's local date-times (the
//! time-zone brackets are read and ignored). `NAME` holds at most 32 characters, as the
//! specification says; a longer descriptor is cut there and given whole in `MEMO`.

use std::fmt::Write as _;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{Days, NaiveDate, NaiveDateTime};

use crate::ledger::{Book, Ledger, Role};
use crate::state::{Shared, lock};

// ---------------------------------------------------------------------------------------------
// Reading requests

/// One element: an aggregate with children, or a leaf with a value.
#[derive(Debug, Clone, Default)]
pub(crate) struct Node {
    pub name: String,
    pub value: Option<String>,
    pub children: Vec<Node>,
}

impl Node {
    pub fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }

    /// The first element of that name at any depth.
    pub fn find(&self, name: &str) -> Option<&Node> {
        self.children.iter().find_map(|c| if c.name == name { Some(c) } else { c.find(name) })
    }

    pub fn text(&self, name: &str) -> Option<&str> {
        self.find(name).and_then(|n| n.value.as_deref())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Dialect {
    /// OFX 1.x: a colon header, SGML body. 1.0.2 leaves leaf elements unclosed.
    Sgml { version: String },
    /// OFX 2.x: an XML declaration and an `<?OFX ...?>` processing instruction.
    Xml { version: String },
}

#[derive(Debug)]
pub(crate) struct Request {
    pub dialect: Dialect,
    pub ofx: Node,
}

fn attribute<'a>(pi: &'a str, name: &str) -> Option<&'a str> {
    let at = pi.find(&format!("{name}="))? + name.len() + 1;
    let rest = &pi[at..];
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let rest = &rest[1..];
    rest.find(quote).map(|end| &rest[..end])
}

pub(crate) fn parse(text: &str) -> Result<Request, String> {
    let text = text.trim_start_matches('\u{feff}').trim_start();
    let (dialect, body) = if text.starts_with("<?") {
        let pi_start = text.find("<?OFX").ok_or("an XML request without an <?OFX ...?> header")?;
        let pi_end = text[pi_start..].find("?>").ok_or("an unterminated <?OFX ...?> header")? + pi_start;
        let version = attribute(&text[pi_start..pi_end], "VERSION").unwrap_or("200").to_owned();
        (Dialect::Xml { version }, &text[pi_end + 2..])
    } else if text.starts_with("OFXHEADER") {
        let body_at = text.find('<').ok_or("an OFX header with no body")?;
        let version = text[..body_at]
            .lines()
            .filter_map(|l| l.split_once(':'))
            .find(|(k, _)| k.trim() == "VERSION")
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_else(|| "102".to_owned());
        (Dialect::Sgml { version }, &text[body_at..])
    } else {
        return Err("not an OFX request: it starts with neither OFXHEADER nor <?xml".to_owned());
    };
    let root = tree(body);
    let ofx = root.child("OFX").cloned().ok_or("no <OFX> element")?;
    Ok(Request { dialect, ofx })
}

#[derive(Debug, PartialEq)]
enum Token {
    Open(String),
    Close(String),
    Empty(String),
    Text(String),
}

fn tokens(body: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut rest = body;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('<') {
            let Some(end) = after.find('>') else { break };
            let tag = after[..end].trim();
            rest = &after[end + 1..];
            if tag.starts_with('?') || tag.starts_with('!') {
                continue;
            }
            if let Some(name) = tag.strip_prefix('/') {
                out.push(Token::Close(name.trim().to_ascii_uppercase()));
            } else if let Some(name) = tag.strip_suffix('/') {
                out.push(Token::Empty(name.trim().to_ascii_uppercase()));
            } else {
                let name = tag.split_whitespace().next().unwrap_or("");
                out.push(Token::Open(name.to_ascii_uppercase()));
            }
        } else {
            let end = rest.find('<').unwrap_or(rest.len());
            let text = rest[..end].trim();
            if !text.is_empty() {
                out.push(Token::Text(unescape(text)));
            }
            rest = &rest[end..];
        }
    }
    out
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&apos;", "'").replace("&amp;", "&")
}

/// Builds the element tree, tolerating SGML's unclosed leaves: an element directly followed
/// by text is a leaf (its closing tag, if any, is skipped); any other open tag starts an
/// aggregate, closed by the nearest matching closing tag.
fn tree(body: &str) -> Node {
    let mut stack = vec![Node::default()];
    let mut tokens = tokens(body).into_iter().peekable();
    while let Some(token) = tokens.next() {
        match token {
            Token::Open(name) => {
                if let Some(Token::Text(_)) = tokens.peek() {
                    let Some(Token::Text(value)) = tokens.next() else { unreachable!() };
                    if tokens.peek() == Some(&Token::Close(name.clone())) {
                        tokens.next();
                    }
                    let leaf = Node { name, value: Some(value), children: Vec::new() };
                    stack.last_mut().expect("root stays").children.push(leaf);
                } else {
                    stack.push(Node { name, value: None, children: Vec::new() });
                }
            }
            Token::Empty(name) => {
                let leaf = Node { name, value: Some(String::new()), children: Vec::new() };
                stack.last_mut().expect("root stays").children.push(leaf);
            }
            Token::Close(name) => {
                if stack.iter().skip(1).any(|n| n.name == name) {
                    while let Some(node) = stack.pop() {
                        let done = node.name == name;
                        stack.last_mut().expect("root stays").children.push(node);
                        if done {
                            break;
                        }
                    }
                }
            }
            Token::Text(_) => {}
        }
    }
    while stack.len() > 1 {
        let node = stack.pop().expect("more than one");
        stack.last_mut().expect("root stays").children.push(node);
    }
    stack.pop().expect("root")
}

/// Reads an OFX date-time (`YYYYMMDD[HHMMSS[.XXX]][[offset:TZ]]`) as the bank-local time it
/// states; the bracketed zone is ignored.
pub(crate) fn parse_datetime(s: &str) -> Option<NaiveDateTime> {
    let digits: String = s.trim().chars().take_while(|c| c.is_ascii_digit()).collect();
    let date = NaiveDate::parse_from_str(digits.get(..8)?, "%Y%m%d").ok()?;
    let field = |range: std::ops::Range<usize>| digits.get(range).and_then(|d| d.parse::<u32>().ok()).unwrap_or(0);
    date.and_hms_opt(field(8..10), field(10..12), field(12..14))
}

// ---------------------------------------------------------------------------------------------
// Writing responses

struct Writer {
    out: String,
    close_leaves: bool,
    depth: usize,
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

impl Writer {
    fn new(dialect: &Dialect) -> Writer {
        let (out, close_leaves) = match dialect {
            Dialect::Sgml { version } => (
                format!(
                    "OFXHEADER:100\r\nDATA:OFXSGML\r\nVERSION:{version}\r\nSECURITY:NONE\r\nENCODING:USASCII\r\n\
                     CHARSET:1252\r\nCOMPRESSION:NONE\r\nOLDFILEUID:NONE\r\nNEWFILEUID:NONE\r\n\r\n"
                ),
                version != "102",
            ),
            Dialect::Xml { version } => (
                format!(
                    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\r\n<?OFX OFXHEADER=\"200\" \
                     VERSION=\"{version}\" SECURITY=\"NONE\" OLDFILEUID=\"NONE\" NEWFILEUID=\"NONE\"?>\r\n"
                ),
                true,
            ),
        };
        Writer { out, close_leaves, depth: 0 }
    }

    fn indent(&mut self) {
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
    }

    fn open(&mut self, tag: &str) {
        self.indent();
        let _ = writeln!(self.out, "<{tag}>");
        self.depth += 1;
    }

    fn close(&mut self, tag: &str) {
        self.depth = self.depth.saturating_sub(1);
        self.indent();
        let _ = writeln!(self.out, "</{tag}>");
    }

    fn leaf(&mut self, tag: &str, value: &str) {
        self.indent();
        let value = escape(value);
        if self.close_leaves {
            let _ = writeln!(self.out, "<{tag}>{value}</{tag}>");
        } else {
            let _ = writeln!(self.out, "<{tag}>{value}");
        }
    }

    fn status(&mut self, code: u32, message: &str) {
        self.open("STATUS");
        self.leaf("CODE", &code.to_string());
        self.leaf("SEVERITY", if code == 0 { "INFO" } else { "ERROR" });
        if !message.is_empty() {
            self.leaf("MESSAGE", message);
        }
        self.close("STATUS");
    }
}

/// The bank's local time zone, stated on every date it writes.
const ZONE: &str = "[-5:EST]";

fn ofx_datetime(t: NaiveDateTime) -> String {
    format!("{}.000{ZONE}", t.format("%Y%m%d%H%M%S"))
}

fn ofx_date(date: NaiveDate) -> String {
    format!("{}120000.000{ZONE}", date.format("%Y%m%d"))
}

fn midnight(date: NaiveDate) -> NaiveDateTime {
    date.and_hms_opt(0, 0, 0).unwrap_or_default()
}

fn noon(date: NaiveDate) -> NaiveDateTime {
    date.and_hms_opt(12, 0, 0).unwrap_or_default()
}

fn ofx_response(body: String) -> Response {
    let mut response = (StatusCode::OK, body).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/x-ofx"));
    response
}

pub(crate) async fn handle(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let text = String::from_utf8_lossy(&body);
    let request = match parse(&text) {
        Ok(r) => r,
        Err(problem) => return (StatusCode::BAD_REQUEST, format!("bad OFX request: {problem}\n")).into_response(),
    };
    let Some(sonrq) = request.ofx.find("SONRQ") else {
        return (StatusCode::BAD_REQUEST, "bad OFX request: no SONRQ sign-on\n").into_response();
    };
    let login = &shared.login;
    let user = sonrq.text("USERID").unwrap_or("");
    let password = sonrq.text("USERPASS").unwrap_or("");
    let fi_matches = sonrq.find("FI").is_none_or(|fi| {
        fi.text("ORG").is_none_or(|org| org == login.org) && fi.text("FID").is_none_or(|fid| fid == login.fid)
    });
    let message_sets: Vec<&Node> = request.ofx.children.iter().filter(|n| n.name != "SIGNONMSGSRQV1").collect();
    let profile_only = message_sets.iter().all(|n| n.name == "PROFMSGSRQV1");
    let anonymous = user.starts_with("anonymous") && profile_only;
    let signed_on =
        fi_matches && !shared.faults.expired() && (anonymous || (user == login.user && password == login.password));

    let today = shared.today();
    if signed_on && !anonymous && shared.faults.daily_limit().is_some_and(|n| lock(&shared.ofx_usage).hit(today) > n) {
        shared.faults.note_throttled();
        let mut response =
            (StatusCode::TOO_MANY_REQUESTS, "daily request limit reached; retry tomorrow\n").into_response();
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("3600"));
        return response;
    }

    let mut w = Writer::new(&request.dialect);
    w.open("OFX");
    w.open("SIGNONMSGSRSV1");
    w.open("SONRS");
    if signed_on {
        w.status(0, "SUCCESS");
    } else {
        shared.faults.note_refused();
        let message = if fi_matches {
            "Your request could not be processed because you supplied an invalid identification code or your password was incorrect"
        } else {
            "Unknown financial institution: check ORG and FID"
        };
        w.status(15500, message);
    }
    w.leaf("DTSERVER", &ofx_datetime(noon(today)));
    w.leaf("LANGUAGE", "ENG");
    w.open("FI");
    w.leaf("ORG", &login.org);
    w.leaf("FID", &login.fid);
    w.close("FI");
    w.close("SONRS");
    w.close("SIGNONMSGSRSV1");
    if signed_on {
        let ledger = shared.ledger();
        for set in message_sets {
            message_set(&mut w, &shared, &ledger, set);
        }
    }
    w.close("OFX");
    ofx_response(w.out)
}

fn trnuid(rq: &Node) -> &str {
    rq.child("TRNUID").and_then(|n| n.value.as_deref()).unwrap_or("0")
}

fn message_set(w: &mut Writer, shared: &Shared, ledger: &Ledger, set: &Node) {
    let response_set = set.name.replacen("MSGSRQ", "MSGSRS", 1);
    w.open(&response_set);
    for rq in &set.children {
        let Some(kind) = rq.name.strip_suffix("TRNRQ") else { continue };
        let rs = format!("{kind}TRNRS");
        w.open(&rs);
        w.leaf("TRNUID", trnuid(rq));
        match kind {
            "ACCTINFO" => account_info(w, shared, ledger, rq),
            "STMT" => statement(w, shared, ledger, rq, false),
            "CCSTMT" => statement(w, shared, ledger, rq, true),
            "PROF" => profile(w, shared),
            _ => w.status(2000, "This server does not support that request"),
        }
        w.close(&rs);
    }
    w.close(&response_set);
}

fn cookie(w: &mut Writer, rq: &Node) {
    if let Some(cookie) = rq.child("CLTCOOKIE").and_then(|n| n.value.as_deref()) {
        w.leaf("CLTCOOKIE", cookie);
    }
}

fn account_info(w: &mut Writer, shared: &Shared, ledger: &Ledger, rq: &Node) {
    w.status(0, "SUCCESS");
    cookie(w, rq);
    w.open("ACCTINFORS");
    w.leaf("DTACCTUP", &ofx_datetime(midnight(shared.opened)));
    for book in &ledger.books {
        w.open("ACCTINFO");
        w.leaf("DESC", book.name);
        let (info, from) =
            if book.role == Role::Card { ("CCACCTINFO", "CCACCTFROM") } else { ("BANKACCTINFO", "BANKACCTFROM") };
        w.open(info);
        account_from(w, shared, book, from);
        w.leaf("SUPTXDL", "Y");
        w.leaf("XFERSRC", if book.role == Role::Card { "N" } else { "Y" });
        w.leaf("XFERDEST", "Y");
        w.leaf("SVCSTATUS", "ACTIVE");
        w.close(info);
        w.close("ACCTINFO");
    }
    w.close("ACCTINFORS");
}

fn account_from(w: &mut Writer, shared: &Shared, book: &Book, tag: &str) {
    w.open(tag);
    if book.role != Role::Card {
        w.leaf("BANKID", &shared.login.bank_id);
    }
    w.leaf("ACCTID", &book.id);
    match book.role {
        Role::Checking => w.leaf("ACCTTYPE", "CHECKING"),
        Role::Savings => w.leaf("ACCTTYPE", "SAVINGS"),
        Role::Card => {}
    }
    w.close(tag);
}

fn statement(w: &mut Writer, shared: &Shared, ledger: &Ledger, rq: &Node, card: bool) {
    let (from_tag, rs_tag) = if card { ("CCACCTFROM", "CCSTMTRS") } else { ("BANKACCTFROM", "STMTRS") };
    let account = rq.find(from_tag).and_then(|n| n.text("ACCTID")).unwrap_or("");
    let Some(book) = ledger.book(account).filter(|b| (b.role == Role::Card) == card) else {
        w.status(2003, "Account not found");
        return;
    };
    w.status(0, "SUCCESS");
    cookie(w, rq);
    w.open(rs_tag);
    w.leaf("CURDEF", "USD");
    account_from(w, shared, book, from_tag);
    let inctran = rq.find("INCTRAN");
    let include = inctran.and_then(|n| n.text("INCLUDE")).is_none_or(|v| !v.eq_ignore_ascii_case("N"));
    if let Some(inctran) = inctran.filter(|_| include) {
        let horizon = midnight(ledger.today.checked_add_days(Days::new(1)).unwrap_or(ledger.today));
        let start = inctran.text("DTSTART").and_then(parse_datetime).unwrap_or_else(|| midnight(shared.opened));
        let end = inctran.text("DTEND").and_then(parse_datetime).map_or(horizon, |e| e.min(horizon));
        w.open("BANKTRANLIST");
        w.leaf("DTSTART", &ofx_datetime(start));
        w.leaf("DTEND", &ofx_datetime(end));
        for entry in book.entries.iter().filter(|e| !e.tx.pending) {
            let at = noon(entry.tx.posted_on);
            if at < start || at >= end {
                continue;
            }
            let tx = &entry.tx;
            w.open("STMTTRN");
            w.leaf("TRNTYPE", entry.kind.ofx_trntype());
            w.leaf("DTPOSTED", &ofx_date(tx.posted_on));
            if tx.transacted_on != tx.posted_on {
                w.leaf("DTUSER", &ofx_date(tx.transacted_on));
            }
            w.leaf("TRNAMT", &tx.amount.to_plain_string());
            w.leaf("FITID", &tx.id);
            if let Some(number) = &tx.check_number {
                w.leaf("CHECKNUM", number);
            }
            if let Some(mcc) = tx.mcc {
                w.leaf("SIC", &mcc.to_string());
            }
            let name: String = tx.description.chars().take(32).collect();
            w.leaf("NAME", name.trim_end());
            if tx.description.chars().count() > 32 {
                w.leaf("MEMO", &tx.description);
            }
            w.close("STMTTRN");
        }
        w.close("BANKTRANLIST");
    }
    let as_of = ofx_datetime(noon(ledger.today));
    w.open("LEDGERBAL");
    w.leaf("BALAMT", &crate::usd_string(book.balance));
    w.leaf("DTASOF", &as_of);
    w.close("LEDGERBAL");
    w.open("AVAILBAL");
    w.leaf("BALAMT", &crate::usd_string(book.available));
    w.leaf("DTASOF", &as_of);
    w.close("AVAILBAL");
    w.close(rs_tag);
}

fn msgsetcore(w: &mut Writer, shared: &Shared) {
    w.open("MSGSETCORE");
    w.leaf("VER", "1");
    w.leaf("URL", &format!("{}/ofx", shared.base_url));
    w.leaf("OFXSEC", "NONE");
    w.leaf("TRANSPSEC", if shared.config.tls { "Y" } else { "N" });
    w.leaf("SIGNONREALM", "DEFAULT");
    w.leaf("LANGUAGE", "ENG");
    w.leaf("SYNCMODE", "LITE");
    w.leaf("RESPFILEER", "N");
    w.close("MSGSETCORE");
}

fn profile(w: &mut Writer, shared: &Shared) {
    w.status(0, "SUCCESS");
    w.open("PROFRS");
    w.open("MSGSETLIST");
    for (set, v1, extra) in [
        ("SIGNONMSGSET", "SIGNONMSGSETV1", ""),
        ("SIGNUPMSGSET", "SIGNUPMSGSETV1", "signup"),
        ("BANKMSGSET", "BANKMSGSETV1", "bank"),
        ("CREDITCARDMSGSET", "CREDITCARDMSGSETV1", "card"),
        ("PROFMSGSET", "PROFMSGSETV1", ""),
    ] {
        w.open(set);
        w.open(v1);
        msgsetcore(w, shared);
        match extra {
            "signup" => {
                w.open("WEBENROLL");
                w.leaf("URL", &format!("{}/", shared.base_url));
                w.close("WEBENROLL");
                w.leaf("CHGUSERINFO", "N");
                w.leaf("AVAILACCTS", "Y");
                w.leaf("CLIENTACTREQ", "N");
            }
            "bank" => {
                w.leaf("CLOSINGAVAIL", "N");
                w.open("EMAILPROF");
                w.leaf("CANEMAIL", "N");
                w.leaf("CANNOTIFY", "N");
                w.close("EMAILPROF");
            }
            "card" => w.leaf("CLOSINGAVAIL", "N"),
            _ => {}
        }
        w.close(v1);
        w.close(set);
    }
    w.close("MSGSETLIST");
    w.open("SIGNONINFOLIST");
    w.open("SIGNONINFO");
    w.leaf("SIGNONREALM", "DEFAULT");
    w.leaf("MIN", "1");
    w.leaf("MAX", "32");
    w.leaf("CHARTYPE", "ALPHAORNUMERIC");
    w.leaf("CASESEN", "Y");
    w.leaf("SPECIAL", "Y");
    w.leaf("SPACES", "N");
    w.leaf("PINCH", "N");
    w.leaf("CHGPINFIRST", "N");
    w.close("SIGNONINFO");
    w.close("SIGNONINFOLIST");
    w.leaf("DTPROFUP", &ofx_datetime(midnight(shared.opened)));
    w.leaf("FINAME", "Spearmint Sandbox Bank");
    w.leaf("ADDR1", "1 Sandbox Way");
    w.leaf("CITY", "Oakland");
    w.leaf("STATE", "CA");
    w.leaf("POSTALCODE", "94612");
    w.leaf("COUNTRY", "USA");
    w.close("PROFRS");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sgml_leaves_need_no_closing_tags() {
        let request = parse(
            "OFXHEADER:100\r\nVERSION:102\r\n\r\n<OFX><SIGNONMSGSRQV1><SONRQ><USERID>u<USERPASS>a&amp;b\
             </SONRQ></SIGNONMSGSRQV1><BANKMSGSRQV1><STMTTRNRQ><TRNUID>7<STMTRQ><BANKACCTFROM><ACCTID>1\
             </BANKACCTFROM></STMTRQ></STMTTRNRQ></BANKMSGSRQV1></OFX>",
        )
        .expect("parses");
        assert_eq!(request.dialect, Dialect::Sgml { version: "102".to_owned() });
        assert_eq!(request.ofx.text("USERPASS"), Some("a&b"));
        let bank = request.ofx.child("BANKMSGSRQV1").expect("bank set");
        assert_eq!(bank.find("STMTTRNRQ").and_then(|n| n.child("TRNUID")).and_then(|n| n.value.as_deref()), Some("7"));
        assert_eq!(bank.text("ACCTID"), Some("1"));
    }

    #[test]
    fn dates_keep_the_stated_local_time() {
        let t = parse_datetime("20240301000000.000[+0:UTC]").expect("date");
        assert_eq!(t.to_string(), "2024-03-01 00:00:00");
        assert_eq!(parse_datetime("20240301").map(|t| t.to_string()), Some("2024-03-01 00:00:00".to_owned()));
        assert_eq!(parse_datetime("2024"), None);
    }
}
