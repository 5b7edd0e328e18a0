//! The directory of US banks' OFX Direct Connect endpoints shipped with the app (facts collected
//! by the ofxtools project; see the header of `data/ofx-institutions.tsv`).

use super::ofx::OfxBank;

const DIRECTORY: &str = include_str!("../../data/ofx-institutions.tsv");

/// Every bank in the directory.
pub fn all() -> Vec<OfxBank> {
    DIRECTORY
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("key\t"))
        .filter_map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            let [key, url, version, org, fid] = f[..] else { return None };
            Some(OfxBank {
                name: key.to_owned(),
                url: url.to_owned(),
                org: org.to_owned(),
                fid: fid.to_owned(),
                version: version.parse().unwrap_or(102),
            })
        })
        .collect()
}

/// Banks whose name contains `query` (case-insensitive); an exact name first.
pub fn search(query: &str) -> Vec<OfxBank> {
    let q = query.trim().to_lowercase();
    let mut found: Vec<OfxBank> = all().into_iter().filter(|b| b.name.to_lowercase().contains(&q)).collect();
    found.sort_by_key(|b| (b.name.to_lowercase() != q, b.name.len()));
    found
}

/// The bank of the directory with exactly this name: how the app's window names the bank to
/// sign on to, so that a page cannot aim a login at an address of its choosing.
pub fn named(name: &str) -> Option<OfxBank> {
    all().into_iter().find(|b| b.name == name)
}
