//! An in-memory Ethereum (revm 43, mainnet rules of its default fork, Osaka: the EIP-2537
//! BLS12-381 precompiles and EIP-4844's point evaluation) to deploy `WeftInclusion` and call
//! it, as tests and the gas benchmark do.

use alloy_sol_types::SolInterface;
use revm::{
    context::TxEnv,
    database::InMemoryDB,
    primitives::{Address, Bytes, TxKind, U256},
    state::AccountInfo,
    Context, ExecuteCommitEvm, MainBuilder, MainContext,
};

use crate::WeftInclusion::WeftInclusionErrors;

/// The account every transaction is sent from (funded at start).
const SENDER: Address = Address::new([0x5e; 20]);
/// Gas limit of each transaction (Osaka's per-transaction cap, EIP-7825).
const GAS_LIMIT: u64 = 1 << 24;

/// What a call did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// It returned (the ABI-encoded return values).
    Returned(Vec<u8>),
    /// It reverted with one of the contract's named errors.
    Reverted(WeftInclusionErrors),
    /// It reverted with something else (a `require` message, or nothing), or halted.
    Failed(String),
}

/// One executed call: its outcome and the gas the transaction used (intrinsic and calldata
/// costs included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    /// What it did.
    pub outcome: Outcome,
    /// Gas used by the transaction.
    pub gas: u64,
}

/// An EVM with an in-memory state.
pub struct Evm {
    db: InMemoryDB,
    nonce: u64,
}

impl std::fmt::Debug for Evm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Evm")
            .field("nonce", &self.nonce)
            .finish_non_exhaustive()
    }
}

impl Default for Evm {
    fn default() -> Self {
        Self::new()
    }
}

impl Evm {
    /// An empty chain with one funded sender.
    pub fn new() -> Self {
        let mut db = InMemoryDB::default();
        db.insert_account_info(
            SENDER,
            AccountInfo {
                balance: U256::from(10u128.pow(24)),
                ..Default::default()
            },
        );
        Self { db, nonce: 0 }
    }

    fn transact(
        &mut self,
        kind: TxKind,
        data: Vec<u8>,
    ) -> (revm::context::result::ExecutionResult, u64) {
        let tx = TxEnv::builder()
            .caller(SENDER)
            .kind(kind)
            .data(Bytes::from(data))
            .gas_limit(GAS_LIMIT)
            .gas_price(0)
            .nonce(self.nonce)
            .build_fill();
        let mut evm = Context::mainnet()
            .with_db(&mut self.db)
            .modify_block_chained(|block| block.basefee = 0)
            .build_mainnet();
        let result = evm.transact_commit(tx).expect("a well-formed transaction");
        self.nonce += 1;
        let gas = result.tx_gas_used();
        (result, gas)
    }

    /// Deploys `creation` (code ‖ constructor arguments); the contract's address and the gas
    /// used, or why it failed.
    ///
    /// # Errors
    /// The revert or halt, described.
    pub fn deploy(&mut self, creation: Vec<u8>) -> Result<(Address, u64), String> {
        use revm::context::result::{ExecutionResult, Output};
        match self.transact(TxKind::Create, creation) {
            (
                ExecutionResult::Success {
                    output: Output::Create(_, Some(address)),
                    ..
                },
                gas,
            ) => Ok((address, gas)),
            (other, _) => Err(format!("deployment failed: {other:?}")),
        }
    }

    /// Calls `to` with `data`.
    pub fn call(&mut self, to: Address, data: Vec<u8>) -> Call {
        use revm::context::result::ExecutionResult;
        let (result, gas) = self.transact(TxKind::Call(to), data);
        let outcome = match result {
            ExecutionResult::Success { output, .. } => Outcome::Returned(output.data().to_vec()),
            ExecutionResult::Revert { output, .. } => {
                match WeftInclusionErrors::abi_decode(&output) {
                    Ok(error) => Outcome::Reverted(error),
                    Err(_) => Outcome::Failed(format!("revert 0x{}", hex::encode(&output))),
                }
            }
            ExecutionResult::Halt { reason, .. } => Outcome::Failed(format!("halt: {reason:?}")),
        };
        Call { outcome, gas }
    }
}
