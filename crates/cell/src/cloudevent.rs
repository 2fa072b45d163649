//! CloudEvents 1.0 over HTTP, both ways: the envelope of an event read from a
//! request (binary or structured content mode) and written into a request or
//! a response — used by the cells' `POST /` and by the `vpm` client alike.
//!
//! Why not the `cloudevents-sdk` crate: its HTTP binding decodes the data of
//! every JSON event into a `serde_json::Value` before anyone looks at it, so
//! a 15 MiB structured event of tiny objects cost the archivist 1.5 GB —
//! before the write token was even checked. Here the envelope is read with
//! the event's data left as raw bytes (a borrowed [`RawValue`] in structured
//! mode, the body itself in binary mode); the step then decodes those bytes
//! once, straight into its typed input ([`crate::json::decode`]).
//!
//! What is checked (CloudEvents 1.0 core, HTTP protocol binding, JSON
//! format): `specversion` is `1.0`; `id`, `source` and `type` are present
//! and not empty; attribute names are lowercase ASCII letters and digits;
//! attribute values are strings, numbers or booleans (never objects or
//! arrays); at most [`MAX_ATTRIBUTES`]; `data` and `data_base64` are not
//! both present.

use std::borrow::Cow;

use axum::http::{HeaderMap, HeaderName, HeaderValue, header};
use base64::Engine as _;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::ser::SerializeMap as _;
use serde_json::value::RawValue;

use crate::error::ApiError;

/// `content-type` of structured-mode events.
pub const STRUCTURED: &str = "application/cloudevents+json";
/// `content-type` of batched events, which no cell accepts.
pub const BATCH: &str = "application/cloudevents-batch+json";
/// More attributes than this and the event is refused: no pipeline event
/// needs more than a dozen, and each costs a header or a map entry.
pub const MAX_ATTRIBUTES: usize = 64;

/// The context attributes of one event (everything but its data).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Attributes {
    pub id: String,
    pub source: String,
    pub ty: String,
    pub subject: Option<String>,
    /// RFC 3339, as sent.
    pub time: Option<String>,
    pub datacontenttype: Option<String>,
    pub dataschema: Option<String>,
    /// Extension attributes (`traceparent` among them), in arrival order.
    pub extensions: Vec<(String, String)>,
}

impl Attributes {
    /// A new event's attributes: `specversion` 1.0 is implied.
    pub fn new(id: impl Into<String>, source: impl Into<String>, ty: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            source: source.into(),
            ty: ty.into(),
            ..Self::default()
        }
    }

    /// The value of extension `name`.
    pub fn extension(&self, name: &str) -> Option<&str> {
        self.extensions
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Sets extension `name` (replacing an earlier value).
    pub fn with_extension(mut self, name: &str, value: impl Into<String>) -> Self {
        self.extensions.retain(|(k, _)| k != name);
        self.extensions.push((name.to_owned(), value.into()));
        self
    }

    /// Reads a binary-mode event's attributes from its `ce-*` headers; the
    /// body is the data, `content-type` its `datacontenttype`.
    pub fn from_binary(headers: &HeaderMap) -> Result<Self, EventError> {
        let mut attrs = Attributes::default();
        let mut version = None;
        let mut count = 0usize;
        for (name, value) in headers {
            let Some(attr) = name.as_str().strip_prefix("ce-") else {
                continue;
            };
            count += 1;
            if count > MAX_ATTRIBUTES {
                return Err(EventError(format!(
                    "more than {MAX_ATTRIBUTES} ce-* headers"
                )));
            }
            let value = value
                .to_str()
                .map_err(|_| EventError(format!("header ce-{attr} is not visible ASCII")))?;
            let value = percent_decode(value)
                .ok_or_else(|| EventError(format!("header ce-{attr} has a bad %-escape")))?;
            if attr == "specversion" {
                version = Some(value);
            } else {
                attrs.put(attr, value)?;
            }
        }
        attrs.datacontenttype = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        attrs.check(version.as_deref())?;
        Ok(attrs)
    }

    /// Writes the attributes as binary-mode headers (`ce-*`, and
    /// `content-type` for the data).
    pub fn to_binary(&self, headers: &mut HeaderMap) {
        let mut put = |name: &str, value: &str| {
            if let (Ok(n), Ok(v)) = (
                HeaderName::try_from(format!("ce-{name}")),
                HeaderValue::from_str(&percent_encode(value)),
            ) {
                headers.insert(n, v);
            }
        };
        put("specversion", "1.0");
        put("id", &self.id);
        put("source", &self.source);
        put("type", &self.ty);
        for (name, value) in self.optional() {
            put(name, value);
        }
        if let Some(ct) = self
            .datacontenttype
            .as_deref()
            .and_then(|ct| HeaderValue::from_str(ct).ok())
        {
            headers.insert(header::CONTENT_TYPE, ct);
        }
    }

    /// A structured-mode event: these attributes with `data` (JSON text).
    pub fn to_structured(&self, data: &RawValue) -> Vec<u8> {
        let mut out = Vec::with_capacity(data.get().len() + 256);
        let mut ser = serde_json::Serializer::new(&mut out);
        // Writing to a Vec cannot fail, and every value here is a string or
        // raw JSON that was valid when it was made: nothing can be refused.
        let _ = (|| -> Result<(), serde_json::Error> {
            let mut map = serde::Serializer::serialize_map(&mut ser, None)?;
            map.serialize_entry("specversion", "1.0")?;
            map.serialize_entry("id", &self.id)?;
            map.serialize_entry("source", &self.source)?;
            map.serialize_entry("type", &self.ty)?;
            if let Some(ct) = &self.datacontenttype {
                map.serialize_entry("datacontenttype", ct)?;
            }
            for (name, value) in self.optional() {
                map.serialize_entry(name, value)?;
            }
            map.serialize_entry("data", data)?;
            map.end()
        })();
        out
    }

    /// subject, time, dataschema and the extensions, when set.
    fn optional(&self) -> impl Iterator<Item = (&str, &str)> {
        [
            ("subject", &self.subject),
            ("time", &self.time),
            ("dataschema", &self.dataschema),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.as_deref().map(|v| (k, v)))
        .chain(
            self.extensions
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str())),
        )
    }

    fn put(&mut self, name: &str, value: String) -> Result<(), EventError> {
        if name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        {
            return Err(EventError(format!(
                "attribute name {name:?} is not lowercase letters and digits"
            )));
        }
        match name {
            "id" => self.id = value,
            "source" => self.source = value,
            "type" => self.ty = value,
            "subject" => self.subject = Some(value),
            "time" => self.time = Some(value),
            "datacontenttype" => self.datacontenttype = Some(value),
            "dataschema" => self.dataschema = Some(value),
            _ => {
                if self.extensions.iter().any(|(k, _)| k == name) {
                    return Err(EventError(format!("attribute {name} is given twice")));
                }
                self.extensions.push((name.to_owned(), value));
            }
        }
        Ok(())
    }

    fn check(&self, version: Option<&str>) -> Result<(), EventError> {
        match version {
            Some("1.0") => {}
            Some(other) => {
                return Err(EventError(format!(
                    "specversion {other:?} is not supported; send 1.0"
                )));
            }
            None => return Err(EventError("specversion is missing".into())),
        }
        for (name, value) in [
            ("id", &self.id),
            ("source", &self.source),
            ("type", &self.ty),
        ] {
            if value.is_empty() {
                return Err(EventError(format!(
                    "the required attribute {name} is missing or empty"
                )));
            }
        }
        Ok(())
    }
}

