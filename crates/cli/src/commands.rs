//! The account and transaction commands: connect, import, refresh, accounts, transactions,
//! banks, daemon. Each parses its arguments, calls the engine, and prints.

use std::io::{IsTerminal, Write};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use spearmint_engine::provider::institutions;
use spearmint_engine::provider::ofx::{OfxBank, OfxCredentials};
use spearmint_engine::{AccountId, CategoryId, Currency};
use spearmint_engine::{
    Engine, Error, ErrorKind, ImportPhase, ImportProgress, ImportRequest, OfxLogin, Phase, Progress, RefreshReport,
    TransactionQuery,
};
use zeroize::Zeroizing;

use crate::{BudgetAction, ConnectSource, Ctx, ImportArgs, RulesAction, TransactionArgs};

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?)
}

fn account_id(text: &str) -> Result<AccountId, Error> {
    text.parse().map_err(|_| {
        Error::new(ErrorKind::Invalid, format!("`{text}` is not an account id: list them with `spearmint accounts`"))
    })
}

fn print_json(value: &impl serde::Serialize) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value)?;
    writeln!(out)?;
    Ok(())
}

/// A spinner per connection on stderr; hidden when stderr is not a terminal or with --json.
fn progress_bar(ctx: &Ctx) -> ProgressBar {
    if ctx.json || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(0);
    bar.set_style(ProgressStyle::with_template("{spinner} [{pos}/{len} {prefix}] {msg}").expect("valid template"));
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

fn on_progress(bar: &ProgressBar) -> impl Fn(&Progress) + Send + Sync + '_ {
    move |p: &Progress| {
        // By accounts once they are known (a first refresh finds them), else by connections.
        let (done, total, unit) = if p.accounts_total > 0 {
            (p.accounts_done, p.accounts_total, "accounts")
        } else {
            (p.done, p.total, "connections")
        };
        bar.set_prefix(unit);
        bar.set_length(u64::from(total));
        bar.set_position(u64::from(done));
        let what = match p.phase {
            Phase::Fetching => "fetching".to_owned(),
            Phase::Saving => format!("saving {} transactions", p.fetched),
            Phase::Done => format!("done ({})", count_of_transactions(u64::from(p.fetched))),
            Phase::Failed => "failed".to_owned(),
        };
        bar.set_message(format!("{}: {what}", p.connection));
    }
}

fn print_report(ctx: &Ctx, report: &RefreshReport) -> anyhow::Result<()> {
    if ctx.json {
        return print_json(report);
    }
    for o in &report.outcomes {
        match (&o.summary, &o.error) {
            (Some(s), _) => println!(
                "{}: {} new, {} updated, {} posted from pending, {} released holds, {} unchanged",
                o.connection, s.added, s.updated, s.posted, s.removed, s.unchanged
            ),
            (None, Some(e)) => println!("{}: {}", o.connection, e.message),
            (None, None) => {}
        }
        for w in &o.warnings {
            println!("{}: the provider says: {w}", o.connection);
        }
    }
    Ok(())
}

/// A refresh that failed for every connection is a failure of the command.
fn check_report(report: &RefreshReport) -> anyhow::Result<()> {
    let errors: Vec<_> = report.outcomes.iter().filter_map(|o| o.error.as_ref()).collect();
    if !errors.is_empty() && errors.len() == report.outcomes.len() {
        let e = errors[0];
        anyhow::bail!(Error::new(e.kind, e.message.clone()));
    }
    Ok(())
}

pub(crate) fn connect(ctx: &Ctx, source: ConnectSource) -> anyhow::Result<()> {
    let rt = runtime()?;
    let connection = rt.block_on(async {
        match source {
            ConnectSource::Demo { history_days } => ctx.engine.connect_demo_with_history(history_days).await,
            ConnectSource::Simplefin { setup_token } => ctx.engine.connect_simplefin(&setup_token).await,
            ConnectSource::Ofx(args) => {
                let bank = match (&args.bank, &args.url) {
                    // A blank name would match every bank and pick one at random.
                    (Some(name), _) if name.trim().is_empty() => return Err(Error::new(ErrorKind::Invalid, "--bank needs a name: search the directory with `spearmint banks NAME`")),
                    (Some(name), _) => institutions::search(name).into_iter().next().ok_or_else(|| {
                        Error::new(ErrorKind::NotFound, format!("no bank named like `{name}` in the directory: search it with `spearmint banks {name}`, or give --url --org --fid"))
                    })?,
                    (None, Some(url)) => OfxBank {
                        name: url.clone(),
                        url: url.clone(),
                        org: args.org.clone().unwrap_or_default(),
                        fid: args.fid.clone().unwrap_or_default(),
                        version: args.ofx_version,
                    },
                    (None, None) => return Err(Error::new(ErrorKind::Invalid, "name the bank: --bank NAME, or --url URL --org ORG --fid FID")),
                };
                // Never $SPEARMINT_PASSPHRASE: that is the vault's, and must not reach a bank.
                let password = match std::env::var("SPEARMINT_OFX_PASSWORD") {
                    Ok(p) => Zeroizing::new(p),
                    Err(_) => match ctx.prompt.secret(&format!("Password of {} at {}: ", args.user, bank.name))? {
                        Some(p) => p,
                        None => return Err(Error::new(ErrorKind::Invalid, "the bank password is needed: type it, or pass it with --passphrase-stdin or $SPEARMINT_OFX_PASSWORD")),
                    },
                };
                let login = OfxLogin { bank, credentials: OfxCredentials { user: Zeroizing::new(args.user.clone()), password } };
                ctx.engine.connect_ofx(login).await
            }
        }
    })?;
    if !ctx.json {
        println!("connected {} ({})", connection.label, connection.provider.as_str());
    }
    // Linking extracts at once.
    let bar = progress_bar(ctx);
    let report = rt.block_on(ctx.engine.refresh_connection(connection.id, on_progress(&bar)))?;
    bar.finish_and_clear();
    print_report(ctx, &report)?;
    check_report(&report)
}

