//! RFC 8785 JSON Canonicalization Scheme (JCS): one byte sequence per JSON
//! value, so that a signature over a record survives any re-serialization.
//!
//! Keys are sorted by their UTF-16 code units, there is no whitespace,
//! strings use the minimal escapes and numbers are written as ECMAScript
//! writes doubles. Numbers are formatted by `serde_json_canonicalizer`;
//! the rest is written here, because that crate's serializer buffers every
//! key and value separately and re-parses every key: on a 6.5 KB record it
//! took about 190 µs of the 235 µs a seal cost (`bench_archivist`, stage
//! costs, 2026-12-03).
//!
//! This writer is a serde `Serializer`: a record is written from its own
//! fields, not first copied into a `serde_json::Value` tree (an allocation
//! per key, string and object, freed right after). Each object's members
//! are written as they come; one that closes out of order (struct fields
//! are declared in no particular order) has its members' bytes moved into
//! key order. The tests hold it to byte-for-byte agreement with
//! `serde_json_canonicalizer` on random JSON, with the `Value` detour on
//! typed structs, and to the RFC's own examples.

use std::borrow::Cow;

use serde::{Serialize, ser};
use serde_json::Value;

/// A value that has no canonical form (a number JSON cannot carry).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot canonicalize: {0}")]
pub struct CanonicalError(pub String);

/// The RFC 8785 canonical JSON of `value`.
///
/// Written straight from `value`'s own `Serialize`, with no
/// `serde_json::Value` in between, but byte for byte what that detour
/// gives (the tests hold it to that): a non-finite float becomes `null`,
/// map keys that are numbers or booleans become strings, and a key given
/// twice keeps its last value.
pub fn to_canonical<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, CanonicalError> {
    let mut writer = Canonical {
        out: Vec::with_capacity(1024),
        entries: Vec::new(),
    };
    value.serialize(&mut writer)?;
    Ok(writer.out)
}

/// The writer: the output, and the members of every object still open,
/// innermost last (an object's members are sorted when it closes).
struct Canonical {
    out: Vec<u8>,
    entries: Vec<Member>,
}

/// One member of an open object: its key, and where `"key":value` starts
/// in the output (after the comma that precedes every member but the
/// first).
struct Member {
    key: Cow<'static, str>,
    start: usize,
}

/// serde_json's name for the struct a `RawValue` serializes as.
const RAW_VALUE_TOKEN: &str = "$serde_json::private::RawValue";

impl ser::Error for CanonicalError {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        CanonicalError(msg.to_string())
    }
}

impl Canonical {
    fn number(&mut self, n: serde_json::Number) -> Result<(), CanonicalError> {
        // ECMAScript's number form: the crate's, number by number.
        let text =
            serde_json_canonicalizer::to_vec(&n).map_err(|e| CanonicalError(e.to_string()))?;
        self.out.extend_from_slice(&text);
        Ok(())
    }

    fn open_object(&mut self) -> Object<'_> {
        self.out.push(b'{');
        Object {
            base: self.entries.len(),
            body: self.out.len(),
            raw: false,
            variant: false,
            writer: self,
        }
    }

    fn open_array(&mut self) -> Array<'_> {
        self.out.push(b'[');
        Array {
            first: true,
            variant: false,
            writer: self,
        }
    }

    /// `{"variant":` — the outer object of an enum variant with data.
    fn open_variant(&mut self, variant: &str) -> Result<(), CanonicalError> {
        self.out.push(b'{');
        write_string(variant, &mut self.out)?;
        self.out.push(b':');
        Ok(())
    }
}

impl<'a> ser::Serializer for &'a mut Canonical {
    type Ok = ();
    type Error = CanonicalError;
    type SerializeSeq = Array<'a>;
    type SerializeTuple = Array<'a>;
    type SerializeTupleStruct = Array<'a>;
    type SerializeTupleVariant = Array<'a>;
    type SerializeMap = Object<'a>;
    type SerializeStruct = Object<'a>;
    type SerializeStructVariant = Object<'a>;

