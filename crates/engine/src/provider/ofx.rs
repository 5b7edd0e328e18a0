//! OFX Direct Connect: sign on with the bank's URL, ORG, FID, user name and password; list the
//! accounts (`ACCTINFORQ`); download statements (`STMTRQ` for bank accounts, `CCSTMTRQ` for
//! cards). Requests look like a widely used client's (`APPID QWIN`, a `CLIENTUID` stable per
//! installation): version 1.03 SGML, or 2.20 XML for banks that speak 2.x.

use chrono::{NaiveDate, Utc};
use reqwest::StatusCode;
use spearmint_core::{AccountKind, Statement};
use spearmint_formats::ofx::OfxAccountInfo;
use url::Url;
use zeroize::Zeroizing;

use super::http;
use crate::error::{Error, ErrorKind, Result};

/// Where and how to reach one bank.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
pub struct OfxBank {
    pub name: String,
    pub url: String,
    pub org: String,
    pub fid: String,
    /// The OFX version the bank speaks (102, 103, 211, 220 ...).
    pub version: u32,
}

/// A user's login at the bank: a credential. Redacted `Debug`, zeroized on drop.
#[derive(Clone)]
pub struct OfxCredentials {
    pub user: Zeroizing<String>,
    pub password: Zeroizing<String>,
}

impl std::fmt::Debug for OfxCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OfxCredentials(<redacted>)")
    }
}

#[derive(Debug)]
pub(crate) struct OfxClient {
    http: reqwest::Client,
    client_uid: String,
    reach: http::Reach,
}

/// Which statement to ask for.
#[derive(Debug, Clone)]
pub(crate) struct OfxAccountRef {
    pub acct_id: String,
    pub bank_id: Option<String>,
    pub kind: AccountKind,
}

impl OfxClient {
    pub fn new(client_uid: String, reach: http::Reach) -> Result<OfxClient> {
        Ok(OfxClient { http: http::client(reach)?, client_uid, reach })
    }

    pub async fn account_info(
        &self,
        bank: &OfxBank,
        login: &OfxCredentials,
        requests: &mut u32,
    ) -> Result<Vec<OfxAccountInfo>> {
        let body = self.request(bank, login, &Self::wrap(bank, "SIGNUPMSGSRQV1", &acctinfo(bank)));
        let raw = self.post(bank, body, requests).await?;
        spearmint_formats::ofx::parse_account_info(&raw).map_err(|e| map_format_error(bank, e))
    }

    /// The raw reply to a statement request, for the caller to store before it reads it with
    /// [`OfxClient::read_statement`].
    pub async fn statement(
        &self,
        bank: &OfxBank,
        login: &OfxCredentials,
        account: &OfxAccountRef,
        start: NaiveDate,
        end: NaiveDate,
        requests: &mut u32,
    ) -> Result<Vec<u8>> {
        let inner = match account.kind {
            AccountKind::CreditCard => Self::wrap(bank, "CREDITCARDMSGSRQV1", &ccstmt(bank, account, start, end)),
            _ => Self::wrap(bank, "BANKMSGSRQV1", &stmt(bank, account, start, end)),
        };
        let body = self.request(bank, login, &inner);
        self.post(bank, body, requests).await
    }

    /// Reads a statement reply that [`OfxClient::statement`] returned (and the caller stored):
    /// a refused sign-on inside it is an error like any other.
    pub fn read_statement(bank: &OfxBank, raw: &[u8]) -> Result<Statement> {
        spearmint_formats::ofx::parse(raw).map_err(|e| map_format_error(bank, e))
    }