/// `spearmint disconnect`: the bank the account comes from, or the account itself when it is
/// the user's own and its transactions go.
pub(crate) fn disconnect(ctx: &Ctx, account: &str, keep_transactions: bool) -> anyhow::Result<()> {
    let removed = ctx.engine.remove_account(account_id(account)?, keep_transactions)?;
    if ctx.json {
        return print_json(&removed);
    }
    if keep_transactions {
        println!(
            "disconnected: the bank's login is no longer in the keychain; kept {} as your own, with every transaction",
            plural(removed.accounts, "account")
        );
    } else {
        println!(
            "removed {} and {}",
            plural(removed.accounts, "account"),
            count_of_transactions(u64::from(removed.transactions))
        );
    }
    Ok(())
}

fn plural(n: u32, what: &str) -> String {
    if n == 1 { format!("1 {what}") } else { format!("{n} {what}s") }
}

pub(crate) fn refresh(ctx: &Ctx, account: Option<&str>) -> anyhow::Result<()> {
    let account = account.map(account_id).transpose()?;
    let rt = runtime()?;
    let bar = progress_bar(ctx);
    let report = rt.block_on(ctx.engine.refresh(account, on_progress(&bar)))?;
    bar.finish_and_clear();
    if report.outcomes.is_empty() && !ctx.json {
        println!("nothing to refresh: link an account first (`spearmint connect demo`)");
    }
    print_report(ctx, &report)?;
    check_report(&report)
}

pub(crate) fn import(ctx: &Ctx, args: ImportArgs) -> anyhow::Result<()> {
    let bytes = Engine::read_import_file(&args.file)?;
    let mapping = match &args.mapping {
        None => None,
        Some(m) => {
            let text = match m.strip_prefix('@') {
                Some(path) => std::fs::read_to_string(path)
                    .map_err(|e| Error::new(ErrorKind::NotFound, format!("cannot read {path}: {e}")))?,
                None => m.clone(),
            };
            Some(
                serde_json::from_str(&text)
                    .map_err(|e| Error::new(ErrorKind::Invalid, format!("the mapping is not valid: {e}")))?,
            )
        }
    };
    let currency = args
        .currency
        .as_deref()
        .map(Currency::new)
        .transpose()
        .map_err(|e| Error::new(ErrorKind::Invalid, e.to_string()))?;
    let bar = progress_bar(ctx);
    let file_name = args.file.file_name().map(|n| n.to_string_lossy().into_owned());
    let shown = file_name.clone().unwrap_or_default();
    let report = ctx.engine.import_file_with_progress(
        ImportRequest {
            bytes,
            file_name,
            account: args.account.as_deref().map(account_id).transpose()?,
            mapping,
            currency,
            dry_run: args.dry_run,
            log_user: args.log_user.clone(),
        },
        &|p: &ImportProgress| {
            if args.progress_lines {
                match p.phase {
                    ImportPhase::Reading => eprintln!("progress: reading"),
                    ImportPhase::Storing if p.done < p.total => eprintln!("progress: storing {}/{}", p.done, p.total),
                    ImportPhase::Storing => eprintln!("progress: writing"),
                    ImportPhase::Done => eprintln!("progress: done"),
                }
            }
            match p.phase {
                ImportPhase::Reading => bar.set_message(format!("{shown}: reading")),
                ImportPhase::Storing => {
                    bar.set_length(p.total);
                    bar.set_position(p.done);
                    let what = if p.done < p.total { "storing new transactions" } else { "writing to disk" };
                    bar.set_message(format!("{shown}: {what}"));
                }
                // Cleared below, after an error too.
                ImportPhase::Done => {}
            }
        },
    );
    bar.finish_and_clear();
    let report = report?;
    if ctx.json {
        return print_json(&report);
    }
    let s = &report.summary;
    if report.dry_run {
        println!(
            "dry run of a {} file with {}: nothing was changed",
            report.format,
            count_of_transactions(u64::from(report.transactions))
        );
        if let Some(m) = &report.mapping {
            println!("column mapping: {}", serde_json::to_string(m)?);
        }
        for row in &report.preview {
            println!(
                "  {}  {:>12}  {}{}",
                row.posted_on,
                row.amount.to_plain_string(),
                row.payee,
                if row.pending { " (pending)" } else { "" }
            );
        }
        println!("would add {}, update {}, leave {} unchanged", s.added, s.updated, s.unchanged);
    } else {
        println!(
            "imported a {} file: {} new, {} updated, {} already there",
            report.format, s.added, s.updated, s.unchanged
        );
    }
    for w in &report.warnings {
        println!("note: {w}");
    }
    Ok(())
}

