//! When background work runs: the daily extraction at the user's time of day with jitter,
//! caught up once after sleep or downtime, only for profiles used in the last 30 days; and the
//! exponential backoff of failed jobs. Pure: the caller passes the current instant and the
//! user's time zone (any [`chrono::TimeZone`]; the engine passes `chrono::Local`).

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};

/// A profile not used for this long gets no daily extraction (it is resumed on next use).
pub const ACTIVE_DAYS: i64 = 30;

/// The daily run's settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Daily {
    /// Time of day the user chose, on their own wall clock (the zone is passed to each method).
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

/// The longest a clock change can skip (Samoa skipped a whole day in 2011), in minutes.
const LONGEST_GAP_MINUTES: i64 = 26 * 60;

/// The instant `zone`'s wall clock shows `local`. A time shown twice (clocks going back) is its
/// first occurrence; a time skipped (clocks going forward) is the moment the clock jumps, the
/// first wall-clock minute after the gap, so the run is late by the gap rather than lost.
fn instant_at<Tz: TimeZone>(zone: &Tz, local: NaiveDateTime) -> DateTime<Utc> {
    (0..=LONGEST_GAP_MINUTES)
        .find_map(|m| zone.from_local_datetime(&(local + Duration::minutes(m))).earliest())
        .map_or_else(|| local.and_utc(), |t| t.with_timezone(&Utc))
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

    /// The scheduled instant of the local day `day`.
    fn slot<Tz: TimeZone>(&self, zone: &Tz, day: NaiveDate) -> DateTime<Utc> {
        instant_at(zone, day.and_time(self.at)) + self.jitter()
    }

    /// The slots of the local days around `now`, in order. With the jitter, yesterday's slot
    /// can fall after midnight and today's can be tomorrow's: the caller picks by instant.
    fn slots_around<Tz: TimeZone>(&self, zone: &Tz, now: DateTime<Utc>) -> impl Iterator<Item = DateTime<Utc>> {
        let today = now.with_timezone(zone).date_naive();
        let zone = zone.clone();
        let daily = *self;
        (-3..=3).map(move |d| daily.slot(&zone, today + Duration::days(d)))
    }

    /// The most recent scheduled instant at or before `now`.
    pub fn latest_slot<Tz: TimeZone>(&self, zone: &Tz, now: DateTime<Utc>) -> DateTime<Utc> {
        self.slots_around(zone, now).filter(|s| *s <= now).max().unwrap_or(now)
    }

    /// The next scheduled instant after `now`.
    pub fn next_slot<Tz: TimeZone>(&self, zone: &Tz, now: DateTime<Utc>) -> DateTime<Utc> {
        self.slots_around(zone, now).filter(|s| *s > now).min().unwrap_or(now + Duration::days(1))
    }

    /// Whether the daily run is due: a slot has passed since the last run (so a machine that
    /// slept through several slots catches up once, not once per missed day), and the profile
    /// was used in the last [`ACTIVE_DAYS`].
    pub fn due<Tz: TimeZone>(
        &self,
        zone: &Tz,
        now: DateTime<Utc>,
        last_run: Option<DateTime<Utc>>,
        last_used: Option<DateTime<Utc>>,
    ) -> bool {
        let active = last_used.is_some_and(|u| now - u <= Duration::days(ACTIVE_DAYS));
        let slot = self.latest_slot(zone, now);
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
    use chrono::{FixedOffset, MappedLocalTime, Offset};

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
        assert!(!d.due(&Utc, at("2026-11-21T05:59:00Z"), Some(at("2026-11-20T06:01:00Z")), used));
        assert!(d.due(&Utc, at("2026-11-21T06:00:00Z"), Some(at("2026-11-20T06:01:00Z")), used));
        assert!(!d.due(&Utc, at("2026-11-21T09:00:00Z"), Some(at("2026-11-21T06:00:30Z")), used));
    }

    #[test]
    fn catches_up_once_after_sleeping_through_several_days() {
        let d = daily();
        let used = Some(at("2026-11-20T10:00:00Z"));
        let woke = at("2026-11-24T13:00:00Z");
        assert!(d.due(&Utc, woke, Some(at("2026-11-20T06:01:00Z")), used));
        assert!(!d.due(&Utc, woke + Duration::minutes(5), Some(woke), used));
        assert_eq!(d.next_slot(&Utc, woke), at("2026-11-25T06:00:00Z"));
    }

    #[test]
    fn skips_profiles_unused_for_thirty_days() {
        let d = daily();
        assert!(!d.due(&Utc, at("2026-11-21T07:00:00Z"), None, Some(at("2026-10-01T00:00:00Z"))));
        assert!(!d.due(&Utc, at("2026-11-21T07:00:00Z"), None, None));
        assert!(d.due(&Utc, at("2026-11-21T07:00:00Z"), None, Some(at("2026-10-23T00:00:00Z"))));
    }

    #[test]
    fn jitter_is_stable_per_profile_and_within_the_window() {
        let d = Daily { jitter_minutes: 30, jitter_seed: 42, ..daily() };
        let slot = d.next_slot(&Utc, at("2026-11-21T00:00:00Z"));
        assert_eq!(slot, d.next_slot(&Utc, at("2026-11-21T00:00:00Z")));
        assert!(slot >= at("2026-11-21T06:00:00Z") && slot < at("2026-11-21T06:30:00Z"));
        let other = Daily { jitter_seed: 43, ..d };
        assert_ne!(slot, other.next_slot(&Utc, at("2026-11-21T00:00:00Z")));
    }

    fn zone(hours: i32, minutes: i32) -> FixedOffset {
        FixedOffset::east_opt(hours * 3600 + hours.signum() * minutes * 60).unwrap()
    }

    fn daily_at(time: &str) -> Daily {
        Daily { at: NaiveTime::parse_from_str(time, "%H:%M").unwrap(), jitter_minutes: 0, jitter_seed: 1 }
    }

    #[test]
    fn the_time_is_on_the_users_wall_clock() {
        // India (+05:30): 06:30 there is 01:00 UTC.
        let india = zone(5, 30);
        let d = daily_at("06:30");
        let used = Some(at("2026-11-20T10:00:00Z"));
        let yesterday = Some(at("2026-11-20T06:31:00Z"));
        assert!(!d.due(&india, at("2026-11-21T00:59:59Z"), yesterday, used));
        assert!(d.due(&india, at("2026-11-21T01:00:00Z"), yesterday, used));
        assert_eq!(d.next_slot(&india, at("2026-11-20T20:00:00Z")), at("2026-11-21T01:00:00Z"));
        // In UTC the same setting would wait until 06:30 UTC.
        assert!(!d.due(&Utc, at("2026-11-21T01:00:00Z"), yesterday, used));

        // California in winter (-08:00): 23:30 there is 07:30 UTC the next day, so the local
        // date, not the UTC date, decides which slot is the latest.
        let california = zone(-8, 0);
        let d = daily_at("23:30");
        // 2026-11-21 23:00 local, before that day's slot: the latest is the 20th's.
        let now = at("2026-11-22T07:00:00Z");
        assert_eq!(d.latest_slot(&california, now), at("2026-11-21T07:30:00Z"));
        assert_eq!(d.next_slot(&california, now), at("2026-11-22T07:30:00Z"));
        assert!(!d.due(&california, now, Some(at("2026-11-21T07:31:00Z")), used));
        assert!(d.due(&california, at("2026-11-22T07:30:00Z"), Some(at("2026-11-21T07:31:00Z")), used));
    }

    /// New York in 2026, with its two clock changes: 2026-03-08 02:00 EST becomes 03:00 EDT
    /// (07:00 UTC), 2026-11-01 02:00 EDT becomes 01:00 EST (06:00 UTC).
    #[derive(Debug, Clone, Copy)]
    struct NewYork2026;

    impl TimeZone for NewYork2026 {
        type Offset = FixedOffset;

        fn from_offset(_: &FixedOffset) -> Self {
            NewYork2026
        }

        fn offset_from_local_date(&self, local: &NaiveDate) -> MappedLocalTime<FixedOffset> {
            self.offset_from_local_datetime(&local.and_time(NaiveTime::MIN))
        }

        fn offset_from_local_datetime(&self, local: &NaiveDateTime) -> MappedLocalTime<FixedOffset> {
            let fits: Vec<FixedOffset> = [zone(-4, 0), zone(-5, 0)]
                .into_iter()
                .filter(|o| {
                    self.offset_from_utc_datetime(&(*local - Duration::seconds(o.fix().local_minus_utc().into()))) == *o
                })
                .collect();
            match fits[..] {
                [] => MappedLocalTime::None,
                [one] => MappedLocalTime::Single(one),
                // EDT (-4) is the earlier of the two instants.
                [first, second] => MappedLocalTime::Ambiguous(first, second),
                _ => unreachable!(),
            }
        }

        fn offset_from_utc_date(&self, utc: &NaiveDate) -> FixedOffset {
            self.offset_from_utc_datetime(&utc.and_time(NaiveTime::MIN))
        }

        fn offset_from_utc_datetime(&self, utc: &NaiveDateTime) -> FixedOffset {
            let summer = at("2026-03-08T07:00:00Z").naive_utc()..at("2026-11-01T06:00:00Z").naive_utc();
            if summer.contains(utc) { zone(-4, 0) } else { zone(-5, 0) }
        }
    }

    #[test]
    fn clock_changes_move_the_run_with_the_wall_clock() {
        let ny = NewYork2026;
        // 06:00 on the wall clock, whether standard or daylight time.
        let d = daily_at("06:00");
        assert_eq!(d.next_slot(&ny, at("2026-03-07T00:00:00Z")), at("2026-03-07T11:00:00Z"));
        assert_eq!(d.next_slot(&ny, at("2026-03-07T11:00:00Z")), at("2026-03-08T10:00:00Z"));
        assert_eq!(d.next_slot(&ny, at("2026-10-31T12:00:00Z")), at("2026-11-01T11:00:00Z"));
        // 02:30 does not exist on 2026-03-08: the run happens when the clock jumps to 03:00.
        let d = daily_at("02:30");
        assert_eq!(d.next_slot(&ny, at("2026-03-08T05:00:00Z")), at("2026-03-08T07:00:00Z"));
        assert_eq!(d.next_slot(&ny, at("2026-03-08T07:00:00Z")), at("2026-03-09T06:30:00Z"));
        // 01:30 happens twice on 2026-11-01: the run is at the first, and only once.
        let d = daily_at("01:30");
        let first = at("2026-11-01T05:30:00Z");
        assert_eq!(d.next_slot(&ny, at("2026-11-01T03:00:00Z")), first);
        let used = Some(at("2026-10-31T12:00:00Z"));
        assert!(d.due(&ny, first, Some(at("2026-10-31T05:31:00Z")), used));
        assert!(!d.due(&ny, at("2026-11-01T06:30:00Z"), Some(first), used), "the second 01:30 does not run again");
        assert_eq!(d.next_slot(&ny, first), at("2026-11-02T06:30:00Z"));
    }

    /// Every 17 minutes through four days from `start`: `now` lies between its latest and next
    /// slot, which are about a day apart.
    fn check_slots_around<Tz: TimeZone>(zone: &Tz, d: &Daily, start: DateTime<Utc>) {
        for step in 0..(4 * 24 * 60 / 17) {
            let now = start + Duration::minutes(17 * step);
            let (latest, next) = (d.latest_slot(zone, now), d.next_slot(zone, now));
            assert!(latest <= now && now < next, "{:?} at {now}: {latest} .. {next}", d.at);
            let gap = next - latest;
            assert!(gap >= Duration::hours(22) && gap <= Duration::hours(26), "{:?} at {now}: {gap}", d.at);
        }
    }

    #[test]
    fn every_instant_lies_between_its_latest_and_next_slot_a_day_apart() {
        // Times near midnight with the widest jitter push slots across the local date: the
        // latest slot must never be in the future, nor the next one in the past. Both clock
        // changes of the year are crossed.
        for time in ["00:00", "00:10", "01:30", "02:30", "06:00", "23:45"] {
            for seed in [1, 7, 42] {
                let d = Daily { jitter_minutes: 30, jitter_seed: seed, ..daily_at(time) };
                for start in [at("2026-03-06T00:00:00Z"), at("2026-10-30T00:00:00Z")] {
                    check_slots_around(&NewYork2026, &d, start);
                    check_slots_around(&zone(5, 30), &d, start);
                    check_slots_around(&Utc, &d, start);
                }
            }
        }
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
