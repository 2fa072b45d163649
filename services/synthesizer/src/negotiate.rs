//! Choosing the snapshot's format from the `Accept` header, by the one
//! negotiation every cell uses (`vpm_cell::negotiate`, RFC 9110 §12.5.1):
//! the most specific matching range sets each format's weight, the highest
//! weight above zero wins, ties go to JSON, then Markdown, then HTML, and
//! no `Accept` header means JSON. A header that names only formats the
//! cell cannot write is answered 406.

use vpm_cell::negotiate::{self, Offer};

/// A representation of the snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// `application/json`: the `pm_snapshot_v1` document.
    Json,
    /// `text/markdown`: the weekly report (CommonMark).
    Markdown,
    /// `text/html`: the self-contained page.
    Html,
}

impl Format {
    /// In the order ties are broken.
    pub const ALL: [Format; 3] = [Format::Json, Format::Markdown, Format::Html];

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Json => "application/json",
            Format::Markdown => "text/markdown; charset=utf-8; variant=CommonMark",
            Format::Html => "text/html; charset=utf-8",
        }
    }

    /// The format `accept` asks for, or `None` when it allows none of ours.
    pub fn negotiate(accept: Option<&str>) -> Option<Format> {
        const OFFERS: [Offer<Format>; 3] = [
            Offer::new(Format::Json, "application", "json"),
            Offer::new(Format::Markdown, "text", "markdown"),
            Offer::new(Format::Html, "text", "html"),
        ];
        negotiate::choose(accept, &OFFERS)
    }
}

#[cfg(test)]
mod tests {
    use super::Format::{self, *};

    fn pick(accept: &str) -> Option<Format> {
        Format::negotiate(Some(accept))
    }

    #[test]
    fn no_header_and_wildcards_get_json() {
        assert_eq!(Format::negotiate(None), Some(Json));
        assert_eq!(pick(""), Some(Json));
        assert_eq!(pick("*/*"), Some(Json));
        assert_eq!(pick("application/*"), Some(Json));
    }

    #[test]
    fn each_format_by_name() {
        assert_eq!(pick("application/json"), Some(Json));
        assert_eq!(pick("text/markdown"), Some(Markdown));
        assert_eq!(pick("text/html; charset=utf-8"), Some(Html));
        assert_eq!(pick("TEXT/HTML"), Some(Html));
    }

    #[test]
    fn a_browser_gets_html() {
        let chrome =
            "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8";
        assert_eq!(pick(chrome), Some(Html));
    }

    #[test]
    fn weights_and_specificity_decide() {
        assert_eq!(
            pick("application/json;q=0.4, text/markdown;q=0.9"),
            Some(Markdown)
        );
        assert_eq!(pick("text/*;q=0.5, text/markdown;q=0"), Some(Html));
        assert_eq!(pick("*/*;q=0.1, application/json;q=0"), Some(Markdown));
        assert_eq!(pick("text/*"), Some(Markdown));
    }

    #[test]
    fn formats_we_cannot_write_are_not_acceptable() {
        assert_eq!(pick("application/pdf"), None);
        assert_eq!(pick("image/png, text/plain"), None);
        assert_eq!(pick("application/json;q=0"), None);
        assert_eq!(pick("application/problem+json"), None);
    }

    #[test]
    fn unparsable_ranges_are_ignored() {
        assert_eq!(pick("garbage, text/html"), Some(Html));
        assert_eq!(pick("text/html;q=abc, text/markdown"), Some(Markdown));
        assert_eq!(pick(",,,"), Some(Json));
    }
}
