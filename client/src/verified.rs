//! Verified reads (PROTOCOL §5, §7, §12): a node is trusted for nothing. A header must carry the
//! signature of the producer key the caller trusts — never the key the header names itself — or,
//! on a chain run by validators, a validator's signature and a certificate of more than two
//! thirds of the genesis validators (or, for a block the engine finalized through a
//! descendant, a link by parent hashes to a header that has one; at most [`MAX_DESCENDANTS`]
//! above it), and, when asked, link by parent hash to a header the caller already trusts. Blobs of a
//! namespace must come with a completeness proof against the signed header's `index_root` and
//! `blob_count`, and every blob must match the commitment its index entry names.

use base64::{engine::general_purpose::STANDARD, Engine};
use weft_encoding::layout::{blob_commitment, BlobCommitment, Namespace};
use weft_types::{Finality, Header, ProducerKey, Trust};

use crate::{Client, ClientError};

/// Most headers fetched to link a height to a trusted one.
pub const MAX_LINK: u64 = 4096;
/// Most headers fetched above a header finalized through a descendant to find the descendant
/// with its own certificate (PROTOCOL §12).
pub const MAX_DESCENDANTS: u64 = 16;

/// One blob, verified against a signed header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedBlob {
    /// Height of its block.
    pub height: u64,
    /// Position in the block's index.
    pub index: u32,
    /// Namespace.
    pub namespace: Namespace,
    /// Commitment (`blob_commitment(namespace, data)`, as the signed index names it).
    pub commitment: BlobCommitment,
    /// The bytes.
    pub data: Vec<u8>,
}

/// A client that verifies everything it reads against a trusted producer key or a chain's
/// validator set.
#[derive(Debug, Clone)]
pub struct VerifiedClient {
    client: Client,
    trust: Trust,
}

impl VerifiedClient {
    /// Reads through `client`, trusting only headers signed by `producer` (learn it from a node
    /// you trust, e.g. `weft node info`, or from the rollup's configuration).
    pub const fn new(client: Client, producer: ProducerKey) -> Self {
        Self {
            client,
            trust: Trust::Producer(producer),
        }
    }

    /// Reads through `client`, trusting only headers that verify against `trust`: on a chain
    /// run by validators (`Trust::Validators`, from its genesis file), only headers signed by
    /// a validator with a finality certificate of more than two thirds of them (PROTOCOL §12).
    pub const fn with_trust(client: Client, trust: Trust) -> Self {
        Self { client, trust }
    }

    /// What headers are checked against.
    pub const fn trust(&self) -> &Trust {
        &self.trust
    }

    /// The unverified client underneath.
    pub const fn client(&self) -> &Client {
        &self.client
    }

    /// The header at `height`, signed by the trusted producer.
    ///
    /// # Errors
    /// [`ClientError::Misbehaving`] for a header of another height, another key or a bad
    /// signature, or a wrong hash; [`ClientError::NotFound`]; transport errors.
    pub async fn header(&self, height: u64) -> Result<Header, ClientError> {
        let view = self.client.header(height).await?;
        let (header, finality) = self.check(view.header, view.hash, Some(height))?;
        if finality == Finality::AwaitsDescendant {
            self.through_descendant(&header).await?;
        }
        Ok(header)
    }

    /// The newest header, signed by the trusted producer.
    ///
    /// # Errors
    /// As [`Self::header`].
    pub async fn head(&self) -> Result<Header, ClientError> {
        let view = self.client.head().await?;
        let (header, finality) = self.check(view.header, view.hash, None)?;
        if finality == Finality::AwaitsDescendant {
            self.through_descendant(&header).await?;
        }
        Ok(header)
    }

    /// Checks that `header` (signed by a validator, without its own certificate) is final
    /// through a descendant: fetches the headers above it up to the first with its own
    /// certificate (at most [`MAX_DESCENDANTS`]) and verifies the run.
    ///
    /// # Errors
    /// [`ClientError::NotFound`] when no certified descendant is there yet;
    /// [`ClientError::Misbehaving`] for a run that does not link or verify; transport errors.
    async fn through_descendant(&self, header: &Header) -> Result<(), ClientError> {
        let mut run = vec![header.clone()];
        for h in header.height() + 1..=header.height() + MAX_DESCENDANTS {
            let view = match self.client.header(h).await {
                Ok(view) => view,
                Err(ClientError::NotFound(_)) => break,
                Err(e) => return Err(e),
            };
            let (next, finality) = self.check(view.header, view.hash, Some(h))?;
            run.push(next);
            if finality == Finality::Final {
                break;
            }
        }
        match weft_types::verify_run(&run, &self.trust) {
            Ok(0) => Err(ClientError::NotFound(format!(
                "header {} is not final yet: no header above it (within {MAX_DESCENDANTS}) carries its own certificate",
                header.height()
            ))),
            Ok(_) => Ok(()),
            Err(e) => Err(self
                .client
                .misbehaving(format!("header {}: {e}", header.height()))),
        }
    }

