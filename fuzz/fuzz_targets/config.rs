//! Settings files: a node's `weft.toml` and a light client's `--config` file parse or are
//! refused with a message, and a node's settings that parse are checked without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use weft_config::{light::LightSettings, node::NodeConfig, parse};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(node) = parse::<NodeConfig>(text) {
        let _ = node.validate();
    }
    let _ = parse::<LightSettings>(text);
});
