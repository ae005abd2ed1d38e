//! The EIP-4844 / EIP-7594 functions under their spec names, on Weft's own row prover and
//! verifier (the blob-proof pair goes to rust-eth-kzg's EIP-4844 context). The consensus-spec
//! test vectors run through exactly these.

use std::sync::{Arc, OnceLock};

use crate::{
    constants::{BYTES_PER_G1, BYTES_PER_ROW, CELLS_PER_ROW},
    error::{Error, Result},
    field::{g1_from_bytes, scalars_from_bytes, serialize_row_cells},
    row::RowProver,
    types::{Cell, Commitment, Proof},
    verify::VerifyKey,
};

/// Spec-named KZG operations on single blobs and cells.
pub struct Kzg {
    prover: Arc<RowProver>,
    verify_key: VerifyKey,
    eip4844: OnceLock<eip4844::Context>,
}

impl std::fmt::Debug for Kzg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Kzg").finish_non_exhaustive()
    }
}

fn blob_scalars(blob: &[u8]) -> Result<Vec<ekzg_bls12_381::Scalar>> {
    if blob.len() != BYTES_PER_ROW {
        return Err(Error::Length {
            what: "blob",
            expected: BYTES_PER_ROW,
            got: blob.len(),
        });
    }
    scalars_from_bytes(blob, 0)
}

fn g1_bytes<'a>(what: &'static str, bytes: &'a [u8]) -> Result<&'a [u8; BYTES_PER_G1]> {
    bytes.try_into().map_err(|_| Error::Length {
        what,
        expected: BYTES_PER_G1,
        got: bytes.len(),
    })
}

impl Kzg {
    /// Wraps a shared row prover.
    pub fn new(prover: Arc<RowProver>) -> Self {
        Self {
            prover,
            verify_key: VerifyKey::new(),
            eip4844: OnceLock::new(),
        }
    }

    fn eip4844(&self) -> &eip4844::Context {
        self.eip4844
            .get_or_init(|| eip4844::Context::new(&rust_eth_kzg::TrustedSetup::default()))
    }

    /// `blob_to_kzg_commitment`.
    pub fn blob_to_kzg_commitment(&self, blob: &[u8]) -> Result<Commitment> {
        let poly = self.prover.interpolate(blob_scalars(blob)?);
        Ok(Commitment(
            crate::field::compress_g1(&[self.prover.commit(&poly)])[0],
        ))
    }

    /// `compute_cells`.
    pub fn compute_cells(&self, blob: &[u8]) -> Result<Vec<Cell>> {
        let poly = self.prover.interpolate(blob_scalars(blob)?);
        Ok(serialize_row_cells(&self.prover.cells(poly)))
    }

    /// `compute_cells_and_kzg_proofs`.
    pub fn compute_cells_and_kzg_proofs(&self, blob: &[u8]) -> Result<(Vec<Cell>, Vec<Proof>)> {
        let row = self.prover.encode(blob_scalars(blob)?);
        Ok((
            serialize_row_cells(&row.cells),
            row.proofs
                .iter()
                .map(|p| Proof(p.to_compressed()))
                .collect(),
        ))
    }

    /// `recover_cells_and_kzg_proofs`: indices unique and ascending, at least 64 of them.
    pub fn recover_cells_and_kzg_proofs(
        &self,
        cell_indices: &[u64],
        cells: &[&[u8]],
    ) -> Result<(Vec<Cell>, Vec<Proof>)> {
        if cell_indices.len() != cells.len() {
            return Err(Error::CountMismatch {
                a: cell_indices.len(),
                b: cells.len(),
            });
        }
        let known = cell_indices
            .iter()
            .zip(cells)
            .enumerate()
            .map(|(item, (&index, cell))| {
                let col = usize::try_from(index).unwrap_or(usize::MAX);
                if col >= CELLS_PER_ROW {
                    return Err(Error::ColumnOutOfRange {
                        item,
                        col,
                        cols: CELLS_PER_ROW,
                    });
                }
                if cell.len() != crate::constants::BYTES_PER_CELL {
                    return Err(Error::cell_length(cell.len()));
                }
                Ok((col, scalars_from_bytes(cell, item)?))
            })
            .collect::<Result<Vec<_>>>()?;
        let poly = self.prover.recover(0, known)?;
        let row = self.prover.encode_poly(poly);
        Ok((
            serialize_row_cells(&row.cells),
            row.proofs
                .iter()
                .map(|p| Proof(p.to_compressed()))
                .collect(),
        ))
    }

