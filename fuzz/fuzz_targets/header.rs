//! Headers (gossip, range answers) and equivocation proofs as they arrive: a header decodes or
//! is refused, a decoded header encodes back to the same bytes, and verification against a key
//! never panics; an equivocation proof is verified or refused.
#![no_main]

use libfuzzer_sys::fuzz_target;
use weft_types::{EquivocationProof, Header, ProducerKey};

fuzz_target!(|data: &[u8]| {
    let key = ProducerKey::of(&ed25519_dalek::SigningKey::from_bytes(&[7; 32]));
    if let Ok(header) = Header::from_bytes(data) {
        assert_eq!(header.to_bytes(), data, "the wire form is canonical");
        let _ = header.verify(&key);
        let _ = header.verify(&header.unsigned.producer);
        let _ = header.check_clock(0);
        let _ = header.follows(&header);
        let _ = header.hash();
    }
    let _ = Header::decode_verified(data, &key);
    if let Ok(proof) = EquivocationProof::decode_verified(data, &key) {
        assert_eq!(proof.to_bytes(), data);
    }
});
