//! Sync on the device: merging other devices' changes into the vault ([`merge`]), sealing and
//! opening records ([`seal`]), and the client that sets up, joins and syncs ([`client`]).

pub(crate) mod client;
pub(crate) mod merge;

pub(crate) mod seal;

#[cfg(test)]
mod seal_tests;
#[cfg(test)]
mod tests;