    /// `verify_cell_kzg_proof_batch`, on Weft's verify-only path.
    pub fn verify_cell_kzg_proof_batch(
        &self,
        commitments: &[&[u8]],
        cell_indices: &[u64],
        cells: &[&[u8]],
        proofs: &[&[u8]],
    ) -> Result<bool> {
        self.verify_key
            .verify_cell_kzg_proof_batch(commitments, cell_indices, cells, proofs)
    }

    /// `compute_blob_kzg_proof` (EIP-4844).
    pub fn compute_blob_kzg_proof(&self, blob: &[u8], commitment: &[u8]) -> Result<Proof> {
        blob_scalars(blob)?;
        let commitment = g1_bytes("commitment", commitment)?;
        g1_from_bytes(commitment)
            .map_err(|reason| Error::InvalidCommitmentPoint { index: 0, reason })?;
        let blob: &[u8; BYTES_PER_ROW] = blob.try_into().expect("length checked");
        let proof = self
            .eip4844()
            .compute_blob_kzg_proof(blob, commitment)
            .expect("inputs validated above");
        Ok(Proof(proof))
    }

    /// `compute_kzg_proof` (EIP-4844): the opening of the blob's polynomial at `z` — the proof
    /// (compressed G1, 48 bytes) and `y = p(z)` (32 bytes, big-endian). What Ethereum's
    /// point-evaluation precompile (0x0a) checks; byte-identical to c-kzg's.
    ///
    /// # Errors
    /// [`Error::Length`] or a non-canonical element for a malformed blob;
    /// [`Error::NonCanonicalScalar`] for z not below the group order.
    pub fn compute_kzg_proof(&self, blob: &[u8], z: &[u8; 32]) -> Result<(Proof, [u8; 32])> {
        blob_scalars(blob)?;
        let blob: &[u8; BYTES_PER_ROW] = blob.try_into().expect("length checked");
        let (proof, y) = self
            .eip4844()
            .compute_kzg_proof(blob, *z)
            .map_err(|_| Error::NonCanonicalScalar { what: "z" })?;
        Ok((Proof(proof), y))
    }

    /// `verify_blob_kzg_proof` (EIP-4844): `Ok(false)` when the proof does not verify.
    pub fn verify_blob_kzg_proof(
        &self,
        blob: &[u8],
        commitment: &[u8],
        proof: &[u8],
    ) -> Result<bool> {
        blob_scalars(blob)?;
        let commitment = g1_bytes("commitment", commitment)?;
        let proof = g1_bytes("proof", proof)?;
        g1_from_bytes(commitment)
            .map_err(|reason| Error::InvalidCommitmentPoint { index: 0, reason })?;
        g1_from_bytes(proof).map_err(|reason| Error::InvalidProofPoint { item: 0, reason })?;
        let blob: &[u8; BYTES_PER_ROW] = blob.try_into().expect("length checked");
        match self
            .eip4844()
            .verify_blob_kzg_proof(blob, commitment, proof)
        {
            Ok(()) => Ok(true),
            Err(eip4844::Error::Verifier(eip4844::VerifierError::InvalidProof)) => Ok(false),
            Err(e) => unreachable!("inputs validated above, yet rust-eth-kzg refused them: {e:?}"),
        }
    }
}
