//! `cargo xtask dist`: the desktop app as a Debian package, built by the Tauri bundler (the
//! Tauri CLI from the npm registry, pinned to 2.x in `ui/package-lock.json`), with its desktop
//! entry and icons from `tauri.conf.json`.
//!
//! No AppImage: Tauri's AppImage bundler downloads linuxdeploy and its plugins from GitHub at
//! build time, which this machine cannot reach (only the package registries answer), so only
//! the `.deb` is built and tested here.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, ensure};

use crate::{command, deps, ui, workspace};

/// Builds the release app and its `.deb`; returns the package's path.
pub fn dist(root: &Path) -> Result<PathBuf> {
    deps::system_packages(deps::BUILD_PACKAGES)?;
    ui::install(root)?;
    let tauri = root.join("ui/node_modules/.bin/tauri");
    ensure!(tauri.is_file(), "{} is missing after `npm ci`: check @tauri-apps/cli in ui/package.json", tauri.display());
    // tauri.conf.json's beforeBuildCommand builds the UI first (the CLI runs it in ui/, the folder
    // with package.json), so the binary embeds it fresh.
    command::run(Command::new(&tauri).args(["build", "--bundles", "deb", "--ci"]).current_dir(root))
        .context("the Tauri bundler failed: its output is above")?;
    let dir = workspace::target_dir(root)?.join("release/bundle/deb");
    let version = app_version(root)?;
    let deb = dir.join(format!("Spearmint_{version}_amd64.deb"));
    ensure!(deb.is_file(), "{} is missing after the build: see the bundler's output above", deb.display());
    println!("    built {}", deb.display());
    Ok(deb)
}

/// `version` of `tauri.conf.json`, which names the package.
fn app_version(root: &Path) -> Result<String> {
    let path = root.join("tauri.conf.json");
    let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
    let conf: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))?;
    conf["version"].as_str().map(str::to_owned).with_context(|| format!("{} has no version", path.display()))
}

/// What the `.deb` puts on the system, as `dpkg -c` lists it.
pub fn contents(deb: &Path) -> Result<String> {
    command::stdout(Command::new("dpkg").arg("-c").arg(deb))
}

/// Installs the package with `dpkg -i` (as root, through sudo otherwise).
pub fn install(deb: &Path) -> Result<()> {
    let mut cmd = if deps::is_root()? { Command::new("dpkg") } else { sudo("dpkg") };
    command::run(cmd.arg("-i").arg(deb)).with_context(|| format!("`dpkg -i {}` failed", deb.display()))
}

fn sudo(program: &str) -> Command {
    let mut cmd = Command::new("sudo");
    cmd.arg(program);
    cmd
}
