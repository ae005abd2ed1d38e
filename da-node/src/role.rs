//! The node's role, decided once from its settings ([`Role::decide`]), and the chain its data
//! directory holds ([`ChainRecord`]): a data dir remembers whose chain it keeps and as what, so
//! that a follower restarted without `--producer-key` cannot turn into a second producer
//! extending another key's chain (issue 21, item 9).

use std::{path::Path, sync::Arc};

use ed25519_dalek::SigningKey;
use weft_consensus::keys::ValidatorKey;
use weft_types::{api::NodeRole, Header, ProducerKey, Trust, ValidatorSet};

use crate::{
    config::NodeConfig,
    error::{NodeError, Result},
    keys,
    store::{ChainRecord, Store},
};

/// What a node does, decided once at start from its settings.
#[derive(Debug, Clone)]
pub(crate) enum Role {
    /// Signs a block every `--block-time` from the blobs in its own pool (`POST /v1/blobs`).
    Producer {
        /// Its signing key (`producer.key` in the data dir).
        key: SigningKey,
    },
    /// Signs the squares handed to `Node::publish_block` (squares encoded elsewhere or ahead of
    /// time, for the load harness); takes no blobs.
    Publisher {
        /// Its signing key (`producer.key` in the data dir).
        key: SigningKey,
    },
    /// Follows the producer whose key is given (`--producer-key`), or the validators of the
    /// chain whose genesis is given (`--genesis`): syncs, stores and serves its blocks.
    Follower {
        /// What every header must verify against.
        trust: Trust,
    },
    /// One of a chain's validators (`--genesis` and `--validator-key`): takes blobs, and agrees
    /// on every block with the other validators (`crate::validator`).
    Validator {
        /// Signs this validator's proposals (its p2p key, as the genesis names it).
        key: SigningKey,
        /// Its keys.
        validator: Box<ValidatorKey>,
        /// The chain's validators.
        set: Arc<ValidatorSet>,
    },
}

impl Role {
    /// The role `config` asks for, after checking it against the chain the data dir holds
    /// (recording it on first start): a follower when `producer_key` is set, else a producer
    /// (a publisher when `publisher`), whose key is read from (or created in) the data dir.
    ///
    /// # Errors
    /// [`NodeError::WrongChain`] when the data dir holds another producer's chain or was kept
    /// in the other role (naming the flag to change); key-file and store errors.
    pub(crate) fn decide(config: &NodeConfig, store: &Store, publisher: bool) -> Result<Self> {
        let dir = &config.data_dir;
        let held = match store.chain_record()? {
            Some(bytes) => Some(ChainRecord::from_bytes(&bytes).ok_or_else(|| {
                crate::store::StoreError::corrupt("chain record", "not 33 bytes of role and key")
            })?),
            None => inferred(store, dir)?,
        };
        let role = match (config.producer_key, held) {
            _ if config.genesis.is_some() || config.validator_key.is_some() => {
                Self::from_genesis(config)?
            }
            (Some(producer), _) => Self::Follower {
                trust: Trust::Producer(producer),
            },
            // A follower's data dir: no key is made in it for a producer that may not start.
            (
                None,
                Some(
                    held @ ChainRecord {
                        producing: false, ..
                    },
                ),
            ) => {
                return Err(NodeError::WrongChain {
                    flag: "--producer-key",
                    data_dir: dir.clone(),
                    held,
                    fix: format!(
                        "start with --producer-key {} (or producer_key in weft.toml) to follow it \
                         again, or with a new --data-dir to produce blocks",
                        held.producer
                    ),
                })
            }
            (None, held) => {
                let key = match (held, keys::existing_producer_key(dir)?) {
                    (_, Some(key)) => key,
                    (None, None) => keys::producer_key(dir)?,
                    // The chain this node produced, its key gone: a new key would sign a
                    // second chain at the same heights.
                    (Some(held), None) => {
                        return Err(NodeError::Key {
                            path: dir.join(keys::PRODUCER_KEY_FILE),
                            reason: format!(
                                "missing, and {} holds the chain it signed (key {}): put the \
                                 key file back, or start with a new --data-dir",
                                dir.display(),
                                held.producer
                            ),
                        })
                    }
                };
                if publisher {
                    Self::Publisher { key }
                } else {
                    Self::Producer { key }
                }
            }
        };
        let wanted = role.record();
        match held {
            None => store.put_chain_record(&wanted.to_bytes())?,
            Some(held) if held == wanted => {}
            Some(held) => return Err(mismatch(dir, held, wanted)),
        }
        Ok(role)
    }

    /// A validator or a follower of a chain run by validators, from `--genesis` (and
    /// `--validator-key`).
    fn from_genesis(config: &NodeConfig) -> Result<Self> {
        let usage = |m: String| NodeError::Config(m);
        let Some(path) = &config.genesis else {
            return Err(usage(
                "--validator-key needs --genesis FILE (the chain's genesis.toml)".into(),
            ));
        };
        if config.producer_key.is_some() {
            return Err(usage(
                "--genesis and --producer-key: give one (--genesis for a chain run by validators)"
                    .into(),
            ));
        }
        let (_, set) = weft_config::genesis::load_genesis(path)
            .map_err(|e| usage(format!("--genesis {e}")))?;
        let set = Arc::new(set);
        let Some(dir) = &config.validator_key else {
            return Ok(Self::Follower {
                trust: Trust::Validators(set),
            });
        };
        let validator = ValidatorKey::load(dir)
            .map_err(|e| usage(format!("--validator-key {}: {e}", dir.display())))?;
        let listed = set.validators().iter().any(|v| {
            v.p2p_key == validator.peer_key() && v.consensus_key == validator.consensus_key()
        });
        if !listed {
            return Err(usage(format!(
                "--validator-key {}: its keys (p2p {}) are not a validator of chain {:?} in --genesis {}",
                dir.display(),
                validator.peer_key(),
                set.chain_id(),
                path.display()
            )));
        }
        let key = SigningKey::from_bytes(&validator.p2p_seed());
        if ProducerKey::of(&key).0 != validator.peer_key().0 {
            return Err(usage(format!(
                "--validator-key {}: its p2p key does not derive its public key",
                dir.display()
            )));
        }
        Ok(Self::Validator {
            key,
            validator: Box::new(validator),
            set,
        })
    }

