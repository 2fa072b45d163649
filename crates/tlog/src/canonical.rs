//! RFC 8785 JSON Canonicalization Scheme (JCS): one byte sequence per JSON
//! value, so that a signature over a record survives any re-serialization.
//!
//! Keys are sorted by their UTF-16 code units, there is no whitespace,
//! strings use the minimal escapes and numbers are written as ECMAScript
//! writes doubles. The work is done by `serde_json_canonicalizer`; the
//! tests hold it to the RFC's own examples.

use serde::Serialize;

/// A value that has no canonical form (a number JSON cannot carry).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot canonicalize: {0}")]
pub struct CanonicalError(pub String);

/// The RFC 8785 canonical JSON of `value`.
pub fn to_canonical<T: Serialize>(value: &T) -> Result<Vec<u8>, CanonicalError> {
    serde_json_canonicalizer::to_vec(value).map_err(|e| CanonicalError(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jcs(json: &str) -> String {
        let value: serde_json::Value = serde_json::from_str(json).unwrap();
        String::from_utf8(to_canonical(&value).unwrap()).unwrap()
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
}
