//! The OP Stack Alt-DA commitment as Weft encodes it (OP specs `experimental/alt-da.md`,
//! "Input Commitment Submission"; layout fixed in docs/PROTOCOL.md §11): no I/O.
//!
//! ```text
//! type 0 (keccak):      0x00 ‖ keccak256(data)                                   33 bytes
//! type 1 (da-service):  0x01 ‖ DA_LAYER_BYTE ‖ 0x00 ‖ u64be(height) ‖ namespace(16)
//!                                                ‖ blob commitment(32)          59 bytes
//! ```
//! The batcher posts `0x01 (version byte) ‖ commitment` on L1; the DA server sees the
//! commitment alone, hex with a `0x` prefix, in `GET /get/…` and `POST /put/…`.

use sha3::{Digest, Keccak256};
use weft_encoding::{
    constants::NAMESPACE_BYTES,
    layout::{BlobCommitment, Namespace},
};

/// Commitment type 0: `keccak256` of the data (OP's `Keccak256CommitmentType`).
pub const KECCAK_TYPE: u8 = 0x00;
/// Commitment type 1: a DA service's own payload after its DA-layer byte (OP's
/// `GenericCommitmentType`).
pub const DA_SERVICE_TYPE: u8 = 0x01;
/// Weft's DA-layer byte in type-1 commitments: ASCII `W`. The OP spec restricts it to
/// `[0, 127)` and leaves apportioning to the DA layers (specs discussion #135); the bytes known
/// taken are 0x00 (EigenDA), 0x0a (Avail) and 0x0c (Celestia), all far from this one.
pub const DA_LAYER_BYTE: u8 = 0x57;
/// Version of Weft's payload layout (the byte after [`DA_LAYER_BYTE`]).
pub const PAYLOAD_VERSION: u8 = 0x00;
/// Bytes of a type-0 commitment: the type byte and the 32-byte hash.
pub const KECCAK_COMMITMENT_BYTES: usize = 1 + 32;
/// Bytes of a type-1 Weft commitment: type, DA-layer byte, version, height, namespace, blob
/// commitment.
pub const WEFT_COMMITMENT_BYTES: usize = 3 + 8 + NAMESPACE_BYTES + 32;
/// Longest commitment text accepted in a path: `0x` and the hex of the longest commitment.
pub const MAX_COMMITMENT_HEX: usize = 2 + 2 * WEFT_COMMITMENT_BYTES;

/// A commitment the DA server understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AltDaCommitment {
    /// Type 0: the data's keccak256.
    Keccak([u8; 32]),
    /// Type 1 with Weft's DA-layer byte: the blob at `height` in `namespace` with this blob
    /// commitment.
    Weft {
        /// Height of the Weft block holding the blob.
        height: u64,
        /// The blob's namespace.
        namespace: Namespace,
        /// The blob's commitment (`blob_commitment(namespace, data)`).
        commitment: BlobCommitment,
    },
}

/// Why a commitment was refused (the caller's fault: HTTP 400).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommitmentError {
    /// Not hex, or odd length.
    #[error("commitment is not hex: {0}")]
    NotHex(String),
    /// Longer than any commitment (`len` characters, at most `max`).
    #[error("commitment of {len} characters; at most {max}")]
    TooLong {
        /// Characters given.
        len: usize,
        /// [`MAX_COMMITMENT_HEX`].
        max: usize,
    },
    /// A type byte other than 0 and 1.
    #[error("commitment type {0:#04x} is not supported (0 keccak256, 1 da-service)")]
    UnknownType(u8),
    /// A type-1 commitment of another DA layer.
    #[error("DA-layer byte {got:#04x} is not Weft's ({want:#04x})")]
    OtherDaLayer {
        /// The byte given.
        got: u8,
        /// [`DA_LAYER_BYTE`].
        want: u8,
    },
    /// A Weft payload of a version this server does not know.
    #[error("Weft payload version {0:#04x} is not supported (0)")]
    UnknownVersion(u8),
    /// Wrong length for its type.
    #[error("commitment of type {kind:#04x} has {len} bytes; expected {want}")]
    Length {
        /// The type byte.
        kind: u8,
        /// Bytes given.
        len: usize,
        /// Bytes of that type.
        want: usize,
    },
}

/// keccak256 of `data`, as type-0 commitments name it.
pub fn keccak256(data: &[u8]) -> [u8; 32] {
    Keccak256::digest(data).into()
}

