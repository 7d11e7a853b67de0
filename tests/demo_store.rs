//! End-to-end: `pixelaudit demo` audits the bundled store in real Chromium (pages under consent
//! scenarios, journeys, an SPA) and reports exactly its planted defects.

mod common;

use common::{bin, s};
use pixelaudit_test_support::chromium;
use serde_json::Value;

#[test]
fn demo_reports_exactly_the_planted_defects() {
    let reports = tempfile::tempdir().unwrap();
    let output = bin()
        .args(["demo", "--format", "json", "--reports-dir"])
        .arg(reports.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(2),
        "error findings exit with 2; stderr:\n{stderr}"
    );
    let report: Value = serde_json::from_slice(&output.stdout).expect("JSON report on stdout");
    assert_eq!(report["site"], "demo-store");

    let pages = report["pages"].as_array().unwrap();
    let label = |page: &Value| match page["journey"].as_str() {
        Some(journey) => format!("{journey}#{}[{}]", page["step"], s(&page["consent"])),
        None => format!("{}[{}]", s(&page["name"]), s(&page["consent"])),
    };
    let mut findings = Vec::new();
    for page in pages {
        if page["journey"].is_null() {
            assert_eq!(page["http_status"], 200, "{}", label(page));
        }
        assert_eq!(page["settled"], true, "{}", label(page));
        for f in page["findings"].as_array().unwrap() {
            findings.push((
                label(page),
                s(&f["code"]),
                s(&f["vendor"]),
                s(&f["event"]),
                s(&f["severity"]),
            ));
        }
    }
    let expected = [
        (
            "home[none]",
            "fires_before_consent",
            "tiktok",
            "Pageview",
            "error",
        ),
        ("home[accept]", "duplicate", "meta", "PageView", "error"),
        (
            "home[accept]",
            "fires_before_consent",
            "tiktok",
            "Pageview",
            "error",
        ),
        (
            "home[reject]",
            "fires_before_consent",
            "tiktok",
            "Pageview",
            "error",
        ),
        (
            "home[reject]",
            "fires_after_reject",
            "klaviyo",
            "Active on Site",
            "error",
        ),
        (
            "collection[accept]",
            "broken_script",
            "reddit",
            "-",
            "error",
        ),
        (
            "cart[accept]",
            "missing_eid",
            "meta",
            "InitiateCheckout",
            "warning",
        ),
        (
            "thank-you[accept]",
            "missing_param",
            "ga4",
            "purchase",
            "error",
        ),
        (
            "thank-you[accept]",
            "slow_fire",
            "reddit",
            "Purchase",
            "warning",
        ),
        (
            "purchase#4[accept]",
            "not_fired",
            "pinterest",
            "addtocart",
            "error",
        ),
        (
            "purchase#5[accept]",
            "missing_eid",
            "meta",
            "InitiateCheckout",
            "warning",
        ),
        (
            "purchase#6[accept]",
            "missing_param",
            "ga4",
            "purchase",
            "error",
        ),
        (
            "purchase#6[accept]",
            "slow_fire",
            "reddit",
            "Purchase",
            "warning",
        ),
    ];
    let expected: Vec<_> = expected
        .iter()
        .map(|(p, c, v, e, sev)| {
            (
                p.to_string(),
                c.to_string(),
                v.to_string(),
                e.to_string(),
                sev.to_string(),
            )
        })
        .collect();
    assert_eq!(findings, expected);

    // With consent accepted, every vendor fires on every page, Reddit aside on the collection
    // page (its loader 404s); TikTok runs in a worker and Pinterest in a cross-site sandboxed
    // iframe, like Shopify app pixels.
    let all = [
        "meta",
        "ga4",
        "google_ads",
        "tiktok",
        "pinterest",
        "snap",
        "bing",
        "x",
        "reddit",
        "klaviyo",
        "shopify",
    ];
    let accepted = pages
        .iter()
        .filter(|p| p["journey"].is_null() && p["consent"] == "accept" && p["name"] != "lookbook");
    for page in accepted {
        let hits = page["hits"].as_array().unwrap();
        for vendor in all {
            let fired = hits
                .iter()
                .any(|h| h["vendor"] == vendor && h["kind"] == "event");
            let expected = !(vendor == "reddit" && page["name"] == "collection");
            assert_eq!(fired, expected, "{vendor} on {}", page["name"]);
        }
        let target = |vendor: &str| {
            hits.iter()
                .find(|h| h["vendor"] == vendor && h["kind"] == "event")
                .map(|h| s(&h["target"]))
                .unwrap()
        };
        assert_eq!(target("tiktok"), "worker", "{}", page["name"]);
        assert_eq!(target("pinterest"), "iframe", "{}", page["name"]);
    }
    // Before consent only the store's own analytics, GA4's cookieless ping and the planted
    // TikTok hard-code fire.
    let untouched = pages
        .iter()
        .find(|p| p["name"] == "home" && p["consent"] == "none")
        .unwrap();
    let mut vendors: Vec<String> = untouched["hits"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["kind"] == "event")
        .map(|h| s(&h["vendor"]))
        .collect();
    vendors.sort();
    vendors.dedup();
    assert_eq!(vendors, vec!["ga4", "shopify", "tiktok"]);

    // The SPA route change of the lookbook journey is a page view at the new URL.
    let spa = pages
        .iter()
        .find(|p| p["journey"] == "lookbook-spa" && p["step"] == 2)
        .unwrap();
    assert!(
        s(&spa["url"]).ends_with("/pages/lookbook/summer"),
        "{}",
        spa["url"]
    );

    // The thank-you page's purchase events carry the order's value, currency and ids.
    let thank_you = report["pages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "thank-you")
        .unwrap();
    let purchase = thank_you["hits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["vendor"] == "meta" && h["event"] == "Purchase")
        .unwrap();
    assert_eq!(purchase["params"]["value"], 89.8);
    assert_eq!(purchase["params"]["currency"], "EUR");
    assert_eq!(purchase["params"]["event_id"], "1001");

    // The run was saved, and the saved file is the report that was printed.
    let site_dir = reports.path().join("demo-store");
    let run = std::fs::read_dir(&site_dir)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let saved: Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("report.json")).unwrap()).unwrap();
    assert_eq!(saved, report);

    // The demo's HTML report, rendered in headless Chromium for a person to look at.
    let html = site_dir.join("latest/report.html");
    let shot = common::artifacts_dir().join("demo-report.png");
    chromium::render(&html, Some(&shot), "1280,2400");
    assert!(
        std::fs::metadata(&shot).unwrap().len() > 50_000,
        "a rendered report"
    );
}

#[test]
fn demo_table_output_names_the_defects() {
    let reports = tempfile::tempdir().unwrap();
    let output = bin()
        .args(["demo", "--reports-dir"])
        .arg(reports.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(2));
    assert!(stdout.starts_with("demo-store: 28 page(s)"), "{stdout}");
    for needle in [
        "duplicate",
        "broken_script",
        "missing_eid",
        "missing_param",
        "PageView ×2",
        "fires_after_reject",
        "home [reject]",
    ] {
        assert!(stdout.contains(needle), "{needle} missing from:\n{stdout}");
    }
}
