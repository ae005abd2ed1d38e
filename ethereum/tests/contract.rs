//! The three verifiers of an inclusion bundle on the same bundles (issue 23, PROTOCOL §14): the
//! no_std crate, c-kzg (each opening, as an Ethereum client checks it) and the `WeftInclusion`
//! contract executed in revm with the EIP-2537 and point-evaluation precompiles. Every row of a
//! blob of one row, one of three rows (the last partial) and a short blob sharing its row is
//! accepted at 4 and at 100 validators; every tamper is refused, the contract reverting with the
//! error that names it.

use alloy_sol_types::SolCall;
use c_kzg::{Bytes32, Bytes48};
use weft_ethereum::{
    constructor_args, verify_row, Evm, Outcome, WeftInclusion, WeftInclusion::WeftInclusionErrors,
    CREATION_CODE_HEX,
};
use weft_types::{
    inclusion::{verify_bundle, InclusionBundle, InclusionError, Opening},
    testing::{
        certificate,
        inclusion::{kzg, Block},
        keys, Keys,
    },
};

use weft_types::testing::inclusion::{rollup_blobs as blobs, Z};

fn deploy(evm: &mut Evm, block: &Block) -> revm::primitives::Address {
    let set = block.trust.validators().unwrap();
    let code = [
        hex::decode(CREATION_CODE_HEX.trim()).unwrap(),
        constructor_args(set).unwrap(),
    ]
    .concat();
    evm.deploy(code).unwrap().0
}

fn rows(bundle: &InclusionBundle) -> std::ops::Range<usize> {
    let first = usize::from(bundle.first_row);
    first..first + bundle.rows.len()
}

fn accepted_by_all_three(n: usize) {
    let block = Block::validators(n, blobs());
    let mut evm = Evm::new();
    let contract = deploy(&mut evm, &block);
    let trust = block.trust.inclusion_root();
    let settings = c_kzg::ethereum_kzg_settings(0);
    for i in 0..3 {
        let bundle = block.bundle(i, Some(Z));
        verify_bundle(&bundle, &trust).unwrap();
        for (j, row) in rows(&bundle).enumerate() {
            let (commitment, versioned) = bundle.rows[j];
            let opening = bundle.openings[j];
            assert!(settings
                .verify_kzg_proof(
                    &Bytes48::new(commitment),
                    &Bytes32::new(Z),
                    &Bytes32::new(opening.y),
                    &Bytes48::new(opening.proof),
                )
                .unwrap());
            let call = evm.call(contract, verify_row(&bundle, row).unwrap());
            let Outcome::Returned(out) = call.outcome else {
                panic!("{n} validators, blob {i}, row {row}: {:?}", call.outcome)
            };
            let returned = WeftInclusion::verifyRowCall::abi_decode_returns(&out).unwrap();
            assert_eq!(returned.height, 1);
            assert_eq!(returned.versionedHash.0, versioned);
        }
    }
}

#[test]
fn every_row_is_accepted_by_all_three_verifiers_at_4_validators() {
    accepted_by_all_three(4);
}

#[test]
fn every_row_is_accepted_by_all_three_verifiers_at_100_validators() {
    accepted_by_all_three(100);
}

/// The contract's answer to `data`, and the no_std verifier's to `bundle`.
fn refused(
    evm: &mut Evm,
    contract: revm::primitives::Address,
    data: Vec<u8>,
) -> WeftInclusionErrors {
    match evm.call(contract, data).outcome {
        Outcome::Reverted(error) => error,
        other => panic!("accepted or failed unnamed: {other:?}"),
    }
}

fn name(error: &WeftInclusionErrors) -> String {
    format!("{error:?}").split('(').next().unwrap().to_string()
}

/// A `verifyRow` call re-encoded after `edit`.
fn edited(
    bundle: &InclusionBundle,
    row: usize,
    edit: impl FnOnce(&mut WeftInclusion::verifyRowCall),
) -> Vec<u8> {
    let mut call =
        WeftInclusion::verifyRowCall::abi_decode(&verify_row(bundle, row).unwrap()).unwrap();
    edit(&mut call);
    call.abi_encode()
}

