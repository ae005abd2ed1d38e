//! The finality-certificate check against a validator set: a certificate signed by a quorum
//! verifies, and each way of being wrong is refused with the error that names it. Keys and
//! signatures are made here with blst directly; `consensus/tests/certificate.rs` checks the
//! same verifier against certificates commonware's engine assembles.

use weft_types::{
    encoding::layout::Digest32, CertificateError, FinalityCertificate, Genesis, ValidatorSet,
};

mod fixture;

use fixture::{certificate, keys};

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
