//! The log's Ed25519 key: read from and written to PKCS#8 PEM, and named
//! the way C2SP signed notes name keys.
//!
//! A signed note identifies a key by a *name* (the log's origin) and a key
//! id: the first four bytes of SHA-256(name ‖ "\n" ‖ 0x01 ‖ public key),
//! 0x01 being the Ed25519 signature type. The public key is published as a
//! *verifier key*, `name+<8 hex id>+<base64(0x01 ‖ public key)>`, the form
//! Go's `sumdb/note` and every tlog witness read.

use std::fmt;

use base64::Engine as _;
use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};

/// The signed-note signature type of Ed25519.
const ALG_ED25519: u8 = 0x01;

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("not an Ed25519 private key in PKCS#8 PEM: {0}")]
    PrivatePem(String),
    #[error(
        "not an Ed25519 public key (expected a verifier key `name+id+base64` or an SPKI PEM): {0}"
    )]
    Public(String),
    #[error("{0:?} cannot name a log key: it must be non-empty, without spaces or '+'")]
    BadName(String),
    #[error("the system random generator failed: {0}")]
    Random(String),
}

/// The archivist's signing key and the name (origin) it signs under.
///
/// `Debug` shows the public half only: the private key must never reach a
/// log line.
#[derive(Clone)]
pub struct LogKey {
    name: String,
    signing: SigningKey,
}

impl fmt::Debug for LogKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LogKey")
            .field("verifier_key", &self.verifier().verifier_key())
            .finish_non_exhaustive()
    }
}

impl LogKey {
    /// A fresh key from the operating system's random generator.
    pub fn generate(name: &str) -> Result<Self, KeyError> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|e| KeyError::Random(e.to_string()))?;
        Self::from_signing_key(name, SigningKey::from_bytes(&seed))
    }

    pub fn from_signing_key(name: &str, signing: SigningKey) -> Result<Self, KeyError> {
        check_name(name)?;
        Ok(Self {
            name: name.to_owned(),
            signing,
        })
    }

    /// Reads a PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`, as `openssl
    /// genpkey -algorithm ed25519` and `vpm keygen` write it).
    pub fn from_pkcs8_pem(name: &str, pem: &str) -> Result<Self, KeyError> {
        let signing =
            SigningKey::from_pkcs8_pem(pem).map_err(|e| KeyError::PrivatePem(e.to_string()))?;
        Self::from_signing_key(name, signing)
    }

    /// The private key as PKCS#8 PEM, for writing to a 0600 file.
    pub fn to_pkcs8_pem(&self) -> Result<String, KeyError> {
        self.signing
            .to_pkcs8_pem(LineEnding::LF)
            .map(|pem| pem.to_string())
            .map_err(|e| KeyError::PrivatePem(e.to_string()))
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn verifier(&self) -> LogVerifier {
        LogVerifier {
            name: self.name.clone(),
            key: self.signing.verifying_key(),
        }
    }

    /// A raw Ed25519 signature over `message`.
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.signing.sign(message).to_bytes()
    }
}

impl signed_note::Signer for LogKey {
    fn name(&self) -> &str {
        &self.name
    }

    fn key_id(&self) -> u32 {
        self.verifier().key_id()
    }

    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, ed25519_dalek::SignatureError> {
        Ok(LogKey::sign(self, msg).to_vec())
    }
}

/// The public half: what anyone needs to check records, receipts and
/// checkpoints.
#[derive(Clone, PartialEq, Eq)]
pub struct LogVerifier {
    name: String,
    key: VerifyingKey,
}

impl fmt::Debug for LogVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.verifier_key())
    }
}

impl LogVerifier {
    pub fn new(name: &str, key: VerifyingKey) -> Result<Self, KeyError> {
        check_name(name)?;
        Ok(Self {
            name: name.to_owned(),
            key,
        })
    }

    /// Parses a verifier key, `name+<8 hex id>+<base64(0x01 ‖ key)>`,
    /// checking that the id matches the name and key.
    pub fn from_verifier_key(vkey: &str) -> Result<Self, KeyError> {
        let bad = || KeyError::Public(truncate(vkey));
        let vkey = vkey.trim();
        let (name, rest) = vkey.split_once('+').ok_or_else(bad)?;
        let (id_hex, key_b64) = rest.split_once('+').ok_or_else(bad)?;
        let raw = base64::engine::general_purpose::STANDARD
            .decode(key_b64)
            .map_err(|_| bad())?;
        let (&alg, key) = raw.split_first().ok_or_else(bad)?;
        if alg != ALG_ED25519 || id_hex.len() != 8 {
            return Err(bad());
        }
        let key: [u8; 32] = key.try_into().map_err(|_| bad())?;
        let key = VerifyingKey::from_bytes(&key).map_err(|_| bad())?;
        let verifier = Self::new(name, key)?;
        if format!("{:08x}", verifier.key_id()) != id_hex.to_ascii_lowercase() {
            return Err(KeyError::Public(format!(
                "{}: the key id does not match the name and key",
                truncate(vkey)
            )));
        }
        Ok(verifier)
    }

