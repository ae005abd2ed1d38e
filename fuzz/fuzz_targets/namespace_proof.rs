//! A namespace proof as a node serves it (JSON), checked against a root, a blob count and a
//! namespace taken from the input: it verifies or is refused, never panics; what verifies names
//! only entries of that namespace.
#![no_main]

use libfuzzer_sys::fuzz_target;
use weft_encoding::layout::{Namespace, NamespaceProof};

fuzz_target!(|data: &[u8]| {
    if data.len() < 52 {
        return;
    }
    let (head, json) = data.split_at(52);
    let root: [u8; 32] = head[..32].try_into().unwrap();
    let namespace = Namespace(head[32..48].try_into().unwrap());
    let blob_count = u32::from_be_bytes(head[48..52].try_into().unwrap());
    if let Ok(proof) = serde_json::from_slice::<NamespaceProof>(json) {
        if let Ok(found) = proof.verify(&root, blob_count, &namespace) {
            assert!(found.iter().all(|(_, e)| e.namespace == namespace));
        }
    }
    let _ = serde_json::from_slice::<weft_types::api::NamespaceBlobs>(json);
});
