//! Watching for equivocation (issue 11, fault 6; PROTOCOL §7): two valid headers signed by the
//! followed producer for one height prove it signed twice. Whoever finds them — against the
//! stored chain, against headers waiting to be stored, or in a proof gossiped by a peer — keeps
//! the proof in the store (it survives restarts), raises the alarm (`/health` 503 with
//! `equivocation`, the `weft_equivocations` metric, an error log), gossips it, and stops
//! following or producing.

use std::{collections::BTreeMap, sync::Arc};

use weft_p2p::NetworkHandle;
use weft_types::{EquivocationProof, Header, Trust};

use crate::{health::Health, metrics::Metrics, store::Store};

/// Gossiped headers remembered by a producer to compare with what it stores.
const MAX_SEEN: usize = 64;

/// The watch: shared by the producer's header task or the syncer.
#[derive(Debug, Clone)]
pub(crate) struct Watch {
    pub(crate) store: Store,
    pub(crate) network: NetworkHandle,
    pub(crate) health: Arc<Health>,
    pub(crate) metrics: Arc<Metrics>,
    pub(crate) trust: Trust,
}

impl Watch {
    /// True once an equivocation is known: stop following or producing.
    pub(crate) fn stopped(&self) -> bool {
        self.health.equivocation().is_some()
    }

    /// At start: a proof kept by an earlier run is taken up again.
    pub(crate) async fn resume(&self) {
        match self.store.equivocation() {
            Ok(Some(bytes)) => match EquivocationProof::decode_verified(&bytes, &self.trust) {
                Ok(proof) => self.found(proof).await,
                Err(e) => tracing::error!("the kept equivocation proof does not verify: {e}"),
            },
            Ok(None) => {}
            Err(e) => tracing::error!("cannot read the kept equivocation proof: {e}"),
        }
    }

    /// Compares a verified header with the stored header at its height and with `waiting`
    /// (headers not stored yet, by height); true if it proves an equivocation.
    pub(crate) async fn check(&self, header: &Header, waiting: &BTreeMap<u64, Header>) -> bool {
        let height = header.height();
        let stored = match self.store.header(height) {
            Ok(stored) => stored,
            Err(e) => {
                tracing::warn!("equivocation check at {height}: {e}");
                None
            }
        };
        let proof = stored
            .iter()
            .chain(waiting.get(&height))
            .find_map(|other| EquivocationProof::of(header, other));
        match proof {
            Some(proof) => {
                self.found(proof).await;
                true
            }
            None => false,
        }
    }

    /// Takes up a proof a peer gossiped, if there is one and none is known yet.
    pub(crate) async fn take_gossiped(&self) {
        if self.stopped() {
            return;
        }
        if let Some(proof) = self.network.equivocation() {
            self.found(proof).await;
        }
    }

    async fn found(&self, proof: EquivocationProof) {
        if self.stopped() {
            return;
        }
        let height = proof.height();
        tracing::error!(
            height,
            first = %proof.first.hash(),
            second = %proof.second.hash(),
            "EQUIVOCATION: two valid headers at height {height} under {}; no longer following \
             the chain",
            self.trust
        );
        self.health.equivocated(height);
        self.metrics.equivocations.set(1);
        let store = self.store.clone();
        let bytes = proof.to_bytes();
        match tokio::task::spawn_blocking(move || store.put_equivocation(&bytes)).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::error!("cannot keep the equivocation proof: {e}"),
            Err(e) => tracing::error!("cannot keep the equivocation proof: {e}"),
        }
        self.network.report_equivocation(proof).await;
    }
}

/// A producer's watch over gossiped headers signed with its own key by someone else (a
/// restored backup, a stolen key): runs until the stream ends.
pub(crate) async fn watch_gossip(watch: Watch, mut headers: weft_p2p::HeaderStream) {
    use futures::StreamExt;
    let mut seen: BTreeMap<u64, Header> = BTreeMap::new();
    let mut tick = tokio::time::interval(std::time::Duration::from_millis(500));
    watch.resume().await;
    loop {
        tokio::select! {
            header = headers.next() => {
                let Some(header) = header else { return };
                if !watch.check(&header, &BTreeMap::new()).await {
                    seen.insert(header.height(), header);
                    while seen.len() > MAX_SEEN {
                        seen.pop_first();
                    }
                }
            }
            _ = tick.tick() => {
                watch.take_gossiped().await;
                // A foreign header for a height produced since it arrived.
                let head = watch.store.head().unwrap_or(0);
                let due: Vec<Header> = seen.range(..=head).map(|(_, h)| h.clone()).collect();
                seen.retain(|h, _| *h > head);
                for header in due {
                    watch.check(&header, &BTreeMap::new()).await;
                }
            }
        }
    }
}
