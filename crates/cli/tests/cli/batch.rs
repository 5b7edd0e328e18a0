//! `spearmint batch`: the seed's SpendingByCategory job over logs, checked byte for byte against
//! an independent reference (exact decimals in an ordered map, one line at a time) on a
//! generated log with the edge rows that break naive implementations, large enough to cross
//! the reader's chunks, in every way the job can be run.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::str::FromStr as _;

use rust_decimal::Decimal;

fn batch(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_spearmint"));
    cmd.arg("batch").args(args).env_remove("SPEARMINT_DATA_DIR");
    cmd
}

fn run(cmd: &mut Command, stdin: &[u8]) -> Output {
    let mut child = cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let mut input = child.stdin.take().unwrap();
    let stdin = stdin.to_vec();
    let writer = std::thread::spawn(move || input.write_all(&stdin));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    out
}

fn ok(cmd: &mut Command, stdin: &[u8]) -> Output {
    let out = run(cmd, stdin);
    assert!(out.status.success(), "{cmd:?}: {}", String::from_utf8_lossy(&out.stderr));
    out
}

const SELLERS: &str = "Lerkmio Cafe #4157\tRESTAURANTS\n\
Joe's Diner\tRESTAURANTS\n\
Baigrios Pizzeria, Inc.\tRESTAURANTS\n\
Backdrom & Halhox Bike Share\tTRANSPORT\n\
Fresh Acres Market\tFOOD\n\
Quikfuel 22\tGAS\n\
Harbor Outfitters\tSHOPPING\n\
Northside Power\tUTILITIES\n";

/// A deterministic log: 200,000 generated lines (about 9 MB, more than two of the reader's
/// chunks) and the edge rows of `../shared/bench/check_agree.sh`.
fn log() -> String {
    let sellers: Vec<&str> = SELLERS.lines().map(|l| l.split('\t').next().unwrap()).collect();
    let users = ["1", "2", "10", "007", "alice", "3", "25"];
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut out = String::new();
    for i in 0..200_000u64 {
        let r = next();
        let user = users[(r % users.len() as u64) as usize];
        let seller = if r % 97 == 0 { "POS DEBIT 004821" } else { sellers[((r >> 8) % sellers.len() as u64) as usize] };
        let cents = (r >> 20) % 50_000;
        let sign = if (r >> 40) % 50 == 0 { "-" } else { "" };
        let (month, day) = (1 + i * 4 / 200_000, 1 + (r >> 44) % 28);
        out.push_str(&format!(
            "{user}\t2024-{month:02}-{day:02}T10:00:00Z\t{seller}\t{sign}{}.{:02}\n",
            cents / 100,
            cents % 100
        ));
    }
    for edge in [
        "999\t2024-02-10T10:00:00Z\tLerkmio Cafe #4157\t12.34",
        "999\t2024-02-11T10:00:00Z\tLerkmio Cafe #4157\t-12.34",
        "999\t2024-03-01T00:00:00Z\tJoe's Diner\t-3.50",
        "999\t2024-01-31T23:59:59Z\tBaigrios Pizzeria, Inc.\t0.10",
        "999\t2024-02-01T00:00:00Z\tBaigrios Pizzeria, Inc.\t0.20",
        "999\t2024-01-15T08:00:00Z\tBackdrom & Halhox Bike Share\t0.10",
        "999\t2024-01-16T08:00:00Z\tBackdrom & Halhox Bike Share\t0.20",
        "999\t2024-01-20T08:00:00Z\tPOS DEBIT 999999\t99999999.99",
        "999\t2024-01-21T08:00:00Z\tPOS DEBIT 999999\t99999999.99",
        "alice\t2024-02-16T12:00:00Z\tFresh Acres Market\t2.5",
        "alice\t2024-02-17T12:00:00Z\tFresh Acres Market\t2",
    ] {
        out.push_str(edge);
        out.push('\n');
    }
    out
}

/// The job, written the obvious way.
fn reference(log: &str, month: Option<&str>) -> String {
    let map: BTreeMap<&str, &str> = SELLERS.lines().map(|l| l.split_once('\t').unwrap()).collect();
    let mut totals: BTreeMap<(String, String, String), Decimal> = BTreeMap::new();
    for line in log.lines() {
        let [user, timestamp, seller, amount] = line.split('\t').collect::<Vec<_>>()[..] else { panic!("{line}") };
        let period = &timestamp[..7];
        if month.is_some_and(|m| m != period) {
            continue;
        }
        let category = map.get(seller).copied().unwrap_or("UNCATEGORIZED");
        let key = (user.to_owned(), period.to_owned(), category.to_owned());
        *totals.entry(key).or_insert(Decimal::new(0, 2)) += Decimal::from_str(amount).unwrap();
    }
    totals.into_iter().map(|((u, m, c), total)| format!("{u}\t{m}\t{c}\t{:.2}\n", total)).collect()
}

fn write(dir: &Path, name: &str, text: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_owned()
}

