//! A finality certificate read from a header's wire form, and its check against a validator set
//! (docs/PROTOCOL.md §12): commonware simplex's finalize vote, `bls12381_multisig`, `MinPk`.

use alloc::vec::Vec;

use blst::min_pk::{AggregatePublicKey, PublicKey, Signature};

use crate::{error::InclusionError, reader::Reader};

/// Most validators a set may hold (and signers a certificate may list).
pub const MAX_VALIDATORS: usize = 1024;
/// Longest chain id, in bytes.
pub const MAX_CHAIN_ID_BYTES: usize = 64;
/// Longest certificate encoding (2,269 bytes).
pub const MAX_CERTIFICATE_BYTES: usize =
    1 + 2 + MAX_CHAIN_ID_BYTES + 3 * 8 + 32 + 2 + 2 * MAX_VALIDATORS + 96;
/// DST of a vote's signature (IETF BLS, proof-of-possession ciphersuite, signatures in G2).
pub const MESSAGE_DST: &[u8] = b"BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_";
/// Prefix of the consensus namespace; the chain id follows.
pub const NAMESPACE_PREFIX: &[u8] = b"weft-consensus/";
/// Suffix simplex appends to the namespace of a finalize vote.
pub const FINALIZE_SUFFIX: &[u8] = b"_FINALIZE";

/// A certificate, borrowing its bytes: `0x01 ‖ u16be(len) ‖ chain_id ‖ u64be(epoch) ‖
/// u64be(view) ‖ u64be(parent_view) ‖ payload (32) ‖ u16be(n) ‖ n × u16be(signer) ‖
/// signature (96)`.
#[derive(Debug, Clone)]
pub struct CertificateView<'a> {
    /// The chain id's bytes.
    pub chain_id: &'a [u8],
    /// Epoch.
    pub epoch: u64,
    /// The proposal's view.
    pub view: u64,
    /// Its parent's view.
    pub parent_view: u64,
    /// The hash of the header it finalizes.
    pub payload: [u8; 32],
    /// `2n` bytes: the signers, u16be each.
    signers: &'a [u8],
    /// The aggregate signature (compressed G2).
    pub signature: [u8; 96],
}

impl<'a> CertificateView<'a> {
    /// Parses all of `bytes`.
    ///
    /// # Errors
    /// [`InclusionError::Malformed`].
    pub fn parse(bytes: &'a [u8]) -> Result<Self, InclusionError> {
        let mut r = Reader::new("certificate", bytes);
        if bytes.len() > MAX_CERTIFICATE_BYTES {
            return Err(r.bad("longer than a certificate can be"));
        }
        if r.u8()? != 1 {
            return Err(r.bad("unknown tag after the header's signature"));
        }
        let len = usize::from(r.u16()?);
        if len > MAX_CHAIN_ID_BYTES {
            return Err(r.bad("chain id too long"));
        }
        let chain_id = r.take(len)?;
        let (epoch, view, parent_view) = (r.u64()?, r.u64()?, r.u64()?);
        let payload = r.array()?;
        let n = usize::from(r.u16()?);
        let signers = r.take(2 * n)?;
        let signature = r.array()?;
        r.finish()?;
        Ok(Self {
            chain_id,
            epoch,
            view,
            parent_view,
            payload,
            signers,
            signature,
        })
    }

    /// The signer indices, in the order listed.
    pub fn signers(&self) -> impl Iterator<Item = u16> + 'a {
        self.signers
            .chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
    }

    /// What the signers signed before hashing to G2: `union(ns ‖ "_FINALIZE", varint(epoch) ‖
    /// varint(view) ‖ varint(parent_view) ‖ payload)` with `ns = "weft-consensus/" ‖ chain_id`
    /// and `union(ns, m) = varint(len(ns)) ‖ ns ‖ m` (LEB128).
    pub fn signed_message(&self) -> Vec<u8> {
        let ns_len = NAMESPACE_PREFIX.len() + self.chain_id.len() + FINALIZE_SUFFIX.len();
        let mut out = Vec::with_capacity(3 + ns_len + 30 + 32);
        varint(&mut out, ns_len as u64);
        out.extend_from_slice(NAMESPACE_PREFIX);
        out.extend_from_slice(self.chain_id);
        out.extend_from_slice(FINALIZE_SUFFIX);
        for v in [self.epoch, self.view, self.parent_view] {
            varint(&mut out, v);
        }
        out.extend_from_slice(&self.payload);
        out
    }
}

/// Appends `value` as unsigned LEB128 (commonware's `UInt` encoding): 7 bits per byte, low
/// first, the high bit set on every byte but the last; 1 to 10 bytes.
pub fn varint(out: &mut Vec<u8>, mut value: u64) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// One validator: its p2p key (what signs headers, and orders the set) and its consensus key.
#[derive(Debug, Clone)]
pub struct Validator {
    /// Ed25519 key (32 bytes).
    pub p2p_key: [u8; 32],
    /// Consensus key (BLS12-381 G1).
    pub consensus_key: PublicKey,
}