pub(crate) fn accounts(ctx: &Ctx) -> anyhow::Result<()> {
    let accounts = ctx.engine.accounts()?;
    if ctx.json {
        return print_json(&accounts);
    }
    if accounts.is_empty() {
        println!("no accounts yet: `spearmint connect demo` links a demo bank");
    }
    for a in accounts {
        let balance = a.balance.map(|b| b.to_string()).unwrap_or_else(|| "-".into());
        let status = match a.status.as_str() {
            "ok" => String::new(),
            other => format!("  [{other}: {}]", a.status_reason.unwrap_or_default()),
        };
        println!(
            "{}  {:<28} {:<12} {:>16}  {} transactions{status}",
            a.id,
            a.name,
            a.kind.as_str(),
            balance,
            a.transactions
        );
    }
    Ok(())
}

pub(crate) fn add_account(ctx: &Ctx, name: &str, kind: &str, currency: &str) -> anyhow::Result<()> {
    let kind = spearmint_engine::AccountKind::parse(kind).ok_or_else(|| {
        Error::new(
            ErrorKind::Invalid,
            format!("`{kind}` is not an account kind: checking, savings, credit_card, loan, investment, cash or other"),
        )
    })?;
    let currency = Currency::new(currency).map_err(|e| Error::new(ErrorKind::Invalid, e.to_string()))?;
    let id = ctx.engine.create_account(spearmint_engine::NewAccount { name: name.to_owned(), kind, currency })?;
    if ctx.json {
        return print_json(&serde_json::json!({ "id": id }));
    }
    println!("{id}");
    Ok(())
}

pub(crate) fn transactions(ctx: &Ctx, args: TransactionArgs) -> anyhow::Result<()> {
    let query = TransactionQuery {
        since: args.since,
        until: args.until,
        account: args.account.as_deref().map(account_id).transpose()?,
        search: args.search,
        category: args.category.as_deref().map(spearmint_engine::CategoryId::from),
        subcategories: true,
        min_amount: None,
        max_amount: None,
        limit: args.limit,
        before: None,
    };
    let txns = ctx.engine.transactions(&query)?;
    if ctx.json {
        return print_json(&txns);
    }
    let mut out = std::io::stdout().lock();
    for t in txns {
        writeln!(
            out,
            "{}  {:>12} {}  {:<44} {}{}",
            t.posted_on,
            t.amount.to_plain_string(),
            t.amount.currency(),
            t.payee.as_deref().unwrap_or(&t.seller),
            t.category.as_deref().unwrap_or("UNCATEGORIZED"),
            if t.pending { "  (pending)" } else { "" }
        )?;
    }
    Ok(())
}

pub(crate) fn banks(ctx: &Ctx, query: &str) -> anyhow::Result<()> {
    let found = institutions::search(query);
    if ctx.json {
        return print_json(&found);
    }
    if found.is_empty() {
        println!(
            "no bank named like `{query}` in the directory: use `spearmint connect ofx --url URL --org ORG --fid FID`"
        );
    }
    for b in found.iter().take(30) {
        println!("{:<24} ORG {:<16} FID {:<8} OFX {}  {}", b.name, b.org, b.fid, b.version, b.url);
    }
    Ok(())
}

pub(crate) fn daemon(ctx: &Ctx, at: Option<&str>, once: bool) -> anyhow::Result<()> {
    if let Some(at) = at {
        ctx.engine.set_daily_time(at)?;
    }
    let rt = runtime()?;
    if once {
        let (report, next) = rt.block_on(ctx.engine.tick(chrono::Utc::now()))?;
        print_report(ctx, &report)?;
        if !ctx.json {
            println!("next run at {next}");
        }
        return Ok(());
    }
    let schedule = ctx.engine.daily_schedule()?;
    rt.block_on(async {
        // Listening before the first round: a stop asked for during it waits for it to finish.
        let shutdown = shutdown_signal()?;
        eprintln!(
            "spearmint daemon: daily extraction at {} local time (plus up to {} minutes); Ctrl-C stops",
            schedule.at.format("%H:%M"),
            schedule.jitter_minutes
        );
        ctx.engine
            .run_daemon(
                shutdown,
                |report| {
                    let _ = print_report(ctx, report);
                },
                |e| match crate::details(e) {
                    // Unattended: the log is the only place the cause of a failed round shows up.
                    Some(details) => eprintln!("spearmint daemon: {} (retrying in a minute; {details})", e.message()),
                    None => eprintln!("spearmint daemon: {} (retrying in a minute)", e.message()),
                },
            )
            .await?;
        anyhow::Ok(())
    })?;
    if !ctx.json {
        eprintln!("spearmint daemon: stopped");
    }
    Ok(())
}

