//! The HTTP face: routes, and the fault layer every request passes through.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use crate::state::Shared;
use crate::{ofx, simplefin};

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/simplefin/info", get(simplefin::info))
        .route("/simplefin/create", get(simplefin::create))
        .route("/simplefin/claim/{token}", post(simplefin::claim))
        .route("/simplefin/accounts", get(simplefin::accounts))
        .route("/ofx", post(ofx::handle))
        .layer(middleware::from_fn_with_state(Arc::clone(&shared), fault_layer))
        .with_state(shared)
}

async fn index(State(shared): State<Arc<Shared>>) -> Response {
    let text = format!(
        "Spearmint sandbox bank\n\nSimpleFIN root: {base}/simplefin (claim a setup token with POST)\n\
         OFX: POST {base}/ofx (ORG {org}, FID {fid})\n",
        base = shared.base_url,
        org = shared.login.org,
        fid = shared.login.fid
    );
    (StatusCode::OK, text).into_response()
}

/// The name a request is counted under: its path, with the claim token left out.
pub(crate) fn route_of(path: &str) -> &str {
    if path.starts_with("/simplefin/claim/") { "/simplefin/claim" } else { path }
}

async fn fault_layer(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    shared.count_request(route_of(request.uri().path()));
    shared.started();
    let response = answer(&shared, request, next).await;
    shared.finished();
    response
}

async fn answer(shared: &Arc<Shared>, request: Request, next: Next) -> Response {
    if let Some(delay) = shared.faults.latency() {
        tokio::time::sleep(delay).await;
    }
    if shared.faults.take_fail() {
        return (StatusCode::INTERNAL_SERVER_ERROR, "internal server error\n").into_response();
    }
    if let Some(retry_after) = shared.faults.take_throttle() {
        let mut response = (StatusCode::TOO_MANY_REQUESTS, "too many requests\n").into_response();
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
        return response;
    }
    if let Some((status, location)) = shared.faults.take_redirect() {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::TEMPORARY_REDIRECT);
        let mut response = (status, "moved\n").into_response();
        if let Ok(location) = HeaderValue::from_str(&location) {
            response.headers_mut().insert(header::LOCATION, location);
        }
        return response;
    }
    let response = next.run(request).await;
    if response.status().is_success()
        && let Some((bytes, announce, sent)) = shared.faults.take_oversize()
    {
        return oversize(bytes, announce, sent);
    }
    if shared.faults.take_truncate() {
        truncate(response).await
    } else if response.status().is_success() && shared.faults.take_garble() {
        garble(response).await
    } else {
        response
    }
}

/// `bytes` bytes of filler, made a chunk at a time as the connection takes them.
fn oversize(bytes: u64, announce: bool, sent: std::sync::Arc<std::sync::atomic::AtomicU64>) -> Response {
    const CHUNK: u64 = 64 * 1024;
    let filler = axum::body::Bytes::from(vec![b'x'; CHUNK as usize]);
    let chunks = futures_util::stream::unfold(0u64, move |done| {
        let (filler, sent) = (filler.clone(), std::sync::Arc::clone(&sent));
        async move {
            if done >= bytes {
                return None;
            }
            let n = CHUNK.min(bytes - done);
            sent.fetch_add(n, std::sync::atomic::Ordering::SeqCst);
            Some((Ok::<_, std::io::Error>(filler.slice(..n as usize)), done + n))
        }
    });
    let mut response = Response::new(Body::from_stream(chunks));
    if announce {
        response.headers_mut().insert(header::CONTENT_LENGTH, HeaderValue::from(bytes));
    }
    response
}

/// The first half of the body, sent whole: the HTTP reply is complete, its document is not.
async fn garble(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
    let half = bytes.slice(..bytes.len() / 2);
    parts.headers.insert(header::CONTENT_LENGTH, HeaderValue::from(half.len()));
    Response::from_parts(parts, Body::from(half))
}

/// Announces the whole body's length, sends about half of it and then fails the body, so the
/// server drops the connection mid-body.
async fn truncate(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
    let announced = bytes.len() + 64;
    let sent = bytes.slice(..bytes.len() / 2);
    parts.headers.insert(header::CONTENT_LENGTH, HeaderValue::from(announced));
    let chunks: Vec<Result<axum::body::Bytes, std::io::Error>> =
        vec![Ok(sent), Err(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "cut off by the sandbox bank"))];
    Response::from_parts(parts, Body::from_stream(futures_util::stream::iter(chunks)))
}