impl AltDaCommitment {
    /// The commitment's bytes (type byte first), as the batcher posts them after its version byte.
    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            Self::Keccak(hash) => [&[KECCAK_TYPE][..], hash].concat(),
            Self::Weft {
                height,
                namespace,
                commitment,
            } => [
                &[DA_SERVICE_TYPE, DA_LAYER_BYTE, PAYLOAD_VERSION][..],
                &height.to_be_bytes(),
                &namespace.0,
                &commitment.0,
            ]
            .concat(),
        }
    }

    /// `0x` and the hex of [`Self::to_bytes`], as the OP client puts it in a path.
    pub fn to_hex(&self) -> String {
        format!("0x{}", hex::encode(self.to_bytes()))
    }

    /// Parses a commitment's bytes (type byte first).
    ///
    /// # Errors
    /// [`CommitmentError`] for an unknown type, DA-layer byte or version, or a wrong length.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CommitmentError> {
        let (&kind, rest) = bytes.split_first().ok_or(CommitmentError::Length {
            kind: 0,
            len: 0,
            want: KECCAK_COMMITMENT_BYTES,
        })?;
        let length = |want| CommitmentError::Length {
            kind,
            len: bytes.len(),
            want,
        };
        match kind {
            KECCAK_TYPE => Ok(Self::Keccak(
                rest.try_into()
                    .map_err(|_| length(KECCAK_COMMITMENT_BYTES))?,
            )),
            DA_SERVICE_TYPE => {
                let (&layer, rest) = rest.split_first().ok_or(length(WEFT_COMMITMENT_BYTES))?;
                if layer != DA_LAYER_BYTE {
                    return Err(CommitmentError::OtherDaLayer {
                        got: layer,
                        want: DA_LAYER_BYTE,
                    });
                }
                let (&version, rest) = rest.split_first().ok_or(length(WEFT_COMMITMENT_BYTES))?;
                if version != PAYLOAD_VERSION {
                    return Err(CommitmentError::UnknownVersion(version));
                }
                if bytes.len() != WEFT_COMMITMENT_BYTES {
                    return Err(length(WEFT_COMMITMENT_BYTES));
                }
                let (height, rest) = rest.split_at(8);
                let (namespace, commitment) = rest.split_at(NAMESPACE_BYTES);
                Ok(Self::Weft {
                    height: u64::from_be_bytes(height.try_into().expect("8 bytes")),
                    namespace: Namespace(namespace.try_into().expect("namespace bytes")),
                    commitment: BlobCommitment(commitment.try_into().expect("32 bytes")),
                })
            }
            other => Err(CommitmentError::UnknownType(other)),
        }
    }

    /// Parses the hex of a commitment (with or without `0x`), as it appears in a path.
    ///
    /// # Errors
    /// [`CommitmentError::TooLong`] past [`MAX_COMMITMENT_HEX`], [`CommitmentError::NotHex`];
    /// as [`Self::from_bytes`].
    pub fn from_hex(text: &str) -> Result<Self, CommitmentError> {
        if text.len() > MAX_COMMITMENT_HEX {
            return Err(CommitmentError::TooLong {
                len: text.len(),
                max: MAX_COMMITMENT_HEX,
            });
        }
        let digits = text
            .strip_prefix("0x")
            .or_else(|| text.strip_prefix("0X"))
            .unwrap_or(text);
        let bytes = hex::decode(digits).map_err(|e| CommitmentError::NotHex(e.to_string()))?;
        Self::from_bytes(&bytes)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// keccak256("") from the Keccak reference (not SHA3-256's a7ffc6f8…).
    #[test]
    fn keccak_is_the_original_keccak256() {
        assert_eq!(
            hex::encode(keccak256(b"")),
            "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
        );
    }

    #[test]
    fn the_layout_is_as_documented() {
        let c = AltDaCommitment::Weft {
            height: 0x0102,
            namespace: Namespace([0xaa; 16]),
            commitment: BlobCommitment([0xbb; 32]),
        };
        let bytes = c.to_bytes();
        assert_eq!(bytes.len(), WEFT_COMMITMENT_BYTES);
        assert_eq!(&bytes[..3], &[0x01, 0x57, 0x00]);
        assert_eq!(&bytes[3..11], &[0, 0, 0, 0, 0, 0, 1, 2]);
        assert_eq!(&bytes[11..27], &[0xaa; 16]);
        assert_eq!(&bytes[27..], &[0xbb; 32]);
        assert_eq!(
            AltDaCommitment::Keccak([7; 32]).to_hex(),
            format!("0x00{}", "07".repeat(32))
        );
    }

    #[test]
    fn malformed_commitments_are_named() {
        let good = AltDaCommitment::Weft {
            height: 1,
            namespace: Namespace([1; 16]),
            commitment: BlobCommitment([2; 32]),
        }
        .to_bytes();
        let parse = |b: &[u8]| AltDaCommitment::from_bytes(b);
        assert!(matches!(parse(&[]), Err(CommitmentError::Length { .. })));
        assert_eq!(parse(&[2, 0]), Err(CommitmentError::UnknownType(2)));
        assert_eq!(
            parse(&[1, 0x0c, 0]),
            Err(CommitmentError::OtherDaLayer {
                got: 0x0c,
                want: DA_LAYER_BYTE
            })
        );
        assert_eq!(
            parse(&[1, DA_LAYER_BYTE, 9]),
            Err(CommitmentError::UnknownVersion(9))
        );
        assert!(matches!(
            parse(&good[..good.len() - 1]),
            Err(CommitmentError::Length { want: 59, .. })
        ));
        assert!(matches!(
            parse(&[0; 32]),
            Err(CommitmentError::Length { want: 33, .. })
        ));
        assert!(matches!(
            AltDaCommitment::from_hex("0x0g"),
            Err(CommitmentError::NotHex(_))
        ));
        let long = format!("0x{}", "0".repeat(MAX_COMMITMENT_HEX - 1));
        assert!(matches!(
            AltDaCommitment::from_hex(&long),
            Err(CommitmentError::TooLong { .. })
        ));
    }

    proptest! {
        #[test]
        fn hex_round_trips(height: u64, ns: [u8; 16], c: [u8; 32], keccak: bool) {
            let commitment = if keccak {
                AltDaCommitment::Keccak(c)
            } else {
                AltDaCommitment::Weft { height, namespace: Namespace(ns), commitment: BlobCommitment(c) }
            };
            prop_assert_eq!(AltDaCommitment::from_hex(&commitment.to_hex()), Ok(commitment));
        }

        #[test]
        fn any_bytes_parse_or_are_refused(bytes in proptest::collection::vec(any::<u8>(), 0..80)) {
            if let Ok(c) = AltDaCommitment::from_bytes(&bytes) {
                prop_assert_eq!(c.to_bytes(), bytes);
            }
        }
    }
}
