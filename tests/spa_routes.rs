//! End-to-end: single-page apps in real Chromium. A page that changes route by itself
//! (`history.pushState`, a hash route) has one page view per route: one on each is clean, two
//! on one route are a `duplicate` and a route without one is `not_fired`, each naming its
//! route; a variant picker's query-only `replaceState` and anchor jumps make no route; a
//! journey step expects page views on the routes it entered, not on the one it started on.

mod common;

use std::sync::OnceLock;

use common::{audit_config, page, s, site_config, Audit};
use serde_json::Value;

/// One audit of `tests/fixtures/sites/spa.toml`, shared by the tests below.
fn audit() -> &'static Audit {
    static AUDIT: OnceLock<Audit> = OnceLock::new();
    AUDIT.get_or_init(|| audit_config(&site_config("spa.toml"), None, &[]))
}

/// The report's page with this fixture's URL.
fn report_page(name: &str) -> &'static Value {
    audit().page(&page(name))
}

/// (url path and fragment, at_ms) of a page's routes.
fn routes(page: &Value) -> Vec<(String, f64)> {
    page["routes"]
        .as_array()
        .map(|routes| {
            routes
                .iter()
                .map(|r| {
                    let url = s(&r["url"]);
                    let path = url.trim_start_matches("https://fixtures.test").to_string();
                    (path, r["at_ms"].as_f64().expect("at_ms is a number"))
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn a_page_view_on_each_of_four_routes_is_clean() {
    let page = report_page("spa.html");
    let found = routes(page);
    let paths: Vec<&str> = found.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        paths,
        vec![
            // Renamed at load: the router replaced the entry URL before sending anything.
            "/spa/home",
            "/spa/collections/summer",
            // The variant's query and the #reviews anchor that followed made no route.
            "/spa/products/linen-shirt",
            "/spa/products/linen-shirt?variant=123#/cart",
        ],
        "{page}"
    );
    assert_eq!(found[0].1, 0.0);
    assert!(
        found.windows(2).all(|w| w[1].1 > w[0].1 + 300.0),
        "routes start about 800 ms apart: {found:?}"
    );
    let page_views = page["hits"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["event"] == "PageView")
        .count();
    assert_eq!(
        page_views, 4,
        "every route's page view was waited for (quiet window restarted by route changes)"
    );
    assert_eq!(page["findings"], serde_json::json!([]), "{page}");
}

#[test]
fn two_page_views_on_one_route_and_none_on_another_are_named() {
    let page = report_page("spa_duplicate.html");
    let paths: Vec<String> = routes(page).into_iter().map(|(p, _)| p).collect();
    assert_eq!(
        paths,
        vec![
            "/spa_duplicate.html",
            "/spa/collections/summer",
            "/spa/products/linen-shirt"
        ]
    );
    let findings: Vec<(String, String, String)> = page["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (s(&f["code"]), s(&f["evidence"]["route"]), s(&f["message"])))
        .collect();
    assert_eq!(findings.len(), 2, "{findings:#?}");
    assert_eq!(findings[0].0, "duplicate");
    assert_eq!(
        findings[0].1,
        "https://fixtures.test/spa/collections/summer"
    );
    assert!(
        findings[0]
            .2
            .contains("on route https://fixtures.test/spa/collections/summer"),
        "{}",
        findings[0].2
    );
    assert_eq!(findings[1].0, "not_fired");
    assert_eq!(
        findings[1].1,
        "https://fixtures.test/spa/products/linen-shirt"
    );
    assert!(
        findings[1]
            .2
            .contains("did not fire on route https://fixtures.test/spa/products/linen-shirt"),
        "{}",
        findings[1].2
    );
}

#[test]
fn a_variant_query_and_an_anchor_make_no_route() {
    let page = report_page("spa_variant.html");
    assert!(page.get("routes").is_none(), "{page}");
    assert_eq!(page["findings"], serde_json::json!([]), "{page}");
    assert_eq!(audit().code, 2, "the duplicate page fails the run");
}

#[test]
fn the_other_formats_show_the_routes() {
    let latest = audit().reports.path().join("fixture-spa/latest");
    let read = |file: &str| std::fs::read_to_string(latest.join(file)).expect(file);
    // The clean page's routes appear nowhere but in the route listing.
    for file in ["report.txt", "summary.md"] {
        let text = read(file);
        let line = text
            .lines()
            .find(|l| l.contains("spa: /spa/home (0 ms) → /spa/collections/summer ("))
            .unwrap_or_else(|| panic!("{file} lists the routes:\n{text}"));
        assert!(
            line.contains("→ /spa/products/linen-shirt?variant=123#/cart ("),
            "{line}"
        );
        assert!(
            !text.contains("variant: /spa_variant.html"),
            "{file}: no route change"
        );
    }
    let html = read("report.html");
    assert_eq!(
        html.matches("Single-page app routes (").count(),
        3,
        "the three page runs that changed route (two pages, one journey step)"
    );
    assert!(html.contains("Single-page app routes (4, one page view each)"));
    assert!(html.contains("https:&#x2f;&#x2f;fixtures.test&#x2f;spa&#x2f;home"));
}

#[test]
fn a_journey_step_expects_page_views_on_the_routes_it_entered() {
    let step = audit().report["pages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["journey"] == "spa steps" && p["step"] == 2)
        .expect("the journey's second step");
    let paths: Vec<String> = routes(step).into_iter().map(|(p, _)| p).collect();
    assert_eq!(
        paths,
        vec!["/spa_variant.html", "/spa/account", "/spa/orders"],
        "the step starts on the page it found: {step}"
    );
    // The page it started on had its page view in step 1; the step sent a Lead there.
    assert_eq!(step["findings"], serde_json::json!([]), "{step}");
}

#[test]
fn a_step_that_loads_a_new_document_starts_its_routes_there() {
    let step = audit().report["pages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["journey"] == "spa steps" && p["step"] == 3)
        .expect("the journey's third step");
    assert_eq!(s(&step["url"]), page("spa_variant.html"));
    // The new document's query-only changes are no route, whatever page the step left.
    assert!(step.get("routes").is_none(), "{step}");
    assert_eq!(step["findings"], serde_json::json!([]), "{step}");
}