    /// Reads a public key as SPKI PEM (`-----BEGIN PUBLIC KEY-----`) and
    /// gives it `name`.
    pub fn from_public_pem(name: &str, pem: &str) -> Result<Self, KeyError> {
        let key =
            VerifyingKey::from_public_key_pem(pem).map_err(|e| KeyError::Public(e.to_string()))?;
        Self::new(name, key)
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn key(&self) -> &VerifyingKey {
        &self.key
    }

    /// The signed-note key id.
    pub fn key_id(&self) -> u32 {
        let mut encoded = vec![ALG_ED25519];
        encoded.extend_from_slice(self.key.as_bytes());
        signed_note::key_id(&self.name, &encoded)
    }

    /// The key id as 8 lowercase hex digits, as records carry it.
    pub fn key_id_hex(&self) -> String {
        format!("{:08x}", self.key_id())
    }

    /// `name+<id>+<base64(0x01 ‖ key)>`.
    pub fn verifier_key(&self) -> String {
        signed_note::new_ed25519_verifier_key(&self.name, &self.key)
    }

    /// The public key as SPKI PEM.
    pub fn public_pem(&self) -> String {
        self.key
            .to_public_key_pem(LineEnding::LF)
            .unwrap_or_default()
    }

    /// The 32-byte public key, standard base64.
    pub fn public_base64(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(self.key.as_bytes())
    }

    /// Checks a raw Ed25519 signature (strictly: no malleable or
    /// small-order encodings).
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        let Ok(bytes) = <[u8; 64]>::try_from(signature) else {
            return false;
        };
        let signature = ed25519_dalek::Signature::from_bytes(&bytes);
        self.key.verify_strict(message, &signature).is_ok()
    }

    /// Checks many signatures over 32-byte digests at once, all by this
    /// key: true only if every one verifies.
    ///
    /// Ed25519 batch verification: RFC 8032 §5.1.7's equation for each
    /// signature, `[8][s]B = [8]R + [8][k]A` with `k = SHA-512(R ‖ A ‖ M)`,
    /// summed over the batch with a random 128-bit coefficient `z` each
    /// (so a bad signature cannot be cancelled by another):
    ///
    /// ```text
    /// [8]( [−Σ z·s] B  +  [Σ z·k] A  +  Σ [z] R )  =  identity
    /// ```
    ///
    /// `ed25519_dalek::verify_batch` takes a key per signature and so
    /// multiplies `A` once per signature: a multi-scalar product of
    /// `2n + 1` points. Every record of a log is signed by the one log
    /// key, so the `A` terms are summed into one coefficient first and the
    /// product has `n + 2` points — about half the work, measured by
    /// `crates/tlog/examples/audit_cost.rs`. The coefficients come from
    /// SHA-512 over every input (as in `ed25519_dalek`'s transcript), so
    /// the check is deterministic and cannot be steered by the signer.
    ///
    /// The check is *cofactored*, so it also accepts a signature whose `R`
    /// carries a small-order component, which the strict check refuses;
    /// such a signature is not the one the key made, so its bytes — and
    /// the leaf hash over them — differ from what the log committed to,
    /// and an audit still fails at the tree. As in the strict check, `s`
    /// must be canonical and a small-order key verifies nothing. When the
    /// batch fails, callers check one by one to find which.
    pub fn verify_batch(&self, digests: &[[u8; 32]], signatures: &[[u8; 64]]) -> bool {
        use curve25519_dalek::edwards::CompressedEdwardsY;
        use curve25519_dalek::traits::{IsIdentity as _, VartimeMultiscalarMul as _};
        use curve25519_dalek::{EdwardsPoint, Scalar, constants};
        use sha2::{Digest as _, Sha512};

        if digests.len() != signatures.len() || self.key.is_weak() {
            return false;
        }
        if signatures.is_empty() {
            return true;
        }
        let a = self.key.as_bytes();
        // k_i = SHA-512(R_i ‖ A ‖ M_i), and every input into the seed the
        // coefficients are drawn from.
        let mut seed = Sha512::new_with_prefix(b"vpm ed25519 single-key batch\0");
        seed.update(a);
        let mut ks = Vec::with_capacity(signatures.len());
        let mut ss = Vec::with_capacity(signatures.len());
        for (digest, signature) in digests.iter().zip(signatures) {
            let (r, s) = signature.split_at(32);
            let Some(s) = <[u8; 32]>::try_from(s)
                .ok()
                .and_then(|s| Scalar::from_canonical_bytes(s).into_option())
            else {
                return false;
            };
            let k = Sha512::new()
                .chain_update(r)
                .chain_update(a)
                .chain_update(digest);
            let k: [u8; 64] = k.finalize().into();
            seed.update(k);
            seed.update(s.as_bytes());
            ks.push(Scalar::from_bytes_mod_order_wide(&k));
            ss.push(s);
        }
        let seed = seed.finalize();
        let mut b_coefficient = Scalar::ZERO;
        let mut a_coefficient = Scalar::ZERO;
        let mut zs = Vec::with_capacity(signatures.len());
        for (i, (k, s)) in ks.iter().zip(&ss).enumerate() {
            let z: [u8; 64] = Sha512::new()
                .chain_update(seed)
                .chain_update((i as u64).to_le_bytes())
                .finalize()
                .into();
            let mut z128 = [0u8; 32];
            z128[..16].copy_from_slice(&z[..16]);
            let z = Scalar::from_bytes_mod_order(z128);
            b_coefficient -= z * s;
            a_coefficient += z * k;
            zs.push(z);
        }
        let rs = signatures.iter().map(|signature| {
            let mut r = [0u8; 32];
            r.copy_from_slice(&signature[..32]);
            CompressedEdwardsY(r).decompress()
        });
        let points = [
            Some(constants::ED25519_BASEPOINT_POINT),
            Some(self.key.to_edwards()),
        ]
        .into_iter()
        .chain(rs);
        let scalars = [b_coefficient, a_coefficient].into_iter().chain(zs);
        EdwardsPoint::optional_multiscalar_mul(scalars, points)
            .is_some_and(|sum| sum.mul_by_cofactor().is_identity())
    }

