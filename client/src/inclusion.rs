//! Verified inclusion bundles (PROTOCOL §14): the node's bundle checked by the no_std verifier
//! (`weft-inclusion`) against the caller's trust root, and against what the caller asked for.

use weft_encoding::layout::{BlobCommitment, Namespace};
use weft_types::inclusion::{verify_claim, Claim, InclusionBundle, Verified};

use crate::{ClientError, VerifiedClient};

/// An inclusion bundle that verified, and what it proved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedInclusion {
    /// The bundle (its binary form, `to_bytes`, is what a zkVM guest or `weft blob prove
    /// --out` takes).
    pub bundle: InclusionBundle,
    /// What it proved: height, index entry, first row, versioned hashes, z and evaluations.
    pub verified: Verified,
}

impl VerifiedClient {
    /// The inclusion bundle of blob `commitment` of `namespace` at `height`, opened at `z` when
    /// given, verified against the trusted producer key or validator set: header signature and
    /// finality, the index entry's Merkle path, the rows' commitments and versioned hashes,
    /// each opening with KZG, and that it is the blob, height and z asked for.
    ///
    /// # Errors
    /// [`ClientError::Misbehaving`] for a bundle that does not verify or proves something
    /// else; as [`crate::Client::inclusion`].
    pub async fn inclusion(
        &self,
        height: u64,
        namespace: &Namespace,
        commitment: &BlobCommitment,
        z: Option<&[u8; 32]>,
    ) -> Result<VerifiedInclusion, ClientError> {
        let view = self
            .client()
            .inclusion(height, namespace, commitment, z)
            .await?;
        let misbehaving = |e: &dyn std::fmt::Display| {
            self.client()
                .misbehaving(format!("inclusion bundle at {height}: {e}"))
        };
        let bundle = view.decode_bundle().map_err(|e| misbehaving(&e))?;
        let claim = Claim {
            namespace: namespace.0,
            commitment: commitment.0,
            height: Some(height),
            z: z.copied(),
        };
        let verified = verify_claim(&bundle, &self.trust().inclusion_root(), &claim)
            .map_err(|e| misbehaving(&e))?;
        if z.is_none() && verified.z.is_some() {
            return Err(misbehaving(&"openings that were not asked for"));
        }
        Ok(VerifiedInclusion { bundle, verified })
    }
}