    fn serialize_bool(self, v: bool) -> Result<(), CanonicalError> {
        self.out
            .extend_from_slice(if v { b"true" } else { b"false" });
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> Result<(), CanonicalError> {
        self.number(v.into())
    }
    fn serialize_i16(self, v: i16) -> Result<(), CanonicalError> {
        self.number(v.into())
    }
    fn serialize_i32(self, v: i32) -> Result<(), CanonicalError> {
        self.number(v.into())
    }
    fn serialize_i64(self, v: i64) -> Result<(), CanonicalError> {
        self.number(v.into())
    }
    fn serialize_i128(self, v: i128) -> Result<(), CanonicalError> {
        match (i64::try_from(v), u64::try_from(v)) {
            (Ok(v), _) => self.number(v.into()),
            (_, Ok(v)) => self.number(v.into()),
            _ => Err(CanonicalError("number out of range".into())),
        }
    }
    fn serialize_u8(self, v: u8) -> Result<(), CanonicalError> {
        self.number(v.into())
    }
    fn serialize_u16(self, v: u16) -> Result<(), CanonicalError> {
        self.number(v.into())
    }
    fn serialize_u32(self, v: u32) -> Result<(), CanonicalError> {
        self.number(v.into())
    }
    fn serialize_u64(self, v: u64) -> Result<(), CanonicalError> {
        self.number(v.into())
    }
    fn serialize_u128(self, v: u128) -> Result<(), CanonicalError> {
        let v = u64::try_from(v).map_err(|_| CanonicalError("number out of range".into()))?;
        self.number(v.into())
    }
    fn serialize_f32(self, v: f32) -> Result<(), CanonicalError> {
        self.serialize_f64(f64::from(v))
    }
    fn serialize_f64(self, v: f64) -> Result<(), CanonicalError> {
        match serde_json::Number::from_f64(v) {
            Some(n) => self.number(n),
            // What serde_json makes of a NaN or an infinity.
            None => self.serialize_unit(),
        }
    }
    fn serialize_char(self, v: char) -> Result<(), CanonicalError> {
        self.serialize_str(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, v: &str) -> Result<(), CanonicalError> {
        write_string(v, &mut self.out)
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), CanonicalError> {
        let mut array = self.open_array();
        for byte in v {
            ser::SerializeSeq::serialize_element(&mut array, byte)?;
        }
        ser::SerializeSeq::end(array)
    }
    fn serialize_none(self) -> Result<(), CanonicalError> {
        self.serialize_unit()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), CanonicalError> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), CanonicalError> {
        self.out.extend_from_slice(b"null");
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), CanonicalError> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), CanonicalError> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), CanonicalError> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), CanonicalError> {
        self.open_variant(variant)?;
        value.serialize(&mut *self)?;
        self.out.push(b'}');
        Ok(())
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Array<'a>, CanonicalError> {
        Ok(self.open_array())
    }
    fn serialize_tuple(self, _: usize) -> Result<Array<'a>, CanonicalError> {
        Ok(self.open_array())
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Array<'a>, CanonicalError> {
        Ok(self.open_array())
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Array<'a>, CanonicalError> {
        self.open_variant(variant)?;
        let mut array = self.open_array();
        array.variant = true;
        Ok(array)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Object<'a>, CanonicalError> {
        Ok(self.open_object())
    }
    fn serialize_struct(self, name: &'static str, _: usize) -> Result<Object<'a>, CanonicalError> {
        if name == RAW_VALUE_TOKEN {
            // Its one field is JSON text: canonicalized as what it parses to.
            return Ok(Object {
                base: self.entries.len(),
                body: self.out.len(),
                raw: true,
                variant: false,
                writer: self,
            });
        }
        Ok(self.open_object())
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Object<'a>, CanonicalError> {
        self.open_variant(variant)?;
        let mut object = self.open_object();
        object.variant = true;
        Ok(object)
    }
}

