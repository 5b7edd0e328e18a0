//! `spearmint-sandbox-bank [--port N] [--seed S] [--tls]`: runs the sandbox bank until Ctrl-C,
//! printing what a client needs to connect to it.

use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;

use spearmint_sandbox_bank::{BankConfig, SandboxBank};

const USAGE: &str = "usage: spearmint-sandbox-bank [--port N] [--seed S] [--tls]";

struct Args {
    port: u16,
    config: BankConfig,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args { port: 0, config: BankConfig::default() };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().ok_or_else(|| format!("{name} needs a value\n{USAGE}"));
        match arg.as_str() {
            "--port" => args.port = value("--port")?.parse().map_err(|_| format!("--port takes a number\n{USAGE}"))?,
            "--seed" => {
                args.config.seed = value("--seed")?.parse().map_err(|_| format!("--seed takes a number\n{USAGE}"))?
            }
            "--tls" => args.config.tls = true,
            "-h" | "--help" => return Err(USAGE.to_owned()),
            other => return Err(format!("unknown argument `{other}`\n{USAGE}")),
        }
    }
    Ok(args)
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, args.port));
    let bank = match SandboxBank::start_on(args.config.clone(), addr).await {
        Ok(bank) => bank,
        Err(e) => {
            eprintln!("cannot start the sandbox bank on {addr}: {e}; try another --port");
            return ExitCode::FAILURE;
        }
    };
    let login = bank.ofx_login();
    println!("Spearmint sandbox bank (seed {}, today {})", args.config.seed, bank.today());
    println!("  base URL:               {}", bank.base_url());
    println!("  SimpleFIN setup token:  {}", bank.simplefin_setup_token());
    println!("                          (more: GET {}/simplefin/create)", bank.base_url());
    println!("  OFX URL:                {}", bank.ofx_url());
    println!("  OFX ORG / FID:          {} / {}", login.org, login.fid);
    println!("  OFX user / password:    {} / {}", login.user, login.password);
    println!("  OFX BANKID:             {}", login.bank_id);
    for account in bank.truth() {
        println!("  account {:<18} {} ({})", account.id, account.name, account.kind.as_str());
    }
    if let Some(pem) = bank.ca_certificate_pem() {
        let path = std::env::temp_dir().join(format!("spearmint-sandbox-ca-{}.pem", std::process::id()));
        match std::fs::write(&path, pem) {
            Ok(()) => println!("  test CA certificate:    {} (curl --cacert {})", path.display(), path.display()),
            Err(e) => eprintln!("cannot write the test CA to {}: {e}", path.display()),
        }
    }
    println!("Serving until Ctrl-C.");
    if let Err(e) = tokio::signal::ctrl_c().await {
        eprintln!("cannot wait for Ctrl-C: {e}");
    }
    bank.shutdown().await;
    ExitCode::SUCCESS
}
