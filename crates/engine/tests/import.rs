//! Importing the real bank files in shared/fixtures through the engine: each one that parses
//! imports in one transaction, and importing it again changes nothing — no row, no change-log
//! entry. (Which files parse, with which counts and sums, is spearmint-formats' fixture table.)

use std::path::{Path, PathBuf};

use spearmint_core::AccountKind;
use spearmint_engine::{Engine, EngineOptions, ImportRequest, NewAccount, NewKey, Passphrase, TransactionQuery};
use spearmint_formats::ImportOptions;

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures")
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() { files(&p, out) } else { out.push(p) }
    }
}

#[test]
fn every_fixture_that_parses_imports_once_and_reimports_as_a_no_op() {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::new(EngineOptions::new(dir.path().to_path_buf())).unwrap();
    engine.create(NewKey::Passphrase(Passphrase::new("fixture passphrase"))).unwrap();
    let mut all = Vec::new();
    files(&fixtures_dir(), &mut all);
    all.sort();
    assert!(all.len() > 100, "shared/fixtures is missing or incomplete: {}", fixtures_dir().display());

    let mut imported = 0;
    let mut with_rows = 0;
    for path in &all {
        let bytes = std::fs::read(path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let options = ImportOptions { currency: spearmint_core::Currency::USD, csv: None, date_order: None };
        let Ok(statement) = spearmint_formats::parse(&bytes, Some(&name), &options) else { continue };
        if statement.accounts.is_empty() {
            continue;
        }
        // Files that do not name their account (CSV, QIF) go into a manual account of their own.
        let account = statement.accounts[0].provider_account_id.trim().is_empty().then(|| {
            engine
                .create_account(NewAccount {
                    name: name.clone(),
                    kind: AccountKind::Checking,
                    currency: statement.accounts[0].currency,
                })
                .unwrap()
        });
        let request = |dry_run| ImportRequest {
            bytes: bytes.clone(),
            file_name: Some(name.clone()),
            account,
            mapping: None,
            currency: None,
            dry_run,
        };
        let first =
            engine.import_file(request(false)).unwrap_or_else(|e| panic!("{}: {}", path.display(), e.message()));
        imported += 1;
        if first.transactions > 0 {
            with_rows += 1;
        }
        let rows = engine.transactions(&TransactionQuery::default()).unwrap().len();
        let changes = engine.change_count().unwrap();

        let preview = engine.import_file(request(true)).unwrap();
        assert_eq!(preview.summary.added, 0, "{}: a dry run of a re-import would add rows", path.display());
        let again = engine.import_file(request(false)).unwrap();
        let s = &again.summary;
        assert_eq!((s.added, s.updated, s.posted, s.removed), (0, 0, 0, 0), "{}: {s:?}", path.display());
        assert_eq!(engine.transactions(&TransactionQuery::default()).unwrap().len(), rows, "{}", path.display());
        assert_eq!(engine.change_count().unwrap(), changes, "{}: a re-import wrote to the change log", path.display());
    }
    assert!(imported >= 60 && with_rows >= 50, "only {imported} fixtures imported ({with_rows} with transactions)");
}

#[test]
fn a_broken_file_is_refused_with_its_problem_named_and_nothing_written() {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::new(EngineOptions::new(dir.path().to_path_buf())).unwrap();
    engine.create(NewKey::Passphrase(Passphrase::new("fixture passphrase"))).unwrap();
    let good = std::fs::read(fixtures_dir().join("ofx/ofxparse/bank_medium.ofx")).unwrap();
    // Cut the file in the middle of a transaction.
    let broken = good[..good.len() * 2 / 3].to_vec();
    let before = engine.change_count().unwrap();
    let err = engine
        .import_file(ImportRequest {
            bytes: broken,
            file_name: Some("bank_medium.ofx".into()),
            account: None,
            mapping: None,
            currency: None,
            dry_run: false,
        })
        .unwrap_err();
    assert!(err.message().starts_with("bank_medium.ofx: "), "{}", err.message());
    assert!(engine.transactions(&TransactionQuery::default()).unwrap().is_empty(), "nothing half-imported");
    assert_eq!(engine.change_count().unwrap(), before);
    let err = engine
        .import_file(ImportRequest {
            bytes: b"%PDF-1.7 not a statement".to_vec(),
            file_name: Some("statement.pdf".into()),
            account: None,
            mapping: None,
            currency: None,
            dry_run: false,
        })
        .unwrap_err();
    assert!(err.message().contains("statement.pdf"), "{}", err.message());
}
