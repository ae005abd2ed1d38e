//! Node configuration: the settings and their checks live in `weft_config::node` (so that tools
//! and fuzzing parse them without the node); this module reads and writes the file.

use std::path::Path;

pub use weft_config::node::*;

use crate::error::{NodeError, Result};

/// Reads a TOML file; if it does not exist, writes the defaults there and returns them.
pub fn load_or_create(path: &Path) -> Result<NodeConfig> {
    match std::fs::read_to_string(path) {
        Ok(text) => weft_config::parse(&text)
            .map_err(|e| NodeError::Config(format!("{}: {e}", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let config = NodeConfig::default();
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|source| NodeError::Io {
                    path: dir.into(),
                    source,
                })?;
            }
            let text =
                toml::to_string_pretty(&config).map_err(|e| NodeError::Config(e.to_string()))?;
            std::fs::write(path, text).map_err(|source| NodeError::Io {
                path: path.into(),
                source,
            })?;
            Ok(config)
        }
        Err(source) => Err(NodeError::Io {
            path: path.into(),
            source,
        }),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn defaults_round_trip_through_toml_and_validate() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("weft.toml");
        let created = load_or_create(&path).unwrap();
        assert_eq!(created, NodeConfig::default());
        assert_eq!(load_or_create(&path).unwrap(), created);
        created.validate().unwrap();
        std::fs::write(&path, "block_time = \"500ms\"\nmax_k = 8\n").unwrap();
        let partial = load_or_create(&path).unwrap();
        assert_eq!(
            (partial.block_time, partial.max_k),
            (Duration::from_millis(500), 8)
        );
        std::fs::write(&path, "encoder = \"cpu\"\n").unwrap();
        assert_eq!(
            load_or_create(&path).unwrap().encoder,
            weft_config::node::EncoderChoice::Cpu
        );
        std::fs::write(&path, "encoder = \"gpu\"\n").unwrap();
        assert!(load_or_create(&path)
            .unwrap_err()
            .to_string()
            .contains("unknown variant `gpu`"));
        std::fs::write(&path, "blok_time = \"1s\"\n").unwrap();
        assert!(load_or_create(&path)
            .unwrap_err()
            .to_string()
            .contains("unknown field"));
    }
}
