//! The store's error: RocksDB failures, records that do not decode, and data dirs of a format
//! this build cannot read.

use std::path::PathBuf;

/// Convenience alias.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// What can go wrong reading or writing the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// RocksDB refused to open, read or write.
    #[error("store at {path}: {reason}")]
    Db {
        /// The database directory.
        path: PathBuf,
        /// RocksDB's message.
        reason: String,
    },
    /// Stored bytes do not decode: the data dir is damaged or from another version.
    #[error("corrupt store entry ({what}): {reason}")]
    Corrupt {
        /// Which record.
        what: &'static str,
        /// Why.
        reason: String,
    },
    /// The data dir was written by a newer build, in a store format this one cannot read.
    #[error("store at {path} has format {found}, newer than this build reads ({supported}): upgrade weft, or start with another --data-dir")]
    Format {
        /// The database directory.
        path: PathBuf,
        /// The format found.
        found: u64,
        /// The newest format this build reads.
        supported: u64,
    },
}

impl StoreError {
    pub(crate) fn corrupt(what: &'static str, reason: impl ToString) -> Self {
        Self::Corrupt {
            what,
            reason: reason.to_string(),
        }
    }
}
