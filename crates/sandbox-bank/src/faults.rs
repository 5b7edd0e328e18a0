//! Fault knobs, settable while the bank runs, so a test can make the bank misbehave the way
//! real ones do: slowly, with 500s, with responses cut off mid-body, with refused or expired
//! credentials, unpaid subscriptions and rate limits; or the way a hostile server does, with
//! redirects to elsewhere and endless answers.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The knobs. Every setter takes `&self` and applies to the next request.
#[derive(Debug, Default)]
pub struct Faults {
    latency_ms: AtomicU64,
    fail_next: AtomicU32,
    truncate_next: AtomicU32,
    garble_next: AtomicU32,
    throttle_next: AtomicU32,
    retry_after_secs: AtomicU32,
    expired: AtomicBool,
    payment_required: AtomicBool,
    /// 0 means no limit.
    rate_limit: AtomicU32,
    errors: Mutex<Vec<String>>,
    redirect: Mutex<Option<Redirect>>,
    oversize: Mutex<Option<Oversize>>,
    oversize_sent: Arc<AtomicU64>,
    served_500: AtomicU64,
    truncated: AtomicU64,
    garbled: AtomicU64,
    throttled: AtomicU64,
    refused: AtomicU64,
}

/// The next requests answer a redirect.
#[derive(Debug, Clone)]
struct Redirect {
    left: u32,
    status: u16,
    location: String,
}

/// The next responses are replaced by an answer of `bytes` bytes.
#[derive(Debug, Clone, Copy)]
struct Oversize {
    left: u32,
    bytes: u64,
    announce: bool,
}

/// How many times each fault fired so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FaultCounters {
    /// Requests answered 500 because of [`Faults::fail_next`].
    pub served_500: u64,
    /// Responses cut off because of [`Faults::truncate_next`].
    pub truncated: u64,
    /// Responses sent whole but unreadable because of [`Faults::garble_next`].
    pub garbled: u64,
    /// Requests answered 429 (by [`Faults::throttle_next`] or the OFX daily limit).
    pub throttled: u64,
    /// Requests refused for their credentials: SimpleFIN 403s and OFX sign-ons answered 15500.
    pub refused: u64,
}

impl Faults {
    /// Delays every response by `ms` milliseconds (0 turns it off).
    pub fn latency_ms(&self, ms: u64) {
        self.latency_ms.store(ms, Ordering::SeqCst);
    }

    /// The next `n` requests, whatever they are, answer HTTP 500.
    pub fn fail_next(&self, n: u32) {
        self.fail_next.store(n, Ordering::SeqCst);
    }

    /// The next `n` responses announce their full Content-Length, send about half of the body
    /// and then drop the connection: a client must see an error, never a short body.
    pub fn truncate_next(&self, n: u32) {
        self.truncate_next.store(n, Ordering::SeqCst);
    }

    /// The next `n` responses keep their status but send only the first half of the body, with
    /// a Content-Length that matches: a well-formed HTTP reply whose document does not read
    /// (as a misbehaving proxy or bank sends). The client gets it whole and must say so.
    pub fn garble_next(&self, n: u32) {
        self.garble_next.store(n, Ordering::SeqCst);
    }

    /// The next `n` requests answer HTTP 429 with `Retry-After: retry_after_secs`.
    pub fn throttle_next(&self, n: u32, retry_after_secs: u32) {
        self.retry_after_secs.store(retry_after_secs, Ordering::SeqCst);
        self.throttle_next.store(n, Ordering::SeqCst);
    }

    /// While on, every credential is refused: SimpleFIN answers 403 with the Bridge's HTML page,
    /// OFX answers sign-on STATUS 15500.
    pub fn expire_credentials(&self, on: bool) {
        self.expired.store(on, Ordering::SeqCst);
    }

    /// While on, SimpleFIN `/accounts` answers 402 with the Bridge's JSON body.
    pub fn payment_required(&self, on: bool) {
        self.payment_required.store(on, Ordering::SeqCst);
    }

    /// A daily quota per credential, counted per bank day. SimpleFIN behaves like the real
    /// Bridge: the access URL that goes over it is disabled for good (403 from then on, even on
    /// later days; a new setup token must be claimed). OFX answers HTTP 429 with a Retry-After
    /// until the bank's next day. `None` removes the limit.
    pub fn rate_limit(&self, per_day: Option<u32>) {
        self.rate_limit.store(per_day.map_or(0, |n| n.max(1)), Ordering::SeqCst);
    }

    /// Messages SimpleFIN `/accounts` puts in its `errors` array (on a 200 with the data), as
    /// the Bridge does when one of its connections needs attention. Empty clears them.
    pub fn simplefin_errors(&self, errors: Vec<String>) {
        *self.errors.lock().unwrap_or_else(|e| e.into_inner()) = errors;
    }

