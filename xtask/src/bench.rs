//! `cargo xtask bench [NAME]`: the benchmarks, in release mode, printed as rates and ratios
//! (they measure; tests assert behaviour). `import` imports 1M generated CSV transactions into
//! the encrypted vault and into plain SQLite.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::command;

const BENCHES: &[(&str, &str)] = &[("import", "spearmint-engine"), ("categorize", "spearmint-core")];

pub fn bench(root: &Path, which: Option<&str>) -> Result<()> {
    let selected: Vec<&(&str, &str)> = match which {
        None => BENCHES.iter().collect(),
        Some(name) => match BENCHES.iter().find(|(n, _)| *n == name) {
            Some(b) => vec![b],
            None => bail!(
                "no benchmark named `{name}`: choose one of {}",
                BENCHES.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
            ),
        },
    };
    for (name, package) in selected {
        println!("==> bench {name}");
        let mut cmd = Command::new(env!("CARGO"));
        cmd.current_dir(root).args(["bench", "-p", package, "--bench", name]);
        command::run(&mut cmd).with_context(|| format!("the {name} benchmark failed"))?;
    }
    Ok(())
}
