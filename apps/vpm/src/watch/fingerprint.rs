//! What makes two snapshots "the same" for the watcher.
//!
//! A snapshot is a pure function of the folder and the as-of date, except
//! for `generated_at` (SYSTEM.md); the rest of a run's record (trace id,
//! each cell's start and end times, the rendered views that print the
//! time) differs on every run. So two runs whose snapshot documents agree
//! once `generated_at` is removed have nothing new to record.
//!
//! The fingerprint is the SHA-256 of that document's RFC 8785 canonical
//! JSON. It is computed the same way from a fresh snapshot and from the
//! document inside the newest archived record, so the watcher asks the
//! archive what it last recorded instead of remembering it, and a restart
//! does not archive the same content again. Fractional numbers (the
//! summary's quality scores) are rounded to nine significant digits first:
//! they reach the archive through JSON text, sometimes several times over
//! HTTP, and a last-bit difference in parsing them must not count as a
//! change.

use serde_json::Value;
use vpm_model::PmSnapshot;
use vpm_tlog::Hash;

/// The field allowed to differ between two runs on the same input.
const RUN_TIME: &str = "generated_at";

/// The content of a snapshot, without the time it was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fingerprint(Hash);

impl Fingerprint {
    /// The fingerprint of a snapshot as the pipeline produced it.
    pub fn of_snapshot(snapshot: &PmSnapshot) -> Result<Self, String> {
        let document = serde_json::to_value(snapshot).map_err(|e| e.to_string())?;
        Self::of_document(document)
    }

    /// The fingerprint of a `pm_snapshot_v1` document read back as JSON
    /// (from an archived record).
    pub fn of_document(mut document: Value) -> Result<Self, String> {
        let Value::Object(fields) = &mut document else {
            return Err("the snapshot is not a JSON object".to_owned());
        };
        fields.remove(RUN_TIME);
        round_fractions(&mut document);
        let canonical = vpm_tlog::canonical::to_canonical(&document).map_err(|e| e.to_string())?;
        Ok(Self(Hash::of(&canonical)))
    }

    /// The snapshot inside a signed record as the archive stores and
    /// serves it (`{"record": {"subject": {"kind", "document"}}, ...}`);
    /// `None` when the record is about something else.
    /// `document` is the one served beside a version 2 record (which
    /// commits to its hash); without it, the one inline in a version 1
    /// record.
    pub fn of_signed_record(
        signed_record: &Value,
        document: Option<Value>,
    ) -> Result<Option<Self>, String> {
        let subject = &signed_record["record"]["subject"];
        if subject["kind"] != "pm_snapshot_v1" {
            return Ok(None);
        }
        let document = document.unwrap_or_else(|| subject["document"].clone());
        Self::of_document(document).map(Some)
    }
}

/// Every non-integer number rewritten to nine significant digits.
fn round_fractions(value: &mut Value) {
    match value {
        Value::Number(n) if n.is_f64() => {
            if let Some(rounded) = n
                .as_f64()
                .and_then(|x| format!("{x:.8e}").parse::<f64>().ok())
                .and_then(serde_json::Number::from_f64)
            {
                *n = rounded;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(round_fractions),
        Value::Object(fields) => fields.values_mut().for_each(round_fractions),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn document(generated_at: &str, title: &str, score: f64) -> Value {
        json!({
            "schema_version": "pm_snapshot_v1",
            "project_id": "lantern",
            "generated_at": generated_at,
            "current": {"summary": "s", "summary_quality": {"rouge_l_f1": score}},
            "next_actions": [{"id": "T1", "title": title}],
        })
    }

    fn print(doc: Value) -> Fingerprint {
        Fingerprint::of_document(doc).unwrap()
    }

    #[test]
    fn only_generated_at_is_ignored() {
        let a = print(document("2026-11-23T10:00:00Z", "Ship", 0.5));
        assert_eq!(a, print(document("2026-11-24T09:30:00Z", "Ship", 0.5)));
        assert_ne!(a, print(document("2026-11-23T10:00:00Z", "Ship it", 0.5)));
        assert_ne!(a, print(document("2026-11-23T10:00:00Z", "Ship", 0.25)));
    }

    #[test]
    fn a_last_bit_difference_in_a_score_is_not_a_change() {
        let x = 0.123_456_789_012_345_6_f64;
        let next = f64::from_bits(x.to_bits() + 1);
        assert_eq!(
            print(document("t", "Ship", x)),
            print(document("t", "Ship", next))
        );
    }

    #[test]
    fn key_order_does_not_matter() {
        let a: Value =
            serde_json::from_str(r#"{"b": 1, "a": [1, 2], "generated_at": "x"}"#).unwrap();
        let b: Value = serde_json::from_str(r#"{"a": [1, 2], "b": 1}"#).unwrap();
        assert_eq!(print(a), print(b));
    }

    #[test]
    fn a_signed_records_snapshot_is_found_and_a_decision_is_not() {
        let doc = document("t", "Ship", 0.5);
        let record =
            json!({"record": {"subject": {"kind": "pm_snapshot_v1", "document": doc.clone()}}});
        assert_eq!(
            Fingerprint::of_signed_record(&record, None).unwrap(),
            Some(print(doc.clone()))
        );
        // A version 2 record: the document beside it, only its hash inside.
        let v2 = json!({"record": {"subject": {"kind": "pm_snapshot_v1", "sha256": "00"}}});
        assert_eq!(
            Fingerprint::of_signed_record(&v2, Some(doc.clone())).unwrap(),
            Some(print(doc))
        );
        let decision = json!({"record": {"subject": {"kind": "decision", "document": {}}}});
        assert_eq!(
            Fingerprint::of_signed_record(&decision, None).unwrap(),
            None
        );
        assert!(
            Fingerprint::of_signed_record(
                &json!({"record": {"subject": {"kind": "pm_snapshot_v1", "document": 3}}}),
                None
            )
            .is_err()
        );
    }
}