/// Resolves on Ctrl-C (SIGINT) or, on Unix, SIGTERM (what service managers and `kill` send).
/// The handlers are installed here, at once, so no signal is missed between rounds.
#[cfg(unix)]
fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
    })
}

#[cfg(not(unix))]
fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()>> {
    let mut ctrl_c = tokio::signal::windows::ctrl_c()?;
    Ok(async move {
        let _ = ctrl_c.recv().await;
    })
}

pub(crate) fn spending(ctx: &Ctx, month: Option<String>, months: Option<u32>, top: Option<u32>) -> anyhow::Result<()> {
    let month = match month {
        Some(m) => m,
        None => match ctx.engine.latest_month()? {
            Some(m) => m,
            None => {
                if ctx.json {
                    return print_json(&Vec::<spearmint_engine::MonthSpending>::new());
                }
                println!("no transactions yet: `spearmint connect demo` links a demo bank");
                return Ok(());
            }
        },
    };
    let reports = match months {
        Some(n) => ctx.engine.spending_trend(&month, n)?,
        None => vec![ctx.engine.spending(&month)?],
    };
    let sellers = match top {
        Some(n) => ctx.engine.top_sellers(&month, n)?,
        None => Vec::new(),
    };
    if ctx.json {
        return match (months.is_some(), top.is_some()) {
            (true, _) => print_json(&reports),
            (false, true) => print_json(&serde_json::json!({ "month": reports[0], "topSellers": sellers })),
            (false, false) => print_json(&reports[0]),
        };
    }
    for r in &reports {
        let spent: Vec<String> = r.spent.iter().map(|m| m.to_string()).collect();
        let income: Vec<String> = r.income.iter().map(|m| m.to_string()).collect();
        println!("{}: spent {}, income {}", r.month, or_zero(&spent), or_zero(&income));
        if months.is_none() {
            for c in &r.categories {
                println!(
                    "  {:<28} {:>14} {}  ({})",
                    c.name,
                    c.amount.to_plain_string(),
                    c.amount.currency(),
                    count_of_transactions(u64::from(c.transactions))
                );
            }
        }
    }
    print_top(&sellers);
    Ok(())
}

fn print_top(sellers: &[spearmint_engine::SellerSpending]) {
    if !sellers.is_empty() {
        println!("top sellers:");
    }
    for s in sellers {
        println!(
            "  {:<36} {:>14}  ({})",
            s.seller,
            s.spent.to_string(),
            count_of_transactions(u64::from(s.transactions))
        );
    }
}

fn or_zero(list: &[String]) -> String {
    if list.is_empty() { "0".to_owned() } else { list.join(" + ") }
}

pub(crate) fn doctor(ctx: &Ctx, repair: bool) -> anyhow::Result<()> {
    let report = ctx.engine.doctor(repair)?;
    if ctx.json {
        return print_json(&serde_json::json!({
            "monthlySpendingDifferences": report.monthly_spending,
            "accountCountDifferences": report.account_counts,
            "integrity": report.integrity,
            "repaired": repair && !report.is_empty(),
        }));
    }
    if report.is_empty() {
        println!("monthly spending and account counts match a recount of every transaction, and the file is sound");
        return Ok(());
    }
    for d in &report.monthly_spending {
        println!(
            "{} {} {}: stored {} ({} rows), recounted {} ({} rows)",
            d.month, d.category, d.currency, d.stored_minor, d.stored_count, d.recounted_minor, d.recounted_count
        );
    }
    for fault in &report.integrity {
        println!("the vault file is damaged ({fault}): restore it from a backup; --repair cannot mend the file");
    }
    for d in &report.account_counts {
        println!("account {}: stored {} transactions, recounted {}", d.account, d.stored, d.recounted);
    }
    if repair {
        println!("repaired: the totals that differed were rebuilt from the transactions");
        Ok(())
    } else {
        anyhow::bail!(Error::new(
            ErrorKind::Corrupt,
            format!("{} totals differ from a recount: run `spearmint doctor --repair`", report.len())
        ))
    }
}

