//! Where finished heights are kept so a restart does not sample them again: an append-only
//! JSON-lines file natively (synced after each line; a torn last line is ignored), memory in
//! the browser.

use crate::record::HeightRecord;

/// Persistence of finished height records.
pub trait RecordStore: Send {
    /// Every record saved so far.
    fn load(&mut self) -> Vec<HeightRecord>;
    /// Saves a finished record.
    fn save(&mut self, record: &HeightRecord) -> std::io::Result<()>;
}

/// Records kept in memory only.
#[derive(Debug, Default)]
pub struct MemoryRecords(Vec<HeightRecord>);

impl RecordStore for MemoryRecords {
    fn load(&mut self) -> Vec<HeightRecord> {
        self.0.clone()
    }
    fn save(&mut self, record: &HeightRecord) -> std::io::Result<()> {
        self.0.push(record.clone());
        Ok(())
    }
}

/// Records in `<dir>/light-records-<producer>.jsonl`: one file per producer key, so a data dir
/// reused for another chain starts afresh.
#[cfg(not(target_arch = "wasm32"))]
#[derive(Debug)]
pub struct FileRecords {
    path: std::path::PathBuf,
}

#[cfg(not(target_arch = "wasm32"))]
impl FileRecords {
    /// Records for `producer` in `dir` (created if needed).
    pub fn open(
        dir: &std::path::Path,
        producer: &weft_types::ProducerKey,
    ) -> std::io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let tag = &producer.to_hex()[2..18];
        Ok(Self {
            path: dir.join(format!("light-records-{tag}.jsonl")),
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
        std::fs::read_to_string(&self.path)
            .map(|text| {
                text.lines()
                    .filter_map(|l| serde_json::from_str(l).ok())
                    .collect()
            })
            .unwrap_or_default()
    }

    fn save(&mut self, record: &HeightRecord) -> std::io::Result<()> {
        use std::io::Write;
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)?;
        let mut line = serde_json::to_vec(record).map_err(std::io::Error::other)?;
        line.push(b'\n');
        file.write_all(&line)?;
        file.sync_data()
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn file_records_survive_reopen_and_a_torn_line() {
        let dir = tempfile::tempdir().unwrap();
        let record = HeightRecord::example(3);
        let producer = weft_types::ProducerKey([7; 32]);
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
        let other = weft_types::ProducerKey([8; 32]);
        assert!(FileRecords::open(dir.path(), &other)
            .unwrap()
            .load()
            .is_empty());
    }
}
