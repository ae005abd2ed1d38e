//! The process's file-descriptor budget: the soft limit is raised to the hard one at start,
//! and RocksDB's open table files and the HTTP connections each get at most a quarter of it,
//! leaving half for p2p connections, the WAL, logs and the rest (issue 11, fault 1).

/// File descriptors the process may open, after raising the soft limit to the hard one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FdBudget {
    /// The soft limit now in force.
    pub(crate) limit: u64,
}

/// Fewest table files RocksDB is allowed, however low the limit.
const MIN_ROCKSDB_FILES: u64 = 16;
/// Most table files RocksDB is allowed, however high the limit.
const MAX_ROCKSDB_FILES: u64 = 4096;

impl FdBudget {
    /// Raises the soft limit to the hard limit and returns the budget (a failure to raise it
    /// is logged and the current limit used).
    pub(crate) fn raise() -> Self {
        let limit = match rlimit::increase_nofile_limit(u64::MAX) {
            Ok(limit) => limit,
            Err(e) => {
                let current = rlimit::getrlimit(rlimit::Resource::NOFILE).map_or(1024, |l| l.0);
                tracing::warn!("cannot raise the file-descriptor limit ({e}); using {current}");
                current
            }
        };
        tracing::debug!(limit, "file-descriptor limit");
        Self { limit }
    }

    /// RocksDB's `max_open_files`: a quarter of the budget, within 16..=4096.
    pub(crate) fn rocksdb_files(self) -> i32 {
        i32::try_from((self.limit / 4).clamp(MIN_ROCKSDB_FILES, MAX_ROCKSDB_FILES))
            .expect("at most 4096")
    }

    /// The HTTP connection cap: the configured one, at most a quarter of the budget (at least 1).
    pub(crate) fn http_connections(self, configured: usize) -> usize {
        let quarter = usize::try_from(self.limit / 4).unwrap_or(usize::MAX);
        configured.min(quarter).max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_low_limit_is_shared_out_and_leaves_half() {
        let b = FdBudget { limit: 400 };
        assert_eq!(b.rocksdb_files(), 100);
        assert_eq!(b.http_connections(1024), 100);
        assert_eq!(b.http_connections(10), 10);
        let tiny = FdBudget { limit: 8 };
        assert_eq!(tiny.rocksdb_files(), 16);
        assert_eq!(tiny.http_connections(1024), 2);
        let big = FdBudget { limit: 1 << 20 };
        assert_eq!(big.rocksdb_files(), 4096);
        assert_eq!(big.http_connections(1024), 1024);
    }

    #[test]
    fn raising_never_lowers_the_limit() {
        let before = rlimit::getrlimit(rlimit::Resource::NOFILE).unwrap().0;
        assert!(FdBudget::raise().limit >= before);
    }
}
