//! One run of the harness: set up the network, connect the clients, publish for the duration,
//! gather what every client saw, and sum it up.

use std::{collections::HashMap, sync::Arc, time::Duration};

use futures::StreamExt;
use tokio::{sync::mpsc, time::Instant};
use tokio_util::sync::CancellationToken;
use weft_light::{Availability, LightClient, LightConfig, LightEvent};

use crate::{
    error::SwarmError,
    fetcher::{FetchConfig, Fetched, Fetcher},
    flooder::Flooder,
    procstat,
    report::{HeightReport, Latency, NodeReport, Summary},
    topology::{encode_squares, FullNode, FullNodeKind, Publisher},
};

/// Clients started at once while connecting (the rest wait for them).
const CONNECT_BATCH: usize = 50;
/// Time every client has to connect to a full node.
const CONNECT_LIMIT: Duration = Duration::from_secs(120);

/// One run's settings.
#[derive(Debug, Clone)]
pub struct SwarmConfig {
    /// Clients in all.
    pub clients: usize,
    /// Of them, full verifying light clients (`weft_light::LightClient`).
    pub verifying: usize,
    /// Full nodes following the publisher.
    pub full_nodes: usize,
    /// Where they run.
    pub kind: FullNodeKind,
    /// k of every square.
    pub k: usize,
    /// Distinct squares encoded before the run (published in turn).
    pub squares: usize,
    /// Interval between blocks.
    pub block_time: Duration,
    /// Publishing time.
    pub duration: Duration,
    /// Target confidence.
    pub confidence: f64,
    /// Time allowed per height and client.
    pub sample_timeout: Duration,
    /// Requests per second of a flooding peer aimed at the first full node (0: none).
    pub flood: u32,
    /// A runtime for the publisher (threads at the default priority when the harness runs
    /// niced); `None`: the caller's.
    pub publisher_runtime: Option<tokio::runtime::Handle>,
}

/// Runs `work` on `runtime` when given, else here.
async fn on<F>(runtime: Option<&tokio::runtime::Handle>, work: F) -> F::Output
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    match runtime {
        Some(rt) => rt
            .spawn(work)
            .await
            .expect("the publisher's task does not panic"),
        None => work.await,
    }
}

/// What a run gives: one report per height, and the summary.
#[derive(Debug, Clone)]
pub struct Report {
    /// Per height, in order.
    pub heights: Vec<HeightReport>,
    /// The whole run.
    pub summary: Summary,
}

/// What a verifying client reported for one height.
struct Verified {
    height: u64,
    ms: f64,
    available: bool,
    failed: usize,
}