/// An array being written.
struct Array<'a> {
    first: bool,
    /// The array is a tuple variant's: close its outer object too.
    variant: bool,
    writer: &'a mut Canonical,
}

impl Array<'_> {
    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), CanonicalError> {
        if !std::mem::take(&mut self.first) {
            self.writer.out.push(b',');
        }
        value.serialize(&mut *self.writer)
    }

    fn close(self) -> Result<(), CanonicalError> {
        self.writer.out.push(b']');
        if self.variant {
            self.writer.out.push(b'}');
        }
        Ok(())
    }
}

/// serde's four array-like traits, each one call to [`Array::element`] per
/// element and [`Array::close`] at the end.
macro_rules! array_like {
    ($($trait:ident :: $method:ident),*) => {$(
        impl ser::$trait for Array<'_> {
            type Ok = ();
            type Error = CanonicalError;
            fn $method<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), CanonicalError> {
                self.element(v)
            }
            fn end(self) -> Result<(), CanonicalError> {
                self.close()
            }
        }
    )*};
}

array_like!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

/// An object being written. Members are written as they come, each
/// recorded on the writer's stack from `base` on; closing sorts them
/// into canonical order if they are not in it already.
struct Object<'a> {
    base: usize,
    /// Where the first member starts: just after `{`.
    body: usize,
    /// A `RawValue`: no braces, its text is parsed and written instead.
    raw: bool,
    /// The object is a struct variant's: close its outer object too.
    variant: bool,
    writer: &'a mut Canonical,
}

impl Object<'_> {
    fn key(&mut self, key: Cow<'static, str>) -> Result<(), CanonicalError> {
        let out = &mut self.writer.out;
        if self.writer.entries.len() > self.base {
            out.push(b',');
        }
        self.writer.entries.push(Member {
            key,
            start: out.len(),
        });
        let key = &self.writer.entries[self.writer.entries.len() - 1].key;
        write_string(key, out)?;
        out.push(b':');
        Ok(())
    }

    fn field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), CanonicalError> {
        if self.raw {
            let text = value.serialize(MapKey)?;
            let parsed: Value =
                serde_json::from_str(&text).map_err(|e| CanonicalError(e.to_string()))?;
            return parsed.serialize(&mut *self.writer);
        }
        self.key(Cow::Borrowed(key))?;
        value.serialize(&mut *self.writer)
    }

    fn close(self) -> Result<(), CanonicalError> {
        if self.raw {
            return Ok(());
        }
        let Canonical { out, entries } = &mut *self.writer;
        let members = &entries[self.base..];
        let in_order = members
            .windows(2)
            .all(|w| key_order(&w[0].key, &w[1].key).is_lt());
        if !in_order {
            // Each member's text, without the comma before it, as written.
            let ends: Vec<usize> = members
                .iter()
                .skip(1)
                .map(|m| m.start - 1)
                .chain(std::iter::once(out.len()))
                .collect();
            let text = out.split_off(self.body);
            let mut order: Vec<usize> = (0..members.len()).collect();
            // Stable: of the members with one key, the last one given is
            // the last of its run, and is the one kept.
            order.sort_by(|&a, &b| key_order(&members[a].key, &members[b].key));
            let mut first = true;
            for (i, &m) in order.iter().enumerate() {
                let next_has_same_key = order
                    .get(i + 1)
                    .is_some_and(|&n| members[n].key == members[m].key);
                if next_has_same_key {
                    continue;
                }
                if !std::mem::take(&mut first) {
                    out.push(b',');
                }
                out.extend_from_slice(&text[members[m].start - self.body..ends[m] - self.body]);
            }
        }
        entries.truncate(self.base);
        out.push(b'}');
        if self.variant {
            out.push(b'}');
        }
        Ok(())
    }
}