/// `spearmint export`: the CSV goes to a temporary file beside the target, renamed over it once
/// complete, so a failed export never leaves half a file where the old one was.
pub(crate) fn export(ctx: &Ctx, args: crate::ExportArgs) -> anyhow::Result<()> {
    use crate::ExportKind;
    use anyhow::Context;

    let filtered = args.since.is_some() || args.until.is_some() || args.account.is_some() || args.search.is_some();
    if filtered && !matches!(args.what, ExportKind::Transactions | ExportKind::Log) {
        return Err(Error::new(
            ErrorKind::Invalid,
            "--since, --until, --account and --search filter transactions only: drop them for this export",
        )
        .into());
    }
    if args.user.is_some() && !matches!(args.what, ExportKind::Log) {
        return Err(Error::new(ErrorKind::Invalid, "--user names the user of a log: drop it for this export").into());
    }
    let query = TransactionQuery {
        since: args.since,
        until: args.until,
        account: args.account.as_deref().map(account_id).transpose()?,
        search: args.search,
        category: args.category.as_deref().map(spearmint_engine::CategoryId::from),
        subcategories: true,
        min_amount: None,
        max_amount: None,
        limit: None,
        before: None,
    };
    let write = |out: &mut dyn Write| -> Result<u64, Error> {
        match args.what {
            ExportKind::Transactions => ctx.engine.export_transactions(&query, out),
            ExportKind::Spending => ctx.engine.export_spending(out),
            ExportKind::Budgets => ctx.engine.export_budgets(out),
            ExportKind::Log => ctx.engine.export_log(&query, args.user.as_deref(), out),
        }
    };
    let what = match args.what {
        ExportKind::Transactions => "transactions",
        ExportKind::Spending => "monthly spending rows",
        ExportKind::Budgets => "budgets",
        ExportKind::Log => "transactions as log lines",
    };
    let (rows, shown) = if args.out.as_os_str() == "-" {
        (write(&mut std::io::stdout().lock())?, "standard output".to_owned())
    } else {
        let target = &args.out;
        let dir = match target.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => std::path::PathBuf::from("."),
        };
        let name = target.file_name().with_context(|| format!("{} is not a file name", target.display()))?;
        let temp = dir.join(format!(".{}.{}.tmp", name.to_string_lossy(), std::process::id()));
        let result = (|| -> anyhow::Result<u64> {
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            // An export is the vault's data in plain text: readable by this user only.
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let file = options.open(&temp).with_context(|| {
                format!("cannot create {}: check the folder exists and is writable", temp.display())
            })?;
            let mut out = std::io::BufWriter::new(file);
            let rows = write(&mut out)?;
            let file = out.into_inner().map_err(|e| e.into_error()).context("cannot write the export")?;
            file.sync_all().context("cannot write the export")?;
            std::fs::rename(&temp, target).with_context(|| format!("cannot replace {}", target.display()))?;
            Ok(rows)
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&temp);
        }
        (result?, target.display().to_string())
    };
    if ctx.json {
        // With `--out -` standard output holds the CSV: the summary goes to standard error.
        let summary = serde_json::json!({ "rows": rows, "out": shown });
        if args.out.as_os_str() == "-" {
            eprintln!("{summary}");
            return Ok(());
        }
        return print_json(&summary);
    }
    if args.out.as_os_str() == "-" {
        eprintln!("exported {rows} {what}");
    } else {
        println!("exported {rows} {what} to {shown}");
    }
    Ok(())
}

fn this_month() -> String {
    chrono::Utc::now().format("%Y-%m").to_string()
}

fn money_arg(text: &str, currency: Currency) -> Result<spearmint_engine::Money, Error> {
    spearmint_engine::Money::parse(text, currency).map_err(|e| Error::new(ErrorKind::Invalid, e.to_string()))
}

pub(crate) fn categorize(ctx: &Ctx, descriptor: &str, amount: &str, mcc: Option<u16>) -> anyhow::Result<()> {
    if descriptor == "-" {
        return categorize_lines(ctx, std::io::stdin().lock(), &mut std::io::stdout().lock());
    }
    let d = ctx.engine.categorize(descriptor, money_arg(amount, Currency::USD)?, mcc)?;
    if ctx.json {
        return print_json(&decision_json(&d));
    }
    println!("{}  (from {}; seller \"{}\")", d.category, d.source.as_str(), d.seller);
    if let Some(reason) = &d.reason {
        println!("why: {reason}");
    }
    Ok(())
}

fn decision_json(d: &spearmint_engine::Decision) -> serde_json::Value {
    serde_json::json!({
        "category": d.category, "source": d.source.as_str(), "seller": d.seller, "rename": d.rename,
        "rule": d.rule_id, "reason": d.reason, "words": d.words,
    })
}

/// `spearmint categorize -`: `descriptor<TAB>amount` lines in (the amount may be left out: money
/// out), one JSON object per line out, in order. Read and answered in blocks, so a large file
/// streams at the categorizer's speed in bounded memory.
pub(crate) fn categorize_lines(
    ctx: &Ctx,
    input: impl std::io::BufRead,
    out: &mut impl std::io::Write,
) -> anyhow::Result<()> {
    const BLOCK: usize = 8192;
    let mut lines = input.lines();
    let mut number = 0usize;
    let mut out = std::io::BufWriter::new(out);
    loop {
        let mut block: Vec<(String, spearmint_engine::Money)> = Vec::with_capacity(BLOCK);
        for line in lines.by_ref().take(BLOCK) {
            number += 1;
            let line = line.map_err(|e| Error::new(ErrorKind::Invalid, format!("cannot read line {number}: {e}")))?;
            let line = line.trim_end_matches('\r');
            let (descriptor, amount) = match line.rsplit_once('\t') {
                Some((d, a)) => (d, a.trim()),
                None => (line, "-1.00"),
            };
            let amount = spearmint_engine::Money::parse(amount, Currency::USD).map_err(|e| {
                Error::new(
                    ErrorKind::Invalid,
                    format!("line {number}: `{amount}` is not an amount ({e}): write `descriptor<TAB>-12.34`"),
                )
            })?;
            block.push((descriptor.to_owned(), amount));
        }
        if block.is_empty() {
            break;
        }
        let inputs: Vec<(&str, spearmint_engine::Money, Option<u16>)> =
            block.iter().map(|(d, a)| (d.as_str(), *a, None)).collect();
        for d in ctx.engine.categorize_many(&inputs)? {
            serde_json::to_writer(&mut out, &decision_json(&d))?;
            out.write_all(b"\n")?;
        }
    }
    out.flush()?;
    Ok(())
}

