//! The finality-certificate check against a validator set: a certificate signed by a quorum
//! verifies, and each way of being wrong is refused with the error that names it. Keys and
//! signatures are made here with blst directly; `consensus/tests/certificate.rs` checks the
//! same verifier against certificates commonware's engine assembles.

use weft_types::{
    encoding::layout::Digest32, CertificateError, FinalityCertificate, Genesis, ValidatorSet,
};

use weft_types::testing::{certificate, keys, validator_chain};

/// An empty block's header at height 1, naming `by` as its signer.
fn empty_header(by: &ed25519_dalek::SigningKey) -> weft_types::UnsignedHeader {
    use weft_types::{encoding::layout::index_root, ProducerKey, GENESIS_PARENT};
    weft_types::UnsignedHeader {
        height: 1,
        parent_hash: Digest32(GENESIS_PARENT),
        timestamp_ms: 5,
        k: 0,
        row_commitments: vec![],
        blob_count: 0,
        index_root: Digest32(index_root(&[])),
        producer: ProducerKey::of(by),
    }
}

const HEADER: Digest32 = Digest32([0xab; 32]);

#[test]
fn a_quorum_certificate_verifies_and_the_quorum_is_more_than_two_thirds() {
    for (n, quorum) in [(1, 1), (3, 3), (4, 3), (7, 5), (100, 67)] {
        let keys = keys(n, "weft-test");
        let set = ValidatorSet::from_genesis(&keys.genesis).unwrap();
        assert_eq!(set.quorum(), quorum, "n = {n}");
        let signers: Vec<u16> = (0..quorum as u16).collect();
        set.verify(&HEADER, &certificate(&keys, &signers, HEADER))
            .unwrap();
        if quorum > 1 {
            let short = &signers[..quorum - 1];
            assert_eq!(
                set.verify(&HEADER, &certificate(&keys, short, HEADER)),
                Err(CertificateError::TooFewSigners {
                    signers: quorum - 1,
                    needed: quorum,
                    validators: n
                })
            );
        }
    }
}

#[test]
fn each_wrong_certificate_is_refused_with_the_error_that_names_it() {
    let keys = keys(4, "weft-test");
    let set = ValidatorSet::from_genesis(&keys.genesis).unwrap();
    let good = certificate(&keys, &[0, 2, 3], HEADER);
    set.verify(&HEADER, &good).unwrap();

    // A certificate for another header.
    let other = Digest32([1; 32]);
    assert!(matches!(
        set.verify(&other, &good),
        Err(CertificateError::WrongHeader { .. })
    ));
    // Another chain id: named before any signature work; and re-labelled, the signature fails.
    let other_chain = keys_for_other_chain();
    assert!(matches!(
        set.verify(&HEADER, &other_chain),
        Err(CertificateError::WrongChain { .. })
    ));
    let mut relabelled = other_chain.clone();
    relabelled.chain_id = "weft-test".into();
    assert!(matches!(
        set.verify(&HEADER, &relabelled),
        Err(CertificateError::BadSignature { .. })
    ));
    // A signer outside the set, signers out of order or repeated.
    let mut outside = good.clone();
    outside.signers = vec![0, 2, 4];
    assert_eq!(
        set.verify(&HEADER, &outside),
        Err(CertificateError::UnknownSigner {
            index: 4,
            validators: 4
        })
    );
    let mut repeated = good.clone();
    repeated.signers = vec![0, 2, 2];
    assert!(matches!(
        set.verify(&HEADER, &repeated),
        Err(CertificateError::UnorderedSigners { .. })
    ));
    // A signer listed who did not sign, another view, a changed signature.
    let mut claimed = good.clone();
    claimed.signers = vec![0, 1, 2];
    assert!(matches!(
        set.verify(&HEADER, &claimed),
        Err(CertificateError::BadSignature { .. })
    ));
    let mut view = good.clone();
    view.view += 1;
    assert!(matches!(
        set.verify(&HEADER, &view),
        Err(CertificateError::BadSignature { .. })
    ));
    let mut garbage = good;
    garbage.signature.0[5] ^= 1;
    assert!(matches!(
        set.verify(&HEADER, &garbage),
        Err(CertificateError::MalformedSignature | CertificateError::BadSignature { .. })
    ));
}

