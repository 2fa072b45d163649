//! JSON request bodies, decoded once, the same way, by every route.
//!
//! A body is deserialised straight from its bytes into the handler's typed
//! document. There is deliberately no `serde_json::Value` on the way: a
//! generic tree costs a heap allocation per object, array and string, so a
//! few megabytes of `[{"":0},{"":0},…]` used to become hundreds of megabytes
//! of maps before a single field was checked. Decoding into the target type
//! lets serde skip what the type does not want (or refuse it at the first
//! unknown key) without building it, so the memory a request costs is its
//! body plus the document it really is.
//!
//! The status rule is the one `docs/runtime.md` states for every route:
//!
//! * **400** `malformed_json` — the bytes are not JSON (a syntax error, the
//!   body ends early, or something follows the document);
//! * **422** (a code of the route's choosing) — well-formed JSON that is not
//!   the document the route takes. `details.pointer` is the RFC 6901 JSON
//!   pointer of the offending field (`/plan/goals/1/status`), so a client
//!   can find it without parsing the message;
//! * **415** `unsupported_media_type` — the body is not declared as JSON
//!   ([`require_json`]).
//!
//! Handlers take the body as `Bytes` and call [`require_json`] and
//! [`decode`] with their document's name and 422 code; the archivist does
//! so only after its bearer check (a route layer) has passed.

use axum::http::{HeaderMap, StatusCode, header};
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// What a route calls the document it takes, for its error messages.
#[derive(Debug, Clone, Copy)]
pub struct Document {
    /// How the document is named in messages: `a bundle_v1`, `a plan request`.
    pub name: &'static str,
    /// The `code` of the 422 answer when the JSON is not this document.
    pub invalid_code: &'static str,
}

/// Decodes `body` as `T` (see the module documentation for the statuses).
pub fn decode<T: DeserializeOwned>(body: &[u8], document: Document) -> Result<T, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let result: Result<T, _> = serde_path_to_error::deserialize(&mut deserializer);
    match result {
        Ok(value) => match deserializer.end() {
            Ok(()) => Ok(value),
            Err(e) => Err(malformed(&e)),
        },
        Err(error) => {
            let pointer = pointer(error.path());
            let inner = error.into_inner();
            if inner.is_data() {
                Err(ApiError::unprocessable(
                    document.invalid_code,
                    format!(
                        "the body is not {}: at `{}`: {inner}",
                        document.name,
                        if pointer.is_empty() { "/" } else { &pointer }
                    ),
                )
                .with_details(serde_json::json!({ "pointer": pointer })))
            } else {
                Err(malformed(&inner))
            }
        }
    }
}

fn malformed(e: &serde_json::Error) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "malformed_json",
        format!("the body is not well-formed JSON: {e}"),
    )
    .with_details(serde_json::json!({ "line": e.line(), "column": e.column() }))
}

/// 415 unless the request declares a JSON body (`application/json`, or any
/// `application/…+json`), parameters such as `charset` allowed.
pub fn require_json(headers: &HeaderMap) -> Result<(), ApiError> {
    if declares_json(headers) {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "the body must be JSON, sent with `Content-Type: application/json`",
        ))
    }
}

/// Whether `content-type` names JSON.
pub fn declares_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or_default().trim();
    let Some((ty, subtype)) = essence.split_once('/') else {
        return false;
    };
    ty.eq_ignore_ascii_case("application")
        && (subtype.eq_ignore_ascii_case("json")
            || subtype
                .rsplit_once('+')
                .is_some_and(|(_, suffix)| suffix.eq_ignore_ascii_case("json")))
}

/// `plan.goals[0].progress` as the RFC 6901 pointer `/plan/goals/0/progress`;
/// the empty string is the whole document.
pub fn pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut pointer = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => {
                pointer.push('/');
                pointer.push_str(&index.to_string());
            }
            Segment::Map { key } => {
                pointer.push('/');
                pointer.push_str(&key.replace('~', "~0").replace('/', "~1"));
            }
            Segment::Enum { variant } => {
                pointer.push('/');
                pointer.push_str(variant);
            }
            // Where serde could not say (inside a flattened or untagged
            // value): the pointer stops at the last place it knows.
            Segment::Unknown => break,
        }
    }
    pointer
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Doc {
        name: String,
        items: Vec<Item>,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Item {
        n: u32,
    }

    const DOC: Document = Document {
        name: "a doc",
        invalid_code: "invalid_doc",
    };

    #[test]
    fn syntax_errors_truncation_and_trailing_bytes_are_400() {
        for body in [
            r#"{"name":"#,
            r#"{"name":"x","items":[]} tail"#,
            "not json",
            "",
        ] {
            let e = decode::<Doc>(body.as_bytes(), DOC).unwrap_err();
            assert_eq!(e.status, StatusCode::BAD_REQUEST, "{body}: {e}");
            assert_eq!(e.code, "malformed_json");
        }
    }

    #[test]
    fn the_wrong_shape_is_422_with_a_pointer_to_the_field() {
        let e = decode::<Doc>(br#"{"name":"x","items":[{"n":1},{"n":"two"}]}"#, DOC).unwrap_err();
        assert_eq!(e.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(e.code, "invalid_doc");
        assert_eq!(e.details.unwrap()["pointer"], "/items/1/n");
        let e = decode::<Doc>(br#"{"name":"x","items":[],"pad":[{"":0}]}"#, DOC).unwrap_err();
        assert_eq!(e.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(e.message.contains("pad"), "{}", e.message);
        let e = decode::<Doc>(br#"[1,2]"#, DOC).unwrap_err();
        assert_eq!(e.status, StatusCode::UNPROCESSABLE_ENTITY);
    }

    #[test]
    fn json_media_types_are_recognised() {
        let mut h = HeaderMap::new();
        for (ct, ok) in [
            ("application/json", true),
            ("Application/JSON; charset=utf-8", true),
            ("application/cloudevents+json", true),
            ("application/vnd.x+JSON", true),
            ("text/json", false),
            ("application/jsonx", false),
            ("application/x-www-form-urlencoded", false),
        ] {
            h.insert(header::CONTENT_TYPE, ct.parse().unwrap());
            assert_eq!(declares_json(&h), ok, "{ct}");
        }
        h.clear();
        assert!(!declares_json(&h));
    }
}
