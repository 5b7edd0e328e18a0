//! Importing files.

use crate::engine::Engine;
use crate::error::Result;
use crate::ingestion::{self, CsvColumns, ImportProgress, ImportReport, ImportRequest};

impl Engine {
    /// A file to import, read from disk: one over [`crate::MAX_IMPORT_BYTES`] is refused before
    /// it is read.
    pub fn read_import_file(path: &std::path::Path) -> Result<Vec<u8>> {
        ingestion::read_import_file(path)
    }

    /// A CSV file's columns and first rows, to map them by hand (needs no vault).
    pub fn csv_columns(bytes: &[u8]) -> Result<CsvColumns> {
        ingestion::csv_columns(bytes)
    }

    /// Imports a file (or, with `dry_run`, says exactly what importing it would change). All or
    /// nothing; importing the same file again changes nothing.
    pub fn import_file(&self, req: ImportRequest) -> Result<ImportReport> {
        ingestion::import_file_with_progress(self, req, &|_| {})
    }

    /// [`Engine::import_file`], telling `progress` how far it has come: a million-row file
    /// takes seconds.
    pub fn import_file_with_progress(
        &self,
        req: ImportRequest,
        progress: &dyn Fn(&ImportProgress),
    ) -> Result<ImportReport> {
        ingestion::import_file_with_progress(self, req, progress)
    }
}
