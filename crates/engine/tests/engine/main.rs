//! spearmint-engine through its public API, with real parts: SQLCipher vaults in temporary
//! folders, the sandbox bank over real HTTP, the real Secret Service and session bus (the private
//! ones `cargo xtask test` starts). One test binary for the crate, so the suite links it once;
//! what the tests share is in [`common`].

mod alerts;
mod bindings;
mod budget;
mod categorize;
mod common;
mod daemon;
mod disconnect;
mod export;
mod extract;
mod hostile;
mod import;
mod institutions;
mod notify;
mod spending;
mod splits;
mod transfers;
mod vault;
