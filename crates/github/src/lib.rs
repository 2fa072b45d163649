//! vpm's GitHub REST client: one repository's issues, milestones, "blocked
//! by" dependencies and sub-issues, pulled into the project folder's cache
//! (`.vpm/sources/github/<owner>/<repo>/`), which the curator reads offline.
//!
//! * [`repo`]: which repository on which API root, checked before either
//!   becomes a URL or a directory name.
//! * [`token`]: `GITHUB_TOKEN`, `GH_TOKEN`, then gh's stored token.
//! * [`client`]: one careful GET — bounded body, ETags, rate limits, the
//!   token only for the configured API.
//! * [`pull`]: a whole repository, following `Link` pages, answering 304s
//!   from the previous cache.
//! * [`cache`]: the cache files and their all-or-nothing replacement.
//! * [`model`]: the fields of GitHub's JSON that vpm keeps.
//!
//! The format and the behaviour users see are in docs/github.md.

pub mod cache;
pub mod client;
mod error;
pub mod model;
pub mod pull;
pub mod repo;
pub mod token;

pub use client::{Client, Limits, Usage};
pub use error::Error;
pub use pull::{PullReport, pull, repository};
pub use repo::{ApiUrl, DEFAULT_API_URL, RepoRef};
pub use token::{Token, TokenOrigin};
