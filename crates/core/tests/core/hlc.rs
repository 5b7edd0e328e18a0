//! The hybrid logical clock: monotonic on one device whatever the wall clock does, and
//! ordered after everything it has seen from other devices.

use proptest::prelude::*;
use spearmint_core::{DeviceId, Hlc, HlcClock, HlcError};
use uuid::Uuid;

#[derive(Debug, Clone)]
enum Event {
    Tick { now: u64 },
    Observe { now: u64, remote_millis: u64, remote_counter: u32 },
}

fn event() -> impl Strategy<Value = Event> {
    prop_oneof![
        (0u64..10_000).prop_map(|now| Event::Tick { now }),
        (0u64..10_000, 0u64..10_000, any::<u32>()).prop_map(|(now, remote_millis, remote_counter)| Event::Observe {
            now,
            remote_millis,
            remote_counter
        }),
    ]
}

proptest! {
    #[test]
    fn every_tick_is_after_everything_issued_or_seen(events in prop::collection::vec(event(), 1..200)) {
        let me = DeviceId::from_uuid(Uuid::from_u128(7));
        let other = DeviceId::from_uuid(Uuid::from_u128(9));
        let mut clock = HlcClock::new(me);
        let mut high_water: Option<Hlc> = None;
        for e in events {
            match e {
                Event::Tick { now } => {
                    let t = clock.tick(now);
                    if let Some(h) = high_water { prop_assert!(t > h, "{t} not after {h}"); }
                    prop_assert!(t.millis >= now);
                    high_water = Some(t);
                }
                Event::Observe { now, remote_millis, remote_counter } => {
                    let remote = Hlc { millis: remote_millis, counter: remote_counter, device: other };
                    clock.observe(&remote, now).unwrap();
                    let next = clock.tick(now);
                    prop_assert!(next > remote);
                    if let Some(h) = high_water { prop_assert!(next > h); }
                    high_water = Some(next);
                }
            }
        }
    }

    #[test]
    fn text_order_is_clock_order(a in (any::<u32>(), any::<u32>(), any::<u128>()), b in (any::<u32>(), any::<u32>(), any::<u128>())) {
        let make = |(m, c, d): (u32, u32, u128)| Hlc { millis: u64::from(m) * 1000, counter: c, device: DeviceId::from_uuid(Uuid::from_u128(d)) };
        let (x, y) = (make(a), make(b));
        prop_assert_eq!(x.cmp(&y), x.to_string().cmp(&y.to_string()));
        prop_assert_eq!(x.to_string().parse::<Hlc>().unwrap(), x);
    }
}

#[test]
fn resumes_after_the_last_issued_timestamp_even_if_the_wall_clock_went_back() {
    let me = DeviceId::from_uuid(Uuid::from_u128(1));
    let last = Hlc { millis: 5_000, counter: 3, device: me };
    let mut clock = HlcClock::resume(me, Some(last));
    assert!(clock.tick(1_000) > last);
}

#[test]
fn refuses_a_remote_clock_a_day_ahead() {
    let mut clock = HlcClock::new(DeviceId::from_uuid(Uuid::from_u128(1)));
    let remote = Hlc { millis: 10 * 86_400_000, counter: 0, device: DeviceId::from_uuid(Uuid::from_u128(2)) };
    assert!(matches!(clock.observe(&remote, 1_000), Err(HlcError::Drift { .. })));
}
