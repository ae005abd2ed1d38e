//! A fetch-only sampling client: its own libp2p identity and connection (as a light client
//! has), following gossiped headers and asking, for every height with data, for `s` random
//! cells (s from the target confidence, `weft_light::confidence::samples_needed`) spread over
//! the full nodes it is connected to — without verifying them, so that a thousand fit on two
//! cores. Cells not served are asked again of the next full node every [`RETRY_EVERY`].

use std::{sync::Arc, time::Duration};

use futures::{future::join_all, StreamExt};
use rand::SeedableRng;
use tokio::{sync::mpsc, task::JoinHandle, time::Instant};
use tokio_util::sync::CancellationToken;
use weft_encoding::Position;
use weft_p2p::{
    Keypair, Multiaddr, NetworkConfig, NetworkHandle, NetworkMetrics, PeerId, RequestError, Role,
};
use weft_types::{
    wire::{CellsRequest, CellsResponse, Refusal, MAX_CELLS_PER_REQUEST},
    ProducerKey,
};

/// Pause before cells not served are asked again.
pub const RETRY_EVERY: Duration = Duration::from_millis(100);

/// What one client saw of one height.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// Which client.
    pub client: usize,
    /// Block height.
    pub height: u64,
    /// When its header arrived.
    pub arrived: Instant,
    /// Header arrival to the last sample served; `None` if not all were within the timeout.
    pub ms: Option<f64>,
    /// Cells asked for.
    pub samples: usize,
    /// Requests refused by a rate limit.
    pub refused: u64,
    /// Requests answered "not found".
    pub not_found: u64,
    /// Requests that failed (timeout, stream).
    pub failed: u64,
}

/// How every fetcher behaves.
#[derive(Debug, Clone)]
pub struct FetchConfig {
    /// Full nodes to dial.
    pub bootstrap: Vec<Multiaddr>,
    /// The producer followed.
    pub producer: ProducerKey,
    /// Peers never asked for cells (the producer: nothing in this path goes through it).
    pub exclude: Option<PeerId>,
    /// Target confidence (sets s).
    pub confidence: f64,
    /// First height sampled.
    pub from: u64,
    /// Time allowed per height.
    pub sample_timeout: Duration,
}

/// A running fetcher.
#[derive(Debug)]
pub struct Fetcher {
    /// Its network.
    pub net: NetworkHandle,
    task: JoinHandle<()>,
}

impl Fetcher {
    /// Starts client number `client`; its results go to `out`.
    ///
    /// # Errors
    /// The network's, if it cannot be built.
    pub async fn start(
        client: usize,
        config: Arc<FetchConfig>,
        out: mpsc::UnboundedSender<Fetched>,
        stop: CancellationToken,
    ) -> Result<Self, weft_p2p::Error> {
        let (net, mut headers, task) = weft_p2p::start(NetworkConfig {
            key: Keypair::generate_ed25519(),
            role: Role::Light,
            agent: "weft-swarm/0.1.0".into(),
            listen: Vec::new(),
            bootstrap: config.bootstrap.clone(),
            trust: config.producer.into(),
            server: None,
            idle_timeout: Duration::from_secs(300),
            discovery_interval: Duration::from_secs(30),
            metrics: NetworkMetrics::default(),
            accept_light: true,
            connections: weft_p2p::ConnectionCaps::default(),
            blobs: weft_p2p::BlobGossip::Off,
        })
        .await?;
        let handle = net.clone();
        let task = tokio::spawn(async move {
            let mut rng = rand::rngs::StdRng::seed_from_u64(client as u64);
            loop {
                tokio::select! {
                    () = stop.cancelled() => break,
                    header = headers.next() => {
                        let Some(header) = header else { break };
                        if header.k() == 0 || header.height() < config.from {
                            continue;
                        }
                        let cells = weft_light::draw(
                            &mut rng,
                            header.k(),
                            weft_light::confidence::samples_needed(header.k(), config.confidence),
                        );
                        let (net, config, out) = (handle.clone(), config.clone(), out.clone());
                        tokio::spawn(async move {
                            let fetched = fetch(client, &net, &config, header.height(), cells).await;
                            let _ = out.send(fetched);
                        });
                    }
                }
            }
            task.stop().await;
        });
        Ok(Self { net, task })
    }

    /// Stops it and waits until its network has.
    pub async fn stop(self) {
        let _ = self.task.await;
    }
}

async fn fetch(
    client: usize,
    net: &NetworkHandle,
    config: &FetchConfig,
    height: u64,
    cells: Vec<Position>,
) -> Fetched {
    let arrived = Instant::now();
    let deadline = arrived + config.sample_timeout;
    let mut result = Fetched {
        client,
        height,
        arrived,
        ms: None,
        samples: cells.len(),
        refused: 0,
        not_found: 0,
        failed: 0,
    };
    let mut missing = cells;
    let mut round = 0usize;
    while Instant::now() < deadline {
        let peers: Vec<PeerId> = net
            .full_peers()
            .into_iter()
            .filter(|p| Some(*p) != config.exclude)
            .collect();
        if peers.is_empty() {
            tokio::time::sleep(RETRY_EVERY).await;
            continue;
        }
        let mut asks: Vec<(PeerId, Vec<Position>)> =
            peers.iter().map(|p| (*p, Vec::new())).collect();
        for (i, cell) in missing.iter().enumerate() {
            let slot = &mut asks[(i + round) % peers.len()].1;
            if slot.len() < MAX_CELLS_PER_REQUEST {
                slot.push(*cell);
            }
        }
        let answers =
            join_all(asks.into_iter().filter(|(_, c)| !c.is_empty()).map(
                |(peer, cells)| async move {
                    (peer, net.cells(peer, CellsRequest { height, cells }).await)
                },
            ))
            .await;
        for (_, answer) in answers {
            match answer {
                Ok(CellsResponse::Cells(served)) => {
                    missing.retain(|p| !served.iter().any(|c| c.id == *p));
                }
                Ok(CellsResponse::Refused(Refusal::RateLimited)) => result.refused += 1,
                Ok(CellsResponse::Refused(_)) => result.not_found += 1,
                Err(RequestError::Paced) => result.refused += 1,
                Err(_) => result.failed += 1,
            }
        }
        if missing.is_empty() {
            result.ms = Some(arrived.elapsed().as_secs_f64() * 1000.0);
            break;
        }
        round += 1;
        tokio::time::sleep(RETRY_EVERY).await;
    }
    result
}
