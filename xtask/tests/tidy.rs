//! Tidy checks: the invariants of STYLE.md and ARCHITECTURE.md, as ordinary tests, so a
//! change that breaks one fails CI with a message that says which and why.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use sha2::{Digest, Sha256};

/// Every released migration and its SHA-256. Append a line when adding a migration; never
/// change a line: an applied migration is never edited (write a new one instead).
const MIGRATION_CHECKSUMS: &[(&str, &str)] = &[
    ("0001_initial.sql", "d82208faef189a77aa2c0f8c63343252e01445ee5625194b89fac29c5df932cc"),
    ("0002_connections.sql", "370cd229241e13bcc6c3ac499824efc165ec4ab43a87d18a526bb09fc3f843b4"),
    ("0003_lean_indexes.sql", "a418d101d5292d08cadd1176421ee2fa3eb5c96157a603a50f2b435555412e96"),
    ("0004_monthly_spending.sql", "b8814356e2d9aeac30068950cc4b2b6d70250b5edb57183e66922552609e16de"),
    ("0005_transfer_lookup.sql", "fc4389b89f08b3fa45a0da31e551baea2e4a88b7ee669850803518709fb89b60"),
    ("0006_crowd_votes.sql", "0affcc77e7112bd39a7385166ac6d6614e787750a338b360b35b10663b3ce31d"),
    ("0007_splits.sql", "e409cb84dfea47d153817bb9094135a60ec77533925afbdcc40740fd63a30770"),
    ("0008_payee_display.sql", "8050ce483beff023abbe1029c537c7ccd52003e2afa9993e3d1e7666dec22310"),
    ("0009_bulk_spending.sql", "8efce1c0051bd86d8c19d9940648852d2e724ad9420898e6b7edf2ba68072eb1"),
    ("0010_account_counts.sql", "484f001ccb27c2a11f54be6e8e2fff3db80138a58e50a7dca9948b81e1760e60"),
    ("0011_search_index.sql", "eeff3aa9fd702bd48d7f7e989759b557648a947c9ee34173f66b7a3ddeeba2a8"),
    ("0012_bulk_friendly_transactions.sql", "d8288996b366df15b929f1d9f00adb10fcd36c0546a6ff76a7da12ff165eadda"),
    ("0013_splits_reference_by_trigger.sql", "57033efe5b19d34a35ef7608512deecf9af74706e50d17691e60e7a7594ba183"),
    ("0014_category_reasons.sql", "20824cff647658b23dc4db248ec63ad65d7716d13b012762adabcebdbc1af762"),
    ("0015_notification_reads.sql", "b9ba2b973941cd7a4729311e1e2b4fc034d4f44a2374e4b5e1990ff7b6fc9176"),
    ("0016_transaction_notes.sql", "0b29c9f28641950195752181df5a3741092abde4b6a11822aa8431206859aacd"),
    ("0017_sync_merge.sql", "d71e4f02b4ed931eccdae5a8f3ecd1322cc9895b746dd2f9287bdb6cba960781"),
    ("0018_split_totals_follow_the_flag.sql", "69043fd24cce918d8cacf2de1a0ee6cbacb7e293393c4e126cc73310ed484d4e"),
    ("0019_sync_key_changes.sql", "33933e0fd72440f5b188f3d83c74062e8b5e76edf8134a8d5d639c1ca978f759"),
    ("0020_sync_snapshots.sql", "372f6670e0f308e635b8634c7d5097e1ec929f6cfa82a0fafd977ccb2c782dc1"),
];

fn root() -> PathBuf {
    manifest_dir().parent().unwrap().to_path_buf()
}