#[test]
fn spending_equals_the_exact_reference_however_it_is_run() {
    let dir = tempfile::tempdir().unwrap();
    let log = log();
    let tx = write(dir.path(), "tx.tsv", log.as_bytes());
    let sellers = write(dir.path(), "sellers.tsv", SELLERS.as_bytes());
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(log.as_bytes()).unwrap();
    let tx_gz = write(dir.path(), "tx.tsv.gz", &gz.finish().unwrap());
    let out = dir.path().join("out.tsv");
    let out = out.to_str().unwrap();

    for month in [None, Some("2024-02")] {
        let expected = reference(&log, month);
        assert!(expected.starts_with("007\t"), "byte order puts 007 first");
        if month.is_none() {
            assert!(expected.contains("999\t2024-01\tUNCATEGORIZED\t199999999.98\n"));
            assert!(expected.contains("999\t2024-01\tTRANSPORT\t0.30\n"));
        } else {
            assert!(expected.contains("999\t2024-02\tRESTAURANTS\t0.20\n"));
        }
        let month_args: Vec<&str> = month.map(|m| vec!["--month", m]).unwrap_or_default();
        for (log_arg, threads, stdin) in
            [(&*tx, "1", &b""[..]), (&*tx, "3", b""), (&*tx_gz, "2", b""), ("-", "2", log.as_bytes())]
        {
            let mut args =
                vec!["spending", "--log", log_arg, "--sellers", &*sellers, "--out", out, "--threads", threads];
            args.extend(&month_args);
            ok(&mut batch(&args), stdin);
            let got = std::fs::read_to_string(out).unwrap();
            assert!(
                got == expected,
                "{log_arg} with {threads} threads, {month:?}: {}",
                first_difference(&expected, &got)
            );
        }

        // Hadoop Streaming: map, a shuffle in no useful order, a combiner on each half, reduce.
        let mut args = vec!["map", "--sellers", &*sellers];
        args.extend(&month_args);
        let mapped = ok(&mut batch(&args), log.as_bytes()).stdout;
        let mut lines: Vec<&[u8]> = mapped.split_inclusive(|b| *b == b'\n').collect();
        lines.reverse();
        let half = lines.len() / 2;
        let mut combined = Vec::new();
        for part in [&lines[..half], &lines[half..]] {
            combined.extend(ok(&mut batch(&["reduce"]), &part.concat()).stdout);
        }
        let reduced = ok(&mut batch(&["reduce"]), &combined).stdout;
        assert!(reduced == expected.as_bytes(), "map | reduce, {month:?}");
    }
}

fn first_difference(expected: &str, got: &str) -> String {
    let (e, g): (Vec<_>, Vec<_>) = (expected.lines().collect(), got.lines().collect());
    match e.iter().zip(&g).position(|(a, b)| a != b) {
        Some(i) => format!("line {}: expected {:?}, got {:?}", i + 1, e[i], g[i]),
        None => format!("{} lines expected, {} written", e.len(), g.len()),
    }
}

#[test]
fn a_malformed_line_is_named_and_nothing_is_written_unless_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let mut lines: Vec<String> = log().lines().map(str::to_owned).collect();
    // Far enough in that it is in the log's third chunk.
    lines[150_000] = "2\t2024-03-05T10:00:00Z\tFresh Acres Market\t12,50".to_owned();
    let log = lines.join("\n") + "\n";
    let tx = write(dir.path(), "tx.tsv", log.as_bytes());
    let sellers = write(dir.path(), "sellers.tsv", SELLERS.as_bytes());
    let out = dir.path().join("out.tsv");

    let failed =
        run(&mut batch(&["spending", "--log", &tx, "--sellers", &sellers, "--out", out.to_str().unwrap()]), b"");
    assert_eq!(failed.status.code(), Some(9), "invalid input");
    let said = String::from_utf8_lossy(&failed.stderr);
    assert!(said.contains("line 150001: the amount is not a number"), "{said}");
    assert!(said.contains("--skip-bad"), "{said}");
    assert!(!out.exists(), "no partial result");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2, "no temporary file is left");

    let skipped = ok(
        &mut batch(&["spending", "--log", &tx, "--sellers", &sellers, "--out", out.to_str().unwrap(), "--skip-bad"]),
        b"",
    );
    assert!(String::from_utf8_lossy(&skipped.stderr).contains("1 malformed lines skipped"));
    lines.remove(150_000);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), reference(&(lines.join("\n") + "\n"), None));

    let short =
        write(dir.path(), "short.tsv", b"1\t2024-01-01T00:00:00Z\tQuikfuel 22\t1.00\n1\t2024-01-02\tno amount\n");
    let failed = run(&mut batch(&["map", "--sellers", &sellers]), &std::fs::read(&short).unwrap());
    assert!(String::from_utf8_lossy(&failed.stderr).contains("line 2: expected 4 fields separated by tabs, found 3"));
}

