//! The error type JS sees: a `kind` that scripts can branch on and a message for people.

use wasm_bindgen::prelude::*;

/// An error thrown to JS.
#[wasm_bindgen]
#[derive(Debug, Clone)]
pub struct WeftError {
    kind: String,
    message: String,
    peer_fault: bool,
}

#[wasm_bindgen]
impl WeftError {
    /// What failed: e.g. `InvalidProof`, `NonCanonicalFieldElement`, `InvalidProofPoint`,
    /// `InvalidCommitmentPoint`, `RowOutOfRange`, `Config`.
    #[wasm_bindgen(getter)]
    pub fn kind(&self) -> String {
        self.kind.clone()
    }

    /// A description naming the input at fault.
    #[wasm_bindgen(getter)]
    pub fn message(&self) -> String {
        self.message.clone()
    }

    /// True when the data's provider (a peer) was at fault (from the error's own
    /// classification, `weft_encoding::Error::is_peer_fault`).
    #[wasm_bindgen(getter, js_name = peerFault)]
    pub fn peer_fault(&self) -> bool {
        self.peer_fault
    }
}

impl WeftError {
    pub(crate) fn new(kind: &str, message: impl Into<String>) -> Self {
        Self {
            kind: kind.into(),
            message: message.into(),
            peer_fault: false,
        }
    }
}

impl From<weft_encoding::Error> for WeftError {
    fn from(e: weft_encoding::Error) -> Self {
        Self {
            kind: e.kind().to_string(),
            message: e.to_string(),
            peer_fault: e.is_peer_fault(),
        }
    }
}
