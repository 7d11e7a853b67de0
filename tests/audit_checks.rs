//! End-to-end: the compiled binary audits fixture pages in real Chromium, and each generic
//! check reports exactly its planted defect (and nothing on correct pages).

mod common;

use std::sync::OnceLock;

use common::{audit_urls, audit_with_args, fixtures, page, s, Audit};

const PAGES: &[&str] = &[
    "clean.html",
    "duplicate.html",
    "missing_param.html",
    "wrong_type.html",
    "csp.html",
    "endpoint_error.html",
    "missing_eid.html",
    "late.html",
    "service_worker.html",
    "lazy_bundle.html",
    "does-not-exist.html",
];
const UNRESOLVABLE: &str = "https://gone.invalid/";

/// One audit of every fixture page, shared by the tests below (one browser start).
fn audit() -> &'static Audit {
    static AUDIT: OnceLock<Audit> = OnceLock::new();
    AUDIT.get_or_init(|| {
        let mut urls: Vec<String> = PAGES.iter().map(|p| page(p)).collect();
        urls.push(UNRESOLVABLE.to_string());
        audit_urls(&urls, &["--quiet-ms".into(), "1500".into()])
    })
}

fn finding(code: &str, vendor: &str, event: &str) -> (String, String, String) {
    (code.to_string(), vendor.to_string(), event.to_string())
}

fn event(vendor: &str, event: &str) -> (String, String) {
    (vendor.to_string(), event.to_string())
}

