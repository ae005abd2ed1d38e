//! What the light client learned about one height.

use serde::{Deserialize, Serialize};

/// Whether a height's data was found available (the `verdict` field of a record).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Availability {
    /// Every sample verified: the target confidence was reached.
    Available,
    /// Samples were still missing when the time ran out.
    Unavailable,
    /// Still in progress.
    Sampling,
    /// Older than every connected full node's availability window (each advertises how many
    /// recent heights it serves, PROTOCOL §8): not sampled, and not a sign of withholding.
    Pruned,
}

impl Availability {
    /// True for `available`, `unavailable` and `pruned`.
    pub const fn is_final(self) -> bool {
        !matches!(self, Self::Sampling)
    }

    /// The word used in output.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Available => "available",
            Self::Unavailable => "unavailable",
            Self::Sampling => "sampling",
            Self::Pruned => "pruned",
        }
    }
}

/// Sampling results of one height. The field names are a public interface (the `--json` lines
/// and the browser's `window.weft.status()` use them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeightRecord {
    /// Block height.
    pub height: u64,
    /// Original rows of its square.
    pub k: usize,
    /// Samples drawn.
    pub samples: usize,
    /// Samples verified.
    pub verified: usize,
    /// Cells that failed verification (bad data from a peer).
    pub failed: usize,
    /// Distinct peers asked.
    pub peers: usize,
    /// Confidence reached with the verified samples, in [0, 1].
    pub confidence: f64,
    /// The outcome (`available`, `unavailable`, `sampling`, or `pruned`: outside every full
    /// node's availability window).
    pub verdict: Availability,
    /// Milliseconds from the header's arrival to the verdict (or so far).
    pub ms: u64,
}

impl HeightRecord {
    /// One human line: height, k, samples, confidence, verdict, ms.
    pub fn line(&self) -> String {
        format!(
            "height {:>6}  k {:>3}  samples {:>3}/{:<3}  failed {:>2}  peers {:>2}  confidence {:.6}  {:<11}  {} ms",
            self.height,
            self.k,
            self.verified,
            self.samples,
            self.failed,
            self.peers,
            self.confidence,
            self.verdict.as_str(),
            self.ms
        )
    }
}

impl HeightRecord {
    /// A finished, available record of `height` (k = 2, 30 of 30 samples): for tests.
    #[cfg(test)]
    pub(crate) const fn example(height: u64) -> Self {
        Self {
            height,
            k: 2,
            samples: 30,
            verified: 30,
            failed: 0,
            peers: 2,
            confidence: 0.9999,
            verdict: Availability::Available,
            ms: 12,
        }
    }
}
