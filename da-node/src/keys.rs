//! Keys kept in the data dir: the producer's Ed25519 signing key and the libp2p identity,
//! each created on first start (mode 0600).

use std::path::{Path, PathBuf};

use ed25519_dalek::SigningKey;
use weft_p2p::Keypair;

use crate::error::{NodeError, Result};

/// File holding the producer key (64 hex chars).
pub(crate) const PRODUCER_KEY_FILE: &str = "producer.key";
/// File holding the libp2p identity (64 hex chars of an Ed25519 secret).
pub(crate) const P2P_KEY_FILE: &str = "p2p.key";

fn load_or_create_secret(path: &Path) -> Result<[u8; 32]> {
    let err = |reason: String| NodeError::Key {
        path: path.to_path_buf(),
        reason,
    };
    match std::fs::read_to_string(path) {
        Ok(text) => {
            weft_encoding::decode_hex_array::<32>(text.trim()).map_err(|e| err(e.to_string()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let secret: [u8; 32] = rand::random();
            write_private(path, &hex::encode(secret)).map_err(|e| err(e.to_string()))?;
            Ok(secret)
        }
        Err(e) => Err(err(e.to_string())),
    }
}

/// Writes a secret: the file is created readable by its owner only (never, even briefly, by
/// anyone else), synced, renamed into place, and the directory synced, so a crash leaves either
/// no key or the whole key.
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let tmp: PathBuf = path.with_extension("tmp");
    let _ = std::fs::remove_file(&tmp);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&tmp)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&tmp, path)?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}

/// The producer's signing key from `dir`, created if absent.
pub(crate) fn producer_key(dir: &Path) -> Result<SigningKey> {
    Ok(SigningKey::from_bytes(&load_or_create_secret(
        &dir.join(PRODUCER_KEY_FILE),
    )?))
}

/// The producer's signing key from `dir` if the file exists (none is created).
pub(crate) fn existing_producer_key(dir: &Path) -> Result<Option<SigningKey>> {
    if dir.join(PRODUCER_KEY_FILE).exists() {
        producer_key(dir).map(Some)
    } else {
        Ok(None)
    }
}

/// The node's libp2p identity from `dir`, created if absent.
pub(crate) fn p2p_key(dir: &Path) -> Result<Keypair> {
    let path = dir.join(P2P_KEY_FILE);
    let secret = load_or_create_secret(&path)?;
    Keypair::ed25519_from_bytes(secret).map_err(|e| NodeError::Key {
        path,
        reason: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_created_once_and_reloaded() {
        let dir = tempfile::tempdir().unwrap();
        let a = producer_key(dir.path()).unwrap();
        let b = producer_key(dir.path()).unwrap();
        assert_eq!(a.to_bytes(), b.to_bytes());
        let p = p2p_key(dir.path()).unwrap();
        assert_eq!(p.public(), p2p_key(dir.path()).unwrap().public());
        #[cfg(unix)]
        for file in [PRODUCER_KEY_FILE, P2P_KEY_FILE] {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(file))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{file} is readable by its owner only");
        }
        assert!(!dir.path().join("producer.tmp").exists());
        std::fs::write(dir.path().join(PRODUCER_KEY_FILE), "zz").unwrap();
        assert!(producer_key(dir.path())
            .unwrap_err()
            .to_string()
            .contains(PRODUCER_KEY_FILE));
    }
}
