//! What belongs to this installation of Spearmint rather than to one profile: the OFX
//! `CLIENTUID`. Banks that check it know a client by it (some ask the user to approve each new
//! one), so every profile of the installation sends the same one, for good. It is no secret and
//! no financial data: `installation.json` in the data directory, beside `profiles/`.

use std::fs;
use std::io::Write as _;
use std::path::Path;

use crate::error::{Error, Result};

const FILE: &str = "installation.json";

#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct Installation {
    ofx_client_uid: String,
}

/// The installation's CLIENTUID, created on first use. `adopt` is one a profile already sent
/// (a vault from before this file existed): it becomes the installation's, so the banks that
/// know it keep knowing this client.
pub(crate) fn ofx_client_uid(data_dir: &Path, adopt: Option<String>) -> Result<String> {
    let path = data_dir.join(FILE);
    if let Some(known) = read(&path)? {
        return Ok(known.ofx_client_uid);
    }
    let fresh = Installation {
        ofx_client_uid: adopt.unwrap_or_else(|| uuid::Uuid::now_v7().hyphenated().to_string().to_uppercase()),
    };
    let text =
        serde_json::to_string_pretty(&fresh).map_err(|e| Error::internal("cannot encode installation.json", e))?;
    fs::create_dir_all(data_dir).map_err(|e| Error::io("cannot create the data directory", e))?;
    let tmp = data_dir.join(format!("{FILE}.{}.tmp", uuid::Uuid::now_v7().simple()));
    let written = fs::File::create(&tmp)
        .and_then(|mut f| f.write_all(text.as_bytes()).and_then(|()| f.sync_all()))
        // A link fails where the file exists: of two processes starting at once, one wins and
        // both then use its id.
        .and_then(|()| fs::hard_link(&tmp, &path));
    let _ = fs::remove_file(&tmp);
    match written {
        Ok(()) => Ok(fresh.ofx_client_uid),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            read(&path)?.map(|i| i.ofx_client_uid).ok_or_else(|| Error::io("cannot read installation.json", e))
        }
        Err(e) => Err(Error::io("cannot write installation.json", e)),
    }
}

fn read(path: &Path) -> Result<Option<Installation>> {
    match fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|_| {
            Error::new(
                crate::error::ErrorKind::Corrupt,
                format!("{} is damaged: delete it and Spearmint makes a new one", path.display()),
            )
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io("cannot read installation.json", e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_id_per_installation_adopting_a_profiles_old_one() {
        let dir = tempfile::tempdir().unwrap();
        let first = ofx_client_uid(dir.path(), None).unwrap();
        assert_eq!(first.len(), 36);
        assert_eq!(ofx_client_uid(dir.path(), None).unwrap(), first);
        assert_eq!(ofx_client_uid(dir.path(), Some("OLD".into())).unwrap(), first, "the installation's id stays");

        let older = tempfile::tempdir().unwrap();
        assert_eq!(ofx_client_uid(older.path(), Some("OLD".into())).unwrap(), "OLD");
        assert_eq!(ofx_client_uid(older.path(), None).unwrap(), "OLD");
        assert_ne!(ofx_client_uid(tempfile::tempdir().unwrap().path(), None).unwrap(), first);
    }

    #[test]
    fn a_damaged_file_is_named() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(FILE), b"{ not json").unwrap();
        let e = ofx_client_uid(dir.path(), None).unwrap_err();
        assert!(e.message().contains("installation.json"), "{}", e.message());
    }
}
