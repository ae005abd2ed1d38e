//! Headers (gossip, range answers) and equivocation proofs as they arrive: a header decodes or
//! is refused, a decoded header (with or without a finality certificate) encodes back to the
//! same bytes, and verification against a producer key or a validator set never panics; an
//! equivocation proof is verified or refused.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use weft_types::{
    consensus_namespace, BlsSignature, ConsensusKey, EquivocationProof, Genesis,
    GenesisValidator, Header, PeerKey, ProducerKey, Trust, ValidatorSet,
};

/// Four validators of chain `fuzz` (keys from fixed seeds; proofs of possession made here).
fn validators() -> &'static Trust {
    static SET: OnceLock<Trust> = OnceLock::new();
    SET.get_or_init(|| {
        let namespace = consensus_namespace("fuzz");
        let validators = (0..4u8)
            .map(|i| {
                let secret = blst::min_pk::SecretKey::key_gen(&[i + 1; 32], &[]).unwrap();
                let public = secret.sk_to_pk().compress();
                let message = [&[namespace.len() as u8][..], &namespace, &public].concat();
                let pop = secret.sign(&message, b"BLS_POP_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_", &[]);
                let p2p = ed25519_dalek::SigningKey::from_bytes(&[i + 7; 32]);
                GenesisValidator {
                    consensus_key: ConsensusKey(public),
                    proof_of_possession: BlsSignature(pop.compress()),
                    p2p_key: PeerKey(p2p.verifying_key().to_bytes()),
                    address: format!("127.0.0.1:{}", 27100 + u16::from(i)),
                }
            })
            .collect();
        let genesis = Genesis {
            chain_id: "fuzz".into(),
            validators,
        };
        Trust::from(ValidatorSet::from_genesis(&genesis).expect("a valid set"))
    })
}

fuzz_target!(|data: &[u8]| {
    let key = Trust::from(ProducerKey::of(&ed25519_dalek::SigningKey::from_bytes(&[7; 32])));
    if let Ok(header) = Header::from_bytes(data) {
        assert_eq!(header.to_bytes(), data, "the wire form is canonical");
        let _ = header.verify(&key);
        let _ = header.verify(&Trust::from(header.unsigned.producer));
        let _ = header.verify(validators());
        let _ = header.verify_signed(validators());
        let _ = header.check_clock(0);
        let _ = header.follows(&header);
        let _ = header.hash();
    }
    let _ = Header::decode_verified(data, &key);
    let _ = Header::decode_verified(data, validators());
    if let Ok(proof) = EquivocationProof::decode_verified(data, &key) {
        assert_eq!(proof.to_bytes(), data);
    }
});
