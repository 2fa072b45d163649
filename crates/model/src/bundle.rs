//! `bundle_v1`: a project folder in one JSON document, as it travels over HTTP.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

crate::schema_version!(
    /// Always `"bundle_v1"`.
    BundleVersion = "bundle_v1"
);

/// The files of one project folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Bundle {
    pub schema_version: BundleVersion,
    /// Must equal the `id` in `project.yaml`.
    pub project_id: String,
    /// The date the answer is for. Wins over `project.yaml`'s `as_of`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = Date)]
    pub as_of: Option<NaiveDate>,
    /// Files with their path inside the folder (`/`-separated) and UTF-8 text.
    pub sources: Vec<SourceFile>,
}

/// One file of the folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SourceFile {
    pub path: String,
    pub content: String,
}
