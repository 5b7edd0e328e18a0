//! When background work runs: the daily extraction at the user's time of day with jitter,
//! caught up once after sleep or downtime, only for profiles used in the last 30 days; and the
//! exponential backoff of failed jobs. Pure: the caller passes the current instant.

use chrono::{DateTime, Duration, NaiveTime, Utc};

/// A profile not used for this long gets no daily extraction (it is resumed on next use).
pub const ACTIVE_DAYS: i64 = 30;

/// The daily run's settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Daily {
    /// Time of day (UTC) the user chose.
    pub at: NaiveTime,
    /// Up to this many minutes later, fixed per profile (`jitter_seed`), so that many
    /// installations do not hit a bank at the same second.
    pub jitter_minutes: u32,
    pub jitter_seed: u64,
}

impl Default for Daily {
    fn default() -> Self {
        Daily { at: NaiveTime::from_hms_opt(6, 0, 0).expect("valid time"), jitter_minutes: 30, jitter_seed: 0 }
    }
}

impl Daily {
    fn jitter(&self) -> Duration {
        if self.jitter_minutes == 0 {
            return Duration::zero();
        }
        // SplitMix64 of the seed: stable per profile, spread over the window.
        let mut z = self.jitter_seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        Duration::seconds((z % (u64::from(self.jitter_minutes) * 60)) as i64)
    }

    /// The scheduled instant on the day of `day_of`.
    fn slot(&self, day_of: DateTime<Utc>) -> DateTime<Utc> {
        day_of.date_naive().and_time(self.at).and_utc() + self.jitter()
    }

    /// The most recent scheduled instant at or before `now`.
    pub fn latest_slot(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        let today = self.slot(now);
        if today <= now { today } else { self.slot(now - Duration::days(1)) }
    }

    /// The next scheduled instant after `now`.
    pub fn next_slot(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        let today = self.slot(now);
        if today > now { today } else { self.slot(now + Duration::days(1)) }
    }

    /// Whether the daily run is due: a slot has passed since the last run (so a machine that
    /// slept through several slots catches up once, not once per missed day), and the profile
    /// was used in the last [`ACTIVE_DAYS`].
    pub fn due(&self, now: DateTime<Utc>, last_run: Option<DateTime<Utc>>, last_used: Option<DateTime<Utc>>) -> bool {
        let active = last_used.is_some_and(|u| now - u <= Duration::days(ACTIVE_DAYS));
        let slot = self.latest_slot(now);
        active && last_run.is_none_or(|r| r < slot)
    }
}

/// When a failed job is tried again: 1, 4, 16, 64 minutes ... capped at 6 hours, plus up to a
/// fifth more (from `seed`) so retries of many jobs spread out.
pub fn backoff(attempts: u32, seed: u64) -> Duration {
    let base = 60i64.saturating_mul(4i64.saturating_pow(attempts.saturating_sub(1).min(8)));
    let capped = base.min(6 * 60 * 60);
    let spread = (seed % 1000) as i64 * capped / 5000;
    Duration::seconds(capped + spread)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn daily() -> Daily {
        Daily { at: NaiveTime::from_hms_opt(6, 0, 0).unwrap(), jitter_minutes: 0, jitter_seed: 1 }
    }

    #[test]
    fn runs_once_a_day_after_the_slot() {
        let d = daily();
        let used = Some(at("2026-11-20T10:00:00Z"));
        assert!(!d.due(at("2026-11-21T05:59:00Z"), Some(at("2026-11-20T06:01:00Z")), used));
        assert!(d.due(at("2026-11-21T06:00:00Z"), Some(at("2026-11-20T06:01:00Z")), used));
        assert!(!d.due(at("2026-11-21T09:00:00Z"), Some(at("2026-11-21T06:00:30Z")), used));
    }

    #[test]
    fn catches_up_once_after_sleeping_through_several_days() {
        let d = daily();
        let used = Some(at("2026-11-20T10:00:00Z"));
        let woke = at("2026-11-24T13:00:00Z");
        assert!(d.due(woke, Some(at("2026-11-20T06:01:00Z")), used));
        assert!(!d.due(woke + Duration::minutes(5), Some(woke), used));
        assert_eq!(d.next_slot(woke), at("2026-11-25T06:00:00Z"));
    }

    #[test]
    fn skips_profiles_unused_for_thirty_days() {
        let d = daily();
        assert!(!d.due(at("2026-11-21T07:00:00Z"), None, Some(at("2026-10-01T00:00:00Z"))));
        assert!(!d.due(at("2026-11-21T07:00:00Z"), None, None));
        assert!(d.due(at("2026-11-21T07:00:00Z"), None, Some(at("2026-10-23T00:00:00Z"))));
    }

    #[test]
    fn jitter_is_stable_per_profile_and_within_the_window() {
        let d = Daily { jitter_minutes: 30, jitter_seed: 42, ..daily() };
        let slot = d.next_slot(at("2026-11-21T00:00:00Z"));
        assert_eq!(slot, d.next_slot(at("2026-11-21T00:00:00Z")));
        assert!(slot >= at("2026-11-21T06:00:00Z") && slot < at("2026-11-21T06:30:00Z"));
        let other = Daily { jitter_seed: 43, ..d };
        assert_ne!(slot, other.next_slot(at("2026-11-21T00:00:00Z")));
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        assert_eq!(backoff(1, 0), Duration::minutes(1));
        assert_eq!(backoff(2, 0), Duration::minutes(4));
        assert_eq!(backoff(3, 0), Duration::minutes(16));
        assert_eq!(backoff(30, 0), Duration::hours(6));
        assert!(backoff(2, 999) > backoff(2, 0) && backoff(2, 999) <= Duration::minutes(5));
    }
}
