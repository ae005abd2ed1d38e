//! The syncer's error: why a block could not be completed yet. Every one is retried with
//! backoff; none stops the node.

use crate::store::StoreError;

/// Why a block's data could not be fetched, verified and stored.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SyncError {
    /// No full peer is connected to fetch the block's data from.
    #[error("no full peers to fetch block {height} from")]
    NoPeers {
        /// The height being synced.
        height: u64,
    },
    /// Too few verified cells could be fetched to rebuild the block (withheld, or not yet
    /// served by anyone).
    #[error("block {height}: {rows} of {wanted} rows fetched; reconstruction failed: {source}")]
    Incomplete {
        /// The height.
        height: u64,
        /// Rows fetched whole.
        rows: usize,
        /// Rows of the extended square (2k).
        wanted: usize,
        /// Why reconstruction failed (usually too few cells).
        source: weft_encoding::Error,
    },
    /// The block's square does not match its header's blob index: the producer signed a bad
    /// block.
    #[error("block {height} does not match its header's blob index ({blobs} blobs laid out, {claimed} claimed, or the root differs)")]
    LayoutMismatch {
        /// The height.
        height: u64,
        /// Blobs found in the square's layout.
        blobs: usize,
        /// Blobs the header claims.
        claimed: u32,
    },
    /// The verified data does not form a square (a bug, or a header that cannot verify).
    #[error(transparent)]
    Encoding(#[from] weft_encoding::Error),
    /// Checking data peers served panicked (data the verifier cannot handle); the peer whose
    /// data it was is penalised and the block retried.
    #[error("block {height}: checking data peers served panicked: {reason}")]
    Panicked {
        /// The height.
        height: u64,
        /// The panic's message.
        reason: String,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}