fn metadata() -> Value {
    let out =
        Command::new(env!("CARGO")).args(["metadata", "--format-version", "1"]).current_dir(root()).output().unwrap();
    assert!(out.status.success(), "cargo metadata failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Workspace package name -> names of every package it pulls in for normal builds.
fn transitive_normal_deps(meta: &Value) -> BTreeMap<String, BTreeSet<String>> {
    let packages: BTreeMap<&str, &str> = meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["id"].as_str().unwrap(), p["name"].as_str().unwrap()))
        .collect();
    let nodes: BTreeMap<&str, Vec<&str>> = meta["resolve"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            let deps = n["deps"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|d| d["dep_kinds"].as_array().unwrap().iter().any(|k| k["kind"].is_null()))
                .map(|d| d["pkg"].as_str().unwrap())
                .collect();
            (n["id"].as_str().unwrap(), deps)
        })
        .collect();
    let mut out = BTreeMap::new();
    for member in meta["workspace_members"].as_array().unwrap() {
        let member = member.as_str().unwrap();
        let mut seen = BTreeSet::new();
        let mut stack = vec![member];
        while let Some(id) = stack.pop() {
            for dep in &nodes[id] {
                if seen.insert(packages[dep].to_owned()) {
                    stack.push(dep);
                }
            }
        }
        out.insert(packages[member].to_owned(), seen);
    }
    out
}

#[test]
fn only_the_desktop_package_depends_on_tauri() {
    let deps = transitive_normal_deps(&metadata());
    for (package, deps) in &deps {
        if package == "spearmint-desktop" {
            assert!(deps.contains("tauri"));
            continue;
        }
        // The framework's crates; not standalone libraries that share the prefix (notify-rust
        // uses tauri-winrt-notification for Windows toasts, which pulls in no framework).
        let framework = |d: &str| {
            d == "tauri"
                || d.starts_with("tauri-runtime")
                || d.starts_with("tauri-plugin")
                || ["tauri-build", "tauri-utils", "tauri-macros", "tauri-codegen"].contains(&d)
        };
        let tauri: Vec<&String> = deps.iter().filter(|d| framework(d)).collect();
        assert!(tauri.is_empty(), "{package} depends on {tauri:?}: only the desktop shell may depend on tauri");
    }
}

/// Fails when `package` depends, directly or not, on any of `forbidden`; `why` says the rule.
fn forbid_dependencies(package: &str, forbidden: &[&str], why: &str) {
    let deps = &transitive_normal_deps(&metadata())[package];
    for name in forbidden {
        assert!(!deps.contains(*name), "{package} depends on {name}: {why}");
    }
}

/// Fails when a Rust file under `dir` names any of `patterns`; `why` says the rule.
fn forbid_in_sources(dir: &str, patterns: &[&str], why: &str) {
    for file in rust_files(&root().join(dir)) {
        let text = std::fs::read_to_string(&file).unwrap();
        for pattern in patterns {
            assert!(!text.contains(pattern), "{} uses {pattern}: {why}", file.display());
        }
    }
}

#[test]
fn core_does_no_io() {
    forbid_dependencies(
        "spearmint-core",
        &[
            "tokio",
            "rusqlite",
            "libsqlite3-sys",
            "reqwest",
            "hyper",
            "keyring",
            "mio",
            "notify-rust",
            "zbus",
            "directories",
        ],
        "core must stay free of IO (put it in spearmint-engine)",
    );
    forbid_in_sources(
        "crates/core/src",
        &["std::fs", "std::net", "std::process", "std::env", "File::"],
        "core does no IO",
    );
}

#[test]
fn the_sync_protocol_is_wire_types_only() {
    forbid_dependencies(
        "spearmint-sync-proto",
        &[
            "tokio",
            "rusqlite",
            "reqwest",
            "hyper",
            "keyring",
            "mio",
            "spearmint-engine",
            "spearmint-core",
            "chacha20poly1305",
        ],
        "the protocol crate is wire types, shared by server and client",
    );
    forbid_in_sources(
        "crates/sync-proto/src",
        &["std::fs", "std::net", "std::process", "File::"],
        "the protocol crate does no IO",
    );
}

#[test]
fn the_sync_server_cannot_open_a_record() {
    forbid_dependencies(
        "spearmint-server",
        &["spearmint-engine", "spearmint-core", "chacha20poly1305", "keyring", "bip39"],
        "the server stores sealed records and never holds what opens them",
    );
}

#[test]
fn format_parsers_do_no_io() {
    forbid_dependencies(
        "spearmint-formats",
        &["tokio", "rusqlite", "reqwest", "hyper", "keyring", "mio"],
        "parsers take bytes and return statements",
    );
    forbid_in_sources("crates/formats/src", &["std::fs", "std::net", "std::process", "File::"], "parsers do no IO");
}

