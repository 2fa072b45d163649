//! SHA-256 hashes and the two RFC 6962 hash functions.
//!
//! RFC 6962 §2.1 separates leaves from interior nodes with a one-byte prefix
//! (0x00 for a leaf, 0x01 for a node) so that no interior node can be
//! passed off as a leaf (a second-preimage attack on the tree).

use std::fmt;
use std::str::FromStr;

use sha2::{Digest, Sha256};

/// A SHA-256 digest: a leaf hash, a node hash, a root.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Hash(pub [u8; 32]);

impl Hash {
    /// SHA-256 of `bytes`.
    pub fn of(bytes: &[u8]) -> Self {
        Self(Sha256::digest(bytes).into())
    }

    /// The root of the empty tree: SHA-256 of nothing (RFC 9162 §2.1.1).
    pub fn empty_tree() -> Self {
        Self::of(b"")
    }

    pub fn to_hex(&self) -> String {
        let mut digits = [0u8; 64];
        // 64 digits for 32 bytes: the slice is the right length.
        if hex::encode_to_slice(self.0, &mut digits).is_err() {
            return hex::encode(self.0);
        }
        // Hex digits are ASCII: nothing is replaced.
        String::from_utf8_lossy(&digits).into_owned()
    }

    pub fn to_base64(&self) -> String {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(self.0)
    }

    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        bytes.try_into().ok().map(Self)
    }
}

impl fmt::Debug for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash({})", self.to_hex())
    }
}

impl fmt::Display for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

/// A hash that is not 64 hex digits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a SHA-256 hash (expected 64 hex digits): {0:?}")]
pub struct BadHash(pub String);

impl FromStr for Hash {
    type Err = BadHash;
    /// Parses 64 hex digits (either case).
    fn from_str(s: &str) -> Result<Self, BadHash> {
        let mut out = [0u8; 32];
        hex::decode_to_slice(s, &mut out).map_err(|_| BadHash(truncate(s)))?;
        Ok(Self(out))
    }
}

fn truncate(s: &str) -> String {
    s.chars().take(80).collect()
}

/// RFC 6962 leaf hash: SHA-256(0x00 ‖ data).
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0x00]);
    h.update(data);
    Hash(h.finalize().into())
}

/// RFC 6962 interior node hash: SHA-256(0x01 ‖ left ‖ right).
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([0x01]);
    h.update(left.0);
    h.update(right.0);
    Hash(h.finalize().into())
}

/// SHA-256 of `bytes` as 64 lowercase hex digits: the content hashes of
/// records, inputs and attachments.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Hash::of(bytes).to_hex()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_answers() {
        // SHA-256("") and the RFC 6962 hash of an empty leaf, as every CT
        // implementation computes them.
        assert_eq!(
            Hash::empty_tree().to_hex(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            leaf_hash(b"").to_hex(),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
        );
    }

    #[test]
    fn parses_its_own_hex_and_rejects_other_text() {
        let h = leaf_hash(b"x");
        assert_eq!(h.to_hex().parse::<Hash>().unwrap(), h);
        assert_eq!(h.to_hex().to_uppercase().parse::<Hash>().unwrap(), h);
        assert!("abc".parse::<Hash>().is_err());
        assert!(format!("{}zz", &h.to_hex()[..62]).parse::<Hash>().is_err());
    }

    #[test]
    fn leaf_and_node_hashes_differ_on_the_same_bytes() {
        let (a, b) = (Hash::of(b"a"), Hash::of(b"b"));
        let mut joined = a.0.to_vec();
        joined.extend_from_slice(&b.0);
        assert_ne!(leaf_hash(&joined), node_hash(&a, &b));
    }
}
