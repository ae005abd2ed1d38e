//! A SHA-256 Merkle tree over the blob index, RFC 6962 shape (split at the largest power of two
//! below n), with proofs for a contiguous range of leaves (docs/PROTOCOL.md §5).

use alloc::vec::Vec;

use sha2::{Digest, Sha256};

/// A 32-byte hash.
pub type Hash = [u8; 32];

/// Hash of a leaf: `SHA-256(0x00 ‖ bytes)`.
pub fn leaf_hash(bytes: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(bytes);
    h.finalize().into()
}

/// Hash of an inner node: `SHA-256(0x01 ‖ left ‖ right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The index root a header carries: `SHA-256(0x02 ‖ u32be(count) ‖ tree_root)`, binding the
/// tree's root to its leaf count (and with it the tree's shape).
pub fn root_with_count(count: u32, tree_root: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([2u8]);
    h.update(count.to_be_bytes());
    h.update(tree_root);
    h.finalize().into()
}

/// Root of the empty tree: `SHA-256("")`.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// Where to split `n > 1` leaves: the largest power of two below n.
const fn split(n: usize) -> usize {
    1 << (usize::BITS - 1 - (n - 1).leading_zeros())
}

/// Root over leaf hashes.
pub fn root(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => empty_root(),
        1 => leaves[0],
        n => {
            let (l, r) = leaves.split_at(split(n));
            node_hash(&root(l), &root(r))
        }
    }
}

/// Sibling hashes proving leaves `lo..hi` (non-empty) of `leaves`, in depth-first order:
/// at most ⌈log2 n⌉ + 1 per boundary of the range.
///
/// # Panics
/// If `lo..hi` is empty or not within `leaves` (a caller's bug, never input).
pub fn range_proof(leaves: &[Hash], lo: usize, hi: usize) -> Vec<Hash> {
    assert!(lo < hi && hi <= leaves.len());
    let mut out = Vec::new();
    prove(leaves, 0, lo, hi, &mut out);
    out
}

fn prove(leaves: &[Hash], offset: usize, lo: usize, hi: usize, out: &mut Vec<Hash>) {
    let end = offset + leaves.len();
    if end <= lo || offset >= hi {
        out.push(root(leaves));
    } else if offset >= lo && end <= hi {
        // Entirely inside the range: the verifier computes it.
    } else {
        let (l, r) = leaves.split_at(split(leaves.len()));
        prove(l, offset, lo, hi, out);
        prove(r, offset + l.len(), lo, hi, out);
    }
}

/// Recomputes the root of a tree of `n` leaves from the leaves `lo..lo + range.len()` and the
/// proof; `None` if the proof has the wrong number of hashes.
pub fn root_from_range(n: usize, lo: usize, range: &[Hash], proof: &[Hash]) -> Option<Hash> {
    let hi = lo + range.len();
    if range.is_empty() || hi > n {
        return None;
    }
    let mut proof = proof.iter();
    let root = fold(0, n, lo, range, &mut proof)?;
    proof.next().is_none().then_some(root)
}

fn fold<'a>(
    offset: usize,
    len: usize,
    lo: usize,
    range: &[Hash],
    proof: &mut impl Iterator<Item = &'a Hash>,
) -> Option<Hash> {
    let (end, hi) = (offset + len, lo + range.len());
    if end <= lo || offset >= hi {
        proof.next().copied()
    } else if offset >= lo && end <= hi {
        Some(root(&range[offset - lo..end - lo]))
    } else {
        let l = split(len);
        let left = fold(offset, l, lo, range, proof)?;
        let right = fold(offset + l, len - l, lo, range, proof)?;
        Some(node_hash(&left, &right))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_is_largest_power_of_two_below() {
        assert_eq!(split(2), 1);
        assert_eq!(split(3), 2);
        assert_eq!(split(4), 2);
        assert_eq!(split(5), 4);
        assert_eq!(split(8), 4);
        assert_eq!(split(9), 8);
    }

    #[test]
    fn every_range_proves_and_no_other_range_does() {
        for n in 1..=13usize {
            let leaves: Vec<Hash> = (0..n).map(|i| leaf_hash(&[i as u8])).collect();
            let r = root(&leaves);
            for lo in 0..n {
                for hi in lo + 1..=n {
                    let proof = range_proof(&leaves, lo, hi);
                    assert_eq!(
                        root_from_range(n, lo, &leaves[lo..hi], &proof),
                        Some(r),
                        "n={n} {lo}..{hi}"
                    );
                    // The same leaves claimed at another offset do not give the root.
                    if lo + 1 + (hi - lo) <= n {
                        assert_ne!(root_from_range(n, lo + 1, &leaves[lo..hi], &proof), Some(r));
                    }
                    // A changed leaf does not give the root.
                    let mut bad = leaves[lo..hi].to_vec();
                    bad[0][0] ^= 1;
                    assert_ne!(root_from_range(n, lo, &bad, &proof), Some(r));
                }
            }
        }
    }
}
