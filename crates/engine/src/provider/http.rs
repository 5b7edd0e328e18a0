//! The HTTP policy every provider shares: HTTPS with certificate verification, plain HTTP only to
//! loopback (the sandbox bank and tests), on every hop of a redirect too; bounded timeouts and
//! bounded answers; a few quick retries for transient failures (5xx, a connection dropped
//! mid-body), and status codes mapped to error kinds.

use std::time::Duration;

use reqwest::StatusCode;
use url::Url;

use crate::error::{Error, ErrorKind, Result};

pub(crate) const USER_AGENT: &str = concat!("Spearmint/", env!("CARGO_PKG_VERSION"));

/// The largest answer a provider may send: a year of a busy account's statements is a few MiB.
pub(crate) const MAX_ANSWER_BYTES: usize = 32 * 1024 * 1024;

/// How many redirects one request may follow.
const MAX_REDIRECTS: usize = 3;

/// Where plain http may go. Only to this machine, and only for the built-in demo bank (which
/// runs in-process) or when the engine was built to reach a test bank on loopback
/// ([`crate::EngineOptions::allow_loopback_http`]): never for an address a bank, a claim
/// answer or the web view supplies otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Reach {
    pub loopback_http: bool,
}

impl Reach {
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) const HTTPS_ONLY: Reach = Reach { loopback_http: false };
    pub(crate) const LOOPBACK_TOO: Reach = Reach { loopback_http: true };
}

pub(crate) fn client(reach: Reach) -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(15))
        .timeout(Duration::from_secs(60))
        .redirect(reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() > MAX_REDIRECTS {
                return attempt.error(RefusedRedirect("it redirects again and again".into()));
            }
            let from = attempt.previous().last().cloned();
            match from.map(|from| hop_refusal(&from, attempt.url(), attempt.status().as_u16(), reach)) {
                Some(Some(why)) => attempt.error(RefusedRedirect(why)),
                _ => attempt.follow(),
            }
        }))
        .build()
        .map_err(|e| Error::internal("cannot build the HTTP client", e))
}

/// Why a redirect from `from` to `to` (with HTTP `status`) must not be followed, if it must not:
/// the next address must pass [`check_url`], a redirect never goes from https to plain http,
/// and a 307 or 308 (which re-send the request's body, an OFX password included) stays on the
/// same origin. The policy runs before the next request is sent, so nothing leaves.
pub(crate) fn hop_refusal(from: &Url, to: &Url, status: u16, reach: Reach) -> Option<String> {
    if !allowed(to, reach) {
        return Some(format!("it redirects to {}, which is not https", redact(to)));
    }
    if from.scheme() == "https" && to.scheme() != "https" {
        return Some(format!("it redirects from https to plain http ({})", redact(to)));
    }
    if matches!(status, 307 | 308) && from.origin() != to.origin() {
        return Some(format!("it asks to re-send the request to another server ({})", redact(to)));
    }
    None
}

/// A redirect the policy refused, with the reason in the user's words.
#[derive(Debug)]
struct RefusedRedirect(String);

impl std::fmt::Display for RefusedRedirect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for RefusedRedirect {}

fn allowed(url: &Url, reach: Reach) -> bool {
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d == "localhost",
        None => false,
    };
    match url.scheme() {
        "https" => true,
        "http" => loopback && reach.loopback_http,
        _ => false,
    }
}

/// Refuses anything but HTTPS (plain HTTP to this machine only as `reach` allows).
pub(crate) fn check_url(url: &Url, what: &str, reach: Reach) -> Result<()> {
    if allowed(url, reach) {
        return Ok(());
    }
    Err(Error::new(ErrorKind::Invalid, format!("{what} must use https: {}", redact(url))))
}

/// A URL fit for messages and logs: its scheme, host and port only. A user name, a password,
/// a query and a path can all hold a secret (a SimpleFIN claim URL's token is its path).
pub(crate) fn redact(url: &Url) -> String {
    match url.host_str() {
        Some(host) => match url.port() {
            Some(port) => format!("{}://{host}:{port}/…", url.scheme()),
            None => format!("{}://{host}/…", url.scheme()),
        },
        None => format!("a {} address", url.scheme()),
    }
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
            Err(e) => match transport_error(what, e) {
                // A certificate or a refused redirect does not fix itself in a quarter second.
                Failure::Final(e) => return Err(e),
                Failure::Transient(e) => {
                    last = Some(e);
                    continue;
                }
            },
        };
        let status = response.status();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse().ok());
        match read_bounded(response, MAX_ANSWER_BYTES).await {
            Ok(Some(_)) if status.is_server_error() => {
                last = Some(Error::new(
                    ErrorKind::Provider,
                    format!("{what} answered {status}: the provider has a problem; Spearmint retries later"),
                ));
            }
            Ok(Some(body)) => return Ok(Reply { status, body, retry_after }),
            Ok(None) => return Err(too_large(what)),
            Err(e) => {
                last = Some(Error::new(
                    ErrorKind::Provider,
                    format!("{what}: the answer was cut off ({}); Spearmint retries later", e.without_url()),
                ));
            }
        }
    }
    Err(last.unwrap_or_else(|| Error::new(ErrorKind::Provider, format!("{what} failed"))))
}

