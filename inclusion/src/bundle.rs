//! The inclusion bundle and its binary form (docs/PROTOCOL.md §14): everything needed to check,
//! with no other input than the trust root, that a blob is at a height and which EIP-4844
//! blobs (rows) hold it — and, for a point z, what each row's polynomial is there.

use alloc::vec::Vec;

use crate::{
    certificate::MAX_CERTIFICATE_BYTES,
    error::InclusionError,
    header::{MAX_HEADER_BYTES, MAX_K},
    kzg::RowOpening,
    reader::Reader,
};

/// Tag the binary form starts with.
pub const BUNDLE_DOMAIN: &[u8; 17] = b"WEFT_INCLUSION_V1";
/// Bytes of an index entry: `namespace (16) ‖ u32be(start) ‖ u32be(len) ‖ commitment (32)`.
pub const ENTRY_BYTES: usize = 56;
/// Most descendants a bundle carries to reach a header with its own certificate (as the SDK's
/// `MAX_DESCENDANTS`).
pub const MAX_DESCENDANTS: usize = 16;
/// Most Merkle siblings of an index path (a tree of at most 2³² leaves).
pub const MAX_PATH: usize = 32;
/// Most rows of one blob (a square has at most 128 original rows).
pub const MAX_ROWS: usize = MAX_K;
/// Longest binary bundle: header and 16 descendants at their largest, a full path, 128 rows
/// with openings (168,041 bytes). A bundle's length is bounded by this whatever the input.
pub const MAX_BUNDLE_BYTES: usize = BUNDLE_DOMAIN.len()
    + (1 + MAX_DESCENDANTS) * (4 + MAX_HEADER_BYTES)
    + 1
    + 4
    + ENTRY_BYTES
    + 1
    + 32 * MAX_PATH
    + 4
    + MAX_ROWS * (48 + 32)
    + 1
    + 32
    + MAX_ROWS * (32 + 48);

const _: () = assert!(MAX_CERTIFICATE_BYTES < MAX_HEADER_BYTES);

/// One row's KZG opening at the bundle's z: `y = p(z)` and the proof.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Opening {
    /// The evaluation, a canonical scalar (32 bytes, big-endian).
    pub y: [u8; 32],
    /// The KZG proof (compressed G1, 48 bytes): EIP-4844 `compute_kzg_proof(row, z)`.
    pub proof: [u8; 48],
}

/// "Blob B of namespace N is at height H, in these rows": see the module docs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InclusionBundle {
    /// The block's header, wire form (§7), with its signature and, on a validator chain, the
    /// certificate it is stored with.
    pub header: Vec<u8>,
    /// On a validator chain, when the header's certificate is a descendant's: the headers
    /// above it, in order, up to the first with its own certificate (at most
    /// [`MAX_DESCENDANTS`]). Empty otherwise.
    pub descendants: Vec<Vec<u8>>,
    /// The blob's position in the block's index.
    pub blob_index: u32,
    /// Its index entry (§5).
    pub entry: [u8; ENTRY_BYTES],
    /// Merkle siblings from the entry's leaf to the index tree's root (RFC 6962 shape, §5).
    pub index_path: Vec<[u8; 32]>,
    /// The blob's first row.
    pub first_row: u16,
    /// Each of the blob's rows: its KZG commitment (48 bytes, the header's) and EIP-4844
    /// versioned hash.
    pub rows: Vec<([u8; 48], [u8; 32])>,
    /// The evaluation point, when openings were asked for.
    pub z: Option<[u8; 32]>,
    /// One opening per row at z (empty without z).
    pub openings: Vec<Opening>,
}

