//! Inclusion bundles (docs/PROTOCOL.md §14) checked by the no_std verifier and, opening by
//! opening, by c-kzg (as an Ethereum client would): a blob of exactly one row, one of several
//! rows with a partial last row, and a short blob sharing its row are accepted on a
//! single-producer chain and on a chain of four validators; every tamper is refused with the
//! error that names it.

use c_kzg::{Blob as CBlob, Bytes32, Bytes48};
use weft_types::{
    inclusion::{
        check_data, verify_bundle, verify_claim, versioned_hash, Claim, InclusionBundle,
        InclusionError, TrustRoot, MAX_BUNDLE_BYTES,
    },
    testing::inclusion::Block,
};

use weft_types::testing::inclusion::{rollup_blobs as blobs, Z};

fn claim(block: &Block, i: usize, z: Option<[u8; 32]>) -> Claim {
    let blob = &block.blobs[i];
    Claim {
        namespace: blob.namespace.0,
        commitment: blob.commitment().0,
        height: Some(1),
        z,
    }
}

fn c_kzg() -> &'static c_kzg::KzgSettings {
    c_kzg::ethereum_kzg_settings(0)
}

fn accepted_everywhere(block: &Block) {
    let trust = block.trust.inclusion_root();
    for i in 0..block.blobs.len() {
        let bundle = block.bundle(i, Some(Z));
        assert_eq!(
            InclusionBundle::from_bytes(&bundle.to_bytes()).unwrap(),
            bundle
        );
        assert!(bundle.to_bytes().len() <= MAX_BUNDLE_BYTES);
        let verified = verify_claim(&bundle, &trust, &claim(block, i, Some(Z))).unwrap();
        check_data(&verified, &block.blobs[i].data).unwrap();
        assert_eq!(verified.entry.owns_rows(), i < 2, "blob {i}");
        assert_eq!(verified.versioned_hashes.len(), [1, 3, 1][i], "blob {i}");
        // Each opening byte for byte as c-kzg computes it, and accepted by c-kzg's check.
        for (n, opening) in bundle.openings.iter().enumerate() {
            let row = block.row(verified.first_row + n);
            let c_blob = Box::new(CBlob::from_bytes(row).unwrap());
            let (proof, y) = c_kzg()
                .compute_kzg_proof(&c_blob, &Bytes32::new(Z))
                .unwrap();
            assert_eq!(
                (opening.proof, opening.y),
                (*proof.to_bytes(), *y),
                "blob {i} row {n}"
            );
            let commitment = bundle.rows[n].0;
            assert_eq!(
                *c_kzg().blob_to_kzg_commitment(&c_blob).unwrap().to_bytes(),
                commitment
            );
            assert!(c_kzg()
                .verify_kzg_proof(
                    &Bytes48::new(commitment),
                    &Bytes32::new(Z),
                    &Bytes32::new(opening.y),
                    &Bytes48::new(opening.proof),
                )
                .unwrap());
        }
        // Without z: no openings, and the same proof of inclusion.
        let plain = verify_bundle(&block.bundle(i, None), &trust).unwrap();
        assert_eq!(plain.versioned_hashes, verified.versioned_hashes);
        assert!(plain.evaluations.is_empty());
    }
}

#[test]
fn one_row_several_rows_and_a_shared_row_are_accepted_on_both_kinds_of_chain() {
    accepted_everywhere(&Block::producer(blobs()));
    accepted_everywhere(&Block::validators(4, blobs()));
}

