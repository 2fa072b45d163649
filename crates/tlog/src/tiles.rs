//! The log as C2SP tlog-tiles (<https://c2sp.org/tlog-tiles>): tile paths
//! and entry bundles.
//!
//! A tiled log is served as static-looking resources any tlog client can
//! read without knowing vpm:
//!
//! * `tile/<L>/<N>[.p/<W>]` — a *hash tile*: the hashes of the perfect
//!   subtrees at Merkle level `8·L`, indices `256·N .. 256·N + W`, 32 bytes
//!   each, concatenated. A full tile has `W = 256` and no `.p/` suffix.
//! * `tile/entries/<N>[.p/<W>]` — an *entry bundle*: leaves
//!   `256·N .. 256·N + W`, each a big-endian `uint16` length then the
//!   entry's bytes.
//!
//! `N` is written in groups of three decimal digits, every group but the
//! last prefixed with `x` (1234067 → `x001/x234/067`), so no directory of a
//! static mirror holds more than 3,000 names.
//!
//! The entry of leaf `i` is its leaf data (the canonical JSON of the signed
//! record), so the RFC 6962 leaf hash `SHA-256(0x00 ‖ entry)` a tile client
//! computes is the leaf hash our receipts and proofs already use.
//!
//! Paths are parsed strictly, in their one canonical spelling: anything
//! else (`x` groups that are not three digits, leading zeros, `..`, a
//! width of 0 or 256, an index past `u64`) is refused, so one tile has one
//! URL and a cache cannot be filled with aliases.

use std::fmt;

/// Tile height: every tile spans 2^8 = 256 hashes or entries.
pub const HEIGHT: u8 = 8;
/// Hashes (or entries) in a full tile.
pub const WIDTH: u64 = 1 << HEIGHT;
/// The largest entry an entry bundle can carry (its length is a `uint16`).
pub const MAX_ENTRY: usize = u16::MAX as usize;

/// The longest tile path we parse: `tile/63/` plus seven `xNNN/` groups
/// and `.p/255` is well under this.
const MAX_PATH: usize = 64;

/// A tile or entry bundle named by its path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TilePath {
    /// Hashes at Merkle level `8·level`.
    Hashes { level: u8, index: u64, width: u16 },
    /// Leaf entries.
    Entries { index: u64, width: u16 },
}

/// A path that is not a canonical C2SP tile path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a tile path (tile/<L>/<N>[.p/<W>] or tile/entries/<N>[.p/<W>]): {0:?}")]
pub struct BadTilePath(pub String);

impl TilePath {
    /// Parses `tile/…` (without a leading slash).
    pub fn parse(path: &str) -> Result<Self, BadTilePath> {
        let bad = || BadTilePath(path.chars().take(MAX_PATH).collect());
        if path.len() > MAX_PATH || !path.is_ascii() {
            return Err(bad());
        }
        let mut parts: Vec<&str> = path.split('/').collect();
        if parts.len() < 3 || parts[0] != "tile" {
            return Err(bad());
        }
        // A partial tile ends in `<last group>.p/<W>`.
        let mut width = WIDTH as u16;
        if parts.len() >= 4 && parts[parts.len() - 2].ends_with(".p") {
            let w = parts.pop().ok_or_else(bad)?;
            width = decimal(w, 3)
                .and_then(|w| u16::try_from(w).ok())
                .filter(|w| (1..WIDTH as u16).contains(w))
                .ok_or_else(bad)?;
            let last = parts.len() - 1;
            parts[last] = parts[last].strip_suffix(".p").ok_or_else(bad)?;
        }
        let index = index_of(&parts[2..]).ok_or_else(bad)?;
        let tile = if parts[1] == "entries" {
            Self::Entries { index, width }
        } else {
            let level = decimal(parts[1], 2)
                .and_then(|l| u8::try_from(l).ok())
                .filter(|l| *l <= 63)
                .ok_or_else(bad)?;
            Self::Hashes {
                level,
                index,
                width,
            }
        };
        // One spelling per tile: what we would print must be what was asked.
        if tile.path() != path {
            return Err(bad());
        }
        Ok(tile)
    }

