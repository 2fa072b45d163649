//! vpm-github's integration tests, one binary: the client and `pull`
//! against a real HTTP server in this process (`server`), and — ignored by
//! a plain `cargo nextest run`, run by scripts/suites/43-github.sh — against
//! `@octokit/fixtures-server`'s recorded GitHub responses (`octokit`).

#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

mod octokit;
mod pull;
mod server;