#[test]
fn clients_reach_data_only_through_the_engine() {
    let meta = metadata();
    for package in meta["packages"].as_array().unwrap() {
        let name = package["name"].as_str().unwrap();
        if name != "spearmint-desktop" && name != "spearmint-cli" {
            continue;
        }
        for dep in package["dependencies"].as_array().unwrap() {
            let dep_name = dep["name"].as_str().unwrap();
            let normal = dep["kind"].is_null();
            assert!(
                !(normal && ["rusqlite", "keyring", "reqwest", "argon2"].contains(&dep_name)),
                "{name} depends on {dep_name} directly: clients must go through spearmint-engine"
            );
            // Each client depends on one crate of ours: the engine re-exports what it needs.
            assert!(
                !(normal && ["spearmint-core", "spearmint-formats"].contains(&dep_name)),
                "{name} depends on {dep_name}: name its types through spearmint-engine's re-exports"
            );
        }
    }
    for dir in ["src-tauri/src", "crates/cli/src"] {
        for file in rust_files(&root().join(dir)) {
            let text = std::fs::read_to_string(&file).unwrap();
            for forbidden in ["rusqlite", "keyring::", "SELECT ", "INSERT ", "reqwest"] {
                assert!(
                    !text.contains(forbidden),
                    "{} mentions {forbidden}: no SQL, keychain or HTTP outside the engine",
                    file.display()
                );
            }
        }
    }
}

#[test]
fn migrations_are_append_only() {
    let dir = root().join("migrations");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".sql"))
        .collect();
    files.sort();
    let known: Vec<&str> = MIGRATION_CHECKSUMS.iter().map(|(n, _)| *n).collect();
    assert_eq!(
        files, known,
        "every file in migrations/ needs its checksum in MIGRATION_CHECKSUMS (xtask/tests/tidy.rs), in order"
    );
    for (i, (name, sum)) in MIGRATION_CHECKSUMS.iter().enumerate() {
        assert!(
            name.starts_with(&format!("{:04}_", i + 1)),
            "{name}: migrations are numbered 0001_, 0002_, ... without gaps"
        );
        let actual = hex::encode(Sha256::digest(std::fs::read(dir.join(name)).unwrap()));
        assert_eq!(&actual, sum, "{name} changed after release: never edit an applied migration, add a new one");
    }
    let embedded = std::fs::read_to_string(root().join("crates/engine/src/vault/migrations.rs")).unwrap();
    for name in known {
        assert!(
            embedded.contains(&format!("migrations/{name}")),
            "{name} is not embedded in crates/engine/src/vault/migrations.rs"
        );
    }
}

#[test]
fn money_is_never_a_float() {
    for file in std::fs::read_dir(root().join("migrations")).unwrap() {
        let text = std::fs::read_to_string(file.unwrap().path()).unwrap();
        // Column types only: comments may well say "never a float".
        let code: String = text.lines().map(|l| l.split("--").next().unwrap_or("")).collect::<Vec<_>>().join("\n");
        let code = code.to_uppercase();
        for float in [" REAL", " FLOAT", " DOUBLE", " NUMERIC"] {
            assert!(!code.contains(float), "a migration declares a{float} column: money is INTEGER minor units");
        }
    }
    // The shipped categorization model's weights and confidences are floats; its input is an
    // amount in integer minor units, only ever bucketed with integer operations, and it never
    // names `Money`, so no money passes through a float there.
    let model = root().join("crates/core/src/model");
    for file in rust_files(&model) {
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(!text.contains("Money") && !text.contains("Decimal"), "{} handles money", file.display());
    }
    for dir in ["crates/core/src", "crates/engine/src"] {
        for file in rust_files(&root().join(dir)).into_iter().filter(|f| !f.starts_with(&model)) {
            let text = std::fs::read_to_string(&file).unwrap();
            for float in ["f64", "f32", "as_f64", "to_f64"] {
                assert!(!text.contains(float), "{} uses {float}: money and dates are never floats", file.display());
            }
        }
    }
}

