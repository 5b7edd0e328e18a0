//! The HTTP policy every provider shares: HTTPS with certificate verification, plain HTTP only to
//! loopback (the sandbox bank and tests), bounded timeouts, a few quick retries for transient
//! failures (5xx, a connection dropped mid-body), and status codes mapped to error kinds.

use std::time::Duration;

use reqwest::StatusCode;
use url::Url;

use crate::error::{Error, ErrorKind, Result};

pub(crate) const USER_AGENT: &str = concat!("Spearmint/", env!("CARGO_PKG_VERSION"));

pub(crate) fn client() -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(15))
        .timeout(Duration::from_secs(60))
        .redirect(reqwest::redirect::Policy::limited(3))
        .build()
        .map_err(|e| Error::internal("cannot build the HTTP client", e))
}

/// Refuses anything but HTTPS, except plain HTTP to this machine.
pub(crate) fn check_url(url: &Url, what: &str) -> Result<()> {
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d == "localhost",
        None => false,
    };
    match url.scheme() {
        "https" => Ok(()),
        "http" if loopback => Ok(()),
        _ => Err(Error::new(
            ErrorKind::Invalid,
            format!("{what} must use https (plain http is allowed only to this machine): {}", redact(url)),
        )),
    }
}

/// A URL fit for messages and logs: no user name, password or query.
pub(crate) fn redact(url: &Url) -> String {
    let mut u = url.clone();
    let _ = u.set_username("");
    let _ = u.set_password(None);
    u.set_query(None);
    u.to_string()
}

/// A response read whole, or the error kind it maps to.
#[derive(Debug)]
pub(crate) struct Reply {
    pub status: StatusCode,
    pub body: Vec<u8>,
    pub retry_after: Option<u64>,
}

/// Sends, retrying transient failures up to `attempts` times with a short backoff.
pub(crate) async fn send(
    build: impl Fn() -> reqwest::RequestBuilder,
    attempts: u32,
    what: &str,
    requests: &mut u32,
) -> Result<Reply> {
    let mut last: Option<Error> = None;
    for attempt in 0..attempts.max(1) {
        if attempt > 0 {
            tokio::time::sleep(Duration::from_millis(250 * 2u64.pow(attempt - 1))).await;
        }
        *requests += 1;
        let response = match build().send().await {
            Ok(r) => r,
            Err(e) => {
                let e = transport_error(what, e);
                if untrusted(&e) {
                    // A certificate does not fix itself in a quarter second.
                    return Err(e);
                }
                last = Some(e);
                continue;
            }
        };
        let status = response.status();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse().ok());
        match response.bytes().await {
            Ok(body) if status.is_server_error() => {
                last = Some(Error::new(
                    ErrorKind::Provider,
                    format!("{what} answered {status}: the provider has a problem; Spearmint retries later"),
                ));
                let _ = body;
            }
            Ok(body) => return Ok(Reply { status, body: body.to_vec(), retry_after }),
            Err(e) => {
                last = Some(Error::new(
                    ErrorKind::Provider,
                    format!("{what}: the answer was cut off ({e}); Spearmint retries later"),
                ));
            }
        }
    }
    Err(last.unwrap_or_else(|| Error::new(ErrorKind::Provider, format!("{what} failed"))))
}

/// Whether an error from [`transport_error`] is a certificate this machine does not trust.
fn untrusted(e: &Error) -> bool {
    e.message().contains(UNTRUSTED)
}

const UNTRUSTED: &str = "a certificate this machine does not trust";

fn transport_error(what: &str, e: reqwest::Error) -> Error {
    // Never echo a URL: it may carry credentials.
    let e = e.without_url();
    // The TLS library's reason ("invalid peer certificate: UnknownIssuer") is deep in the chain.
    let mut cause: Option<&dyn std::error::Error> = Some(&e);
    let mut certificate = None;
    while let Some(c) = cause {
        if c.to_string().contains("certificate") {
            certificate = Some(c.to_string());
        }
        cause = c.source();
    }
    if let Some(reason) = certificate {
        return Error::new(
            ErrorKind::Provider,
            format!(
                "{what} presented {UNTRUSTED} ({reason}): nothing was sent over it. Someone may be \
                 intercepting the connection, or the certificate changed; behind a company proxy, add \
                 its certificate authority to the system's trusted certificates"
            ),
        );
    }
    if e.is_connect() || e.is_timeout() {
        Error::new(ErrorKind::Offline, format!("cannot reach {what} ({e}): check the network; Spearmint retries later"))
    } else {
        Error::new(ErrorKind::Provider, format!("{what} failed: {e}"))
    }
}