#[test]
fn budget_notifications_follow_the_seeds_budget_service() {
    let dir = tempfile::tempdir().unwrap();
    // u1 set budgets: over 100% on restaurants, at exactly 80% on gas, under on shopping.
    // u2 set none: the template for an income of 2,000.00 gives food 20%, 400.00.
    // u3 set none and has no income: no notifications.
    let log = "u1\t2024-02-01T09:00:00Z\tJoe's Diner\t70.00\n\
u1\t2024-02-09T09:00:00Z\tLerkmio Cafe #4157\t50.01\n\
u1\t2024-02-10T09:00:00Z\tQuikfuel 22\t40.00\n\
u1\t2024-02-11T09:00:00Z\tHarbor Outfitters\t10.00\n\
u1\t2024-03-11T09:00:00Z\tHarbor Outfitters\t190.00\n\
u2\t2024-02-12T09:00:00Z\tFresh Acres Market\t319.99\n\
u2\t2024-03-12T09:00:00Z\tFresh Acres Market\t400.00\n\
u3\t2024-02-12T09:00:00Z\tFresh Acres Market\t9999.00\n";
    let tx = write(dir.path(), "tx.tsv", log.as_bytes());
    let sellers = write(dir.path(), "sellers.tsv", SELLERS.as_bytes());
    let budgets = write(dir.path(), "budgets.tsv", b"u1\tRESTAURANTS\t120.00\nu1\tGAS\t50\nu1\tSHOPPING\t200.00\n");
    let income = write(dir.path(), "income.tsv", b"u2\t2000.00\nu1\t1000000.00\n");
    let out = dir.path().join("out.tsv");
    let said = ok(
        &mut batch(&[
            "spending",
            "--log",
            &tx,
            "--sellers",
            &sellers,
            "--out",
            out.to_str().unwrap(),
            "--budgets",
            &budgets,
            "--income",
            &income,
        ]),
        b"",
    );
    assert!(String::from_utf8_lossy(&said.stderr).contains("6 budget notifications"));
    let notifications = std::fs::read_to_string(dir.path().join("out.tsv.notifications")).unwrap();
    assert_eq!(
        notifications,
        "u1\t2024-02\tGAS\t80\t40.00\t50.00\n\
u1\t2024-02\tRESTAURANTS\t80\t120.01\t120.00\n\
u1\t2024-02\tRESTAURANTS\t100\t120.01\t120.00\n\
u1\t2024-03\tSHOPPING\t80\t190.00\t200.00\n\
u2\t2024-03\tFOOD\t80\t400.00\t400.00\n\
u2\t2024-03\tFOOD\t100\t400.00\t400.00\n"
    );
}

/// The same job on real distributed engines: the Hadoop Streaming executables through mrjob's
/// local runner (Hadoop Streaming emulated, `sort` as the shuffle) and through a real Apache
/// Spark standalone cluster (a master and two workers on 127.0.0.1). `cargo xtask test`
/// installs mrjob, pyspark and Java; each result must equal the single-machine one byte for byte.
#[test]
fn the_job_runs_unchanged_on_mrjob_and_a_spark_cluster() {
    let dir = tempfile::tempdir().unwrap();
    let log: String = log().lines().skip(190_000).flat_map(|l| [l, "\n"]).collect();
    let tx = write(dir.path(), "tx.tsv", log.as_bytes());
    let sellers = write(dir.path(), "sellers.tsv", SELLERS.as_bytes());
    let scripts = crate::common::manifest_dir().join("../../tests/batch");
    let bin = env!("CARGO_BIN_EXE_spearmint");
    for month in [None, Some("2024-02")] {
        let month_args: Vec<&str> = month.map(|m| vec!["--month", m]).unwrap_or_default();
        let single = dir.path().join("single.tsv");
        let mut args = vec!["spending", "--log", &*tx, "--sellers", &*sellers, "--out", single.to_str().unwrap()];
        args.extend(&month_args);
        ok(&mut batch(&args), b"");
        let expected = std::fs::read(&single).unwrap();
        assert_eq!(expected, reference(&log, month).into_bytes());

        let mrjob_out = dir.path().join("mrjob.tsv");
        let mut mrjob = Command::new("python3");
        mrjob.arg(scripts.join("mrjob_streaming.py")).args(["--spearmint", bin, "--sellers", &sellers, "--log", &tx]);
        mrjob.arg("--out").arg(&mrjob_out).args(&month_args);
        ok(&mut mrjob, b"");
        assert!(std::fs::read(&mrjob_out).unwrap() == expected, "mrjob's local runner, {month:?}");

        let spark_out = dir.path().join("spark.tsv");
        let mut spark = Command::new(scripts.join("run_spark.sh"));
        spark.args([bin, &*sellers, &*tx]).arg(&spark_out).args(&month_args);
        ok(&mut spark, b"");
        assert!(std::fs::read(&spark_out).unwrap() == expected, "Spark, {month:?}");
    }
}