/// The body, read a chunk at a time; `None` as soon as it is over `cap` bytes (announced or
/// sent), so a hostile answer costs at most `cap` bytes of memory.
async fn read_bounded(mut response: reqwest::Response, cap: usize) -> reqwest::Result<Option<Vec<u8>>> {
    if response.content_length().is_some_and(|n| n > cap as u64) {
        return Ok(None);
    }
    let mut body = Vec::with_capacity(response.content_length().map_or(0, |n| n as usize));
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > cap {
            return Ok(None);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Some(body))
}

fn too_large(what: &str) -> Error {
    Error::new(
        ErrorKind::Provider,
        format!(
            "{what} sent an answer too large to be a statement (over {} MiB): Spearmint did not read it and \
             changed nothing. If it happens again, ask the bank",
            MAX_ANSWER_BYTES / (1024 * 1024)
        ),
    )
}

/// Why the TLS library refused the peer's certificate ("invalid peer certificate:
/// UnknownIssuer"), when that is why a request failed: deep in the error's chain.
pub(crate) fn untrusted_certificate(e: &reqwest::Error) -> Option<String> {
    let mut cause: Option<&dyn std::error::Error> = Some(e);
    let mut certificate = None;
    while let Some(c) = cause {
        if c.to_string().contains("certificate") {
            certificate = Some(c.to_string());
        }
        cause = c.source();
    }
    certificate
}

/// A failed request: worth a quick retry, or not.
enum Failure {
    Transient(Error),
    Final(Error),
}

fn transport_error(what: &str, e: reqwest::Error) -> Failure {
    // Never echo a URL: it may carry credentials.
    let e = e.without_url();
    // The TLS library's reason ("invalid peer certificate: UnknownIssuer") and a refused
    // redirect's are deep in the chain.
    let mut cause: Option<&dyn std::error::Error> = Some(&e);
    while let Some(c) = cause {
        if let Some(refused) = c.downcast_ref::<RefusedRedirect>() {
            return Failure::Final(Error::new(
                ErrorKind::Provider,
                format!(
                    "{what} sent Spearmint elsewhere, and it did not follow: {refused}. Nothing was sent \
                     there; check the bank's address, or ask the bank"
                ),
            ));
        }
        cause = c.source();
    }
    if let Some(reason) = untrusted_certificate(&e) {
        return Failure::Final(Error::new(
            ErrorKind::Provider,
            format!(
                "{what} presented a certificate this machine does not trust ({reason}): nothing was sent \
                 over it. Someone may be intercepting the connection, or the certificate changed; behind a \
                 company proxy, add its certificate authority to the system's trusted certificates"
            ),
        ));
    }
    Failure::Transient(if e.is_connect() || e.is_timeout() {
        Error::new(ErrorKind::Offline, format!("cannot reach {what} ({e}): check the network; Spearmint retries later"))
    } else {
        Error::new(ErrorKind::Provider, format!("{what} failed: {e}"))
    })
}

#[cfg(test)]
mod tests {
    use super::{Reach, hop_refusal};

    fn hop(from: &url::Url, to: &url::Url, status: u16) -> Option<String> {
        hop_refusal(from, to, status, Reach::LOOPBACK_TOO)
    }

    fn url(s: &str) -> url::Url {
        s.parse().unwrap()
    }

    #[test]
    fn a_redirect_keeps_https_and_a_re_sent_body_keeps_its_origin() {
        let bank = url("https://ofx.bank.example/ofx");
        for status in [301, 302, 303, 307, 308] {
            assert_eq!(hop(&bank, &url("https://ofx.bank.example/v2/ofx"), status), None, "{status}");
            assert!(hop(&bank, &url("http://ofx.bank.example/ofx"), status).is_some(), "{status}");
            assert!(hop(&bank, &url("http://127.0.0.1:9/ofx"), status).is_some(), "downgrade {status}");
            assert!(hop(&bank, &url("ftp://ofx.bank.example/"), status).is_some(), "{status}");
        }
        // A moved address is followed (the body is not re-sent); a re-sent body stays home.
        assert_eq!(hop(&bank, &url("https://new.bank.example/ofx"), 301), None);
        assert!(hop(&bank, &url("https://new.bank.example/ofx"), 307).is_some());
        assert!(hop(&bank, &url("https://ofx.bank.example:8443/ofx"), 308).is_some());
        let local = url("http://127.0.0.1:8080/ofx");
        assert_eq!(hop(&local, &url("http://127.0.0.1:8080/other"), 307), None);
        assert!(hop(&local, &url("http://127.0.0.1:8081/ofx"), 307).is_some());
        assert!(hop(&local, &url("http://192.0.2.1/ofx"), 302).is_some());
        // Loopback http only when the engine allows it (the demo bank, tests).
        assert!(hop_refusal(&local, &url("http://127.0.0.1:8080/other"), 302, Reach::HTTPS_ONLY).is_some());
        // Never a user name, password, path or query in the reason.
        let why = hop(&bank, &url("http://user:secret@evil.example/claim/T0KEN?token=t"), 302).unwrap();
        assert!(!why.contains("secret") && !why.contains("token") && !why.contains("T0KEN"), "{why}");
        assert!(why.contains("http://evil.example/"), "{why}");
    }
}
