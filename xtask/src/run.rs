//! `cargo xtask run`: from a fresh clone to the app's window.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::steps::Steps;
use crate::{deps, desktop, ui};

pub fn run(root: &Path, app_args: &[String]) -> Result<()> {
    let mut steps = Steps::new();
    steps.run("system packages", || deps::system_packages(deps::BUILD_PACKAGES))?;
    steps.run("npm ci", || ui::install(root))?;
    steps.run("npm run build", || ui::run_script(root, "build"))?;
    let app = steps.run("cargo build -p spearmint-desktop", || desktop::build(root))?;
    if !has_display() {
        eprintln!(
            "\nThere is no display here: neither DISPLAY nor WAYLAND_DISPLAY is set, so the window cannot open.\n\
             The app is built ({}); run `cargo xtask run` again from a desktop session.\n\
             Without a display, use the command-line client, which works on the same vault:\n\
             \n    cargo run -p spearmint-cli -- init      create the encrypted vault (key in the OS keychain)\
             \n    cargo run -p spearmint-cli -- status    show the vault's state\n",
            app.display()
        );
        bail!("no display to open the window on: use the CLI above, or run from a graphical session");
    }
    println!("==> {}", app.display());
    let mut cmd = Command::new(&app);
    cmd.args(app_args).current_dir(root);
    open(cmd).with_context(|| format!("could not start {}", app.display()))
}

fn has_display() -> bool {
    ["DISPLAY", "WAYLAND_DISPLAY"].iter().any(|var| std::env::var_os(var).is_some_and(|value| !value.is_empty()))
}

/// Replaces xtask with the app, so signals and the exit code are the app's own.
#[cfg(unix)]
fn open(mut cmd: Command) -> Result<()> {
    use std::os::unix::process::CommandExt;
    Err(cmd.exec().into())
}

#[cfg(not(unix))]
fn open(mut cmd: Command) -> Result<()> {
    let status = cmd.status()?;
    std::process::exit(status.code().unwrap_or(1));
}
