//! The OFX directory shipped with the app holds every bank of its source
//! (`shared/data/institutions/ofx-institutions.cfg`) that has an endpoint URL, with the same ORG
//! (none for a few), FID and version, and a search by a bank's name finds that bank first.

use std::collections::BTreeMap;

use spearmint_engine::provider::institutions;

use crate::common::shared_dir;

/// Each `[name]` section of the source with its `key = value` lines.
fn source() -> Vec<(String, BTreeMap<String, String>)> {
    let path = shared_dir().join("data/institutions/ofx-institutions.cfg");
    let cfg = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut sections: Vec<(String, BTreeMap<String, String>)> = Vec::new();
    for line in cfg.lines().map(str::trim).filter(|l| !l.starts_with('#')) {
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            sections.push((name.to_owned(), BTreeMap::new()));
        } else if let (Some((_, fields)), Some((key, value))) = (sections.last_mut(), line.split_once('=')) {
            fields.insert(key.trim().to_owned(), value.trim().to_owned());
        }
    }
    sections
}

#[test]
fn every_bank_with_an_endpoint_is_found_by_its_name() {
    let mut checked = 0;
    for (name, fields) in source() {
        let Some(url) = fields.get("url") else { continue };
        // Four in the source have no ORG: the sign-on leaves it out for them.
        let org = fields.get("org").cloned().unwrap_or_default();
        // A few brokerages sign on without a FID.
        let fid = fields.get("fid").cloned().unwrap_or_default();
        let found = institutions::search(&name);
        let first = found.first().unwrap_or_else(|| panic!("{name} is not in the directory"));
        assert_eq!((&first.name, &first.url, &first.org, &first.fid), (&name, url, &org, &fid), "{name}");
        if let Some(version) = fields.get("version") {
            assert_eq!(first.version.to_string(), *version, "{name}");
        }
        // In any case, and from part of the name.
        assert_eq!(institutions::search(&name.to_uppercase()).first().map(|b| &b.name), Some(&name));
        checked += 1;
    }
    assert_eq!(checked, institutions::all().len(), "the directory holds exactly the source's banks with a URL");
    assert!(checked > 500, "{checked}");
}

#[test]
fn an_unknown_name_finds_nothing() {
    assert!(institutions::search("First Bank of Nowhere").is_empty());
    assert!(!institutions::search("schwab").is_empty());
}