    /// The next `n` requests answer `status` (301, 302, 303, 307 or 308) with `Location:
    /// location`, whatever they asked for.
    pub fn redirect_next(&self, n: u32, status: u16, location: &str) {
        *self.redirect.lock().unwrap_or_else(|e| e.into_inner()) =
            (n > 0).then(|| Redirect { left: n, status, location: location.to_owned() });
    }

    /// The next `n` successful responses are replaced by a 200 of `bytes` bytes of filler, made
    /// as it is sent (the bank holds none of it), with its Content-Length when `announce`, else
    /// chunked without one. [`Faults::oversize_bytes_sent`] counts what actually left.
    pub fn oversize_next(&self, n: u32, bytes: u64, announce: bool) {
        *self.oversize.lock().unwrap_or_else(|e| e.into_inner()) =
            (n > 0).then_some(Oversize { left: n, bytes, announce });
    }

    /// The bytes of oversized answers the bank has handed to its connections so far.
    pub fn oversize_bytes_sent(&self) -> u64 {
        self.oversize_sent.load(Ordering::SeqCst)
    }

    /// Turns every knob off (counters stay).
    pub fn clear(&self) {
        self.redirect_next(0, 0, "");
        self.oversize_next(0, 0, false);
        self.latency_ms(0);
        self.fail_next(0);
        self.truncate_next(0);
        self.garble_next(0);
        self.throttle_next(0, 0);
        self.expire_credentials(false);
        self.payment_required(false);
        self.rate_limit(None);
        self.simplefin_errors(Vec::new());
    }

    pub fn counters(&self) -> FaultCounters {
        FaultCounters {
            served_500: self.served_500.load(Ordering::SeqCst),
            truncated: self.truncated.load(Ordering::SeqCst),
            garbled: self.garbled.load(Ordering::SeqCst),
            throttled: self.throttled.load(Ordering::SeqCst),
            refused: self.refused.load(Ordering::SeqCst),
        }
    }

    pub(crate) fn latency(&self) -> Option<Duration> {
        let ms = self.latency_ms.load(Ordering::SeqCst);
        (ms > 0).then(|| Duration::from_millis(ms))
    }

    pub(crate) fn take_fail(&self) -> bool {
        take(&self.fail_next).then(|| self.served_500.fetch_add(1, Ordering::SeqCst)).is_some()
    }

    pub(crate) fn take_truncate(&self) -> bool {
        take(&self.truncate_next).then(|| self.truncated.fetch_add(1, Ordering::SeqCst)).is_some()
    }

    pub(crate) fn take_garble(&self) -> bool {
        take(&self.garble_next).then(|| self.garbled.fetch_add(1, Ordering::SeqCst)).is_some()
    }

    /// `Some(retry_after_secs)` when this request is to be throttled.
    pub(crate) fn take_throttle(&self) -> Option<u32> {
        take(&self.throttle_next).then(|| {
            self.note_throttled();
            self.retry_after_secs.load(Ordering::SeqCst)
        })
    }

    pub(crate) fn note_throttled(&self) {
        self.throttled.fetch_add(1, Ordering::SeqCst);
    }

    pub(crate) fn note_refused(&self) {
        self.refused.fetch_add(1, Ordering::SeqCst);
    }

    pub(crate) fn expired(&self) -> bool {
        self.expired.load(Ordering::SeqCst)
    }

    pub(crate) fn is_payment_required(&self) -> bool {
        self.payment_required.load(Ordering::SeqCst)
    }

    pub(crate) fn daily_limit(&self) -> Option<u32> {
        let n = self.rate_limit.load(Ordering::SeqCst);
        (n > 0).then_some(n)
    }

    /// `Some((status, location))` when this request is to be redirected.
    pub(crate) fn take_redirect(&self) -> Option<(u16, String)> {
        let mut slot = self.redirect.lock().unwrap_or_else(|e| e.into_inner());
        let r = slot.as_mut()?;
        let out = (r.status, r.location.clone());
        r.left -= 1;
        if r.left == 0 {
            *slot = None;
        }
        Some(out)
    }

    /// `Some((bytes, announce, counter))` when this response is to be oversized.
    pub(crate) fn take_oversize(&self) -> Option<(u64, bool, Arc<AtomicU64>)> {
        let mut slot = self.oversize.lock().unwrap_or_else(|e| e.into_inner());
        let o = slot.as_mut()?;
        let out = (o.bytes, o.announce, Arc::clone(&self.oversize_sent));
        o.left -= 1;
        if o.left == 0 {
            *slot = None;
        }
        Some(out)
    }

    pub(crate) fn errors(&self) -> Vec<String> {
        self.errors.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// Decrements a countdown if it is above zero; true when it was.
fn take(counter: &AtomicU32) -> bool {
    counter.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok()
}
