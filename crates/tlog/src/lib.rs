//! Everything needed to check the archive without the archive: RFC 6962 /
//! RFC 9162 Merkle trees and proofs, C2SP signed checkpoints, signed
//! provenance records, receipts and whole exported logs.
//!
//! This crate has no database, no HTTP and no async in it, so that the
//! offline verifier (`vpm verify`), a fuzz target and the archivist itself
//! all run the very same code. The archivist uses it to build what it
//! stores; `vpm verify` uses it to distrust what the archivist served.
//!
//! * [`hash`]: the SHA-256 hash type and the RFC 6962 leaf/node hashes;
//! * [`merkle`]: tree heads, inclusion and consistency proofs, and the
//!   compact range ([`merkle::Frontier`]) an append-only tree grows by;
//! * [`key`]: Ed25519 keys in PKCS#8 PEM and the signed-note key encodings;
//! * [`checkpoint`]: C2SP `tlog-checkpoint`s in C2SP signed notes;
//! * [`canonical`]: RFC 8785 (JCS) canonical JSON;
//! * [`record`]: signing and checking a provenance record, and its leaf;
//! * [`receipt`]: checking a record against its receipt;
//! * [`tiles`]: C2SP tlog-tiles paths and entry bundles;
//! * [`audit`]: the export format and the streaming audit of a whole log.

pub mod audit;
pub mod canonical;
pub mod checkpoint;
pub mod hash;
pub mod key;
pub mod merkle;
pub mod receipt;
pub mod record;
pub mod tiles;

pub use checkpoint::{CheckpointError, TreeHead};
pub use hash::Hash;
pub use key::{KeyError, LogKey, LogVerifier};
