//! `spearmint batch`: the seed's SpendingByCategory job over transaction logs, on this machine
//! (`spending`) or as Hadoop Streaming executables (`map`, `reduce`). No vault and no keychain:
//! it runs anywhere the binary does, a cluster's worker included.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use spearmint_engine::batch::{self, BudgetCheck, Categorize, Month, Source, SpendingJob, Target};
use spearmint_engine::{Error, ErrorKind};

#[derive(Debug, Subcommand)]
pub(crate) enum BatchAction {
    /// Spending per (user, month, category) of a log of `user_id<TAB>timestamp<TAB>seller<TAB>amount`
    /// lines (plain or gzip; positive = spent), sorted in byte order, exact to the cent
    Spending(SpendingArgs),
    /// Hadoop Streaming mapper: log lines on stdin, `user<TAB>YYYY-MM<TAB>CATEGORY<TAB>amount` on stdout
    Map {
        #[command(flatten)]
        common: Common,
    },
    /// Hadoop Streaming reducer and combiner: `user<TAB>YYYY-MM<TAB>CATEGORY<TAB>amount` lines on
    /// stdin, in any order; one total per key on stdout, in byte order
    Reduce,
}

#[derive(Debug, Args)]
pub(crate) struct Common {
    /// The seed's seller map: `seller<TAB>CATEGORY` lines
    #[arg(long, value_name = "FILE")]
    sellers: PathBuf,
    /// Only this month, YYYY-MM, or `current` (this machine's month, the seed's filter); every
    /// month by default
    #[arg(long, value_name = "YYYY-MM|current")]
    month: Option<String>,
    /// How sellers missing from the map are categorized: `map` leaves them UNCATEGORIZED (the
    /// seed's job); `builtin` adds Spearmint's normalization, dictionary, lexicon and model
    #[arg(long, value_enum, default_value = "map")]
    categorize: CategorizeArg,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum CategorizeArg {
    Map,
    Builtin,
}

#[derive(Debug, Args)]
pub(crate) struct SpendingArgs {
    /// The log, or `-` for standard input
    #[arg(long, value_name = "FILE|-")]
    log: PathBuf,
    #[command(flatten)]
    common: Common,
    /// The result (written in full, then renamed into place), or `-` for standard output
    #[arg(long, value_name = "FILE|-")]
    out: PathBuf,
    /// Worker threads [default: one per core]
    #[arg(long, default_value_t = 0, value_name = "N")]
    threads: usize,
    /// Count and skip malformed lines instead of stopping at the first one
    #[arg(long)]
    skip_bad: bool,
    /// Budgets to notify against, the seed's budget service: `user_id<TAB>CATEGORY<TAB>amount`
    #[arg(long, value_name = "FILE")]
    budgets: Option<PathBuf>,
    /// Monthly incomes, `user_id<TAB>amount`: users with no budgets get the seed's income template
    #[arg(long, value_name = "FILE", requires = "budgets")]
    income: Option<PathBuf>,
    /// The thresholds, percent of the budget
    #[arg(long, value_delimiter = ',', default_value = "80,100", requires = "budgets")]
    thresholds: Vec<u32>,
    /// Where the notifications go: `user<TAB>YYYY-MM<TAB>CATEGORY<TAB>threshold<TAB>spent<TAB>budget`
    /// lines [default: beside the result, OUT.notifications]
    #[arg(long, value_name = "FILE|-", requires = "budgets")]
    notifications: Option<PathBuf>,
}

fn source(path: PathBuf) -> Source {
    if path.as_os_str() == "-" { Source::Stdin } else { Source::File(path) }
}

fn target(path: PathBuf) -> Target {
    if path.as_os_str() == "-" { Target::Stdout } else { Target::File(path) }
}

fn month(text: Option<&str>) -> spearmint_engine::Result<Option<Month>> {
    match text {
        None => Ok(None),
        Some("current") => Ok(Some(Month::from_date(chrono::Local::now().date_naive()))),
        Some(text) => Month::parse(text.as_bytes()).filter(|_| text.len() == 7).map(Some).ok_or_else(|| {
            Error::new(ErrorKind::Invalid, format!("{text:?} is not a month: give it as YYYY-MM, or `current`"))
        }),
    }
}

fn categorize(arg: CategorizeArg) -> Categorize {
    match arg {
        CategorizeArg::Map => Categorize::Map,
        CategorizeArg::Builtin => Categorize::Builtin,
    }
}

pub(crate) fn run(action: BatchAction) -> anyhow::Result<()> {
    match action {
        BatchAction::Spending(args) => spending(args),
        BatchAction::Map { common } => {
            let stdin = std::io::stdin();
            let stdout = std::io::stdout();
            batch::map(
                &common.sellers,
                categorize(common.categorize),
                month(common.month.as_deref())?,
                stdin.lock(),
                std::io::BufWriter::with_capacity(1 << 16, stdout.lock()),
            )?;
            Ok(())
        }
        BatchAction::Reduce => {
            let stdin = std::io::stdin();
            let stdout = std::io::stdout();
            batch::reduce(stdin.lock(), std::io::BufWriter::with_capacity(1 << 16, stdout.lock()))?;
            Ok(())
        }
    }
}

fn spending(args: SpendingArgs) -> anyhow::Result<()> {
    let notifications_out = match (&args.budgets, args.notifications) {
        (None, _) => None,
        (Some(_), Some(path)) => Some(target(path)),
        (Some(_), None) if args.out.as_os_str() == "-" => {
            return Err(Error::new(
                ErrorKind::Invalid,
                "the result goes to standard output, so the notifications need a file of their own: pass --notifications FILE",
            )
            .into());
        }
        (Some(_), None) => {
            let mut name = args.out.clone().into_os_string();
            name.push(".notifications");
            Some(Target::File(name.into()))
        }
    };
    let job = SpendingJob {
        log: source(args.log),
        sellers: args.common.sellers,
        categorize: categorize(args.common.categorize),
        month: month(args.common.month.as_deref())?,
        threads: args.threads,
        skip_bad: args.skip_bad,
        out: target(args.out),
        budgets: args.budgets.zip(notifications_out).map(|(budgets, out)| BudgetCheck {
            budgets,
            income: args.income,
            thresholds: args.thresholds,
            out,
        }),
    };
    let bar = if std::io::stderr().is_terminal() {
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {bytes_per_sec} {eta}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    } else {
        ProgressBar::hidden()
    };
    let summary = batch::spending(&job, &|read, size| {
        if let Some(size) = size {
            bar.set_length(size);
        }
        bar.set_position(read);
    });
    bar.finish_and_clear();
    let summary = summary?;
    let mut said = format!("{} lines, {} groups", summary.lines, summary.groups);
    if args.skip_bad {
        said.push_str(&format!(", {} malformed lines skipped", summary.skipped));
    }
    if let Some(n) = summary.notifications {
        said.push_str(&format!(", {n} budget notifications"));
    }
    eprintln!("{said}");
    Ok(())
}
