//! Where finished heights are kept so a restart does not sample them again: an append-only
//! JSON-lines file natively (synced after each line; a torn last line is ignored), memory in
//! the browser. Both keep the newest [`MAX_RECORDS`]; the file is rewritten with those (atomically)
//! once it holds twice as many.

use std::collections::VecDeque;

use crate::record::HeightRecord;

/// Finished heights remembered (about 5.5 hours of 2 s blocks); older ones are forgotten.
pub const MAX_RECORDS: usize = 10_000;

/// Persistence of finished height records.
pub trait RecordStore: Send {
    /// Every record saved so far.
    fn load(&mut self) -> Vec<HeightRecord>;
    /// Saves a finished record.
    fn save(&mut self, record: &HeightRecord) -> std::io::Result<()>;
}

/// Records kept in memory only (the newest [`MAX_RECORDS`]).
#[derive(Debug, Default)]
pub struct MemoryRecords(VecDeque<HeightRecord>);

impl RecordStore for MemoryRecords {
    fn load(&mut self) -> Vec<HeightRecord> {
        self.0.iter().cloned().collect()
    }
    fn save(&mut self, record: &HeightRecord) -> std::io::Result<()> {
        self.0.push_back(record.clone());
        if self.0.len() > MAX_RECORDS {
            self.0.pop_front();
        }
        Ok(())
    }
}

/// Records in `<dir>/light-records-<producer>.jsonl`: one file per producer key, so a data dir
/// reused for another chain starts afresh.
#[cfg(not(target_arch = "wasm32"))]
#[derive(Debug)]
pub struct FileRecords {
    path: std::path::PathBuf,
    /// Records kept after a compaction.
    limit: usize,
    /// Lines in the file (known after `load`; counted from there).
    lines: usize,
}

#[cfg(not(target_arch = "wasm32"))]
impl FileRecords {
    /// Records for the chain `trust` names, in `dir` (created if needed).
    pub fn open(dir: &std::path::Path, trust: &weft_types::Trust) -> std::io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let id = trust.id_hex();
        let tag = &id[2..18];
        Ok(Self {
            path: dir.join(format!("light-records-{tag}.jsonl")),
            limit: MAX_RECORDS,
            lines: 0,
        })
    }

    /// The file.
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl RecordStore for FileRecords {
    fn load(&mut self) -> Vec<HeightRecord> {
        let text = std::fs::read_to_string(&self.path).unwrap_or_default();
        self.lines = text.lines().count();
        let mut records: Vec<HeightRecord> = text
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect();
        let excess = records.len().saturating_sub(self.limit);
        records.drain(..excess);
        records
    }

    fn save(&mut self, record: &HeightRecord) -> std::io::Result<()> {
        use std::io::Write;
        if self.lines >= 2 * self.limit {
            self.compact()?;
        }
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)?;
        let mut line = serde_json::to_vec(record).map_err(std::io::Error::other)?;
        line.push(b'\n');
        file.write_all(&line)?;
        self.lines += 1;
        file.sync_data()
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl FileRecords {
    /// Rewrites the file with its newest `limit` records: a synced temporary file renamed over
    /// it, so a crash leaves the old file or the new one, never a mix.
    fn compact(&mut self) -> std::io::Result<()> {
        use std::io::Write;
        let keep = self.load();
        let tmp = self.path.with_extension("jsonl.tmp");
        let mut file = std::fs::File::create(&tmp)?;
        for record in &keep {
            let mut line = serde_json::to_vec(record).map_err(std::io::Error::other)?;
            line.push(b'\n');
            file.write_all(&line)?;
        }
        file.sync_all()?;
        std::fs::rename(&tmp, &self.path)?;
        if let Some(dir) = self.path.parent() {
            std::fs::File::open(dir)?.sync_all()?;
        }
        self.lines = keep.len();
        Ok(())
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn file_records_survive_reopen_and_a_torn_line() {
        let dir = tempfile::tempdir().unwrap();
        let record = HeightRecord::example(3);
        let producer = weft_types::Trust::from(weft_types::ProducerKey([7; 32]));
        let mut records = FileRecords::open(dir.path(), &producer).unwrap();
        records.save(&record).unwrap();
        // A crash mid-write leaves a partial line: it is skipped.
        let path = records.path().to_path_buf();
        let torn = format!(
            "{}\n{{\"height\":4,",
            serde_json::to_string(&record).unwrap()
        );
        std::fs::write(&path, torn).unwrap();
        assert_eq!(
            FileRecords::open(dir.path(), &producer).unwrap().load(),
            vec![record]
        );
        // Another producer's records are kept apart.
        let other = weft_types::Trust::from(weft_types::ProducerKey([8; 32]));
        assert!(FileRecords::open(dir.path(), &other)
            .unwrap()
            .load()
            .is_empty());
    }

    #[test]
    fn records_are_bounded_in_memory_and_on_disk() {
        let dir = tempfile::tempdir().unwrap();
        let producer = weft_types::Trust::from(weft_types::ProducerKey([9; 32]));
        let mut records = FileRecords::open(dir.path(), &producer).unwrap();
        records.limit = 10;
        records.load();
        for h in 1..=35 {
            records.save(&HeightRecord::example(h)).unwrap();
        }
        let lines = std::fs::read_to_string(records.path())
            .unwrap()
            .lines()
            .count();
        assert!(lines <= 20, "compacted: {lines} lines");
        let kept: Vec<u64> = records.load().iter().map(|r| r.height).collect();
        assert_eq!(kept, (26..=35).collect::<Vec<_>>(), "the newest are kept");

        let mut memory = MemoryRecords::default();
        for h in 0..(MAX_RECORDS as u64 + 5) {
            memory.save(&HeightRecord::example(h)).unwrap();
        }
        let loaded = memory.load();
        assert_eq!(loaded.len(), MAX_RECORDS);
        assert_eq!(loaded[0].height, 5);
    }
}
