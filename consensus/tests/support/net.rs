//! Validators on commonware's simulated network under the deterministic runtime.

use std::{num::NonZeroUsize, time::Duration};

use commonware_consensus::simplex::mocks::conflicter;
use commonware_cryptography::{ed25519, Sha256};
use commonware_p2p::simulated::{self, Link, Oracle};
use commonware_runtime::{deterministic, Clock as _, Handle, Quota, Supervisor as _};
use commonware_utils::Probability;
use weft_consensus::{
    engine::{
        start_validator, Channels, Timing, BLOCK_CHANNEL, CERTIFICATE_CHANNEL, RESOLVER_CHANNEL,
        VOTE_CHANNEL,
    },
    keys::ValidatorKey,
    scheme::{self, Scheme},
};
use weft_types::{Genesis, ValidatorSet};

use super::{Record, Shared, ToyChain};

pub type Net = Oracle<ed25519::PublicKey, deterministic::Context>;

pub const CHAIN_ID: &str = "weft-sim";

/// n validators in canonical order (by p2p key), with a record each.
pub struct Validators {
    pub keys: Vec<ValidatorKey>,
    pub set: ValidatorSet,
    pub peers: Vec<ed25519::PublicKey>,
    pub records: Vec<Shared>,
}

pub fn validators(n: usize) -> Validators {
    validators_at(
        &(0..n)
            .map(|i| format!("127.0.0.1:{}", 27100 + i))
            .collect::<Vec<_>>(),
    )
}

/// Validators listening at `addresses` (validator i, in canonical order, at the i-th).
pub fn validators_at(addresses: &[String]) -> Validators {
    let n = addresses.len();
    let mut keys: Vec<_> = (0..n)
        .map(|i| ValidatorKey::from_seeds(&[i as u8 + 1; 32], [i as u8 + 101; 32]).unwrap())
        .collect();
    keys.sort_by_key(ValidatorKey::peer_key);
    let genesis = Genesis {
        chain_id: CHAIN_ID.into(),
        validators: keys
            .iter()
            .enumerate()
            .map(|(i, k)| k.genesis_entry(CHAIN_ID, addresses[i].clone()))
            .collect(),
    };
    let set = ValidatorSet::from_genesis(&genesis).unwrap();
    let peers = scheme::peers(&set);
    Validators {
        keys,
        set,
        peers,
        records: (0..n)
            .map(|_| Shared::new(Record::default().into()))
            .collect(),
    }
}

pub async fn network(context: &deterministic::Context, peers: &[ed25519::PublicKey]) -> Net {
    let (network, oracle) = simulated::Network::new_with_peers(
        context.child("network"),
        simulated::Config {
            max_size: 1 << 20,
            max_peers_per_set: NonZeroUsize::new(peers.len()).unwrap(),
            disconnect_on_block: false,
            tracked_peer_sets: NonZeroUsize::new(1).unwrap(),
        },
        peers.to_vec(),
    )
    .await;
    network.start();
    oracle
}

pub fn link(latency_ms: u64, jitter_ms: u64, success: f64) -> Link {
    Link {
        latency: Duration::from_millis(latency_ms),
        jitter: Duration::from_millis(jitter_ms),
        success_rate: Probability::from_f64(success).unwrap(),
    }
}

/// Links (or, with `None`, unlinks) every ordered pair of `a` × `b` with different members.
pub async fn set_links(oracle: &Net, v: &Validators, a: &[usize], b: &[usize], link: Option<Link>) {
    for &i in a {
        for &j in b {
            if i == j {
                continue;
            }
            for (x, y) in [(i, j), (j, i)] {
                let _ = oracle
                    .remove_link(v.peers[x].clone(), v.peers[y].clone())
                    .await;
                if let Some(link) = &link {
                    oracle
                        .add_link(v.peers[x].clone(), v.peers[y].clone(), link.clone())
                        .await
                        .unwrap();
                }
            }
        }
    }
}

fn quota() -> Quota {
    Quota::per_second(std::num::NonZeroU32::new(10_000).unwrap())
}

pub fn timing() -> Timing {
    Timing {
        leader_timeout: Duration::from_secs(1),
        certification_timeout: Duration::from_secs(2),
        timeout_retry: Duration::from_secs(5),
        fetch_timeout: Duration::from_secs(1),
    }
}

/// Starts validator `i` (its engine journal in partition `validator-i`, so a restart resumes).
pub async fn start(
    context: &deterministic::Context,
    oracle: &Net,
    v: &Validators,
    i: usize,
    byzantine: bool,
) -> (Handle<()>, Handle<()>) {
    let control = oracle.control(v.peers[i].clone());
    let channel = |c| {
        let control = control.clone();
        async move { control.register(c, quota()).await.unwrap() }
    };
    let channels = Channels {
        votes: channel(VOTE_CHANNEL).await,
        certificates: channel(CERTIFICATE_CHANNEL).await,
        resolver: channel(RESOLVER_CHANNEL).await,
        blocks: channel(BLOCK_CHANNEL).await,
    };
    let chain = ToyChain::new(i as u8, byzantine, v.set.clone(), v.records[i].clone());
    start_validator(
        context.child("validator").with_attribute("index", i),
        &v.set,
        scheme::signer(&v.set, &v.keys[i]).unwrap(),
        chain,
        control,
        channels,
        &format!("validator-{i}"),
        &timing(),
    )
}

/// Validator `i` as a double voter: every vote it sees, it answers with two conflicting ones
/// (commonware's own conflicter, the test seam outside the binary).
pub async fn start_double_voter(
    context: &deterministic::Context,
    oracle: &Net,
    v: &Validators,
    i: usize,
) -> Handle<()> {
    let control = oracle.control(v.peers[i].clone());
    let votes = control.register(VOTE_CHANNEL, quota()).await.unwrap();
    let scheme: Scheme = scheme::signer(&v.set, &v.keys[i]).unwrap();
    conflicter::Conflicter::<_, Scheme, Sha256>::new(
        context.child("conflicter"),
        conflicter::Config { scheme },
    )
    .start(votes)
}

/// Finalized heights of each validator in `which`.
pub fn heights(v: &Validators, which: &[usize]) -> Vec<usize> {
    which
        .iter()
        .map(|&i| v.records[i].lock().unwrap().finalized.len())
        .collect()
}

/// Waits (in simulated time, up to `limit`) until every validator in `which` finalized `height`.
pub async fn wait_for(
    context: &deterministic::Context,
    v: &Validators,
    which: &[usize],
    height: usize,
    limit: Duration,
) -> bool {
    let start = context.current();
    loop {
        if heights(v, which).iter().all(|&h| h >= height) {
            return true;
        }
        if context.current().duration_since(start).unwrap() > limit {
            return false;
        }
        context.sleep(Duration::from_millis(100)).await;
    }
}
