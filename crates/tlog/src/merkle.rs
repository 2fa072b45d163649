//! RFC 6962 / RFC 9162 §2.1 Merkle trees: tree heads, inclusion and
//! consistency proofs, over hashes kept in storage.
//!
//! A log stores the hash of every *perfect* subtree — a [`NodeId`] names
//! the 2^level leaves starting at `index · 2^level`. That is about two
//! hashes per leaf, and it is enough to answer any proof for any tree size
//! with O(log n) reads and no rehashing: every subtree a proof needs is
//! either perfect (one stored hash) or the right edge of a tree, which is a
//! short list of perfect subtrees ([`range_nodes`]).
//!
//! Proofs are therefore made in three steps that keep storage out of this
//! crate: *plan* which nodes are needed ([`inclusion_plan`],
//! [`consistency_plan`], [`root_plan`]), let the caller fetch them, then
//! *assemble* ([`assemble`]). `tlog_tiles`' `prove_record` and `prove_tree`
//! compute the same proofs, but through a synchronous `HashReader` called
//! in the middle of the computation; the archive's stores are async and
//! fetch every node of a proof in one query, which is why the planning is
//! kept here.
//!
//! Verification ([`verify_inclusion`], [`verify_consistency`]) is
//! `tlog_tiles`' `check_record` and `check_tree` (the port of Go's
//! `sumdb/tlog` that tile clients use), with our own, clearer errors for
//! out-of-range sizes and proofs of the wrong length. The tests hold the
//! proofs made here to `tlog_tiles` and to `ct-merkle`, a second,
//! independent RFC 6962 implementation (`tests/independent_verifiers.rs`).

use std::collections::HashMap;

use crate::hash::{Hash, node_hash};

/// A perfect subtree: leaves `[index · 2^level, (index + 1) · 2^level)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId {
    pub level: u8,
    pub index: u64,
}

impl NodeId {
    pub fn new(level: u8, index: u64) -> Self {
        Self { level, index }
    }

    /// The first leaf under this node.
    pub fn first_leaf(&self) -> u64 {
        self.index << self.level
    }

    /// The last leaf under this node: the leaf whose append completes it.
    pub fn last_leaf(&self) -> u64 {
        ((self.index + 1) << self.level) - 1
    }
}

/// Why a proof cannot be made or does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    #[error("leaf {index} is not in a tree of size {size}")]
    IndexOutOfRange { index: u64, size: u64 },
    #[error("a tree of size {old} cannot be checked against a smaller one of size {new}")]
    SizesOutOfOrder { old: u64, new: u64 },
    #[error("the proof has {got} hashes; a valid one has {expected}")]
    WrongLength { got: usize, expected: usize },
    #[error("the proof does not lead to the expected root(s)")]
    RootMismatch,
    #[error("the proof does not lead to the old tree's root")]
    OldRootMismatch,
    #[error("stored tree node (level {}, index {}) is missing", .0.level, .0.index)]
    MissingNode(NodeId),
}

/// The largest power of two strictly smaller than `n` (n ≥ 2): RFC 9162's `k`.
fn split_point(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1 << (63 - (n - 1).leading_zeros())
}

/// The perfect subtrees whose hashes, folded from the right, give the
/// RFC 9162 hash of leaves `[start, end)` — for the ranges that occur in
/// tree heads and proofs, whose `start` is aligned to their left part.
pub fn range_nodes(start: u64, end: u64) -> Vec<NodeId> {
    let mut nodes = Vec::new();
    let mut a = start;
    while a < end {
        let n = end - a;
        let size = if n.is_power_of_two() {
            n
        } else {
            split_point(n)
        };
        let level = size.trailing_zeros() as u8;
        nodes.push(NodeId::new(level, a >> level));
        a += size;
    }
    nodes
}

/// Folds perfect-subtree hashes (left to right) into the hash of their range.
pub fn fold_range(hashes: &[Hash]) -> Hash {
    let mut iter = hashes.iter().rev();
    let Some(last) = iter.next() else {
        return Hash::empty_tree();
    };
    iter.fold(*last, |right, left| node_hash(left, &right))
}

