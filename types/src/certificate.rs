//! A finality certificate: more than two thirds of a chain's validators signed "finalize this
//! header" in one simplex view; one aggregate BLS12-381 signature and the signers' indices,
//! checked with one pairing equation whatever their number (commonware's `bls12381_multisig`
//! finalization, re-encoded). docs/PROTOCOL.md §12.

use blst::min_pk::{PublicKey, Signature};
use serde::{Deserialize, Serialize};
use weft_encoding::layout::Digest32;

use crate::{
    error::{CertificateError, Error},
    validators::{
        consensus_namespace, put_varint, union_unique, BlsSignature, ValidatorSet, MAX_VALIDATORS,
    },
};

/// Suffix commonware's simplex appends to the namespace of a finalize vote; the largest
/// certificate encoding (shared with the no_std verifier).
pub use weft_inclusion::{FINALIZE_SUFFIX, MAX_CERTIFICATE_BYTES};

/// The certificate of a finalized header. Its signers signed commonware simplex's finalize
/// message for the proposal `(epoch, view, parent_view, payload)` under the namespace
/// `"weft-consensus/" ‖ chain_id ‖ "_FINALIZE"`; `payload` is the header's hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FinalityCertificate {
    /// The chain it belongs to (bound into the signature through the namespace).
    pub chain_id: String,
    /// Consensus epoch (0: Weft does not change its validator set yet).
    pub epoch: u64,
    /// The simplex view the header was proposed in.
    pub view: u64,
    /// The view of its parent (0 for the first block).
    pub parent_view: u64,
    /// The hash of the header it finalizes.
    pub payload: Digest32,
    /// Indices of the signers into the set's canonical order (by p2p key), strictly
    /// increasing (so at most `validators::MAX_VALIDATORS`).
    pub signers: Vec<u16>,
    /// The signers' aggregate signature (G2, 96 bytes).
    pub signature: BlsSignature,
}

/// Tag before a certificate's encoding in a header's wire form.
const CERTIFICATE_TAG: u8 = 1;

impl FinalityCertificate {
    /// Binary form (after a header's signature on the wire): `0x01 ‖ u16be(len) ‖ chain_id ‖
    /// u64be(epoch) ‖ u64be(view) ‖ u64be(parent_view) ‖ payload ‖ u16be(n) ‖ n × u16be(signer)
    /// ‖ signature`.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(MAX_CERTIFICATE_BYTES);
        out.push(CERTIFICATE_TAG);
        out.extend_from_slice(&(self.chain_id.len() as u16).to_be_bytes());
        out.extend_from_slice(self.chain_id.as_bytes());
        for v in [self.epoch, self.view, self.parent_view] {
            out.extend_from_slice(&v.to_be_bytes());
        }
        out.extend_from_slice(&self.payload.0);
        out.extend_from_slice(&(self.signers.len() as u16).to_be_bytes());
        for s in &self.signers {
            out.extend_from_slice(&s.to_be_bytes());
        }
        out.extend_from_slice(&self.signature.0);
        out
    }

    /// Parses [`Self::to_bytes`]'s form, all of `bytes` (its shape only; see
    /// `ValidatorSet::verify`).
    ///
    /// # Errors
    /// [`Error::Malformed`] naming what is wrong; [`Error::TooLarge`] past
    /// [`MAX_CERTIFICATE_BYTES`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, Error> {
        if bytes.len() > MAX_CERTIFICATE_BYTES {
            return Err(Error::TooLarge {
                what: "certificate",
                got: bytes.len(),
                limit: MAX_CERTIFICATE_BYTES,
            });
        }
        let bad = |reason: &str| Error::Malformed {
            what: "certificate",
            reason: reason.into(),
        };
        // One reader of the bytes: the no_std verifier's (weft-inclusion).
        let view = weft_inclusion::CertificateView::parse(bytes).map_err(|e| match e {
            weft_inclusion::InclusionError::Malformed { reason, .. } => bad(reason),
            other => bad(&other.to_string()),
        })?;
        let signers: Vec<u16> = view.signers().collect();
        if signers.len() > MAX_VALIDATORS {
            return Err(bad("more signers than validators a set may hold"));
        }
        let chain_id = std::str::from_utf8(view.chain_id)
            .map_err(|_| bad("chain id is not UTF-8"))?
            .to_owned();
        Ok(Self {
            chain_id,
            epoch: view.epoch,
            view: view.view,
            parent_view: view.parent_view,
            payload: Digest32(view.payload),
            signers,
            signature: BlsSignature(view.signature),
        })
    }

    /// The bytes the signers signed before hashing to G2: commonware's
    /// `union_unique(namespace ‖ "_FINALIZE", varint(epoch) ‖ varint(view) ‖
    /// varint(parent_view) ‖ payload)`.
    pub fn signed_message(&self) -> Vec<u8> {
        let namespace = [
            consensus_namespace(&self.chain_id),
            FINALIZE_SUFFIX.to_vec(),
        ]
        .concat();
        let mut proposal = Vec::with_capacity(30 + 32);
        put_varint(&mut proposal, self.epoch);
        put_varint(&mut proposal, self.view);
        put_varint(&mut proposal, self.parent_view);
        proposal.extend_from_slice(&self.payload.0);
        union_unique(&namespace, &proposal)
    }
}

