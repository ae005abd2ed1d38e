//! `WeftInclusion`'s calldata from Weft's types: the constructor's arguments from a validator
//! set, and a `verifyRow` call for one row of an inclusion bundle.

use alloy_sol_types::{SolCall, SolConstructor};
use weft_types::{
    inclusion::{HeaderView, InclusionBundle},
    ValidatorSet,
};

use crate::{points, WeftInclusion};

/// Why a bundle cannot become a contract call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalldataError {
    /// The bundle's header does not parse.
    #[error("header: {0}")]
    Header(String),
    /// The header carries no certificate for itself (single-producer chains, or a block final
    /// through a descendant): the contract checks a header's own certificate only.
    #[error("the header carries no certificate of its own")]
    NotCertified,
    /// A point that does not decompress.
    #[error("{0} is not a BLS12-381 point")]
    NotAPoint(&'static str),
    /// Row `row` is not one of the bundle's rows, or the bundle has no openings.
    #[error("row {row} is not opened in the bundle (rows {first}..{end})")]
    NoOpening {
        /// The row asked for.
        row: usize,
        /// The bundle's first row.
        first: usize,
        /// One past its last row.
        end: usize,
    },
}

/// The constructor's arguments (to append to the creation code): the chain id and each
/// validator's consensus key in EIP-2537 encoding, in canonical order.
///
/// # Errors
/// [`CalldataError::NotAPoint`] (a checked set never has one).
pub fn constructor_args(set: &ValidatorSet) -> Result<Vec<u8>, CalldataError> {
    let mut keys = Vec::with_capacity(128 * set.len());
    for v in set.validators() {
        keys.extend_from_slice(
            &points::g1(&v.consensus_key.0).ok_or(CalldataError::NotAPoint("a consensus key"))?,
        );
    }
    Ok(WeftInclusion::constructorCall {
        chainId: set.chain_id().as_bytes().to_vec().into(),
        validatorKeys: keys.into(),
    }
    .abi_encode())
}

/// The `verifyRow` call for row `row` (an original row index) of `bundle`, which must open its
/// rows at a z and carry a header with its own certificate.
///
/// # Errors
/// [`CalldataError`].
pub fn verify_row(bundle: &InclusionBundle, row: usize) -> Result<Vec<u8>, CalldataError> {
    let header =
        HeaderView::parse(&bundle.header).map_err(|e| CalldataError::Header(e.to_string()))?;
    let certificate = header
        .certificate
        .as_ref()
        .filter(|c| c.payload == header.hash())
        .ok_or(CalldataError::NotCertified)?;
    let first = usize::from(bundle.first_row);
    let end = first + bundle.rows.len();
    let (Some(z), Some(opening)) = (
        bundle.z,
        row.checked_sub(first).and_then(|i| bundle.openings.get(i)),
    ) else {
        return Err(CalldataError::NoOpening { row, first, end });
    };
    let signature =
        points::g2(&certificate.signature).ok_or(CalldataError::NotAPoint("the signature"))?;
    Ok(WeftInclusion::verifyRowCall {
        header: header.canonical.to_vec().into(),
        certificate: WeftInclusion::Certificate {
            chainId: certificate.chain_id.to_vec().into(),
            epoch: certificate.epoch,
            proposalView: certificate.view,
            parentView: certificate.parent_view,
            signers: certificate.signers().collect(),
            signature: signature.to_vec().into(),
        },
        blobIndex: bundle.blob_index,
        entry: bundle.entry.to_vec().into(),
        path: bundle.index_path.iter().map(|h| (*h).into()).collect(),
        row: alloy_sol_types::private::U256::from(row),
        opening: WeftInclusion::Opening {
            z: z.into(),
            y: opening.y.into(),
            proof: opening.proof.to_vec().into(),
        },
    }
    .abi_encode())
}