/// A chain's validator set in canonical order (by p2p key). Proofs of possession are checked by
/// whoever builds it from the genesis (weft-types' `ValidatorSet` does); here keys are only
/// parsed.
#[derive(Debug, Clone)]
pub struct ValidatorKeys {
    chain_id: Vec<u8>,
    validators: Vec<Validator>,
}

impl ValidatorKeys {
    /// From the chain id and `(p2p key, compressed consensus key)` pairs, in any order.
    ///
    /// # Errors
    /// [`InclusionError::Malformed`] for no validators or more than [`MAX_VALIDATORS`], a chain
    /// id over [`MAX_CHAIN_ID_BYTES`], a consensus key that is not a G1 subgroup point, or a
    /// p2p or consensus key listed twice (it would count twice towards a quorum).
    pub fn new(
        chain_id: &[u8],
        keys: impl IntoIterator<Item = ([u8; 32], [u8; 48])>,
    ) -> Result<Self, InclusionError> {
        let bad = |reason| InclusionError::Malformed {
            what: "validator set",
            reason,
        };
        let mut validators = keys
            .into_iter()
            .map(|(p2p_key, key)| {
                let consensus_key = PublicKey::key_validate(&key)
                    .map_err(|_| bad("a consensus key is not a G1 point"))?;
                Ok(Validator {
                    p2p_key,
                    consensus_key,
                })
            })
            .collect::<Result<Vec<_>, InclusionError>>()?;
        if validators.is_empty() || validators.len() > MAX_VALIDATORS {
            return Err(bad("1 to 1,024 validators"));
        }
        if chain_id.len() > MAX_CHAIN_ID_BYTES {
            return Err(bad("chain id too long"));
        }
        validators.sort_by_key(|v| v.p2p_key);
        let repeated = validators.windows(2).any(|w| w[0].p2p_key == w[1].p2p_key)
            || validators.iter().enumerate().any(|(i, v)| {
                validators[..i]
                    .iter()
                    .any(|u| u.consensus_key == v.consensus_key)
            });
        if repeated {
            return Err(bad("a key listed twice"));
        }
        Ok(Self {
            chain_id: chain_id.to_vec(),
            validators,
        })
    }

    /// The validators, in canonical order.
    pub fn validators(&self) -> &[Validator] {
        &self.validators
    }

    /// Signers a certificate needs: `n − ⌊(n − 1)/3⌋`.
    pub fn quorum(&self) -> usize {
        let n = self.validators.len();
        n - (n - 1) / 3
    }

    /// Whether `key` is a validator's p2p key.
    pub fn has_p2p_key(&self, key: &[u8; 32]) -> bool {
        self.validators.iter().any(|v| &v.p2p_key == key)
    }

    /// Checks `certificate` for the header whose hash is `header_hash` at `height`: chain,
    /// payload, signer order, membership, quorum, then the aggregate signature (two pairings).
    ///
    /// # Errors
    /// [`InclusionError::WrongChain`], [`InclusionError::WrongHeader`],
    /// [`InclusionError::UnorderedSigners`], [`InclusionError::UnknownSigner`],
    /// [`InclusionError::TooFewSigners`] or [`InclusionError::BadCertificateSignature`], in
    /// that order.
    pub fn check(
        &self,
        height: u64,
        header_hash: &[u8; 32],
        certificate: &CertificateView<'_>,
    ) -> Result<(), InclusionError> {
        if certificate.chain_id != self.chain_id.as_slice() {
            return Err(InclusionError::WrongChain);
        }
        if &certificate.payload != header_hash {
            return Err(InclusionError::WrongHeader { height });
        }
        let n = self.validators.len();
        let mut keys = Vec::new();
        let mut previous: Option<u16> = None;
        for index in certificate.signers() {
            if let Some(previous) = previous.filter(|&p| index <= p) {
                return Err(InclusionError::UnorderedSigners { index, previous });
            }
            previous = Some(index);
            let validator =
                self.validators
                    .get(usize::from(index))
                    .ok_or(InclusionError::UnknownSigner {
                        index,
                        validators: n,
                    })?;
            keys.push(&validator.consensus_key);
        }
        if keys.len() < self.quorum() {
            return Err(InclusionError::TooFewSigners {
                signers: keys.len(),
                needed: self.quorum(),
                validators: n,
            });
        }
        let bad = InclusionError::BadCertificateSignature;
        let signature = Signature::from_bytes(&certificate.signature).map_err(|_| bad.clone())?;
        if verify_aggregate(&signature, &keys, &certificate.signed_message()) {
            Ok(())
        } else {
            Err(bad)
        }
    }
}

/// Whether `signature` (BLS12-381 min-pk, G2) signs `message` under the aggregate of `keys`,
/// with [`MESSAGE_DST`] and the signature's subgroup checked: what a finality certificate's
/// signers sign. `false` for no keys.
pub fn verify_aggregate(signature: &Signature, keys: &[&PublicKey], message: &[u8]) -> bool {
    let Ok(aggregate) = AggregatePublicKey::aggregate(keys, false) else {
        return false;
    };
    let verdict = signature.verify(
        true,
        message,
        MESSAGE_DST,
        &[],
        &aggregate.to_public_key(),
        false,
    );
    verdict == blst::BLST_ERROR::BLST_SUCCESS
}
