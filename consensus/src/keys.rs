//! A validator's two secret keys (its BLS12-381 consensus key and its Ed25519 p2p key), their
//! key folder (`consensus.key`, `p2p.key`: 64 hex characters each, mode 0600), and the genesis
//! entry made from them.

use std::{
    fs,
    io::Write as _,
    path::{Path, PathBuf},
};

use blst::min_pk::SecretKey;
use commonware_codec::{DecodeExt, Encode};
use commonware_cryptography::{
    bls12381::primitives::{group::Private, ops, variant::MinPk},
    ed25519, Signer as _,
};
use rand::RngCore;
use weft_types::{consensus_namespace, BlsSignature, ConsensusKey, GenesisValidator, PeerKey};

use crate::error::ConsensusError;

/// File of the consensus (BLS12-381) secret key in a key folder.
pub const CONSENSUS_KEY_FILE: &str = "consensus.key";
/// File of the p2p (Ed25519) secret key in a key folder.
pub const P2P_KEY_FILE: &str = "p2p.key";

/// A validator's secret keys.
#[derive(Clone)]
pub struct ValidatorKey {
    consensus: Private,
    p2p: ed25519::PrivateKey,
}

impl std::fmt::Debug for ValidatorKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ValidatorKey(p2p {})", self.peer_key())
    }
}

impl ValidatorKey {
    /// Fresh keys from the operating system's randomness.
    pub fn generate() -> Self {
        let mut seed = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut seed);
        let mut p2p = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut p2p);
        Self::from_seeds(&seed, p2p).expect("a key_gen scalar and any 32-byte Ed25519 seed decode")
    }

    /// Keys from a BLS key-generation seed (IETF `KeyGen`, at least 32 bytes) and an Ed25519
    /// secret seed. Deterministic: tests and simulations use it.
    ///
    /// # Errors
    /// [`ConsensusError::Key`] if the seed is shorter than 32 bytes.
    pub fn from_seeds(bls_seed: &[u8], p2p_seed: [u8; 32]) -> Result<Self, ConsensusError> {
        let secret = SecretKey::key_gen(bls_seed, &[])
            .map_err(|e| ConsensusError::Key(format!("BLS key generation: {e:?}")))?;
        Self::from_bytes(&secret.to_bytes(), &p2p_seed)
    }

    fn from_bytes(consensus: &[u8], p2p: &[u8]) -> Result<Self, ConsensusError> {
        let consensus = Private::decode(bytes::Bytes::copy_from_slice(consensus))
            .map_err(|e| ConsensusError::Key(format!("consensus key: {e}")))?;
        let p2p = ed25519::PrivateKey::decode(bytes::Bytes::copy_from_slice(p2p))
            .map_err(|e| ConsensusError::Key(format!("p2p key: {e}")))?;
        Ok(Self { consensus, p2p })
    }

    /// The BLS secret (what the engine's signing scheme holds).
    pub fn consensus_secret(&self) -> &Private {
        &self.consensus
    }

    /// The Ed25519 secret (the consensus network's identity).
    pub fn p2p_secret(&self) -> &ed25519::PrivateKey {
        &self.p2p
    }

    /// The Ed25519 secret seed of the p2p key (32 bytes): the same key signs this validator's
    /// proposed headers (`ed25519_dalek::SigningKey::from_bytes`).
    pub fn p2p_seed(&self) -> [u8; 32] {
        self.p2p
            .encode()
            .as_ref()
            .try_into()
            .expect("an Ed25519 seed is 32 bytes")
    }

    /// The consensus public key (G1, 48 bytes).
    pub fn consensus_key(&self) -> ConsensusKey {
        let public = ops::compute_public::<MinPk>(&self.consensus);
        ConsensusKey(
            public
                .encode()
                .as_ref()
                .try_into()
                .expect("a G1 point is 48 bytes"),
        )
    }

    /// The p2p public key (Ed25519, 32 bytes).
    pub fn peer_key(&self) -> PeerKey {
        PeerKey(
            self.p2p
                .public_key()
                .encode()
                .as_ref()
                .try_into()
                .expect("32 bytes"),
        )
    }

    /// This validator's genesis entry for `chain_id`, with a proof of possession of its
    /// consensus key under the chain's namespace.
    pub fn genesis_entry(&self, chain_id: &str, address: String) -> GenesisValidator {
        let pop =
            ops::sign_proof_of_possession::<MinPk>(&self.consensus, &consensus_namespace(chain_id));
        GenesisValidator {
            consensus_key: self.consensus_key(),
            proof_of_possession: BlsSignature(
                pop.encode()
                    .as_ref()
                    .try_into()
                    .expect("a G2 point is 96 bytes"),
            ),
            p2p_key: self.peer_key(),
            address,
        }
    }

    /// Writes the key folder `dir` (created with mode 0700; each file 0600). Refuses to
    /// overwrite a key file that exists.
    ///
    /// # Errors
    /// [`ConsensusError::Io`] naming the path.
    pub fn save(&self, dir: &Path) -> Result<(), ConsensusError> {
        create_private_dir(dir)?;
        write_secret(&dir.join(CONSENSUS_KEY_FILE), &self.consensus.encode())?;
        write_secret(&dir.join(P2P_KEY_FILE), &self.p2p.encode())
    }

    /// Reads the key folder `dir`.
    ///
    /// # Errors
    /// [`ConsensusError::Io`] if a file cannot be read, [`ConsensusError::Key`] if one is not
    /// 64 hex characters of a valid key.
    pub fn load(dir: &Path) -> Result<Self, ConsensusError> {
        let read = |name: &str| -> Result<Vec<u8>, ConsensusError> {
            let path = dir.join(name);
            let text = fs::read_to_string(&path).map_err(|e| ConsensusError::io(&path, e))?;
            let text = text.trim();
            match hex::decode(text) {
                Ok(bytes) if bytes.len() == 32 => Ok(bytes),
                _ => Err(ConsensusError::Key(format!(
                    "{}: not 64 hex characters",
                    path.display()
                ))),
            }
        };
        Self::from_bytes(&read(CONSENSUS_KEY_FILE)?, &read(P2P_KEY_FILE)?)
    }
}

fn create_private_dir(dir: &Path) -> Result<(), ConsensusError> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(|e| ConsensusError::io(dir, e))
}

fn write_secret(path: &PathBuf, bytes: &[u8]) -> Result<(), ConsensusError> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .map_err(|e| ConsensusError::io(path, e))?;
    writeln!(file, "{}", hex::encode(bytes))
        .and_then(|()| file.sync_all())
        .map_err(|e| ConsensusError::io(path, e))
}