    /// The tile's canonical path, `tile/…`.
    pub fn path(&self) -> String {
        let (level, index, width) = match *self {
            Self::Hashes {
                level,
                index,
                width,
            } => (level.to_string(), index, width),
            Self::Entries { index, width } => ("entries".to_owned(), index, width),
        };
        let partial = if u64::from(width) == WIDTH {
            String::new()
        } else {
            format!(".p/{width}")
        };
        format!("tile/{level}/{}{partial}", encode_index(index))
    }

    pub fn width(&self) -> u16 {
        match *self {
            Self::Hashes { width, .. } | Self::Entries { width, .. } => width,
        }
    }

    pub fn is_full(&self) -> bool {
        u64::from(self.width()) == WIDTH
    }

    /// The smallest tree that holds the whole tile, or `None` if no tree
    /// of at most `u64::MAX` leaves does.
    pub fn tree_size_needed(&self) -> Option<u64> {
        let (shift, index, width) = match *self {
            Self::Hashes {
                level,
                index,
                width,
            } => (u32::from(level) * u32::from(HEIGHT), index, width),
            Self::Entries { index, width } => (0, index, width),
        };
        // The last hash is node (8·L, 256·N + W − 1); the tree holds it
        // once it has (256·N + W) · 2^(8·L) leaves.
        let nodes = u128::from(index) * u128::from(WIDTH) + u128::from(width);
        let leaves = nodes.checked_shl(shift)?;
        if shift >= 64 {
            return None;
        }
        u64::try_from(leaves).ok()
    }

    /// The first node index (at the tile's Merkle level) or leaf index the
    /// tile covers.
    pub fn first(&self) -> u64 {
        match *self {
            Self::Hashes { index, .. } | Self::Entries { index, .. } => index.saturating_mul(WIDTH),
        }
    }
}

impl fmt::Display for TilePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.path())
    }
}

/// `N` as path groups: `x001/x234/067`.
pub fn encode_index(index: u64) -> String {
    let mut groups = vec![format!("{:03}", index % 1000)];
    let mut rest = index / 1000;
    while rest > 0 {
        groups.push(format!("x{:03}", rest % 1000));
        rest /= 1000;
    }
    groups.reverse();
    groups.join("/")
}

/// Reads `N` from its groups; the canonical-form check in [`TilePath::parse`]
/// refuses any other spelling of the same number.
fn index_of(groups: &[&str]) -> Option<u64> {
    // u64::MAX has 20 digits: seven groups.
    if groups.is_empty() || groups.len() > 7 {
        return None;
    }
    let mut n: u64 = 0;
    for (i, group) in groups.iter().enumerate() {
        let digits = if i + 1 < groups.len() {
            group.strip_prefix('x')?
        } else {
            group
        };
        if digits.len() != 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let value: u64 = digits.parse().ok()?;
        n = n.checked_mul(1000)?.checked_add(value)?;
    }
    Some(n)
}

/// A decimal of at most `max_digits` digits, nothing else.
fn decimal(text: &str, max_digits: usize) -> Option<u64> {
    if text.is_empty() || text.len() > max_digits || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// An entry too large for a bundle's `uint16` length.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("entry {index} is {len} bytes; a tlog-tiles entry holds at most {MAX_ENTRY}")]
pub struct EntryTooLarge {
    pub index: u64,
    pub len: usize,
}

/// Encodes entries `first, first + 1, …` as an entry bundle.
pub fn entry_bundle<'a>(
    first: u64,
    entries: impl IntoIterator<Item = &'a [u8]>,
) -> Result<Vec<u8>, EntryTooLarge> {
    let mut out = Vec::new();
    for (i, entry) in entries.into_iter().enumerate() {
        let len = u16::try_from(entry.len()).map_err(|_| EntryTooLarge {
            index: first + i as u64,
            len: entry.len(),
        })?;
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(entry);
    }
    Ok(out)
}

