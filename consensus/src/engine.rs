//! Starting a validator: the simplex engine with Weft's settings, wired to the glue, on four
//! consensus-network channels (votes, certificates, the engine's resolver, blocks).

use std::{
    num::{NonZeroU16, NonZeroUsize},
    time::Duration,
};

use commonware_consensus::{
    simplex::{
        config::{Config, Floor, ForwardPolicy, SkipBudget, SkipPolicy},
        elector::RoundRobin,
        Engine,
    },
    types::{Epoch, ViewDelta},
};
use commonware_cryptography::ed25519;
use commonware_p2p::{Blocker, Receiver, Sender};
use commonware_parallel::Sequential;
use commonware_runtime::{buffer::paged::CacheRef, Clock, Handle, Metrics, Spawner, Storage};
use commonware_utils::NonZeroDuration;
use weft_types::{ValidatorSet, GENESIS_PARENT};

use crate::{
    chain::Chain,
    glue::actor::Glue,
    scheme::{to_engine, Scheme},
};

/// Consensus-network channel of votes.
pub const VOTE_CHANNEL: u64 = 0;
/// Consensus-network channel of certificates.
pub const CERTIFICATE_CHANNEL: u64 = 1;
/// Consensus-network channel of the engine's certificate fetches.
pub const RESOLVER_CHANNEL: u64 = 2;
/// Consensus-network channel of blocks (the glue's).
pub const BLOCK_CHANNEL: u64 = 3;

/// The engine's timing, in one place.
#[derive(Debug, Clone)]
pub struct Timing {
    /// How long a view waits for its leader's proposal before voting to skip it.
    pub leader_timeout: Duration,
    /// How long a view waits for a certificate before voting to skip it (> leader timeout).
    pub certification_timeout: Duration,
    /// How often a skip vote is sent again while stuck.
    pub timeout_retry: Duration,
    /// How long a certificate fetch waits for a peer.
    pub fetch_timeout: Duration,
}

impl Default for Timing {
    /// 2 s for a proposal (a k = 128 square encodes in well under that), 3 s for a certificate.
    fn default() -> Self {
        Self {
            leader_timeout: Duration::from_secs(2),
            certification_timeout: Duration::from_secs(3),
            timeout_retry: Duration::from_secs(10),
            fetch_timeout: Duration::from_secs(1),
        }
    }
}

/// One network channel: its sender and receiver.
pub type Channel<S, R> = (S, R);

/// The four channels a validator needs.
#[derive(Debug)]
pub struct Channels<S, R> {
    /// [`VOTE_CHANNEL`].
    pub votes: Channel<S, R>,
    /// [`CERTIFICATE_CHANNEL`].
    pub certificates: Channel<S, R>,
    /// [`RESOLVER_CHANNEL`].
    pub resolver: Channel<S, R>,
    /// [`BLOCK_CHANNEL`].
    pub blocks: Channel<S, R>,
}

/// Starts a validator's engine and glue under `context`: signs with `scheme`, builds and stores
/// blocks through `chain`, keeps its write-ahead journal in storage partition `partition` (keep
/// it across restarts). Returns the engine's and the glue's task handles.
#[allow(clippy::too_many_arguments)]
pub fn start_validator<E, C, B, S, R>(
    context: E,
    set: &ValidatorSet,
    scheme: Scheme,
    chain: C,
    blocker: B,
    channels: Channels<S, R>,
    partition: &str,
    timing: &Timing,
) -> (Handle<()>, Handle<()>)
where
    E: Clock + rand_core_010::CryptoRng + Spawner + Storage + Metrics,
    C: Chain,
    B: Blocker<PublicKey = ed25519::PublicKey>,
    S: Sender<PublicKey = ed25519::PublicKey>,
    R: Receiver<PublicKey = ed25519::PublicKey>,
{
    let (glue, mailbox) = Glue::new(context.child("glue"), set.chain_id(), chain);
    let glue = glue.start(channels.blocks);
    let config = Config {
        scheme,
        elector: RoundRobin::<commonware_cryptography::Sha256>::default(),
        blocker,
        automaton: mailbox.clone(),
        relay: mailbox.clone(),
        reporter: mailbox,
        track_historical_votes: false,
        strategy: Sequential,
        partition: partition.to_owned(),
        mailbox_size: NonZeroUsize::new(1024).expect("non-zero"),
        epoch: Epoch::new(0),
        floor: Floor::Genesis(to_engine(&weft_types::encoding::layout::Digest32(
            GENESIS_PARENT,
        ))),
        replay_buffer: NonZeroUsize::new(1 << 20).expect("non-zero"),
        write_buffer: NonZeroUsize::new(1 << 20).expect("non-zero"),
        page_cache: CacheRef::new(
            NonZeroU16::new(4096).expect("non-zero"),
            NonZeroUsize::new(64).expect("non-zero"),
        ),
        leader_timeout: timing.leader_timeout,
        certification_timeout: timing.certification_timeout,
        timeout_retry: timing.timeout_retry,
        view_retention: ViewDelta::new(256),
        skip: SkipPolicy::Enabled {
            // The engine asks for more than both the certification timeout and the retry.
            timeout: (timing.certification_timeout * 4)
                .max(timing.timeout_retry + timing.certification_timeout),
            budget: SkipBudget::Participants,
        },
        fetch_timeout: NonZeroDuration::new(timing.fetch_timeout).expect("non-zero"),
        fetch_retry_delay: Duration::from_millis(100),
        forward: ForwardPolicy::SilentVoters,
    };
    let engine = Engine::new(context.child("engine"), config);
    let engine = engine.start(channels.votes, channels.certificates, channels.resolver);
    (engine, glue)
}
