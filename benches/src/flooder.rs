//! A flooding peer: its own libp2p identity and connection to one full node, sending cell
//! requests far above the per-peer rate (PROTOCOL §8: 50/s, bursts of 200) without pacing
//! itself — to show that it is refused and scored down while honest clients are served.

use std::{
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
    time::Duration,
};

use futures::StreamExt;
use libp2p::{request_response, swarm::SwarmEvent};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use weft_encoding::Position;
use weft_p2p::{BehaviourEvent, Keypair, Multiaddr, Role};
use weft_types::wire::{CellsRequest, CellsResponse, Refusal};

use crate::report::FloodReport;

/// Sending rounds per second (the rate is spread over them).
const ROUNDS_PER_SECOND: u32 = 100;

/// A running flooder.
#[derive(Debug)]
pub struct Flooder {
    stop: CancellationToken,
    task: JoinHandle<FloodReport>,
}

impl Flooder {
    /// Starts flooding `target` with `rate` requests per second for cells of the height in
    /// `height` (kept current by the caller).
    ///
    /// # Errors
    /// The network's, if the swarm cannot be built.
    pub async fn start(
        target: Multiaddr,
        rate: u32,
        height: Arc<AtomicU64>,
    ) -> Result<Self, weft_p2p::Error> {
        let mut swarm = weft_p2p::build_swarm(
            Keypair::generate_ed25519(),
            Role::Light,
            "weft-flooder/0.1.0",
            Duration::from_secs(300),
            weft_p2p::ConnectionCaps::default(),
            false,
        )
        .await?;
        let peer = target.iter().find_map(|p| match p {
            weft_p2p::Protocol::P2p(id) => Some(id),
            _ => None,
        });
        let stop = CancellationToken::new();
        let cancelled = stop.clone();
        let task = tokio::spawn(async move {
            let mut report = FloodReport {
                rate,
                ..FloodReport::default()
            };
            let Some(peer) = peer else { return report };
            let _ = swarm.dial(target.clone());
            let mut connected = false;
            let mut tick = tokio::time::interval(Duration::from_secs(1) / ROUNDS_PER_SECOND);
            let mut redial = tokio::time::Instant::now();
            let per_round = rate.div_ceil(ROUNDS_PER_SECOND);
            loop {
                tokio::select! {
                    () = cancelled.cancelled() => break,
                    _ = tick.tick() => {
                        if connected {
                            let h = height.load(Ordering::Relaxed);
                            for _ in 0..per_round {
                                swarm.behaviour_mut().cells.send_request(
                                    &peer,
                                    CellsRequest { height: h, cells: vec![Position::new(0, 0)] },
                                );
                                report.sent += 1;
                            }
                        } else if redial.elapsed() > Duration::from_secs(1) {
                            redial = tokio::time::Instant::now();
                            let _ = swarm.dial(target.clone());
                        }
                    }
                    event = swarm.select_next_some() => match event {
                        SwarmEvent::ConnectionEstablished { peer_id, .. } if peer_id == peer => connected = true,
                        SwarmEvent::ConnectionClosed { peer_id, num_established: 0, .. } if peer_id == peer => {
                            connected = false;
                            report.disconnected += 1;
                        }
                        SwarmEvent::OutgoingConnectionError { .. } => report.dial_failures += 1,
                        SwarmEvent::Behaviour(BehaviourEvent::Cells(e)) => match e {
                            request_response::Event::Message {
                                message: request_response::Message::Response { response, .. },
                                ..
                            } => match response {
                                CellsResponse::Cells(_) => report.served += 1,
                                CellsResponse::Refused(Refusal::RateLimited) => report.refused += 1,
                                CellsResponse::Refused(_) => report.served += 1,
                            },
                            request_response::Event::OutboundFailure { .. } => report.failed += 1,
                            _ => {}
                        },
                        _ => {}
                    },
                }
            }
            report
        });
        Ok(Self { stop, task })
    }

    /// Stops it; what it saw.
    pub async fn stop(self) -> FloodReport {
        self.stop.cancel();
        self.task.await.unwrap_or_default()
    }
}
