//! `cargo xtask codegen`: what is generated and committed. From the command list
//! (`src-tauri/src/commands/list.rs`), the window's capability and the contract document's
//! command table; from the engine's API types, their TypeScript twins, written by ts-rs.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result};

use crate::{command, ipc};

/// Rewrites the files that come from the command list, then runs the engine's `bindings` test in
/// update mode, which rewrites `ui/src/bindings/`. Without `UPDATE_BINDINGS` the same test fails
/// when the committed bindings are stale, as `xtask/src/ipc.rs`'s tests do for the command list.
pub fn codegen(root: &Path) -> Result<()> {
    ipc::write(root)?;
    println!("{} and {} regenerated from {}", ipc::CAPABILITY, ipc::CONTRACT, ipc::LIST);
    command::run(
        Command::new("cargo")
            .args(["test", "-p", "spearmint-engine", "--test", "engine", "--", "bindings::"])
            .env("UPDATE_BINDINGS", "1")
            .current_dir(root),
    )
    .context("could not regenerate ui/src/bindings/: see the test output above")?;
    println!("ui/src/bindings/ regenerated: review the diff and commit it");
    Ok(())
}
