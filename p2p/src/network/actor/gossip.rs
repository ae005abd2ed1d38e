//! The actor's gossip validation: gossiped headers (verified, held by
//! [`HeaderHold`](crate::network::hold::HeaderHold) on a full node until their block is stored,
//! handed to the owner) and equivocation proofs (kept and re-gossiped by
//! [`EquivocationGossip`](crate::network::equivocation::EquivocationGossip)).

use libp2p::{gossipsub, PeerId};
use web_time::Instant;
use weft_types::Header;

use super::Actor;
use crate::{
    behaviour::equivocation_topic,
    exec,
    network::{
        equivocation::ProofVerdict,
        hold::{Arrival, Message},
    },
    scores::Misbehaviour,
};

impl Actor {
    /// Reports the validation result of held gossip messages.
    pub(super) fn report_held(
        &mut self,
        messages: Vec<Message>,
        acceptance: gossipsub::MessageAcceptance,
    ) {
        let gossip = &mut self.swarm.behaviour_mut().gossipsub;
        for Message { id, source } in messages {
            gossip.report_message_validation_result(&id, &source, acceptance);
        }
    }

    /// A gossiped equivocation proof: forwarded and kept if it verifies against our trust root (producer
    /// key, else rejected and its sender penalised.
    pub(super) fn on_equivocation_gossip(
        &mut self,
        source: PeerId,
        id: &gossipsub::MessageId,
        data: &[u8],
    ) {
        let verdict = self.equivocation.received(data, &self.trust);
        let acceptance = if matches!(verdict, ProofVerdict::Invalid(_)) {
            gossipsub::MessageAcceptance::Reject
        } else {
            gossipsub::MessageAcceptance::Accept
        };
        self.swarm
            .behaviour_mut()
            .gossipsub
            .report_message_validation_result(id, &source, acceptance);
        match verdict {
            ProofVerdict::Kept => self.equivocation_kept(),
            ProofVerdict::Known => {}
            ProofVerdict::Invalid(e) => {
                tracing::warn!("rejected equivocation proof from {source}: {e}");
                self.penalise(source, Misbehaviour::InvalidHeader);
            }
        }
    }

    /// A first proof of equivocation was kept: recorded in [`NetInfo`](crate::NetInfo) and
    /// gossiped.
    pub(super) fn equivocation_kept(&mut self) {
        let Some(proof) = self.equivocation.kept() else {
            return;
        };
        tracing::error!(
            height = proof.height(),
            "the producer signed two different headers for one height (equivocation)"
        );
        self.info_mut().equivocation = Some(proof.clone());
        let bytes = proof.to_bytes();
        self.publish_equivocation(bytes);
    }

    /// Gossips the kept proof (again: peers that joined since have not seen it).
    pub(super) fn publish_equivocation(&mut self, bytes: Vec<u8>) {
        if let Err(e) = self
            .swarm
            .behaviour_mut()
            .gossipsub
            .publish(equivocation_topic(), bytes)
        {
            tracing::debug!("equivocation proof not gossiped now: {e}");
        }
    }

    /// A gossiped blob (blob topic): one that decodes within the size limit and the peer's
    /// rate is forwarded, and handed to the owner's pool when it asked for blobs; a malformed
    /// one is rejected and its sender penalised; one over the sender's rate is ignored (not
    /// forwarded, no penalty, unless the peer floods).
    pub(super) fn on_blob_gossip(
        &mut self,
        source: PeerId,
        id: &gossipsub::MessageId,
        data: Vec<u8>,
    ) {
        use crate::rate_limit::Admission;
        use gossipsub::MessageAcceptance::{Accept, Ignore, Reject};
        let report = |actor: &mut Self, acceptance| {
            actor
                .swarm
                .behaviour_mut()
                .gossipsub
                .report_message_validation_result(id, &source, acceptance);
        };
        if matches!(self.blobs, crate::network::BlobGossip::Off) {
            report(self, Ignore);
            return;
        }
        let tokens = weft_types::wire::gossip_blob_tokens(data.len());
        match self.blob_limiter.admit_tokens(
            source,
            weft_types::wire::BLOB_TOPIC,
            tokens,
            Instant::now(),
        ) {
            Admission::Allowed => {}
            admission => {
                self.metrics.blobs_gossip_dropped.inc();
                report(self, Ignore);
                if admission == Admission::Flooding {
                    self.penalise(source, Misbehaviour::Flooding);
                }
                return;
            }
        }
        let blob = match weft_types::wire::decode_gossip_blob(&data) {
            Ok(blob) => blob,
            Err(e) => {
                tracing::warn!("rejected gossiped blob from {source}: {e}");
                self.metrics.blobs_gossip_dropped.inc();
                report(self, Reject);
                self.penalise(source, Misbehaviour::MalformedMessage);
                return;
            }
        };
        report(self, Accept);
        self.metrics.blobs_gossiped.inc();
        if let crate::network::BlobGossip::Deliver(pool) = &mut self.blobs {
            if pool.try_send(blob).is_err() {
                self.metrics.blobs_gossip_dropped.inc();
                tracing::debug!("gossiped blob forwarded but not queued: the pool is behind");
            }
        }
    }

    /// A gossiped header: forwarded if it verifies (on a full node once its block is stored),
    /// ignored if it is ahead of our clock, else rejected and its sender penalised; a verified
    /// one goes to the owner.
    pub(super) fn on_gossip(&mut self, source: PeerId, id: &gossipsub::MessageId, data: &[u8]) {
        let verdict = Header::decode_verified(data, &self.trust);
        let acceptance = match &verdict {
            // Ahead of our clock: neither forwarded nor punished (range sync fetches it later).
            Ok(h) if h.check_clock(exec::unix_ms()).is_err() => {
                tracing::debug!("header {} is ahead of the local clock; ignored", h.height());
                self.swarm
                    .behaviour_mut()
                    .gossipsub
                    .report_message_validation_result(
                        id,
                        &source,
                        gossipsub::MessageAcceptance::Ignore,
                    );
                return;
            }
            // A full node forwards a header only once it can serve the block.
            Ok(h) => match self.hold.arrived(h.height(), id, source, Instant::now()) {
                Arrival::Forward => Some(gossipsub::MessageAcceptance::Accept),
                Arrival::Held => None,
            },
            Err(_) => Some(gossipsub::MessageAcceptance::Reject),
        };
        if let Some(acceptance) = acceptance {
            self.swarm
                .behaviour_mut()
                .gossipsub
                .report_message_validation_result(id, &source, acceptance);
        }
        match verdict {
            Ok(header) => {
                if self.headers_out.try_send(header).is_err() {
                    tracing::debug!("verified header dropped: the owner is behind");
                }
            }
            Err(e) => {
                tracing::warn!("rejected gossiped header from {source}: {e}");
                self.metrics.headers_rejected.inc();
                self.penalise(source, Misbehaviour::InvalidHeader);
            }
        }
    }
}
