//! Whole-store audits: `--discover` finds the demo store's pages from robots.txt, its sitemaps
//! and links, audits a sample of each page type in parallel sessions, and reports which
//! template misses which vendor.

mod common;

use std::path::Path;

use common::{fixtures, run_json, s};
use serde_json::Value;

fn discover_audit(extra: &[&str]) -> common::Audit {
    let reports = tempfile::tempdir().unwrap();
    let mut args = vec![
        "audit".to_string(),
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("sites/demo-store.toml")
            .display()
            .to_string(),
        // Only the home page of the config (no journeys), plus what discovery finds.
        "--url=https://demo-store.test/".into(),
        "--discover".into(),
        "--format=json".into(),
        format!("--reports-dir={}", reports.path().display()),
        format!("--ca-cert={}", fixtures().certificate_file().display()),
        format!("--resolve=*.test=127.0.0.1:{}", fixtures().port()),
    ];
    args.extend(
        fixtures()
            .chromium_args()
            .into_iter()
            .map(|a| format!("--browser-arg={a}")),
    );
    args.extend(extra.iter().map(|a| a.to_string()));
    run_json(&args, reports)
}

#[test]
fn discovery_samples_every_page_type_and_finds_the_template_without_meta() {
    let audit = discover_audit(&["--per-type=1", "--sessions=3"]);
    let discovery = &audit.report["discovery"];
    assert!(discovery.is_object(), "{}", audit.stderr);
    // Everything behind the sitemaps, classified (the config's gift_card type first).
    assert_eq!(discovery["found"]["product"], 290, "{discovery}");
    assert_eq!(discovery["found"]["gift_card"], 4);
    assert_eq!(discovery["found"]["collection"], 7);
    assert_eq!(discovery["found"]["blog"], 13);
    assert!(discovery["sitemaps"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s.as_str().unwrap().contains("sitemap_products_1.xml")));
    // robots.txt keeps the cart out.
    let pages: Vec<&Value> = audit.report["pages"].as_array().unwrap().iter().collect();
    assert!(pages.iter().all(|p| !s(&p["url"]).ends_with("/cart")));
    // One page per type audited, each tagged with its type.
    for page_type in ["product", "gift_card", "collection", "blog", "page"] {
        let n = pages.iter().filter(|p| p["page_type"] == page_type).count();
        assert_eq!(n, 1, "{page_type}: {}", audit.stderr);
        assert_eq!(discovery["audited"][page_type], 1);
    }
    // The gift card template has no Meta pixel: a coverage gap, and the product template's
    // expectation (Meta ViewContent) fails there.
    let gift = discovery["coverage"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["page_type"] == "gift_card")
        .unwrap();
    let meta = gift["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["key"] == "meta")
        .unwrap_or_else(|| panic!("{gift}"));
    assert_eq!(meta["missing"], 1);
    let product = discovery["coverage"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["page_type"] == "product")
        .unwrap();
    assert!(
        product["keys"]
            .as_array()
            .unwrap()
            .iter()
            .all(|k| k["missing"] == 0),
        "{product}"
    );
    let gift_page = pages
        .iter()
        .find(|p| p["page_type"] == "gift_card")
        .unwrap();
    assert!(gift_page["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["code"] == "not_fired" && f["vendor"] == "meta"));
}

#[test]
fn the_table_names_the_affected_template_with_counts() {
    let audit = discover_audit(&["--per-type=2", "--max-pages=60"]);
    let text =
        std::fs::read_to_string(audit.reports.path().join("demo-store/latest/report.txt")).unwrap();
    assert!(text.contains("Store coverage"), "{text}");
    assert!(
        text.contains("meta missing on 2/2 gift_card pages"),
        "{text}"
    );
    let html = std::fs::read_to_string(audit.reports.path().join("demo-store/latest/report.html"))
        .unwrap();
    assert!(
        html.contains("id=\"coverage\"")
            && html.contains("meta missing on 2&#x2f;2 gift_card pages")
    );
    let markdown =
        std::fs::read_to_string(audit.reports.path().join("demo-store/latest/summary.md")).unwrap();
    assert!(
        markdown.contains("- meta missing on 2/2 gift_card pages"),
        "{markdown}"
    );
    // max_pages trims what was found, keeping every type.
    let found: u64 = audit.report["discovery"]["found"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert!(found <= 60, "{found}");
    assert_eq!(
        audit.report["discovery"]["found"]["gift_card"]
            .as_u64()
            .map(|n| n > 0),
        Some(true)
    );
}
