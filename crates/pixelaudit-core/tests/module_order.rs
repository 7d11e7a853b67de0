//! The core's modules point one way: each module uses only the modules before it in
//! [`ORDER`], so the data flow model → vendors → config → checks → email → report has no
//! cycle. Read from the source, so a new upward import fails here before it tangles the graph.

use std::path::Path;

use pixelaudit_test_support::modules;

/// The core's top-level modules, each allowed to use only those before it.
const ORDER: [&str; 6] = ["model", "vendors", "config", "checks", "email", "report"];

#[test]
fn every_module_uses_only_the_modules_before_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let edges = modules::edges(&src);
    assert!(
        edges.contains(&("report".to_string(), "model".to_string())),
        "the scan found no report → model import: it reads nothing ({edges:?})"
    );
    let against = modules::against(&src, &ORDER);
    assert!(
        against.is_empty(),
        "imports against the order {ORDER:?}: {against:?}"
    );
}
