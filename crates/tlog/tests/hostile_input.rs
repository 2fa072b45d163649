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
