//! An entry line in the one form the archivist writes it, read without a
//! JSON parser's pass over the documents beside the leaf.
//!
//! A version 3 entry is about 7 KB, and 6 KB of it are the snapshot and
//! its PROV document. The general reader scans every byte of them as JSON
//! only to find where they end, and then the audit hashes them. Here the
//! record's own commitments say how long each document is, so the line is
//! cut at those lengths and the documents are only hashed.
//!
//! What this accepts, the general reader accepts too, with one difference:
//! a document is not checked to be well-formed JSON. It is checked to be
//! exactly the bytes whose SHA-256 and length the signed record states,
//! so it is what the log key committed to, byte for byte. Any line not in
//! this form, or failing a check, is read again by the general reader,
//! which says what is wrong.

use serde::Deserialize as _;
use serde_json::value::RawValue;

use crate::hash::Hash;
use crate::record::LeafCommitments;

/// An entry line recognised in the written form; nothing in it checked
/// beyond its form.
pub(super) struct WrittenEntry<'a> {
    pub leaf_index: u64,
    /// 64 lowercase hex digits.
    pub record_id: &'a str,
    pub nodes: Vec<Hash>,
    pub leaf: &'a [u8],
    pub commitments: LeafCommitments<'a>,
    pub document: Option<&'a [u8]>,
    pub provenance: Option<&'a [u8]>,
}

/// Recognises
/// `{"kind":"entry","leaf_index":N,"record_id":"<hex>","logged_at":"<text>",
/// "nodes":["<hex>",...],"signed_record":<leaf>[,"document":<bytes>]
/// [,"provenance":<bytes>]}` with no space anywhere, hashes as 64
/// lowercase hex digits, a plain ASCII `logged_at`, a leaf that is one JSON
/// value, and each document exactly as long as the leaf says. `None` for
/// anything else.
pub(super) fn recognise(line: &[u8]) -> Option<WrittenEntry<'_>> {
    let mut rest = line.strip_prefix(b"{\"kind\":\"entry\",\"leaf_index\":")?;
    let leaf_index = number(&mut rest)?;
    rest = rest.strip_prefix(b",\"record_id\":\"")?;
    let (record_id, after) = rest.split_at_checked(64)?;
    if !record_id.iter().all(is_lower_hex) {
        return None;
    }
    let record_id = std::str::from_utf8(record_id).ok()?;
    rest = after.strip_prefix(b"\",\"logged_at\":\"")?;
    let end = rest.iter().position(|b| *b == b'"')?;
    if !rest[..end]
        .iter()
        .all(|b| (0x20..0x7f).contains(b) && *b != b'\\')
    {
        return None;
    }
    rest = rest[end..].strip_prefix(b"\",\"nodes\":[")?;
    let mut nodes = Vec::new();
    if let Some(after) = rest.strip_prefix(b"]") {
        rest = after;
    } else {
        loop {
            rest = rest.strip_prefix(b"\"")?;
            let (hex, after) = rest.split_at_checked(64)?;
            nodes.push(hash(hex)?);
            rest = after.strip_prefix(b"\"")?;
            match rest.split_first()? {
                (b',', after) => rest = after,
                (b']', after) => {
                    rest = after;
                    break;
                }
                _ => return None,
            }
        }
    }
    rest = rest.strip_prefix(b",\"signed_record\":")?;
    let leaf = {
        let mut de = serde_json::Deserializer::from_slice(rest);
        let raw = <&RawValue>::deserialize(&mut de).ok()?;
        raw.get().as_bytes()
    };
    // The leaf starts where the field does (no space before it).
    if leaf.as_ptr() != rest.as_ptr() {
        return None;
    }
    rest = &rest[leaf.len()..];
    let commitments = LeafCommitments::read(leaf).ok()?;
    let document = kept(&mut rest, b",\"document\":", commitments.document_bytes())?;
    let provenance = kept(
        &mut rest,
        b",\"provenance\":",
        commitments.provenance_bytes(),
    )?;
    if rest != b"}" {
        return None;
    }
    Some(WrittenEntry {
        leaf_index,
        record_id,
        nodes,
        leaf,
        commitments,
        document,
        provenance,
    })
}

/// A field holding a document of the declared length, when one is
/// declared; when none is, the field must be absent. `None` if the line
/// does not fit.
fn kept<'a>(rest: &mut &'a [u8], field: &[u8], declared: Option<u64>) -> Option<Option<&'a [u8]>> {
    let Some(bytes) = declared else {
        return (!rest.starts_with(field)).then_some(None);
    };
    let after = rest.strip_prefix(field)?;
    let (document, after) = after.split_at_checked(usize::try_from(bytes).ok()?)?;
    *rest = after;
    Some(Some(document))
}

/// A JSON number that is a `u64`: digits, no leading zero.
fn number(rest: &mut &[u8]) -> Option<u64> {
    let len = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    let (digits, after) = rest.split_at(len);
    if digits.is_empty() || (digits.len() > 1 && digits[0] == b'0') {
        return None;
    }
    let n = std::str::from_utf8(digits).ok()?.parse().ok()?;
    *rest = after;
    Some(n)
}

fn is_lower_hex(b: &u8) -> bool {
    nibble(*b).is_some()
}

/// A lowercase hex digit's value.
fn nibble(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        _ => None,
    }
}

/// 64 lowercase hex digits as a hash.
fn hash(hex: &[u8]) -> Option<Hash> {
    if hex.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (byte, pair) in out.iter_mut().zip(hex.chunks_exact(2)) {
        *byte = nibble(pair[0])? << 4 | nibble(pair[1])?;
    }
    Some(Hash(out))
}
