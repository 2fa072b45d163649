//! The example project's structured files, as the base every bundle target
//! mutates: the fuzzer replaces one file at a time, so cross-file checks
//! (ids, links, cycles) run on otherwise valid input instead of stopping at
//! the first error. The prose files (state note, reports) are left out of
//! the base: de-duplicating them against each other on every run would cost
//! more than the file under test, and the Markdown target fuzzes them.

use vpm_model::{Bundle, SourceFile};

pub const EXAMPLE: &[(&str, &str)] = &[
    (
        "project.yaml",
        include_str!("../../examples/lantern/project.yaml"),
    ),
    (
        "tasks.yaml",
        include_str!("../../examples/lantern/tasks.yaml"),
    ),
    (
        "decisions/0001-crdt-for-shared-notebooks.yaml",
        include_str!("../../examples/lantern/decisions/0001-crdt-for-shared-notebooks.yaml"),
    ),
    (
        "decisions/0002-defer-home-screen-widgets.yaml",
        include_str!("../../examples/lantern/decisions/0002-defer-home-screen-widgets.yaml"),
    ),
];

/// The example folder with the file at `path` replaced by (or, when the
/// path is new, extended with) `content`, then curated. Any outcome but a
/// panic is fine: curation of hostile input must answer, not crash.
pub fn curate_with(path: &str, content: &str) {
    let mut sources: Vec<SourceFile> = EXAMPLE
        .iter()
        .filter(|(p, _)| *p != path)
        .map(|(p, c)| SourceFile {
            path: (*p).to_owned(),
            content: (*c).to_owned(),
        })
        .collect();
    sources.push(SourceFile {
        path: path.to_owned(),
        content: content.to_owned(),
    });
    let bundle = Bundle {
        schema_version: Default::default(),
        project_id: "lantern".to_owned(),
        as_of: None,
        sources,
    };
    let _ = curator::curate(&bundle, "fuzz", &curator::Limits::default());
}
