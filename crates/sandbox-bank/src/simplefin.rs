//! SimpleFIN (protocol 1.0): `GET /info`, `POST /claim/{token}`, `GET /accounts`.
//!
//! The root URL is `{base}/simplefin`. A setup token is the base64 of
//! `{base}/simplefin/claim/{id}`; claiming it once returns an access URL
//! `http://{user}:{password}@127.0.0.1:{port}/simplefin`; a second claim is 403. `/accounts`
//! takes HTTP basic auth and `start-date` (inclusive), `end-date` (exclusive), both unix
//! seconds, `pending=1`, `account` (repeatable) and `balances-only=1`.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::NaiveDate;
use serde_json::{Value, json};

use crate::ledger::Book;
use crate::state::{Credential, Shared, Usage, lock};

/// Transactions are stamped at noon UTC of their date, so the date survives any US time zone.
pub(crate) fn timestamp(date: NaiveDate) -> i64 {
    date.and_hms_opt(12, 0, 0).map(|t| t.and_utc().timestamp()).unwrap_or_default()
}

/// The Bridge's refusal page: 403s come back as HTML, not JSON.
const FORBIDDEN_HTML: &str = r#"<!doctype html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <title>Forbidden - SimpleFIN Bridge</title>
  </head>
  <body>
    <section class="main">
      <h1>Forbidden</h1>
      <p>
  Access denied
</p>
    </section>
  </body>
</html>
"#;

pub(crate) fn forbidden(shared: &Shared) -> Response {
    shared.faults.note_refused();
    (StatusCode::FORBIDDEN, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], FORBIDDEN_HTML).into_response()
}

fn json_response(status: StatusCode, value: &Value) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], value.to_string()).into_response()
}

pub(crate) async fn info() -> Response {
    json_response(StatusCode::OK, &json!({ "versions": ["1.0"] }))
}

/// `GET /create`: a browser would land here to make a token; the sandbox just hands one out.
pub(crate) async fn create(State(shared): State<Arc<Shared>>) -> Response {
    (StatusCode::OK, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], setup_token(&shared)).into_response()
}

pub(crate) fn setup_token(shared: &Shared) -> String {
    let id = shared.mint_secret();
    lock(&shared.simplefin).setup_tokens.insert(id.clone(), false);
    STANDARD.encode(format!("{}/simplefin/claim/{id}", shared.base_url))
}

pub(crate) async fn claim(State(shared): State<Arc<Shared>>, Path(token): Path<String>) -> Response {
    let mut state = lock(&shared.simplefin);
    match state.setup_tokens.get_mut(&token) {
        Some(claimed @ false) => *claimed = true,
        _ => {
            drop(state);
            return forbidden(&shared);
        }
    }
    let user = shared.mint_secret()[..16].to_owned();
    let password = shared.mint_secret();
    let credential = Credential { password: password.clone(), disabled: false, usage: Usage::new(shared.today()) };
    state.credentials.insert(user.clone(), credential);
    drop(state);
    let access = match shared.base_url.split_once("://") {
        Some((scheme, rest)) => format!("{scheme}://{user}:{password}@{rest}/simplefin"),
        None => format!("{user}:{password}@{}/simplefin", shared.base_url),
    };
    (StatusCode::OK, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], access).into_response()
}

fn basic_auth(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (user, password) = decoded.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

/// Checks the credentials and counts the request against the daily quota.
fn authorize(shared: &Shared, headers: &HeaderMap) -> bool {
    let Some((user, password)) = basic_auth(headers) else { return false };
    if shared.faults.expired() {
        return false;
    }
    let today = shared.today();
    let mut state = lock(&shared.simplefin);
    let Some(credential) = state.credentials.get_mut(&user) else { return false };
    if credential.password != password || credential.disabled {
        return false;
    }
    let used = credential.usage.hit(today);
    if shared.faults.daily_limit().is_some_and(|limit| used > limit) {
        // The real Bridge disables an access token used too often in a day, for good.
        credential.disabled = true;
        return false;
    }
    true
}

#[derive(Debug, Default)]
struct AccountsQuery {
    start: Option<i64>,
    end: Option<i64>,
    pending: bool,
    balances_only: bool,
    accounts: Vec<String>,
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let hex = |b: u8| char::from(b).to_digit(16).and_then(|d| u8::try_from(d).ok());
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(hi), Some(lo)) => {
                    out.push(hi * 16 + lo);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn parse_query(raw: Option<&str>) -> Result<AccountsQuery, String> {
    let mut q = AccountsQuery::default();
    for pair in raw.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let value = percent_decode(value);
        let number =
            || value.trim().parse::<i64>().map_err(|_| format!("{key} must be a unix timestamp, not `{value}`"));
        match percent_decode(key).as_str() {
            "start-date" => q.start = Some(number()?),
            "end-date" => q.end = Some(number()?),
            "pending" => q.pending = value == "1",
            "balances-only" => q.balances_only = value == "1",
            "account" => q.accounts.push(value),
            _ => {}
        }
    }
    Ok(q)
}

pub(crate) async fn accounts(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    if !authorize(&shared, &headers) {
        return forbidden(&shared);
    }
    if shared.faults.is_payment_required() {
        return json_response(
            StatusCode::PAYMENT_REQUIRED,
            &json!({ "errors": ["Payment required."], "accounts": [] }),
        );
    }
    let query = match parse_query(raw.as_deref()) {
        Ok(q) => q,
        Err(message) => return (StatusCode::BAD_REQUEST, message).into_response(),
    };
    let ledger = shared.ledger();
    let accounts: Vec<Value> = ledger
        .books
        .iter()
        .filter(|b| query.accounts.is_empty() || query.accounts.contains(&b.id))
        .map(|b| account_json(b, ledger.today, &query))
        .collect();
    json_response(StatusCode::OK, &json!({ "errors": shared.faults.errors(), "accounts": accounts }))
}

fn account_json(book: &Book, today: NaiveDate, query: &AccountsQuery) -> Value {
    let transactions: Vec<Value> = if query.balances_only {
        Vec::new()
    } else {
        book.entries
            .iter()
            .map(|e| &e.tx)
            .filter(|tx| query.pending || !tx.pending)
            .filter(|tx| {
                let at = timestamp(tx.posted_on);
                query.start.is_none_or(|s| at >= s) && query.end.is_none_or(|e| at < e)
            })
            .map(|tx| {
                let mut t = json!({
                    "id": tx.id,
                    // A pending transaction has not posted: the Bridge sends 0 and the
                    // transaction time in `transacted_at`.
                    "posted": if tx.pending { 0 } else { timestamp(tx.posted_on) },
                    "transacted_at": timestamp(tx.transacted_on),
                    "amount": tx.amount.to_plain_string(),
                    "description": tx.description,
                });
                if let Some(payee) = &tx.payee {
                    t["payee"] = json!(payee);
                }
                if tx.pending {
                    t["pending"] = json!(true);
                }
                t
            })
            .collect()
    };
    json!({
        "org": {
            "domain": "sandbox.spearmint.invalid",
            "name": "Spearmint Sandbox Bank",
            "sfin-url": "https://sandbox.spearmint.invalid/simplefin",
            "url": "https://sandbox.spearmint.invalid",
            "id": "spearmint-sandbox",
        },
        "id": book.id,
        "name": book.name,
        "currency": "USD",
        "balance": crate::usd_string(book.balance),
        "available-balance": crate::usd_string(book.available),
        "balance-date": timestamp(today),
        "transactions": transactions,
    })
}
