//! The node's RocksDB store: headers, squares (cells with proofs), blob indexes, pending blobs
//! and receipts. A block is written in one synced WriteBatch together with the head pointer, so
//! after a crash the store holds whole blocks only, and every acknowledged blob is in one.

mod blobs;
mod chain;
mod error;
mod evidence;
mod finalized;
mod inclusion;
mod pending;
mod prune;
pub mod schema;

use std::{
    path::Path,
    sync::{atomic::AtomicU64, Arc},
};

use rocksdb::{ColumnFamilyDescriptor, IteratorMode, Options, WriteBatch, WriteOptions, DB};
use schema::*;
use weft_encoding::{
    constants::{BYTES_PER_CELL, BYTES_PER_G1, CELLS_PER_ROW},
    layout::{BlobCommitment, IndexEntry, INDEX_ENTRY_BYTES},
    Cell, Commitment, ExtendedSquare, Proof,
};
use weft_types::Header;

pub use blobs::BlobReader;
pub use chain::ChainRecord;
pub use inclusion::Inclusion;

pub use error::{Result, StoreError};

/// A block ready to store: its header, all 2k row commitments, its square and its index.
#[derive(Debug, Clone)]
pub struct StoredBlock {
    /// The header.
    pub header: Header,
    /// All 2k row commitments (empty for k = 0).
    pub commitments: Vec<Commitment>,
    /// The square (none for k = 0).
    pub square: Option<ExtendedSquare>,
    /// The blob index.
    pub index: Vec<IndexEntry>,
}

/// A whole row: 128 cells and their proofs.
pub type StoredRow = (Vec<Box<Cell>>, Vec<Proof>);

/// What a cell read can find.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup<T> {
    /// Here it is.
    Found(T),
    /// No such block (yet), or no such cell.
    Missing,
    /// The block's square was pruned.
    Pruned,
}

/// The store. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    db: Arc<DB>,
    path: std::path::PathBuf,
    /// Next pending-blob id: above every id ever stored, pending or included.
    next_pending: Arc<AtomicU64>,
    /// True while a compaction of pruned cells runs.
    compacting: Arc<std::sync::atomic::AtomicBool>,
    /// True when the small column families are due a whole compaction.
    small_due: Arc<std::sync::atomic::AtomicBool>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

/// Bytes of write-ahead log kept before the column families holding the oldest are flushed.
pub const MAX_TOTAL_WAL_BYTES: u64 = 128 << 20;

/// Pruning passes a multiple of this many heights → the pruned cells are compacted away.
pub const COMPACT_EVERY: u64 = 16;

/// Every this many heights the small column families are compacted whole.
pub const COMPACT_SMALL_EVERY: u64 = 128;

/// Table files RocksDB keeps open unless told otherwise.
pub const DEFAULT_MAX_OPEN_FILES: i32 = 256;

impl Store {
    /// Opens (or creates) the store at `path`, keeping at most [`DEFAULT_MAX_OPEN_FILES`]
    /// table files open.
    ///
    /// # Errors
    /// [`StoreError`]: the directory is locked by another process, unreadable, or of a newer
    /// store format.
    pub fn open(path: &Path) -> Result<Self> {
        Self::open_with(path, DEFAULT_MAX_OPEN_FILES)
    }

    /// Opens (or creates) the store at `path`, keeping at most `max_open_files` table files
    /// open (RocksDB's `max_open_files`; its WAL and manifest need a few more).
    ///
    /// # Errors
    /// As [`Self::open`].
    pub fn open_with(path: &Path, max_open_files: i32) -> Result<Self> {
        let mut options = Options::default();
        options.set_max_open_files(max_open_files);
        // With several column families a WAL file is deleted only once every family has
        // flushed what it holds; the quiet ones (headers, meta) would pin every WAL file for
        // ever (a 10-minute soak left 19 of 78 MB). Past this total the oldest are flushed.
        options.set_max_total_wal_size(MAX_TOTAL_WAL_BYTES);
        options.create_if_missing(true);
        options.create_missing_column_families(true);
        options.set_compression_type(rocksdb::DBCompressionType::Lz4);
        let cfs = ALL_CFS
            .iter()
            .map(|name| ColumnFamilyDescriptor::new(*name, Options::default()));
        let db = DB::open_cf_descriptors(&options, path, cfs).map_err(|e| StoreError::Db {
            path: path.to_path_buf(),
            reason: if e.to_string().contains("lock") {
                format!("{e} (is another node using this --data-dir?)")
            } else {
                e.to_string()
            },
        })?;
        let last_id = |cf: &str| {
            db.iterator_cf(
                db.cf_handle(cf).expect("created at open"),
                IteratorMode::End,
            )
            .next()
            .and_then(Result::ok)
            .and_then(|(k, _)| read_u64(&k))
            .unwrap_or(0)
        };
        let next = last_id(CF_PENDING).max(last_id(CF_RECEIPTS)) + 1;
        let store = Self {
            db: Arc::new(db),
            path: path.to_path_buf(),
            next_pending: Arc::new(AtomicU64::new(next)),
            compacting: Arc::default(),
            small_due: Arc::default(),
        };
        store.migrate()?;
        Ok(store)
    }

