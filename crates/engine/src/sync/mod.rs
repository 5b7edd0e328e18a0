//! Sync on the device: merging other devices' changes into the vault ([`merge`]), sealing and
//! opening records ([`seal`]), the client that sets up, joins and syncs ([`client`]), and the
//! budget's keys over time: rotation, a new recovery phrase ([`keys`]); snapshots a new device
//! starts from and the server compacts records into ([`snapshot`]).

pub(crate) mod client;
mod keys;
pub(crate) mod merge;

pub(crate) mod seal;
mod snapshot;

#[cfg(test)]
mod seal_tests;
#[cfg(test)]
mod tests;
