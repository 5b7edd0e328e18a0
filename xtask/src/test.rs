//! `cargo xtask test`: the whole CI pipeline (`.ci/run` calls exactly this). Stops at the first
//! failing step; there is deliberately no flag to skip a step.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result};

use crate::postgres::Postgres;
use crate::session::KeyringSession;
use crate::steps::Steps;
use crate::{command, deps, desktop, dist, ui, workspace};

#[derive(Debug, Default)]
pub struct Flags {
    /// Also run the slow tests (soak, fuzz, large vaults): `SPEARMINT_SLOW_TESTS=1`.
    pub slow: bool,
}

/// How long the end-to-end run may take, Xvfb, app start and all, before `timeout` ends it.
const END_TO_END_TIMEOUT: &str = "600";

pub fn test(root: &Path, flags: Flags) -> Result<()> {
    let mut steps = Steps::new();
    let packages = [deps::BUILD_PACKAGES, deps::TEST_PACKAGES].concat();
    steps.run("system packages", || deps::system_packages(&packages))?;
    let tauri_driver = steps.run("tauri-driver", deps::tauri_driver)?;
    steps.run("python packages", || deps::python_packages(deps::PYTHON_TEST_PACKAGES))?;
    steps.run("npm ci", || ui::install(root))?;
    steps.run("npm run build", || ui::run_script(root, "build"))?;
    steps.run("cargo fmt", || fmt(root))?;
    steps.run("cargo clippy", || clippy(root))?;
    steps.run("clippy for Windows", || windows(root))?;
    steps.run("cargo nextest", || rust_tests(root, flags.slow))?;
    steps.run("npm run typecheck", || ui::run_script(root, "typecheck"))?;
    steps.run("npm test", || ui::test(root))?;
    steps.run("npm run test:browser", || ui::run_script(root, "test:browser"))?;
    // After the UI build, so the binary embeds the fresh ui/dist.
    let app = steps.run("cargo build -p spearmint-desktop", || desktop::build(root))?;
    steps.run("end-to-end tests", || end_to_end(root, &app, &tauri_driver))?;
    if flags.slow {
        // The release build and the bundle take as long as the debug build again: slow only.
        let deb = steps.run("cargo xtask dist", || dist::dist(root))?;
        steps.run("install the .deb", || installed(&deb))?;
        let installed_app = PathBuf::from(INSTALLED_APP);
        steps.run("the installed app", || end_to_end(root, &installed_app, &tauri_driver))?;
    }
    steps.summary();
    println!("all checks passed");
    Ok(())
}

/// Where the `.deb` puts the app.
const INSTALLED_APP: &str = "/usr/bin/spearmint-desktop";

/// Checks what the package holds (the app, its desktop entry, its icons), then installs it with
/// `dpkg -i`: its dependencies are the system packages installed above.
fn installed(deb: &Path) -> Result<()> {
    let listing = dist::contents(deb)?;
    for wanted in [
        "usr/bin/spearmint-desktop",
        "usr/share/applications/Spearmint.desktop",
        "usr/share/icons/hicolor/128x128/apps/spearmint-desktop.png",
    ] {
        anyhow::ensure!(listing.lines().any(|l| l.ends_with(wanted)), "{} lacks {wanted}:\n{listing}", deb.display());
    }
    dist::install(deb)?;
    let entry = std::fs::read_to_string("/usr/share/applications/Spearmint.desktop")
        .context("the desktop entry is not installed")?;
    anyhow::ensure!(
        entry.lines().any(|l| l == "Exec=spearmint-desktop")
            && entry.lines().any(|l| l == "Icon=spearmint-desktop")
            && entry.lines().any(|l| l.starts_with("Categories=") && l.contains("Finance")),
        "the desktop entry does not start the app with its icon in the Finance menu:\n{entry}"
    );
    Ok(())
}

fn fmt(root: &Path) -> Result<()> {
    command::run(&mut cargo(root, &["fmt", "--all", "--check"])).context("code is not formatted: run `cargo fmt --all`")
}

fn clippy(root: &Path) -> Result<()> {
    command::run(&mut cargo(root, &["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"]))
        .context("clippy found problems: fix the warnings above")
}