#[test]
fn every_crate_says_what_it_is() {
    let roots = [
        "src-tauri/src/lib.rs",
        "crates/core/src/lib.rs",
        "crates/engine/src/lib.rs",
        "crates/cli/src/main.rs",
        "xtask/src/main.rs",
        "crates/formats/src/lib.rs",
        "crates/sandbox-bank/src/lib.rs",
        "crates/sync-proto/src/lib.rs",
        "crates/server/src/lib.rs",
    ];
    for path in roots {
        let text = std::fs::read_to_string(root().join(path)).unwrap_or_else(|_| panic!("{path} is missing"));
        assert!(
            text.trim_start().starts_with("//!"),
            "{path} must open with a //! comment saying what the crate is and what it must not depend on"
        );
    }
    let members = metadata()["workspace_members"].as_array().unwrap().len();
    assert_eq!(members, roots.len(), "a new crate needs its root file in this list");
}

#[test]
fn the_sandbox_bank_never_depends_on_the_engine() {
    // It is the engine's test double: depending on the engine would let a bug in one hide the
    // same bug in the other.
    let deps = &transitive_normal_deps(&metadata())["spearmint-sandbox-bank"];
    assert!(!deps.contains("spearmint-engine"), "spearmint-sandbox-bank depends on spearmint-engine");
}

/// The prose of ARCHITECTURE.md, without what is in backticks or code blocks.
fn architecture_prose() -> String {
    let text = std::fs::read_to_string(root().join("ARCHITECTURE.md")).unwrap();
    let mut prose = String::new();
    for (i, part) in text.split("```").enumerate() {
        if i % 2 == 0 {
            prose.extend(part.split('`').step_by(2).flat_map(|p| [p, " "]));
        }
    }
    prose
}

#[test]
fn every_invariant_the_architecture_lists_has_its_test() {
    let text = std::fs::read_to_string(root().join("ARCHITECTURE.md")).unwrap();
    let section = text.split("## Invariants").nth(1).expect("ARCHITECTURE.md has an Invariants section");
    let section = section.split("\n## ").next().unwrap();
    let tests: String = ["xtask/tests/tidy.rs", "xtask/src/ipc.rs"]
        .iter()
        .map(|f| std::fs::read_to_string(root().join(f)).unwrap())
        .collect();
    let mut named = 0;
    for item in section.split("\n- ").skip(1) {
        // Each invariant ends with the name of the test that holds it, in backticks.
        let name = item.trim_end().trim_end_matches('.').rsplit('`').nth(1).unwrap_or("");
        assert!(
            tests.contains(&format!("fn {name}()")),
            "ARCHITECTURE.md lists an invariant without a test that exists: {item}"
        );
        named += 1;
    }
    assert!(named >= 10, "the invariants are found ({named})");
}

#[test]
fn the_architecture_document_carries_no_counts_or_measurements() {
    // Numbers drift (banks in the directory, rows per second, screens built): README.md and
    // commit messages carry them. Names with digits (AES-256, UTF-16) are not numbers.
    for word in architecture_prose().split_whitespace() {
        let bare = word.trim_matches(|c: char| !c.is_alphanumeric());
        let number = bare.chars().next().is_some_and(|c| c.is_ascii_digit())
            && bare.chars().all(|c| c.is_ascii_digit() || c == '.' || c == ',' || c == 'k' || c == 'x' || c == '%');
        assert!(!number, "ARCHITECTURE.md has the number `{word}`: measurements and counts go to README.md");
    }
}

#[test]
fn the_architecture_document_names_real_things() {
    let text = std::fs::read_to_string(root().join("ARCHITECTURE.md")).unwrap();
    // Every repository path (with a `/`) the code map names in backticks exists.
    for word in text.split('`').skip(1).step_by(2) {
        let looks_like_path =
            (word.ends_with('/') || word.ends_with(".rs") || word.ends_with(".json") || word.ends_with(".md"))
                && word.contains('/')
                && !word.contains(' ')
                && !word.starts_with('~')
                && !word.contains('<')
                && !word.contains('*');
        if looks_like_path {
            assert!(root().join(word).exists(), "ARCHITECTURE.md names `{word}`, which does not exist");
        }
    }
}

