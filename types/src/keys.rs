//! The Ed25519 keys and signatures of headers: a producer's (or a validator's p2p) public key
//! and its signature over a header's canonical encoding.

use ed25519_dalek::{SigningKey, VerifyingKey};

use crate::error::{Error, Result};

weft_encoding::hex_bytes!(
    /// A producer's Ed25519 public key (32 bytes).
    ProducerKey,
    32
);
weft_encoding::hex_bytes!(
    /// An Ed25519 signature (64 bytes).
    Signature,
    64
);

impl ProducerKey {
    /// The key of a signing key.
    pub fn of(key: &SigningKey) -> Self {
        Self(key.verifying_key().to_bytes())
    }

    pub(crate) fn verifying_key(&self) -> Result<VerifyingKey> {
        VerifyingKey::from_bytes(&self.0).map_err(|e| Error::BadKey(e.to_string()))
    }
}