/// The target of the Windows check.
const WINDOWS: &str = "x86_64-pc-windows-gnu";

/// The engine and the CLI built for Windows (with mingw-w64): its keychain backend and SQLCipher
/// with vendored OpenSSL compile nowhere else here. Checked with clippy, not run.
fn windows(root: &Path) -> Result<()> {
    command::run(Command::new("rustup").args(["target", "add", WINDOWS])).with_context(|| {
        format!("cannot add the Rust target {WINDOWS}: `rustup target add {WINDOWS}` needs the network once")
    })?;
    let args = ["clippy", "-p", "spearmint-engine", "-p", "spearmint-cli", "--target", WINDOWS, "--", "-D", "warnings"];
    command::run(&mut cargo(root, &args)).context("the Windows build has problems: fix the warnings above")
}

/// Every Rust test, with a real Secret Service and kernel keyring. `--no-fail-fast` so one run
/// shows every failure.
fn rust_tests(root: &Path, slow: bool) -> Result<()> {
    let session = KeyringSession::new()?;
    // The sync server's conformance suite and high-availability test run on it too.
    let postgres = Postgres::start()?;
    let mut cmd = session.command(&[], &["cargo", "nextest", "run", "--workspace", "--no-fail-fast"])?;
    cmd.current_dir(root).env("SPEARMINT_TEST_POSTGRES", postgres.url());
    if slow {
        cmd.env("SPEARMINT_SLOW_TESTS", "1");
    } else {
        cmd.env_remove("SPEARMINT_SLOW_TESTS");
    }
    command::run(&mut cmd).context("some Rust tests failed: see the nextest summary above")
}

/// The real app window under Xvfb, driven over WebDriver by `tests/e2e/*.test.mjs`, on a fresh
/// data dir, in a private keyring session like the Rust tests.
fn end_to_end(root: &Path, app: &Path, tauri_driver: &Path) -> Result<()> {
    let session = KeyringSession::new()?;
    let data_dir = session.scratch_dir("data")?;
    let wrapper = ["timeout", "-k", "5", END_TO_END_TIMEOUT, "xvfb-run", "-a", "-s", "-screen 0 1280x800x24"];
    let node_test = ["node", "--test"].into_iter().map(PathBuf::from).chain(end_to_end_tests(root)?);
    let mut cmd = session.command(&wrapper, &node_test.collect::<Vec<_>>())?;
    let server =
        workspace::target_dir(root)?.join("debug").join(format!("spearmint-server{}", std::env::consts::EXE_SUFFIX));
    cmd.current_dir(root)
        .env("SPEARMINT_APP", app)
        .env("SPEARMINT_SERVER", server)
        .env("SPEARMINT_DATA_DIR", &data_dir)
        .env("TAURI_DRIVER", tauri_driver)
        // GTK would pick a Wayland compositor over Xvfb.
        .env_remove("WAYLAND_DISPLAY");
    command::run(&mut cmd).with_context(|| {
        format!(
            "the end-to-end tests failed (exit status 124 means they hit the {END_TO_END_TIMEOUT} s timeout): \
             the window's screenshot, if one was taken, is in tests/e2e/artifacts/"
        )
    })
}

/// The files `node --test` should run, named one by one: Node 20 searches a directory given as
/// `tests/e2e/`, but Node 22 takes the argument as a glob and no longer does.
fn end_to_end_tests(root: &Path) -> Result<Vec<PathBuf>> {
    let dir = root.join("tests/e2e");
    let mut tests = Vec::new();
    for entry in std::fs::read_dir(&dir).with_context(|| format!("could not list {}", dir.display()))? {
        let name = entry.with_context(|| format!("could not list {}", dir.display()))?.file_name();
        if name.to_string_lossy().ends_with(".test.mjs") {
            tests.push(Path::new("tests/e2e").join(name));
        }
    }
    anyhow::ensure!(!tests.is_empty(), "no *.test.mjs files in {}", dir.display());
    tests.sort();
    Ok(tests)
}

fn cargo(root: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new("cargo");
    cmd.args(args).current_dir(root);
    cmd
}