#[test]
fn no_test_reads_a_path_baked_in_at_compile_time() {
    // The target directory is shared by every clone on the machine (CI's fresh clone too), and
    // cargo reuses a test binary whose sources did not change: a path from `env!` would then
    // name the clone that built it, which may be gone, or worse, be another checkout's files.
    let mut files = Vec::new();
    for dir in ["crates", "xtask", "src-tauri/src"] {
        files.extend(rust_files(&root().join(dir)));
    }
    assert!(files.len() > 20);
    let baked = concat!("env!(", "\"CARGO_MANIFEST_DIR\")");
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for line in text.lines().filter(|l| l.contains(baked)) {
            assert!(
                line.contains("var_os(\"CARGO_MANIFEST_DIR\")") || line.contains(".unwrap_or_else(|| PathBuf::from("),
                "{} uses {baked} on its own: read CARGO_MANIFEST_DIR at run time first ({line})",
                file.display()
            );
        }
    }
}

/// The engine's modules, lowest layer first. A module may use its own layer and those before
/// it, never one after (`lib.rs` says the same in its opening comment).
const ENGINE_LAYERS: &[&[&str]] = &[
    &["error", "secret", "status"],
    &["vault", "keychain", "installation"],
    &["budget", "batch"],
    &["alerts"],
    &["engine"],
    &["ledger"],
    &["categorization"],
    &["reports"],
    &["ingestion"],
    &["provider"],
    &["sync"],
    &["background"],
    &["api"],
];

fn engine_src() -> PathBuf {
    root().join("crates/engine/src")
}

/// A source file's code without its comments (line comments only: the code has no others).
fn code_of(file: &Path) -> String {
    let text = std::fs::read_to_string(file).unwrap();
    text.lines().map(|l| l.split("//").next().unwrap_or("")).collect::<Vec<_>>().join("\n")
}

/// The engine module a file belongs to (`crates/engine/src/<module>.rs` or `<module>/...`).
fn engine_module(file: &Path) -> String {
    let rel = file.strip_prefix(engine_src()).unwrap();
    let first = rel.components().next().unwrap().as_os_str().to_string_lossy().into_owned();
    first.trim_end_matches(".rs").to_owned()
}

fn layer_of(module: &str) -> Option<usize> {
    ENGINE_LAYERS.iter().position(|layer| layer.contains(&module))
}

/// The public methods of the engine's API (`crates/engine/src/api/`).
fn api_methods() -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for file in rust_files(&engine_src().join("api")) {
        for line in code_of(&file).lines() {
            let line = line.trim_start();
            for prefix in ["pub fn ", "pub async fn "] {
                if let Some(rest) = line.strip_prefix(prefix) {
                    names.insert(rest.split(['(', '<']).next().unwrap().to_owned());
                }
            }
        }
    }
    names
}

#[test]
fn the_engines_methods_live_in_its_api_and_its_lifecycle() {
    let files = rust_files(&engine_src());
    assert!(files.len() > 20);
    for file in files {
        let module = engine_module(&file);
        if module == "api" || module == "engine" {
            continue;
        }
        assert!(
            !code_of(&file).contains("impl Engine {"),
            "{} has `impl Engine`: the engine's methods live in crates/engine/src/api/ (the lifecycle in engine.rs)",
            file.display()
        );
    }
    assert!(api_methods().len() > 40, "the API's methods are found: {:?}", api_methods());
}

#[test]
fn the_engines_layers_never_reach_up() {
    let api = api_methods();
    for file in rust_files(&engine_src()) {
        let module = engine_module(&file);
        if module == "lib" {
            continue;
        }
        let own = layer_of(&module).unwrap_or_else(|| {
            panic!(
                "{} is in module `{module}`, which no layer lists: add it to ENGINE_LAYERS and lib.rs",
                file.display()
            )
        });
        let code = code_of(&file);
        for used in code.split("crate::").skip(1) {
            let name: String = used.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            if name.is_empty() || name == "Result" {
                continue;
            }
            let layer =
                layer_of(&name).unwrap_or_else(|| panic!("{} uses `crate::{name}`, in no layer", file.display()));
            assert!(
                layer <= own,
                "{} (layer `{module}`) uses `crate::{name}`, a layer above it: move the code down, or pass in what it needs",
                file.display()
            );
        }
        // Below the API, an engine handle is only a way to the vault: calling the API on it
        // would go up a layer by another road.
        if module != "api" {
            for receiver in ["engine.", "self."] {
                for call in code.split(receiver).skip(1) {
                    let name: String = call.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
                    let is_call = call[name.len()..].starts_with('(');
                    let lifecycle = module == "engine";
                    assert!(
                        !(is_call && api.contains(&name) && !(lifecycle && receiver == "self.")),
                        "{} calls the API method `{name}` from layer `{module}`: call the layer that does the work",
                        file.display()
                    );
                }
            }
        }
    }
}

