//! The validator set a chain is finalized by: `genesis.toml`'s content ([`Genesis`]), checked
//! once into a [`ValidatorSet`] (keys parsed, proofs of possession verified, canonical order).
//!
//! Keys follow commonware's `bls12381_multisig` scheme with the `MinPk` variant: a consensus
//! public key is a compressed BLS12-381 G1 point (48 bytes), a signature a compressed G2 point
//! (96 bytes), hashed to the curve as in the IETF BLS draft with the proof-of-possession
//! ciphersuite (`BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_`). docs/PROTOCOL.md §12.

use std::collections::HashSet;

use blst::min_pk::{PublicKey, Signature};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use weft_encoding::layout::Digest32;

use crate::error::CertificateError;

/// The limits and domain strings of §12, shared with the no_std verifier: most validators a
/// genesis may list, longest chain id, the consensus namespace's prefix.
pub use weft_inclusion::{
    MAX_CHAIN_ID_BYTES, MAX_VALIDATORS, NAMESPACE_PREFIX as CONSENSUS_NAMESPACE_PREFIX,
};
/// Longest consensus address (`host:port`) in a genesis file, in bytes.
pub const MAX_ADDRESS_BYTES: usize = 256;
/// DST of a proof of possession (`MinPk`: signatures in G2).
pub(crate) const POP_DST: &[u8] = b"BLS_POP_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_";

weft_encoding::hex_bytes!(
    /// A validator's consensus public key: a compressed BLS12-381 G1 point (48 bytes).
    ConsensusKey,
    48
);
weft_encoding::hex_bytes!(
    /// A BLS12-381 signature: a compressed G2 point (96 bytes), one validator's or an aggregate.
    BlsSignature,
    96
);
weft_encoding::hex_bytes!(
    /// A validator's p2p identity: an Ed25519 public key (32 bytes) on commonware's
    /// authenticated consensus network. Validators are ordered by it.
    PeerKey,
    32
);

/// One validator as the genesis file lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenesisValidator {
    /// Consensus public key (G1, 48 bytes hex).
    pub consensus_key: ConsensusKey,
    /// Proof of possession of `consensus_key` (G2, 96 bytes hex): its signature of its own
    /// encoding under the chain's consensus namespace, which rules out rogue-key aggregates.
    pub proof_of_possession: BlsSignature,
    /// p2p identity on the consensus network (Ed25519, 32 bytes hex).
    pub p2p_key: PeerKey,
    /// Where its consensus network listens, `host:port` (`127.0.0.1:…` by default; edit for
    /// other machines).
    pub address: String,
}

/// The trust root of a chain run by validators: what `genesis.toml` holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Genesis {
    /// The chain's id, bound into every signature (`[A-Za-z0-9._-]`, at most
    /// [`MAX_CHAIN_ID_BYTES`]).
    pub chain_id: String,
    /// The validators, in any order (the canonical order is by `p2p_key`).
    pub validators: Vec<GenesisValidator>,
}

/// A checked validator set: every key parsed and its proof of possession verified, sorted by
/// p2p key (the order signer indices in a certificate refer to, as commonware orders its
/// participants).
#[derive(Debug, Clone)]
pub struct ValidatorSet {
    chain_id: String,
    validators: Vec<GenesisValidator>,
    keys: Vec<PublicKey>,
}

/// The consensus namespace of a chain: [`CONSENSUS_NAMESPACE_PREFIX`] ‖ chain id.
pub fn consensus_namespace(chain_id: &str) -> Vec<u8> {
    [CONSENSUS_NAMESPACE_PREFIX, chain_id.as_bytes()].concat()
}

/// `varint(len(namespace)) ‖ namespace ‖ message`: commonware's `union_unique`, the byte
/// string every vote and proof of possession signs (LEB128 length).
pub(crate) fn union_unique(namespace: &[u8], message: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(5 + namespace.len() + message.len());
    put_varint(&mut out, namespace.len() as u64);
    out.extend_from_slice(namespace);
    out.extend_from_slice(message);
    out
}

/// Unsigned LEB128, commonware's `UInt` encoding (the no_std verifier's).
pub(crate) use weft_inclusion::varint as put_varint;

/// Checks a chain id: non-empty, at most [`MAX_CHAIN_ID_BYTES`], `[A-Za-z0-9._-]` only.
///
/// # Errors
/// [`CertificateError::Genesis`] naming what is wrong.
pub fn check_chain_id(chain_id: &str) -> Result<(), CertificateError> {
    let ok_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
    if chain_id.is_empty() || chain_id.len() > MAX_CHAIN_ID_BYTES || !chain_id.chars().all(ok_char)
    {
        return Err(CertificateError::Genesis(format!(
            "chain id {chain_id:?} must be 1 to {MAX_CHAIN_ID_BYTES} characters of [A-Za-z0-9._-]"
        )));
    }
    Ok(())
}

