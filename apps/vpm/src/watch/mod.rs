//! The watcher's parts that are not the command line: which changes count
//! ([`relevance`]), waiting for them ([`changes`]), and telling a new
//! snapshot from the one already archived ([`fingerprint`]). The loop that
//! ties them to the pipeline is `vpm watch` ([`crate::commands::watch`]).

pub mod changes;
pub mod fingerprint;
pub mod relevance;

pub use changes::{Batch, Changes};
pub use fingerprint::Fingerprint;
pub use relevance::Relevance;
