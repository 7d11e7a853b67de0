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

/// (page[consent] or journey#step[consent], code, severity) for every finding, in report order.
fn coded(report: &Value) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for page in report["pages"].as_array().unwrap() {
        let label = match page["journey"].as_str() {
            Some(journey) => format!("{journey}#{}[{}]", page["step"], s(&page["consent"])),
            None => format!("{}[{}]", s(&page["name"]), s(&page["consent"])),
        };
        for f in page["findings"].as_array().unwrap() {
            out.push((label.clone(), s(&f["code"]), s(&f["severity"])));
        }
    }
    out
}

fn coded_row(label: &str, code: &str, severity: &str) -> (String, String, String) {
    (label.into(), code.into(), severity.into())
}

/// The report entry labelled `label` (as `coded` labels them).
fn entry<'a>(report: &'a Value, label: &str) -> &'a Value {
    report["pages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| {
            let l = match p["journey"].as_str() {
                Some(journey) => format!("{journey}#{}[{}]", p["step"], s(&p["consent"])),
                None => format!("{}[{}]", s(&p["name"]), s(&p["consent"])),
            };
            l == label
        })
        .unwrap_or_else(|| panic!("no entry {label}"))
}

#[test]
fn a_page_without_the_banner_is_audited_as_no_choice_made_with_one_info() {
    let audit = audit_site("banner.toml");
    assert_eq!(
        coded(&audit.report),
        vec![
            coded_row("without banner[accept]", "banner_not_shown", "info"),
            coded_row("without banner[reject]", "banner_not_shown", "info"),
            coded_row("no banner#1[accept]", "banner_not_shown", "info"),
            coded_row("no banner#1[reject]", "banner_not_shown", "info"),
        ],
        "{}",
        audit.stderr
    );
    assert_eq!(audit.code, 0, "infos do not fail the audit");
    let journey = &entry(&audit.report, "no banner#1[reject]")["findings"][0];
    let message = s(&journey["message"]);
    assert!(
        message.contains("on steps 1, 2, and it never appeared in this journey run"),
        "{message}"
    );
    assert_eq!(
        journey["evidence"]["missing_on_steps"],
        serde_json::json!([1, 2])
    );
    assert!(journey["evidence"]["clicked_on_step"].is_null());
    let report = &audit.report;
    // Where the banner is, both clicks happen as before: Meta after accepting, nothing after
    // rejecting, and the accept expectation met.
    for scenario in ["accept", "reject"] {
        let page = entry(report, &format!("with banner[{scenario}]"));
        assert!(page["consent_at_ms"].as_f64().is_some(), "{page}");
    }
    let meta = |page: &Value| {
        page["hits"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|h| h["vendor"] == "meta")
            .count()
    };
    assert_eq!(meta(entry(report, "with banner[accept]")), 1);
    assert_eq!(meta(entry(report, "with banner[reject]")), 0);
    // Where it is not: no click, the accept-only expectation is not applied (no not_fired),
    // and the finding says what was looked for, for how long, and what to check.
    let page = entry(report, "without banner[reject]");
    assert!(page["consent_at_ms"].is_null());
    let finding = &page["findings"][0];
    let message = s(&finding["message"]);
    for words in [
        "`#reject`",
        "within 1500 ms",
        "checked as a visitor who made no choice",
        "iframe or a shadow root",
    ] {
        assert!(message.contains(words), "{words:?} in {message}");
    }
    assert_eq!(finding["evidence"]["selector"], "#reject");
    assert_eq!(finding["evidence"]["waited_ms"], 1500);
    assert_eq!(finding["evidence"]["checked_as"], "none");
    assert_eq!(
        s(&entry(report, "without banner[accept]")["findings"][0]["evidence"]["selector"]),
        "#accept"
    );
    // The checkout's template audits it under `none` only, instead of the site's scenarios.
    let checkout: Vec<String> = report["pages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["name"] == "checkout")
        .map(|p| s(&p["consent"]))
        .collect();
    assert_eq!(checkout, ["none"]);
}

#[test]
fn a_required_banner_missing_is_a_warning_and_a_journey_clicks_it_where_it_shows() {
    let audit = audit_site("banner-required.toml");
    assert_eq!(
        coded(&audit.report),
        vec![
            coded_row("without banner[accept]", "banner_not_shown", "warning"),
            coded_row("without banner[reject]", "banner_not_shown", "warning"),
            coded_row("unusable banner[accept]", "step_failed", "error"),
            coded_row("unusable banner[reject]", "step_failed", "error"),
            // Once per journey run, on the first page without it; before any choice the
            // theme's Meta tag is tracking before consent, in both scenarios.
            coded_row("late banner#1[accept]", "banner_not_shown", "warning"),
            coded_row("late banner#1[accept]", "fires_before_consent", "error"),
            coded_row("late banner#1[reject]", "banner_not_shown", "warning"),
            coded_row("late banner#1[reject]", "fires_before_consent", "error"),
        ],
        "{}",
        audit.stderr
    );
    assert_eq!(audit.code, 2);
    let report = &audit.report;
    // A button on the page that cannot be used is an error that says why and what to check.
    let hidden = s(&entry(report, "unusable banner[accept]")["findings"][0]["message"]);
    assert!(
        hidden.contains("`#accept` is on the page but stayed hidden"),
        "{hidden}"
    );
    let covered = s(&entry(report, "unusable banner[reject]")["findings"][0]["message"]);
    assert!(
        covered.contains("`#reject` is on the page but could not be clicked"),
        "{covered}"
    );
    assert!(covered.contains("nothing covers it"), "{covered}");
    // The journey's one finding tells the whole story: missing on steps 1 and 2, clicked on 3.
    let first = &entry(report, "late banner#1[accept]")["findings"][0];
    let message = s(&first["message"]);
    for words in [
        "on steps 1, 2,",
        "until the banner appeared on step 3 and was clicked there",
        "required = true",
    ] {
        assert!(message.contains(words), "{words:?} in {message}");
    }
    assert_eq!(
        first["evidence"]["missing_on_steps"],
        serde_json::json!([1, 2])
    );
    assert_eq!(first["evidence"]["clicked_on_step"], 3);
    // The journey went on: no click on the first two pages, the click on the third, where
    // Meta fired after it and met the step's expectation.
    for scenario in ["accept", "reject"] {
        for step in [1, 2] {
            let page = entry(report, &format!("late banner#{step}[{scenario}]"));
            assert!(page["consent_at_ms"].is_null(), "{page}");
        }
        let third = entry(report, &format!("late banner#3[{scenario}]"));
        let at = third["consent_at_ms"].as_f64().expect("clicked on step 3");
        let metas: Vec<f64> = third["hits"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|h| h["vendor"] == "meta")
            .map(|h| h["time_ms"].as_f64().unwrap())
            .collect();
        match scenario {
            "accept" => assert!(metas.len() == 1 && metas[0] >= at, "{metas:?} vs {at}"),
            _ => assert!(metas.is_empty(), "{metas:?}"),
        }
    }
}
