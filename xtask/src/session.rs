//! A throwaway desktop session for tests that use the OS keychain for real: a private D-Bus
//! session bus, an unlocked gnome-keyring (the Secret Service) on it, and a fresh kernel session
//! keyring, with HOME and XDG_RUNTIME_DIR in a temporary directory. Nothing of the developer's
//! own keychain is touched and nothing is left running (see RECIPES.md, "keyring on Linux").

use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result};
use tempfile::TempDir;

/// Starts the Secret Service on the private bus, waits until it owns its bus name (the daemon
/// can return before it does) and records its pid, then runs "$@" in a new anonymous kernel
/// session keyring. gnome-keyring prints the variables to export, if any.
const SCRIPT: &str = r#"set -euo pipefail
keyring_env="$(printf %s ci-password | gnome-keyring-daemon --daemonize --unlock --components=secrets)" \
  || { echo "xtask: gnome-keyring-daemon did not start: install gnome-keyring" >&2; exit 1; }
eval "$keyring_env"
export GNOME_KEYRING_CONTROL SSH_AUTH_SOCK
for _ in $(seq 100); do
  pid="$(dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.GetConnectionUnixProcessID string:org.freedesktop.secrets 2>/dev/null \
    | awk '/uint32/ { print $2 }')" || true
  [[ -n "$pid" ]] && break
  sleep 0.1
done
[[ -n "$pid" ]] || { echo "xtask: the Secret Service did not come up on the private bus" >&2; exit 1; }
echo "$pid" >"$XTASK_KEYRING_PID_FILE"
exec keyctl session - "$@""#;

#[derive(Debug)]
pub struct KeyringSession {
    dir: TempDir,
}

impl KeyringSession {
    pub fn new() -> Result<KeyringSession> {
        let dir = tempfile::Builder::new()
            .prefix("spearmint-session-")
            .tempdir()
            .context("could not create a temporary directory: check TMPDIR")?;
        let session = KeyringSession { dir };
        fs::create_dir(session.home()).context("could not create the session's HOME")?;
        fs::create_dir(session.runtime_dir()).context("could not create the session's XDG_RUNTIME_DIR")?;
        private(&session.runtime_dir())?;
        Ok(session)
    }

    /// A new empty directory that is removed with the session.
    pub fn scratch_dir(&self, name: &str) -> Result<PathBuf> {
        let dir = self.dir.path().join(name);
        fs::create_dir(&dir).with_context(|| format!("could not create {}", dir.display()))?;
        Ok(dir)
    }

    /// `WRAPPER... dbus-run-session -- bash -c SCRIPT bash PROGRAM ARGS...`: the wrapper (for
    /// example `timeout` and `xvfb-run`) runs outside the bus, the program inside it.
    pub fn command<S: AsRef<OsStr>>(&self, wrapper: &[&str], program: &[S]) -> Result<Command> {
        let (cargo_home, rustup_home) = toolchain_homes()?;
        let mut cmd = match wrapper.split_first() {
            Some((first, rest)) => {
                let mut cmd = Command::new(first);
                cmd.args(rest).arg("dbus-run-session");
                cmd
            }
            None => Command::new("dbus-run-session"),
        };
        cmd.args(["--", "bash", "-c", SCRIPT, "bash"]).args(program);
        // HOME moves, so cargo and rustup must be told where they really live.
        cmd.env("CARGO_HOME", cargo_home)
            .env("RUSTUP_HOME", rustup_home)
            .env("HOME", self.home())
            .env("XDG_RUNTIME_DIR", self.runtime_dir())
            .env("XTASK_KEYRING_PID_FILE", self.pid_file())
            // Tests that need a real Secret Service run only where this is set.
            .env("SPEARMINT_TEST_SECRET_SERVICE", "1");
        // Everything else per-user comes from the new HOME, not from the developer's session.
        for var in [
            "XDG_CONFIG_HOME",
            "XDG_DATA_HOME",
            "XDG_CACHE_HOME",
            "XDG_STATE_HOME",
            "GNOME_KEYRING_CONTROL",
            "SSH_AUTH_SOCK",
            "DBUS_SESSION_BUS_ADDRESS",
        ] {
            cmd.env_remove(var);
        }
        Ok(cmd)
    }

    fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    fn runtime_dir(&self) -> PathBuf {
        self.dir.path().join("runtime")
    }

    fn pid_file(&self) -> PathBuf {
        self.dir.path().join("gnome-keyring.pid")
    }

    /// gnome-keyring-daemon exits when its bus goes away. Checks that it did, and stops it if
    /// not, so no daemon outlives the run.
    fn stop_daemon(&self) {
        let Some(pid) = fs::read_to_string(self.pid_file()).ok().and_then(|pid| pid.trim().parse::<u32>().ok()) else {
            return;
        };
        for _ in 0..50 {
            if !running(pid) {
                println!("    gnome-keyring-daemon (pid {pid}) exited with its D-Bus session");
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        // Only the daemon we started: the pid could have been reused by now.
        let comm = fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
        if comm.starts_with("gnome-keyring") {
            eprintln!("    gnome-keyring-daemon (pid {pid}) outlived its D-Bus session: stopping it");
            let _ = Command::new("kill").args(["-TERM", &pid.to_string()]).status();
        }
    }
}

impl Drop for KeyringSession {
    fn drop(&mut self) {
        self.stop_daemon();
    }
}

/// Where cargo and rustup live, resolved before HOME changes (both default to HOME's dot files).
fn toolchain_homes() -> Result<(PathBuf, PathBuf)> {
    let home = || {
        std::env::var_os("HOME")
            .map(PathBuf::from)
            .context("HOME is not set: set CARGO_HOME and RUSTUP_HOME to where cargo and rustup live")
    };
    let resolve = |var: &str, default: &str| -> Result<PathBuf> {
        let dir = match std::env::var_os(var) {
            Some(dir) => PathBuf::from(dir),
            None => home()?.join(default),
        };
        std::path::absolute(&dir).with_context(|| format!("could not make {var} ({}) absolute", dir.display()))
    };
    Ok((resolve("CARGO_HOME", ".cargo")?, resolve("RUSTUP_HOME", ".rustup")?))
}

/// A zombie has exited: only its parent has not collected it yet.
fn running(pid: u32) -> bool {
    let Ok(stat) = fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    // `pid (comm) state ...`; comm may contain spaces and parentheses, so split at the last ')'.
    let state = stat.rsplit_once(')').and_then(|(_, rest)| rest.split_whitespace().next());
    !matches!(state, Some("Z" | "X") | None)
}

#[cfg(unix)]
fn private(dir: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
        .with_context(|| format!("could not make {} private", dir.display()))
}

#[cfg(not(unix))]
fn private(_dir: &Path) -> Result<()> {
    Ok(())
}
