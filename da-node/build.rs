//! Embeds the light-client page (`wasm/www`: the page and the `weft-light` npm package it is
//! built from, with the wasm-bindgen output in `weft-light/pkg/` made by `scripts/build-wasm`)
//! into the node, so a `weft` binary installed anywhere serves a working
//! page. Built without it (no wasm toolchain), the node embeds nothing and serves a page that
//! says how to build it.

use std::{env, fs, path::PathBuf};

/// The page's files, as served: path, content type.
const FILES: [(&str, &str); 7] = [
    ("index.html", "text/html; charset=utf-8"),
    ("app.js", "text/javascript; charset=utf-8"),
    ("style.css", "text/css; charset=utf-8"),
    ("weft-light/index.js", "text/javascript; charset=utf-8"),
    ("weft-light/worker.js", "text/javascript; charset=utf-8"),
    (
        "weft-light/pkg/weft_wasm.js",
        "text/javascript; charset=utf-8",
    ),
    ("weft-light/pkg/weft_wasm_bg.wasm", "application/wasm"),
];

fn main() {
    let www = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap()).join("../wasm/www");
    // The directories change when files appear in them; each file when rebuilt.
    println!("cargo:rerun-if-changed={}", www.display());
    println!(
        "cargo:rerun-if-changed={}",
        www.join("weft-light").display()
    );
    println!(
        "cargo:rerun-if-changed={}",
        www.join("weft-light/pkg").display()
    );
    let mut entries = Vec::new();
    for (name, content_type) in FILES {
        let path = www.join(name);
        if path.exists() {
            println!("cargo:rerun-if-changed={}", path.display());
            let path = fs::canonicalize(&path).unwrap();
            entries.push(format!(
                "    (\"/{name}\", \"{content_type}\", include_bytes!({:?})),\n",
                path.display().to_string()
            ));
        }
    }
    let code = if entries.len() == FILES.len() {
        format!("Some(&[\n{}])", entries.concat())
    } else {
        println!(
            "cargo:warning=the light-client page is not built (run scripts/build-wasm): the node will serve a page saying so"
        );
        "None".to_string()
    };
    let out = PathBuf::from(env::var("OUT_DIR").unwrap()).join("page.rs");
    fs::write(
        out,
        format!(
            "/// The embedded page's files: path, content type, bytes (`None`: built without it).\n\
             pub(crate) const PAGE: Option<&[(&str, &str, &[u8])]> = {code};\n"
        ),
    )
    .unwrap();
}
