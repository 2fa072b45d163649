//! The proofs the archive serves (made by `tlog_tiles` from the nodes our
//! stores keep, see `merkle.rs`), checked by Merkle-tree implementations
//! written elsewhere:
//!
//! * `tlog_tiles` (Cloudflare's port of Go's `golang.org/x/mod/sumdb/tlog`,
//!   the code behind the Go checksum database): `check_record` and
//!   `check_tree`;
//! * `ct-merkle` (an RFC 6962 implementation by Michael Rosenberg):
//!   `RootHash::verify_inclusion` and `verify_consistency`.
//!
//! Neither shares a line with ours, so a shared misreading of RFC 6962
//! would have to be made three times.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use ct_merkle::{ConsistencyProof, InclusionProof, RootHash};
use proptest::prelude::*;
use sha2_011::Sha256;
use vpm_tlog::Hash;
use vpm_tlog::hash::leaf_hash;
use vpm_tlog::merkle::{Frontier, NodeMap, record_proof, tree_proof};

fn tree(n: u64) -> (Vec<Vec<u8>>, Vec<Hash>, NodeMap, Vec<Hash>) {
    let data: Vec<Vec<u8>> = (0..n).map(|i| format!("record {i}").into_bytes()).collect();
    let mut frontier = Frontier::default();
    let mut map = NodeMap::default();
    let mut roots = vec![frontier.root()];
    let mut leaves = Vec::new();
    for d in &data {
        let leaf = leaf_hash(d);
        leaves.push(leaf);
        for (id, h) in frontier.push(leaf) {
            map.insert(id, h);
        }
        roots.push(frontier.root());
    }
    (data, leaves, map, roots)
}

fn tt(h: &Hash) -> tlog_tiles::Hash {
    tlog_tiles::Hash(h.0)
}

fn ct_digest(h: &Hash) -> ct_merkle::digest::Output<Sha256> {
    ct_merkle::digest::Output::<Sha256>::from(h.0)
}

fn check_inclusion(size: u64, index: u64) {
    let (data, leaves, map, roots) = tree(size);
    let root = roots[size as usize];
    let proof = record_proof(index, size, |id| map.get(id)).unwrap();

    let tt_proof: Vec<tlog_tiles::Hash> = proof.iter().map(tt).collect();
    tlog_tiles::check_record(
        &tt_proof,
        size,
        tt(&root),
        index,
        tt(&leaves[index as usize]),
    )
    .unwrap_or_else(|e| panic!("tlog_tiles rejects leaf {index} of {size}: {e:?}"));

    let ct_root = RootHash::<Sha256>::new(ct_digest(&root), size);
    let digests: Vec<_> = proof.iter().map(ct_digest).collect();
    ct_root
        .verify_inclusion(
            &data[index as usize],
            index,
            &InclusionProof::from_digests(digests.iter()),
        )
        .unwrap_or_else(|e| panic!("ct-merkle rejects leaf {index} of {size}: {e:?}"));
}

fn check_consistency(old: u64, new: u64) {
    let (_, _, map, roots) = tree(new);
    let proof = tree_proof(old, new, |id| map.get(id)).unwrap();

    let tt_proof: Vec<tlog_tiles::Hash> = proof.iter().map(tt).collect();
    tlog_tiles::check_tree(
        &tt_proof,
        new,
        tt(&roots[new as usize]),
        old,
        tt(&roots[old as usize]),
    )
    .unwrap_or_else(|e| panic!("tlog_tiles rejects {old} -> {new}: {e:?}"));

    let digests: Vec<_> = proof.iter().map(ct_digest).collect();
    RootHash::<Sha256>::new(ct_digest(&roots[new as usize]), new)
        .verify_consistency(
            &RootHash::<Sha256>::new(ct_digest(&roots[old as usize]), old),
            &ConsistencyProof::from_digests(digests.iter()),
        )
        .unwrap_or_else(|e| panic!("ct-merkle rejects {old} -> {new}: {e:?}"));
}

#[test]
fn every_inclusion_proof_of_small_trees() {
    for size in 1..=40 {
        for index in 0..size {
            check_inclusion(size, index);
        }
    }
}

#[test]
fn every_consistency_proof_of_small_trees() {
    for new in 1..=40 {
        for old in 1..new {
            check_consistency(old, new);
        }
    }
}

#[test]
fn roots_agree_with_ct_merkle() {
    let (data, _, _, roots) = tree(100);
    let mut ct = ct_merkle::mem_backed_tree::MemoryBackedTree::<Sha256, Vec<u8>>::new();
    for (i, d) in data.into_iter().enumerate() {
        ct.push(d);
        assert_eq!(ct.root().as_bytes().as_slice(), &roots[i + 1].0[..]);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn large_trees_agree(size in 1u64..3000, a in any::<u64>(), b in any::<u64>()) {
        check_inclusion(size, a % size);
        let old = 1 + b % size;
        check_consistency(old, size);
    }
}