/// Every tamper of blob 1's bundle (three rows) on `block`, with the refusal it must get.
fn refusals(block: &Block) {
    let trust = block.trust.inclusion_root();
    let good = block.bundle(1, Some(Z));
    let verify = |bundle: &InclusionBundle| verify_bundle(bundle, &trust).map(|_| ());

    // A changed byte of the data: its commitment does not match.
    let verified = verify_bundle(&good, &trust).unwrap();
    let mut data = block.blobs[1].data.clone();
    data[77_777] ^= 1;
    assert_eq!(check_data(&verified, &data), Err(InclusionError::WrongData));

    // A different z: asked for, or put in the bundle with the old openings.
    let mut other_z = Z;
    other_z[31] ^= 1;
    assert_eq!(
        verify_claim(&good, &trust, &claim(block, 1, Some(other_z))).map(|_| ()),
        Err(InclusionError::OtherClaim { what: "z" })
    );
    let mut moved = good.clone();
    moved.z = Some(other_z);
    let first = verified.first_row;
    assert_eq!(
        verify(&moved),
        Err(InclusionError::BadOpening { row: first })
    );
    // Another y, or another row's opening.
    let mut y = good.clone();
    y.openings[1].y[31] ^= 1;
    assert_eq!(
        verify(&y),
        Err(InclusionError::BadOpening { row: first + 1 })
    );
    let mut swapped = good.clone();
    swapped.openings.swap(0, 2);
    assert_eq!(
        verify(&swapped),
        Err(InclusionError::BadOpening { row: first })
    );

    // Another row's commitment (with its own versioned hash).
    let mut other_row = good.clone();
    let other = other_row.rows[2].0;
    other_row.rows[0] = (other, versioned_hash(&other));
    assert_eq!(
        verify(&other_row),
        Err(InclusionError::WrongRowCommitment { row: first })
    );
    let mut hash = good.clone();
    hash.rows[1].1[5] ^= 1;
    assert_eq!(
        verify(&hash),
        Err(InclusionError::WrongVersionedHash { row: first + 1 })
    );
    let mut rows = good.clone();
    rows.first_row += 1;
    assert!(matches!(
        verify(&rows),
        Err(InclusionError::WrongRows { .. })
    ));

    // A wrong index path, or the entry claimed at another position, or another entry.
    let mut path = good.clone();
    path.index_path[0][0] ^= 1;
    assert_eq!(verify(&path), Err(InclusionError::WrongIndexPath));
    let mut position = good.clone();
    position.blob_index = (position.blob_index + 1) % 3;
    assert_eq!(verify(&position), Err(InclusionError::WrongIndexPath));
    let mut entry = good.clone();
    entry.entry[20] ^= 1; // its length
    assert_eq!(verify(&entry), Err(InclusionError::WrongIndexPath));

    // Another blob's claim.
    assert_eq!(
        verify_claim(&good, &trust, &claim(block, 0, Some(Z))).map(|_| ()),
        Err(InclusionError::OtherClaim { what: "namespace" })
    );

    // A header signed by another key.
    let stranger = ed25519_dalek::SigningKey::from_bytes(&[99; 32]);
    let mut resigned = good.clone();
    let mut header = block.header.clone();
    header.unsigned.producer = weft_types::ProducerKey::of(&stranger);
    let certificate = header.certificate.take();
    let mut header = header.unsigned.sign(&stranger);
    header.certificate = certificate;
    resigned.header = header.to_bytes();
    let expected = match &trust {
        TrustRoot::Producer(_) => InclusionError::WrongProducer { height: 1 },
        TrustRoot::Validators(_) => InclusionError::NotAValidator { height: 1 },
    };
    assert_eq!(verify(&resigned), Err(expected));
    // A changed header (its signature no longer verifies).
    let mut bent = good.clone();
    bent.header[30] ^= 1;
    assert_eq!(
        verify(&bent),
        Err(InclusionError::BadHeaderSignature { height: 1 })
    );
    // Truncated, or a byte too many.
    let bytes = good.to_bytes();
    assert!(matches!(
        InclusionBundle::from_bytes(&bytes[..bytes.len() - 1]),
        Err(InclusionError::Malformed { .. })
    ));
    assert!(matches!(
        InclusionBundle::from_bytes(&[bytes.as_slice(), &[0]].concat()),
        Err(InclusionError::Malformed { .. })
    ));
}

#[test]
fn every_tamper_is_refused_on_a_single_producers_chain() {
    let block = Block::producer(blobs());
    refusals(&block);
    // Trusting another producer.
    let other = TrustRoot::Producer([5; 32]);
    assert_eq!(
        verify_bundle(&block.bundle(1, None), &other).map(|_| ()),
        Err(InclusionError::WrongProducer { height: 1 })
    );
}

#[test]
fn every_tamper_is_refused_on_a_validator_chain() {
    let block = Block::validators(4, blobs());
    refusals(&block);
    let trust = block.trust.inclusion_root();
    let mut bundle = block.bundle(1, None);
    // Two of four signers (three are needed).
    bundle.header = block.certified_by(&[0, 1]).to_bytes();
    assert_eq!(
        verify_bundle(&bundle, &trust).map(|_| ()),
        Err(InclusionError::TooFewSigners {
            signers: 2,
            needed: 3,
            validators: 4
        })
    );
    // Another chain's validators.
    let set = block.trust.validators().unwrap();
    let other_chain = weft_inclusion_keys("other-chain", set);
    assert_eq!(
        verify_bundle(&block.bundle(1, None), &other_chain).map(|_| ()),
        Err(InclusionError::WrongChain)
    );
    // No certificate at all.
    let mut uncertified = block.bundle(1, None);
    let mut header = block.header.clone();
    header.certificate = None;
    uncertified.header = header.to_bytes();
    assert_eq!(
        verify_bundle(&uncertified, &trust).map(|_| ()),
        Err(InclusionError::Uncertified { height: 1 })
    );
}

#[test]
fn a_key_listed_twice_is_refused_as_it_would_count_twice_towards_a_quorum() {
    let block = Block::validators(4, blobs()[2..].to_vec());
    let set = block.trust.validators().unwrap();
    let mut keys: Vec<_> = set
        .validators()
        .iter()
        .map(|v| (v.p2p_key.0, v.consensus_key.0))
        .collect();
    assert!(weft_types::inclusion::ValidatorKeys::new(b"weft-test", keys.clone()).is_ok());
    keys[3].1 = keys[0].1;
    assert!(matches!(
        weft_types::inclusion::ValidatorKeys::new(b"weft-test", keys),
        Err(InclusionError::Malformed { .. })
    ));
}

/// The set's keys under another chain id.
fn weft_inclusion_keys(chain_id: &str, set: &weft_types::ValidatorSet) -> TrustRoot {
    TrustRoot::Validators(
        weft_types::inclusion::ValidatorKeys::new(
            chain_id.as_bytes(),
            set.validators()
                .iter()
                .map(|v| (v.p2p_key.0, v.consensus_key.0)),
        )
        .unwrap(),
    )
}

#[test]
fn the_bundle_limit_is_the_one_the_protocol_states() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/PROTOCOL.md"))
        .unwrap();
    let stated = format!(
        "`MAX_BUNDLE_BYTES` = {},{:03} bytes",
        MAX_BUNDLE_BYTES / 1000,
        MAX_BUNDLE_BYTES % 1000
    );
    assert!(doc.contains(&stated), "PROTOCOL §14 should say {stated}");
    // The largest header a bundle carries is the largest the network carries.
    const { assert!(weft_types::wire::HEADER_SIZE_LIMIT >= weft_types::inclusion::MAX_HEADER_BYTES) };
}