#[test]
fn error_findings_make_exit_code_2_and_report_is_versioned() {
    let audit = audit();
    assert_eq!(audit.code, 2, "stderr: {}", audit.stderr);
    assert_eq!(audit.report["version"], 1);
    assert_eq!(audit.report["site"], "adhoc");
    assert_eq!(
        audit.report["pages"].as_array().unwrap().len(),
        PAGES.len() + 1
    );
    let mut saved: Vec<String> = std::fs::read_dir(audit.reports.path().join("adhoc"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    saved.sort();
    assert_eq!(
        saved.len(),
        2,
        "reports/adhoc/<timestamp>/ and reports/adhoc/latest/: {saved:?}"
    );
    assert_eq!(saved[1], "latest");
    for dir in &saved {
        for file in [
            "report.json",
            "report.html",
            "junit.xml",
            "summary.md",
            "report.txt",
        ] {
            assert!(
                audit
                    .reports
                    .path()
                    .join("adhoc")
                    .join(dir)
                    .join(file)
                    .is_file(),
                "{dir}/{file}"
            );
        }
    }
    // The formats agree: JUnit fails the same vendors the JSON reports errors for.
    let junit =
        std::fs::read_to_string(audit.reports.path().join("adhoc/latest/junit.xml")).unwrap();
    assert!(junit.contains("<testsuite name=\"adhoc\""), "{junit}");
    assert!(junit.contains("type=\"duplicate\""), "{junit}");
    assert!(
        junit.contains("[duplicate] meta PageView fired 2 times"),
        "{junit}"
    );
    let markdown =
        std::fs::read_to_string(audit.reports.path().join("adhoc/latest/summary.md")).unwrap();
    assert!(
        markdown.starts_with("## ❌ pixelaudit: adhoc"),
        "{markdown}"
    );
    assert!(
        markdown.contains("| `duplicate` | meta | PageView |"),
        "{markdown}"
    );
}

#[test]
fn clean_page_decodes_every_vendor_from_page_iframe_and_worker_with_no_findings() {
    let audit = audit();
    let url = page("clean.html");
    assert_eq!(
        audit.findings(&url),
        vec![],
        "{}",
        audit.page(&url)["findings"]
    );
    let mut events = audit.events(&url);
    events.sort();
    let mut expected = vec![
        event("meta", "Purchase"),
        event("ga4", "page_view"),
        event("ga4", "purchase"),
        event("x", "pageview"),
        event("google_ads", "conversion"),
        event("tiktok", "CompletePayment"),
        event("bing", "pageLoad"),
        event("reddit", "PageVisit"),
        event("pinterest", "pagevisit"),
        event("snap", "PAGE_VIEW"),
    ];
    expected.sort();
    assert_eq!(events, expected);
    let hits = audit.page(&url)["hits"].as_array().unwrap();
    let by = |vendor: &str| {
        hits.iter()
            .find(|h| h["vendor"] == vendor && h["kind"] == "event")
            .unwrap()
    };
    // Mirrors are folded into their event, not counted again.
    assert_eq!(by("meta")["mirrors"].as_array().unwrap().len(), 1);
    assert_eq!(by("x")["mirrors"].as_array().unwrap().len(), 1);
    assert_eq!(by("google_ads")["mirrors"].as_array().unwrap().len(), 1);
    // Targets: the Pinterest frame is cross-site, Snap runs in a worker.
    assert_eq!(by("pinterest")["target"], "iframe");
    assert_eq!(by("snap")["target"], "worker");
    // The Blob beacon's body was recovered and decoded.
    assert_eq!(by("tiktok")["params"]["value"], 89.8);
    assert_eq!(by("tiktok")["params"]["event_id"], "order-1001");
    assert_eq!(
        by("meta")["params"]["content_ids"],
        serde_json::json!(["LS-001", "TS-002"])
    );
}

#[test]
fn every_vendor_request_the_server_received_was_captured() {
    let audit = audit();
    let url = page("clean.html");
    let hits = audit.page(&url)["hits"].as_array().unwrap();
    let captured: usize = hits
        .iter()
        .map(|h| 1 + h["mirrors"].as_array().unwrap().len())
        .sum();
    let vendor_hosts = [
        "www.facebook.com",
        "region1.google-analytics.com",
        "t.co",
        "analytics.twitter.com",
        "www.googleadservices.com",
        "www.google.com",
        "analytics.tiktok.com",
        "bat.bing.com",
        "alb.reddit.com",
        "ct.pinterest.com",
        "tr.snapchat.com",
    ];
    let received = fixtures()
        .received()
        .into_iter()
        .filter(|r| vendor_hosts.contains(&r.host.as_str()) && r.method != "OPTIONS")
        .filter(|r| {
            r.path_and_query.contains("fix")
                || r.body.contains("fix")
                || r.path_and_query.contains("FIXTURE")
                || r.body.contains("FIXTURE")
                || r.path_and_query.contains("2612345678901")
                || r.path_and_query.contains("187654321")
                || r.path_and_query.contains("a2_fixture")
                || r.path_and_query.contains("987654321")
        })
        .filter(|r| !r.path_and_query.contains("pixelaudit_status"))
        .count();
    assert!(
        captured >= 13,
        "captured {captured} vendor requests on the clean page"
    );
    assert!(
        received >= captured,
        "server received {received}, captured {captured}"
    );
}

#[test]
fn duplicated_base_code_is_one_duplicate_finding() {
    let audit = audit();
    let url = page("duplicate.html");
    assert_eq!(
        audit.findings(&url),
        vec![finding("duplicate", "meta", "PageView")]
    );
    let f = &audit.page(&url)["findings"][0];
    assert_eq!(f["severity"], "error");
    assert_eq!(f["account"], "1234567890123456");
    assert_eq!(f["evidence"]["count"], 2);
}

#[test]
fn missing_currency_is_reported_per_hit() {
    let audit = audit();
    let url = page("missing_param.html");
    assert_eq!(
        audit.findings(&url),
        vec![
            finding("missing_param", "meta", "ViewContent"),
            finding("missing_param", "ga4", "purchase")
        ]
    );
    for f in audit.page(&url)["findings"].as_array().unwrap() {
        assert_eq!(f["evidence"]["missing"], serde_json::json!(["currency"]));
    }
}

#[test]
fn formatted_value_and_bad_currency_are_wrong_types() {
    let audit = audit();
    let url = page("wrong_type.html");
    assert_eq!(
        audit.findings(&url),
        vec![finding("wrong_type", "meta", "AddToCart")]
    );
    assert_eq!(
        audit.page(&url)["findings"][0]["evidence"]["problems"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
}

#[test]
fn content_security_policy_blocks_are_reported() {
    let audit = audit();
    let url = page("csp.html");
    assert_eq!(
        audit.findings(&url),
        vec![
            finding("csp_blocked", "meta", "-"),
            finding("csp_blocked", "pinterest", "pagevisit")
        ]
    );
    let console = audit.page(&url)["console"].as_array().unwrap();
    assert!(
        console.iter().any(|c| c["source"] == "security"),
        "CSP violations are in the console log"
    );
}

#[test]
fn vendor_endpoint_errors_are_reported() {
    let audit = audit();
    let url = page("endpoint_error.html");
    assert_eq!(
        audit.findings(&url),
        vec![
            finding("endpoint_error", "meta", "PageView"),
            finding("endpoint_error", "tiktok", "Pageview")
        ]
    );
    assert!(s(&audit.page(&url)["findings"][0]["message"]).contains("500"));
}

#[test]
fn conversions_without_event_ids_are_warnings() {
    let audit = audit();
    let url = page("missing_eid.html");
    assert_eq!(
        audit.findings(&url),
        vec![
            finding("missing_eid", "meta", "Purchase"),
            finding("missing_eid", "tiktok", "CompletePayment")
        ]
    );
    assert!(audit.page(&url)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["severity"] == "warning"));
}

#[test]
fn network_idle_waits_for_a_late_pixel() {
    let audit = audit();
    let url = page("late.html");
    assert_eq!(audit.events(&url), vec![event("meta", "PageView")]);
    let last = audit.page(&url)["last_hit_ms"].as_f64().unwrap();
    assert!(last >= 900.0, "the pixel fired at {last} ms");
    assert_eq!(audit.page(&url)["settled"], true);
}

#[test]
fn service_worker_requests_are_captured_once() {
    let audit = audit();
    let url = page("service_worker.html");
    assert_eq!(audit.events(&url), vec![event("reddit", "PageVisit")]);
    assert_eq!(audit.page(&url)["hits"][0]["target"], "service_worker");
    assert_eq!(audit.findings(&url), vec![]);
}

#[test]
fn a_crashed_tab_is_a_page_error_and_the_next_page_is_still_audited() {
    let late = page("late.html");
    let audit = audit_urls(&["chrome://crash".to_string(), late.clone()], &[]);
    assert_eq!(audit.code, 2, "{}", audit.stderr);
    assert_eq!(
        audit.findings("chrome://crash"),
        vec![finding("page_error", "-", "-")]
    );
    assert!(s(&audit.page("chrome://crash")["findings"][0]["message"]).contains("crashed"));
    assert_eq!(
        audit.events(&late),
        vec![event("meta", "PageView")],
        "{}",
        audit.page(&late)
    );
}

#[test]
fn missing_and_unresolvable_pages_are_page_errors_and_the_audit_goes_on() {
    let audit = audit();
    let url = page("does-not-exist.html");
    assert_eq!(audit.findings(&url), vec![finding("page_error", "-", "-")]);
    assert_eq!(audit.page(&url)["http_status"], 404);
    assert_eq!(
        audit.findings(UNRESOLVABLE),
        vec![finding("page_error", "-", "-")]
    );
    assert!(
        s(&audit.page(UNRESOLVABLE)["findings"][0]["message"]).contains("ERR_NAME_NOT_RESOLVED")
    );
}

#[test]
fn failing_vendor_loaders_are_broken_scripts() {
    let fixtures = fixtures();
    let args = fixtures.chromium_args_with_rules("MAP sc-static.net ~NOTFOUND");
    let url = page("broken_script.html");
    let audit = audit_with_args(
        std::slice::from_ref(&url),
        args,
        &["--quiet-ms".into(), "500".into()],
    );
    assert_eq!(audit.code, 2, "{}", audit.stderr);
    assert_eq!(
        audit.findings(&url),
        vec![
            finding("broken_script", "meta", "-"),
            finding("broken_script", "snap", "-")
        ]
    );
    let messages: Vec<String> = audit.page(&url)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| s(&f["message"]))
        .collect();
    assert!(messages[0].contains("404"), "{messages:?}");
    assert!(
        messages[1].contains("ERR_NAME_NOT_RESOLVED"),
        "{messages:?}"
    );
}

#[test]
fn a_failed_lazy_bundle_on_a_vendor_script_host_is_a_broken_script() {
    let audit = audit();
    let url = page("lazy_bundle.html");
    assert_eq!(
        audit.findings(&url),
        vec![finding("broken_script", "tiktok", "-")],
        "the theme's 404 on the shared CDN is no vendor's: {}",
        audit.page(&url)["findings"]
    );
    let f = &audit.page(&url)["findings"][0];
    assert!(
        s(&f["evidence"]["url"]).contains("analytics.tiktok.com/i18n/pixel/static/identify_"),
        "{f}"
    );
    assert!(s(&f["message"]).contains("failed: 404"), "{f}");
    assert_eq!(f["evidence"]["lost_events"], serde_json::json!([]));
    assert!(
        fixtures()
            .received()
            .iter()
            .any(|r| r.host == "cdn.shopify.com" && r.path_and_query.contains("theme.js")),
        "the theme's script was requested (and answered 404)"
    );
}

#[test]
fn the_expected_events_a_failed_bundle_loses_are_named_in_its_one_finding() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("lazy.toml");
    std::fs::write(
        &config,
        r#"base_url = "https://fixtures.test/"

[browser]
quiet_ms = 500
expect_timeout_ms = 1000

[[pages]]
name = "lazy"
path = "/lazy_bundle.html"

  [[pages.expect]]
  vendor = "tiktok"
  event = "Pageview"

  [[pages.expect]]
  vendor = "tiktok"
  event = "ViewContent"

  [[pages.expect]]
  vendor = "meta"
  event = "PageView"
"#,
    )
    .unwrap();
    let audit = common::audit_config(&config, None, &[]);
    assert_eq!(audit.code, 2, "{}", audit.stderr);
    let url = page("lazy_bundle.html");
    assert_eq!(
        audit.findings(&url),
        vec![finding("broken_script", "tiktok", "-")],
        "no not_fired for the lost events, nothing for the Meta PageView that fired: {}",
        audit.page(&url)["findings"]
    );
    let f = &audit.page(&url)["findings"][0];
    assert_eq!(
        f["evidence"]["lost_events"],
        serde_json::json!(["Pageview", "ViewContent"])
    );
    assert!(
        s(&f["message"]).ends_with("so the expected Pageview and ViewContent did not fire"),
        "{f}"
    );
}

#[test]
fn several_formats_go_to_one_folder() {
    let out = tempfile::tempdir().unwrap();
    let reports = tempfile::tempdir().unwrap();
    let mut args: Vec<String> = vec!["audit".into(), "--url".into(), page("late.html")];
    args.extend([
        "--format".into(),
        "json,junit,markdown,html".into(),
        "--output".into(),
        out.path().display().to_string(),
    ]);
    args.extend(["--reports-dir".into(), reports.path().display().to_string()]);
    args.extend(
        fixtures()
            .chromium_args()
            .into_iter()
            .map(|a| format!("--browser-arg={a}")),
    );
    let output = common::run(&args);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.stdout.is_empty(),
        "nothing on stdout when writing files"
    );
    for file in ["report.json", "junit.xml", "summary.md", "report.html"] {
        assert!(out.path().join(file).is_file(), "{file}");
    }
    let junit = std::fs::read_to_string(out.path().join("junit.xml")).unwrap();
    assert!(junit.contains("<testcase name=\"meta\""), "{junit}");
    assert!(!junit.contains("<failure"), "{junit}");
}

