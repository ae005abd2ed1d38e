//! A validator (`weft node start --genesis FILE --validator-key DIR`): the node takes blobs
//! like a producer, but blocks are agreed among the genesis validators by commonware's simplex
//! (`weft-consensus`), over this node's store, pool and encoder ([`chain::NodeChain`]); each
//! finalized block is encoded and stored with its certificate by [`writer::Writer`] and
//! announced to full nodes and light clients.

pub(crate) mod chain;
pub(crate) mod proposal;
pub(crate) mod writer;

use std::{net::SocketAddr, path::PathBuf, sync::Arc, time::Duration};

use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use weft_consensus::{
    engine::Timing,
    keys::ValidatorKey,
    network::{Validator, ValidatorConfig},
};
use weft_types::ValidatorSet;

use crate::health::{supervise, TaskError};
use chain::{NodeChain, NodeChainArgs};

/// Folder of the engine's write-ahead journal inside the data dir.
pub(crate) const JOURNAL_DIR: &str = "consensus";

/// Shortest leader timeout whatever the block time: room for a proposal's row commitments
/// (k = 32: tens of milliseconds per row on one core) and a round trip.
const MIN_LEADER_TIMEOUT: Duration = Duration::from_millis(500);

/// The engine's timing for blocks every `block_time`. A leader proposes one block time after
/// its parent, having only laid the square out and committed to its rows (the whole square is
/// encoded after finalization, by the writer); a view gives it twice the block time (at least
/// [`MIN_LEADER_TIMEOUT`] more than one block time), so a dead leader costs at most about two
/// block times, and half a block time more to be certified. Measured in docs/BENCHMARKS.md.
pub(crate) fn timing(block_time: Duration) -> Timing {
    let leader = (block_time * 2).max(block_time + MIN_LEADER_TIMEOUT);
    Timing {
        leader_timeout: leader,
        certification_timeout: leader + (block_time / 2).max(MIN_LEADER_TIMEOUT / 2),
        timeout_retry: Duration::from_secs(10),
        fetch_timeout: Duration::from_secs(2),
    }
}

/// Everything a validator needs beyond the chain's.
#[derive(Clone)]
pub(crate) struct ValidatorArgs {
    pub(crate) chain: NodeChainArgs,
    pub(crate) set: Arc<ValidatorSet>,
    pub(crate) key: ValidatorKey,
    pub(crate) data_dir: PathBuf,
    pub(crate) listen: SocketAddr,
    pub(crate) cancel: CancellationToken,
}

/// How often the consensus thread is checked for having ended on its own.
const WATCH_EVERY: Duration = Duration::from_secs(1);

/// Starts consensus under supervision (`crate::health::supervise`): a consensus thread that
/// ends on its own (its address taken for now, a panic) is started again on the same journal;
/// on cancel it is stopped cleanly.
pub(crate) fn spawn(args: ValidatorArgs) -> JoinHandle<()> {
    let (health, cancel) = (args.chain.health.clone(), args.cancel.clone());
    supervise("consensus", health, cancel, move || run(args.clone()))
}

async fn run(args: ValidatorArgs) -> std::result::Result<(), TaskError> {
    let timing = timing(args.chain.block_time);
    let chain = NodeChain::new(args.chain).map_err(|e| TaskError::Consensus(e.to_string()))?;
    let validator = Validator::start(
        &args.set,
        &args.key,
        chain,
        ValidatorConfig {
            journal_dir: args.data_dir.join(JOURNAL_DIR),
            listen: args.listen,
            timing,
        },
    )
    .map_err(|e| TaskError::Consensus(e.to_string()))?;
    loop {
        tokio::select! {
            () = args.cancel.cancelled() => break,
            () = tokio::time::sleep(WATCH_EVERY) => {
                if validator.is_finished() {
                    let _ = tokio::task::spawn_blocking(move || validator.stop()).await;
                    return Err(TaskError::Consensus(format!(
                        "the consensus thread ended (is {} free?)",
                        args.listen
                    )));
                }
            }
        }
    }
    let _ = tokio::task::spawn_blocking(move || validator.stop()).await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dead_leader_costs_two_block_times_and_the_timeouts_are_ordered() {
        for (block_time, leader_ms) in [(100, 600), (500, 1_000), (2_000, 4_000)] {
            let t = timing(Duration::from_millis(block_time));
            assert_eq!(
                t.leader_timeout,
                Duration::from_millis(leader_ms),
                "{block_time} ms"
            );
            assert!(t.certification_timeout > t.leader_timeout);
            assert!(
                t.certification_timeout
                    <= t.leader_timeout
                        + Duration::from_millis(block_time).max(Duration::from_millis(250))
            );
        }
    }
}
