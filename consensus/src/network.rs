//! A validator as a running service: its own thread with a commonware tokio runtime, the
//! validators' authenticated network (commonware's `lookup` p2p: every validator dials every
//! other at its genesis address; Ed25519 identities, encrypted streams), the engine and the
//! glue. [`Validator::stop`] ends it cleanly.

use std::{
    net::{SocketAddr, ToSocketAddrs as _},
    num::{NonZeroU32, NonZeroUsize},
    path::PathBuf,
    thread::JoinHandle,
    time::Duration,
};

use commonware_cryptography::{ed25519, ChaCha20Poly1305, Signer as _};
use commonware_p2p::{
    authenticated::lookup::{self, Network},
    Address, AddressableManager as _,
};
use commonware_runtime::{tokio as cw_tokio, Quota, Runner as _, Spawner as _, Supervisor as _};
use commonware_stream::{
    cups::{self, Cups},
    sake::{self, Sake},
};
use commonware_utils::ordered::Map;
use futures::channel::oneshot;
use weft_types::{ValidatorSet, MAX_VALIDATORS};

use crate::{
    chain::Chain,
    engine::{
        start_validator, Channels, Timing, BLOCK_CHANNEL, CERTIFICATE_CHANNEL, RESOLVER_CHANNEL,
        VOTE_CHANNEL,
    },
    error::ConsensusError,
    glue::wire::MAX_BLOCK_MESSAGE_BYTES,
    keys::ValidatorKey,
    scheme,
};

/// Largest message on the validators' network: a block message (its tag and the block).
pub const MAX_CONSENSUS_MESSAGE_BYTES: u32 = MAX_BLOCK_MESSAGE_BYTES as u32 + 1;
/// Messages a peer may send per second on each channel before the rest wait.
pub const CHANNEL_RATE_PER_SECOND: u32 = 1_024;
/// Prefix of the network namespace (the chain id follows), so two chains' validators never
/// mistake each other's connections.
pub const NETWORK_NAMESPACE_PREFIX: &[u8] = b"weft-validators/";

/// Where and how a validator runs.
#[derive(Debug, Clone)]
pub struct ValidatorConfig {
    /// Where the engine keeps its write-ahead journal (keep it across restarts).
    pub journal_dir: PathBuf,
    /// The local address to listen on (the genesis address's port on all interfaces, or a
    /// loopback address in tests).
    pub listen: SocketAddr,
    /// The engine's timing.
    pub timing: Timing,
}

/// A running validator; dropping it stops it too.
#[derive(Debug)]
pub struct Validator {
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Validator {
    /// Starts validator `key` of `set` with `chain` as its block store.
    ///
    /// # Errors
    /// [`ConsensusError::NotAValidator`] if the key is not in the set; [`ConsensusError::Genesis`]
    /// if a validator's address does not resolve; [`ConsensusError::Io`] if the thread cannot
    /// be started.
    pub fn start<C: Chain>(
        set: &ValidatorSet,
        key: &ValidatorKey,
        chain: C,
        config: ValidatorConfig,
    ) -> Result<Self, ConsensusError> {
        let scheme = scheme::signer(set, key)?;
        let peers = addresses(set)?;
        let (stop, stopped) = oneshot::channel::<()>();
        let (set, key) = (set.clone(), key.clone());
        let thread = std::thread::Builder::new()
            .name("weft-consensus".into())
            .spawn(move || {
                let runtime = cw_tokio::Config::new()
                    .with_worker_threads(2)
                    .with_storage_directory(&config.journal_dir)
                    .with_catch_panics(false);
                cw_tokio::Runner::new(runtime).start(|context| async move {
                    let signer = key.p2p_secret().clone();
                    let handshake = Cups::<_, ChaCha20Poly1305>::new(
                        Sake {
                            signer: signer.clone(),
                            synchrony_bound: Duration::from_secs(5),
                            max_handshake_age: Duration::from_secs(10),
                            version: sake::Version::V1,
                        },
                        cups::Version::V1,
                    );
                    let namespace = [NETWORK_NAMESPACE_PREFIX, set.chain_id().as_bytes()].concat();
                    let mut p2p = lookup::Config::local(
                        handshake,
                        &namespace,
                        config.listen,
                        NonZeroUsize::new(set.len().max(1)).expect("non-zero"),
                        MAX_CONSENSUS_MESSAGE_BYTES,
                        NonZeroUsize::new(1_024).expect("non-zero"),
                    );
                    p2p.allow_private_ips = true;
                    let (mut network, mut oracle) = Network::new(context.child("network"), p2p);
                    let _ = oracle.track(0, peers);
                    let rate = Quota::per_second(
                        NonZeroU32::new(CHANNEL_RATE_PER_SECOND).expect("non-zero"),
                    );
                    let channels = Channels {
                        votes: network.register(VOTE_CHANNEL, rate),
                        certificates: network.register(CERTIFICATE_CHANNEL, rate),
                        resolver: network.register(RESOLVER_CHANNEL, rate),
                        blocks: network.register(BLOCK_CHANNEL, rate),
                    };
                    network.start();
                    let partition = format!("weft-validator-{}", signer.public_key());
                    let _tasks = start_validator(
                        context.child("validator"),
                        &set,
                        scheme,
                        chain,
                        oracle,
                        channels,
                        &partition,
                        &config.timing,
                    );
                    let _ = stopped.await;
                    let _ = context.stop(0, Some(Duration::from_secs(5))).await;
                });
            })
            .map_err(|e| ConsensusError::Io {
                path: "consensus thread".into(),
                source: e,
            })?;
        Ok(Self {
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// Whether the validator's thread has ended on its own (its network could not bind, a
    /// task panicked): the owner should start it again.
    pub fn is_finished(&self) -> bool {
        self.thread.as_ref().is_none_or(JoinHandle::is_finished)
    }

    /// Stops the engine (its journal is synced as it goes) and waits for its thread.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Validator {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Every validator's p2p key and resolved address.
fn addresses(set: &ValidatorSet) -> Result<Map<ed25519::PublicKey, Address>, ConsensusError> {
    let peers = scheme::peers(set);
    debug_assert!(peers.len() <= MAX_VALIDATORS);
    let mut entries = Vec::with_capacity(peers.len());
    for (peer, validator) in peers.into_iter().zip(set.validators()) {
        let address = validator
            .address
            .to_socket_addrs()
            .ok()
            .and_then(|mut a| a.next())
            .ok_or_else(|| {
                ConsensusError::Genesis(format!(
                    "validator {}: address {:?} does not resolve",
                    validator.p2p_key, validator.address
                ))
            })?;
        entries.push((peer, Address::Symmetric(address)));
    }
    Map::try_from(entries)
        .map_err(|e| ConsensusError::Genesis(format!("validator addresses: {e:?}")))
}