#[test]
fn fail_on_warning_turns_warnings_into_exit_code_2() {
    let url = page("missing_eid.html");
    let normal = audit_urls(
        std::slice::from_ref(&url),
        &["--quiet-ms".into(), "500".into()],
    );
    assert_eq!(normal.code, 0, "warnings alone pass by default");
    let strict = audit_urls(
        std::slice::from_ref(&url),
        &[
            "--quiet-ms".into(),
            "500".into(),
            "--fail-on".into(),
            "warning".into(),
        ],
    );
    assert_eq!(strict.code, 2);
}

#[test]
fn base_url_points_a_config_at_another_deploy() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("live.toml");
    std::fs::write(&config, "base_url = \"https://live-shop.invalid/\"\n[[pages]]\nname = \"late\"\npath = \"/late.html\"\n").unwrap();
    let audit = common::audit_config(
        &config,
        None,
        &[
            "--base-url".into(),
            "https://fixtures.test/".into(),
            "--quiet-ms".into(),
            "1500".into(),
        ],
    );
    assert_eq!(audit.code, 0, "{}", audit.stderr);
    assert_eq!(
        audit.report["pages"][0]["url"],
        "https://fixtures.test/late.html"
    );
    assert_eq!(
        audit.events("https://fixtures.test/late.html"),
        vec![event("meta", "PageView")]
    );
}

