//! The `vpm` command's integration tests: one test binary, so the release build links it once
//! instead of once per file.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod curate;
mod github;
mod history;
mod hostile_input;
mod pipeline;
mod plan_command;
mod snapshot_command;
mod watch;