pub(crate) fn rules(ctx: &Ctx, action: RulesAction) -> anyhow::Result<()> {
    use spearmint_engine::{Condition, RuleActions, RuleOrigin};
    match action {
        RulesAction::List => {
            let rules = ctx.engine.rules()?;
            if ctx.json {
                return print_json(&rules);
            }
            if rules.is_empty() {
                println!("no rules yet: `spearmint rules add --payee-contains NAME --category CATEGORY`");
            }
            for r in rules {
                println!(
                    "{}  {:<8} {} -> {}",
                    r.id,
                    r.origin.as_str(),
                    serde_json::to_string(&r.conditions)?,
                    serde_json::to_string(&r.actions)?
                );
            }
            Ok(())
        }
        RulesAction::Add {
            payee_is,
            payee_contains,
            payee_matches,
            min_amount,
            max_amount,
            account,
            category,
            rename,
        } => {
            let mut conditions = Vec::new();
            conditions.extend(payee_is.map(Condition::PayeeIs));
            conditions.extend(payee_contains.map(Condition::PayeeContains));
            conditions.extend(payee_matches.map(Condition::PayeeMatches));
            if min_amount.is_some() || max_amount.is_some() {
                conditions.push(Condition::AmountBetween {
                    min: min_amount.as_deref().map(|m| money_arg(m, Currency::USD)).transpose()?,
                    max: max_amount.as_deref().map(|m| money_arg(m, Currency::USD)).transpose()?,
                });
            }
            if let Some(a) = account.as_deref() {
                conditions.push(Condition::Account(account_id(a)?));
            }
            let id = ctx.engine.add_rule(
                conditions,
                RuleActions { category: category.map(CategoryId::from), rename },
                RuleOrigin::User,
            )?;
            if ctx.json {
                return print_json(&serde_json::json!({ "id": id }));
            }
            println!("{id}");
            Ok(())
        }
        RulesAction::Delete { id } => {
            ctx.engine.delete_rule(rule_id(&id)?)?;
            Ok(())
        }
        RulesAction::Edit { id, category, rename, disable, enable } => {
            let enabled = if disable {
                Some(false)
            } else if enable {
                Some(true)
            } else {
                None
            };
            let rule = ctx.engine.edit_rule(
                rule_id(&id)?,
                category.map(|c| Some(CategoryId::from(c))),
                rename.map(Some),
                enabled,
            )?;
            if ctx.json {
                return print_json(&rule);
            }
            println!(
                "{}  {} -> {}{}",
                rule.id,
                serde_json::to_string(&rule.conditions)?,
                serde_json::to_string(&rule.actions)?,
                if rule.enabled { "" } else { "  (disabled)" }
            );
            Ok(())
        }
        RulesAction::Apply { id, dry_run } => {
            let changes = ctx.engine.apply_rule(rule_id(&id)?, dry_run)?;
            if ctx.json {
                return print_json(&changes);
            }
            for c in &changes {
                println!("{}  {:<40} {} -> {}", c.transaction, c.seller, c.from.as_deref().unwrap_or("-"), c.to);
            }
            let verb = if dry_run { "would re-categorize" } else { "re-categorized" };
            println!("{verb} {} transactions", changes.len());
            Ok(())
        }
    }
}

pub(crate) fn budget(ctx: &Ctx, action: BudgetAction) -> anyhow::Result<()> {
    let (month, only_recommended) = match &action {
        BudgetAction::Show { month } => (month.clone().unwrap_or_else(this_month), false),
        BudgetAction::Recommend { month } => (month.clone().unwrap_or_else(this_month), true),
        BudgetAction::Thresholds { percent, category } => {
            ctx.engine.set_budget_thresholds(percent, category.as_deref().map(spearmint_engine::CategoryId::from))?;
            if !ctx.json {
                println!(
                    "budget alerts at {}% of a budget",
                    percent.iter().map(u32::to_string).collect::<Vec<_>>().join("%, ")
                );
            }
            return Ok(());
        }
        BudgetAction::Set { category, amount, from, rollover } => {
            let from = from.clone().unwrap_or_else(this_month);
            ctx.engine.set_budget(category.as_str(), money_arg(amount, Currency::USD)?, &from, *rollover)?;
            if !ctx.json {
                println!("budget for {category} set from {from}");
            }
            return Ok(());
        }
    };
    let report = ctx.engine.budget(&month)?;
    if ctx.json {
        return print_json(&report);
    }
    println!(
        "{}: fitted to a monthly income of {} ({} complete months of history{})",
        report.month,
        report.income,
        report.history_months,
        if report.history_months < 3 { ", so the income-tier template" } else { "" }
    );
    for l in report.lines.iter().filter(|l| !only_recommended || l.source == "recommended") {
        if only_recommended {
            println!("  {:<28} {:>12}", l.name, l.budget.to_string());
        } else {
            println!(
                "  {:<28} {:>12} spent {:>12} left {:>12}  ({})",
                l.name,
                l.budget.to_string(),
                l.spent.to_string(),
                l.remaining.to_string(),
                l.source
            );
        }
    }
    Ok(())
}