fn keys_for_other_chain() -> FinalityCertificate {
    certificate(&keys(4, "weft-other"), &[0, 1, 2], HEADER)
}

/// A change to a genesis.
type Edit = Box<dyn Fn(&mut Genesis)>;

#[test]
fn a_bad_genesis_is_refused_naming_the_validator() {
    let good = keys(4, "weft-test").genesis;
    let cases: Vec<(Edit, &str)> = vec![
        (Box::new(|g| g.validators.clear()), "0 validators"),
        (Box::new(|g| g.chain_id = "no spaces".into()), "chain id"),
        (
            Box::new(|g| g.validators[2].p2p_key = g.validators[1].p2p_key),
            "validator 2: a key listed twice",
        ),
        (
            Box::new(|g| g.validators[3].proof_of_possession = g.validators[2].proof_of_possession),
            "validator 3: proof of possession does not verify",
        ),
        (
            Box::new(|g| g.validators[1].consensus_key.0[0] ^= 0x40),
            "validator 1: consensus key",
        ),
        (
            Box::new(|g| g.validators[0].address.clear()),
            "validator 0: address",
        ),
    ];
    for (edit, expected) in cases {
        let mut genesis = good.clone();
        edit(&mut genesis);
        let err = ValidatorSet::from_genesis(&genesis)
            .unwrap_err()
            .to_string();
        assert!(err.contains(expected), "{err:?} should say {expected:?}");
    }
    // A proof of possession made under another chain's namespace does not carry over.
    let mut moved = keys(4, "weft-other").genesis;
    moved.chain_id = "weft-test".into();
    assert!(ValidatorSet::from_genesis(&moved)
        .unwrap_err()
        .to_string()
        .contains("proof of possession does not verify"));
}

#[test]
fn the_canonical_order_is_by_p2p_key_whatever_the_file_order() {
    let keys = keys(4, "weft-test");
    let mut shuffled = keys.genesis.clone();
    shuffled.validators.reverse();
    let a = ValidatorSet::from_genesis(&keys.genesis).unwrap();
    let b = ValidatorSet::from_genesis(&shuffled).unwrap();
    assert_eq!(a.validators(), b.validators());
    assert_eq!(a.digest(), b.digest());
    // Signer 0 is the smallest p2p key, i.e. secret 0 here, in both.
    b.verify(&HEADER, &certificate(&keys, &[0, 1, 3], HEADER))
        .unwrap();
}

#[test]
fn a_header_carries_its_certificate_on_the_wire_and_in_json_without_changing_its_hash() {
    use ed25519_dalek::SigningKey;
    use weft_types::{Header, MAX_CERTIFICATE_BYTES};
    let key = SigningKey::from_bytes(&[9; 32]);
    let mut header = empty_header(&key).sign(&key);
    let plain = header.to_bytes();
    let hash = header.hash();
    let keys = keys(4, "weft-test");
    header.certificate = Some(Box::new(certificate(&keys, &[0, 1, 3], hash)));
    assert_eq!(header.hash(), hash, "the certificate is outside the hash");
    let bytes = header.to_bytes();
    assert_eq!(Header::from_bytes(&bytes).unwrap(), header);
    assert_eq!(Header::from_bytes(&plain).unwrap().certificate, None);
    let json = serde_json::to_string(&header).unwrap();
    assert!(json.contains("\"certificate\":{"), "{json}");
    assert_eq!(serde_json::from_str::<Header>(&json).unwrap(), header);
    assert!(!serde_json::to_string(&Header::from_bytes(&plain).unwrap())
        .unwrap()
        .contains("certificate"));

    // Every cut of the certificate, and a byte too many, is refused.
    for cut in plain.len() + 1..bytes.len() {
        assert!(Header::from_bytes(&bytes[..cut]).is_err(), "cut at {cut}");
    }
    let mut long = bytes.clone();
    long.push(0);
    assert!(Header::from_bytes(&long).is_err());
    // The largest certificate fits the named limit exactly.
    let mut big = *header.certificate.clone().unwrap();
    big.chain_id = "x".repeat(64);
    big.signers = (0..1024).collect();
    assert_eq!(big.to_bytes().len(), MAX_CERTIFICATE_BYTES);
}