    /// Brings a data dir of an older format up to [`FORMAT`] (in one synced batch), or refuses
    /// one written by a newer build.
    fn migrate(&self) -> Result<()> {
        match self.meta_u64(META_FORMAT)? {
            Some(FORMAT) => return Ok(()),
            Some(found) if found > FORMAT => {
                return Err(StoreError::Format {
                    path: self.path.clone(),
                    found,
                    supported: FORMAT,
                })
            }
            // Format 1 (no format key): receipts were kept as the API's JSON.
            _ => {}
        }
        let mut batch = WriteBatch::default();
        let mut migrated = 0usize;
        for item in self
            .db
            .iterator_cf(self.cf(CF_RECEIPTS), IteratorMode::Start)
        {
            let (key, value) = item.map_err(|e| self.err(e))?;
            if Inclusion::from_bytes(&value).is_some() {
                continue;
            }
            // A receipt that reads as neither format is left as it is: the node starts, and
            // only a status query for that one id reports it corrupt.
            let Some(inclusion) = Inclusion::from_format1(&value) else {
                tracing::warn!(
                    id = read_u64(&key),
                    "a stored receipt is unreadable; left as it is"
                );
                continue;
            };
            batch.put_cf(self.cf(CF_RECEIPTS), key, inclusion.to_bytes());
            migrated += 1;
        }
        batch.put_cf(self.cf(CF_META), META_FORMAT, FORMAT.to_be_bytes());
        let mut options = WriteOptions::default();
        options.set_sync(true);
        self.db
            .write_opt(batch, &options)
            .map_err(|e| self.err(e))?;
        if migrated > 0 {
            tracing::info!(migrated, "store migrated to format {FORMAT}");
        }
        Ok(())
    }

    fn err(&self, e: rocksdb::Error) -> StoreError {
        StoreError::Db {
            path: self.path.clone(),
            reason: e.to_string(),
        }
    }

    fn cf(&self, name: &str) -> &rocksdb::ColumnFamily {
        self.db
            .cf_handle(name)
            .expect("column families are created at open")
    }

    fn get(&self, cf: &str, key: &[u8]) -> Result<Option<Vec<u8>>> {
        self.db.get_cf(self.cf(cf), key).map_err(|e| self.err(e))
    }

    fn meta_u64(&self, key: &[u8]) -> Result<Option<u64>> {
        self.get(CF_META, key)?
            .map(|v| read_u64(&v).ok_or_else(|| StoreError::corrupt("meta", "not a u64")))
            .transpose()
    }

    /// Height of the newest stored block (0 before the first).
    pub fn head(&self) -> Result<u64> {
        Ok(self.meta_u64(META_HEAD)?.unwrap_or(0))
    }

    /// The equivocation proof kept (its wire form, `EquivocationProof::to_bytes`), if any.
    ///
    /// # Errors
    /// [`StoreError`] if the read fails.
    pub fn equivocation(&self) -> Result<Option<Vec<u8>>> {
        self.get(CF_META, META_EQUIVOCATION)
    }

    /// Keeps an equivocation proof (synced), replacing any before it.
    ///
    /// # Errors
    /// [`StoreError`] if the write fails.
    pub fn put_equivocation(&self, proof: &[u8]) -> Result<()> {
        self.put_meta_synced(META_EQUIVOCATION, proof)
    }

    /// Whose chain the data dir holds (`ChainRecord`'s 33 bytes), if recorded.
    ///
    /// # Errors
    /// [`StoreError`] if the read fails.
    pub fn chain_record(&self) -> Result<Option<Vec<u8>>> {
        self.get(CF_META, META_CHAIN)
    }