pub(crate) fn notifications(ctx: &Ctx) -> anyhow::Result<()> {
    let sent = ctx.engine.deliver_notifications(&spearmint_engine::DesktopNotifier)?;
    let list = ctx.engine.notifications()?;
    if ctx.json {
        return print_json(&list);
    }
    if sent > 0 {
        println!("delivered {sent} pending notifications");
    }
    for n in list {
        let state = match (&n.delivered_at, &n.last_error) {
            (Some(_), _) => "delivered".to_owned(),
            (None, Some(e)) => format!("pending (last try: {e})"),
            (None, None) => "pending".to_owned(),
        };
        println!("{}  {}: {}  [{state}]", n.created_at, n.summary, n.body);
    }
    Ok(())
}

pub(crate) fn recategorize(ctx: &Ctx, transaction: &str, category: &str, learn: bool) -> anyhow::Result<()> {
    let id: spearmint_engine::TransactionId = transaction.parse().map_err(|_| {
        Error::new(
            ErrorKind::Invalid,
            format!("`{transaction}` is not a transaction id: see `spearmint transactions --json`"),
        )
    })?;
    ctx.engine.set_category(id, category)?;
    let rule = if learn { Some(ctx.engine.learn_from(id)?) } else { None };
    if ctx.json {
        return print_json(
            &serde_json::json!({ "transaction": transaction, "category": category, "learnedRule": rule }),
        );
    }
    match rule {
        Some(r) => println!(
            "set to {category}, and learned for this seller from now on (rule {r}; see `spearmint rules list`)"
        ),
        None => println!("set to {category}"),
    }
    Ok(())
}

fn rule_id(text: &str) -> Result<spearmint_engine::RuleId, Error> {
    text.parse()
        .map_err(|_| Error::new(ErrorKind::Invalid, format!("`{text}` is not a rule id: see `spearmint rules list`")))
}

fn transaction_id(text: &str) -> Result<spearmint_engine::TransactionId, Error> {
    text.parse().map_err(|_| {
        Error::new(ErrorKind::Invalid, format!("`{text}` is not a transaction id: see `spearmint transactions --json`"))
    })
}

pub(crate) fn split(ctx: &Ctx, transaction: &str, parts: &[String]) -> anyhow::Result<()> {
    let id = transaction_id(transaction)?;
    let currency = ctx
        .engine
        .transactions(&TransactionQuery::default())?
        .into_iter()
        .find(|t| t.id == id)
        .map(|t| t.amount.currency())
        .ok_or_else(|| Error::new(ErrorKind::NotFound, format!("there is no transaction {transaction}")))?;
    let mut list = Vec::new();
    for p in parts {
        let (category, amount) = p.split_once('=').ok_or_else(|| {
            Error::new(ErrorKind::Invalid, format!("`{p}` is not CATEGORY=AMOUNT (e.g. FOOD_GROCERIES=-60.00)"))
        })?;
        list.push((category.into(), money_arg(amount, currency)?, None));
    }
    ctx.engine.split_transaction(id, &list)?;
    if !ctx.json {
        println!("split into {} parts", list.len());
    }
    Ok(())
}

pub(crate) fn unsplit(ctx: &Ctx, transaction: &str) -> anyhow::Result<()> {
    ctx.engine.unsplit_transaction(transaction_id(transaction)?)?;
    if !ctx.json {
        println!("whole again");
    }
    Ok(())
}

/// "1 transaction", "2 transactions".
fn count_of_transactions(n: u64) -> String {
    if n == 1 { "1 transaction".to_owned() } else { format!("{n} transactions") }
}

/// A line of standard input, or a secret typed at the terminal.
fn sync_secret(ctx: &Ctx, stdin: bool, prompt: &str, what: &str) -> anyhow::Result<Zeroizing<String>> {
    if stdin {
        let mut line = Zeroizing::new(String::new());
        std::io::BufRead::read_line(&mut std::io::stdin().lock(), &mut line)?;
        let text = Zeroizing::new(line.trim_end_matches(['\n', '\r']).to_owned());
        if !text.is_empty() {
            return Ok(text);
        }
    } else if let Some(secret) = ctx.prompt.secret(prompt)? {
        return Ok(secret);
    }
    Err(Error::new(
        ErrorKind::Invalid,
        format!("the {what} is needed: type it, or pass it on standard input with --password-stdin"),
    )
    .into())
}