impl ser::SerializeMap for Object<'_> {
    type Ok = ();
    type Error = CanonicalError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), CanonicalError> {
        let key = key.serialize(MapKey)?;
        self.key(Cow::Owned(key))
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), CanonicalError> {
        v.serialize(&mut *self.writer)
    }
    fn end(self) -> Result<(), CanonicalError> {
        self.close()
    }
}

/// serde's two struct traits: a field is a member under its static name.
macro_rules! struct_like {
    ($($trait:ident),*) => {$(
        impl ser::$trait for Object<'_> {
            type Ok = ();
            type Error = CanonicalError;
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                v: &T,
            ) -> Result<(), CanonicalError> {
                self.field(key, v)
            }
            fn end(self) -> Result<(), CanonicalError> {
                self.close()
            }
        }
    )*};
}

struct_like!(SerializeStruct, SerializeStructVariant);

fn key_must_be_a_string() -> CanonicalError {
    CanonicalError("a map key must be a string".into())
}

/// A map key as the string serde_json would make of it: strings and chars
/// as they are, integers and booleans in their decimal or literal form.
struct MapKey;

impl ser::Serializer for MapKey {
    type Ok = String;
    type Error = CanonicalError;
    type SerializeSeq = ser::Impossible<String, CanonicalError>;
    type SerializeTuple = ser::Impossible<String, CanonicalError>;
    type SerializeTupleStruct = ser::Impossible<String, CanonicalError>;
    type SerializeTupleVariant = ser::Impossible<String, CanonicalError>;
    type SerializeMap = ser::Impossible<String, CanonicalError>;
    type SerializeStruct = ser::Impossible<String, CanonicalError>;
    type SerializeStructVariant = ser::Impossible<String, CanonicalError>;

