//! The process's file-descriptor budget: the soft limit is raised to the hard one at start,
//! and RocksDB's open table files, the HTTP connections and the p2p connections each get at
//! most a quarter of it, HTTP connections closing gracefully a sixteenth, leaving the rest for
//! the WAL, logs and the like (issue 11, fault 1; issue 25, fault 2).

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
        configured.min(self.share(4)).max(1)
    }

    /// HTTP connections being closed gracefully at once: a sixteenth of the budget (at least 1;
    /// `http::linger` caps it further).
    pub(crate) fn lingering(self) -> usize {
        self.share(16).max(1)
    }

    /// Descriptors for p2p connections (TCP, QUIC, WebSocket; established and in their
    /// handshake): a quarter of the budget.
    pub(crate) fn p2p_connections(self) -> u64 {
        self.limit / 4
    }

    /// `limit / parts`, as a count.
    fn share(self, parts: u64) -> usize {
        usize::try_from(self.limit / parts).unwrap_or(usize::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_low_limit_is_shared_out_among_rocksdb_http_and_p2p() {
        let b = FdBudget { limit: 400 };
        assert_eq!(b.rocksdb_files(), 100);
        assert_eq!(b.http_connections(1024), 100);
        assert_eq!(b.http_connections(10), 10);
        assert_eq!(b.lingering(), 25);
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