#[test]
fn regressions_since_the_previous_run_are_reported_first_and_can_fail_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let reports = dir.path().join("reports");
    let run = |page_file: &str| {
        let config = dir.path().join("shop.toml");
        std::fs::write(&config, format!("base_url = \"https://fixtures.test/\"\n[[pages]]\nname = \"home\"\npath = \"/{page_file}\"\n")).unwrap();
        let extra = [
            "--quiet-ms".to_string(),
            "1500".into(),
            "--fail-on".into(),
            "regression".into(),
        ];
        common::audit_config(&config, Some(&reports), &extra)
    };
    // Known problems do not fail a run that fails only on regressions.
    let first = run("duplicate.html");
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert!(
        first.report["regressions"].is_null(),
        "nothing to compare with on the first run"
    );
    let second = run("duplicate.html");
    assert_eq!(second.code, 0);
    assert_eq!(
        second.report["regressions"]["new_findings"]
            .as_array()
            .unwrap()
            .len(),
        0
    );

    // The duplicate is fixed, but the second Meta pixel stops firing: a lost event fails the run.
    let third = run("late.html");
    assert_eq!(third.code, 2);
    let r = &third.report["regressions"];
    assert_eq!(r["fixed_findings"][0]["code"], "duplicate");
    assert_eq!(r["lost_events"].as_array().unwrap().len(), 1);
    assert_eq!(r["lost_events"][0]["account"], "6543210987654321");

    // The duplicate comes back: a new finding fails the run.
    let fourth = run("duplicate.html");
    assert_eq!(fourth.code, 2);
    assert_eq!(
        fourth.report["regressions"]["new_findings"][0]["code"],
        "duplicate"
    );
    assert_eq!(
        fourth.report["regressions"]["new_findings"][0]["page"],
        "home"
    );

    // Every run is in the history database, newest first.
    let history = common::bin()
        .args(["history", "shop", "--format", "json", "--reports-dir"])
        .arg(&reports)
        .output()
        .unwrap();
    let runs: serde_json::Value = serde_json::from_slice(&history.stdout).unwrap();
    let runs = runs.as_array().unwrap();
    assert_eq!(runs.len(), 4);
    assert_eq!(
        runs[0]["regressions"], 1,
        "the newest run had one new finding"
    );
    assert_eq!(runs[1]["regressions"], 1, "the run before lost one event");
    assert!(runs[0]["started_at"].as_str() > runs[3]["started_at"].as_str());
    // JUnit lists the regression first.
    let junit = std::fs::read_to_string(reports.join("shop/latest/junit.xml")).unwrap();
    let regression_case = junit
        .find("classname=\"shop.regressions\"")
        .expect("a regressions test case");
    assert!(regression_case < junit.find("classname=\"shop.home\"").unwrap());
    assert!(junit.contains("type=\"regression\""), "{junit}");
    // The HTML report draws each vendor's trend over those runs.
    let html = std::fs::read_to_string(reports.join("shop/latest/report.html")).unwrap();
    assert!(html.contains("Vendor health over the last runs"));
    assert!(html.contains("<polyline"), "an inline SVG chart");

    let table = std::fs::read_to_string(reports.join("shop/latest/report.txt")).unwrap();
    let since = table
        .find("Since the last run")
        .expect("regressions in the table");
    assert!(since < table.find("┌").unwrap(), "shown before the tables");
}