/// The nodes whose hashes give the root of a tree of `size` leaves.
pub fn root_plan(size: u64) -> Vec<NodeId> {
    range_nodes(0, size)
}

/// For each hash of the inclusion proof of leaf `index` in a tree of
/// `size`, bottom up: the nodes it is folded from.
pub fn inclusion_plan(index: u64, size: u64) -> Result<Vec<Vec<NodeId>>, ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    // PATH(m, D[lo:hi]) of RFC 9162 §2.1.3.1, unrolled from the top: each
    // step contributes the sibling range, and the proof lists them from the
    // bottom, so the ranges are collected top-down and reversed.
    let mut ranges = Vec::new();
    let (mut lo, mut hi) = (0, size);
    while hi - lo > 1 {
        let k = split_point(hi - lo);
        if index < lo + k {
            ranges.push((lo + k, hi));
            hi = lo + k;
        } else {
            ranges.push((lo, lo + k));
            lo += k;
        }
    }
    ranges.reverse();
    Ok(ranges.into_iter().map(|(a, b)| range_nodes(a, b)).collect())
}

/// For each hash of the consistency proof from `old_size` to `new_size`
/// (RFC 9162 §2.1.4.1), in order: the nodes it is folded from.
///
/// Empty when the sizes are equal or the old tree is empty: then there is
/// nothing to prove beyond comparing roots.
pub fn consistency_plan(old_size: u64, new_size: u64) -> Result<Vec<Vec<NodeId>>, ProofError> {
    if old_size > new_size {
        return Err(ProofError::SizesOutOfOrder {
            old: old_size,
            new: new_size,
        });
    }
    if old_size == 0 || old_size == new_size {
        return Ok(Vec::new());
    }
    // SUBPROOF(m, D[lo:hi], b), unrolled as for inclusion.
    let mut ranges = Vec::new();
    let (mut m, mut lo, mut hi, mut complete) = (old_size, 0u64, new_size, true);
    loop {
        let n = hi - lo;
        if m == n {
            if !complete {
                ranges.push((lo, hi));
            }
            break;
        }
        let k = split_point(n);
        if m <= k {
            ranges.push((lo + k, hi));
            hi = lo + k;
        } else {
            ranges.push((lo, lo + k));
            m -= k;
            lo += k;
            complete = false;
        }
    }
    ranges.reverse();
    Ok(ranges.into_iter().map(|(a, b)| range_nodes(a, b)).collect())
}

/// Turns a plan into hashes, reading each node through `lookup`.
pub fn assemble(
    plan: &[Vec<NodeId>],
    lookup: impl Fn(NodeId) -> Option<Hash>,
) -> Result<Vec<Hash>, ProofError> {
    plan.iter()
        .map(|nodes| {
            let hashes = nodes
                .iter()
                .map(|id| lookup(*id).ok_or(ProofError::MissingNode(*id)))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(fold_range(&hashes))
        })
        .collect()
}

/// Every node a plan needs, once each: what to fetch from storage.
pub fn plan_nodes<'a>(plans: impl IntoIterator<Item = &'a [Vec<NodeId>]>) -> Vec<NodeId> {
    let mut all: Vec<NodeId> = plans.into_iter().flatten().flatten().copied().collect();
    all.sort_unstable();
    all.dedup();
    all
}

fn tt(h: &Hash) -> tlog_tiles::Hash {
    tlog_tiles::Hash(h.0)
}

/// Checks that `leaf` is leaf `index` of the tree of `size` whose root is
/// `root` (RFC 9162 §2.1.3.2).
///
/// The check itself is `tlog_tiles::check_record` (Cloudflare's port of Go's
/// `sumdb/tlog`); ours only adds errors that say what is wrong (an index
/// outside the tree, a proof of the wrong length) before it runs.
pub fn verify_inclusion(
    index: u64,
    size: u64,
    leaf: &Hash,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let expected = inclusion_length(index, size);
    if proof.len() != expected {
        return Err(ProofError::WrongLength {
            got: proof.len(),
            expected,
        });
    }
    let proof: Vec<tlog_tiles::Hash> = proof.iter().map(tt).collect();
    tlog_tiles::check_record(&proof, size, tt(root), index, tt(leaf))
        .map_err(|_| ProofError::RootMismatch)
}