impl InclusionBundle {
    /// Each row's `(commitment, y, proof)` in row order, as [`crate::kzg::verify_openings`]
    /// takes them at `z`: as many as the shorter of `rows` and `openings` (none without z).
    pub fn row_openings(&self) -> Vec<RowOpening<'_>> {
        self.rows
            .iter()
            .zip(&self.openings)
            .map(|((commitment, _), opening)| (commitment, &opening.y, &opening.proof))
            .collect()
    }

    /// The binary form: `"WEFT_INCLUSION_V1" ‖ u32be(len) ‖ header ‖ u8(d) ‖ d × (u32be(len) ‖
    /// header) ‖ u32be(blob_index) ‖ entry (56) ‖ u8(p) ‖ p × sibling (32) ‖ u16be(first_row) ‖
    /// u16be(n) ‖ n × (commitment (48) ‖ versioned hash (32)) ‖ u8(has_z) ‖ [z (32) ‖ n × (y (32)
    /// ‖ proof (48))]`.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(BUNDLE_DOMAIN.len() + 4 + self.header.len() + 4096);
        out.extend_from_slice(BUNDLE_DOMAIN);
        out.extend_from_slice(&(self.header.len() as u32).to_be_bytes());
        out.extend_from_slice(&self.header);
        out.push(self.descendants.len() as u8);
        for d in &self.descendants {
            out.extend_from_slice(&(d.len() as u32).to_be_bytes());
            out.extend_from_slice(d);
        }
        out.extend_from_slice(&self.blob_index.to_be_bytes());
        out.extend_from_slice(&self.entry);
        out.push(self.index_path.len() as u8);
        self.index_path
            .iter()
            .for_each(|h| out.extend_from_slice(h));
        out.extend_from_slice(&self.first_row.to_be_bytes());
        out.extend_from_slice(&(self.rows.len() as u16).to_be_bytes());
        for (commitment, versioned) in &self.rows {
            out.extend_from_slice(commitment);
            out.extend_from_slice(versioned);
        }
        match &self.z {
            None => out.push(0),
            Some(z) => {
                out.push(1);
                out.extend_from_slice(z);
                for o in &self.openings {
                    out.extend_from_slice(&o.y);
                    out.extend_from_slice(&o.proof);
                }
            }
        }
        out
    }

    /// Parses [`Self::to_bytes`]'s form (its shape only: see [`crate::verify`]).
    ///
    /// # Errors
    /// [`InclusionError::TooLarge`] past [`MAX_BUNDLE_BYTES`]; [`InclusionError::Malformed`]
    /// naming what is wrong.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, InclusionError> {
        if bytes.len() > MAX_BUNDLE_BYTES {
            return Err(InclusionError::TooLarge {
                got: bytes.len(),
                limit: MAX_BUNDLE_BYTES,
            });
        }
        let mut r = Reader::new("bundle", bytes);
        if r.take(BUNDLE_DOMAIN.len())? != BUNDLE_DOMAIN {
            return Err(r.bad("not a WEFT_INCLUSION_V1 bundle"));
        }
        let header = |r: &mut Reader<'_>| -> Result<Vec<u8>, InclusionError> {
            let len = r.u32()? as usize;
            if len > MAX_HEADER_BYTES {
                return Err(r.bad("header longer than a header can be"));
            }
            Ok(r.take(len)?.to_vec())
        };
        let main = header(&mut r)?;
        let count = usize::from(r.u8()?);
        if count > MAX_DESCENDANTS {
            return Err(r.bad("more than 16 descendants"));
        }
        let descendants = (0..count)
            .map(|_| header(&mut r))
            .collect::<Result<_, _>>()?;
        let blob_index = r.u32()?;
        let entry = r.array()?;
        let path_len = usize::from(r.u8()?);
        if path_len > MAX_PATH {
            return Err(r.bad("index path longer than 32"));
        }
        let index_path = (0..path_len).map(|_| r.array()).collect::<Result<_, _>>()?;
        let first_row = r.u16()?;
        let n = usize::from(r.u16()?);
        if n > MAX_ROWS {
            return Err(r.bad("more than 128 rows"));
        }
        let rows = (0..n)
            .map(|_| Ok((r.array()?, r.array()?)))
            .collect::<Result<_, InclusionError>>()?;
        let (z, openings) = match r.u8()? {
            0 => (None, Vec::new()),
            1 => {
                let z = r.array()?;
                let openings = (0..n)
                    .map(|_| {
                        Ok(Opening {
                            y: r.array()?,
                            proof: r.array()?,
                        })
                    })
                    .collect::<Result<_, InclusionError>>()?;
                (Some(z), openings)
            }
            _ => return Err(r.bad("z flag is neither 0 nor 1")),
        };
        r.finish()?;
        Ok(Self {
            header: main,
            descendants,
            blob_index,
            entry,
            index_path,
            first_row,
            rows,
            z,
            openings,
        })
    }
}
