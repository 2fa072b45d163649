//! When two statements say the same thing: the normal forms behind
//! de-duplication and statement ids.

use sha2::{Digest, Sha256};
use unicode_normalization::UnicodeNormalization;

/// The form in which identical statements are equal: Unicode NFKC (so
/// full-width `ＡＢＣ１２３` and half-width `ｶﾀｶﾅ` match their usual forms),
/// lowercased (Unicode-aware), whitespace runs collapsed to one space.
pub fn identity_key(text: &str) -> String {
    if text.is_ascii() {
        // NFKC leaves ASCII as it is; skip the normaliser for the common case.
        return crate::markdown::collapse_whitespace(&text.to_ascii_lowercase());
    }
    let folded: String = text.nfkc().flat_map(char::to_lowercase).collect();
    crate::markdown::collapse_whitespace(&folded)
}

/// The stable id of a statement: `st-` and the first 16 hex digits of the
/// SHA-256 of its identity key. The same text gives the same id in every
/// run and every project; 64 bits make a collision among a project's
/// statements vanishingly unlikely.
pub fn statement_id(identity_key: &str) -> String {
    let digest = Sha256::digest(identity_key.as_bytes());
    let mut id = String::with_capacity(19);
    id.push_str("st-");
    for byte in &digest[..8] {
        id.push_str(&format!("{byte:02x}"));
    }
    id
}

/// The characters compared for near-duplicates: the identity key with
/// punctuation and symbols turned into spaces, so `Beta shipped.` and
/// `Beta shipped!` differ in nothing, and `、。「」` do not count as content.
pub fn similarity_chars(identity_key: &str) -> Vec<char> {
    let mut out: Vec<char> = Vec::with_capacity(identity_key.len());
    for c in identity_key.chars() {
        let c = if c.is_alphanumeric() { c } else { ' ' };
        if c == ' ' && out.last().is_none_or(|&last| last == ' ') {
            continue;
        }
        out.push(c);
    }
    if out.last() == Some(&' ') {
        out.pop();
    }
    out
}

/// SHA-256 of `bytes` as lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut hex = String::with_capacity(64);
    for byte in digest.iter() {
        hex.push_str(&format!("{byte:02x}"));
    }
    hex
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_ignores_case_width_and_spacing_but_not_words() {
        assert_eq!(identity_key("  Sync   ENGINE\tdone "), "sync engine done");
        assert_eq!(identity_key("ＡＰＩ　ｶﾀｶﾅ"), identity_key("api カタカナ"));
        assert_eq!(identity_key("ÉCOLE"), "école");
        assert_ne!(identity_key("sync done"), identity_key("sync not done"));
    }

    #[test]
    fn ids_are_stable_and_distinct() {
        let a = statement_id(&identity_key("Beta shipped"));
        assert_eq!(a, statement_id(&identity_key("beta  SHIPPED")));
        assert_ne!(a, statement_id(&identity_key("Beta shipped.")));
        assert_eq!(a.len(), 19);
        assert!(a.starts_with("st-"));
    }

    #[test]
    fn similarity_chars_drop_punctuation() {
        let s: String = similarity_chars("「同期」が完了。 beta, shipped!")
            .into_iter()
            .collect();
        assert_eq!(s, "同期 が完了 beta shipped");
    }
}
