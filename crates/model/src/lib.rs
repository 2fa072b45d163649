//! The documents of the vpm pipeline and the vocabulary they share.
//!
//! `bundle_v1` → curator → `curated_set_v1` → planner → `plan_v1` →
//! synthesizer → `pm_snapshot_v1` → archivist → `vpm_record_v1` + receipt.
//!
//! These are plain data types: parsing a project folder, planning and
//! rendering live in the cells. Each document has a JSON Schema under
//! `schemas/` at the repository root, and the cells' tests validate real
//! outputs against it. Every document names its `schema_version`, so a cell
//! handed the wrong document says so instead of misreading it.

pub mod bundle;
pub mod checked;
pub mod common;
pub mod curated;
pub mod graph;
pub mod history;
pub mod pipeline;
pub mod plan;
pub mod problem;
pub mod record;
pub mod snapshot;

pub use bundle::{Bundle, SourceFile};
pub use checked::CheckedSet;
pub use common::{Effort, Horizon, Level, SourceRef, TaskStatus};
pub use curated::CuratedSet;
pub use plan::Plan;
pub use problem::Problem;
pub use record::{
    Attachment, AttachmentDigest, CellActivity, InputDigest, ProvDocument, Receipt, Record,
    RecordSignature, RecordSubject, RecordSubmission, SignedRecord, Subject, SubjectKind,
    Submitter, SubmitterKind,
};
pub use snapshot::PmSnapshot;

/// Declares a unit type that (de)serializes as exactly one string, the
/// document's `schema_version`; anything else is rejected by serde with a
/// message naming the expected version.
///
/// `$value` is matched as a token tree, not a `literal` fragment: a
/// `literal` fragment reaches derive macros wrapped in an invisible group,
/// which serde sees through but utoipa does not — the OpenAPI schema then
/// said `"enum": ["Current"]` and contract testers sent that.
macro_rules! schema_version {
    ($(#[$doc:meta])* $name:ident = $value:tt) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        pub enum $name {
            #[default]
            #[serde(rename = $value)]
            Current,
        }

        impl $name {
            pub const VALUE: &'static str = $value;
        }
    };
}
pub(crate) use schema_version;

#[cfg(test)]
mod schema_version_tests {
    use utoipa::PartialSchema;

    #[test]
    fn the_openapi_schema_names_the_version_string() {
        let schema = serde_json::to_value(crate::snapshot::SnapshotVersion::schema()).unwrap();
        assert_eq!(
            schema["enum"],
            serde_json::json!(["pm_snapshot_v1"]),
            "{schema}"
        );
    }
}
