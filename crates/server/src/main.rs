//! `spearmint-server`: serves sync (the default), adds accounts, and migrates a deployment
//! from SQLite to PostgreSQL. `--database` names the store as a URI and is accepted before or
//! after the subcommand.

use std::io::Read as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use spearmint_server::{
    Config, Limits, PgStore, Server, SqliteStore, Store, StoreError, hash_password, load_tls, sqlite_to_postgres,
};
use spearmint_sync_proto::Secret;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser, Debug)]
#[command(name = "spearmint-server", version, about = "Spearmint's self-hosted sync server: it stores only ciphertext")]
struct Cli {
    /// Where the server keeps its data: `sqlite:///path/server.db` or
    /// `postgres://user:password@host:port/database` [default: server.db in
    /// $SPEARMINT_SERVER_DATA_DIR, else the user's data directory]
    #[arg(long, global = true, value_name = "URI")]
    database: Option<String>,
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(clap::Args, Debug, Clone)]
struct ServeArgs {
    /// The address to listen on; port 0 picks a free one (the address is printed)
    #[arg(long, default_value = "127.0.0.1:8421", value_name = "ADDR")]
    listen: SocketAddr,
    /// Serve HTTPS with this PEM certificate chain (leaf first), with --tls-key; without it the
    /// server speaks plain HTTP, for a TLS proxy in front or for this machine only
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Let anyone who reaches the server create an account
    #[arg(long)]
    allow_sign_up: bool,
    /// Seconds an access token is good for (at most 3600)
    #[arg(long, default_value_t = 900, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=3600))]
    access_token_ttl: u64,
    /// Requests per second one device may make, on average
    #[arg(long, default_value_t = 200, value_name = "N")]
    rate_limit: u32,
    /// The largest upload body in bytes; clients split bigger ones
    #[arg(long, default_value_t = 4 << 20, value_name = "BYTES")]
    max_upload_bytes: u64,
    /// The most records one upload may hold; clients send more in several
    #[arg(long, default_value_t = 1_000, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    max_upload_records: u32,
    /// The most records one download page holds (at most 1,000)
    #[arg(long, default_value_t = 1_000, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1000))]
    max_page_records: u32,
    /// Bytes one device may store: its records and its snapshots' chunks
    #[arg(long, value_name = "BYTES")]
    device_quota: Option<u64>,
    /// Bytes one account's devices may store together, records and snapshots
    #[arg(long, value_name = "BYTES")]
    account_quota: Option<u64>,
    /// Connections to a PostgreSQL database, each serving one request at a time (a SQLite
    /// database always has one)
    #[arg(long, default_value_t = 4, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=64))]
    database_connections: u32,
    /// Days a record is kept after a snapshot covers it, and a device may stay away without
    /// starting again from the snapshot (0: delete what every device read, at once)
    #[arg(long, default_value_t = 90, value_name = "DAYS", value_parser = clap::value_parser!(u64).range(0..=36_500))]
    retention_days: u64,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve sync until stopped (what runs without a subcommand)
    Serve(ServeArgs),
    /// Manage accounts
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Copy everything from a SQLite database into an empty PostgreSQL one (stop the servers first)
    Migrate {
        /// The SQLite database: `sqlite:///path/server.db`
        #[arg(long, value_name = "URI")]
        from: String,
        /// The empty PostgreSQL database: `postgres://user:password@host:port/database`
        #[arg(long, value_name = "URI")]
        to: String,
    },
}

#[derive(Subcommand, Debug)]
enum UserCommand {
    /// Create an account; the password is read from standard input
    Add {
        name: String,
        /// Read the password from standard input (its first line)
        #[arg(long, required = true)]
        password_stdin: bool,
    },
}

fn is_postgres(uri: &str) -> bool {
    uri.starts_with("postgres://") || uri.starts_with("postgresql://")
}

fn database_path(uri: Option<&str>) -> Result<PathBuf, String> {
    match uri {
        Some(uri) => {
            if let Some(path) = uri.strip_prefix("sqlite://") {
                if path.is_empty() {
                    return Err("--database sqlite:// needs a path, as in sqlite:///var/lib/spearmint/server.db".into());
                }
                Ok(PathBuf::from(path))
            } else {
                Err(format!("--database takes sqlite:///path/server.db or postgres://user@host/database, not `{uri}`"))
            }
        }
        None => {
            let dir = match std::env::var_os("SPEARMINT_SERVER_DATA_DIR") {
                Some(dir) => PathBuf::from(dir),
                None => directories::ProjectDirs::from("", "", "spearmint-server")
                    .map(|d| d.data_dir().to_path_buf())
                    .ok_or("cannot find a data directory: pass --database sqlite:///path/server.db")?,
            };
            std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
            Ok(dir.join("server.db"))
        }
    }
}

fn open(uri: Option<&str>, limits: Limits) -> Result<Box<dyn Store>, String> {
    if let Some(uri) = uri.filter(|u| is_postgres(u)) {
        return Ok(Box::new(open_postgres(uri, limits)?));
    }
    let path = database_path(uri)?;
    let store =
        SqliteStore::open(&path, limits).map_err(|e| format!("cannot open the database {}: {e}", path.display()))?;
    Ok(Box::new(store))
}

