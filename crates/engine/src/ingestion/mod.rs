//! Ingestion: a statement's way into the vault, from a provider or a file. The raw payload is
//! kept first; the statement is read, matched against the stored rows, categorized and stored
//! in one SQL transaction (`apply`); files add format detection, CSV mappings and dry runs
//! (`file`).

mod apply;
mod file;

pub use apply::{ApplySummary, RAW_RETENTION_DAYS};
pub(crate) use apply::{Target, apply, store_raw};
pub use file::{
    AmountMapping, ColumnMapping, CsvColumns, ImportPhase, ImportProgress, ImportReport, ImportRequest,
    MAX_IMPORT_BYTES, PreviewRow,
};
pub(crate) use file::{csv_columns, import_file_with_progress, read_import_file};