    /// Records whose chain the data dir holds (synced).
    ///
    /// # Errors
    /// [`StoreError`] if the write fails.
    pub fn put_chain_record(&self, record: &[u8]) -> Result<()> {
        self.put_meta_synced(META_CHAIN, record)
    }

    fn put_meta_synced(&self, key: &[u8], value: &[u8]) -> Result<()> {
        let mut options = WriteOptions::default();
        options.set_sync(true);
        self.db
            .put_cf_opt(self.cf(CF_META), key, value, &options)
            .map_err(|e| self.err(e))
    }

    /// Squares below this height are pruned.
    pub fn pruned_below(&self) -> Result<u64> {
        Ok(self.meta_u64(META_PRUNED_BELOW)?.unwrap_or(0))
    }

    /// A stored header.
    pub fn header(&self, height: u64) -> Result<Option<Header>> {
        self.get(CF_HEADERS, &height_key(height))?
            .map(|b| Header::from_bytes(&b).map_err(|e| StoreError::corrupt("header", e)))
            .transpose()
    }

    /// Headers `from..from + count` that exist, ascending.
    pub fn headers(&self, from: u64, count: u64) -> Result<Vec<Header>> {
        let head = self.head()?;
        (from.max(1)..from.saturating_add(count).min(head + 1))
            .map_while(|h| self.header(h).transpose())
            .collect()
    }

    /// All 2k commitments of a block.
    pub fn commitments(&self, height: u64) -> Result<Option<Vec<Commitment>>> {
        Ok(self.get(CF_COMMITMENTS, &height_key(height))?.map(|b| {
            b.chunks_exact(BYTES_PER_G1)
                .map(|c| Commitment(c.try_into().expect("48-byte chunk")))
                .collect()
        }))
    }

    /// The blob index of a block.
    pub fn index(&self, height: u64) -> Result<Option<Vec<IndexEntry>>> {
        Ok(self.get(CF_INDEX, &height_key(height))?.map(|b| {
            b.chunks_exact(INDEX_ENTRY_BYTES)
                .map(|e| IndexEntry::from_bytes(e.try_into().expect("56-byte chunk")))
                .collect()
        }))
    }