/// Runs the harness once.
///
/// # Errors
/// [`SwarmError::Setup`] when the network or the clients cannot be set up.
pub async fn run_swarm(config: &SwarmConfig) -> Result<Report, SwarmError> {
    let (k, squares) = (config.k, config.squares.max(1));
    let encoded = Arc::new(
        tokio::task::spawn_blocking(move || encode_squares(k, squares))
            .await
            .map_err(|e| SwarmError::Setup(e.to_string()))??,
    );
    let rt = config.publisher_runtime.as_ref();
    let (block_time, max_k) = (config.block_time, config.k);
    let publisher = Arc::new(on(rt, Publisher::start(block_time, max_k)).await?);
    let publish = |i: usize| {
        let (publisher, encoded) = (publisher.clone(), encoded.clone());
        on(rt, async move {
            publisher
                .node
                .publish_block(&encoded[i % encoded.len()])
                .await
                .map_err(|e| SwarmError::Setup(e.to_string()))
        })
    };
    let producer = publisher.node.producer_key();
    // One block before the clients come: every full node has a head and the clients sample
    // only what is published while they run.
    publish(0).await?;
    let mut nodes = Vec::new();
    for _ in 0..config.full_nodes.max(1) {
        nodes.push(
            FullNode::start(
                &config.kind,
                producer,
                &publisher.node.tcp_addr(),
                config.k,
                config.block_time,
            )
            .await?,
        );
    }
    let first = 2;
    let stop = CancellationToken::new();
    let (fetched_tx, mut fetched_rx) = mpsc::unbounded_channel::<Fetched>();
    let (verified_tx, mut verified_rx) = mpsc::unbounded_channel::<Verified>();

    // Clients: each bootstraps to one full node, round robin; they find the others.
    let connecting = Instant::now();
    let fetchers_n = config.clients.saturating_sub(config.verifying);
    let mut fetchers = Vec::new();
    let mut verifiers = Vec::new();
    for batch in (0..config.clients)
        .collect::<Vec<_>>()
        .chunks(CONNECT_BATCH)
    {
        for &i in batch {
            let bootstrap = vec![nodes[i % nodes.len()].addr.clone()];
            if i < fetchers_n {
                let fetch = Arc::new(FetchConfig {
                    bootstrap,
                    producer,
                    exclude: publisher.peer_id(),
                    confidence: config.confidence,
                    from: first,
                    sample_timeout: config.sample_timeout,
                });
                let f = Fetcher::start(i, fetch, fetched_tx.clone(), stop.clone())
                    .await
                    .map_err(|e| SwarmError::Setup(format!("client {i}: {e}")))?;
                fetchers.push(f);
            } else {
                let mut light = LightConfig::new(bootstrap, producer);
                light.confidence = config.confidence;
                light.from = Some(first);
                light.sample_timeout = config.sample_timeout;
                let mut client = LightClient::start(light)
                    .await
                    .map_err(|e| SwarmError::Setup(format!("verifying client {i}: {e}")))?;
                let mut events = client.events().expect("events once");
                let tx = verified_tx.clone();
                tokio::spawn(async move {
                    while let Some(LightEvent::Height(r)) = events.next().await {
                        if r.verdict.is_final() && r.verdict != Availability::Pruned {
                            let _ = tx.send(Verified {
                                height: r.height,
                                ms: r.ms as f64,
                                available: r.verdict == Availability::Available,
                                failed: r.failed,
                            });
                        }
                    }
                });
                verifiers.push(client);
            }
        }
        // Wait for this batch to connect before the next.
        let deadline = connecting + CONNECT_LIMIT;
        while fetchers.iter().any(|f| f.net.full_peers().is_empty())
            || verifiers.iter().any(|v| v.status().peers == 0)
        {
            if Instant::now() > deadline {
                return Err(SwarmError::Setup(format!(
                    "clients not connected within {CONNECT_LIMIT:?}"
                )));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    let connect_seconds = connecting.elapsed().as_secs_f64();
    drop((fetched_tx, verified_tx));

    // Publish for the duration.
    let served_before: Vec<u64> =
        futures::future::join_all(nodes.iter().map(FullNode::cells_served)).await;
    let cpu_before: Vec<_> = nodes
        .iter()
        .map(|n| n.pid.and_then(procstat::cpu_time))
        .collect();
    let latest = Arc::new(std::sync::atomic::AtomicU64::new(1));
    let flooder = if config.flood > 0 {
        Some(
            Flooder::start(nodes[0].addr.clone(), config.flood, latest.clone())
                .await
                .map_err(|e| SwarmError::Setup(format!("flooder: {e}")))?,
        )
    } else {
        None
    };
    let harness_before = procstat::cpu_time(std::process::id());
    let machine = procstat::MachineSampler::start();
    let started = Instant::now();
    let mut published: HashMap<u64, Instant> = HashMap::new();
    let mut tick = tokio::time::interval(config.block_time);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await;
    let mut i = 1;
    while started.elapsed() < config.duration {
        tick.tick().await;
        let header = publish(i).await?;
        published.insert(header.height(), Instant::now());
        latest.store(header.height(), std::sync::atomic::Ordering::Relaxed);
        i += 1;
    }
    let seconds = started.elapsed().as_secs_f64();
    // Let the last heights finish.
    tokio::time::sleep(config.sample_timeout.min(Duration::from_secs(15))).await;
    let cpu: Vec<Option<f64>> = nodes
        .iter()
        .zip(&cpu_before)
        .map(|(n, before)| {
            let now = n.pid.and_then(procstat::cpu_time)?;
            Some((now - (*before)?).as_secs_f64() / started.elapsed().as_secs_f64())
        })
        .collect();
    let harness_cpu = procstat::cpu_time(std::process::id())
        .zip(harness_before)
        .map(|(now, before)| (now - before).as_secs_f64() / started.elapsed().as_secs_f64());
    let machine = machine.stop();
    let flood = match flooder {
        Some(f) => Some(f.stop().await),
        None => None,
    };
    let served_after: Vec<u64> =
        futures::future::join_all(nodes.iter().map(FullNode::cells_served)).await;
    let mut scored = Vec::new();
    for n in &nodes {
        let c = n
            .counters(&[
                "weft_requests_rate_limited",
                "weft_peers_penalised",
                "weft_peers_banned",
            ])
            .await;
        scored.push((c[0], c[1], c[2]));
    }
    let rss: Vec<Option<u64>> = nodes
        .iter()
        .map(|n| n.pid.and_then(procstat::peak_rss))
        .collect();
    stop.cancel();
    for f in fetchers {
        f.stop().await;
    }
    for v in verifiers {
        v.stop().await;
    }

    // Sum up.
    let mut fetched: Vec<Fetched> = Vec::new();
    while let Some(f) = fetched_rx.recv().await {
        fetched.push(f);
    }
    let mut verified: Vec<Verified> = Vec::new();
    while let Some(v) = verified_rx.recv().await {
        verified.push(v);
    }
    let mut heights: Vec<u64> = published.keys().copied().collect();
    heights.sort_unstable();
    let per_height: Vec<HeightReport> = heights
        .iter()
        .map(|&h| height_report(h, published[&h], &fetched, &verified))
        .collect();
    let served: Vec<u64> = served_after
        .iter()
        .zip(&served_before)
        .map(|(a, b)| a.saturating_sub(*b))
        .collect();
    let total_served: u64 = served.iter().sum();
    let in_run = |h: u64| published.contains_key(&h);
    let samples = weft_light::confidence::samples_needed(config.k, config.confidence);
    let reported_fetch = fetched.iter().filter(|f| in_run(f.height)).count();
    let reported_verify = verified.iter().filter(|v| in_run(v.height)).count();
    // While samples were served: each height's first header arrival to its last sample.
    let serving: Vec<(Instant, Instant)> = heights
        .iter()
        .filter_map(|&h| {
            let of_h = fetched.iter().filter(|f| f.height == h);
            let first = of_h.clone().map(|f| f.arrived).min()?;
            let last = of_h
                .filter_map(|f| Some(f.arrived + Duration::from_secs_f64(f.ms? / 1000.0)))
                .max()?;
            Some((first, last))
        })
        .collect();
    let summary = Summary {
        clients: config.clients,
        verifying: config.verifying,
        full_nodes: nodes.len(),
        k: config.k,
        samples,
        heights: heights.len(),
        seconds,
        connect_seconds,
        fetch_ms: Latency::of(
            fetched
                .iter()
                .filter(|f| in_run(f.height))
                .filter_map(|f| f.ms)
                .collect(),
        ),
        header_ms: Latency::of(
            fetched
                .iter()
                .filter_map(|f| {
                    Some(
                        f.arrived
                            .duration_since(*published.get(&f.height)?)
                            .as_secs_f64()
                            * 1000.0,
                    )
                })
                .collect(),
        ),
        verify_ms: Latency::of(
            verified
                .iter()
                .filter(|v| in_run(v.height) && v.available)
                .map(|v| v.ms)
                .collect(),
        ),
        fetch_timed_out: fetched
            .iter()
            .filter(|f| in_run(f.height) && f.ms.is_none())
            .count(),
        verify_unavailable: verified
            .iter()
            .filter(|v| in_run(v.height) && !v.available)
            .count(),
        missing: (heights.len() * config.clients).saturating_sub(reported_fetch + reported_verify),
        failed_verifications: verified.iter().map(|v| v.failed).sum(),
        refused: fetched.iter().map(|f| f.refused).sum(),
        not_found: fetched.iter().map(|f| f.not_found).sum(),
        failed_requests: fetched.iter().map(|f| f.failed).sum(),
        cells_per_second: total_served as f64 / seconds,
        nodes: nodes
            .iter()
            .enumerate()
            .map(|(i, n)| NodeReport {
                url: n.url.clone(),
                cells_served: served[i],
                share: if total_served == 0 {
                    0.0
                } else {
                    served[i] as f64 / total_served as f64
                },
                cpu_cores: cpu[i],
                peak_rss_mib: rss[i].map(|b| b as f64 / (1024.0 * 1024.0)),
                rate_limited: scored[i].0,
                penalties: scored[i].1,
                banned: scored[i].2,
            })
            .collect(),
        harness_cpu_cores: harness_cpu,
        machine_busy: procstat::busy_within(&machine, &[(started, Instant::now())]),
        machine_busy_serving: procstat::busy_within(&machine, &serving),
        flood,
    };
    for n in nodes {
        n.stop().await;
    }
    if let Ok(publisher) = Arc::try_unwrap(publisher) {
        on(rt, async move { publisher.node.stop().await }).await;
    }
    Ok(Report {
        heights: per_height,
        summary,
    })
}

fn height_report(
    height: u64,
    published: Instant,
    fetched: &[Fetched],
    verified: &[Verified],
) -> HeightReport {
    let f: Vec<&Fetched> = fetched.iter().filter(|f| f.height == height).collect();
    let v: Vec<&Verified> = verified.iter().filter(|v| v.height == height).collect();
    HeightReport {
        height,
        fetch_done: f.iter().filter(|f| f.ms.is_some()).count(),
        fetch_timed_out: f.iter().filter(|f| f.ms.is_none()).count(),
        fetch_ms: Latency::of(f.iter().filter_map(|f| f.ms).collect()),
        header_ms: Latency::of(
            f.iter()
                .map(|f| f.arrived.saturating_duration_since(published).as_secs_f64() * 1000.0)
                .collect(),
        ),
        verify_available: v.iter().filter(|v| v.available).count(),
        verify_unavailable: v.iter().filter(|v| !v.available).count(),
        verify_ms: Latency::of(v.iter().filter(|v| v.available).map(|v| v.ms).collect()),
        failed_verifications: v.iter().map(|v| v.failed).sum(),
        refused: f.iter().map(|f| f.refused).sum(),
        not_found: f.iter().map(|f| f.not_found).sum(),
        failed_requests: f.iter().map(|f| f.failed).sum(),
    }
}
