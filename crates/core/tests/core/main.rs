//! spearmint-core through its public API: data-driven checks on real descriptors and amounts,
//! and properties of the matcher, the categorizer and the clock. One test binary for the crate,
//! so the suite links it once; the data files are in `tests/data/`.

mod categorize;
mod hlc;
mod matcher;
mod model;
mod money;
mod plan;
mod seller;
mod words;
