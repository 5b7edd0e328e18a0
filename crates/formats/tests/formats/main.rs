//! spearmint-formats through its public API: focused checks, every real bank file of the shared
//! fixtures, every encoding banks use, the parsers' fuzz target, and hostile files that must read
//! in about the time ordinary ones do. One test binary for the crate, so the suite links it once.

mod adversarial;
mod checks;
mod common;
mod encodings;
mod fixtures;
mod robustness;