#[test]
fn on_a_validator_chain_a_header_needs_a_validators_signature_and_a_quorum_certificate() {
    use weft_types::{Error, Header, ProducerKey, Trust};
    let (keys, set, signing) = validator_chain();
    let trust = Trust::from(set.clone());
    let unsigned = empty_header;
    let mut header: Header = unsigned(&signing[2]).sign(&signing[2]);
    let hash = header.hash();

    // No certificate: refused, naming it.
    assert_eq!(header.verify(&trust), Err(Error::Uncertified { height: 1 }));
    // A quorum certificate: accepted.
    header.certificate = Some(Box::new(certificate(&keys, &[0, 1, 3], hash)));
    header.verify(&trust).unwrap();
    // Each bad certificate is refused with what is wrong.
    let refuse = |cert: FinalityCertificate| {
        let mut h = header.clone();
        h.certificate = Some(Box::new(cert));
        match h.verify(&trust) {
            Err(Error::Certificate { source, .. }) => source,
            other => panic!("expected a certificate error, got {other:?}"),
        }
    };
    assert!(matches!(
        refuse(certificate(&keys, &[0, 3], hash)),
        CertificateError::TooFewSigners {
            signers: 2,
            needed: 3,
            validators: 4
        }
    ));
    let mut outside = certificate(&keys, &[0, 1, 3], hash);
    outside.signers = vec![0, 1, 7];
    assert!(matches!(
        refuse(outside),
        CertificateError::UnknownSigner { index: 7, .. }
    ));
    let mut chain = certificate(&keys, &[0, 1, 3], hash);
    chain.chain_id = "weft-other".into();
    assert!(matches!(refuse(chain), CertificateError::WrongChain { .. }));
    assert!(matches!(
        refuse(certificate(&keys, &[0, 1, 3], Digest32([3; 32]))),
        CertificateError::WrongHeader { .. }
    ));

    // Signed by a key outside the set: refused before any certificate work.
    let stranger = ed25519_dalek::SigningKey::from_bytes(&[99; 32]);
    let mut foreign = unsigned(&stranger).sign(&stranger);
    foreign.certificate = header.certificate.clone();
    assert!(matches!(
        foreign.verify(&trust),
        Err(Error::NotAValidator { .. })
    ));
    // The same header under a single-producer trust root is checked as before.
    header
        .verify(&Trust::from(ProducerKey::of(&signing[2])))
        .unwrap();
    assert!(matches!(
        header.verify(&Trust::from(ProducerKey::of(&signing[1]))),
        Err(Error::WrongProducer { .. })
    ));
}