    pub(crate) fn note_verifiers(&self) -> signed_note::VerifierList {
        let verifier = signed_note::StandardVerifier::new(&self.verifier_key());
        signed_note::VerifierList::new(
            verifier
                .into_iter()
                .map(|v| Box::new(v) as Box<dyn signed_note::Verifier>)
                .collect(),
        )
    }
}

fn check_name(name: &str) -> Result<(), KeyError> {
    if signed_note::is_key_name_valid(name) {
        Ok(())
    } else {
        Err(KeyError::BadName(name.to_owned()))
    }
}

fn truncate(s: &str) -> String {
    s.chars().take(120).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::Hash;

    #[test]
    fn pem_round_trip_keeps_the_key() {
        let key = LogKey::generate("example.com/log").unwrap();
        let pem = key.to_pkcs8_pem().unwrap();
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"));
        let again = LogKey::from_pkcs8_pem("example.com/log", &pem).unwrap();
        assert_eq!(again.verifier(), key.verifier());
        assert!(LogKey::from_pkcs8_pem("example.com/log", "not a key").is_err());
    }

    #[test]
    fn a_batch_verifies_only_when_every_signature_does() {
        let key = LogKey::generate("example.com/log").unwrap();
        let verifier = key.verifier();
        let digests: Vec<[u8; 32]> = (0u8..40).map(|i| Hash::of(&[i]).0).collect();
        let mut signatures: Vec<[u8; 64]> = digests.iter().map(|d| key.sign(d)).collect();
        assert!(verifier.verify_batch(&digests, &signatures));
        // One signature over another digest, one flipped bit, one by
        // another key: each alone fails the batch.
        let other = LogKey::generate("example.com/log").unwrap();
        for bad in [key.sign(&digests[0]), other.sign(&digests[17])] {
            let saved = signatures[17];
            signatures[17] = bad;
            assert!(!verifier.verify_batch(&digests, &signatures));
            signatures[17] = saved;
        }
        signatures[39][5] ^= 1;
        assert!(!verifier.verify_batch(&digests, &signatures));
        assert!(!verifier.verify_batch(&digests[..3], &signatures[..2]));
        signatures[39][5] ^= 1;
        // A digest changed under its signature.
        let mut changed = digests.clone();
        changed[3][0] ^= 0x80;
        assert!(!verifier.verify_batch(&changed, &signatures));
        // Batches of one and of none.
        assert!(verifier.verify_batch(&digests[..1], &signatures[..1]));
        assert!(verifier.verify_batch(&[], &[]));
    }

    /// `s + l` is the same scalar as `s` but not its canonical encoding:
    /// the strict check refuses it, and so must the batch (else the same
    /// record would have two valid signatures).
    #[test]
    fn a_batch_refuses_a_non_canonical_s_and_a_bad_r() {
        use curve25519_dalek::Scalar;
        let key = LogKey::generate("example.com/log").unwrap();
        let verifier = key.verifier();
        let digests: Vec<[u8; 32]> = (0u8..5).map(|i| Hash::of(&[i]).0).collect();
        let mut signatures: Vec<[u8; 64]> = digests.iter().map(|d| key.sign(d)).collect();
        // l, the group order, little-endian.
        let l: [u8; 32] = [
            0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9,
            0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
        ];
        let mut s_plus_l = [0u8; 32];
        let mut carry = 0u16;
        for i in 0..32 {
            let sum = u16::from(signatures[2][32 + i]) + u16::from(l[i]) + carry;
            s_plus_l[i] = sum as u8;
            carry = sum >> 8;
        }
        assert_eq!(carry, 0, "s + l fits in 32 bytes since s < l < 2^253");
        assert_eq!(
            Scalar::from_bytes_mod_order(s_plus_l).to_bytes(),
            signatures[2][32..]
        );
        let saved = signatures[2];
        signatures[2][32..].copy_from_slice(&s_plus_l);
        assert!(!verifier.verify(&digests[2], &signatures[2]));
        assert!(!verifier.verify_batch(&digests, &signatures));
        signatures[2] = saved;
        // An R that is no point of the curve (y = 2 has no x).
        let mut r = [0u8; 32];
        r[0] = 2;
        signatures[4][..32].copy_from_slice(&r);
        assert!(!verifier.verify_batch(&digests, &signatures));
    }

    /// A key of small order verifies nothing, in a batch as one by one,
    /// even signatures made to pass the batch equation.
    #[test]
    fn a_small_order_key_verifies_no_batch() {
        // The identity point: a weak key for which s = 0, R = identity
        // satisfies the unchecked equation for every message.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        let weak = VerifyingKey::from_bytes(&identity).unwrap();
        let verifier = LogVerifier::new("example.com/log", weak).unwrap();
        let mut signature = [0u8; 64];
        signature[0] = 1;
        let digest = Hash::of(b"anything").0;
        assert!(!verifier.verify(&digest, &signature));
        assert!(!verifier.verify_batch(&[digest], &[signature]));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

        /// One byte of one signature or digest changed anywhere: the batch
        /// agrees with checking each signature strictly on its own.
        #[test]
        fn a_batch_agrees_with_the_strict_check(
            n in 1usize..12, which in 0usize..12, byte in 0usize..96, flip in 1u8..=255,
        ) {
            let key = LogKey::generate("example.com/log").unwrap();
            let verifier = key.verifier();
            let mut digests: Vec<[u8; 32]> = (0..n).map(|i| Hash::of(&i.to_le_bytes()).0).collect();
            let mut signatures: Vec<[u8; 64]> = digests.iter().map(|d| key.sign(d)).collect();
            let which = which % n;
            if byte < 64 {
                signatures[which][byte] ^= flip;
            } else {
                digests[which][byte - 64] ^= flip;
            }
            let one_by_one = digests.iter().zip(&signatures).all(|(d, s)| verifier.verify(d, s));
            proptest::prop_assert!(!one_by_one);
            proptest::prop_assert_eq!(verifier.verify_batch(&digests, &signatures), one_by_one);
        }
    }

    #[test]
    fn debug_output_never_shows_the_private_key() {
        let key = LogKey::generate("example.com/log").unwrap();
        let pem = key.to_pkcs8_pem().unwrap();
        let body: String = pem.lines().nth(1).unwrap().chars().take(20).collect();
        let shown = format!("{key:?}");
        assert!(!shown.contains(&body));
        assert!(shown.contains("example.com/log+"));
    }

    #[test]
    fn verifier_keys_round_trip_and_bind_the_name() {
        let key = LogKey::generate("example.com/log").unwrap();
        let vkey = key.verifier().verifier_key();
        let parsed = LogVerifier::from_verifier_key(&vkey).unwrap();
        assert_eq!(parsed, key.verifier());
        // Renaming the key without recomputing the id is caught.
        let renamed = vkey.replacen("example.com/log", "evil.example/log", 1);
        assert!(LogVerifier::from_verifier_key(&renamed).is_err());
        assert!(LogVerifier::from_verifier_key("garbage").is_err());
    }

    #[test]
    fn signed_note_example_key_from_the_spec() {
        // The verifier key used throughout Go's sumdb/note documentation and
        // the C2SP signed-note examples.
        let vkey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
        let v = LogVerifier::from_verifier_key(vkey).unwrap();
        assert_eq!(v.name(), "PeterNeumann");
        assert_eq!(v.key_id_hex(), "c74f20a3");
        assert_eq!(v.verifier_key(), vkey);
    }

    #[test]
    fn public_pem_round_trip() {
        let key = LogKey::generate("n").unwrap();
        let pem = key.verifier().public_pem();
        assert_eq!(
            LogVerifier::from_public_pem("n", &pem).unwrap(),
            key.verifier()
        );
    }

    #[test]
    fn names_with_spaces_or_plus_are_refused() {
        assert!(LogKey::generate("a b").is_err());
        assert!(LogKey::generate("a+b").is_err());
        assert!(LogKey::generate("").is_err());
    }
}