#[test]
fn every_tamper_is_refused_by_all_three_verifiers() {
    let block = Block::validators(4, blobs());
    let mut evm = Evm::new();
    let contract = deploy(&mut evm, &block);
    let trust = block.trust.inclusion_root();
    let good = block.bundle(1, Some(Z));
    let first = usize::from(good.first_row);
    let rust = |bundle: &InclusionBundle| verify_bundle(bundle, &trust).map(|_| ());

    // A changed byte of the data: the row's opening computed from the changed row (a valid
    // proof for another polynomial) does not open the header's commitment.
    let mut changed_row = block.row(first + 1).to_vec();
    changed_row[40_001] ^= 1;
    let (proof, y) = kzg().compute_kzg_proof(&changed_row, &Z).unwrap();
    let mut changed = good.clone();
    changed.openings[1] = Opening { y, proof: proof.0 };
    assert_eq!(
        rust(&changed),
        Err(InclusionError::BadOpening { row: first + 1 })
    );
    assert!(!c_kzg::ethereum_kzg_settings(0)
        .verify_kzg_proof(
            &Bytes48::new(good.rows[1].0),
            &Bytes32::new(Z),
            &Bytes32::new(y),
            &Bytes48::new(proof.0),
        )
        .unwrap());
    let error = refused(&mut evm, contract, verify_row(&changed, first + 1).unwrap());
    assert_eq!(name(&error), "BadOpening");

    // A different z.
    let mut other_z = good.clone();
    other_z.z = Some([0x22; 32]);
    assert_eq!(
        rust(&other_z),
        Err(InclusionError::BadOpening { row: first })
    );
    assert_eq!(
        name(&refused(
            &mut evm,
            contract,
            verify_row(&other_z, first).unwrap()
        )),
        "BadOpening"
    );

    // Another row's commitment: row first + 1's opening offered for row first + 2, and a row
    // outside the blob.
    let mut other_row = good.clone();
    other_row.openings[2] = other_row.openings[1];
    assert_eq!(
        rust(&other_row),
        Err(InclusionError::BadOpening { row: first + 2 })
    );
    assert_eq!(
        name(&refused(
            &mut evm,
            contract,
            verify_row(&other_row, first + 2).unwrap()
        )),
        "BadOpening"
    );
    let outside = edited(&good, first, |c| {
        c.row = alloy_sol_types::private::U256::from(first + 3)
    });
    assert_eq!(name(&refused(&mut evm, contract, outside)), "RowNotInBlob");

    // A wrong index path.
    let mut path = good.clone();
    path.index_path[0][3] ^= 1;
    assert_eq!(rust(&path), Err(InclusionError::WrongIndexPath));
    assert_eq!(
        name(&refused(
            &mut evm,
            contract,
            verify_row(&path, first).unwrap()
        )),
        "WrongIndexPath"
    );

    // A header of another chain, and one certified by other keys.
    let other_chain = edited(&good, first, |c| {
        c.certificate.chainId = b"other-chain".to_vec().into()
    });
    assert_eq!(
        name(&refused(&mut evm, contract, other_chain)),
        "WrongChain"
    );
    let other = keys(8, "weft-test");
    let impostors = Keys {
        secrets: other.secrets.into_iter().skip(4).collect(),
        genesis: block.keys.as_ref().unwrap().genesis.clone(),
    };
    let mut forged = good.clone();
    let mut header = block.header.clone();
    header.certificate = Some(Box::new(certificate(&impostors, &[0, 1, 2], header.hash())));
    forged.header = header.to_bytes();
    assert_eq!(rust(&forged), Err(InclusionError::BadCertificateSignature));
    assert_eq!(
        name(&refused(
            &mut evm,
            contract,
            verify_row(&forged, first).unwrap()
        )),
        "BadCertificateSignature"
    );

    // Too few signers, and signers out of order.
    let mut few = good.clone();
    few.header = block.certified_by(&[0, 1]).to_bytes();
    assert!(matches!(
        rust(&few),
        Err(InclusionError::TooFewSigners {
            signers: 2,
            needed: 3,
            ..
        })
    ));
    let error = refused(&mut evm, contract, verify_row(&few, first).unwrap());
    assert_eq!(name(&error), "TooFewSigners", "{error:?}");
    let unordered = edited(&good, first, |c| c.certificate.signers = vec![0, 2, 1]);
    assert_eq!(
        name(&refused(&mut evm, contract, unordered)),
        "UnorderedSigners"
    );

    // A changed header: the certificate no longer signs it.
    let bent = edited(&good, first, |c| {
        let mut header = c.header.to_vec();
        header[30] ^= 1;
        c.header = header.into();
    });
    assert_eq!(
        name(&refused(&mut evm, contract, bent)),
        "BadCertificateSignature"
    );
    // A header whose k is not a power of two.
    let odd_k = edited(&good, first, |c| {
        let mut header = c.header.to_vec();
        header[63] = 3;
        c.header = header.into();
    });
    assert_eq!(name(&refused(&mut evm, contract, odd_k)), "MalformedHeader");
}
