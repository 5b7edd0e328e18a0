//! A throwaway PostgreSQL cluster for the sync server's tests: Debian's server binaries, a data
//! directory in a temporary directory, listening on 127.0.0.1 only (and a socket in the same
//! directory), `trust` for the one test user, fsync off. Tests create a database each; the
//! cluster and all it holds go when this is dropped.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use tempfile::TempDir;

use crate::command;

#[derive(Debug)]
pub struct Postgres {
    dir: TempDir,
    bin: PathBuf,
    port: u16,
    /// Whether the binaries run as the `postgres` user (PostgreSQL refuses to run as root).
    as_postgres: bool,
}

impl Postgres {
    /// A cluster for tests: fsync off, so nothing waits on the disk.
    pub fn start() -> Result<Postgres> {
        Postgres::start_with("-c fsync=off -c synchronous_commit=off -c full_page_writes=off")
    }

    /// A cluster that writes as a deployment's does (fsync and synchronous commit on), for
    /// benchmarks.
    pub fn start_durable() -> Result<Postgres> {
        Postgres::start_with("")
    }

    fn start_with(durability: &str) -> Result<Postgres> {
        let bin = server_bin_dir()?;
        let dir = tempfile::Builder::new()
            .prefix("spearmint-postgres-")
            .tempdir()
            .context("could not create a temporary directory: check TMPDIR")?;
        let as_postgres = is_root();
        if as_postgres {
            command::run(Command::new("chown").args(["postgres:postgres"]).arg(dir.path()))
                .context("PostgreSQL cannot run as root, and the `postgres` user cannot own its directory")?;
        }
        let port = free_port()?;
        let pg = Postgres { dir, bin, port, as_postgres };
        command::run(
            pg.tool("initdb").args(["-A", "trust", "-U", "spearmint", "-E", "UTF8", "--no-sync", "-D"]).arg(pg.data()),
        )
        .context("`initdb` failed: see its output above")?;
        let options = format!(
            "-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={} -c max_connections=200 \
             {durability}",
            pg.dir.path().display()
        );
        command::run(
            pg.tool("pg_ctl")
                .args(["-w", "-t", "60", "-D"])
                .arg(pg.data())
                .args(["-o", &options, "-l"])
                .arg(pg.log())
                .arg("start"),
        )
        .with_context(|| format!("PostgreSQL did not start: see {}", pg.log().display()))?;
        println!("    PostgreSQL on 127.0.0.1:{port} ({})", pg.dir.path().display());
        Ok(pg)
    }

    /// What tests connect to: the cluster's `postgres` database, as its superuser.
    pub fn url(&self) -> String {
        format!("postgres://spearmint@127.0.0.1:{}/postgres", self.port)
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn log(&self) -> PathBuf {
        self.dir.path().join("postgres.log")
    }

    fn tool(&self, name: &str) -> Command {
        let program = self.bin.join(name);
        if self.as_postgres {
            let mut cmd = Command::new("runuser");
            cmd.args(["-u", "postgres", "--"]).arg(program);
            cmd
        } else {
            Command::new(program)
        }
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let stopped = self.tool("pg_ctl").args(["-w", "-m", "immediate", "-D"]).arg(self.data()).arg("stop").status();
        if !stopped.is_ok_and(|s| s.success()) {
            eprintln!("    PostgreSQL in {} did not stop: stop it by hand", self.dir.path().display());
        }
    }
}

/// Debian keeps the server's programs out of PATH, in /usr/lib/postgresql/VERSION/bin.
fn server_bin_dir() -> Result<PathBuf> {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_string_lossy().parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .collect();
    found.sort();
    if let Some((_, bin)) = found.pop() {
        return Ok(bin);
    }
    match command::find_on_path("initdb") {
        Some(initdb) => Ok(initdb.parent().map_or_else(|| PathBuf::from("/"), Path::to_path_buf)),
        None => bail!("no PostgreSQL server programs (initdb): install Debian's `postgresql` package"),
    }
}

fn is_root() -> bool {
    command::stdout(Command::new("id").arg("-u")).is_ok_and(|uid| uid.trim() == "0")
}

fn free_port() -> Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").context("cannot bind a port on 127.0.0.1")?;
    Ok(listener.local_addr()?.port())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The cluster starts, answers on 127.0.0.1 at its URL, and is gone once dropped.
    #[test]
    fn a_throwaway_cluster_answers_and_goes_away() {
        let pg = Postgres::start().unwrap();
        let answer = command::stdout(Command::new("psql").args(["-XtA", &pg.url(), "-c", "SELECT 40 + 2"])).unwrap();
        assert_eq!(answer.trim(), "42");
        let (dir, url) = (pg.dir.path().to_path_buf(), pg.url());
        drop(pg);
        assert!(!dir.exists());
        let after = Command::new("psql").args(["-XtA", &url, "-c", "SELECT 1"]).env("PGCONNECT_TIMEOUT", "2").output();
        assert!(!after.unwrap().status.success(), "the cluster still answers after it was dropped");
    }
}
