//! The workspace's shape, checked on every run (issue 21): no source file over
//! [`MAX_LINES`] lines, and no cycle between the top-level modules of any crate (a module that
//! `use`s `crate::b` while `b` uses it back, as `block ↔ sync` once did).

use std::{
    collections::{BTreeMap, BTreeSet},
    path::{Path, PathBuf},
};

/// Longest source file allowed, in lines.
const MAX_LINES: usize = 500;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace root")
        .to_path_buf()
}

/// Every `.rs` file under `dir`, recursively.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if path.is_dir() {
            if name != "target" && !name.to_string_lossy().starts_with('.') {
                out.extend(rust_files(&path));
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}

/// The packages: every directory of the root with a `Cargo.toml` (the fuzz targets too).
fn packages() -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(root())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("Cargo.toml").exists())
        .collect();
    out.sort();
    out
}

#[test]
fn no_source_file_is_over_the_limit() {
    let mut long = Vec::new();
    for package in packages() {
        for file in rust_files(&package) {
            let lines = std::fs::read_to_string(&file).unwrap().lines().count();
            if lines > MAX_LINES {
                long.push(format!("{} ({lines} lines)", file.display()));
            }
        }
    }
    assert!(
        long.is_empty(),
        "over {MAX_LINES} lines: {}",
        long.join(", ")
    );
}

/// The top-level modules named after `crate::` in `text` (`crate::a::b`, `crate::{a, b::c}`).
fn crate_references(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    for (i, _) in text.match_indices("crate::") {
        if i > 0 && text[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == '$') {
            continue;
        }
        let rest = &text[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // The names at the group's first level.
            let mut depth = 0;
            let mut start = true;
            for (j, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => start = true,
                    c if c.is_whitespace() => {}
                    _ if start && depth == 0 => {
                        start = false;
                        let name = ident(&group[j..]);
                        if !name.is_empty() {
                            out.insert(name);
                        }
                    }
                    _ => {}
                }
            }
        } else {
            let name = ident(rest);
            if !name.is_empty() {
                out.insert(name);
            }
        }
    }
    out
}

/// Names the crate root re-exports (`pub use module::{A, B};` in `lib.rs` or `main.rs`), by
/// the module they come from: `crate::A` depends on `module`.
fn root_aliases(src: &Path) -> BTreeMap<String, String> {
    let mut aliases = BTreeMap::new();
    let root: String = ["lib.rs", "main.rs"]
        .iter()
        .filter_map(|f| std::fs::read_to_string(src.join(f)).ok())
        .collect();
    for statement in root.split(';') {
        let statement = statement.trim();
        let Some(path) = statement
            .strip_prefix("pub use ")
            .or_else(|| statement.strip_prefix("pub(crate) use "))
        else {
            continue;
        };
        let Some((module, names)) = path.split_once("::") else {
            continue;
        };
        let names = names.trim_start_matches('{').trim_end_matches('}');
        for name in names.split(',') {
            let name = name.split(" as ").last().unwrap_or(name).trim();
            let name = name.rsplit("::").next().unwrap_or(name);
            if !name.is_empty() {
                aliases.insert(name.to_string(), module.trim().to_string());
            }
        }
    }
    aliases
}

/// The crate's top-level modules and the others each one references.
fn module_graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let aliases = root_aliases(src);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in rust_files(src) {
        let relative = file.strip_prefix(src).unwrap();
        let first = relative.components().next().unwrap().as_os_str();
        let module = Path::new(first)
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .to_string();
        if ["lib", "main"].contains(&module.as_str()) && relative.components().count() == 1 {
            continue;
        }
        // Code only: a doc link to another module is no dependency.
        let text: String = std::fs::read_to_string(&file)
            .unwrap()
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        let refs = graph.entry(module.clone()).or_default();
        refs.extend(
            crate_references(&text)
                .into_iter()
                .map(|m| aliases.get(&m).cloned().unwrap_or(m))
                .filter(|m| *m != module),
        );
    }
    let modules: BTreeSet<String> = graph.keys().cloned().collect();
    for refs in graph.values_mut() {
        refs.retain(|m| modules.contains(m));
    }
    graph
}

/// A cycle in `graph`, as the modules along it, if there is one.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut cycle = path[at..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|n| visit(n, graph, &mut Vec::new(), &mut done))
}

#[test]
fn no_crate_has_a_cycle_between_its_modules() {
    let mut cycles = Vec::new();
    for krate in packages().into_iter().filter(|p| p.join("src").is_dir()) {
        if let Some(cycle) = find_cycle(&module_graph(&krate.join("src"))) {
            cycles.push(format!("{}: {}", krate.display(), cycle.join(" → ")));
        }
    }
    assert!(cycles.is_empty(), "module cycles: {}", cycles.join("; "));
}

#[test]
fn the_cycle_check_finds_a_cycle_and_reads_grouped_imports() {
    assert_eq!(
        crate_references("use crate::{a::X, b, c::{d, e}};\nlet y = crate::f::g();"),
        ["a", "b", "c", "f"].map(String::from).into()
    );
    assert!(crate_references("use weft_crate::a; $crate::b").is_empty());
    let graph: BTreeMap<String, BTreeSet<String>> = [
        ("block", vec!["store", "sync"]),
        ("sync", vec!["block"]),
        ("store", vec![]),
    ]
    .into_iter()
    .map(|(m, refs)| (m.into(), refs.into_iter().map(String::from).collect()))
    .collect();
    assert_eq!(
        find_cycle(&graph),
        Some(["block", "sync", "block"].map(String::from).to_vec())
    );
    let mut fixed = graph;
    fixed.get_mut("sync").unwrap().clear();
    assert_eq!(find_cycle(&fixed), None);
}
