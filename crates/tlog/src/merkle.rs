//! RFC 6962 / RFC 9162 §2.1 Merkle trees over stored hashes: tree heads,
//! inclusion and consistency proofs, and the right edge an append-only tree
//! grows by.
//!
//! The tree arithmetic is `tlog_tiles`' (Cloudflare's port of Go's
//! `sumdb/tlog`, which tile clients and witnesses run): which hashes a
//! leaf's append stores (`stored_hashes_for_record_hash`), a tree's hash
//! (`tree_hash`), proofs (`prove_record`, `prove_tree`) and their checks
//! (`check_record`, `check_tree`). What is ours is only the glue:
//!
//! * [`NodeId`]: a stored hash named by `(level, index)`, the key of the
//!   archive's `tree_nodes` table and of hash tiles, beside `tlog_tiles`'
//!   dense "stored hash index";
//! * the split of each proof into *which nodes* ([`record_proof_nodes`],
//!   [`tree_proof_nodes`], [`root_nodes`]) and *the proof from them*
//!   ([`record_proof`], [`tree_proof`], [`root`]): the archive's stores are
//!   async and fetch a proof's nodes in one query, while `tlog_tiles` reads
//!   them through a synchronous `HashReader` in the middle of the proof.
//!   Each function runs `tlog_tiles`' own proof twice: once with a reader
//!   that writes down what is asked (so the plan *is* `tlog_tiles`'), once
//!   over the fetched hashes;
//! * [`Frontier`]: the tree's right edge in memory, so an append reads
//!   nothing from storage;
//! * [`verify_inclusion`] and [`verify_consistency`]: `check_record` and
//!   `check_tree` with errors that say what is wrong.
//!
//! The tests hold the results to the RFC's own test vectors and to
//! `ct-merkle`, an independent RFC 6962 implementation
//! (`tests/independent_verifiers.rs`).

use std::cell::{Cell, RefCell};
use std::collections::HashMap;

use tlog_tiles::HashReader;

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

    /// `tlog_tiles`' name for this node: its place in the dense order the
    /// hashes are stored in (Crosby and Wallach, §3.3).
    fn stored_index(&self) -> u64 {
        tlog_tiles::stored_hash_index(self.level, self.index)
    }

    /// The node a stored-hash index names. Only indexes `tlog_tiles`
    /// computed itself reach this, so they are valid.
    fn from_stored_index(index: u64) -> Self {
        let (level, index) = tlog_tiles::split_stored_hash_index(index);
        Self { level, index }
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
    #[error("a tree of size {size} is larger than the {MAX_TREE_SIZE} leaves a log may hold")]
    TreeTooLarge { size: u64 },
    #[error("the Merkle tree library failed: {0}")]
    Library(String),
}

/// The most leaves a tree may have: 2^62. A stored node's index is about
/// twice the leaves before it, so beyond this the index arithmetic (ours
/// and `tlog_tiles`') would overflow. Sizes read from a request, a proof or
/// a checkpoint are held to it before any arithmetic is done with them.
pub const MAX_TREE_SIZE: u64 = 1 << 62;

fn check_size(size: u64) -> Result<(), ProofError> {
    if size > MAX_TREE_SIZE {
        return Err(ProofError::TreeTooLarge { size });
    }
    Ok(())
}

fn tt(h: &Hash) -> tlog_tiles::Hash {
    tlog_tiles::Hash(h.0)
}

fn ours(h: &tlog_tiles::Hash) -> Hash {
    Hash(h.0)
}

/// A reader that answers every read with zeros and writes down what was
/// asked: running a `tlog_tiles` proof over it yields the proof's plan.
#[derive(Default)]
struct Planner(RefCell<Vec<u64>>);

impl HashReader for Planner {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<tlog_tiles::Hash>, tlog_tiles::Error> {
        self.0.borrow_mut().extend_from_slice(indexes);
        Ok(vec![tlog_tiles::Hash([0; 32]); indexes.len()])
    }
}

impl Planner {
    fn nodes(self) -> Vec<NodeId> {
        self.0
            .into_inner()
            .into_iter()
            .map(NodeId::from_stored_index)
            .collect()
    }
}

/// A reader over hashes the caller fetched; remembers the first missing one.
struct Fetched<F> {
    lookup: F,
    missing: Cell<Option<NodeId>>,
}

impl<F: Fn(NodeId) -> Option<Hash>> Fetched<F> {
    fn new(lookup: F) -> Self {
        Self {
            lookup,
            missing: Cell::new(None),
        }
    }

    fn error(&self, e: &tlog_tiles::Error) -> ProofError {
        match self.missing.get() {
            Some(id) => ProofError::MissingNode(id),
            None => ProofError::Library(e.to_string()),
        }
    }
}

impl<F: Fn(NodeId) -> Option<Hash>> HashReader for Fetched<F> {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<tlog_tiles::Hash>, tlog_tiles::Error> {
        indexes
            .iter()
            .map(|i| {
                let id = NodeId::from_stored_index(*i);
                (self.lookup)(id).map(|h| tt(&h)).ok_or_else(|| {
                    self.missing.set(Some(id));
                    tlog_tiles::Error::IndexesNotInTree
                })
            })
            .collect()
    }
}

