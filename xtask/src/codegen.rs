//! `cargo xtask codegen`: the TypeScript twins of the engine's API types, written by ts-rs.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result};

use crate::command;

/// Runs the engine's `bindings` test in update mode; it rewrites `ui/src/bindings/`. Without
/// `UPDATE_BINDINGS` the same test fails when the committed bindings are stale.
pub fn codegen(root: &Path) -> Result<()> {
    command::run(
        Command::new("cargo")
            .args(["test", "-p", "spearmint-engine", "--test", "bindings"])
            .env("UPDATE_BINDINGS", "1")
            .current_dir(root),
    )
    .context("could not regenerate ui/src/bindings/: see the test output above")?;
    println!("ui/src/bindings/ regenerated: review the diff and commit it");
    Ok(())
}
