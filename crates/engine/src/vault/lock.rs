//! Advisory locks on files in a profile's folder, for work that one process at a time may do
//! (the app, `spearmint daemon` and a CLI command can all have one profile open). The OS drops a
//! lock when its process dies, so a crash never leaves one behind.

use std::path::Path;

use crate::error::{Error, Result};

/// An exclusive lock on a file, held until dropped.
#[derive(Debug)]
pub(crate) struct ProfileLock(#[allow(dead_code)] std::fs::File);

impl ProfileLock {
    /// Waits until this process holds `path`'s lock (creating the file). `what` names the work
    /// it guards, for the error.
    pub(crate) fn take(path: &Path, what: &str) -> Result<ProfileLock> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path)
            .map_err(|e| Error::io(&format!("cannot open the profile's {what} lock"), e))?;
        file.lock().map_err(|e| Error::io(&format!("cannot take the profile's {what} lock"), e))?;
        Ok(ProfileLock(file))
    }
}
