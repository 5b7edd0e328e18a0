//! Providers: where transactions come from. SimpleFIN Bridge and OFX Direct Connect over HTTP,
//! the demo (the sandbox bank, in-process, through the real SimpleFIN client), and files.

pub(crate) mod http;
pub mod institutions;
pub mod ofx;
pub(crate) mod simplefin;
