//! End-to-end: site configs with expectations, journeys (every step kind) and consent
//! scenarios, audited in real Chromium against the fixture shop; each planted defect is
//! reported exactly, and nothing else.

mod common;

use common::{audit_config, s, site_config, Audit};
use serde_json::Value;

fn audit_site(config: &str) -> Audit {
    audit_config(&site_config(config), None, &[])
}

/// (label, code, vendor, event) for every finding, in report order.
fn findings(report: &Value) -> Vec<(String, String, String, String)> {
    let mut out = Vec::new();
    for page in report["pages"].as_array().unwrap() {
        let label = match page["journey"].as_str() {
            Some(journey) => format!("{journey}#{}", page["step"]),
            None => format!("{}[{}]", s(&page["name"]), s(&page["consent"])),
        };
        for f in page["findings"].as_array().unwrap() {
            out.push((
                label.clone(),
                s(&f["code"]),
                s(&f["vendor"]),
                s(&f["event"]),
            ));
        }
    }
    out
}

fn row(label: &str, code: &str, vendor: &str, event: &str) -> (String, String, String, String) {
    (label.into(), code.into(), vendor.into(), event.into())
}

#[test]
fn consent_scenarios_find_tags_before_consent_and_after_reject() {
    let audit = audit_site("consent.toml");
    assert_eq!(audit.code, 2);
    assert_eq!(
        findings(&audit.report),
        vec![
            row("shop[none]", "fires_before_consent", "snap", "PAGE_VIEW"),
            row("shop[reject]", "fires_before_consent", "snap", "PAGE_VIEW"),
            row("shop[reject]", "fires_after_reject", "tiktok", "Pageview"),
        ]
    );
    let pages = audit.report["pages"].as_array().unwrap();
    // Accept by preset cookie: the page's expectations (values from the page itself) pass.
    let accept = &pages[1];
    assert_eq!(accept["consent"], "accept");
    assert!(accept["hits"]
        .as_array()
        .unwrap()
        .iter()
        .any(|h| h["event"] == "ViewContent"));
    // The reject click is recorded on the requests' timeline, between the two findings' hits.
    let reject = &pages[2];
    let at = reject["consent_at_ms"]
        .as_f64()
        .expect("click time recorded");
    let evidence = |code: &str| {
        reject["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["code"] == code)
            .unwrap()["evidence"]["hits"][0]["time_ms"]
            .as_f64()
            .unwrap()
    };
    assert!(evidence("fires_before_consent") < at && at <= evidence("fires_after_reject"));
    // Consent mode is decoded per hit: GA4's cookieless ping says analytics storage is denied.
    let ga4 = |page: &Value| {
        page["hits"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["vendor"] == "ga4")
            .unwrap()["params"]["consent"]["analytics_storage"]
            .clone()
    };
    assert_eq!(ga4(&pages[0]), "denied");
    assert_eq!(ga4(&pages[1]), "granted");
    // The mobile page ran with a phone's user agent and viewport.
    let mobile = &pages[3];
    assert_eq!(mobile["device"], "mobile");
    let meta = mobile["hits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["vendor"] == "meta")
        .unwrap();
    assert_eq!(meta["raw"]["mob"], "1");
    assert_eq!(
        accept["hits"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["vendor"] == "meta")
            .unwrap()["raw"]["mob"],
        "0"
    );
}

#[test]
fn what_a_consent_click_sets_off_a_moment_later_is_still_captured() {
    // The page is quiet before the click; the reject callback sends a Meta Lead 150 ms after
    // it. The settle after the click must not take the quiet before the click for idle.
    let audit = audit_site("delayed-consent.toml");
    let page = &audit.report["pages"][0];
    let at = page["consent_at_ms"].as_f64().expect("click time recorded");
    let lead = page["hits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["event"] == "Lead")
        .unwrap_or_else(|| panic!("the delayed Lead is captured: {page}"));
    assert!(lead["time_ms"].as_f64().unwrap() > at);
    assert!(findings(&audit.report).contains(&row(
        "delayed[reject]",
        "fires_after_reject",
        "meta",
        "Lead"
    )));
}

#[test]
fn journeys_run_every_step_kind_and_report_each_planted_defect() {
    let audit = audit_site("steps.toml");
    assert_eq!(audit.code, 2);
    assert_eq!(
        findings(&audit.report),
        vec![
            row("buy#5", "not_fired", "pinterest", "addtocart"),
            row("buy#5", "wrong_id", "meta", "AddToCart"),
            row("buy#5", "wrong_value", "ga4", "add_to_cart"),
            row("buy#5", "unexpected_tag", "bing", "-"),
            row("buy#9", "slow_fire", "reddit", "Purchase"),
            row("storage#5", "step_failed", "-", "-"),
            row("broken#2", "step_failed", "-", "-"),
        ]
    );
    let pages = audit.report["pages"].as_array().unwrap();
    let step = |journey: &str, n: u64| {
        pages
            .iter()
            .find(|p| p["journey"] == journey && p["step"] == n)
            .unwrap_or_else(|| panic!("{journey}#{n}"))
    };
    // select + fill fed the add-to-cart values: 3 × 59.90 of SKU-2.
    let add = step("buy", 5);
    let atc = add["hits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["event"] == "AddToCart" && h["account"] == "1234567890123456")
        .unwrap();
    assert_eq!(atc["params"]["value"], 179.7);
    // The slow tag was waited for and measured, not missed.
    let slow = step("buy", 9)["findings"][0]["evidence"]["time_ms"]
        .as_f64()
        .unwrap();
    assert!((1400.0..3000.0).contains(&slow), "{slow}");
    // The SPA route change is its own page view, at the new URL.
    assert_eq!(step("buy", 10)["url"], "https://fixtures.test/shop/summer");
    // A failed step stops its journey (the next step never ran), with a screenshot on disk;
    // the other journeys still ran.
    assert!(pages
        .iter()
        .all(|p| p["name"] != "never reached" && p["name"] != "skipped"));
    let broken = step("broken", 2);
    assert!(s(&broken["findings"][0]["message"]).contains("#no-such-button"));
    let shot = broken["screenshot"].as_str().expect("screenshot name");
    let run_dir = std::fs::read_dir(audit.reports.path().join("fixture-steps"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let png = std::fs::read(run_dir.join(shot)).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
}
