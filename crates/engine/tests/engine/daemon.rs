//! The background task through `Engine::tick`: the daily extraction of the demo bank runs at the
//! user's time of day on their local clock, once per slot, and not for a profile nobody used in
//! the last 30 days. A passphrase vault and the demo bank (which keeps no credentials), so no
//! keychain is needed.

use chrono::{DateTime, Duration, Local, NaiveTime, TimeZone, Utc};
use spearmint_engine::{Engine, ProviderKind, RefreshReport, TransactionQuery};
use tempfile::TempDir;

use crate::common::passphrase_vault;

/// A zone far from UTC, with daylight saving time: the test process runs in it (see [`in_zone`]).
const ZONE: &str = "America/New_York";

/// Runs the calling test again in a child process whose local time zone is [`ZONE`] (`TZ`), and
/// returns false; in that child it returns true and the test goes on. The machine's own zone is
/// often UTC, where "local time" and "UTC" cannot be told apart.
fn in_zone(test: &str) -> bool {
    if std::env::var("TZ").as_deref() == Ok(ZONE) {
        // chrono reads $TZ; if the zone database were missing it would silently use UTC.
        let winter = Local.with_ymd_and_hms(2026, 1, 15, 12, 0, 0).unwrap();
        assert_eq!(winter.offset().local_minus_utc(), -5 * 3600, "TZ={ZONE} did not take effect");
        return true;
    }
    // The test's full name in this binary: its module's path, without the binary's name.
    let name = format!("{}::{test}", module_path!().split_once("::").map_or("", |(_, path)| path));
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([name.as_str(), "--exact", "--nocapture", "--test-threads=1"])
        .env("TZ", ZONE)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{test} in {ZONE} failed:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("1 passed"), "{test} did not run in the child: {stdout}");
    false
}

async fn demo_engine() -> (TempDir, Engine) {
    let (dir, engine) = passphrase_vault();
    let c = engine.connect_demo().await.unwrap();
    // The first extraction, as linking does; it is not the daily run.
    let first = engine.refresh_connection(c.id, |_| {}).await.unwrap();
    assert!(first.outcomes[0].summary.as_ref().is_some_and(|s| s.added > 20), "{first:?}");
    (dir, engine)
}

/// The instant the local wall clock shows `time` on the local day `days` from today.
fn local(days: i64, time: &str) -> DateTime<Utc> {
    let day = Local::now().date_naive() + Duration::days(days);
    let t = NaiveTime::parse_from_str(time, "%H:%M").unwrap();
    Local.from_local_datetime(&day.and_time(t)).earliest().unwrap().with_timezone(&Utc)
}

fn jobs(engine: &Engine) -> u32 {
    engine.status().unwrap().counts.iter().find(|c| c.table == "jobs").map(|c| c.rows).unwrap()
}

fn transactions(engine: &Engine) -> usize {
    engine.transactions(&TransactionQuery::default()).unwrap().len()
}

