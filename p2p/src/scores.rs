//! Peer scores: each misbehaviour costs points, and points come back over time
//! ([`RECOVERY_PER_SECOND`]); a peer that falls to the ban threshold is disconnected and refused.
//! Fraud (a bad header or cell) costs the whole threshold at once, so it always bans.

use std::collections::HashMap;

use libp2p::PeerId;
use web_time::Instant;

/// Something a peer did wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Misbehaviour {
    /// Gossiped or served a header that fails verification.
    InvalidHeader,
    /// Served a cell or row whose KZG proof fails: provable fraud.
    InvalidCell,
    /// Served bytes that do not decode, or a frame over the limit.
    MalformedMessage,
    /// Kept sending far above its request rate (see `rate_limit::FLOOD_FACTOR`); an occasional
    /// refused request is no misbehaviour.
    Flooding,
    /// Failed to answer in time.
    Timeout,
}

impl Misbehaviour {
    /// Points lost.
    pub const fn penalty(self) -> i32 {
        match self {
            Self::InvalidHeader | Self::InvalidCell => 100,
            Self::MalformedMessage => 50,
            Self::Flooding => 50,
            Self::Timeout => 2,
        }
    }

    /// The penalty for data a peer served that failed with `error` (by the error's own
    /// [`weft_types::encoding::Fault`]): a lie is [`Self::InvalidCell`], bytes that cannot
    /// even be checked are [`Self::MalformedMessage`], and too little data is no one's fault.
    pub const fn for_served(error: &weft_types::encoding::Error) -> Option<Self> {
        match error.fault() {
            weft_types::encoding::Fault::Peer => Some(Self::InvalidCell),
            weft_types::encoding::Fault::Input => Some(Self::MalformedMessage),
            weft_types::encoding::Fault::Unavailable => None,
        }
    }

    /// The penalty for a peer's answer to a cells request: the heaviest of its bad cells'
    /// ([`Self::for_served`]) and, for stray cells, [`Self::MalformedMessage`]; `None` when
    /// nothing it served was wrong (cells it lacked are no fault).
    pub fn for_answer(answer: &weft_types::ServedCells) -> Option<Self> {
        answer
            .failed
            .iter()
            .filter_map(|(_, e)| Self::for_served(e))
            .chain((answer.stray > 0).then_some(Self::MalformedMessage))
            .max_by_key(|m| m.penalty())
    }
}

/// What to do with the peer after a penalty.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScoreAction {
    /// Keep talking to it.
    Keep,
    /// Disconnect and refuse it.
    Ban,
}

/// Scores of peers (starting at 0; ban at −100; recovering toward 0). At most [`MAX_TRACKED`]
/// peers are tracked; beyond that the least penalised are forgotten first.
#[derive(Debug, Default)]
pub(crate) struct PeerScores {
    scores: HashMap<PeerId, (f64, Instant)>,
}

/// Points a penalised peer regains per second, up to 0: two timeouts are forgotten in 4 s, a
/// malformed message in 50 s.
pub(crate) const RECOVERY_PER_SECOND: f64 = 1.0;

/// Peers whose scores are kept.
pub(crate) const MAX_TRACKED: usize = 4096;

/// Score at or below which a peer is banned.
pub(crate) const BAN_THRESHOLD: i32 = -100;

impl PeerScores {
    /// Records a misbehaviour at `now` and says whether to ban.
    pub(crate) fn penalise(
        &mut self,
        peer: PeerId,
        what: Misbehaviour,
        now: Instant,
    ) -> ScoreAction {
        if self.scores.len() >= MAX_TRACKED && !self.scores.contains_key(&peer) {
            let mildest = self
                .scores
                .iter()
                .max_by(|a, b| a.1 .0.total_cmp(&b.1 .0))
                .map(|(p, _)| *p);
            if let Some(p) = mildest {
                self.scores.remove(&p);
            }
        }
        let (score, at) = self.scores.entry(peer).or_insert((0.0, now));
        let elapsed = now.saturating_duration_since(*at).as_secs_f64();
        *score = (*score + elapsed * RECOVERY_PER_SECOND).min(0.0) - f64::from(what.penalty());
        *at = now;
        if *score <= f64::from(BAN_THRESHOLD) {
            ScoreAction::Ban
        } else {
            ScoreAction::Keep
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fraud_bans_at_once_small_faults_add_up_and_scores_recover() {
        let mut scores = PeerScores::default();
        let (liar, slow) = (PeerId::random(), PeerId::random());
        let t0 = Instant::now();
        assert_eq!(
            scores.penalise(liar, Misbehaviour::InvalidCell, t0),
            ScoreAction::Ban
        );
        // Fifty timeouts at once ban...
        for _ in 0..49 {
            assert_eq!(
                scores.penalise(slow, Misbehaviour::Timeout, t0),
                ScoreAction::Keep
            );
        }
        assert_eq!(
            scores.penalise(slow, Misbehaviour::Timeout, t0),
            ScoreAction::Ban
        );
        // ...but one every two seconds, for ever, does not: the score recovers in between.
        let steady = PeerId::random();
        for i in 0..1000u64 {
            let at = t0 + std::time::Duration::from_secs(2 * i);
            assert_eq!(
                scores.penalise(steady, Misbehaviour::Timeout, at),
                ScoreAction::Keep
            );
        }
        // Two malformed messages a minute apart do not add up to a ban; at once they do.
        let sloppy = PeerId::random();
        scores.penalise(sloppy, Misbehaviour::MalformedMessage, t0);
        let later = t0 + std::time::Duration::from_secs(60);
        assert_eq!(
            scores.penalise(sloppy, Misbehaviour::MalformedMessage, later),
            ScoreAction::Keep
        );
        assert_eq!(
            scores.penalise(sloppy, Misbehaviour::MalformedMessage, later),
            ScoreAction::Ban
        );
        for _ in 0..2 * MAX_TRACKED {
            scores.penalise(PeerId::random(), Misbehaviour::Timeout, t0);
        }
        assert!(scores.scores.len() <= MAX_TRACKED);
    }

    #[test]
    fn an_answer_is_penalised_by_its_worst_cell() {
        use weft_types::{encoding::Error, wire::Position, ServedCells};
        let lie = (Position::new(0, 1), Error::InvalidProof { samples: 1 });
        let garbage = (
            Position::new(0, 2),
            Error::Length {
                what: "cell",
                expected: 2048,
                got: 7,
            },
        );
        let answer = |failed: Vec<(Position, Error)>, stray| ServedCells {
            failed,
            stray,
            ..ServedCells::default()
        };
        assert_eq!(
            Misbehaviour::for_answer(&answer(vec![garbage.clone(), lie], 0)),
            Some(Misbehaviour::InvalidCell)
        );
        assert_eq!(
            Misbehaviour::for_answer(&answer(vec![garbage], 0)),
            Some(Misbehaviour::MalformedMessage)
        );
        assert_eq!(
            Misbehaviour::for_answer(&answer(vec![], 2)),
            Some(Misbehaviour::MalformedMessage)
        );
        let lacking = ServedCells {
            missing: vec![Position::new(1, 1)],
            ..ServedCells::default()
        };
        assert_eq!(
            Misbehaviour::for_answer(&lacking),
            None,
            "lacking cells is no fault"
        );
    }
}
