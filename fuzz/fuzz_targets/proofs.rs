//! Proof verification: inclusion and consistency proofs, signed
//! checkpoints and whole receipts built from arbitrary bytes must be
//! rejected with an error, never a panic; and a proof the fuzzer did not
//! take from a real tree must not verify against that tree's root.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use vpm_tlog::merkle::{self, Frontier, NodeMap};
use vpm_tlog::{Hash, LogKey};

#[derive(Debug, Arbitrary)]
enum Case<'a> {
    Inclusion {
        leaves: u8,
        index: u64,
        size: u64,
        proof: Vec<[u8; 32]>,
    },
    Consistency {
        leaves: u8,
        old: u64,
        new: u64,
        proof: Vec<[u8; 32]>,
    },
    Checkpoint(&'a str),
    Receipt(&'a str, &'a str),
}

/// A tree of 1 to 256 leaves: every node hash, and the leaves.
fn tree(leaves: u8) -> (NodeMap, Vec<Hash>) {
    let mut frontier = Frontier::default();
    let mut nodes = NodeMap::default();
    let mut hashes = Vec::new();
    for i in 0..=leaves {
        let leaf = vpm_tlog::hash::leaf_hash(&[i]);
        hashes.push(leaf);
        for (id, hash) in frontier.push(leaf) {
            nodes.insert(id, hash);
        }
    }
    (nodes, hashes)
}

fn root(leaves: &[Hash], size: u64) -> Hash {
    mth(&leaves[..(size as usize).min(leaves.len())])
}

/// RFC 9162's MTH by its definition: the slow reference the proofs are
/// held to (the crate's own copy is for its tests only).
fn mth(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => Hash::empty_tree(),
        1 => leaves[0],
        n => {
            let k = 1usize << (usize::BITS - 1 - (n - 1).leading_zeros());
            vpm_tlog::hash::node_hash(&mth(&leaves[..k]), &mth(&leaves[k..]))
        }
    }
}

fn key() -> LogKey {
    let signing = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
    LogKey::from_signing_key("fuzz.example/log", signing).unwrap()
}

fuzz_target!(|case: Case<'_>| {
    match case {
        Case::Inclusion {
            leaves,
            index,
            size,
            proof,
        } => {
            let (nodes, hashes) = tree(leaves);
            let proof: Vec<Hash> = proof.into_iter().map(Hash).collect();
            let leaf = hashes.get(index as usize).copied().unwrap_or(Hash([0; 32]));
            let root = root(&hashes, hashes.len() as u64);
            if merkle::verify_inclusion(index, size, &leaf, &proof, &root).is_ok() {
                // Only the true proof of a true leaf may verify.
                assert_eq!(size, hashes.len() as u64);
                let real = merkle::record_proof(index, size, |id| nodes.get(id)).unwrap();
                assert_eq!(proof, real);
            }
        }
        Case::Consistency {
            leaves,
            old,
            new,
            proof,
        } => {
            let (nodes, hashes) = tree(leaves);
            let proof: Vec<Hash> = proof.into_iter().map(Hash).collect();
            let size = hashes.len() as u64;
            let new_root = root(&hashes, size);
            let old_root = root(&hashes, old);
            let verified = merkle::verify_consistency(old, new, &old_root, &new_root, &proof);
            if verified.is_ok() && old > 0 && old < new {
                // Only the true proof between the true sizes may verify.
                assert_eq!(new, size);
                let real = merkle::tree_proof(old, new, |id| nodes.get(id)).unwrap();
                assert_eq!(proof, real);
            }
        }
        Case::Checkpoint(note) => {
            let _ = vpm_tlog::checkpoint::open(note, &key().verifier());
        }
        Case::Receipt(record, receipt) => {
            let (Ok(record), Ok(receipt)) = (
                serde_json::from_str::<serde_json::Value>(record),
                serde_json::from_str::<vpm_model::Receipt>(receipt),
            ) else {
                return;
            };
            let _ = vpm_tlog::receipt::check(&record, &receipt, &key().verifier());
        }
    }
});
