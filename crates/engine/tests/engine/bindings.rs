//! The TypeScript twins of the API types in `ui/src/bindings/` are generated from Rust (ts-rs),
//! never written by hand. This test fails when they are stale; `cargo xtask codegen` (which
//! runs it with UPDATE_BINDINGS=1) rewrites them.

use std::collections::BTreeMap;
use std::path::PathBuf;

use spearmint_core::{AccountId, CategoryId, ConnectionId, Money, TransactionId};
use spearmint_engine::{
    AccountKind, AccountSummary, ApplySummary, Connection, ConnectionOutcome, ConnectionStatus, DailyRefresh,
    ErrorKind, ErrorPayload, ImportPhase, ImportProgress, ImportReport, KeySource, Phase, PreviewRow, Progress,
    ProviderKind, RefreshReport, TableCount, Transaction, TransactionCursor, TransactionQuery, VaultState, VaultStatus,
};
use ts_rs::{Config, TS};

use crate::common::manifest_dir;

fn bindings_dir() -> PathBuf {
    manifest_dir().join("../../ui/src/bindings")
}

fn render<T: TS + 'static>(cfg: &Config, out: &mut BTreeMap<String, String>) {
    let name = T::output_path().expect("exportable type").display().to_string();
    out.insert(name, T::export_to_string(cfg).expect("ts-rs renders the type"));
}

#[test]
fn typescript_bindings_are_up_to_date() {
    let cfg = Config::new().with_large_int("string");
    let mut expected = BTreeMap::new();
    render::<VaultStatus>(&cfg, &mut expected);
    render::<VaultState>(&cfg, &mut expected);
    render::<KeySource>(&cfg, &mut expected);
    render::<TableCount>(&cfg, &mut expected);
    render::<ErrorKind>(&cfg, &mut expected);
    render::<ErrorPayload>(&cfg, &mut expected);
    render::<Money>(&cfg, &mut expected);
    render::<Transaction>(&cfg, &mut expected);
    render::<AccountKind>(&cfg, &mut expected);
    render::<AccountId>(&cfg, &mut expected);
    render::<TransactionId>(&cfg, &mut expected);
    render::<ConnectionId>(&cfg, &mut expected);
    render::<CategoryId>(&cfg, &mut expected);
    render::<AccountSummary>(&cfg, &mut expected);
    render::<TransactionQuery>(&cfg, &mut expected);
    render::<TransactionCursor>(&cfg, &mut expected);
    render::<Connection>(&cfg, &mut expected);
    render::<ConnectionStatus>(&cfg, &mut expected);
    render::<ProviderKind>(&cfg, &mut expected);
    render::<Progress>(&cfg, &mut expected);
    render::<Phase>(&cfg, &mut expected);
    render::<RefreshReport>(&cfg, &mut expected);
    render::<spearmint_engine::Removed>(&cfg, &mut expected);
    render::<ConnectionOutcome>(&cfg, &mut expected);
    render::<ApplySummary>(&cfg, &mut expected);
    render::<DailyRefresh>(&cfg, &mut expected);
    render::<spearmint_engine::SyncState>(&cfg, &mut expected);
    render::<spearmint_engine::SyncDeviceView>(&cfg, &mut expected);
    render::<ImportReport>(&cfg, &mut expected);
    render::<ImportProgress>(&cfg, &mut expected);
    render::<ImportPhase>(&cfg, &mut expected);
    render::<PreviewRow>(&cfg, &mut expected);
    render::<spearmint_engine::provider::ofx::OfxBank>(&cfg, &mut expected);
    render::<spearmint_engine::CsvColumns>(&cfg, &mut expected);
    render::<spearmint_engine::ColumnMapping>(&cfg, &mut expected);
    render::<spearmint_engine::AmountMapping>(&cfg, &mut expected);
    render::<spearmint_engine::Category>(&cfg, &mut expected);
    render::<spearmint_engine::ExportKind>(&cfg, &mut expected);
    render::<spearmint_engine::Exported>(&cfg, &mut expected);
    render::<spearmint_engine::RuleChange>(&cfg, &mut expected);
    render::<spearmint_engine::MonthSpending>(&cfg, &mut expected);
    render::<spearmint_engine::CategorySpending>(&cfg, &mut expected);
    render::<spearmint_engine::SellerSpending>(&cfg, &mut expected);
    render::<spearmint_engine::BudgetReport>(&cfg, &mut expected);
    render::<spearmint_engine::BudgetLine>(&cfg, &mut expected);
    render::<spearmint_engine::SplitPart>(&cfg, &mut expected);
    render::<spearmint_engine::Notification>(&cfg, &mut expected);
    render::<spearmint_core::NotificationId>(&cfg, &mut expected);
    render::<spearmint_core::RuleId>(&cfg, &mut expected);
    render::<spearmint_core::Rule>(&cfg, &mut expected);
    render::<spearmint_core::RuleOrigin>(&cfg, &mut expected);
    render::<spearmint_core::Condition>(&cfg, &mut expected);
    render::<spearmint_core::RuleActions>(&cfg, &mut expected);

    // A binding that imports a type nobody renders would not compile in the UI.
    let missing: Vec<String> = expected
        .values()
        .flat_map(|text| text.lines().filter_map(|l| l.strip_prefix("import type { ")))
        .filter_map(|rest| rest.split_once(" }").map(|(name, _)| format!("{name}.ts")))
        .filter(|file| !expected.contains_key(file))
        .collect();
    assert!(missing.is_empty(), "bindings import types that are not rendered here: {missing:?}");

    let dir = bindings_dir();
    let update = std::env::var_os("UPDATE_BINDINGS").is_some();
    if update {
        std::fs::create_dir_all(&dir).unwrap();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "ts") {
                std::fs::remove_file(path).unwrap();
            }
        }
    }
    let mut stale = Vec::new();
    for (name, text) in &expected {
        let path = dir.join(name);
        if update {
            std::fs::write(&path, text).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            stale.push(name.clone());
        }
    }
    let extra: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".ts") && !expected.contains_key(n))
        .collect();
    assert!(
        stale.is_empty() && extra.is_empty(),
        "ui/src/bindings is out of date (stale: {stale:?}, not generated: {extra:?}): run `cargo xtask codegen`"
    );
}

#[test]
fn money_and_counts_are_never_javascript_floats_for_amounts() {
    let cfg = Config::new();
    let money: String = Money::inline(&cfg).lines().filter(|l| !l.trim_start().starts_with(['/', '*'])).collect();
    assert_eq!(money.replace(' ', ""), "{amount:string,currency:string,}");
    assert!(VaultStatus::decl(&cfg).contains("schemaVersion: number | null"));
}