impl ValidatorSet {
    /// Checks that `certificate` finalizes the header whose hash is `header_hash` on this
    /// set's chain with more than two thirds of its validators: chain id, header, signer list,
    /// quorum, then one aggregate signature check (two pairings).
    ///
    /// # Errors
    /// [`CertificateError::WrongChain`], [`CertificateError::WrongHeader`],
    /// [`CertificateError::UnorderedSigners`], [`CertificateError::UnknownSigner`],
    /// [`CertificateError::TooFewSigners`], [`CertificateError::MalformedSignature`] or
    /// [`CertificateError::BadSignature`], in that order of checking.
    pub fn verify(
        &self,
        header_hash: &Digest32,
        certificate: &FinalityCertificate,
    ) -> Result<(), CertificateError> {
        if certificate.chain_id != self.chain_id() {
            return Err(CertificateError::WrongChain {
                expected: self.chain_id().to_owned(),
                got: certificate.chain_id.clone(),
            });
        }
        if certificate.payload != *header_hash {
            return Err(CertificateError::WrongHeader {
                certified: certificate.payload,
                header: *header_hash,
            });
        }
        let keys = self.signer_keys(&certificate.signers)?;
        let signature = Signature::from_bytes(certificate.signature.as_bytes())
            .map_err(|_| CertificateError::MalformedSignature)?;
        let bad = CertificateError::BadSignature {
            payload: certificate.payload,
            view: certificate.view,
        };
        if !weft_inclusion::verify_aggregate(&signature, &keys, &certificate.signed_message()) {
            return Err(bad);
        }
        Ok(())
    }

    /// The consensus keys of `signers`, after checking order, membership and quorum.
    fn signer_keys(&self, signers: &[u16]) -> Result<Vec<&PublicKey>, CertificateError> {
        let n = self.len();
        for pair in signers.windows(2) {
            if pair[1] <= pair[0] {
                return Err(CertificateError::UnorderedSigners {
                    index: pair[1],
                    previous: pair[0],
                });
            }
        }
        if let Some(&index) = signers.iter().find(|&&i| usize::from(i) >= n) {
            return Err(CertificateError::UnknownSigner {
                index,
                validators: n,
            });
        }
        if signers.len() < self.quorum() {
            return Err(CertificateError::TooFewSigners {
                signers: signers.len(),
                needed: self.quorum(),
                validators: n,
            });
        }
        Ok(signers
            .iter()
            .map(|&i| &self.keys()[usize::from(i)])
            .collect())
    }
}
