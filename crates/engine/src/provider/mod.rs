//! Providers: where transactions come from, and the connections to them. SimpleFIN Bridge and
//! OFX Direct Connect over HTTP, the demo (the sandbox bank, in-process, through the real
//! SimpleFIN client); a connection is one login holding accounts, its credentials in the
//! keychain (`connection`); extraction runs as durable jobs (`jobs`) from `refresh`, the async
//! half of the engine. What a provider returns goes into the vault through `crate::ingestion`.

pub(crate) mod connection;
pub(crate) mod http;
pub mod institutions;
pub(crate) mod jobs;
pub mod ofx;
pub(crate) mod refresh;
pub(crate) mod simplefin;