    fn serialize_bool(self, v: bool) -> Result<String, CanonicalError> {
        Ok(v.to_string())
    }
    fn serialize_i8(self, v: i8) -> Result<String, CanonicalError> {
        Ok(v.to_string())
    }
    fn serialize_i16(self, v: i16) -> Result<String, CanonicalError> {
        Ok(v.to_string())
    }
    fn serialize_i32(self, v: i32) -> Result<String, CanonicalError> {
        Ok(v.to_string())
    }
    fn serialize_i64(self, v: i64) -> Result<String, CanonicalError> {
        Ok(v.to_string())
    }
    fn serialize_i128(self, v: i128) -> Result<String, CanonicalError> {
        Ok(v.to_string())
    }
    fn serialize_u8(self, v: u8) -> Result<String, CanonicalError> {
        Ok(v.to_string())
    }
    fn serialize_u16(self, v: u16) -> Result<String, CanonicalError> {
        Ok(v.to_string())
    }
    fn serialize_u32(self, v: u32) -> Result<String, CanonicalError> {
        Ok(v.to_string())
    }
    fn serialize_u64(self, v: u64) -> Result<String, CanonicalError> {
        Ok(v.to_string())
    }
    fn serialize_u128(self, v: u128) -> Result<String, CanonicalError> {
        Ok(v.to_string())
    }
    fn serialize_f32(self, _: f32) -> Result<String, CanonicalError> {
        Err(key_must_be_a_string())
    }
    fn serialize_f64(self, _: f64) -> Result<String, CanonicalError> {
        Err(key_must_be_a_string())
    }
    fn serialize_char(self, v: char) -> Result<String, CanonicalError> {
        Ok(v.to_string())
    }
    fn serialize_str(self, v: &str) -> Result<String, CanonicalError> {
        Ok(v.to_owned())
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<String, CanonicalError> {
        Err(key_must_be_a_string())
    }
    fn serialize_none(self) -> Result<String, CanonicalError> {
        Err(key_must_be_a_string())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<String, CanonicalError> {
        Err(key_must_be_a_string())
    }
    fn serialize_unit(self) -> Result<String, CanonicalError> {
        Err(key_must_be_a_string())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<String, CanonicalError> {
        Err(key_must_be_a_string())
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<String, CanonicalError> {
        Ok(variant.to_owned())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<String, CanonicalError> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<String, CanonicalError> {
        Err(key_must_be_a_string())
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, CanonicalError> {
        Err(key_must_be_a_string())
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, CanonicalError> {
        Err(key_must_be_a_string())
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, CanonicalError> {
        Err(key_must_be_a_string())
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, CanonicalError> {
        Err(key_must_be_a_string())
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, CanonicalError> {
        Err(key_must_be_a_string())
    }
    fn serialize_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStruct, CanonicalError> {
        Err(key_must_be_a_string())
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, CanonicalError> {
        Err(key_must_be_a_string())
    }
}

/// JCS key order: by UTF-16 code units. That differs from UTF-8 (byte)
/// order only between characters above U+FFFF and U+E000..=U+FFFF, whose
/// UTF-8 forms are the only ones to start with a byte of 0xEE or more; keys
/// without such a byte compare as bytes.
fn key_order(a: &str, b: &str) -> std::cmp::Ordering {
    let plain = |s: &str| s.bytes().all(|byte| byte < 0xEE);
    if plain(a) && plain(b) {
        a.as_bytes().cmp(b.as_bytes())
    } else {
        a.encode_utf16().cmp(b.encode_utf16())
    }
}

/// serde_json writes strings exactly as JCS wants them: `\"`, `\\`, the
/// five short escapes (`\b \f \n \r \t`), other control characters as
/// `\u00xx` in lowercase hex, everything else as itself.
fn write_string(s: &str, out: &mut Vec<u8>) -> Result<(), CanonicalError> {
    serde_json::to_writer(&mut *out, s).map_err(|e| CanonicalError(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn jcs(json: &str) -> String {
        let value: serde_json::Value = serde_json::from_str(json).unwrap();
        String::from_utf8(to_canonical(&value).unwrap()).unwrap()
    }

    fn any_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>()
                .prop_filter("JSON has no NaN or infinity", |f| f.is_finite())
                .prop_map(Value::from),
            any::<String>().prop_map(Value::String),
            "[\\u{0}-\\u{1f}\"\\\\/a-z\\u{e000}-\\u{ffff}\\u{10000}-\\u{10ffff}]{0,8}"
                .prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 64, 8, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
                prop::collection::btree_map(
                    "[a-z\\u{80}-\\u{ff}\\u{e000}-\\u{ffff}\\u{10000}-\\u{10ffff}\\r1]{0,4}",
                    inner,
                    0..8
                )
                .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn agrees_byte_for_byte_with_serde_json_canonicalizer(value in any_json()) {
            prop_assert_eq!(
                to_canonical(&value).unwrap(),
                serde_json_canonicalizer::to_vec(&value).unwrap()
            );
        }
    }

    #[test]
    fn rfc8785_section_3_2_2_example() {
        let input = r#"{
            "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
            "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
            "literals": [null, true, false]
        }"#;
        assert_eq!(
            jcs(input),
            r#"{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}"#
        );
    }

    #[test]
    fn rfc8785_section_3_2_3_sorting_by_utf16_code_units() {
        let input = r#"{
            "\u20ac": "Euro Sign",
            "\r": "Carriage Return",
            "\ufb33": "Hebrew Letter Dalet With Dagesh",
            "1": "One",
            "\ud83d\ude00": "Emoji: Grinning Face",
            "\u0080": "Control",
            "\u00f6": "Latin Small Letter O With Diaeresis"
        }"#;
        let out: serde_json::Value = serde_json::from_str(&jcs(input)).unwrap();
        let order: Vec<&str> = out
            .as_object()
            .unwrap()
            .values()
            .map(|v| v.as_str().unwrap())
            .collect();
        // serde_json's map keeps insertion order only with preserve_order,
        // so read the order from the text instead.
        let text = jcs(input);
        let positions: Vec<usize> = [
            "Carriage Return",
            "One",
            "Control",
            "Latin Small Letter O With Diaeresis",
            "Euro Sign",
            "Emoji: Grinning Face",
            "Hebrew Letter Dalet With Dagesh",
        ]
        .iter()
        .map(|name| text.find(name).unwrap())
        .collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{text}");
        assert_eq!(order.len(), 7);
    }

    #[test]
    #[allow(clippy::excessive_precision)] // the RFC's literal, on purpose
    fn rfc8785_appendix_b_numbers() {
        for (value, expected) in [
            (0.0f64, "0"),
            (-0.0, "0"),
            (5e-324, "5e-324"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (9007199254740992.0, "9007199254740992"),
            (1e21, "1e+21"),
            (1e20, "100000000000000000000"),
            (0.000001, "0.000001"),
            (1e-7, "1e-7"),
            (333333333.33333329, "333333333.3333333"),
        ] {
            let text = String::from_utf8(to_canonical(&value).unwrap()).unwrap();
            assert_eq!(text, expected, "{value:e}");
        }
    }

    #[test]
    fn structs_and_their_json_values_canonicalize_alike() {
        #[derive(Serialize)]
        struct S {
            b: f64,
            a: &'static str,
        }
        let s = S { b: 1.0, a: "é" };
        let v = serde_json::to_value(&s).unwrap();
        assert_eq!(to_canonical(&s).unwrap(), to_canonical(&v).unwrap());
        assert_eq!(
            to_canonical(&s).unwrap(),
            "{\"a\":\"é\",\"b\":1}".as_bytes()
        );
    }

    /// Every shape serde can hand a serializer, in fields declared out of
    /// key order: written straight from the struct, the bytes are what the
    /// reference crate makes of the struct's `Value`.
    #[derive(Debug, Clone, Serialize)]
    #[serde(tag = "type")]
    enum Tagged {
        Zeta { z: u8, a: Option<String> },
        Alpha,
    }

    #[derive(Debug, Clone, Serialize)]
    enum Shape {
        Unit,
        New(i64),
        Pair(u8, String),
        Fields { y: bool, x: Vec<f64> },
    }

    #[derive(Debug, Clone, Serialize)]
    struct Inner {
        zz: Option<u32>,
        #[serde(skip_serializing_if = "Option::is_none")]
        skipped: Option<u32>,
        #[serde(rename = "prov:type")]
        kind: String,
        #[serde(rename = "\u{10000}")]
        astral: char,
        #[serde(rename = "\u{e000}")]
        private_use: (),
    }

    #[derive(Debug, Clone, Serialize)]
    struct Outer {
        z: Vec<Shape>,
        m: std::collections::BTreeMap<String, Inner>,
        by_number: std::collections::BTreeMap<u64, bool>,
        #[serde(with = "serde_bytes_as_seq")]
        bytes: Vec<u8>,
        tagged: Vec<Tagged>,
        big: u128,
        small: i8,
        float: f32,
        not_a_number: f64,
        a: Option<Box<Outer>>,
        #[serde(flatten)]
        extra: std::collections::BTreeMap<String, Value>,
    }

    /// `Vec<u8>` through `serialize_bytes`, as a bytes-aware type would.
    mod serde_bytes_as_seq {
        pub fn serialize<S: serde::Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
            s.serialize_bytes(v)
        }
    }

    fn inner(key: &str) -> Inner {
        Inner {
            zz: key.len().try_into().ok(),
            skipped: None,
            kind: format!("vpm:{key}\n\u{1f}\"\\"),
            astral: '😀',
            private_use: (),
        }
    }

    fn outer(nested: Option<Outer>, extra: &[(&str, Value)]) -> Outer {
        Outer {
            z: vec![
                Shape::Unit,
                Shape::New(-7),
                Shape::Pair(3, "p".into()),
                Shape::Fields {
                    y: true,
                    x: vec![0.1, 1e21, -0.0],
                },
            ],
            m: ["b", "a", "\u{e9}", "\u{ffff}", "\u{10000}", ""]
                .into_iter()
                .map(|k| (k.to_owned(), inner(k)))
                .collect(),
            by_number: [(10, true), (9, false)].into_iter().collect(),
            bytes: vec![0, 255, 16],
            tagged: vec![
                Tagged::Zeta {
                    z: 1,
                    a: Some("x".into()),
                },
                Tagged::Alpha,
            ],
            big: u128::from(u64::MAX),
            small: -128,
            float: 0.1,
            not_a_number: f64::NAN,
            a: nested.map(Box::new),
            extra: extra
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect(),
        }
    }

    #[test]
    fn typed_values_of_every_shape_canonicalize_as_their_json_value_does() {
        let extra = [
            ("0", Value::from(1)),
            (
                "zzz",
                serde_json::json!({"b": [1, {"d": 1, "c": 2}], "a": null}),
            ),
        ];
        let value = outer(Some(outer(None, &[])), &extra);
        let reference =
            serde_json_canonicalizer::to_vec(&serde_json::to_value(&value).unwrap()).unwrap();
        let written = to_canonical(&value).unwrap();
        assert_eq!(
            String::from_utf8(written).unwrap(),
            String::from_utf8(reference).unwrap()
        );
    }

    #[test]
    fn a_key_given_twice_keeps_its_last_value_as_a_json_value_would() {
        // `flatten` can repeat a struct's own field name.
        let value = outer(
            None,
            &[("z", Value::from("flattened")), ("a", Value::from(2))],
        );
        let via_value = serde_json::to_value(&value).unwrap();
        assert_eq!(via_value["z"], "flattened");
        assert_eq!(
            to_canonical(&value).unwrap(),
            serde_json_canonicalizer::to_vec(&via_value).unwrap()
        );
    }

    #[test]
    fn a_raw_value_is_canonicalized_as_the_json_it_holds() {
        #[derive(Serialize)]
        struct WithRaw {
            raw: Box<serde_json::value::RawValue>,
            a: u8,
        }
        let raw = serde_json::value::RawValue::from_string(
            r#"{ "b" : [ 1.50, "\u0041" ], "a" : { } }"#.to_owned(),
        )
        .unwrap();
        let text = to_canonical(&WithRaw { raw, a: 1 }).unwrap();
        assert_eq!(text, br#"{"a":1,"raw":{"a":{},"b":[1.5,"A"]}}"#);
    }

    #[test]
    fn keys_that_cannot_be_strings_are_refused() {
        let mut by_pair = std::collections::BTreeMap::new();
        by_pair.insert((1, 2), 3);
        assert!(to_canonical(&by_pair).is_err());
        assert!(to_canonical(&u128::MAX).is_err());
        assert!(to_canonical(&i128::MIN).is_err());
        assert_eq!(
            to_canonical(&i128::from(i64::MIN)).unwrap(),
            serde_json_canonicalizer::to_vec(&i64::MIN).unwrap()
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Random keys and values through typed maps and structs: the
        /// direct writer and the `Value` detour agree byte for byte.
        #[test]
        fn typed_maps_agree_with_the_value_detour(
            entries in prop::collection::vec(
                (
                    "[a-z\\u{80}-\\u{ff}\\u{e000}-\\u{ffff}\\u{10000}-\\u{10ffff}\\r1]{0,4}",
                    any::<Option<u32>>(),
                    "[\\u{0}-\\u{1f}\"\\\\/a-z\\u{e000}-\\u{ffff}]{0,6}",
                ),
                0..12,
            )
        ) {
            let map: std::collections::BTreeMap<String, Inner> = entries
                .iter()
                .map(|(k, zz, kind)| {
                    (k.clone(), Inner { zz: *zz, skipped: *zz, kind: kind.clone(), astral: 'x', private_use: () })
                })
                .collect();
            let reference =
                serde_json_canonicalizer::to_vec(&serde_json::to_value(&map).unwrap()).unwrap();
            prop_assert_eq!(to_canonical(&map).unwrap(), reference);
        }
    }
}
