//! Peer scores: each misbehaviour costs points; a peer that falls to the ban threshold is
//! disconnected and refused.

use std::collections::HashMap;

use libp2p::PeerId;

/// Something a peer did wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Misbehaviour {
    /// Gossiped or served a header that fails verification.
    InvalidHeader,
    /// Served a cell or row whose KZG proof fails: provable fraud.
    InvalidCell,
    /// Served bytes that do not decode, or a frame over the limit.
    MalformedMessage,
    /// Exceeded its request rate.
    RateLimited,
    /// Failed to answer in time.
    Timeout,
}

impl Misbehaviour {
    /// Points lost.
    pub const fn penalty(self) -> i32 {
        match self {
            Self::InvalidHeader | Self::InvalidCell => 100,
            Self::MalformedMessage => 50,
            Self::RateLimited => 5,
            Self::Timeout => 2,
        }
    }
}

impl Misbehaviour {
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
}

impl Misbehaviour {
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

/// Scores of peers (starting at 0; ban at −100). At most [`MAX_TRACKED`] peers are tracked;
/// beyond that the least penalised are forgotten first.
#[derive(Debug, Default)]
pub(crate) struct PeerScores {
    scores: HashMap<PeerId, i32>,
}

/// Peers whose scores are kept.
pub(crate) const MAX_TRACKED: usize = 4096;

/// Score at or below which a peer is banned.
pub(crate) const BAN_THRESHOLD: i32 = -100;

impl PeerScores {
    /// Records a misbehaviour and says whether to ban.
    pub(crate) fn penalise(&mut self, peer: PeerId, what: Misbehaviour) -> ScoreAction {
        if self.scores.len() >= MAX_TRACKED && !self.scores.contains_key(&peer) {
            let mildest = self.scores.iter().max_by_key(|(_, s)| **s).map(|(p, _)| *p);
            if let Some(p) = mildest {
                self.scores.remove(&p);
            }
        }
        let score = self.scores.entry(peer).or_insert(0);
        *score -= what.penalty();
        if *score <= BAN_THRESHOLD {
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
    fn fraud_bans_at_once_and_small_faults_add_up() {
        let mut scores = PeerScores::default();
        let (liar, slow) = (PeerId::random(), PeerId::random());
        assert_eq!(
            scores.penalise(liar, Misbehaviour::InvalidCell),
            ScoreAction::Ban
        );
        for _ in 0..19 {
            assert_eq!(
                scores.penalise(slow, Misbehaviour::RateLimited),
                ScoreAction::Keep
            );
        }
        assert_eq!(
            scores.penalise(slow, Misbehaviour::RateLimited),
            ScoreAction::Ban
        );
        assert_eq!(scores.scores[&slow], -100);
        for _ in 0..2 * MAX_TRACKED {
            scores.penalise(PeerId::random(), Misbehaviour::Timeout);
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
