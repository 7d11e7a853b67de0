//! A crate's module graph, read from its sources, so a test can keep its modules pointing
//! one way: every `crate::<module>` path outside comments is an edge from the top-level module
//! whose file holds it.

use std::collections::BTreeSet;
use std::path::Path;

/// `(from, to)` for every `crate::to` path in the files of module `from`.
pub fn edges(src: &Path) -> BTreeSet<(String, String)> {
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

/// The edges of `src` that go against `order` (a module may use only modules before it),
/// as `from → to`; modules not in `order` may use none but each other's leaves.
pub fn against(src: &Path, order: &[&str]) -> Vec<String> {
    let rank = |m: &str| order.iter().position(|o| *o == m);
    edges(src)
        .into_iter()
        .filter(|(from, to)| match (rank(from), rank(to)) {
            (Some(f), Some(t)) => t >= f,
            (None, _) => false,
            (Some(_), None) => true,
        })
        .map(|(from, to)| format!("{from} → {to}"))
        .collect()
}
