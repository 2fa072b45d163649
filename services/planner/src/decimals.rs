//! Fixed decimals for every number a plan prints.
//!
//! A plan must be byte-identical across runs and platforms. Rounding to
//! three decimals with round-half-away-from-zero (IEEE 754 operations only,
//! which every platform performs alike) and printing with serde_json's
//! shortest round-trip formatting gives the same text everywhere. Scores are
//! kept as integer thousandths ([`Milli`]) while ranking, so their parts add
//! up exactly and comparisons never meet a floating-point tie.

/// Rounds to three decimals.
pub fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// An amount in thousandths of a point.
pub type Milli = i64;

/// `x` points in thousandths, rounded.
pub fn to_milli(x: f64) -> Milli {
    (x * 1000.0).round() as Milli
}

/// Thousandths as the decimal number printed.
pub fn from_milli(m: Milli) -> f64 {
    m as f64 / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_decimals_print_as_written() {
        assert_eq!(round3(2.0 / 3.0), 0.667);
        assert_eq!(serde_json::to_string(&round3(0.1 + 0.2)).unwrap(), "0.3");
        assert_eq!(
            serde_json::to_string(&from_milli(12_345)).unwrap(),
            "12.345"
        );
        assert_eq!(to_milli(20.0 * 6.0 / 11.0), 10_909);
    }
}
