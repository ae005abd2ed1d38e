//! The dependency policy of `deny.toml` (cargo-deny's format), checked over `cargo metadata`
//! on every test run (issue 21, item 7): every package's licence is allowed, and no crate the
//! policy lists under `[bans] deny` appears in two versions but for the versions it `skip`s.

use std::{
    collections::{BTreeMap, BTreeSet},
    path::Path,
};

use serde_json::Value;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace root")
}

fn policy() -> toml::Value {
    let text = std::fs::read_to_string(root().join("deny.toml")).expect("deny.toml");
    toml::from_str(&text).expect("deny.toml parses")
}

/// Every package of the resolved graphs (the workspace's and the fuzz targets', all targets):
/// name, version, licence expression.
fn packages() -> Vec<(String, String, Option<String>)> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut all = Vec::new();
    for manifest in ["Cargo.toml", "fuzz/Cargo.toml"] {
        let out = std::process::Command::new(&cargo)
            .args([
                "metadata",
                "--format-version",
                "1",
                "--locked",
                "--manifest-path",
            ])
            .arg(root().join(manifest))
            .output()
            .expect("cargo metadata runs");
        assert!(
            out.status.success(),
            "cargo metadata of {manifest}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let metadata: Value = serde_json::from_slice(&out.stdout).expect("cargo metadata's JSON");
        all.extend(
            metadata["packages"]
                .as_array()
                .expect("packages")
                .iter()
                .map(|p| {
                    (
                        p["name"].as_str().unwrap().to_string(),
                        p["version"].as_str().unwrap().to_string(),
                        p["license"].as_str().map(ToString::to_string),
                    )
                }),
        );
    }
    all.sort();
    all.dedup();
    all
}

/// Whether the SPDX expression `expr` can be met with `allowed` licences (`OR` and the old
/// `/` take either side, `AND` both; `X WITH Y` is one licence); a malformed expression never
/// is.
fn satisfied(expr: &str, allowed: &BTreeSet<String>) -> bool {
    let spaced = expr
        .replace('(', " ( ")
        .replace(')', " ) ")
        .replace('/', " OR ");
    let tokens: Vec<&str> = spaced.split_whitespace().collect();
    let mut at = 0;
    or(&tokens, &mut at, allowed) == Some(true) && at == tokens.len()
}

/// `None` when the expression is malformed there.
fn or(tokens: &[&str], at: &mut usize, allowed: &BTreeSet<String>) -> Option<bool> {
    let mut ok = and(tokens, at, allowed)?;
    while tokens.get(*at) == Some(&"OR") {
        *at += 1;
        ok |= and(tokens, at, allowed)?;
    }
    Some(ok)
}

fn and(tokens: &[&str], at: &mut usize, allowed: &BTreeSet<String>) -> Option<bool> {
    let mut ok = term(tokens, at, allowed)?;
    while tokens.get(*at) == Some(&"AND") {
        *at += 1;
        ok &= term(tokens, at, allowed)?;
    }
    Some(ok)
}

fn term(tokens: &[&str], at: &mut usize, allowed: &BTreeSet<String>) -> Option<bool> {
    match tokens.get(*at) {
        Some(&"(") => {
            *at += 1;
            let ok = or(tokens, at, allowed)?;
            (tokens.get(*at) == Some(&")")).then(|| {
                *at += 1;
                ok
            })
        }
        Some(&("OR" | "AND" | "WITH" | ")")) | None => None,
        Some(id) => {
            *at += 1;
            let mut licence = (*id).to_string();
            if tokens.get(*at) == Some(&"WITH") {
                let exception = tokens.get(*at + 1)?;
                licence = format!("{licence} WITH {exception}");
                *at += 2;
            }
            Some(allowed.contains(&licence))
        }
    }
}

#[test]
fn every_licence_is_allowed() {
    let policy = policy();
    let allowed: BTreeSet<String> = policy["licenses"]["allow"]
        .as_array()
        .expect("[licenses] allow")
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    let refused: Vec<String> = packages()
        .into_iter()
        .filter(|(_, _, licence)| !licence.as_deref().is_some_and(|l| satisfied(l, &allowed)))
        .map(|(name, version, licence)| format!("{name} {version} ({licence:?})"))
        .collect();
    assert!(
        refused.is_empty(),
        "licences not allowed by deny.toml: {}",
        refused.join(", ")
    );
}

#[test]
fn no_denied_crate_appears_in_two_versions() {
    let policy = policy();
    let bans = &policy["bans"];
    let entries = bans["deny"].as_array().expect("[bans] deny");
    let multiple = |d: &toml::Value| {
        d.get("deny-multiple-versions")
            .and_then(toml::Value::as_bool)
            .unwrap_or(false)
    };
    let name = |d: &toml::Value| {
        d.as_str()
            .or_else(|| d.get("crate").and_then(toml::Value::as_str))
            .expect("a crate name")
            .to_string()
    };
    let denied: BTreeSet<String> = entries.iter().filter(|d| multiple(d)).map(name).collect();
    // An entry without `deny-multiple-versions` bans the crate outright.
    let banned: BTreeSet<String> = entries.iter().filter(|d| !multiple(d)).map(name).collect();
    let present_banned: Vec<String> = packages()
        .into_iter()
        .filter(|(name, _, _)| banned.contains(name))
        .map(|(name, version, _)| format!("{name} {version}"))
        .collect();
    assert!(
        present_banned.is_empty(),
        "crates deny.toml bans: {present_banned:?}"
    );
    let skipped: BTreeSet<String> = bans["skip"]
        .as_array()
        .map(|s| {
            s.iter()
                .map(|d| d["crate"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default();
    let mut versions: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (name, version, _) in packages() {
        if denied.contains(&name) && !skipped.contains(&format!("{name}@{version}")) {
            versions.entry(name).or_default().insert(version);
        }
    }
    let doubled: Vec<String> = versions
        .iter()
        .filter(|(_, v)| v.len() > 1)
        .map(|(name, v)| format!("{name} {v:?}"))
        .collect();
    assert!(
        doubled.is_empty(),
        "crates deny.toml allows once, found twice: {} (move them to one version, or skip one \
         in deny.toml with the reason)",
        doubled.join(", ")
    );
    // Every skip still names a package in the graph: a stale exception would hide a new one.
    let present: BTreeSet<String> = packages()
        .into_iter()
        .map(|(name, version, _)| format!("{name}@{version}"))
        .collect();
    let stale: Vec<&String> = skipped.difference(&present).collect();
    assert!(stale.is_empty(), "deny.toml skips what is gone: {stale:?}");
}

#[test]
fn licence_expressions_are_read_as_spdx() {
    let allowed: BTreeSet<String> = ["MIT", "Apache-2.0", "Apache-2.0 WITH LLVM-exception"]
        .map(String::from)
        .into();
    assert!(satisfied("MIT OR Apache-2.0", &allowed));
    assert!(satisfied("MIT/Apache-2.0", &allowed));
    assert!(satisfied("(MIT OR GPL-3.0) AND Apache-2.0", &allowed));
    assert!(satisfied(
        "Apache-2.0 WITH LLVM-exception OR Apache-2.0",
        &allowed
    ));
    assert!(!satisfied("MIT AND GPL-3.0", &allowed));
    assert!(!satisfied("GPL-3.0", &allowed));
    assert!(!satisfied("(MIT", &allowed));
    assert!(!satisfied("GPL-2.0 WITH Classpath-exception-2.0", &allowed));
    assert!(!satisfied("MIT OR", &allowed));
    assert!(!satisfied("OR MIT", &allowed));
    assert!(!satisfied("MIT Apache-2.0", &allowed));
}
