//! The README's finding-code tables list exactly the codes the binary reports (no browser
//! needed): every `Code::ALL` code once, as the JSON report spells it, and no code that does
//! not exist.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use pixelaudit_core::model::Code;

/// The README that documents the codes: the nearest `README.md` with a "Finding codes"
/// section, from this crate's folder up (the crate may sit inside a workspace).
fn readme() -> (PathBuf, String) {
    let mut dir = Some(Path::new(env!("CARGO_MANIFEST_DIR")));
    while let Some(d) = dir {
        let path = d.join("README.md");
        if let Ok(text) = std::fs::read_to_string(&path) {
            if text.lines().any(|l| l == "## Finding codes") {
                return (path, text);
            }
        }
        dir = d.parent();
    }
    panic!(
        "no README.md with a `## Finding codes` section above {}",
        env!("CARGO_MANIFEST_DIR")
    );
}

/// The codes in the first column of the tables of the "Finding codes" section, with how often
/// each is listed.
fn readme_codes(readme: &str) -> BTreeMap<String, usize> {
    let section = readme
        .lines()
        .skip_while(|l| *l != "## Finding codes")
        .skip(1)
        .take_while(|l| !l.starts_with("## "));
    let mut codes = BTreeMap::new();
    for line in section {
        let Some(first) = line.strip_prefix('|').and_then(|l| l.split('|').next()) else {
            continue;
        };
        let first = first.trim();
        if let Some(code) = first.strip_prefix('`').and_then(|c| c.strip_suffix('`')) {
            *codes.entry(code.to_string()).or_insert(0) += 1;
        }
    }
    codes
}

#[test]
fn readme_lists_every_finding_code_and_no_other() {
    let (path, text) = readme();
    let listed = readme_codes(&text);
    assert!(
        !listed.is_empty(),
        "{}: no `| `code` | severity | meaning |` rows under `## Finding codes`",
        path.display()
    );
    let missing: Vec<&str> = Code::ALL
        .iter()
        .map(|c| c.as_str())
        .filter(|c| !listed.contains_key(*c))
        .collect();
    assert!(
        missing.is_empty(),
        "{}: codes missing from the finding-code table: {missing:?}",
        path.display()
    );
    let unknown: Vec<&String> = listed
        .keys()
        .filter(|name| !Code::ALL.iter().any(|c| c.as_str() == name.as_str()))
        .collect();
    assert!(
        unknown.is_empty(),
        "{}: the finding-code table lists codes that do not exist: {unknown:?}",
        path.display()
    );
    let twice: Vec<&String> = listed
        .iter()
        .filter(|(_, n)| **n > 1)
        .map(|(name, _)| name)
        .collect();
    assert!(
        twice.is_empty(),
        "{}: codes listed more than once: {twice:?}",
        path.display()
    );
}

#[test]
fn the_readme_parser_sees_both_tables() {
    // Guards the parser itself: a row of each table, and nothing outside the section.
    let text = "\
## Before\n| `not_a_code` | x | y |\n## Finding codes\n\n| code | severity | meaning |\n\
|---|---|---|\n| `duplicate` | error | twice |\n\nEmail findings:\n\n| code | severity | meaning |\n\
|---|---|---|\n| `missing_utm` | warning | no utm |\n\n## After\n| `other` | x | y |\n";
    let codes = readme_codes(text);
    assert_eq!(
        codes.keys().map(String::as_str).collect::<Vec<_>>(),
        ["duplicate", "missing_utm"]
    );
}
