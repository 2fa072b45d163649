//! Choosing the snapshot's format from the `Accept` header (RFC 9110 §12.5.1).
//!
//! Each format gets the weight (`q`) of the most specific media range that
//! matches it (`text/html` before `text/*` before `*/*`), so
//! `text/*;q=0.5, text/html;q=0` excludes HTML but allows Markdown. The
//! format with the highest weight above zero wins; equal weights go to
//! JSON, then Markdown, then HTML. No `Accept` header means JSON. Ranges
//! that do not parse are ignored, as RFC 9110 allows; a header that names
//! only formats the cell cannot write is answered 406.

use mediatype::{MediaType, MediaTypeList, ReadParams, names};

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

    fn type_and_subtype(self) -> (&'static str, &'static str) {
        match self {
            Format::Json => ("application", "json"),
            Format::Markdown => ("text", "markdown"),
            Format::Html => ("text", "html"),
        }
    }

    /// The format `accept` asks for, or `None` when it allows none of ours.
    pub fn negotiate(accept: Option<&str>) -> Option<Format> {
        let Some(accept) = accept.filter(|a| !a.trim().is_empty()) else {
            return Some(Format::Json);
        };
        let ranges: Vec<(MediaType<'_>, f32)> = MediaTypeList::new(accept)
            .filter_map(Result::ok)
            .filter_map(|range| {
                let q = match range.get_param(names::Q) {
                    None => 1.0,
                    Some(v) => v.unquoted_str().trim().parse::<f32>().ok()?,
                };
                (0.0..=1.0).contains(&q).then_some((range, q))
            })
            .collect();
        if ranges.is_empty() {
            return Some(Format::Json);
        }
        let mut best: Option<(Format, f32)> = None;
        for format in Format::ALL {
            let (ty, subty) = format.type_and_subtype();
            let weight = ranges
                .iter()
                .filter_map(|(range, q)| {
                    let range_ty = range.ty.as_str();
                    let range_subty = range.subty.as_str();
                    let specificity = if range_ty == "*" && range_subty == "*" {
                        0
                    } else if range_ty.eq_ignore_ascii_case(ty) && range_subty == "*" {
                        1
                    } else if range_ty.eq_ignore_ascii_case(ty)
                        && range_subty.eq_ignore_ascii_case(subty)
                        && range.suffix.is_none()
                    {
                        2
                    } else {
                        return None;
                    };
                    Some((specificity, *q))
                })
                .max_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)))
                .map(|(_, q)| q)
                .unwrap_or(0.0);
            if weight > 0.0 && best.is_none_or(|(_, w)| weight > w) {
                best = Some((format, weight));
            }
        }
        best.map(|(format, _)| format)
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