    /// A reader of one block's cells, after checking once that the block is stored and not
    /// pruned.
    pub fn square(&self, height: u64) -> Result<Lookup<SquareReader<'_>>> {
        if height == 0 || height > self.head()? {
            Ok(Lookup::Missing)
        } else if height < self.pruned_below()? {
            Ok(Lookup::Pruned)
        } else {
            Ok(Lookup::Found(SquareReader {
                store: self,
                height,
            }))
        }
    }

    /// One cell with its proof.
    pub fn cell(&self, height: u64, row: u16, col: u16) -> Result<Lookup<(Box<Cell>, Proof)>> {
        match self.square(height)? {
            Lookup::Found(square) => square.cell(row, col),
            Lookup::Missing => Ok(Lookup::Missing),
            Lookup::Pruned => Ok(Lookup::Pruned),
        }
    }

    /// A whole row: 128 cells and proofs.
    pub fn row(&self, height: u64, row: u16) -> Result<Lookup<StoredRow>> {
        let square = match self.square(height)? {
            Lookup::Found(square) => square,
            Lookup::Missing => return Ok(Lookup::Missing),
            Lookup::Pruned => return Ok(Lookup::Pruned),
        };
        let mut cells = Vec::with_capacity(CELLS_PER_ROW);
        let mut proofs = Vec::with_capacity(CELLS_PER_ROW);
        for col in 0..CELLS_PER_ROW as u16 {
            match square.cell(row, col)? {
                Lookup::Found((c, p)) => {
                    cells.push(c);
                    proofs.push(p);
                }
                _ => return Ok(Lookup::Missing),
            }
        }
        Ok(Lookup::Found((cells, proofs)))
    }

    /// Where a blob with this commitment was included.
    pub fn blob_location(&self, commitment: &BlobCommitment) -> Result<Option<(u64, u32)>> {
        Ok(self.get(CF_BY_COMMITMENT, &commitment.0)?.and_then(|v| {
            Some((
                read_u64(&v[..8])?,
                u32::from_be_bytes(v[8..12].try_into().ok()?),
            ))
        }))
    }

    /// Stores the header of the block after the head without its data, because every peer
    /// had already pruned it (a node joining after the network pruned): the head advances,
    /// and the height counts as pruned (`pruned_below` moves past it), as do all before it.
    ///
    /// # Errors
    /// [`StoreError`] if the write fails.
    pub fn put_header_only(&self, header: &Header) -> Result<()> {
        let height = header.height();
        let mut batch = WriteBatch::default();
        batch.put_cf(self.cf(CF_HEADERS), height_key(height), header.to_bytes());
        batch.put_cf(self.cf(CF_META), META_HEAD, height.to_be_bytes());
        let pruned = self.prune_below(&mut batch, height.saturating_add(1))?;
        self.commit_block(batch, height, pruned)
    }

    /// Writes a block's batch synced, then reclaims what its pruning freed.
    fn commit_block(
        &self,
        batch: WriteBatch,
        height: u64,
        pruned: Option<(u64, u64)>,
    ) -> Result<()> {
        let mut options = WriteOptions::default();
        options.set_sync(true);
        self.db
            .write_opt(batch, &options)
            .map_err(|e| self.err(e))?;
        self.reclaim(height, pruned);
        Ok(())
    }

    /// Writes a block, its receipts and the new head in one synced batch (dropping the
    /// finalized block kept for its height, if any), and prunes.
    pub fn put_block(
        &self,
        block: &StoredBlock,
        included: &[(u64, Inclusion)],
        prune_after: Option<u64>,
    ) -> Result<()> {
        let height = block.header.height();
        let mut batch = WriteBatch::default();
        batch.put_cf(
            self.cf(CF_HEADERS),
            height_key(height),
            block.header.to_bytes(),
        );
        let commitments: Vec<u8> = block.commitments.iter().flat_map(|c| c.0).collect();
        batch.put_cf(self.cf(CF_COMMITMENTS), height_key(height), commitments);
        if let Some(square) = &block.square {
            let mut value = Vec::with_capacity(BYTES_PER_CELL + BYTES_PER_G1);
            for p in square.positions() {
                value.clear();
                value.extend_from_slice(square.cell(p.row.into(), p.col.into()));
                value.extend_from_slice(&square.proof(p.row.into(), p.col.into()).0);
                batch.put_cf(self.cf(CF_CELLS), cell_key(height, p.row, p.col), &value);
            }
        }
        let index: Vec<u8> = block.index.iter().flat_map(|e| e.to_bytes()).collect();
        batch.put_cf(self.cf(CF_INDEX), height_key(height), index);
        for (i, entry) in block.index.iter().enumerate() {
            let mut loc = height.to_be_bytes().to_vec();
            loc.extend_from_slice(&(i as u32).to_be_bytes());
            batch.put_cf(self.cf(CF_BY_COMMITMENT), entry.commitment.0, loc);
        }
        for (id, inclusion) in included {
            batch.delete_cf(self.cf(CF_PENDING), id.to_be_bytes());
            batch.put_cf(self.cf(CF_RECEIPTS), id.to_be_bytes(), inclusion.to_bytes());
        }
        batch.put_cf(self.cf(CF_META), META_HEAD, height.to_be_bytes());
        // A validator's finalized block, kept until now (`Store::put_finalized`).
        batch.delete_cf(self.cf(CF_META), finalized::finalized_key(height));
        let pruned = match prune_after.filter(|&keep| height > keep) {
            Some(keep) => self.prune_below(&mut batch, height - keep + 1)?,
            None => None,
        };
        self.commit_block(batch, height, pruned)
    }
}

/// Reads the cells of one stored, unpruned block.
#[derive(Debug, Clone, Copy)]
pub struct SquareReader<'a> {
    store: &'a Store,
    height: u64,
}

impl SquareReader<'_> {
    /// One cell with its proof.
    pub fn cell(&self, row: u16, col: u16) -> Result<Lookup<(Box<Cell>, Proof)>> {
        Ok(
            match self.store.get(CF_CELLS, &cell_key(self.height, row, col))? {
                Some(v) => Lookup::Found(split_cell(&v)?),
                None => Lookup::Missing,
            },
        )
    }
}

fn split_cell(v: &[u8]) -> Result<(Box<Cell>, Proof)> {
    if v.len() != BYTES_PER_CELL + BYTES_PER_G1 {
        return Err(StoreError::corrupt("cell", format!("{} bytes", v.len())));
    }
    let cell: Box<Cell> = Box::new(v[..BYTES_PER_CELL].try_into().expect("2048 bytes"));
    Ok((
        cell,
        Proof(v[BYTES_PER_CELL..].try_into().expect("48 bytes")),
    ))
}

#[cfg(test)]
mod tests;
