//! The actor's serving of inbound requests: the rate limit, then a slot from
//! [`Serving`](crate::network::inbound::Serving) (or a place in its queue), an answer computed on
//! the blocking pool, and the answer sent back.

use libp2p::PeerId;
use web_time::Instant;
use weft_types::wire::{CellsResponse, Refusal, RowResponse};

use super::Actor;
use crate::{
    exec,
    network::inbound::{Admit, Answer, Inbound},
    rate_limit::Admission,
    scores::Misbehaviour,
};

impl Actor {
    /// Sends an answer back (or nothing for a lost one), counting the cells and rows served.
    pub(super) fn respond(&mut self, answer: Answer) {
        let b = self.swarm.behaviour_mut();
        let sent = match answer {
            Answer::Headers(ch, r) => b.headers.send_response(ch, r).is_ok(),
            Answer::Cells(ch, r) => {
                if let CellsResponse::Cells(cells) = &r {
                    self.metrics.cells_served.inc_by(cells.len() as u64);
                }
                b.cells.send_response(ch, r).is_ok()
            }
            Answer::Row(ch, r) => {
                if matches!(r, RowResponse::Row { .. }) {
                    self.metrics.rows_served.inc();
                }
                b.rows.send_response(ch, r).is_ok()
            }
            Answer::Lost => true,
        };
        if !sent {
            tracing::debug!("requester went away before the response");
        }
    }

    /// Answers an inbound request off the loop, unless the peer is over its rate (refused;
    /// penalised only when flooding); queued or refused by
    /// [`Serving::admit`](crate::network::inbound::Serving::admit).
    pub(super) fn serve(&mut self, peer: PeerId, inbound: Inbound) {
        if self.server.is_none() {
            self.respond(inbound.refuse(Refusal::NotFound));
            return;
        }
        let admission = self.limiter.admit(peer, inbound.protocol(), Instant::now());
        if admission != Admission::Allowed {
            self.metrics.requests_rate_limited.inc();
            self.respond(inbound.refuse(Refusal::RateLimited));
            if admission == Admission::Flooding {
                self.penalise(peer, Misbehaviour::Flooding);
            }
            return;
        }
        match self.serving.admit(inbound) {
            Admit::Serve(inbound) => self.answer_off_loop(inbound),
            Admit::Queued => {}
            Admit::Refuse(inbound) => {
                self.metrics.requests_rate_limited.inc();
                self.respond(inbound.refuse(Refusal::RateLimited));
            }
        }
    }

    /// Answers a request holding a serving slot on the blocking pool; the answer comes back
    /// through `answers_rx`, which frees the slot.
    pub(super) fn answer_off_loop(&self, inbound: Inbound) {
        let tx = self.answers_tx.clone();
        let Some(server) = self.server.clone() else {
            // Only a serving node admits requests; the refusal would free the slot all the same.
            let _ = tx.unbounded_send(inbound.refuse(Refusal::NotFound));
            return;
        };
        exec::blocking(move || {
            // A panicking server must not leak the slot: the loop always hears back.
            let answer =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| inbound.answer(&*server)))
                    .unwrap_or_else(|_| {
                        tracing::error!("the request server panicked; the request goes unanswered");
                        Answer::Lost
                    });
            let _ = tx.unbounded_send(answer);
        });
    }
}
