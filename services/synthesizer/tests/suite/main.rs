//! The synthesizer's integration tests: one test binary, so the release build links it once
//! instead of once per file.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod graph;
mod history;
mod html;
mod http;
mod markdown;
mod scale;
mod schema;
mod snapshot;
mod summary;
mod support;