/// The stored nodes the root of a tree of `size` leaves is folded from.
///
/// Empty for a size beyond [`MAX_TREE_SIZE`], which has no stored nodes.
pub fn root_nodes(size: u64) -> Vec<NodeId> {
    if check_size(size).is_err() {
        return Vec::new();
    }
    let planner = Planner::default();
    // Reading from the planner cannot fail.
    let _ = tlog_tiles::tree_hash(size, &planner);
    planner.nodes()
}

/// The root of a tree of `size` leaves, from its stored nodes.
pub fn root(size: u64, lookup: impl Fn(NodeId) -> Option<Hash>) -> Result<Hash, ProofError> {
    check_size(size)?;
    let reader = Fetched::new(lookup);
    tlog_tiles::tree_hash(size, &reader)
        .map(|h| ours(&h))
        .map_err(|e| reader.error(&e))
}

/// The stored nodes the inclusion proof of leaf `index` in a tree of
/// `size` is made from.
pub fn record_proof_nodes(index: u64, size: u64) -> Result<Vec<NodeId>, ProofError> {
    check_size(size)?;
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let planner = Planner::default();
    tlog_tiles::prove_record(size, index, &planner)
        .map_err(|e| ProofError::Library(e.to_string()))?;
    Ok(planner.nodes())
}

/// The inclusion proof (RFC 9162 §2.1.3.1 audit path, from the leaf up) of
/// leaf `index` in a tree of `size`, from its stored nodes.
pub fn record_proof(
    index: u64,
    size: u64,
    lookup: impl Fn(NodeId) -> Option<Hash>,
) -> Result<Vec<Hash>, ProofError> {
    check_size(size)?;
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let reader = Fetched::new(lookup);
    let proof = tlog_tiles::prove_record(size, index, &reader).map_err(|e| reader.error(&e))?;
    Ok(proof.iter().map(ours).collect())
}

fn check_sizes(old_size: u64, new_size: u64) -> Result<(), ProofError> {
    check_size(new_size)?;
    if old_size > new_size {
        return Err(ProofError::SizesOutOfOrder {
            old: old_size,
            new: new_size,
        });
    }
    Ok(())
}

/// The stored nodes the consistency proof from `old_size` to `new_size`
/// is made from. None when the old tree is empty: RFC 9162 has no proof
/// for it (every tree extends the empty one).
pub fn tree_proof_nodes(old_size: u64, new_size: u64) -> Result<Vec<NodeId>, ProofError> {
    check_sizes(old_size, new_size)?;
    if old_size == 0 {
        return Ok(Vec::new());
    }
    let planner = Planner::default();
    tlog_tiles::prove_tree(new_size, old_size, &planner)
        .map_err(|e| ProofError::Library(e.to_string()))?;
    Ok(planner.nodes())
}

/// The consistency proof (RFC 9162 §2.1.4.1) from `old_size` to
/// `new_size`, from stored nodes; empty when the sizes are equal or the old
/// tree is empty.
pub fn tree_proof(
    old_size: u64,
    new_size: u64,
    lookup: impl Fn(NodeId) -> Option<Hash>,
) -> Result<Vec<Hash>, ProofError> {
    check_sizes(old_size, new_size)?;
    if old_size == 0 {
        return Ok(Vec::new());
    }
    let reader = Fetched::new(lookup);
    let proof =
        tlog_tiles::prove_tree(new_size, old_size, &reader).map_err(|e| reader.error(&e))?;
    Ok(proof.iter().map(ours).collect())
}

/// Checks that `leaf` is leaf `index` of the tree of `size` whose root is
/// `root` (RFC 9162 §2.1.3.2).
///
/// The check itself is `tlog_tiles::check_record`; ours only adds errors
/// that say what is wrong (an index outside the tree, a proof of the wrong
/// length) before it runs.
pub fn verify_inclusion(
    index: u64,
    size: u64,
    leaf: &Hash,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), ProofError> {
    check_size(size)?;
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    // The length a proof has is the length of the one `tlog_tiles` makes.
    let expected = tlog_tiles::prove_record(size, index, &Planner::default())
        .map(|p| p.len())
        .unwrap_or(0);
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
    check_sizes(old_size, new_size)?;
    let expected = if old_size == 0 {
        0
    } else {
        tlog_tiles::prove_tree(new_size, old_size, &Planner::default())
            .map(|p| p.len())
            .unwrap_or(0)
    };
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
/// The hashes an append stores and the root are `tlog_tiles`'
/// (`stored_hashes_for_record_hash`, `tree_hash`), read from here.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Frontier {
    size: u64,
    /// (node, hash), levels strictly decreasing.
    nodes: Vec<(NodeId, Hash)>,
}