    /// What this node checks headers against: its own key's chain, the followed producer's,
    /// or the validator set's.
    pub(crate) fn trust(&self) -> Trust {
        match self {
            Self::Producer { key } | Self::Publisher { key } => {
                Trust::Producer(ProducerKey::of(key))
            }
            Self::Follower { trust } => trust.clone(),
            Self::Validator { set, .. } => Trust::Validators(set.clone()),
        }
    }

    /// The key that signs this node's chain: its own, or the followed producer's. On a chain
    /// run by validators: a validator's own key, or (a full node) the validator set's digest.
    pub(crate) fn producer_key(&self) -> ProducerKey {
        match self {
            Self::Producer { key } | Self::Publisher { key } | Self::Validator { key, .. } => {
                ProducerKey::of(key)
            }
            Self::Follower { trust } => match trust {
                Trust::Producer(producer) => *producer,
                Trust::Validators(set) => ProducerKey(set.digest().0),
            },
        }
    }

    /// The role as `GET /v1/node/info`, `GET /health` and `weft_node_role` report it: a node
    /// that signs blocks is a producer.
    pub(crate) const fn report(&self) -> NodeRole {
        match self {
            Self::Producer { .. } | Self::Publisher { .. } => NodeRole::Producer,
            Self::Follower { .. } => NodeRole::Full,
            Self::Validator { .. } => NodeRole::Validator,
        }
    }

    /// What the data dir records for this role.
    fn record(&self) -> ChainRecord {
        let producer = match self {
            Self::Validator { set, .. } => ProducerKey(set.digest().0),
            _ => self.producer_key(),
        };
        ChainRecord {
            producing: !matches!(self, Self::Follower { .. }),
            producer,
        }
    }
}

/// The record of a data dir written before records were kept: the key that signed its chain
/// (its first and its newest header: a follower restarted as a producer signed the newest
/// ones with another key, and such a chain is refused), produced by this node when its own
/// `producer.key` is that key. None for a data dir without blocks.
fn inferred(store: &Store, dir: &Path) -> Result<Option<ChainRecord>> {
    let head = store.head()?;
    if head == 0 {
        return Ok(None);
    }
    let header = |height: u64| -> Result<Header> {
        store.header(height)?.ok_or_else(|| {
            crate::store::StoreError::corrupt(
                "header",
                format!("height {height} of {head} missing"),
            )
            .into()
        })
    };
    let (first, last) = (header(1)?, header(head)?);
    let producer = first.unsigned.producer;
    if last.unsigned.producer != producer {
        return Err(NodeError::MixedChain {
            data_dir: dir.to_path_buf(),
            first: producer,
            last: last.unsigned.producer,
            head,
        });
    }
    let own = keys::existing_producer_key(dir)?.map(|k| ProducerKey::of(&k));
    Ok(Some(ChainRecord {
        producing: own == Some(producer),
        producer,
    }))
}

/// The error for a node started as `wanted` on a data dir that holds `held`.
fn mismatch(dir: &Path, held: ChainRecord, wanted: ChainRecord) -> NodeError {
    let (flag, fix) = match (held.producing, wanted.producing) {
        (true, true) => (
            "--data-dir",
            format!(
                "its {} holds key {}: put back the key that signed this chain, or use a new \
                 --data-dir",
                keys::PRODUCER_KEY_FILE,
                wanted.producer
            ),
        ),
        (true, false) => (
            "--producer-key",
            format!(
                "start without --producer-key to keep producing, or with a new --data-dir to \
                 follow {}",
                wanted.producer
            ),
        ),
        (false, _) => (
            "--producer-key",
            format!(
                "start with --producer-key {} to follow it, or with a new --data-dir to follow {}",
                held.producer, wanted.producer
            ),
        ),
    };
    NodeError::WrongChain {
        flag,
        data_dir: dir.to_path_buf(),
        held,
        fix,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(producing: bool, byte: u8) -> ChainRecord {
        ChainRecord {
            producing,
            producer: ProducerKey([byte; 32]),
        }
    }

    #[test]
    fn each_mismatch_names_the_flag_to_change() {
        let dir = Path::new("b");
        let cases = [
            (record(false, 1), record(false, 2), "--producer-key"),
            (record(true, 1), record(false, 2), "--producer-key"),
            (record(true, 1), record(true, 2), "--data-dir"),
        ];
        for (held, wanted, flag) in cases {
            let message = mismatch(dir, held, wanted).to_string();
            assert!(message.starts_with(flag), "{message}");
            assert!(message.contains(&held.producer.to_string()), "{message}");
        }
    }
}
