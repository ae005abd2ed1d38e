//! The error type JS sees: a `kind` that scripts can branch on and a message for people.

use wasm_bindgen::prelude::*;

/// An error thrown to JS.
#[wasm_bindgen]
#[derive(Debug, Clone)]
pub struct WeftError {
    kind: String,
    message: String,
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

    /// True when the data's provider (a peer) was at fault.
    #[wasm_bindgen(getter, js_name = peerFault)]
    pub fn peer_fault(&self) -> bool {
        matches!(
            self.kind.as_str(),
            "InvalidProof" | "NonCanonicalFieldElement" | "InvalidProofPoint"
        )
    }
}

impl WeftError {
    pub(crate) fn new(kind: &str, message: impl Into<String>) -> Self {
        Self {
            kind: kind.into(),
            message: message.into(),
        }
    }
}

impl From<weft_encoding::Error> for WeftError {
    fn from(e: weft_encoding::Error) -> Self {
        let kind = format!("{e:?}");
        let kind = kind
            .split([' ', '{', '('])
            .next()
            .unwrap_or("Encoding")
            .to_string();
        Self {
            kind,
            message: e.to_string(),
        }
    }
}
