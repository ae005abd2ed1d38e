//! What a header is checked against: one producer's key (the single-producer chain, PROTOCOL
//! §7) or a chain's validator set from its genesis (§12). Every component that accepts headers
//! — the p2p network's gossip check, a full node's sync, light clients, the SDK, the Alt-DA
//! server — holds one [`Trust`].

use std::{fmt, sync::Arc};

use sha2::{Digest, Sha256};

use crate::{
    error::{Error, Result},
    keys::ProducerKey,
    validators::ValidatorSet,
};

/// The trust root of a chain.
#[derive(Debug, Clone)]
pub enum Trust {
    /// Every header is signed by this key (`--producer-key`).
    Producer(ProducerKey),
    /// Every header is signed by one of these validators (its proposer) and carries a
    /// certificate of more than two thirds of them (`--genesis`).
    Validators(Arc<ValidatorSet>),
}

impl From<ProducerKey> for Trust {
    fn from(key: ProducerKey) -> Self {
        Self::Producer(key)
    }
}

impl From<ValidatorSet> for Trust {
    fn from(set: ValidatorSet) -> Self {
        Self::Validators(Arc::new(set))
    }
}

impl fmt::Display for Trust {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Producer(key) => write!(f, "producer {key}"),
            Self::Validators(set) => write!(
                f,
                "chain {:?} ({} validators, set {})",
                set.chain_id(),
                set.len(),
                set.digest()
            ),
        }
    }
}

impl Trust {
    /// The producer's key on a single-producer chain.
    pub const fn producer(&self) -> Option<&ProducerKey> {
        match self {
            Self::Producer(key) => Some(key),
            Self::Validators(_) => None,
        }
    }

    /// The validator set on a chain run by validators.
    pub fn validators(&self) -> Option<&ValidatorSet> {
        match self {
            Self::Producer(_) => None,
            Self::Validators(set) => Some(set),
        }
    }

    /// Whether `signer` may sign this chain's headers: the producer, or one of the validators
    /// (by p2p key).
    ///
    /// # Errors
    /// [`Error::WrongProducer`] or [`Error::NotAValidator`].
    pub fn check_signer(&self, signer: &ProducerKey) -> Result<()> {
        match self {
            Self::Producer(expected) if expected == signer => Ok(()),
            Self::Producer(expected) => Err(Error::WrongProducer {
                expected: expected.to_hex(),
                got: signer.to_hex(),
            }),
            Self::Validators(set) if set.validators().iter().any(|v| v.p2p_key.0 == signer.0) => {
                Ok(())
            }
            Self::Validators(set) => Err(Error::NotAValidator {
                signer: signer.to_hex(),
                chain_id: set.chain_id().to_owned(),
            }),
        }
    }

    /// A hex name of the trust root: the producer's key, or the validator set's digest (what
    /// a light client's record file is named by, so two chains' records never mix).
    pub fn id_hex(&self) -> String {
        match self {
            Self::Producer(key) => key.to_hex(),
            Self::Validators(set) => set.digest().to_string(),
        }
    }

    /// 32 bytes that differ between trust roots (the producer key, or a digest of the set).
    pub(crate) fn tag(&self) -> [u8; 32] {
        match self {
            Self::Producer(key) => key.0,
            Self::Validators(set) => {
                let mut h = Sha256::new();
                h.update(b"validators");
                h.update(set.digest().0);
                h.finalize().into()
            }
        }
    }
}