/// Why an event's envelope cannot be read; always the sender's fault (400).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed CloudEvent: {0}")]
pub struct EventError(pub String);

impl From<EventError> for ApiError {
    fn from(e: EventError) -> Self {
        ApiError::new(
            axum::http::StatusCode::BAD_REQUEST,
            "malformed_event",
            e.to_string(),
        )
    }
}

/// An event's attributes and its data, as JSON text borrowed from the
/// request body (or decoded from `data_base64`); no data when it has none.
pub type ParsedEvent<'a> = (Attributes, Option<Cow<'a, [u8]>>);

/// A structured-mode event read from `body`.
pub fn parse_structured(body: &[u8]) -> Result<ParsedEvent<'_>, EventError> {
    let envelope: Envelope<'_> =
        serde_json::from_slice(body).map_err(|e| EventError(e.to_string()))?;
    envelope.attrs.check(envelope.version.as_deref())?;
    let data = match (envelope.data, envelope.data_base64) {
        (Some(_), Some(_)) => {
            return Err(EventError("data and data_base64 are both present".into()));
        }
        (Some(raw), None) => Some(Cow::Borrowed(raw.get().as_bytes())),
        (None, Some(b64)) => Some(Cow::Owned(
            base64::engine::general_purpose::STANDARD
                .decode(b64.as_bytes())
                .map_err(|e| EventError(format!("data_base64 is not base64: {e}")))?,
        )),
        (None, None) => None,
    };
    Ok((envelope.attrs, data))
}

struct Envelope<'a> {
    version: Option<String>,
    attrs: Attributes,
    data: Option<&'a RawValue>,
    data_base64: Option<String>,
}

impl<'de> de::Deserialize<'de> for Envelope<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(EnvelopeVisitor)
    }
}

struct EnvelopeVisitor;

impl<'de> Visitor<'de> for EnvelopeVisitor {
    type Value = Envelope<'de>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a CloudEvent: a JSON object of attributes and data")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut envelope = Envelope {
            version: None,
            attrs: Attributes::default(),
            data: None,
            data_base64: None,
        };
        let mut count = 0usize;
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            count += 1;
            if count > MAX_ATTRIBUTES + 2 {
                return Err(de::Error::custom(format!(
                    "more than {MAX_ATTRIBUTES} attributes"
                )));
            }
            match key.as_ref() {
                "data" => {
                    if envelope.data.is_some() {
                        return Err(de::Error::duplicate_field("data"));
                    }
                    envelope.data = Some(map.next_value::<&'de RawValue>()?);
                }
                "data_base64" => envelope.data_base64 = Some(map.next_value::<String>()?),
                "specversion" => envelope.version = Some(map.next_value::<Scalar>()?.0),
                name => {
                    let value = map.next_value::<Scalar>()?.0;
                    envelope
                        .attrs
                        .put(name, value)
                        .map_err(|e| de::Error::custom(e.0))?;
                }
            }
        }
        Ok(envelope)
    }
}

