//! Everything an [`Engine`](crate::Engine) can do besides its lifecycle (`engine.rs`), in one
//! place: one file per area, each method a few lines over the layer that does the work. A
//! tidy test fails when `impl Engine` appears anywhere but here and in `engine.rs`.
//!
//! - `ledger`: accounts, the transaction list, the user's edits (category, date and amount,
//!   splits, deletion);
//! - `import`: files (OFX/QFX, QIF, CSV with a mapping, CAMT.053), previews;
//! - `connections`: linking the demo, SimpleFIN and OFX, refreshing them;
//! - `categories`: rules, learning from a correction, the crowd's votes, "why this category";
//! - `budgets`: the budget of a month, the user's overrides and thresholds;
//! - `reports`: monthly spending, trends, top sellers, the doctor, CSV exports;
//! - `alerts`: the notification outbox and its delivery;
//! - `settings`: the daily refresh's time;
//! - `background`: the background task (daily extraction, retries, delivery);
//! - `sync`: the change log as sync reads it.

mod alerts;
mod background;
mod budgets;
mod categories;
mod connections;
mod import;
mod ledger;
mod reports;
mod settings;
mod sync;
