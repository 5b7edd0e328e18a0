//! Where things are: the repository root and cargo's target directory.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result};

use crate::command;

/// The repository root (the parent of `xtask/`).
///
/// Read at run time first: `cargo run` sets `CARGO_MANIFEST_DIR` for the program it runs, and the
/// target directory is shared by every clone on the machine, so a path baked in at compile time
/// could name another clone.
pub fn root() -> PathBuf {
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    manifest_dir.parent().map(Path::to_path_buf).unwrap_or(manifest_dir)
}

/// Cargo's target directory as cargo itself resolves it (`.cargo/config.toml`,
/// `CARGO_TARGET_DIR`).
pub fn target_dir(root: &Path) -> Result<PathBuf> {
    let json = command::stdout(
        Command::new("cargo").args(["metadata", "--format-version", "1", "--no-deps"]).current_dir(root),
    )?;
    let metadata: serde_json::Value =
        serde_json::from_str(&json).context("`cargo metadata` printed something that is not JSON")?;
    let dir = metadata["target_directory"]
        .as_str()
        .context("`cargo metadata` has no `target_directory`: is cargo too old?")?;
    Ok(PathBuf::from(dir))
}
