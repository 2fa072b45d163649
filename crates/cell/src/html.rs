//! HTML answers, with the headers every page of ours needs, set in one place.
//!
//! The pages vpm serves (the synthesizer's snapshot, the archivist's record
//! and project pages) are self-contained: inline CSS, images as `data:`
//! URLs, no script, nothing fetched. So the policy can forbid everything
//! else, and does: a page that quotes hostile project text can neither run
//! it nor load anything, cannot be framed by another site (clickjacking),
//! cannot be sniffed into another type, and leaks no referrer.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// The Content-Security-Policy of every page vpm renders.
pub const POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; \
                          base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// The policy for HTML served as it was recorded (an archived attachment):
/// the same, and sandboxed, since its bytes were written elsewhere.
pub const SANDBOXED_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; \
                                    base-uri 'none'; form-action 'none'; frame-ancestors 'none'; sandbox";

/// An HTML page answer: `text/html; charset=utf-8` with [`POLICY`],
/// `X-Content-Type-Options: nosniff` and `Referrer-Policy: no-referrer`.
#[derive(Debug, Clone)]
pub struct Page {
    body: String,
    policy: &'static str,
}

impl Page {
    pub fn new(body: String) -> Self {
        Self {
            body,
            policy: POLICY,
        }
    }

    /// The page under [`SANDBOXED_POLICY`].
    pub fn sandboxed(body: String) -> Self {
        Self {
            body,
            policy: SANDBOXED_POLICY,
        }
    }
}

/// Sets the page headers (all but the content type) on `response`.
pub fn protect(response: &mut Response, policy: &'static str) {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(policy),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
}

impl IntoResponse for Page {
    fn into_response(self) -> Response {
        let mut response = (
            StatusCode::OK,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            )],
            self.body,
        )
            .into_response();
        protect(&mut response, self.policy);
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_carries_every_protective_header() {
        let r = Page::new("<p>x</p>".into()).into_response();
        assert_eq!(
            r.headers()[header::CONTENT_TYPE],
            "text/html; charset=utf-8"
        );
        let csp = r.headers()[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap();
        assert!(csp.contains("frame-ancestors 'none'") && csp.contains("default-src 'none'"));
        assert!(!csp.contains("script-src"));
        assert_eq!(r.headers()[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(r.headers()[header::REFERRER_POLICY], "no-referrer");
        let r = Page::sandboxed("<p>x</p>".into()).into_response();
        let csp = r.headers()[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap();
        assert!(csp.ends_with("sandbox"), "{csp}");
    }
}