/// Splits an entry bundle into its entries; `None` if it is truncated.
pub fn read_entry_bundle(mut bundle: &[u8]) -> Option<Vec<&[u8]>> {
    let mut entries = Vec::new();
    while !bundle.is_empty() {
        let (len, rest) = bundle.split_first_chunk::<2>()?;
        let len = usize::from(u16::from_be_bytes(*len));
        if rest.len() < len {
            return None;
        }
        let (entry, rest) = rest.split_at(len);
        entries.push(entry);
        bundle = rest;
    }
    Some(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_round_trip_in_their_canonical_form() {
        for (path, tile) in [
            (
                "tile/0/000",
                TilePath::Hashes {
                    level: 0,
                    index: 0,
                    width: 256,
                },
            ),
            (
                "tile/1/x001/x234/067.p/8",
                TilePath::Hashes {
                    level: 1,
                    index: 1_234_067,
                    width: 8,
                },
            ),
            (
                "tile/entries/012.p/255",
                TilePath::Entries {
                    index: 12,
                    width: 255,
                },
            ),
            (
                "tile/entries/x018/x446/x744/x073/x709/x551/615",
                TilePath::Entries {
                    index: u64::MAX,
                    width: 256,
                },
            ),
        ] {
            assert_eq!(TilePath::parse(path), Ok(tile), "{path}");
            assert_eq!(tile.path(), path);
        }
    }

    #[test]
    fn hostile_and_non_canonical_paths_are_refused() {
        for path in [
            "",
            "tile",
            "tile/0",
            "tile/0/",
            "tile/0/1",
            "tile/0/0001",
            "tile/00/000",
            "tile/64/000",
            "tile/-1/000",
            "tile/+1/000",
            "tile/0/x000/001",
            "tile/0/x001",
            "tile/0/001/002",
            "tile/0/x1/002",
            "tile/0/y001/002",
            "tile/0/000.p/0",
            "tile/0/000.p/256",
            "tile/0/000.p/08",
            "tile/0/000.p/",
            "tile/0/000.p",
            "tile/0/000.p/1/2",
            "tile/0/000/.p/1",
            "tile/0/../000",
            "tile/../checkpoint",
            "tile/entries/..",
            "tile/entries/%30%30%30",
            "tile/8/x001/x002/003/",
            "/tile/0/000",
            "tile/data/000",
            "tile/8/0/000",
            "tile/entries/x018/x446/x744/x073/x709/x551/616",
            "tile/entries/x001/x001/x001/x001/x001/x001/x001/001",
            "tile/0/000\u{0}",
            "tile/0/٠٠٠",
        ] {
            assert!(TilePath::parse(path).is_err(), "{path:?} was accepted");
        }
        let long = format!("tile/0/{}000", "x001/".repeat(40));
        assert!(TilePath::parse(&long).is_err());
    }

    #[test]
    fn the_tree_size_a_tile_needs() {
        let t = |p: &str| TilePath::parse(p).unwrap().tree_size_needed();
        assert_eq!(t("tile/0/000"), Some(256));
        assert_eq!(t("tile/0/001.p/3"), Some(259));
        assert_eq!(t("tile/1/000.p/1"), Some(256));
        assert_eq!(t("tile/1/000"), Some(65_536));
        assert_eq!(t("tile/entries/000.p/1"), Some(1));
        // Level 8 hashes would be at Merkle level 64: beyond any tree.
        assert_eq!(t("tile/8/x001/x002/003"), None);
        assert_eq!(t("tile/63/000.p/1"), None);
        assert_eq!(t("tile/entries/x018/x446/x744/x073/x709/x551/615"), None);
    }

    #[test]
    fn bundles_round_trip_and_refuse_oversized_entries() {
        let entries: [&[u8]; 3] = [b"a", b"", &[7u8; 300]];
        let bundle = entry_bundle(0, entries).unwrap();
        assert_eq!(&bundle[..3], &[0, 1, b'a']);
        assert_eq!(read_entry_bundle(&bundle).unwrap(), entries.to_vec());
        assert!(read_entry_bundle(&bundle[..bundle.len() - 1]).is_none());
        assert!(read_entry_bundle(&[0]).is_none());
        let big = vec![0u8; MAX_ENTRY + 1];
        assert_eq!(
            entry_bundle(5, [b"x".as_slice(), big.as_slice()]),
            Err(EntryTooLarge {
                index: 6,
                len: MAX_ENTRY + 1
            })
        );
        assert!(entry_bundle(0, [vec![0u8; MAX_ENTRY].as_slice()]).is_ok());
    }
}
