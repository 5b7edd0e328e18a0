//! Sync on the device: merging other devices' changes into the vault ([`merge`]). Sealing,
//! the outbox and inbox and the HTTP client come next (see the sync issue).

// The sync client, which runs it, is not built yet: until it is, only the tests call it.
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) mod merge;

#[cfg_attr(not(test), allow(dead_code))]
pub(crate) mod seal;

#[cfg(test)]
mod seal_tests;
#[cfg(test)]
mod tests;