/// Parallel sessions change how long an audit takes, not what it says: pages come back in the
/// order given, with the same findings and events.
#[test]
fn parallel_sessions_give_the_same_report_in_the_same_order() {
    let urls: Vec<String> = [
        "duplicate.html",
        "missing_param.html",
        "clean.html",
        "wrong_type.html",
        "broken_script.html",
    ]
    .iter()
    .map(|p| page(p))
    .collect();
    type Findings = Vec<(String, String, String)>;
    let summary = |audit: &Audit| -> Vec<(String, Findings)> {
        audit.report["pages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                let url = s(&p["url"]);
                (url.clone(), audit.findings(&url))
            })
            .collect()
    };
    let one = audit_urls(&urls, &["--sessions=1".into()]);
    let three = audit_urls(&urls, &["--sessions=3".into()]);
    assert_eq!(summary(&one), summary(&three));
    let order: Vec<String> = summary(&three).into_iter().map(|(u, _)| u).collect();
    assert_eq!(order, urls);
}

#[test]
fn a_report_that_cannot_be_saved_is_a_failure_not_a_clean_run() {
    // The reports "folder" is a file: nothing can be saved under it.
    let blocker = tempfile::NamedTempFile::new().unwrap();
    let mut args = vec![
        "audit".to_string(),
        "--format".into(),
        "json".into(),
        "--quiet-ms".into(),
        "500".into(),
        "--url".into(),
        page("clean.html"),
        "--reports-dir".into(),
        blocker.path().display().to_string(),
    ];
    for arg in fixtures().chromium_args() {
        args.push(format!("--browser-arg={arg}"));
    }
    let output = common::run(&args);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("error: could not save the report under"),
        "{stderr}"
    );
    // The audit itself ran and its report still reaches stdout.
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["summary"]["errors"], 0, "clean.html is clean");
}
