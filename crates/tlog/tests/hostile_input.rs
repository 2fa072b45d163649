//! Whatever bytes arrive — a corrupted export, a forged checkpoint, a
//! record that is not one — the verifier answers with an error, never a
//! panic. (The same entry points a fuzz target would drive.)

#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use vpm_tlog::{LogKey, audit, checkpoint, record};

static KEY: std::sync::LazyLock<LogKey> =
    std::sync::LazyLock::new(|| LogKey::generate("fuzz.example/log").unwrap());

fn key() -> LogKey {
    KEY.clone()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_exports_are_rejected_without_panicking(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        prop_assert!(audit::audit_export(bytes.as_slice(), &key().verifier(), 2).is_err());
    }

    #[test]
    fn random_checkpoints_are_rejected_without_panicking(text in ".{0,400}") {
        prop_assert!(checkpoint::open(&text, &key().verifier()).is_err());
    }

    #[test]
    fn random_json_is_not_a_signed_record(json in "[\\[\\]{}\":,a-z0-9 ]{0,300}") {
        if let Ok(value) = serde_json::from_str::<serde_json::Value>(&json) {
            prop_assert!(record::check(&value, &key().verifier()).is_err());
        }
    }

    #[test]
    fn export_lines_with_hostile_fields_are_errors(index in any::<u64>(), nodes in proptest::collection::vec(".{0,70}", 0..5)) {
        let header = serde_json::json!({"kind": "header", "format": "vpm-log-export-v1", "origin": "fuzz.example/log",
            "verifier_key": key().verifier().verifier_key(), "tree_size": 1,
            "checkpoint": vpm_tlog::TreeHead { origin: "fuzz.example/log", size: 1, root: vpm_tlog::Hash::default() }.sign(&key()).unwrap()});
        let entry = serde_json::json!({"kind": "entry", "leaf_index": index, "record_id": "x", "logged_at": "", "nodes": nodes, "signed_record": {"record": {}, "signature": {}}});
        let text = format!("{header}\n{entry}\n{{\"kind\":\"end\",\"tree_size\":1}}\n");
        prop_assert!(audit::audit_export(text.as_bytes(), &key().verifier(), 1).is_err());
    }
}

/// Sizes and indexes near 2^64, as a forged proof or request carries them:
/// the stored-node arithmetic would overflow (a panic with overflow checks,
/// a wrong node without), so they are refused before any of it runs.
/// (`fuzz/fuzz_targets/proofs.rs` found the overflow in `verify_inclusion`.)
#[test]
fn tree_sizes_beyond_the_limit_are_errors_not_overflows() {
    use vpm_tlog::merkle::{self, MAX_TREE_SIZE, ProofError};
    let h = vpm_tlog::Hash([0x17; 32]);
    let huge = [u64::MAX, u64::MAX - 1, 1 << 63, MAX_TREE_SIZE + 1];
    for size in huge {
        let too_large =
            |r: Result<_, ProofError>| matches!(r, Err(ProofError::TreeTooLarge { .. }));
        assert!(
            too_large(merkle::verify_inclusion(4, size, &h, &[h], &h).map(|_| ())),
            "{size}"
        );
        assert!(too_large(
            merkle::verify_inclusion(size - 1, size, &h, &[], &h).map(|_| ())
        ));
        assert!(too_large(
            merkle::verify_consistency(3, size, &h, &h, &[h]).map(|_| ())
        ));
        assert!(too_large(
            merkle::record_proof_nodes(size - 1, size).map(|_| ())
        ));
        assert!(too_large(
            merkle::record_proof(0, size, |_| Some(h)).map(|_| ())
        ));
        assert!(too_large(merkle::tree_proof_nodes(1, size).map(|_| ())));
        assert!(too_large(
            merkle::tree_proof(1, size, |_| Some(h)).map(|_| ())
        ));
        assert!(too_large(merkle::root(size, |_| Some(h)).map(|_| ())));
        assert!(merkle::root_nodes(size).is_empty());
        assert!(merkle::Frontier::from_nodes(size, vec![]).is_none());
    }
    // The limit itself is a tree like any other: its last leaf has a proof
    // of 62 hashes and the arithmetic stays in range.
    let nodes = merkle::record_proof_nodes(MAX_TREE_SIZE - 1, MAX_TREE_SIZE).unwrap();
    assert_eq!(nodes.len(), 62);
    assert!(matches!(
        merkle::verify_inclusion(MAX_TREE_SIZE - 1, MAX_TREE_SIZE, &h, &[h; 62], &h),
        Err(ProofError::RootMismatch)
    ));
    assert_eq!(merkle::root_nodes(MAX_TREE_SIZE).len(), 1);
}