#[test]
fn only_the_vaults_writer_writes() {
    for file in rust_files(&engine_src()) {
        if engine_module(&file) == "vault" {
            continue;
        }
        let code = code_of(&file);
        for raw in [".execute(", ".execute_batch(", "pragma_update(", "rusqlite::Connection", "Transaction<'"] {
            assert!(
                !code.contains(raw),
                "{} has `{raw}`: every write goes through the vault's Writer, which logs it for sync",
                file.display()
            );
        }
    }
    // The read path refuses writes in its type: no method of the Reader runs a statement
    // that is not a query (its own unit test shows SQLite refusing the rest).
    let reader = code_of(&engine_src().join("vault/read.rs"));
    assert!(reader.contains("readonly()") && !reader.contains("fn execute"), "the Reader must stay read-only");
}

#[test]
fn settings_are_named_only_by_the_vaults_settings_module() {
    // A setting read from three places by its string key drifted apart once: each one now has
    // a typed reader and writer in crates/engine/src/vault/settings.rs.
    for file in rust_files(&engine_src()) {
        if engine_module(&file) == "vault" {
            continue;
        }
        let code = code_of(&file);
        for raw in ["Table::SETTINGS", "FROM settings", "INTO settings"] {
            assert!(!code.contains(raw), "{} has `{raw}`: use crate::vault::settings", file.display());
        }
    }
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    out
}

/// This crate's directory, read at run time first: the target directory is shared by every
/// clone on the machine, so a path baked in at compile time could name another (or a deleted) one.
fn manifest_dir() -> std::path::PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(|| env!("CARGO_MANIFEST_DIR").into(), std::path::PathBuf::from)
}

/// `spearmint` followed by a word, built so this file's own source does not hold it.
const COMMAND: &str = concat!("spear", "mint ");

/// Whether a line of code names a CLI command (`spearmint init`) or flag (`--account`): a
/// desktop user can follow neither, and the CLI adds them itself from the error's hint.
/// Comments may name them: they are for developers.
fn names_the_cli(line: &str) -> bool {
    let code = line.trim_start();
    if code.starts_with("//") {
        return false;
    }
    let code = code.split(" // ").next().unwrap_or(code);
    let before_a_word = |pattern: &str| {
        code.match_indices(pattern)
            .any(|(at, _)| code[at + pattern.len()..].starts_with(|c: char| c.is_ascii_lowercase()))
    };
    before_a_word(COMMAND) || [" --", "`--", "(--", "\"--"].iter().any(|flag| before_a_word(flag))
}

#[test]
fn the_check_for_cli_words_finds_them() {
    let message = |words: &str| format!("        format!(\"there is no rule {{id}}: {words}\"),");
    assert!(names_the_cli(&message(&format!("list them with `{COMMAND}rules list`"))));
    let flag = "--";
    assert!(names_the_cli(&message(&format!("choose one with {flag}account"))));
    assert!(names_the_cli(&message(&format!("({flag}data-dir)"))));
    assert!(!names_the_cli(&message("choose one from the rule list")));
    assert!(!names_the_cli(&format!("    /// `{COMMAND}doctor` recounts both tables")));
    assert!(!names_the_cli("        -- a comment in SQL"));
}

#[test]
fn no_engine_message_names_a_cli_command_or_flag() {
    let files = rust_files(&engine_src());
    assert!(files.len() > 20, "the engine's sources are under {}", engine_src().display());
    let mut found = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for (n, line) in text.lines().enumerate() {
            if names_the_cli(line) {
                found.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "the desktop app shows engine messages as they are: say the step in words, and give the \
         error a Hint the CLI turns into its command\n{}",
        found.join("\n")
    );
}
