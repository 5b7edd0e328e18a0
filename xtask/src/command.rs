//! Running external programs with errors that say which command failed and how.

use std::ffi::OsStr;
use std::process::Command;

use anyhow::{Context, Result, bail};

/// Runs `cmd` with inherited stdio and fails unless it exits successfully.
pub fn run(cmd: &mut Command) -> Result<()> {
    let shown = show(cmd);
    let status = cmd.status().with_context(|| format!("could not start `{shown}`: is it installed and on PATH?"))?;
    if !status.success() {
        bail!("`{shown}` failed ({status})");
    }
    Ok(())
}

/// Runs `cmd` and returns its standard output; standard error goes to the terminal.
pub fn stdout(cmd: &mut Command) -> Result<String> {
    let shown = show(cmd);
    cmd.stderr(std::process::Stdio::inherit());
    let output = cmd.output().with_context(|| format!("could not start `{shown}`: is it installed and on PATH?"))?;
    if !output.status.success() {
        bail!("`{shown}` failed ({})", output.status);
    }
    String::from_utf8(output.stdout).with_context(|| format!("`{shown}` printed something that is not UTF-8"))
}

/// Whether `program` can be found on PATH.
pub fn on_path(program: &str) -> bool {
    find_on_path(program).is_some()
}

/// The full path of `program` on PATH, if it is there.
pub fn find_on_path(program: &str) -> Option<std::path::PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|dir| dir.join(program)).find(|candidate| candidate.is_file())
}

/// The command line as a user could retype it (long arguments, such as scripts, are shortened).
pub fn show(cmd: &Command) -> String {
    std::iter::once(cmd.get_program()).chain(cmd.get_args()).map(show_arg).collect::<Vec<_>>().join(" ")
}

fn show_arg(arg: &OsStr) -> String {
    let arg = arg.to_string_lossy();
    let arg = if arg.chars().count() > 60 || arg.contains('\n') {
        format!("{}...", arg.chars().take(40).collect::<String>().replace('\n', " "))
    } else {
        arg.into_owned()
    };
    if arg.is_empty() || arg.contains([' ', '"', '$', '\'']) { format!("'{arg}'") } else { arg }
}
