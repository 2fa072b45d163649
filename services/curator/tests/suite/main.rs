//! The curator's integration tests: one test binary, so the release build links it once
//! instead of once per file.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod curation;
mod hostile;
mod http;
mod near_misses;
mod problems;
mod root_causes;
mod sources;
mod support;