impl ValidatorSet {
    /// Checks a genesis: chain id, 1 to [`MAX_VALIDATORS`] validators, no key twice, every
    /// consensus key a valid G1 point with a valid proof of possession, every address at most
    /// [`MAX_ADDRESS_BYTES`].
    ///
    /// # Errors
    /// [`CertificateError::Genesis`] naming the validator (by its index in the file) and what
    /// is wrong.
    pub fn from_genesis(genesis: &Genesis) -> Result<Self, CertificateError> {
        check_chain_id(&genesis.chain_id)?;
        let n = genesis.validators.len();
        if n == 0 || n > MAX_VALIDATORS {
            return Err(CertificateError::Genesis(format!(
                "{n} validators; a genesis lists 1 to {MAX_VALIDATORS}"
            )));
        }
        let namespace = consensus_namespace(&genesis.chain_id);
        let (mut p2p, mut consensus) = (HashSet::new(), HashSet::new());
        for (i, v) in genesis.validators.iter().enumerate() {
            let bad = |what: String| CertificateError::Genesis(format!("validator {i}: {what}"));
            if !p2p.insert(v.p2p_key) || !consensus.insert(v.consensus_key) {
                return Err(bad("a key listed twice".into()));
            }
            if v.address.is_empty() || v.address.len() > MAX_ADDRESS_BYTES {
                return Err(bad(format!(
                    "address must be 1 to {MAX_ADDRESS_BYTES} bytes"
                )));
            }
            let key = parse_key(&v.consensus_key).map_err(bad)?;
            let pop = Signature::from_bytes(v.proof_of_possession.as_bytes())
                .map_err(|e| bad(format!("proof of possession is not a G2 point ({e:?})")))?;
            let message = union_unique(&namespace, v.consensus_key.as_bytes());
            let verdict = pop.verify(true, &message, POP_DST, &[], &key, false);
            if verdict != blst::BLST_ERROR::BLST_SUCCESS {
                return Err(bad("proof of possession does not verify".into()));
            }
        }
        let mut validators = genesis.validators.clone();
        validators.sort_by_key(|v| v.p2p_key);
        let keys = validators
            .iter()
            .map(|v| parse_key(&v.consensus_key))
            .collect::<Result<_, _>>()
            .map_err(CertificateError::Genesis)?;
        Ok(Self {
            chain_id: genesis.chain_id.clone(),
            validators,
            keys,
        })
    }

    /// The chain id.
    pub fn chain_id(&self) -> &str {
        &self.chain_id
    }

    /// The validators in canonical order (by p2p key).
    pub fn validators(&self) -> &[GenesisValidator] {
        &self.validators
    }

    /// Number of validators, n.
    pub fn len(&self) -> usize {
        self.validators.len()
    }

    /// Never true for a checked set (a genesis lists at least one validator).
    pub fn is_empty(&self) -> bool {
        self.validators.is_empty()
    }

    /// Signers a certificate needs: n − f with f = ⌊(n − 1)/3⌋ faults tolerated, i.e. more
    /// than two thirds of n (3 of 4, 67 of 100, 1 of 1).
    pub fn quorum(&self) -> usize {
        let n = self.len();
        n - (n - 1) / 3
    }

    /// The parsed consensus keys in canonical order.
    pub(crate) fn keys(&self) -> &[PublicKey] {
        &self.keys
    }

    /// A digest of the set (chain id and every key in canonical order): what `/v1/node/info`
    /// and a light client print to show which set they trust.
    pub fn digest(&self) -> Digest32 {
        let mut h = Sha256::new();
        h.update(b"WEFT_VALIDATOR_SET_V1");
        h.update((self.chain_id.len() as u32).to_be_bytes());
        h.update(self.chain_id.as_bytes());
        for v in &self.validators {
            h.update(v.p2p_key.as_bytes());
            h.update(v.consensus_key.as_bytes());
        }
        Digest32(h.finalize().into())
    }
}

fn parse_key(key: &ConsensusKey) -> Result<PublicKey, String> {
    let key = PublicKey::from_bytes(key.as_bytes())
        .map_err(|e| format!("consensus key is not a G1 point ({e:?})"))?;
    key.validate()
        .map_err(|e| format!("consensus key is not usable ({e:?})"))?;
    Ok(key)
}
