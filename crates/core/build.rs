//! Trains the shipped categorization model from the crate's data files and writes it to
//! `$OUT_DIR/model.bin`, which `src/model/mod.rs` embeds. The training code is the library's
//! own (`src/model/train.rs`), so a test can check that a second training gives the same bytes.

#[allow(dead_code)]
#[path = "src/model"]
mod model {
    pub mod features;
    pub mod train;
}

use std::path::PathBuf;

fn main() {
    let read = |name: &str| {
        let path = format!("data/{name}");
        println!("cargo::rerun-if-changed={path}");
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {path}: {e}"))
    };
    println!("cargo::rerun-if-changed=src/model/features.rs");
    println!("cargo::rerun-if-changed=src/model/train.rs");
    let (merchants, lexicon, mcc) = (read("merchants.tsv"), read("lexicon.tsv"), read("mcc.tsv"));
    let bytes = model::train::train(&model::train::Sources { merchants: &merchants, lexicon: &lexicon, mcc: &mcc });
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join("model.bin");
    std::fs::write(&out, bytes).unwrap_or_else(|e| panic!("writing {}: {e}", out.display()));
}
