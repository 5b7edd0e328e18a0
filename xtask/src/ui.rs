//! The web UI in `ui/`: its npm dependencies and its npm scripts.

use std::path::Path;
use std::process::Command;
use std::time::SystemTime;

use anyhow::{Context, Result};

use crate::command;

/// `npm ci` when `ui/node_modules` is missing or older than `ui/package-lock.json`.
pub fn install(root: &Path) -> Result<()> {
    let ui = root.join("ui");
    let lock = modified(&ui.join("package-lock.json"))?
        .context("ui/package-lock.json is missing: run `npm install` in ui/ and commit the lock file")?;
    // npm rewrites node_modules/.package-lock.json at the end of every install.
    let installed = [ui.join("node_modules"), ui.join("node_modules/.package-lock.json")]
        .iter()
        .map(|path| modified(path))
        .collect::<Result<Vec<_>>>()?
        .into_iter()
        .flatten()
        .max();
    match installed {
        Some(installed) if installed >= lock => {
            println!("    ui/node_modules is up to date");
            Ok(())
        }
        _ => command::run(&mut npm(root, &["ci"])).context("`npm ci` failed in ui/: check ui/package-lock.json"),
    }
}

/// `npm run SCRIPT` in `ui/`.
pub fn run_script(root: &Path, script: &str) -> Result<()> {
    command::run(&mut npm(root, &["run", script]))
}

/// `npm test` in `ui/`.
pub fn test(root: &Path) -> Result<()> {
    command::run(&mut npm(root, &["test"]))
}

fn npm(root: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new("npm");
    cmd.args(args).current_dir(root.join("ui"));
    cmd
}

fn modified(path: &Path) -> Result<Option<SystemTime>> {
    match std::fs::metadata(path) {
        Ok(metadata) => Ok(Some(metadata.modified().with_context(|| format!("no mtime for {}", path.display()))?)),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(error).with_context(|| format!("could not read {}", path.display())),
    }
}