fn ran_the_demo(report: &RefreshReport) -> bool {
    match &report.outcomes[..] {
        [] => false,
        [o] => {
            assert_eq!(o.provider, ProviderKind::Demo);
            assert!(o.error.is_none() && o.summary.as_ref().is_some_and(|s| s.accounts == 3), "{report:?}");
            true
        }
        _ => panic!("one connection, one outcome: {report:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_daily_run_is_due_at_the_users_local_time_and_extracts_the_demo_bank() {
    if !in_zone("the_daily_run_is_due_at_the_users_local_time_and_extracts_the_demo_bank") {
        return;
    }
    let (_dir, engine) = demo_engine().await;
    engine.set_daily_time("06:30").unwrap();
    let schedule = engine.daily_schedule().unwrap();
    assert_eq!(schedule.at, NaiveTime::from_hms_opt(6, 30, 0).unwrap());
    assert!(schedule.jitter_minutes <= 30, "the checks below leave 30 minutes for the jitter");

    // Every `now` is yesterday (local), in the past: a queued job runs only once its time has come.
    // Never run daily before: the first tick runs it, at any hour.
    let report = engine.tick(local(-1, "05:00")).await.unwrap().0;
    assert!(ran_the_demo(&report), "{report:?}");

    // 06:29 local is before the slot (06:30 plus the jitter): nothing runs. In New York that is
    // 11:29 UTC, long after 06:30 UTC: a schedule read in UTC would have run by now.
    let before = jobs(&engine);
    let (report, next) = engine.tick(local(-1, "06:29")).await.unwrap();
    assert!(!ran_the_demo(&report), "{report:?}");
    assert_eq!(jobs(&engine), before, "nothing was queued");
    assert!(next > local(-1, "06:29") && next <= local(-1, "07:00"), "wakes up for the slot: {next}");

    // 07:01 local is after the slot (the jitter is at most 30 minutes): the daily run is queued
    // and extracts the demo bank.
    let (report, _) = engine.tick(local(-1, "07:01")).await.unwrap();
    assert!(ran_the_demo(&report), "the daily run at 06:30 local time: {report:?}");
    assert_eq!(jobs(&engine), before + 1, "one extraction job was queued and run");

    // Once per slot: a minute later, and until the next day's, nothing more.
    for later in ["07:02", "12:00", "23:59"] {
        let (report, _) = engine.tick(local(-1, later)).await.unwrap();
        assert!(!ran_the_demo(&report), "{later}: {report:?}");
    }
    assert_eq!(jobs(&engine), before + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_profile_unused_for_more_than_thirty_days_gets_no_daily_run() {
    let (_dir, engine) = demo_engine().await;
    engine.mark_used().unwrap();
    let used = Utc::now();
    let (count, queued) = (transactions(&engine), jobs(&engine));

    // 31 days after the last use, past any slot, never run daily: still nothing runs or queues.
    let (report, _) = engine.tick(used + Duration::days(31)).await.unwrap();
    assert!(report.outcomes.is_empty(), "{report:?}");
    assert_eq!(jobs(&engine), queued, "no extraction was queued");
    assert_eq!(transactions(&engine), count);

    // The same profile 29 days after its last use is due: the daily extraction is queued (for
    // that instant, in the future, so it does not run yet). The rule above is what held it back.
    engine.tick(used + Duration::days(29)).await.unwrap();
    assert_eq!(jobs(&engine), queued + 1, "the daily extraction was queued");
}

/// What the app's settings show: the time the user chose and when the run next starts, on the
/// local clock, after that time and within its jitter; a time that is not one is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_daily_refresh_says_its_time_and_its_next_run_in_local_time() {
    if !in_zone("the_daily_refresh_says_its_time_and_its_next_run_in_local_time") {
        return;
    }
    let (_dir, engine) = passphrase_vault();
    assert_eq!(engine.daily_refresh(Utc::now()).unwrap().at, "06:00", "the default");
    engine.set_daily_time("21:45").unwrap();
    for now in [local(0, "21:44"), local(0, "23:00"), local(1, "03:00")] {
        let daily = engine.daily_refresh(now).unwrap();
        assert_eq!(daily.at, "21:45");
        let next = DateTime::parse_from_rfc3339(&daily.next_run).unwrap().with_timezone(&Utc);
        let slot = [local(-1, "21:45"), local(0, "21:45"), local(1, "21:45"), local(2, "21:45")]
            .into_iter()
            .filter(|s| *s + Duration::minutes(i64::from(daily.jitter_minutes)) > now)
            .find(|s| *s + Duration::minutes(i64::from(daily.jitter_minutes)) >= next)
            .unwrap();
        assert!(next > now && next >= slot, "{now}: {daily:?}");
        assert!(next <= slot + Duration::minutes(i64::from(daily.jitter_minutes)), "{now}: {daily:?}");
    }
    let err = engine.set_daily_time("25:00").unwrap_err();
    assert!(err.message().contains("HH:MM"), "{}", err.message());
    assert_eq!(engine.daily_refresh(Utc::now()).unwrap().at, "21:45", "a refused time changes nothing");
}
