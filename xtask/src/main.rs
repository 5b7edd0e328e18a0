//! Spearmint's developer tasks, run as `cargo xtask <task>` (see `.cargo/config.toml`).
//!
//! Everything a developer or CI does to this repository goes through here instead of shell
//! scripts: `run` builds and opens the desktop app, `test` is the whole CI pipeline, `codegen`
//! regenerates what comes from the desktop command list and the TypeScript bindings. Each step
//! is a small function; the pipelines only list them in order.

mod bench;
mod codegen;
mod command;
mod deps;
mod desktop;
mod dist;
mod ipc;
mod postgres;
mod run;
mod session;
mod steps;
mod test;
mod ui;
mod workspace;

use std::process::ExitCode;

use anyhow::{Result, bail};

const USAGE: &str = "\
usage: cargo xtask <task>

tasks:
  run [-- ARGS]    install what is missing, build the UI and the desktop app, and open it
  test [--slow]    the whole CI pipeline: fmt, clippy, Rust tests, UI tests, end-to-end tests
                   (--slow also runs the slow tests: SPEARMINT_SLOW_TESTS=1)
  codegen          regenerate what comes from the desktop command list (the capability file,
                   the contract's command table) and the TypeScript bindings in ui/src/bindings/
  bench [NAME]     the benchmarks in release mode (import, categorize, hledger, batch, app, sync)
  dist             the desktop app as a Debian package (release/bundle/deb/ in the target dir)";

fn main() -> ExitCode {
    match dispatch() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // The causes, but no backtrace even with RUST_BACKTRACE set: these errors are for
            // users, and the failing command's own output is right above.
            eprintln!("error: {error}");
            for cause in error.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            ExitCode::FAILURE
        }
    }
}

fn dispatch() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = workspace::root();
    match args.first().map(String::as_str) {
        Some("run") => run::run(&root, app_args(&args[1..])?),
        Some("test") => test::test(&root, test_flags(&args[1..])?),
        Some("codegen") if args.len() == 1 => codegen::codegen(&root),
        Some("dist") if args.len() == 1 => dist::dist(&root).map(|_| ()),
        Some("bench") if args.len() <= 2 => bench::bench(&root, args.get(1).map(String::as_str)),
        Some("help" | "-h" | "--help") | None => {
            println!("{USAGE}");
            Ok(())
        }
        Some(_) => bail!("unknown task `{}`: pick one of the tasks below\n\n{USAGE}", args.join(" ")),
    }
}

/// `run -- ARGS`: everything after `--` goes to the app.
fn app_args(args: &[String]) -> Result<&[String]> {
    match args.split_first() {
        None => Ok(&[]),
        Some((dashes, rest)) if dashes == "--" => Ok(rest),
        Some((first, _)) => {
            bail!("unexpected argument `{first}`: pass the app's arguments after `--`\n\n{USAGE}")
        }
    }
}

fn test_flags(args: &[String]) -> Result<test::Flags> {
    let mut flags = test::Flags::default();
    for arg in args {
        match arg.as_str() {
            "--slow" => flags.slow = true,
            other => bail!("unknown flag `{other}` for `cargo xtask test`\n\n{USAGE}"),
        }
    }
    Ok(flags)
}
