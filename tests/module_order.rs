//! The app's modules point one way: each uses only the modules before it in [`ORDER`]
//! (leaves first, the command line last), read from the sources, so a new import against the
//! data flow fails here. The crates themselves cannot form a cycle (Cargo refuses one).

use std::path::Path;

use pixelaudit_test_support::modules;

/// The app's top-level modules (`src/`), each allowed to use only those before it.
const ORDER: [&str; 12] = [
    "atomic_file",
    "exit",
    "net",
    "adblock",
    "archive",
    "discover",
    "email",
    "audit",
    "notify",
    "run",
    "schedule",
    "cli",
];

#[test]
fn every_module_uses_only_the_modules_before_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let edges = modules::edges(&src);
    assert!(
        edges.contains(&("cli".to_string(), "run".to_string())),
        "the scan found no cli → run import: it reads nothing ({edges:?})"
    );
    let against = modules::against(&src, &ORDER);
    assert!(
        against.is_empty(),
        "imports against the order {ORDER:?}: {against:?}"
    );
}
