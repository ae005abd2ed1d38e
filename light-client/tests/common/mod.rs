//! Helpers: the workspace's testkit (real nodes in-process on loopback) and a light client
//! watching them.
#![allow(dead_code, unused_imports)]

use std::{collections::BTreeMap, time::Duration};

use futures::StreamExt;
use weft_light::{Events, HeightRecord, LightClient, LightConfig, LightEvent};
use weft_node::Node;
pub(crate) use weft_testkit::*;

pub(crate) async fn light(
    bootstrap: &[&Node],
    producer: &Node,
    tweak: impl FnOnce(&mut LightConfig),
) -> (LightClient, Events) {
    let mut config = LightConfig::new(
        bootstrap.iter().map(|n| n.tcp_addr()).collect(),
        producer.producer_key(),
    );
    config.from = Some(1);
    tweak(&mut config);
    let mut client = LightClient::start(config).await.unwrap();
    let events = client.events().unwrap();
    (client, events)
}

/// Collects final records until every height in `heights` has one (or the time runs out).
pub(crate) async fn final_records(
    events: &mut Events,
    heights: &[u64],
    limit: Duration,
) -> BTreeMap<u64, HeightRecord> {
    let mut out = BTreeMap::new();
    let deadline = tokio::time::Instant::now() + limit;
    while !heights.iter().all(|h| out.contains_key(h)) {
        let next = tokio::time::timeout_at(deadline, events.next()).await;
        let Ok(Some(LightEvent::Height(record))) = next else {
            panic!(
                "only {:?} of {heights:?} finished within {limit:?}",
                out.keys().collect::<Vec<_>>()
            );
        };
        if record.verdict.is_final() {
            out.insert(record.height, record);
        }
    }
    out
}
