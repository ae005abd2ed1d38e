//! Gas of `WeftInclusion.verifyRow` (one row of a three-row blob: certificate, index path and
//! opening checked) and of deploying the contract, at 4 and 100 validators, in revm's Osaka
//! rules. Gas is deterministic: one call per setup. `cargo bench -p weft-ethereum --bench
//! contract_gas`; figures in docs/BENCHMARKS.md.

#![allow(missing_docs)]

use weft_encoding::layout::{Blob, Namespace, ROW_DATA_BYTES};
use weft_ethereum::{constructor_args, verify_row, Evm, Outcome, CREATION_CODE_HEX};
use weft_types::testing::inclusion::Block;

fn main() {
    let blob = Blob::new(Namespace([1; 16]), vec![0x5a; 3 * ROW_DATA_BYTES - 5_000]);
    println!(
        "{:>10} {:>8} {:>14} {:>14} {:>10}",
        "validators", "signers", "verifyRow gas", "deploy gas", "calldata"
    );
    for n in [4, 100] {
        let block = Block::validators(n, vec![blob.clone()]);
        let set = block.trust.validators().expect("validators");
        let mut evm = Evm::new();
        let code = [
            hex::decode(CREATION_CODE_HEX.trim()).expect("hex"),
            constructor_args(set).expect("keys"),
        ]
        .concat();
        let (contract, deploy_gas) = evm.deploy(code).expect("deploys");
        let bundle = block.bundle(0, Some([0x11; 32]));
        let data = verify_row(&bundle, usize::from(bundle.first_row)).expect("calldata");
        let len = data.len();
        let call = evm.call(contract, data);
        assert!(
            matches!(call.outcome, Outcome::Returned(_)),
            "{:?}",
            call.outcome
        );
        println!(
            "{n:>10} {:>8} {:>14} {deploy_gas:>14} {len:>10}",
            set.quorum(),
            call.gas
        );
    }
}
