//! spearmint-formats through its public API: focused checks, every real bank file of the shared
//! fixtures, every encoding banks use, and the parsers' fuzz target. One test binary for the
//! crate, so the suite links it once.

mod checks;
mod common;
mod encodings;
mod fixtures;
mod robustness;