/// The stores a server answers from: `connections` to a PostgreSQL database, or the one
/// SQLite store.
fn open_for_serving(uri: Option<&str>, limits: Limits, connections: u32) -> Result<Vec<Box<dyn Store>>, String> {
    let Some(uri) = uri.filter(|u| is_postgres(u)) else { return Ok(vec![open(uri, limits)?]) };
    let mut stores: Vec<Box<dyn Store>> = Vec::new();
    for n in 0..connections {
        let mut store = open_postgres(uri, limits)?;
        if n == 0 {
            // Whether the connection is encrypted, as the database reports it.
            let tls = store.encrypted().map_err(|e| format!("cannot use the PostgreSQL database: {e}"))?;
            eprintln!(
                "{}",
                serde_json::json!({"event": "database", "backend": "postgres", "connections": connections, "tls": tls})
            );
        }
        stores.push(Box::new(store));
    }
    Ok(stores)
}

/// The PostgreSQL database at `uri`; an error names the host, never the password.
fn open_postgres(uri: &str, limits: Limits) -> Result<PgStore, String> {
    let host = uri.split_once('@').map_or(uri, |(_, rest)| rest);
    let host = host.split_once('?').map_or(host, |(host, _)| host);
    PgStore::open(uri, limits).map_err(|e| {
        let advice = match e {
            StoreError::Setup(_) | StoreError::DatabaseCertificate(_) => "",
            _ => "; check that it runs and the user may create tables",
        };
        format!("cannot use the PostgreSQL database at {host}: {e}{advice}")
    })
}

fn migrate(from: &str, to: &str) -> Result<(), String> {
    let from = database_path(Some(from)).map_err(|e| format!("--from: {e}"))?;
    if !is_postgres(to) {
        return Err(
            "--to takes the PostgreSQL database to move into: postgres://user:password@host:port/database".into()
        );
    }
    let mut target = open_postgres(to, Limits::default())?;
    let report = sqlite_to_postgres(&from, &mut target).map_err(|e| format!("nothing was moved: {e}"))?;
    for (table, rows) in report {
        println!("{table}: {rows} rows");
    }
    println!("moved: start the servers with --database {}", to.split_once('@').map_or(to, |(_, h)| h));
    Ok(())
}

fn add_user(uri: Option<&str>, name: &str) -> Result<(), String> {
    let mut input = String::new();
    std::io::stdin().read_to_string(&mut input).map_err(|e| format!("cannot read the password: {e}"))?;
    let password = Secret::new(input.lines().next().unwrap_or_default());
    if password.expose().chars().count() < 10 {
        return Err("choose a password of at least 10 characters".into());
    }
    let hash = hash_password(&password)?;
    let mut store = open(uri, Limits::default())?;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
    store.create_account(name, &hash, now).map_err(|e| format!("cannot add {name}: {e}"))?;
    println!("added {name}");
    Ok(())
}

fn serve_until_stopped(uri: Option<&str>, args: ServeArgs) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the server's threads: {e}"))?;
    runtime.block_on(serve(uri, args))
}

async fn serve(uri: Option<&str>, args: ServeArgs) -> Result<(), String> {
    let mut limits = Limits::default();
    limits.max_device_bytes = args.device_quota.unwrap_or(limits.max_device_bytes);
    limits.max_account_bytes = args.account_quota.unwrap_or(limits.max_account_bytes);
    limits.max_page_records = args.max_page_records;
    let config = Config {
        limits,
        sign_up: args.allow_sign_up,
        access_ttl: Duration::from_secs(args.access_token_ttl),
        max_upload_bytes: args.max_upload_bytes,
        max_upload_records: args.max_upload_records,
        requests_per_sec: args.rate_limit,
        request_burst: args.rate_limit.saturating_mul(2),
        retention: Duration::from_secs(args.retention_days * 24 * 3600),
        ..Config::default()
    };
    // Opening may block (PostgreSQL's driver runs its own runtime): not on the server's threads.
    let owned = uri.map(str::to_owned);
    let connections = args.database_connections;
    let stores = tokio::task::spawn_blocking(move || open_for_serving(owned.as_deref(), limits, connections))
        .await
        .map_err(|e| format!("cannot open the database: {e}"))??;
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(load_tls(cert, key)?),
        _ => None,
    };
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}; choose another --listen address", args.listen))?;
    let (server, scheme) = match tls {
        Some(tls) => (Server::start_tls(stores, config, listener, tls), "https"),
        None => (Server::start(stores, config, listener), "http"),
    };
    let server = server.map_err(|e| e.to_string())?;
    // The one line on standard output: what a client connects to (port 0 picks one).
    println!("listening on {scheme}://{}", server.addr());
    wait_for_stop().await;
    server.stop().await.map_err(|e| e.to_string())
}

async fn wait_for_stop() {
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(term) => term,
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
            return;
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let uri = cli.database.as_deref();
    // Only serving runs on tokio. The other commands run without a runtime: PostgreSQL's
    // blocking driver starts one of its own, which cannot be done inside another.
    let result = match cli.command {
        None => serve_until_stopped(uri, cli.serve),
        Some(Command::Serve(args)) => serve_until_stopped(uri, args),
        Some(Command::User { command: UserCommand::Add { name, .. } }) => add_user(uri, &name),
        Some(Command::Migrate { from, to }) => migrate(&from, &to),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("spearmint-server: {message}");
            ExitCode::FAILURE
        }
    }
}