    async fn post(&self, bank: &OfxBank, body: Zeroizing<String>, requests: &mut u32) -> Result<Vec<u8>> {
        let url = Url::parse(&bank.url).map_err(|_| {
            Error::new(ErrorKind::Invalid, format!("`{}` is not a URL: check the bank's OFX address", bank.url))
        })?;
        http::check_url(&url, "the bank's OFX address", self.reach)?;
        let what = format!("{} (OFX)", bank.name);
        let reply = http::send(
            || {
                // User-Agent first: some OFX servers reject requests whose first header is not it.
                self.http
                    .post(url.clone())
                    .header(reqwest::header::USER_AGENT, "InetClntApp/3.0")
                    .header(reqwest::header::CONTENT_TYPE, "application/x-ofx")
                    .header(reqwest::header::ACCEPT, "*/*, application/x-ofx")
                    .body(reqwest::Body::from(bytes::Bytes::from_owner(Zeroizing::new(body.as_bytes().to_vec()))))
            },
            3,
            &what,
            requests,
        )
        .await?;
        match reply.status {
            s if s.is_success() => Ok(reply.body),
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => Err(Error::new(
                ErrorKind::ProviderAuth,
                format!(
                    "{} refused the connection ({}): check the login, or whether the bank still offers Direct Connect",
                    bank.name, reply.status
                ),
            )),
            StatusCode::TOO_MANY_REQUESTS => Err(Error::new(
                ErrorKind::RateLimited,
                format!("{} asks to slow down: Spearmint retries later", bank.name),
            )),
            other => Err(Error::new(ErrorKind::Provider, format!("{} answered {other}", bank.name))),
        }
    }

    fn v2(bank: &OfxBank) -> bool {
        bank.version >= 200
    }

    /// The whole request: header, sign-on, and the message set.
    fn request(&self, bank: &OfxBank, login: &OfxCredentials, messages: &str) -> Zeroizing<String> {
        let now = Utc::now().format("%Y%m%d%H%M%S.000[+0:UTC]").to_string();
        let file_uid = uuid::Uuid::now_v7().simple().to_string().to_uppercase();
        let marker = format!("[{:032x}]", rand::random::<u128>());
        // FI names the bank by ORG (and FID, when it has one). A bank the directory knows no
        // ORG for (BECU, a few fund companies) is signed on to without it, as other clients do.
        let fi = match (bank.org.trim(), bank.fid.trim()) {
            ("", _) => None,
            (org, "") => Some(element(bank, "FI", &[leaf(bank, "ORG", &escape(org))])),
            (org, fid) => {
                Some(element(bank, "FI", &[leaf(bank, "ORG", &escape(org)), leaf(bank, "FID", &escape(fid))]))
            }
        };
        let sonrq = element(
            bank,
            "SONRQ",
            &[
                Some(leaf(bank, "DTCLIENT", &now)),
                Some(leaf(bank, "USERID", &escape(&login.user))),
                // Filled in last, straight into the request's own buffer.
                Some(leaf(bank, "USERPASS", &marker)),
                Some(leaf(bank, "LANGUAGE", "ENG")),
                fi,
                Some(leaf(bank, "APPID", "QWIN")),
                Some(leaf(bank, "APPVER", "2700")),
                Some(leaf(bank, "CLIENTUID", &self.client_uid)),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>(),
        );
        let signon = element(bank, "SIGNONMSGSRQV1", &[sonrq]);
        let ofx = element(bank, "OFX", &[signon, messages.to_owned()]);
        let text = if Self::v2(bank) {
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\r\n<?OFX OFXHEADER=\"200\" VERSION=\"{}\" SECURITY=\"NONE\" OLDFILEUID=\"NONE\" NEWFILEUID=\"{file_uid}\"?>\r\n{ofx}",
                bank.version
            )
        } else {
            // The 1.x version the bank says it speaks (1.02 and 1.03 differ in what a server
            // may send back); 1.03 when the directory says nothing usable.
            let version = if (100..200).contains(&bank.version) { bank.version } else { 103 };
            format!(
                "OFXHEADER:100\r\nDATA:OFXSGML\r\nVERSION:{version}\r\nSECURITY:NONE\r\nENCODING:USASCII\r\nCHARSET:NONE\r\nCOMPRESSION:NONE\r\nOLDFILEUID:NONE\r\nNEWFILEUID:{file_uid}\r\n\r\n{ofx}"
            )
        };
        // The one copy of the password: written into a buffer sized for it up front, so it
        // never grows and leaves a copy behind, and wiped when dropped.
        let (before, after) = text.split_once(&marker).unwrap_or((&text, ""));
        let mut body = Zeroizing::new(String::with_capacity(before.len() + 5 * login.password.len() + after.len()));
        body.push_str(before);
        for c in login.password.chars() {
            match c {
                '&' => body.push_str("&amp;"),
                '<' => body.push_str("&lt;"),
                '>' => body.push_str("&gt;"),
                c => body.push(c),
            }
        }
        body.push_str(after);
        body
    }

