//! A validator (`weft node start --genesis FILE --validator-key DIR`): the node takes blobs
//! like a producer, but blocks are agreed among the genesis validators by commonware's simplex
//! (`weft-consensus`), over this node's store, pool and encoder ([`chain::NodeChain`]); each
//! finalized block is stored with its certificate and announced to full nodes and light clients.

pub(crate) mod chain;
pub(crate) mod proposal;

use std::{net::SocketAddr, path::PathBuf, sync::Arc, time::Duration};

use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use weft_consensus::{
    engine::Timing,
    keys::ValidatorKey,
    network::{Validator, ValidatorConfig},
};
use weft_types::ValidatorSet;

use crate::error::{NodeError, Result};
use chain::{NodeChain, NodeChainArgs};

/// Folder of the engine's write-ahead journal inside the data dir.
pub(crate) const JOURNAL_DIR: &str = "consensus";

/// The engine's timing for blocks every `block_time`: a leader waits for the block time since
/// its parent, then encodes; a view gives it twice the block time and two seconds more.
pub(crate) fn timing(block_time: Duration) -> Timing {
    let leader = block_time * 2 + Duration::from_secs(2);
    Timing {
        leader_timeout: leader,
        certification_timeout: leader + Duration::from_secs(2),
        timeout_retry: Duration::from_secs(10),
        fetch_timeout: Duration::from_secs(2),
    }
}

/// Everything a validator needs beyond the chain's.
pub(crate) struct ValidatorArgs {
    pub(crate) chain: NodeChainArgs,
    pub(crate) set: Arc<ValidatorSet>,
    pub(crate) key: ValidatorKey,
    pub(crate) data_dir: PathBuf,
    pub(crate) listen: SocketAddr,
    pub(crate) cancel: CancellationToken,
}

/// Starts consensus; the task returned stops it (cleanly, its journal synced) on cancel.
///
/// # Errors
/// [`NodeError::Consensus`] if the engine cannot start; a store error reading the head.
pub(crate) fn spawn(args: ValidatorArgs) -> Result<JoinHandle<()>> {
    let timing = timing(args.chain.block_time);
    let chain = NodeChain::new(args.chain)?;
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
    .map_err(|e| NodeError::Consensus(e.to_string()))?;
    let cancel = args.cancel;
    Ok(tokio::spawn(async move {
        cancel.cancelled().await;
        let _ = tokio::task::spawn_blocking(move || validator.stop()).await;
    }))
}
