//! The cell's own metrics: how good and how short the summaries it writes are.

use vpm_cell::prometheus_client::metrics::histogram::Histogram;
use vpm_cell::prometheus_client::registry::Registry;

use crate::view::SummaryQuality;

/// F1 buckets: tenths, enough to see a drift in quality.
const F1_BUCKETS: [f64; 10] = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0];
/// Compression buckets: a 400-character summary of a long note is a few
/// percent; of a short note, most of it.
const COMPRESSION_BUCKETS: [f64; 10] = [0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 2.0];

/// `vpm_synthesizer_rouge_l_f1` and `vpm_synthesizer_compression_ratio`.
#[derive(Debug, Clone)]
pub struct SummaryMetrics {
    f1: Histogram,
    compression: Histogram,
}

impl SummaryMetrics {
    pub fn register(registry: &mut Registry) -> Self {
        let f1 = Histogram::new(F1_BUCKETS);
        registry.register(
            "vpm_synthesizer_rouge_l_f1",
            "Character-level ROUGE-L F1 of each summary against its state note",
            f1.clone(),
        );
        let compression = Histogram::new(COMPRESSION_BUCKETS);
        registry.register(
            "vpm_synthesizer_compression_ratio",
            "Summary length / state note length, in characters, of each summary",
            compression.clone(),
        );
        Self { f1, compression }
    }

    /// Records one summary (only summaries measured against a state note).
    pub fn observe(&self, quality: &SummaryQuality) {
        self.f1.observe(quality.rouge_l.f1);
        self.compression.observe(quality.compression);
    }
}
