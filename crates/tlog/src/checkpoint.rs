//! Signed tree heads as C2SP checkpoints (<https://c2sp.org/tlog-checkpoint>)
//! in C2SP signed notes (<https://c2sp.org/signed-note>).
//!
//! ```text
//! example.com/vpm-archive            origin: names the log (and its key)
//! 42                                 tree size, decimal
//! 1mQV2kzNKcXI8Wc1nHL3xyPnsZdYm1cbDCYwqD2ClG4=   root hash, base64
//!                                    blank line ends the note text
//! — example.com/vpm-archive AbCd…    key id ‖ Ed25519 signature, base64
//! ```
//!
//! The format is read and written by Cloudflare's `tlog_tiles` (checkpoint
//! body) and `signed_note` crates, ports of Go's `sumdb` packages, so our
//! checkpoints are the ones witnesses and other tlog tools expect.

use signed_note::Note;
use tlog_tiles::Checkpoint;

use crate::hash::Hash;
use crate::key::{LogKey, LogVerifier};

/// A tree head: the log's name, its size and its root.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TreeHead<'a> {
    pub origin: &'a str,
    pub size: u64,
    pub root: Hash,
}

/// A checkpoint whose signature has been checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedCheckpoint {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    #[error("the checkpoint is not a well-formed signed note: {0}")]
    MalformedNote(String),
    #[error("the note is not a well-formed tlog checkpoint")]
    MalformedCheckpoint,
    #[error("the checkpoint carries no valid signature by {0}")]
    BadSignature(String),
    #[error("the checkpoint is for log {found:?}, not {expected:?}")]
    WrongOrigin { expected: String, found: String },
}

impl TreeHead<'_> {
    /// The checkpoint body: origin, size and base64 root, one per line.
    pub fn body(&self) -> Result<Vec<u8>, CheckpointError> {
        Checkpoint::new(self.origin, self.size, tlog_tiles::Hash(self.root.0), "")
            .map(|c| c.to_bytes())
            .map_err(|_| CheckpointError::MalformedCheckpoint)
    }

    /// The checkpoint signed by `key`, as the text of a signed note.
    pub fn sign(&self, key: &LogKey) -> Result<String, CheckpointError> {
        let mut note = Note::new(&self.body()?, &[])
            .map_err(|e| CheckpointError::MalformedNote(e.to_string()))?;
        note.add_sigs(&[key])
            .map_err(|e| CheckpointError::MalformedNote(e.to_string()))?;
        String::from_utf8(note.to_bytes())
            .map_err(|e| CheckpointError::MalformedNote(e.to_string()))
    }
}

/// Checks `note`'s signature by `verifier` and reads the checkpoint in it.
///
/// The checkpoint's origin must be the verifier's name: a valid signature
/// on another log's tree head proves nothing about this one.
pub fn open(note: &str, verifier: &LogVerifier) -> Result<VerifiedCheckpoint, CheckpointError> {
    let parsed = Note::from_bytes(note.as_bytes())
        .map_err(|e| CheckpointError::MalformedNote(e.to_string()))?;
    parsed
        .verify(&verifier.note_verifiers())
        .map_err(|_| CheckpointError::BadSignature(verifier.verifier_key()))?;
    let checkpoint =
        Checkpoint::from_bytes(parsed.text()).map_err(|_| CheckpointError::MalformedCheckpoint)?;
    if checkpoint.origin() != verifier.name() {
        return Err(CheckpointError::WrongOrigin {
            expected: verifier.name().to_owned(),
            found: checkpoint.origin().to_owned(),
        });
    }
    Ok(VerifiedCheckpoint {
        origin: checkpoint.origin().to_owned(),
        size: checkpoint.size(),
        root: Hash(checkpoint.hash().0),
    })
}

/// The origin line of a note, unverified: to name the log a PEM public key
/// (which has no name) should be checked against.
pub fn origin_of(note: &str) -> Option<&str> {
    note.lines().next().filter(|l| !l.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::leaf_hash;

    #[test]
    fn signed_checkpoints_open_with_the_right_key_only() {
        let key = LogKey::generate("example.com/vpm-archive").unwrap();
        let head = TreeHead {
            origin: key.name(),
            size: 42,
            root: leaf_hash(b"x"),
        };
        let note = head.sign(&key).unwrap();
        let lines: Vec<&str> = note.lines().collect();
        assert_eq!(lines[0], "example.com/vpm-archive");
        assert_eq!(lines[1], "42");
        assert_eq!(lines[2], head.root.to_base64());
        assert_eq!(lines[3], "");
        assert!(lines[4].starts_with("— example.com/vpm-archive "));

        let opened = open(&note, &key.verifier()).unwrap();
        assert_eq!((opened.size, opened.root), (42, head.root));

        let other = LogKey::generate("example.com/vpm-archive").unwrap();
        assert!(matches!(
            open(&note, &other.verifier()),
            Err(CheckpointError::BadSignature(_))
        ));
        let tampered = note.replacen("\n42\n", "\n43\n", 1);
        assert!(open(&tampered, &key.verifier()).is_err());
    }

    #[test]
    fn a_checkpoint_of_another_origin_is_refused() {
        let key = LogKey::generate("example.com/a").unwrap();
        let note = TreeHead {
            origin: "example.com/b",
            size: 1,
            root: leaf_hash(b""),
        }
        .sign(&key)
        .unwrap();
        assert!(matches!(
            open(&note, &key.verifier()),
            Err(CheckpointError::WrongOrigin { .. })
        ));
    }

    #[test]
    fn the_signed_note_specification_example_verifies() {
        // The example note and key of c2sp.org/signed-note (and Go's
        // sumdb/note documentation). Not a checkpoint, so only the note
        // layer is exercised here.
        let vkey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
        let msg = "If you think cryptography is the answer to your problem,\n\
                   then you don't know what your problem is.\n\
                   \n\
                   — PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
        let verifier = LogVerifier::from_verifier_key(vkey).unwrap();
        let note = Note::from_bytes(msg.as_bytes()).unwrap();
        assert!(note.verify(&verifier.note_verifiers()).is_ok());
        let altered = msg.replacen("answer", "ANSWER", 1);
        let note = Note::from_bytes(altered.as_bytes()).unwrap();
        assert!(note.verify(&verifier.note_verifiers()).is_err());
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        let key = LogKey::generate("o").unwrap();
        for text in ["", "\n\n", "o\n1\nxx\n\n— o AAAA\n", "— — —"] {
            assert!(open(text, &key.verifier()).is_err());
        }
    }
}