fn inclusion_length(index: u64, size: u64) -> usize {
    inclusion_plan(index, size).map(|p| p.len()).unwrap_or(0)
}

fn consistency_length(old: u64, new: u64) -> usize {
    consistency_plan(old, new).map(|p| p.len()).unwrap_or(0)
}

/// Checks that the tree of `new_size` leaves with root `new_root` extends
/// the tree of `old_size` leaves with root `old_root` (RFC 9162 §2.1.4.2).
///
/// The proof is checked by `tlog_tiles::check_tree`; the cases it does not
/// take (equal sizes, the empty old tree) and the length are checked here.
pub fn verify_consistency(
    old_size: u64,
    new_size: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> Result<(), ProofError> {
    if old_size > new_size {
        return Err(ProofError::SizesOutOfOrder {
            old: old_size,
            new: new_size,
        });
    }
    let expected = consistency_length(old_size, new_size);
    if proof.len() != expected {
        return Err(ProofError::WrongLength {
            got: proof.len(),
            expected,
        });
    }
    if old_size == new_size {
        return if old_root == new_root {
            Ok(())
        } else {
            Err(ProofError::RootMismatch)
        };
    }
    if old_size == 0 {
        // Every tree extends the empty one; RFC 9162 defines no proof for it.
        return if *old_root == Hash::empty_tree() {
            Ok(())
        } else {
            Err(ProofError::OldRootMismatch)
        };
    }
    let proof: Vec<tlog_tiles::Hash> = proof.iter().map(tt).collect();
    tlog_tiles::check_tree(&proof, new_size, tt(new_root), old_size, tt(old_root))
        .map_err(|_| ProofError::RootMismatch)
}

/// The right edge of a tree: the hashes of the perfect subtrees that make
/// up its leaves, largest first — all an append needs (a "compact range").
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Frontier {
    size: u64,
    /// (node, hash), levels strictly decreasing.
    nodes: Vec<(NodeId, Hash)>,
}

impl Frontier {
    /// The nodes the frontier of a tree of `size` leaves consists of.
    pub fn node_ids(size: u64) -> Vec<NodeId> {
        root_plan(size)
    }

    /// A frontier from its stored nodes, which must be exactly
    /// [`Frontier::node_ids`]`(size)`, in that order.
    pub fn from_nodes(size: u64, hashes: Vec<Hash>) -> Option<Self> {
        let ids = Self::node_ids(size);
        if ids.len() != hashes.len() {
            return None;
        }
        Some(Self {
            size,
            nodes: ids.into_iter().zip(hashes).collect(),
        })
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    /// Appends a leaf; returns every node the append completes, the leaf
    /// itself (level 0) first, then upwards.
    pub fn push(&mut self, leaf: Hash) -> Vec<(NodeId, Hash)> {
        let index = self.size;
        let mut completed = vec![(NodeId::new(0, index), leaf)];
        let mut current = (NodeId::new(0, index), leaf);
        while let Some((left_id, left)) = self.nodes.last().copied() {
            if left_id.level != current.0.level {
                break;
            }
            self.nodes.pop();
            let level = current.0.level + 1;
            current = (
                NodeId::new(level, index >> level),
                node_hash(&left, &current.1),
            );
            completed.push(current);
        }
        self.nodes.push(current);
        self.size += 1;
        completed
    }

    /// The root of the tree so far.
    pub fn root(&self) -> Hash {
        let hashes: Vec<Hash> = self.nodes.iter().map(|(_, h)| *h).collect();
        fold_range(&hashes)
    }

    /// The frontier's nodes, for a caller that keeps them.
    pub fn nodes(&self) -> impl Iterator<Item = (NodeId, Hash)> + '_ {
        self.nodes.iter().copied()
    }
}

/// Every node hash of a tree, in memory: for tests, small tools and the
/// appender's batch, which needs the nodes it has just made.
#[derive(Debug, Clone, Default)]
pub struct NodeMap(pub HashMap<NodeId, Hash>);

impl NodeMap {
    pub fn get(&self, id: NodeId) -> Option<Hash> {
        self.0.get(&id).copied()
    }

    pub fn insert(&mut self, id: NodeId, hash: Hash) {
        self.0.insert(id, hash);
    }
}

/// The RFC 9162 hash of a list of leaf hashes, by the definition (MTH);
/// slow, for tests and as the reference the stored-node paths are held to.
pub fn reference_root(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => Hash::empty_tree(),
        1 => leaves[0],
        n => {
            let k = split_point(n as u64) as usize;
            node_hash(&reference_root(&leaves[..k]), &reference_root(&leaves[k..]))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::leaf_hash;
    use proptest::prelude::*;

    fn leaves(n: u64) -> Vec<Hash> {
        (0..n).map(|i| leaf_hash(&i.to_be_bytes())).collect()
    }

    /// A whole tree grown through the frontier, with every node it stored.
    fn grow(n: u64) -> (Frontier, NodeMap, Vec<Hash>) {
        let leaves = leaves(n);
        let mut frontier = Frontier::default();
        let mut map = NodeMap::default();
        for leaf in &leaves {
            for (id, h) in frontier.push(*leaf) {
                map.insert(id, h);
            }
        }
        (frontier, map, leaves)
    }

    fn root_from_map(map: &NodeMap, size: u64) -> Hash {
        let hashes: Vec<Hash> = root_plan(size)
            .into_iter()
            .map(|id| map.get(id).unwrap())
            .collect();
        fold_range(&hashes)
    }

    #[test]
    fn rfc6962_reference_tree_roots() {
        // The test vectors of RFC 6962's reference implementation
        // (certificate-transparency, merkle_tree_test.cc): the leaf inputs
        // and the roots of the first eight prefixes of the tree.
        let inputs: [&[u8]; 8] = [
            b"",
            &[0x00],
            &[0x10],
            &[0x20, 0x21],
            &[0x30, 0x31],
            &[0x40, 0x41, 0x42, 0x43],
            &[0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57],
            &[
                0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d,
                0x6e, 0x6f,
            ],
        ];
        let roots = [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
            "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
            "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
            "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
        ];
        let mut frontier = Frontier::default();
        let mut all = Vec::new();
        for (input, root) in inputs.iter().zip(roots) {
            let leaf = leaf_hash(input);
            all.push(leaf);
            frontier.push(leaf);
            assert_eq!(frontier.root().to_hex(), root);
            assert_eq!(reference_root(&all).to_hex(), root);
        }
    }

    #[test]
    fn the_empty_tree_has_the_hash_of_nothing() {
        assert_eq!(Frontier::default().root(), Hash::empty_tree());
        assert_eq!(reference_root(&[]), Hash::empty_tree());
    }

    #[test]
    fn inclusion_proofs_for_every_leaf_of_every_small_tree() {
        let (_, map, leaves) = grow(70);
        for size in 1..=70u64 {
            let root = reference_root(&leaves[..size as usize]);
            assert_eq!(root_from_map(&map, size), root);
            for index in 0..size {
                let plan = inclusion_plan(index, size).unwrap();
                let proof = assemble(&plan, |id| map.get(id)).unwrap();
                verify_inclusion(index, size, &leaves[index as usize], &proof, &root)
                    .unwrap_or_else(|e| panic!("leaf {index} of {size}: {e}"));
                // The same proof does not place another leaf there.
                let other = leaf_hash(b"another leaf");
                assert!(verify_inclusion(index, size, &other, &proof, &root).is_err());
            }
        }
    }

    #[test]
    fn consistency_between_every_pair_of_small_sizes() {
        let (_, map, leaves) = grow(40);
        for new in 0..=40u64 {
            let new_root = reference_root(&leaves[..new as usize]);
            for old in 0..=new {
                let old_root = reference_root(&leaves[..old as usize]);
                let plan = consistency_plan(old, new).unwrap();
                let proof = assemble(&plan, |id| map.get(id)).unwrap();
                verify_consistency(old, new, &old_root, &new_root, &proof)
                    .unwrap_or_else(|e| panic!("{old} -> {new}: {e}"));
                if old > 0 && old < new {
                    // A tree that rewrote history is not consistent.
                    let forged = leaf_hash(b"forged");
                    let mut other = leaves[..new as usize].to_vec();
                    other[0] = forged;
                    let forged_root = reference_root(&other);
                    assert!(verify_consistency(old, new, &old_root, &forged_root, &proof).is_err());
                }
            }
        }
    }

    #[test]
    fn proofs_of_the_wrong_length_are_rejected() {
        let (_, map, leaves) = grow(13);
        let root = reference_root(&leaves);
        let proof = assemble(&inclusion_plan(5, 13).unwrap(), |id| map.get(id)).unwrap();
        let mut longer = proof.clone();
        longer.push(root);
        assert!(matches!(
            verify_inclusion(5, 13, &leaves[5], &longer, &root),
            Err(ProofError::WrongLength { .. })
        ));
        assert!(verify_inclusion(5, 13, &leaves[5], &proof[..proof.len() - 1], &root).is_err());
        assert!(verify_inclusion(13, 13, &leaves[5], &proof, &root).is_err());
        assert!(verify_consistency(7, 13, &root, &root, &[]).is_err());
        assert!(consistency_plan(9, 3).is_err());
    }

    #[test]
    fn the_frontier_reads_back_from_its_stored_nodes() {
        let (frontier, map, _) = grow(23);
        let ids = Frontier::node_ids(23);
        let hashes = ids.iter().map(|id| map.get(*id).unwrap()).collect();
        let restored = Frontier::from_nodes(23, hashes).unwrap();
        assert_eq!(restored, frontier);
        assert!(Frontier::from_nodes(23, vec![]).is_none());
    }

    #[test]
    fn node_ranges_match_their_leaves() {
        let id = NodeId::new(3, 5);
        assert_eq!((id.first_leaf(), id.last_leaf()), (40, 47));
        // Appending leaf 47 completes levels 0..=4 (48 = 0b110000).
        let (_, map, _) = grow(48);
        assert!(map.get(NodeId::new(4, 2)).is_some());
        assert!(map.get(NodeId::new(5, 0)).is_some());
        assert!(
            map.get(NodeId::new(5, 1)).is_none(),
            "leaves 32..=63 are not all there"
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn any_inclusion_proof_verifies_and_a_flipped_bit_fails(
            size in 1u64..600, pick in any::<u64>(), bit in 0usize..256, which in any::<usize>()
        ) {
            let (_, map, leaves) = grow(size);
            let index = pick % size;
            let root = reference_root(&leaves);
            let proof = assemble(&inclusion_plan(index, size).unwrap(), |id| map.get(id)).unwrap();
            prop_assert!(verify_inclusion(index, size, &leaves[index as usize], &proof, &root).is_ok());
            if !proof.is_empty() {
                let mut bad = proof.clone();
                let i = which % bad.len();
                bad[i].0[bit / 8] ^= 1 << (bit % 8);
                prop_assert!(verify_inclusion(index, size, &leaves[index as usize], &bad, &root).is_err());
            }
            let mut bad_root = root;
            bad_root.0[bit / 8] ^= 1 << (bit % 8);
            prop_assert!(verify_inclusion(index, size, &leaves[index as usize], &proof, &bad_root).is_err());
        }

        #[test]
        fn any_consistency_proof_verifies_and_a_flipped_bit_fails(
            new in 1u64..600, pick in any::<u64>(), bit in 0usize..256, which in any::<usize>()
        ) {
            let (_, map, leaves) = grow(new);
            let old = 1 + pick % new;
            let old_root = reference_root(&leaves[..old as usize]);
            let new_root = reference_root(&leaves);
            let proof = assemble(&consistency_plan(old, new).unwrap(), |id| map.get(id)).unwrap();
            prop_assert!(verify_consistency(old, new, &old_root, &new_root, &proof).is_ok());
            if !proof.is_empty() {
                let mut bad = proof.clone();
                let i = which % bad.len();
                bad[i].0[bit / 8] ^= 1 << (bit % 8);
                prop_assert!(verify_consistency(old, new, &old_root, &new_root, &bad).is_err());
            }
            let mut bad_old = old_root;
            bad_old.0[bit / 8] ^= 1 << (bit % 8);
            prop_assert!(verify_consistency(old, new, &bad_old, &new_root, &proof).is_err());
        }
    }
}
