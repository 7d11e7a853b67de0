//! A small report with hostile captured data (script tags in URLs, parameters and console
//! text), shared by the views' tests (and the other formats').

use chrono::TimeZone;
use serde_json::json;

use crate::model::{
    Code, ConsoleEntry, Device, EventClass, Finding, Hit, Route, Scenario, Severity, TargetKind,
    Vendor,
};
use crate::report::{HitReport, PageReport, Report, Summary};
use crate::vendors::{GA4, META};

pub(super) const XSS1: &str = "<script>alert(1)</script>";
pub(super) const XSS2: &str = "<script>alert(2)</script>";
pub(super) const XSS3: &str = "\"><img src=x onerror=alert(3)>";

pub(super) fn hit(vendor: Vendor, event: &str, time_ms: f64) -> HitReport {
    let mut h = Hit::event(vendor, Some("1234".into()), Some(event.into()));
    h.class = EventClass::PageView;
    h.params.insert("value".into(), json!(59.9));
    h.params.insert("currency".into(), json!("EUR"));
    h.raw.insert("ev".into(), json!(event));
    HitReport {
        hit: h,
        url: format!("https://tracker.test/tr?ev={event}"),
        method: "GET".into(),
        status: Some(200),
        outcome: "200".into(),
        time_ms,
        target: TargetKind::Page,
        mirrors: vec![],
        blocked_by: None,
        first_party: false,
    }
}

pub(super) fn page(
    name: &str,
    url: &str,
    hits: Vec<HitReport>,
    findings: Vec<Finding>,
) -> PageReport {
    PageReport {
        page_type: None,
        name: name.into(),
        journey: None,
        step: None,
        consent: Some(Scenario::Accept),
        consent_at_ms: Some(500.0),
        device: Device::Desktop,
        url: url.into(),
        routes: vec![],
        http_status: Some(200),
        error: None,
        wall_ms: 1500.0,
        last_hit_ms: Some(900.0),
        settled: true,
        requests: 12,
        unfinished: vec![],
        hits,
        findings,
        console: vec![],
        screenshot: None,
        screenshot_png: None,
        adblock: None,
    }
}

pub(in crate::report) fn report() -> Report {
    let mut hostile = hit(META, "PageView", 120.0);
    hostile.hit.params.insert("page_url".into(), json!(XSS2));
    hostile.hit.raw.insert("dl".into(), json!(XSS3));
    hostile.url = format!("https://www.facebook.com/tr/?id=1234&ev=PageView&dl={XSS2}");
    let mut home = page(
        "home",
        &format!("https://shop.test/?q={XSS1}"),
        vec![
            hostile,
            hit(META, "PageView", 130.0),
            hit(GA4, "page_view", 300.0),
        ],
        vec![Finding {
            code: Code::Duplicate,
            severity: Severity::Error,
            vendor: Some(META),
            account: Some("1234".into()),
            event: Some("PageView".into()),
            message: "meta PageView fired 2 times for 1234 in one page load".into(),
            evidence: json!({"count": 2, "note": XSS3}),
        }],
    );
    home.console.push(ConsoleEntry {
        source: "console".into(),
        level: "error".into(),
        text: format!("Uncaught {XSS2} {XSS3}"),
        url: None,
    });
    let mut cart = page(
        "cart",
        "https://shop.test/cart",
        vec![hit(META, "InitiateCheckout", 200.0)],
        vec![Finding {
            code: Code::MissingEid,
            severity: Severity::Warning,
            vendor: Some(META),
            account: Some("1234".into()),
            event: Some("InitiateCheckout".into()),
            message: "meta InitiateCheckout has no event id (eid)".into(),
            evidence: json!({"url": "https://tracker.test/tr?ev=InitiateCheckout"}),
        }],
    );
    // A single-page app: the checkout route's URL is hostile too.
    cart.routes = vec![
        Route {
            url: "https://shop.test/cart".into(),
            at_ms: 0.0,
            entered: true,
        },
        Route {
            url: format!("https://shop.test/#/checkout{XSS3}"),
            at_ms: 1250.0,
            entered: true,
        },
    ];
    let mut report = Report {
        emails: Vec::new(),
        discovery: None,
        version: crate::report::REPORT_VERSION,
        tool: "pixelaudit 0.1.0".into(),
        site: "demo-store".into(),
        started_at: chrono::Utc
            .with_ymd_and_hms(2026, 11, 28, 13, 41, 2)
            .unwrap(),
        finished_at: chrono::Utc
            .with_ymd_and_hms(2026, 11, 28, 13, 41, 9)
            .unwrap(),
        summary: Summary::default(),
        pages: vec![home, cart],
        adblock: None,
        regressions: None,
        partial: None,
        history: None,
    };
    report.summarize();
    report
}