impl HashReader for Frontier {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<tlog_tiles::Hash>, tlog_tiles::Error> {
        indexes
            .iter()
            .map(|i| {
                self.nodes
                    .iter()
                    .find(|(n, _)| n.stored_index() == *i)
                    .map(|(_, h)| tt(h))
                    .ok_or(tlog_tiles::Error::IndexesNotInTree)
            })
            .collect()
    }
}

impl Frontier {
    /// The nodes the frontier of a tree of `size` leaves consists of.
    pub fn node_ids(size: u64) -> Vec<NodeId> {
        root_nodes(size)
    }

    /// A frontier from its stored nodes, which must be exactly
    /// [`Frontier::node_ids`]`(size)`, in that order.
    pub fn from_nodes(size: u64, hashes: Vec<Hash>) -> Option<Self> {
        check_size(size).ok()?;
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
        // The frontier holds every hash the append reads (the left
        // siblings of the nodes it completes), so the read cannot fail;
        // if it ever did, the fold below computes the same hashes.
        let stored = tlog_tiles::stored_hashes_for_record_hash(index, tt(&leaf), &*self)
            .map(|hashes| hashes.iter().map(ours).collect::<Vec<_>>())
            .unwrap_or_else(|_| self.fold(leaf));
        let completed: Vec<(NodeId, Hash)> = stored
            .into_iter()
            .enumerate()
            .map(|(level, h)| {
                // At most 64 levels: the cast cannot truncate.
                let level = level as u8;
                (NodeId::new(level, index >> level), h)
            })
            .collect();
        // Completing level l consumed the l frontier nodes below it.
        let consumed = completed.len() - 1;
        self.nodes.truncate(self.nodes.len() - consumed);
        if let Some(top) = completed.last() {
            self.nodes.push(*top);
        }
        self.size += 1;
        completed
    }

    /// The hashes an append completes, folded directly (the fallback of
    /// [`Frontier::push`]).
    fn fold(&self, leaf: Hash) -> Vec<Hash> {
        let mut out = vec![leaf];
        let mut current = leaf;
        for level in 0..(self.size + 1).trailing_zeros() {
            let Some((_, left)) = self.nodes.iter().rev().nth(level as usize) else {
                break;
            };
            current = node_hash(left, &current);
            out.push(current);
        }
        out
    }

    /// The root of the tree so far.
    pub fn root(&self) -> Hash {
        root(self.size, |id| {
            self.nodes.iter().find(|(n, _)| *n == id).map(|(_, h)| *h)
        })
        .unwrap_or_else(|_| Hash::empty_tree())
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

/// The RFC 9162 hash of a list of leaf hashes, by the definition (MTH):
/// slow, the reference the stored-node paths are held to in tests.
#[cfg(test)]
fn reference_root(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => Hash::empty_tree(),
        1 => leaves[0],
        n => {
            let k = 1usize << (usize::BITS - 1 - (n - 1).leading_zeros());
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
        root(size, |id| map.get(id)).unwrap()
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
                let proof = record_proof(index, size, |id| map.get(id)).unwrap();
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
                let proof = tree_proof(old, new, |id| map.get(id)).unwrap();
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
        let proof = record_proof(5, 13, |id| map.get(id)).unwrap();
        let mut longer = proof.clone();
        longer.push(root);
        assert!(matches!(
            verify_inclusion(5, 13, &leaves[5], &longer, &root),
            Err(ProofError::WrongLength { .. })
        ));
        assert!(verify_inclusion(5, 13, &leaves[5], &proof[..proof.len() - 1], &root).is_err());
        assert!(verify_inclusion(13, 13, &leaves[5], &proof, &root).is_err());
        assert!(verify_consistency(7, 13, &root, &root, &[]).is_err());
        assert!(tree_proof_nodes(9, 3).is_err());
        assert!(record_proof_nodes(13, 13).is_err());
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
    fn a_plan_names_exactly_the_nodes_its_proof_reads() {
        let (_, map, _) = grow(300);
        let wanted = RefCell::new(Vec::new());
        let read = |id: NodeId| {
            wanted.borrow_mut().push(id);
            map.get(id)
        };
        for size in [1u64, 2, 7, 64, 129, 300] {
            for index in [0, size / 3, size - 1] {
                record_proof(index, size, read).unwrap();
                assert_eq!(record_proof_nodes(index, size).unwrap(), wanted.take());
            }
            for old in [1, size / 2, size] {
                let old = old.max(1);
                tree_proof(old, size, read).unwrap();
                assert_eq!(tree_proof_nodes(old, size).unwrap(), wanted.take());
            }
            root(size, read).unwrap();
            assert_eq!(root_nodes(size), wanted.take());
        }
    }

    #[test]
    fn a_missing_stored_node_is_named() {
        let (_, map, _) = grow(20);
        let gone = record_proof_nodes(3, 20).unwrap()[1];
        let lookup = |id: NodeId| if id == gone { None } else { map.get(id) };
        assert_eq!(
            record_proof(3, 20, lookup),
            Err(ProofError::MissingNode(gone))
        );
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
            let proof = record_proof(index, size, |id| map.get(id)).unwrap();
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
            let proof = tree_proof(old, new, |id| map.get(id)).unwrap();
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
