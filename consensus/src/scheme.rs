//! The engine's signing scheme built from a checked [`ValidatorSet`], and its finalization
//! re-encoded as Weft's [`FinalityCertificate`] (which light clients check with blst alone).

use commonware_codec::{DecodeExt, Encode};
use commonware_consensus::simplex::{scheme::bls12381_multisig, types::Finalization};
use commonware_cryptography::{
    bls12381::primitives::{group::G1, variant::MinPk},
    ed25519, sha256,
};
use commonware_utils::{ordered::BiMap, TryCollect as _};
use weft_types::{
    consensus_namespace, encoding::layout::Digest32, BlsSignature, FinalityCertificate,
    ValidatorSet,
};

use crate::{error::ConsensusError, keys::ValidatorKey};

/// The signing scheme: BLS12-381 multisig, public keys in G1 (`MinPk`), participants named by
/// their Ed25519 p2p keys.
pub type Scheme = bls12381_multisig::Scheme<ed25519::PublicKey, MinPk>;
/// The digest consensus orders: a Weft header hash.
pub type Digest = sha256::Digest;
/// A finalization as the engine reports it.
pub type EngineFinalization = Finalization<Scheme, Digest>;

/// A Weft digest as the engine's.
pub fn to_engine(digest: &Digest32) -> Digest {
    Digest::decode(bytes::Bytes::copy_from_slice(&digest.0)).expect("32 bytes")
}

/// The engine's digest as Weft's.
pub fn from_engine(digest: &Digest) -> Digest32 {
    Digest32(digest.as_ref().try_into().expect("32 bytes"))
}

/// The participants in canonical order: p2p key → consensus key.
fn participants(set: &ValidatorSet) -> BiMap<ed25519::PublicKey, G1> {
    set.validators()
        .iter()
        .map(|v| {
            let p2p = ed25519::PublicKey::decode(bytes::Bytes::copy_from_slice(&v.p2p_key.0))
                .expect("checked by ValidatorSet");
            let consensus = G1::decode(bytes::Bytes::copy_from_slice(&v.consensus_key.0))
                .expect("checked by ValidatorSet");
            (p2p, consensus)
        })
        .try_collect()
        .expect("keys are unique (checked by ValidatorSet)")
}

/// The p2p public keys of the set, in canonical order.
pub fn peers(set: &ValidatorSet) -> Vec<ed25519::PublicKey> {
    participants(set).keys().iter().cloned().collect()
}

/// A scheme that signs with `key`'s consensus secret.
///
/// # Errors
/// [`ConsensusError::NotAValidator`] if the key is not one of the set's.
pub fn signer(set: &ValidatorSet, key: &ValidatorKey) -> Result<Scheme, ConsensusError> {
    let not_ours = || ConsensusError::NotAValidator {
        peer_key: key.peer_key().to_string(),
        chain_id: set.chain_id().to_owned(),
    };
    if !set
        .validators()
        .iter()
        .any(|v| v.p2p_key == key.peer_key() && v.consensus_key == key.consensus_key())
    {
        return Err(not_ours());
    }
    Scheme::signer(
        &consensus_namespace(set.chain_id()),
        participants(set),
        key.consensus_secret().clone(),
    )
    .ok_or_else(not_ours)
}

/// A scheme that only verifies.
pub fn verifier(set: &ValidatorSet) -> Scheme {
    Scheme::verifier(&consensus_namespace(set.chain_id()), participants(set))
}

/// The engine's finalization as Weft's certificate of header `finalization.proposal.payload`.
pub fn to_certificate(chain_id: &str, finalization: &EngineFinalization) -> FinalityCertificate {
    let proposal = &finalization.proposal;
    let certificate = &finalization.certificate;
    let signature = certificate
        .signature
        .get()
        .map(|s| BlsSignature(s.encode().as_ref().try_into().expect("96 bytes")))
        .unwrap_or(BlsSignature([0; 96]));
    FinalityCertificate {
        chain_id: chain_id.to_owned(),
        epoch: proposal.round.epoch().get(),
        view: proposal.round.view().get(),
        parent_view: proposal.parent.get(),
        payload: from_engine(&proposal.payload),
        signers: certificate
            .signers
            .iter()
            .map(|p| u16::try_from(p.get()).expect("at most MAX_VALIDATORS signers"))
            .collect(),
        signature,
    }
}
