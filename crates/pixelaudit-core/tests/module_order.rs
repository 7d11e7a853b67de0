//! The core's modules point one way: each module uses only the modules before it in
//! [`ORDER`], so the data flow model → vendors → config → checks → email → report has no
//! cycle. Read from the source (every `crate::<module>` path outside comments), so a new
//! upward import fails here before it tangles the graph.

use std::collections::BTreeSet;
use std::path::Path;

/// The core's top-level modules, each allowed to use only those before it.
const ORDER: [&str; 6] = ["model", "vendors", "config", "checks", "email", "report"];

/// `(from, to)` for every `crate::to` path in the files of module `from`.
fn edges(src: &Path) -> BTreeSet<(String, String)> {
    let mut edges = BTreeSet::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let relative = path.strip_prefix(src).unwrap();
            let from = relative
                .components()
                .next()
                .unwrap()
                .as_os_str()
                .to_string_lossy()
                .trim_end_matches(".rs")
                .to_string();
            let text = std::fs::read_to_string(&path).unwrap();
            for line in text.lines() {
                let code = line.split("//").next().unwrap_or("");
                for (at, _) in code.match_indices("crate::") {
                    let rest = &code[at + "crate::".len()..];
                    let to: String = rest
                        .chars()
                        .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                        .collect();
                    if !to.is_empty() && to != from {
                        edges.insert((from.clone(), to));
                    }
                }
            }
        }
    }
    edges
}

#[test]
fn every_module_uses_only_the_modules_before_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let edges = edges(&src);
    assert!(
        edges
            .iter()
            .any(|(from, to)| from == "report" && to == "model"),
        "the scan found no report → model import: it reads nothing ({edges:?})"
    );
    let rank = |m: &str| ORDER.iter().position(|o| *o == m);
    let mut upward = Vec::new();
    for (from, to) in &edges {
        match (rank(from), rank(to)) {
            (Some(f), Some(t)) if t < f => {}
            (None, _) => {} // lib.rs
            _ => upward.push(format!("{from} → {to}")),
        }
    }
    assert!(
        upward.is_empty(),
        "imports against the order {ORDER:?}: {upward:?}"
    );
}