/// An attribute value: a string, number or boolean, kept as its text. An
/// object or array is refused where it starts, without being read.
struct Scalar(String);

impl<'de> de::Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Scalar;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string, number or boolean attribute value")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar, E> {
                Ok(Scalar(v.to_owned()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

/// The HTTP binding's header encoding: space, `"`, `%` and anything outside
/// printable ASCII are percent-encoded (UTF-8 bytes).
fn percent_encode(value: &str) -> Cow<'_, str> {
    let plain = |b: u8| (0x21..=0x7e).contains(&b) && b != b'"' && b != b'%';
    if value.bytes().all(plain) {
        return Cow::Borrowed(value);
    }
    let mut out = String::with_capacity(value.len() + 8);
    for b in value.bytes() {
        if plain(b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    Cow::Owned(out)
}

fn percent_decode(value: &str) -> Option<String> {
    if !value.contains('%') {
        return Some(value.to_owned());
    }
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn structured_events_keep_their_data_raw_and_their_extensions() {
        let body = br#"{"specversion":"1.0","id":"7","source":"/t","type":"a.b","traceparent":"00-x","seq":3,"data":{"n":[1,2]}}"#;
        let (attrs, data) = parse_structured(body).unwrap();
        assert_eq!(attrs.ty, "a.b");
        assert_eq!(attrs.extension("traceparent"), Some("00-x"));
        assert_eq!(attrs.extension("seq"), Some("3"));
        assert_eq!(data.unwrap().as_ref(), br#"{"n":[1,2]}"#);
    }

    #[test]
    fn base64_data_is_decoded_and_both_forms_at_once_refused() {
        let body = br#"{"specversion":"1.0","id":"7","source":"/t","type":"a","data_base64":"eyJuIjoxfQ=="}"#;
        assert_eq!(
            parse_structured(body).unwrap().1.unwrap().as_ref(),
            br#"{"n":1}"#
        );
        let both = br#"{"specversion":"1.0","id":"7","source":"/t","type":"a","data":1,"data_base64":"MQ=="}"#;
        assert!(parse_structured(both).is_err());
    }

    #[test]
    fn envelopes_that_break_the_spec_are_refused_with_a_reason() {
        for (body, why) in [
            (
                &br#"{"id":"7","source":"/t","type":"a"}"#[..],
                "specversion",
            ),
            (
                br#"{"specversion":"0.3","id":"7","source":"/t","type":"a"}"#,
                "0.3",
            ),
            (br#"{"specversion":"1.0","source":"/t","type":"a"}"#, "id"),
            (
                br#"{"specversion":"1.0","id":"7","source":"/t","type":""}"#,
                "type",
            ),
            (
                br#"{"specversion":"1.0","id":"7","source":"/t","type":"a","pad":[{"":0}]}"#,
                "string, number or boolean",
            ),
            (
                br#"{"specversion":"1.0","id":"7","source":"/t","type":"a","Bad-Name":"x"}"#,
                "lowercase",
            ),
            (br#"[1]"#, "JSON object"),
            (
                br#"{"specversion":"1.0","id":"7","source":"/t","type":"a"} x"#,
                "trailing",
            ),
        ] {
            let e = parse_structured(body).unwrap_err();
            assert!(e.0.contains(why), "{}: {e}", String::from_utf8_lossy(body));
        }
        let many: String = (0..100).map(|i| format!(",\"x{i}\":\"v\"")).collect();
        let body = format!(r#"{{"specversion":"1.0","id":"7","source":"/t","type":"a"{many}}}"#);
        assert!(
            parse_structured(body.as_bytes())
                .unwrap_err()
                .0
                .contains("more than")
        );
    }

    #[test]
    fn binary_headers_round_trip_with_percent_encoding() {
        let attrs = Attributes::new("1", "/vpm/cli", "dev.vpm.bundle.v1")
            .with_extension("traceparent", "00-abc-def-01");
        let attrs = Attributes {
            subject: Some("プロジェクト \"x\" 100%".into()),
            datacontenttype: Some("application/json".into()),
            ..attrs
        };
        let mut headers = HeaderMap::new();
        attrs.to_binary(&mut headers);
        assert_eq!(headers["ce-specversion"], "1.0");
        assert!(headers["ce-subject"].to_str().unwrap().is_ascii());
        assert_eq!(Attributes::from_binary(&headers).unwrap(), attrs);
    }

    #[test]
    fn structured_output_reads_back() {
        let attrs = Attributes::new("1", "/s", "t").with_extension("traceparent", "00-1");
        let data = RawValue::from_string(r#"{"a":1}"#.into()).unwrap();
        let bytes = attrs.to_structured(&data);
        let (back, data) = parse_structured(&bytes).unwrap();
        assert_eq!(back, attrs);
        assert_eq!(data.unwrap().as_ref(), br#"{"a":1}"#);
    }
}