    fn wrap(bank: &OfxBank, set: &str, inner: &str) -> String {
        element(bank, set, &[inner.to_owned()])
    }
}

fn trnuid() -> String {
    uuid::Uuid::now_v7().hyphenated().to_string().to_uppercase()
}

fn ofx_date(d: NaiveDate) -> String {
    d.format("%Y%m%d000000.000[+0:UTC]").to_string()
}

fn acctinfo(bank: &OfxBank) -> String {
    element(
        bank,
        "ACCTINFOTRNRQ",
        &[
            leaf(bank, "TRNUID", &trnuid()),
            element(bank, "ACCTINFORQ", &[leaf(bank, "DTACCTUP", "19900101000000.000[+0:UTC]")]),
        ],
    )
}

fn inctran(bank: &OfxBank, start: NaiveDate, end: NaiveDate) -> String {
    element(
        bank,
        "INCTRAN",
        &[
            leaf(bank, "DTSTART", &ofx_date(start)),
            leaf(bank, "DTEND", &ofx_date(end.succ_opt().unwrap_or(end))),
            leaf(bank, "INCLUDE", "Y"),
        ],
    )
}

fn stmt(bank: &OfxBank, account: &OfxAccountRef, start: NaiveDate, end: NaiveDate) -> String {
    let kind = match account.kind {
        AccountKind::Savings => "SAVINGS",
        _ => "CHECKING",
    };
    let mut from = Vec::new();
    if let Some(b) = &account.bank_id {
        from.push(leaf(bank, "BANKID", &escape(b)));
    }
    from.push(leaf(bank, "ACCTID", &escape(&account.acct_id)));
    from.push(leaf(bank, "ACCTTYPE", kind));
    element(
        bank,
        "STMTTRNRQ",
        &[
            leaf(bank, "TRNUID", &trnuid()),
            element(bank, "STMTRQ", &[element(bank, "BANKACCTFROM", &from), inctran(bank, start, end)]),
        ],
    )
}

fn ccstmt(bank: &OfxBank, account: &OfxAccountRef, start: NaiveDate, end: NaiveDate) -> String {
    element(
        bank,
        "CCSTMTTRNRQ",
        &[
            leaf(bank, "TRNUID", &trnuid()),
            element(
                bank,
                "CCSTMTRQ",
                &[
                    element(bank, "CCACCTFROM", &[leaf(bank, "ACCTID", &escape(&account.acct_id))]),
                    inctran(bank, start, end),
                ],
            ),
        ],
    )
}

/// `<TAG>value` in SGML (1.x leaves have no closing tag), `<TAG>value</TAG>` in XML.
fn leaf(bank: &OfxBank, tag: &str, value: &str) -> String {
    if OfxClient::v2(bank) { format!("<{tag}>{value}</{tag}>\r\n") } else { format!("<{tag}>{value}\r\n") }
}

fn element(_bank: &OfxBank, tag: &str, children: &[String]) -> String {
    format!("<{tag}>\r\n{}</{tag}>\r\n", children.concat())
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

fn map_format_error(bank: &OfxBank, e: spearmint_formats::FormatError) -> Error {
    use spearmint_formats::FormatErrorKind as K;
    match e.kind {
        K::SignOn { code } => Error::new(
            ErrorKind::ProviderAuth,
            format!(
                "{} refused the sign-on (OFX code {code}): check the user name and password, then reconnect",
                bank.name
            ),
        ),
        _ => Error::new(ErrorKind::Provider, format!("{} sent an OFX answer Spearmint cannot use: {e}", bank.name)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_is_escaped_into_the_request_once() {
        let client = OfxClient::new("CLIENT-UID".into(), http::Reach::HTTPS_ONLY).unwrap();
        let login = OfxCredentials { user: Zeroizing::new("me".into()), password: Zeroizing::new("a<b>&c[0]".into()) };
        for version in [103, 220] {
            let bank = OfxBank {
                name: "Bank".into(),
                url: "https://ofx.bank.example/".into(),
                org: "B".into(),
                fid: "1".into(),
                version,
            };
            let body = client.request(&bank, &login, "");
            assert_eq!(body.matches("a&lt;b&gt;&amp;c[0]").count(), 1, "{}", body.as_str());
            assert!(!body.contains("a<b>"), "{}", body.as_str());
            assert!(body.contains("<USERID>me"), "{}", body.as_str());
        }
    }
}