#[test]
fn a_header_finalized_through_a_descendant_is_final_once_a_certified_descendant_links_to_it() {
    use weft_types::{verify_run, Error, Finality, Header, Trust};
    let (keys, set, signing) = validator_chain();
    let trust = Trust::from(set);
    // Heights 1..=3 by different validators, each the parent of the next.
    let mut run: Vec<Header> = Vec::new();
    for (i, key) in signing.iter().take(3).enumerate() {
        let mut unsigned = empty_header(key);
        unsigned.height = i as u64 + 1;
        unsigned.timestamp_ms = 5 + i as u64;
        if let Some(parent) = run.last() {
            unsigned.parent_hash = parent.hash();
        }
        run.push(unsigned.sign(key));
    }
    // The engine finalized height 3 first: 3 carries its own certificate, 2 carries 3's (as a
    // validator stores it), 1 none.
    let certificate_3 = certificate(&keys, &[0, 1, 2], run[2].hash());
    run[2].certificate = Some(Box::new(certificate_3.clone()));
    run[1].certificate = Some(Box::new(certificate_3));

    assert_eq!(
        run[0].verify_or_defer(&trust),
        Ok(Finality::AwaitsDescendant)
    );
    assert_eq!(
        run[1].verify_or_defer(&trust),
        Ok(Finality::AwaitsDescendant)
    );
    assert_eq!(run[2].verify_or_defer(&trust), Ok(Finality::Final));
    assert!(!run[1].has_own_certificate() && run[2].has_own_certificate());
    // Alone, 1 and 2 are refused by the one-header check, naming why.
    assert_eq!(run[0].verify(&trust), Err(Error::Uncertified { height: 1 }));
    assert!(matches!(
        run[1].verify(&trust),
        Err(Error::Certificate {
            height: 2,
            source: CertificateError::WrongHeader { .. }
        })
    ));

    // With the certified descendant all three are final; without it none is yet.
    assert_eq!(verify_run(&run, &trust), Ok(3));
    assert_eq!(verify_run(&run[..2], &trust), Ok(0));
    assert_eq!(verify_run(&run[1..], &trust), Ok(2));
    // A run whose links break is refused where they break.
    let mut broken = run.clone();
    broken.swap(0, 1);
    assert!(matches!(
        verify_run(&broken, &trust),
        Err(Error::BrokenLink { height: 1 })
    ));
    // A descendant whose own certificate is short of a quorum makes nothing final: refused.
    let mut short = run.clone();
    short[2].certificate = Some(Box::new(certificate(&keys, &[0, 1], short[2].hash())));
    assert!(matches!(
        verify_run(&short, &trust),
        Err(Error::Certificate {
            height: 3,
            source: CertificateError::TooFewSigners { .. }
        })
    ));
    // A header in the run signed by a stranger is refused even before its descendant.
    let stranger = ed25519_dalek::SigningKey::from_bytes(&[99; 32]);
    let mut foreign = run.clone();
    let mut unsigned = foreign[1].unsigned.clone();
    unsigned.producer = weft_types::ProducerKey::of(&stranger);
    foreign[1] = unsigned.sign(&stranger);
    assert!(matches!(
        verify_run(&foreign[..2], &trust),
        Err(Error::NotAValidator { .. })
    ));
}

#[test]
fn two_certified_headers_at_one_height_prove_equivocation_and_an_uncertified_one_does_not() {
    use weft_types::{EquivocationProof, Trust};
    let (keys, set, signing) = validator_chain();
    let trust = Trust::from(set);
    let mut a = empty_header(&signing[0]).sign(&signing[0]);
    let mut other = empty_header(&signing[1]);
    other.timestamp_ms += 1;
    let mut b = other.sign(&signing[1]);
    a.certificate = Some(Box::new(certificate(&keys, &[0, 1, 2], a.hash())));
    b.certificate = Some(Box::new(certificate(&keys, &[1, 2, 3], b.hash())));
    // Possible only with more than a third of the validators signing both: a proof that stops
    // followers and light clients (PROTOCOL §7, §12).
    let proof = EquivocationProof::of(&a, &b).unwrap();
    proof.verify(&trust).unwrap();
    EquivocationProof::decode_verified(&proof.to_bytes(), &trust).unwrap();
    // Without a quorum certificate on one of them, it proves nothing.
    b.certificate = None;
    assert!(EquivocationProof::of(&a, &b)
        .unwrap()
        .verify(&trust)
        .is_err());
}
