//! The curator's own metrics, registered in the cell's registry next to the
//! runtime's `hello_ai_*` families.
//!
//! * `vpm_curator_bundles_total{outcome}`: bundles handled — `curated`,
//!   `invalid` (422), `too_large` (413), `unreadable` (not a bundle_v1).
//! * `vpm_curator_facts_total{kind}`: facts produced — `goal`, `criterion`,
//!   `task`, `decision`, `statement`, `relation`.
//! * `vpm_curator_merged_statements_total`: statement occurrences merged
//!   into an identical earlier one.
//! * `vpm_curator_problems_total{code}` and `vpm_curator_warnings_total{code}`:
//!   what was wrong with the input, by kind (a fixed set of codes, so the
//!   label set stays small).
//! * `vpm_curator_bundle_bytes`: histogram of the bytes of the files of each
//!   bundle, to see how close real projects come to the limits.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use vpm_model::CuratedSet;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabels {
    kind: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CodeLabels {
    code: String,
}

/// Bucket bounds of `vpm_curator_bundle_bytes`: 1 KiB to 16 MiB, ×4.
const BUNDLE_BYTES_BUCKETS: [f64; 8] = [
    1024.0, 4096.0, 16384.0, 65536.0, 262144.0, 1048576.0, 4194304.0, 16777216.0,
];

/// Handles to the curator's metrics.
#[derive(Debug, Clone)]
pub struct CuratorMetrics {
    bundles: Family<OutcomeLabels, Counter>,
    facts: Family<KindLabels, Counter>,
    merged: Counter,
    problems: Family<CodeLabels, Counter>,
    warnings: Family<CodeLabels, Counter>,
    bundle_bytes: Histogram,
}

/// How a bundle ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Curated,
    Invalid,
    TooLarge,
    Unreadable,
}

impl CuratorMetrics {
    pub fn register(registry: &mut Registry) -> Self {
        let m = Self {
            bundles: Family::default(),
            facts: Family::default(),
            merged: Counter::default(),
            problems: Family::default(),
            warnings: Family::default(),
            bundle_bytes: Histogram::new(BUNDLE_BYTES_BUCKETS),
        };
        registry.register(
            "vpm_curator_bundles",
            "Bundles handled by POST /v1/curate, by outcome: curated, invalid (422), too_large (413), unreadable",
            m.bundles.clone(),
        );
        registry.register(
            "vpm_curator_facts",
            "Facts in curated sets produced, by kind: goal, criterion, task, decision, statement, relation",
            m.facts.clone(),
        );
        registry.register(
            "vpm_curator_merged_statements",
            "Statement occurrences merged into an identical statement seen earlier",
            m.merged.clone(),
        );
        registry.register(
            "vpm_curator_problems",
            "Problems found in project folders, by code (unknown_key, bad_date, dependency_cycle, ...)",
            m.problems.clone(),
        );
        registry.register(
            "vpm_curator_warnings",
            "Warnings attached to curated sets, by code (near_duplicate, ignored_file, ...)",
            m.warnings.clone(),
        );
        registry.register(
            "vpm_curator_bundle_bytes",
            "Bytes of the files of each bundle received",
            m.bundle_bytes.clone(),
        );
        m
    }

    pub fn observe_bundle_bytes(&self, bytes: u64) {
        self.bundle_bytes.observe(bytes as f64);
    }

    pub fn outcome(&self, outcome: Outcome) {
        let outcome = match outcome {
            Outcome::Curated => "curated",
            Outcome::Invalid => "invalid",
            Outcome::TooLarge => "too_large",
            Outcome::Unreadable => "unreadable",
        };
        self.bundles.get_or_create(&OutcomeLabels { outcome }).inc();
    }

    pub fn curated(&self, set: &CuratedSet) {
        let criteria: usize = set.goals.iter().map(|g| g.acceptance.len()).sum();
        for (kind, n) in [
            ("goal", set.goals.len()),
            ("criterion", criteria),
            ("task", set.tasks.len()),
            ("decision", set.decisions.len()),
            ("statement", set.statements.len()),
            ("relation", set.relations.len()),
        ] {
            self.facts
                .get_or_create(&KindLabels { kind })
                .inc_by(n as u64);
        }
        let merged: usize = set.statements.iter().map(|s| s.sources.len() - 1).sum();
        self.merged.inc_by(merged as u64);
        for w in &set.warnings {
            self.warnings
                .get_or_create(&CodeLabels {
                    code: w.code.clone(),
                })
                .inc();
        }
    }

    pub fn problems<'a>(&self, codes: impl IntoIterator<Item = &'a str>) {
        for code in codes {
            self.problems
                .get_or_create(&CodeLabels {
                    code: code.to_owned(),
                })
                .inc();
        }
    }
}
