//! The inbound serving queue: requests that passed the rate limit are answered off the loop, at
//! most [`MAX_SERVING`] at once; up to [`MAX_QUEUED`] more wait their turn in arrival order, and
//! any beyond are refused. [`Serving`] makes these decisions without a swarm; [`Inbound`] and
//! [`Answer`] carry a request and its answer with libp2p's response channel.

use std::collections::VecDeque;

use libp2p::request_response::ResponseChannel;
use weft_types::wire::{
    CellsRequest, CellsResponse, HeadersRequest, HeadersResponse, Refusal, RowRequest, RowResponse,
    CELLS_PROTOCOL, HEADERS_PROTOCOL, ROW_PROTOCOL,
};

use crate::{serve::RequestServer, MAX_SERVING};

/// Inbound requests waiting for an answer slot ([`MAX_SERVING`] answered at once); beyond it
/// they are refused (no penalty). Sized for a thousand light clients asking at once when a
/// header arrives.
pub(crate) const MAX_QUEUED: usize = 4096;

/// An inbound request with the channel its answer goes back on.
pub(crate) enum Inbound {
    /// A header range.
    Headers(HeadersRequest, ResponseChannel<HeadersResponse>),
    /// Cells with proofs.
    Cells(CellsRequest, ResponseChannel<CellsResponse>),
    /// A whole row.
    Row(RowRequest, ResponseChannel<RowResponse>),
}

/// An answer on its way back to the swarm.
pub(crate) enum Answer {
    /// A header range, or a refusal.
    Headers(ResponseChannel<HeadersResponse>, HeadersResponse),
    /// Cells, or a refusal.
    Cells(ResponseChannel<CellsResponse>, CellsResponse),
    /// A row, or a refusal.
    Row(ResponseChannel<RowResponse>, RowResponse),
    /// The server panicked: no answer (the requester times out), but the slot is freed.
    Lost,
}

impl Inbound {
    /// The request's protocol (the rate limit counts each separately).
    pub(crate) const fn protocol(&self) -> &'static str {
        match self {
            Self::Headers(..) => HEADERS_PROTOCOL,
            Self::Cells(..) => CELLS_PROTOCOL,
            Self::Row(..) => ROW_PROTOCOL,
        }
    }

    /// The refusal to send back instead of an answer.
    pub(crate) fn refuse(self, why: Refusal) -> Answer {
        match self {
            Self::Headers(_, ch) => Answer::Headers(ch, HeadersResponse::Refused(why)),
            Self::Cells(_, ch) => Answer::Cells(ch, CellsResponse::Refused(why)),
            Self::Row(_, ch) => Answer::Row(ch, RowResponse::Refused(why)),
        }
    }

    /// The server's answer (blocking: it may read a database).
    pub(crate) fn answer(self, server: &dyn RequestServer) -> Answer {
        match self {
            Self::Headers(req, ch) => Answer::Headers(ch, server.headers(&req)),
            Self::Cells(req, ch) => Answer::Cells(ch, server.cells(&req)),
            Self::Row(req, ch) => Answer::Row(ch, server.row(&req)),
        }
    }
}

/// What to do with an admitted request.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Admit<T> {
    /// Answer it now: it holds a slot until [`Serving::finished`].
    Serve(T),
    /// It waits for a slot ([`Serving::finished`] hands it back when one frees).
    Queued,
    /// Refuse it (rate limited, no penalty): [`MAX_QUEUED`] already wait.
    Refuse(T),
}

/// Answer slots and the requests waiting for one, in arrival order. Generic over the request
/// (the actor's is an [`Inbound`]), so that it is tested without response channels.
#[derive(Debug)]
pub(crate) struct Serving<T> {
    /// Requests being answered (at most [`MAX_SERVING`]).
    serving: usize,
    /// Requests waiting for a slot (at most [`MAX_QUEUED`]).
    queued: VecDeque<T>,
}

impl<T> Serving<T> {
    /// No request being answered, none waiting.
    pub(crate) const fn new() -> Self {
        Self {
            serving: 0,
            queued: VecDeque::new(),
        }
    }

    /// A request passed the rate limit: served now if a slot is free (and nobody waits for
    /// one), else queued, else refused.
    pub(crate) fn admit(&mut self, request: T) -> Admit<T> {
        if self.serving < MAX_SERVING {
            self.serving += 1;
            Admit::Serve(request)
        } else if self.queued.len() < MAX_QUEUED {
            self.queued.push_back(request);
            Admit::Queued
        } else {
            Admit::Refuse(request)
        }
    }

    /// An answer went back (or was lost): its slot is free. Returns the oldest waiting
    /// request, which takes the slot (answer it now), if any.
    pub(crate) fn finished(&mut self) -> Option<T> {
        self.serving = self.serving.saturating_sub(1);
        let next = self.queued.pop_front()?;
        self.serving += 1;
        Some(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A queue with every slot taken by requests `0..MAX_SERVING`.
    fn busy() -> Serving<usize> {
        let mut serving = Serving::new();
        for n in 0..MAX_SERVING {
            assert_eq!(serving.admit(n), Admit::Serve(n));
        }
        serving
    }

    #[test]
    fn at_most_max_serving_requests_are_answered_at_once() {
        let mut serving = busy();
        assert_eq!(serving.admit(MAX_SERVING), Admit::Queued);
        assert_eq!(serving.serving, MAX_SERVING);
        assert_eq!(serving.queued.len(), 1);
    }

    #[test]
    fn waiting_requests_take_freed_slots_in_arrival_order() {
        let mut serving = busy();
        for n in 0..3 {
            assert_eq!(serving.admit(100 + n), Admit::Queued);
        }
        assert_eq!(serving.finished(), Some(100));
        assert_eq!(serving.serving, MAX_SERVING, "the freed slot was taken");
        assert_eq!(
            serving.admit(200),
            Admit::Queued,
            "a newcomer does not overtake those waiting"
        );
        assert_eq!(serving.finished(), Some(101));
        assert_eq!(serving.finished(), Some(102));
        assert_eq!(serving.finished(), Some(200));
        assert_eq!(serving.finished(), None);
        assert_eq!(serving.serving, MAX_SERVING - 1);
        assert_eq!(
            serving.admit(300),
            Admit::Serve(300),
            "a free slot serves at once"
        );
    }

    #[test]
    fn requests_beyond_max_queued_are_refused() {
        let mut serving = busy();
        for n in 0..MAX_QUEUED {
            assert_eq!(serving.admit(1_000 + n), Admit::Queued);
        }
        assert_eq!(serving.admit(7), Admit::Refuse(7), "MAX_QUEUED + 1");
        assert_eq!(serving.queued.len(), MAX_QUEUED);
        assert_eq!(serving.finished(), Some(1_000));
        assert_eq!(
            serving.admit(8),
            Admit::Queued,
            "room again once one is served"
        );
        assert_eq!(serving.admit(9), Admit::Refuse(9));
    }

    #[test]
    fn every_slot_frees_once_all_answers_are_back() {
        let mut serving = busy();
        for n in 0..10 {
            serving.admit(1_000 + n);
        }
        let mut answered = 0;
        while serving.serving > 0 {
            serving.finished();
            answered += 1;
        }
        assert_eq!(answered, MAX_SERVING + 10);
        assert!(serving.queued.is_empty());
        for n in 0..MAX_SERVING {
            assert_eq!(serving.admit(n), Admit::Serve(n));
        }
    }
}
