//! Content negotiation, once for every cell: which of the representations
//! a route can write the `Accept` header asks for (RFC 9110 §12.5.1).
//!
//! Each offer gets the weight (`q`) of the most specific media range that
//! matches it: `text/html` before `text/*` before `*/*`, and a range with a
//! `version` parameter only matches an offer that writes that version (so
//! `application/openmetrics-text;version=2.0.0` is not claimed by a cell
//! that speaks 1.0.0). `text/*;q=0.5, text/html;q=0` therefore excludes
//! HTML but allows Markdown. The offer with the highest weight above zero
//! wins; equal weights go to the earlier offer, so a route lists its
//! default first. No header, a blank one, or one in which no range parses
//! gets the first offer. Ranges that do not parse, or whose `q` is not a
//! number from 0 to 1, are ignored, as RFC 9110 allows.
//!
//! [`choose`] returns `None` when the header allows none of the offers:
//! the synthesizer answers that with 406, while `/metrics` falls back to
//! the classic text format (scrapers expect an answer).

use mediatype::{MediaType, MediaTypeList, Name, ReadParams, names};

/// The `version` parameter (`text/plain; version=0.0.4`).
const VERSION: Name<'static> = Name::new_unchecked("version");

/// One representation a route can write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Offer<T> {
    pub value: T,
    /// `application` in `application/json`.
    pub ty: &'static str,
    /// `json` in `application/json`.
    pub subty: &'static str,
    /// The `version` parameter values this representation satisfies; empty
    /// when the media type has no versions.
    pub versions: &'static [&'static str],
}

impl<T> Offer<T> {
    pub const fn new(value: T, ty: &'static str, subty: &'static str) -> Self {
        Self {
            value,
            ty,
            subty,
            versions: &[],
        }
    }

    pub const fn versions(mut self, versions: &'static [&'static str]) -> Self {
        self.versions = versions;
        self
    }

    /// How specifically `range` names this offer (2: type and subtype, 1:
    /// `type/*`, 0: `*/*`), or `None` when it does not match.
    fn specificity(&self, range: &MediaType<'_>) -> Option<u8> {
        let range_ty = range.ty.as_str();
        let range_subty = range.subty.as_str();
        let specificity = if range_ty == "*" && range_subty == "*" {
            0
        } else if !range_ty.eq_ignore_ascii_case(self.ty) {
            return None;
        } else if range_subty == "*" {
            1
        } else if range_subty.eq_ignore_ascii_case(self.subty) && range.suffix.is_none() {
            2
        } else {
            return None;
        };
        if specificity == 2
            && let Some(version) = range.get_param(VERSION)
            && !self.versions.is_empty()
            && !self
                .versions
                .iter()
                .any(|v| *v == version.unquoted_str().trim())
        {
            return None;
        }
        Some(specificity)
    }
}

/// The offer `accept` asks for (see the module documentation), or `None`
/// when it allows none of `offers`.
pub fn choose<T: Copy>(accept: Option<&str>, offers: &[Offer<T>]) -> Option<T> {
    let first = offers.first().map(|o| o.value);
    let Some(accept) = accept.filter(|a| !a.trim().is_empty()) else {
        return first;
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
        return first;
    }
    let mut best: Option<(T, f32)> = None;
    for offer in offers {
        let weight = ranges
            .iter()
            .filter_map(|(range, q)| offer.specificity(range).map(|s| (s, *q)))
            .max_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)))
            .map_or(0.0, |(_, q)| q);
        if weight > 0.0 && best.is_none_or(|(_, w)| weight > w) {
            best = Some((offer.value, weight));
        }
    }
    best.map(|(value, _)| value)
}

#[cfg(test)]
mod tests {
    use super::*;

    const OFFERS: [Offer<&str>; 3] = [
        Offer::new("json", "application", "json"),
        Offer::new("markdown", "text", "markdown"),
        Offer::new("html", "text", "html"),
    ];

    fn pick(accept: &str) -> Option<&'static str> {
        choose(Some(accept), &OFFERS)
    }

    #[test]
    fn no_header_blank_or_unparsable_gets_the_first_offer() {
        assert_eq!(choose(None, &OFFERS), Some("json"));
        assert_eq!(pick("  "), Some("json"));
        assert_eq!(pick(",,,"), Some("json"));
        assert_eq!(choose::<u8>(None, &[]), None);
    }

    #[test]
    fn the_most_specific_range_sets_the_weight() {
        assert_eq!(pick("text/*;q=0.5, text/markdown;q=0"), Some("html"));
        assert_eq!(pick("*/*;q=0.1, application/json;q=0"), Some("markdown"));
        assert_eq!(
            pick("application/json;q=0.4, text/markdown;q=0.9"),
            Some("markdown")
        );
        assert_eq!(pick("TEXT/HTML"), Some("html"));
    }

    #[test]
    fn equal_weights_go_to_the_earlier_offer() {
        assert_eq!(pick("*/*"), Some("json"));
        assert_eq!(pick("text/*"), Some("markdown"));
    }

    #[test]
    fn nothing_acceptable_is_none() {
        assert_eq!(pick("image/png, text/plain"), None);
        assert_eq!(pick("application/problem+json"), None);
        assert_eq!(pick("application/json;q=0"), None);
    }

    #[test]
    fn bad_weights_and_ranges_are_ignored() {
        assert_eq!(pick("text/html;q=abc, text/markdown"), Some("markdown"));
        assert_eq!(pick("text/html;q=7, text/markdown"), Some("markdown"));
        assert_eq!(pick("garbage, text/html"), Some("html"));
    }

    #[test]
    fn a_version_parameter_must_be_one_the_offer_writes() {
        let offers = [
            Offer::new(0, "text", "plain").versions(&["0.0.4"]),
            Offer::new(1, "application", "openmetrics-text").versions(&["1.0.0"]),
        ];
        let chosen = |accept| choose(Some(accept), &offers);
        assert_eq!(chosen("application/openmetrics-text;version=2.0.0"), None);
        assert_eq!(
            chosen("application/openmetrics-text;version=\"1.0.0\""),
            Some(1)
        );
        assert_eq!(chosen("text/plain;version=1.0.0"), None);
        assert_eq!(chosen("text/plain"), Some(0));
    }
}