    fn check(
        &self,
        header: Header,
        hash: weft_encoding::layout::Digest32,
        height: Option<u64>,
    ) -> Result<(Header, Finality), ClientError> {
        if height.is_some_and(|h| h != header.height()) {
            return Err(self.client.misbehaving(format!(
                "asked for header {}, got {}",
                height.unwrap_or(0),
                header.height()
            )));
        }
        let finality = header.verify_or_defer(&self.trust).map_err(|e| {
            self.client
                .misbehaving(format!("header {}: {e}", header.height()))
        })?;
        if header.hash() != hash {
            return Err(self.client.misbehaving(format!(
                "header {} served with a wrong hash",
                header.height()
            )));
        }
        Ok((header, finality))
    }

    /// The header at `height`, linked by parent hashes to `trusted` (a header the caller
    /// already holds, at or below `height`; at most [`MAX_LINK`] apart).
    ///
    /// # Errors
    /// [`ClientError::Input`] when `height` is below `trusted` or too far above it;
    /// [`ClientError::Misbehaving`] for a header that does not link; as [`Self::header`].
    pub async fn header_linked(
        &self,
        trusted: &Header,
        height: u64,
    ) -> Result<Header, ClientError> {
        if height < trusted.height() || height - trusted.height() > MAX_LINK {
            return Err(ClientError::Input(format!(
                "height {height} is not within {MAX_LINK} above the trusted header {}",
                trusted.height()
            )));
        }
        let mut parent = trusted.clone();
        for h in trusted.height() + 1..=height {
            let next = self.header(h).await?;
            if !next.follows(&parent) {
                return Err(self
                    .client
                    .misbehaving(format!("header {h} does not link to the trusted chain")));
            }
            parent = next;
        }
        Ok(parent)
    }

    /// Every blob of `namespace` at `height`, with the proof that none was left out, each
    /// checked against its commitment.
    ///
    /// # Errors
    /// [`ClientError::Misbehaving`] for a proof that does not verify or does not cover the
    /// blobs served, or a blob that does not match its commitment; as [`Self::header`].
    pub async fn get_blobs(
        &self,
        height: u64,
        namespace: &Namespace,
    ) -> Result<Vec<VerifiedBlob>, ClientError> {
        let header = self.header(height).await?;
        let served = self.client.blobs(height, namespace).await?;
        if served.height != height || served.namespace != *namespace {
            return Err(self.client.misbehaving(format!(
                "asked for {namespace} at {height}, got {} at {}",
                served.namespace, served.height
            )));
        }
        let entries = served
            .proof
            .verify(
                &header.unsigned.index_root.0,
                header.unsigned.blob_count,
                namespace,
            )
            .map_err(|e| {
                self.client
                    .misbehaving(format!("namespace proof at {height}: {e}"))
            })?;
        if entries.len() != served.blobs.len() {
            return Err(self.client.misbehaving(format!(
                "the signed index holds {} blobs of {namespace} at {height}; {} served",
                entries.len(),
                served.blobs.len()
            )));
        }
        entries
            .into_iter()
            .zip(served.blobs)
            .map(|((index, entry), view)| {
                let data = STANDARD.decode(view.data.as_bytes()).map_err(|e| {
                    self.client
                        .misbehaving(format!("blob {index} at {height}: bad base64: {e}"))
                })?;
                if view.index != index
                    || data.len() != entry.len as usize
                    || blob_commitment(namespace, &data) != entry.commitment
                {
                    return Err(self.client.misbehaving(format!(
                        "blob {index} at {height} does not match its signed index entry"
                    )));
                }
                Ok(VerifiedBlob {
                    height,
                    index,
                    namespace: *namespace,
                    commitment: entry.commitment,
                    data,
                })
            })
            .collect()
    }

    /// The blob with this commitment, verified through its block's signed index.
    ///
    /// # Errors
    /// [`ClientError::Misbehaving`] when the node points at a block whose index does not hold
    /// it; as [`Self::get_blobs`].
    pub async fn get_blob_by_commitment(
        &self,
        commitment: &BlobCommitment,
    ) -> Result<VerifiedBlob, ClientError> {
        let view = self.client.blob_by_commitment(commitment).await?;
        self.get_blobs(view.height, &view.namespace)
            .await?
            .into_iter()
            .find(|b| b.commitment == *commitment)
            .ok_or_else(|| {
                self.client.misbehaving(format!(
                    "names block {} for blob {commitment}, whose signed index does not hold it",
                    view.height
                ))
            })
    }
}
