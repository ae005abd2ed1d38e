//! Weft's inclusion check on Ethereum (docs/PROTOCOL.md §14): the `WeftInclusion` contract
//! (`contracts/WeftInclusion.sol`, compiled by `scripts/build-contracts` with solc 0.8.37; the
//! creation code and ABI in `build/` are checked in and rebuilt reproducibly), the calldata of
//! `verifyRow` made from an inclusion bundle ([`calldata`]), the EIP-2537 point encodings it
//! takes ([`points`]), and an in-memory EVM (revm, Prague rules: the BLS12-381 and
//! point-evaluation precompiles) that deploys and calls it ([`evm`]).

pub mod calldata;
pub mod evm;
pub mod points;

pub use calldata::{constructor_args, verify_row, CalldataError};
pub use evm::{Call, Evm, Outcome};

/// `WeftInclusion`'s creation code (hex, as solc writes it).
pub const CREATION_CODE_HEX: &str = include_str!("../build/WeftInclusion.bin");

alloy_sol_types::sol!(
    /// The contract's ABI (`build/WeftInclusion.abi.json`).
    #[derive(Debug, PartialEq, Eq)]
    WeftInclusion,
    "build/WeftInclusion.abi.json"
);
