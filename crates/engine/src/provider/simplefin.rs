//! SimpleFIN Bridge (https://www.simplefin.org/protocol.html): a setup token is the base64 of a
//! claim URL; POSTing to it once returns the access URL, whose user info is the credential.
//! `GET {access}/accounts` returns every account with its transactions. The Bridge disables a
//! token used more than about 24 times a day, so callers budget their requests.

use base64::Engine as _;
use chrono::{NaiveDate, NaiveTime};
use reqwest::StatusCode;
use spearmint_core::Statement;
use url::Url;
use zeroize::Zeroizing;

use super::http::{self, Reply};
use crate::error::{Error, ErrorKind, Result};

/// The access URL: a credential. Redacted `Debug`, zeroized on drop.
#[derive(Clone)]
pub(crate) struct AccessUrl(Zeroizing<String>);

impl std::fmt::Debug for AccessUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AccessUrl(<redacted>)")
    }
}

impl AccessUrl {
    pub fn new(text: String) -> AccessUrl {
        AccessUrl(Zeroizing::new(text))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

#[derive(Debug)]
pub(crate) struct SimpleFin {
    http: reqwest::Client,
    reach: http::Reach,
}

impl SimpleFin {
    pub fn new(reach: http::Reach) -> Result<SimpleFin> {
        Ok(SimpleFin { http: http::client(reach)?, reach })
    }

    /// Trades a setup token for an access URL. A token works once.
    pub async fn claim(&self, setup_token: &str, requests: &mut u32) -> Result<AccessUrl> {
        let invalid = || {
            Error::new(
                ErrorKind::Invalid,
                "that is not a SimpleFIN setup token: copy the whole token from the SimpleFIN Bridge (a long base64 text)",
            )
        };
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(setup_token.trim())
            .or_else(|_| base64::engine::general_purpose::URL_SAFE.decode(setup_token.trim()))
            .map_err(|_| invalid())?;
        let claim = Url::parse(std::str::from_utf8(&decoded).map_err(|_| invalid())?.trim()).map_err(|_| invalid())?;
        http::check_url(&claim, "the SimpleFIN claim URL", self.reach)?;
        let reply = http::send(
            || {
                self.http
                    .post(claim.clone())
                    .header(reqwest::header::USER_AGENT, http::USER_AGENT)
                    .header("Content-Length", "0")
            },
            2,
            "the SimpleFIN Bridge",
            requests,
        )
        .await?;
        match reply.status {
            StatusCode::OK => {
                let text = String::from_utf8(reply.body).map_err(|_| garbled())?;
                let access = Url::parse(text.trim()).map_err(|_| garbled())?;
                http::check_url(&access, "the SimpleFIN access URL", self.reach)?;
                if access.username().is_empty() {
                    return Err(garbled());
                }
                Ok(AccessUrl::new(text.trim().to_owned()))
            }
            StatusCode::FORBIDDEN => Err(Error::new(
                ErrorKind::ProviderAuth,
                "the SimpleFIN Bridge refused this setup token: it was already used or has expired; create a new one at the Bridge and connect again",
            )),
            other => Err(unexpected(other)),
        }
    }

    /// Fetches every account with transactions posted in `[start, end]` (pending ones too): the
    /// raw body, for the caller to store before it reads it with [`SimpleFin::read_accounts`].
    pub async fn accounts(
        &self,
        access: &AccessUrl,
        start: NaiveDate,
        end: NaiveDate,
        requests: &mut u32,
    ) -> Result<Vec<u8>> {
        let mut url = Url::parse(access.expose()).map_err(|_| garbled())?;
        let user = Zeroizing::new(percent_decode(url.username()));
        let password = Zeroizing::new(url.password().map(percent_decode).unwrap_or_default());
        let _ = url.set_username("");
        let _ = url.set_password(None);
        http::check_url(&url, "the SimpleFIN access URL", self.reach)?;
        let base = url.as_str().trim_end_matches('/').to_owned();
        let mut endpoint = Url::parse(&format!("{base}/accounts")).map_err(|_| garbled())?;
        let unix = |d: NaiveDate, t: NaiveTime| d.and_time(t).and_utc().timestamp().to_string();
        endpoint
            .query_pairs_mut()
            .append_pair("start-date", &unix(start, NaiveTime::MIN))
            .append_pair("end-date", &unix(end.succ_opt().unwrap_or(end), NaiveTime::MIN))
            .append_pair("pending", "1");
        let reply = http::send(
            || {
                self.http
                    .get(endpoint.clone())
                    .header(reqwest::header::USER_AGENT, http::USER_AGENT)
                    .basic_auth(user.as_str(), Some(password.as_str()))
            },
            2,
            "the SimpleFIN Bridge",
            requests,
        )
        .await?;
        Self::accepted(reply)
    }

    /// Reads an `/accounts` body that [`SimpleFin::accounts`] returned (and the caller stored).
    pub fn read_accounts(body: &[u8]) -> Result<Statement> {
        spearmint_formats::simplefin::parse_accounts(body).map_err(|e| {
            Error::new(ErrorKind::Provider, format!("the SimpleFIN Bridge sent data Spearmint cannot read: {e}"))
        })
    }

    /// The body of a successful `/accounts` reply; every other answer as the error it means.
    fn accepted(reply: Reply) -> Result<Vec<u8>> {
        match reply.status {
            StatusCode::OK => Ok(reply.body),
            StatusCode::PAYMENT_REQUIRED => Err(Error::new(
                ErrorKind::ProviderAuth,
                "the SimpleFIN Bridge says payment is required: renew your SimpleFIN subscription, then refresh",
            )),
            StatusCode::FORBIDDEN => Err(Error::new(
                ErrorKind::ProviderAuth,
                "the SimpleFIN Bridge refused access: the connection was revoked or disabled (it disables tokens used more than about 24 times a day); create a new setup token and connect again",
            )),
            StatusCode::TOO_MANY_REQUESTS => Err(Error::new(
                ErrorKind::RateLimited,
                match reply.retry_after {
                    Some(s) => format!("the SimpleFIN Bridge asks to wait {s} seconds before the next refresh"),
                    None => "the SimpleFIN Bridge asks to slow down: Spearmint refreshes again later".to_owned(),
                },
            )),
            other => Err(unexpected(other)),
        }
    }
}

fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned()
}

fn garbled() -> Error {
    Error::new(ErrorKind::Provider, "the SimpleFIN Bridge answered with something that is not an access URL")
}

fn unexpected(status: StatusCode) -> Error {
    Error::new(ErrorKind::Provider, format!("the SimpleFIN Bridge answered {status}, which Spearmint does not expect"))
}