pub(crate) fn sync(ctx: &Ctx, action: crate::SyncAction) -> anyhow::Result<()> {
    use crate::SyncAction;
    let rt = runtime()?;
    match action {
        SyncAction::Setup(crate::SyncLogin { server, user, password_stdin }) => {
            let password = sync_secret(ctx, password_stdin, &format!("Password of {user} at {server}: "), "password")?;
            let phrase = Zeroizing::new(rt.block_on(ctx.engine.sync_setup(&server, &user, &password))?);
            if ctx.json {
                println!("{}", serde_json::json!({ "recovery_phrase": phrase.as_str() }));
            } else {
                println!("This budget now syncs through {server}.");
                println!("Its recovery phrase, shown only this once: write it down and keep it safe.");
                println!("Another device needs it to join; without it no one can open the budget's data.");
                println!();
                println!("    {}", phrase.as_str());
            }
        }
        SyncAction::Join(crate::SyncLogin { server, user, password_stdin }) => {
            let password = sync_secret(ctx, password_stdin, &format!("Password of {user} at {server}: "), "password")?;
            let phrase = sync_secret(ctx, password_stdin, "Recovery phrase: ", "recovery phrase")?;
            rt.block_on(ctx.engine.sync_join(&server, &user, &password, &phrase))?;
            if !ctx.json {
                println!("joined the budget {user} syncs through {server}");
            } else {
                println!("{}", serde_json::json!({ "joined": true }));
            }
        }
        SyncAction::Now => {
            let report = rt.block_on(ctx.engine.sync_now())?;
            if ctx.json {
                println!("{}", serde_json::to_string(&report)?);
            } else {
                println!(
                    "synced: {} records sent, {} received, {} changes applied",
                    report.uploaded, report.downloaded, report.applied
                );
                for device in &report.quarantined {
                    println!("device {device}'s clock is far ahead: its changes wait until its time is set right");
                }
            }
        }
        SyncAction::Devices { action: None } => {
            let devices = rt.block_on(ctx.engine.sync_devices())?;
            let me = ctx.engine.sync_status()?.device;
            if ctx.json {
                println!("{}", serde_json::to_string(&devices)?);
            } else {
                for d in &devices {
                    let mark = if d.device.0.to_string() == me { " (this device)" } else { "" };
                    let state = if d.revoked { "removed" } else { "active" };
                    println!("{}  {:<24} {state}{mark}", d.device.0, d.name);
                }
            }
        }
        SyncAction::Devices { action: Some(crate::SyncDevicesAction::Revoke { device }) } => {
            rt.block_on(ctx.engine.sync_revoke(&device))?;
            if !ctx.json {
                println!("removed device {device}: it can no longer sync");
            }
        }
        SyncAction::RotateKey => {
            let epoch = rt.block_on(ctx.engine.sync_rotate_key())?;
            if ctx.json {
                print_json(&serde_json::json!({ "epoch": epoch }))?;
            } else {
                println!("this budget's changes are sealed with a new key from now on (key {epoch})");
            }
        }
        SyncAction::Snapshot => {
            let latest = rt.block_on(ctx.engine.sync_snapshot())?;
            if ctx.json {
                print_json(&serde_json::json!({ "latest": latest }))?;
            } else if latest {
                println!("the budget's snapshot is up to date: new devices start from it");
            } else {
                println!("another device's snapshot covers more, or changes wait to be sent: nothing was uploaded");
            }
        }
        SyncAction::ChangePhrase => {
            let phrase = Zeroizing::new(rt.block_on(ctx.engine.sync_change_phrase())?);
            if ctx.json {
                println!("{}", serde_json::json!({ "recovery_phrase": phrase.as_str() }));
            } else {
                println!("This budget has a new recovery phrase and a new key. The old phrase no longer joins it.");
                println!(
                    "The devices that sync it now go on as they are. Write the new phrase down, shown only this once:"
                );
                println!();
                println!("    {}", phrase.as_str());
            }
        }
        SyncAction::Leave => {
            ctx.engine.sync_leave()?;
            if !ctx.json {
                println!("this budget no longer syncs on this device; its data stays here");
            }
        }
        SyncAction::Crowd { setting } => {
            let on = matches!(setting, crate::CrowdSetting::On);
            ctx.engine.set_crowd_sharing(on)?;
            if ctx.json {
                print_json(&serde_json::json!({ "crowd_sharing": on }))?;
            } else if on {
                println!("your categories are shared with the crowd at each sync, and its categories fill in");
            } else {
                println!("your categories are no longer shared with the crowd");
            }
        }
        SyncAction::Status => {
            let status = ctx.engine.sync_status()?;
            if ctx.json {
                println!("{}", serde_json::to_string(&status)?);
            } else {
                println!("server       {}", status.server);
                println!("user         {}", status.user);
                println!("this device  {}", status.device);
                println!("last sync    {}", status.last_sync_at.as_deref().unwrap_or("never"));
                if let Some(error) = &status.last_error {
                    println!("last error   {error}");
                }
                println!("waiting      {} changes, {} records to send", status.pending_changes, status.pending_records);
                println!("crowd        {}", if status.crowd_sharing { "shared" } else { "not shared" });
                for (device, seq) in &status.devices {
                    println!("device       {device}: {seq} records received");
                }
            }
        }
    }
    Ok(())
}
