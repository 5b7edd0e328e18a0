//! A hybrid logical clock (Kulkarni et al.): timestamps that follow wall time, never go
//! backwards on one device even when its clock does, and order every change across devices.
//! Sync merges cells last-writer-wins by this order; the device id breaks ties.
//!
//! The clock is pure: the caller passes the current wall time in milliseconds.

use std::fmt;
use std::str::FromStr;

use uuid::Uuid;

use crate::id::DeviceId;

/// One timestamp. Ordered by wall time, then counter, then device.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct Hlc {
    pub millis: u64,
    pub counter: u32,
    pub device: DeviceId,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HlcError {
    #[error("`{0}` is not a clock timestamp")]
    Syntax(String),
    #[error(
        "a remote clock is {ahead_ms} ms ahead of this device's, beyond the {max_ms} ms allowed: check the system time"
    )]
    Drift { ahead_ms: u64, max_ms: u64 },
}

/// Fixed-width text (`000001700000000-0000002a-<32 hex>`), so text order equals clock order
/// and SQL can sort and compare timestamps as plain strings.
impl fmt::Display for Hlc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:015}-{:08x}-{}", self.millis, self.counter, self.device.as_uuid().simple())
    }
}

impl FromStr for Hlc {
    type Err = HlcError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || HlcError::Syntax(s.to_owned());
        let mut parts = s.splitn(3, '-');
        let (millis, counter, device) =
            (parts.next().ok_or_else(err)?, parts.next().ok_or_else(err)?, parts.next().ok_or_else(err)?);
        if millis.len() != 15 || counter.len() != 8 || device.len() != 32 {
            return Err(err());
        }
        Ok(Hlc {
            millis: millis.parse().map_err(|_| err())?,
            counter: u32::from_str_radix(counter, 16).map_err(|_| err())?,
            device: DeviceId::from_uuid(Uuid::try_parse(device).map_err(|_| err())?),
        })
    }
}

/// The clock of one device.
#[derive(Debug, Clone)]
pub struct HlcClock {
    device: DeviceId,
    millis: u64,
    counter: u32,
    max_drift_ms: u64,
}

impl HlcClock {
    /// How far ahead a remote timestamp may be before we refuse it (a day): a device with a
    /// wildly wrong clock must not drag everyone's clocks into the future.
    pub const DEFAULT_MAX_DRIFT_MS: u64 = 24 * 60 * 60 * 1000;

    pub fn new(device: DeviceId) -> HlcClock {
        HlcClock { device, millis: 0, counter: 0, max_drift_ms: Self::DEFAULT_MAX_DRIFT_MS }
    }

    /// Resumes after the last timestamp this device issued (kept in the vault).
    pub fn resume(device: DeviceId, last: Option<Hlc>) -> HlcClock {
        let mut clock = HlcClock::new(device);
        if let Some(last) = last {
            clock.millis = last.millis;
            clock.counter = last.counter;
        }
        clock
    }

    pub fn device(&self) -> DeviceId {
        self.device
    }

    /// The latest timestamp this clock issued or saw: what a restarted device resumes after.
    pub fn last(&self) -> Hlc {
        self.current()
    }

    /// A timestamp for a local event, strictly after every timestamp this clock has issued or seen.
    pub fn tick(&mut self, now_millis: u64) -> Hlc {
        if now_millis > self.millis {
            self.millis = now_millis;
            self.counter = 0;
        } else {
            self.advance_counter();
        }
        self.current()
    }

    /// Takes in a remote timestamp, so later local ticks order after it.
    pub fn observe(&mut self, remote: &Hlc, now_millis: u64) -> Result<(), HlcError> {
        let ahead = remote.millis.saturating_sub(now_millis);
        if ahead > self.max_drift_ms {
            return Err(HlcError::Drift { ahead_ms: ahead, max_ms: self.max_drift_ms });
        }
        let top = now_millis.max(self.millis).max(remote.millis);
        if top == self.millis && top == remote.millis {
            self.counter = self.counter.max(remote.counter);
            self.advance_counter();
        } else if top == self.millis {
            self.advance_counter();
        } else if top == remote.millis {
            self.millis = top;
            self.counter = remote.counter;
            self.advance_counter();
        } else {
            self.millis = top;
            self.counter = 0;
        }
        Ok(())
    }

    fn advance_counter(&mut self) {
        match self.counter.checked_add(1) {
            Some(c) => self.counter = c,
            None => {
                // Four billion events in one millisecond: borrow the next millisecond.
                self.millis += 1;
                self.counter = 0;
            }
        }
    }

    fn current(&self) -> Hlc {
        Hlc { millis: self.millis, counter: self.counter, device: self.device }
    }
}
