//! The desktop app: the root package, `spearmint-desktop`.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, ensure};

use crate::{command, workspace};

/// `cargo build -p spearmint-desktop`, returning the binary. A plain `cargo build` (not `tauri
/// dev`) embeds `ui/dist` as it is now, so build the UI first.
pub fn build(root: &Path) -> Result<PathBuf> {
    // The sync server too: the end-to-end tests set up sync against it from the window.
    command::run(
        Command::new("cargo").args(["build", "-p", "spearmint-desktop", "-p", "spearmint-server"]).current_dir(root),
    )
    .context("the desktop app does not build")?;
    let binary =
        workspace::target_dir(root)?.join("debug").join(format!("spearmint-desktop{}", std::env::consts::EXE_SUFFIX));
    ensure!(
        binary.is_file(),
        "{} is missing after the build: check the `[[bin]]` name in Cargo.toml",
        binary.display()
    );
    Ok(binary)
}
