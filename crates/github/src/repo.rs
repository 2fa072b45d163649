//! Which repository, on which GitHub: the two names that become URL path
//! segments and cache directory names, so they are checked before use.

use std::fmt;

use url::Url;

use crate::Error;

/// The public GitHub's REST API root.
pub const DEFAULT_API_URL: &str = "https://api.github.com";

/// `owner/repo`, each part a name GitHub could have given: ASCII letters,
/// digits, `-`, `_` and `.`, at most 100 characters, never `.` or `..`.
/// Both parts become directory names under `.vpm/sources/github/`, so
/// nothing that could climb out of it or hide (`..`, `/`, a leading `.`)
/// gets through.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RepoRef {
    owner: String,
    name: String,
}

impl RepoRef {
    pub fn new(owner: &str, name: &str) -> Result<Self, Error> {
        check_part("owner", owner)?;
        check_part("repository name", name)?;
        Ok(Self {
            owner: owner.to_owned(),
            name: name.to_owned(),
        })
    }

    /// `owner/repo`, as written in project.yaml or on the command line.
    pub fn parse(text: &str) -> Result<Self, Error> {
        match text.split_once('/') {
            Some((owner, name)) => Self::new(owner, name),
            None => Err(Error::Config(format!(
                "{text:?} is not a GitHub repository: write it as owner/repo"
            ))),
        }
    }

    pub fn owner(&self) -> &str {
        &self.owner
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The cache directory, relative to the project folder.
    pub fn cache_dir(&self) -> String {
        format!(".vpm/sources/github/{}/{}", self.owner, self.name)
    }
}

impl fmt::Display for RepoRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.owner, self.name)
    }
}

fn check_part(what: &str, part: &str) -> Result<(), Error> {
    let valid_chars = part
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if part.is_empty() || part.len() > 100 || !valid_chars || part.starts_with('.') {
        return Err(Error::Config(format!(
            "{part:?} is not a GitHub {what}: use letters, digits, '-', '_' and '.', not starting with '.'"
        )));
    }
    Ok(())
}

/// The root of a GitHub REST API: `https://api.github.com`, or
/// `https://HOST/api/v3` on GitHub Enterprise Server. Always ends in `/`
/// here, so that joining `repos/...` keeps the `/api/v3` prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiUrl(Url);

impl ApiUrl {
    pub fn parse(text: &str) -> Result<Self, Error> {
        let mut url = Url::parse(text.trim())
            .map_err(|e| Error::Config(format!("api_url {text:?} is not a URL: {e}")))?;
        if !matches!(url.scheme(), "https" | "http") || url.host_str().is_none() {
            return Err(Error::Config(format!(
                "api_url {text:?} must be an http:// or https:// URL with a host"
            )));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Error::Config(format!(
                "api_url {text:?} carries credentials; give the token in GITHUB_TOKEN instead"
            )));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(Error::Config(format!(
                "api_url {text:?} must not have a query or a fragment"
            )));
        }
        if !url.path().ends_with('/') {
            let path = format!("{}/", url.path());
            url.set_path(&path);
        }
        Ok(Self(url))
    }

    pub fn default_github() -> Self {
        // A constant that is a valid URL: parsing it cannot fail.
        #[allow(clippy::expect_used)]
        let url = Url::parse("https://api.github.com/").expect("a constant URL");
        Self(url)
    }

    pub fn url(&self) -> &Url {
        &self.0
    }

    /// `path` (no leading `/`) under the API root.
    pub fn join(&self, path: &str) -> Result<Url, Error> {
        self.0
            .join(path)
            .map_err(|e| Error::Config(format!("cannot build a URL from {path:?}: {e}")))
    }

    /// Whether `url` is on this API: the same scheme, host and port, and
    /// under its path. The token is sent only to such URLs.
    pub fn contains(&self, url: &Url) -> bool {
        url.scheme() == self.0.scheme()
            && url.host_str() == self.0.host_str()
            && url.port_or_known_default() == self.0.port_or_known_default()
            && url.path().starts_with(self.0.path())
    }

    /// The host whose token gh keeps: `github.com` for `api.github.com`,
    /// the Enterprise host itself otherwise.
    pub fn gh_host(&self) -> String {
        match self.0.host_str() {
            Some("api.github.com") | None => "github.com".to_owned(),
            Some(host) => host.strip_prefix("api.").unwrap_or(host).to_owned(),
        }
    }

    /// The root without the trailing `/`, as written in pull.json.
    pub fn as_written(&self) -> String {
        self.0.as_str().trim_end_matches('/').to_owned()
    }
}

impl fmt::Display for ApiUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.as_written())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repository_names_cannot_leave_the_cache() {
        assert!(RepoRef::parse("octo/hello-world").is_ok());
        assert!(RepoRef::parse("octo/hello.world_2").is_ok());
        for bad in [
            "octo",
            "octo/..",
            "../x",
            "octo/.git",
            "o/r/x",
            "octo/",
            "/r",
            "oc to/r",
            "o/r\n",
            "o/ré",
        ] {
            assert!(RepoRef::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn enterprise_roots_keep_their_prefix() -> Result<(), Error> {
        let api = ApiUrl::parse("https://ghe.example.com/api/v3")?;
        assert_eq!(
            api.join("repos/o/r/issues")?.as_str(),
            "https://ghe.example.com/api/v3/repos/o/r/issues"
        );
        assert_eq!(api.gh_host(), "ghe.example.com");
        assert!(
            api.contains(
                &Url::parse("https://ghe.example.com/api/v3/x?page=2")
                    .map_err(|e| Error::Config(e.to_string()))?
            )
        );
        assert!(
            !api.contains(
                &Url::parse("https://evil.example.com/api/v3/x")
                    .map_err(|e| Error::Config(e.to_string()))?
            )
        );
        assert!(
            !api.contains(
                &Url::parse("http://ghe.example.com/api/v3/x")
                    .map_err(|e| Error::Config(e.to_string()))?
            )
        );
        assert_eq!(ApiUrl::default_github().gh_host(), "github.com");
        assert!(ApiUrl::parse("ftp://x/").is_err());
        assert!(ApiUrl::parse("https://user:pw@x/").is_err());
        Ok(())
    }
}
