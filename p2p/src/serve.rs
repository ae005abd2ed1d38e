//! What a serving peer answers with: the seam between the network and whatever holds the data
//! (the node's store, or a test's withholding or lying wrapper around it).

use weft_types::wire::{
    CellsRequest, CellsResponse, HeadersRequest, HeadersResponse, RowRequest, RowResponse,
    StatusResponse,
};

/// Answers inbound requests. The network calls these on a blocking thread (they may read a
/// database), at most [`crate::MAX_SERVING`] at once, after the peer's rate limit; each answer
/// must respect its protocol's size limit in `weft_types::wire`.
pub trait RequestServer: Send + Sync + 'static {
    /// A header range (at most `MAX_HEADERS_PER_REQUEST`).
    fn headers(&self, request: &HeadersRequest) -> HeadersResponse;
    /// A batch of cells with proofs (at most `MAX_CELLS_PER_REQUEST`); cells the server lacks
    /// are left out.
    fn cells(&self, request: &CellsRequest) -> CellsResponse;
    /// One whole row: 128 cells and 128 proofs.
    fn row(&self, request: &RowRequest) -> RowResponse;
    /// The node's head, availability window and per-peer request rate (answered on the
    /// network's own loop: it must be quick).
    fn status(&self) -> StatusResponse;
}
