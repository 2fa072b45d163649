//! Choosing the exposition format from the `Accept` header.
//!
//! Prometheus servers send a weighted list such as
//! `application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.3,*/*;q=0.2`.
//! We serve OpenMetrics 1.0 when the client weighs it above the classic text
//! format, and the 0.0.4 text format otherwise (including when there is no
//! `Accept` header at all, which is what `curl` and older scrapers send).

use crate::negotiate::{self, Offer};

/// The two exposition formats a cell can produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpositionFormat {
    /// Prometheus text format 0.0.4.
    Text004,
    /// OpenMetrics 1.0 text format.
    OpenMetrics,
}

impl ExpositionFormat {
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Text004 => "text/plain; version=0.0.4; charset=utf-8",
            Self::OpenMetrics => "application/openmetrics-text; version=1.0.0; charset=utf-8",
        }
    }

    /// What `accept` asks for, by the one negotiation every cell uses
    /// ([`crate::negotiate`]); the classic text format when it names
    /// neither, as scrapers expect an answer rather than a 406.
    pub fn negotiate(accept: Option<&str>) -> Self {
        const OFFERS: [Offer<ExpositionFormat>; 2] = [
            Offer::new(ExpositionFormat::Text004, "text", "plain").versions(&["0.0.4"]),
            // We speak OpenMetrics 1.0.0; 0.0.1 is its draft, which
            // Prometheus also lists and parses the same way.
            Offer::new(
                ExpositionFormat::OpenMetrics,
                "application",
                "openmetrics-text",
            )
            .versions(&["1.0.0", "0.0.1"]),
        ];
        negotiate::choose(accept, &OFFERS).unwrap_or(Self::Text004)
    }
}

#[cfg(test)]
mod tests {
    use super::ExpositionFormat::{self, *};

    #[test]
    fn no_header_or_wildcard_gets_the_classic_text_format() {
        assert_eq!(ExpositionFormat::negotiate(None), Text004);
        assert_eq!(ExpositionFormat::negotiate(Some("*/*")), Text004);
        assert_eq!(ExpositionFormat::negotiate(Some("text/plain")), Text004);
    }

    #[test]
    fn prometheus_server_default_header_gets_openmetrics() {
        let accept = "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,\
                      application/openmetrics-text;version=0.0.1;q=0.5,\
                      text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,\
                      text/plain;version=0.0.4;q=0.3,*/*;q=0.2";
        assert_eq!(ExpositionFormat::negotiate(Some(accept)), OpenMetrics);
        assert_eq!(
            ExpositionFormat::negotiate(Some("application/openmetrics-text; version=1.0.0")),
            OpenMetrics
        );
    }

    #[test]
    fn weights_decide_between_the_two() {
        let accept = "application/openmetrics-text;q=0.2,text/plain;version=0.0.4;q=0.9";
        assert_eq!(ExpositionFormat::negotiate(Some(accept)), Text004);
        assert_eq!(
            ExpositionFormat::negotiate(Some("application/openmetrics-text;q=0")),
            Text004
        );
    }

    #[test]
    fn an_unknown_openmetrics_version_is_not_claimed() {
        assert_eq!(
            ExpositionFormat::negotiate(Some("application/openmetrics-text;version=2.0.0")),
            Text004
        );
    }
}
