//! The `spearmint` binary as a user or a script drives it: real processes, a real vault on disk,
//! the real Secret Service and kernel keyring (`cargo xtask test` provides both), the sandbox
//! bank over real HTTP. One test binary for the crate, so the suite links it once; what the
//! tests share is in [`common`].

mod batch;
mod common;
mod completions;
mod connect;
mod crash;
mod daemon;
mod export;
mod hints;
mod import;
mod log;
mod output;
mod processes;
mod spending;
mod sync;
mod transactions;
mod vault;
