//! Every p2p message as it arrives: the first byte picks the message type, the rest is the
//! frame body. A frame decodes within its protocol's limit or is refused with an error, and
//! whatever decodes encodes back to a frame that decodes to the same message.
#![no_main]

use libfuzzer_sys::fuzz_target;
use weft_types::wire::*;

fn round_trip<T>(bytes: &[u8], limit: usize)
where
    T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    if let Ok(message) = decode::<T>(bytes, limit, "fuzz") {
        let again = encode(&message);
        assert_eq!(decode::<T>(&again, usize::MAX, "fuzz").unwrap(), message);
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&kind, body)) = data.split_first() else {
        return;
    };
    match kind % 9 {
        0 => round_trip::<HeadersRequest>(body, HEADERS_REQUEST_SIZE_LIMIT),
        1 => round_trip::<HeadersResponse>(body, HEADERS_RESPONSE_SIZE_LIMIT),
        2 => round_trip::<CellsRequest>(body, CELLS_REQUEST_SIZE_LIMIT),
        3 => round_trip::<CellsResponse>(body, CELLS_RESPONSE_SIZE_LIMIT),
        4 => round_trip::<RowRequest>(body, ROW_REQUEST_SIZE_LIMIT),
        5 => round_trip::<RowResponse>(body, ROW_RESPONSE_SIZE_LIMIT),
        6 => round_trip::<StatusRequest>(body, STATUS_REQUEST_SIZE_LIMIT),
        7 => round_trip::<StatusResponse>(body, STATUS_RESPONSE_SIZE_LIMIT),
        _ => round_trip::<CellWithProof>(body, CELLS_RESPONSE_SIZE_LIMIT),
    }
});
