//! Shared by the curator's integration tests: bundles from literal files,
//! the example project, and the JSON Schemas of the repository.

#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::path::{Path, PathBuf};

use curator::{CurateError, Limits, curate};
use vpm_model::bundle::BundleVersion;
use vpm_model::{Bundle, CuratedSet, Problem, SourceFile};

pub const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn lantern_dir() -> PathBuf {
    repo_root().join("examples/lantern")
}

/// The example project, packed as the CLI packs it.
pub fn lantern_bundle() -> Bundle {
    let packed =
        curator::folder::bundle_from_dir(&lantern_dir(), None, &Limits::default()).unwrap();
    assert!(packed.problems.is_empty(), "{:?}", packed.problems);
    packed.bundle
}

pub fn bundle(project_id: &str, files: &[(&str, &str)]) -> Bundle {
    Bundle {
        schema_version: BundleVersion::Current,
        project_id: project_id.to_owned(),
        as_of: None,
        sources: files
            .iter()
            .map(|(path, content)| SourceFile {
                path: (*path).to_owned(),
                content: (*content).to_owned(),
            })
            .collect(),
    }
}

/// A small valid project: `files` are added to (or replace) its files.
pub fn project_with(files: &[(&str, &str)]) -> Bundle {
    let mut all: Vec<(&str, &str)> = vec![
        ("project.yaml", PROJECT),
        ("tasks.yaml", TASKS),
        ("state.md", "# State\n\nAll good.\n"),
    ];
    for (path, content) in files {
        all.retain(|(p, _)| p != path);
        all.push((path, content));
    }
    bundle("demo", &all)
}

pub const PROJECT: &str = "\
id: demo
name: Demo
as_of: 2026-11-23
goals:
  - id: G1
    title: Ship the beta
    horizon: short
    due: 2026-12-11
    acceptance:
      - \"[x] Sync works offline\"
      - \"[ ] Forty testers\"
      - Crash-free at 99.5%
  - id: G2
    title: Public release
";

pub const TASKS: &str = "\
tasks:
  - id: T1
    title: Sync engine
    goal: G1
    status: done
  - id: T2
    title: Conflict merge
    goal: G1
    status: in_progress
    depends_on: [T1]
";

pub fn curated(bundle: &Bundle) -> CuratedSet {
    match curate(bundle, TRACE, &Limits::default()) {
        Ok(set) => set,
        Err(e) => panic!("expected a curated set, got {e:?}"),
    }
}

pub fn problems(bundle: &Bundle) -> Vec<Problem> {
    match curate(bundle, TRACE, &Limits::default()) {
        Err(CurateError::Invalid { problems, .. }) => problems,
        other => panic!("expected problems, got {other:?}"),
    }
}

/// The one problem with `code` (failing if there is not exactly one).
pub fn the<'a>(problems: &'a [Problem], code: &str) -> &'a Problem {
    let found: Vec<&Problem> = problems.iter().filter(|p| p.code == code).collect();
    assert_eq!(found.len(), 1, "expected one {code}, got {problems:#?}");
    found[0]
}

pub fn validator(schema: &str) -> jsonschema::Validator {
    let path = repo_root().join("schemas").join(schema);
    let text = std::fs::read_to_string(&path).unwrap();
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap()
}

/// Validates `instance`, failing with every error.
pub fn assert_valid(validator: &jsonschema::Validator, instance: &serde_json::Value) {
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "schema violations:\n{}",
        errors.join("\n")
    );
}
