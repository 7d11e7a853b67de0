//! End-to-end: a second fixture store, written from the vendors' current wire formats
//! (`tests/fixtures/pages/current/`, stand-ins in `tags.js`), audited in real Chromium with a
//! config written from its tracking plan (`tests/fixtures/sites/current-store.toml`). Each page
//! reports exactly its planted defects; correct pages report nothing.

mod common;

use std::collections::BTreeSet;
use std::sync::OnceLock;

use common::{audit_config, s, site_config, Audit};
use serde_json::Value;

fn audit() -> &'static Audit {
    static AUDIT: OnceLock<Audit> = OnceLock::new();
    AUDIT.get_or_init(|| audit_config(&site_config("current-store.toml"), None, &[]))
}

fn url(page: &str) -> String {
    format!("https://fixtures.test/current/{page}")
}

/// (code, vendor, event) of a page's findings, in report order.
fn findings(page: &str) -> Vec<(String, String, String)> {
    audit().findings(&url(page))
}

fn f(code: &str, vendor: &str, event: &str) -> (String, String, String) {
    (code.into(), vendor.into(), event.into())
}

/// The page's event hits as a set of (vendor, account, event).
fn events(page: &str) -> BTreeSet<(String, String, String)> {
    hits(page)
        .into_iter()
        .filter(|h| h["kind"] == "event")
        .map(|h| (s(&h["vendor"]), s(&h["account"]), s(&h["event"])))
        .collect()
}

fn hits(page: &str) -> Vec<Value> {
    audit().page(&url(page))["hits"]
        .as_array()
        .unwrap()
        .to_vec()
}

/// The one event hit of `vendor` named `event` on `page`.
fn hit(page: &str, vendor: &str, event: &str) -> Value {
    let found: Vec<Value> = hits(page)
        .into_iter()
        .filter(|h| h["vendor"] == vendor && h["event"] == event)
        .collect();
    assert_eq!(found.len(), 1, "{vendor} {event} on {page}: {found:?}");
    found[0].clone()
}

fn e(vendor: &str, account: &str, event: &str) -> (String, String, String) {
    (vendor.into(), account.into(), event.into())
}

const META: &str = "2233445566778899";
const SNAP: &str = "c3f1e2a0-5b6d-4e7f-8a9b-0c1d2e3f4a5b";

#[test]
fn correct_pages_report_nothing() {
    for page in ["index.html", "product.html", "thank-you.html"] {
        assert_eq!(findings(page), vec![], "{page}: {}", audit().stderr);
    }
    // Defects elsewhere make the run fail.
    assert_eq!(audit().code, 2, "{}", audit().stderr);
}

#[test]
fn every_vendor_of_the_home_page_is_decoded_in_its_current_format() {
    assert_eq!(
        events("index.html"),
        BTreeSet::from([
            e("meta", META, "PageView"),
            e("ga4", "G-NWO2026XY", "page_view"),
            e("google_ads", "AW-10862264272", "page_view"),
            e("snap", SNAP, "PAGE_VIEW"),
            e("x", "o81g6", "pageview"),
            e("bing", "187654321", "pageLoad"),
            e("reddit", "a2_abc123z", "PageVisit"),
            e("tiktok", "CQ3AB5RC77U3N2T0ABCD", "Pageview"),
            e("klaviyo", "AbC123", "Active on Site"),
        ])
    );
    // The gateway's GA4 hit is the store's own path, marked first-party; its X page view was
    // sent twice (analytics.twitter.com and its t.co copy) and counts once.
    let ga4 = hit("index.html", "ga4", "page_view");
    assert_eq!(ga4["first_party"], true);
    assert!(s(&ga4["url"]).starts_with("https://fixtures.test/metrics/g/collect?"));
    let x = hit("index.html", "x", "pageview");
    assert_eq!(x["mirrors"].as_array().unwrap().len(), 1, "{x}");
    // What Meta's pixel sends by itself is listed as automatic: two button clicks (no
    // duplicate) and its structured-data scrape.
    let automatic: Vec<String> = hits("index.html")
        .into_iter()
        .filter(|h| h["kind"] == "automatic")
        .map(|h| format!("{} {}", s(&h["vendor"]), s(&h["event"])))
        .collect();
    assert_eq!(
        automatic.iter().collect::<BTreeSet<_>>(),
        BTreeSet::from([
            &"meta Microdata".to_string(),
            &"meta SubscribedButtonClick".to_string()
        ])
    );
    assert_eq!(automatic.len(), 3, "{automatic:?}");
}

#[test]
fn one_snap_batch_carries_several_events_and_its_dedup_ids() {
    let page_view = hit("thank-you.html", "snap", "PAGE_VIEW");
    let purchase = hit("thank-you.html", "snap", "PURCHASE");
    assert_eq!(page_view["url"], purchase["url"], "one request, two events");
    assert_eq!(page_view["method"], "POST");
    let p = &purchase["params"];
    assert_eq!(p["event_id"], "purchase-1001");
    assert_eq!(p["transaction_id"], "1001");
    assert_eq!(p["value"], 74.5);
    assert_eq!(p["content_ids"], serde_json::json!(["LS-001", "MS-002"]));
}

#[test]
fn the_order_reaches_every_vendor_with_its_ids() {
    assert_eq!(
        events("thank-you.html"),
        BTreeSet::from([
            e("meta", META, "PageView"),
            e("meta", META, "Purchase"),
            e("ga4", "G-NWO2026XY", "page_view"),
            e("ga4", "G-NWO2026XY", "purchase"),
            e("google_ads", "AW-10862264272", "conversion"),
            e("snap", SNAP, "PAGE_VIEW"),
            e("snap", SNAP, "PURCHASE"),
            e("x", "o81g6", "pageview"),
            e("x", "o81g6", "ocx5k"),
            e("bing", "187654321", "purchase"),
            e("reddit", "a2_abc123z", "Purchase"),
            e("tiktok", "CQ3AB5RC77U3N2T0ABCD", "Purchase"),
            e("klaviyo", "AbC123", "Placed Order"),
        ])
    );
    // X: the conversion tag's conversion_id is its event id, and it is a purchase.
    let x = hit("thank-you.html", "x", "ocx5k");
    assert_eq!(x["class"], "purchase");
    assert_eq!(x["params"]["event_id"], "purchase-1001");
    assert!(x["params"].get("transaction_id").is_none(), "{x}");
    // UET keeps the order id; Reddit's is hashed and says so.
    assert_eq!(
        hit("thank-you.html", "bing", "purchase")["params"]["transaction_id"],
        "1001"
    );
    let reddit = hit("thank-you.html", "reddit", "Purchase");
    assert_eq!(
        reddit["params"]["hashed"],
        serde_json::json!(["event_id", "transaction_id"])
    );
    // Google Ads through the gateway, first-party.
    let ads = hit("thank-you.html", "google_ads", "conversion");
    assert_eq!(ads["first_party"], true);
    assert_eq!(ads["params"]["transaction_id"], "1001");
    // Klaviyo's legacy multipart post.
    let klaviyo = hit("thank-you.html", "klaviyo", "Placed Order");
    assert_eq!(klaviyo["method"], "POST");
    assert_eq!(klaviyo["params"]["value"], 74.5);
}

#[test]
fn a_single_page_app_has_a_page_view_per_route() {
    // Four routes, each with its Meta and GA4 page view; the variant's replaceState is none.
    assert_eq!(findings("lookbook.html"), vec![]);
    let page = audit().page(&url("lookbook.html"));
    let routes: Vec<String> = page["routes"]
        .as_array()
        .unwrap_or_else(|| panic!("routes listed: {page}"))
        .iter()
        .map(|r| s(&r["url"]))
        .collect();
    assert_eq!(
        routes,
        [
            "https://fixtures.test/current/lookbook.html",
            "https://fixtures.test/current/lookbook/linen",
            "https://fixtures.test/current/lookbook/merino",
            "https://fixtures.test/current/lookbook/outerwear",
        ]
    );
    let meta_views = hits("lookbook.html")
        .into_iter()
        .filter(|h| h["vendor"] == "meta" && h["event"] == "PageView")
        .count();
    assert_eq!(meta_views, 4);
    // The broken theme: two page views on one route, none on the next.
    assert_eq!(
        findings("lookbook-broken.html"),
        vec![
            f("duplicate", "meta", "PageView"),
            f("not_fired", "meta", "PageView")
        ]
    );
    let broken = &audit().page(&url("lookbook-broken.html"))["findings"];
    assert_eq!(
        broken[0]["evidence"]["route"],
        "https://fixtures.test/current/lookbook-broken/linen"
    );
    assert_eq!(
        broken[1]["evidence"]["route"],
        "https://fixtures.test/current/lookbook-broken/merino"
    );
}

#[test]
fn planted_order_defects_are_found_once_each() {
    assert_eq!(
        findings("order-defects.html"),
        vec![
            f("missing_eid", "snap", "PURCHASE"),
            f("wrong_value", "bing", "purchase"),
            f("wrong_value", "reddit", "Purchase"),
        ]
    );
    let page = audit().page(&url("order-defects.html"));
    let reddit = page["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["vendor"] == "reddit")
        .unwrap();
    assert!(
        s(&reddit["message"])
            .contains("was sent SHA-256-hashed (\"fe675fe7aaee830b6fed09b64e034f84dcbdaeb429d9cccd4ebb90e15af8dd71\") and is not the hash of the expected \"1002\""),
        "{reddit}"
    );
}

#[test]
fn a_failed_or_blocked_vendor_script_is_one_finding_naming_its_lost_events() {
    for (page, code, vendor, lost) in [
        ("lazy-bundle.html", "broken_script", "tiktok", "ViewContent"),
        ("old-loader.html", "broken_script", "reddit", "PageVisit"),
        ("csp.html", "csp_blocked", "meta", "PageView"),
        // GA4 is loaded by the GTM container: the container's failure takes its page view.
        ("search.html", "broken_script", "gtm", "ga4 page_view"),
    ] {
        assert_eq!(findings(page), vec![f(code, vendor, "-")], "{page}");
        let finding = &audit().page(&url(page))["findings"][0];
        assert_eq!(
            finding["evidence"]["lost_events"],
            serde_json::json!([lost]),
            "{page}: {finding}"
        );
    }
}

/// Stops the served demo on drop (Ctrl-C, so it removes its certificate file), so a failed
/// assertion leaves no server behind.
struct Served(std::process::Child);

impl Drop for Served {
    fn drop(&mut self) {
        let interrupted = std::process::Command::new("kill")
            .args(["-INT", &self.0.id().to_string()])
            .status()
            .is_ok_and(|s| s.success());
        if !interrupted {
            let _ = self.0.kill();
        }
        let _ = self.0.wait();
    }
}

#[test]
fn the_flags_demo_serve_prints_reach_every_vendor_of_the_store() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;

    // What a user does: serve the store and copy the pixelaudit flags it prints.
    let mut child = common::bin()
        .args(["demo", "--serve", "--fixtures"])
        .arg(common::pages_dir())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("pixelaudit demo --serve starts");
    let stdout = child.stdout.take().unwrap();
    let served = Served(child);
    let mut flags = Vec::new();
    let mut in_pixelaudit_flags = false;
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("stdout reads");
        if line.starts_with("pixelaudit flags") {
            in_pixelaudit_flags = true;
            continue;
        }
        if in_pixelaudit_flags {
            match line.trim().strip_prefix("--") {
                Some(_) => flags.push(line.trim().to_string()),
                None => break,
            }
            if line.trim().starts_with("--ca-cert=") {
                break;
            }
        }
    }
    assert!(
        flags.iter().any(|f| f.starts_with("--ca-cert=")),
        "{flags:?}"
    );
    let reports = tempfile::tempdir().unwrap();
    let mut args: Vec<String> = ["audit", "--format", "json", "--quiet-ms", "600"]
        .map(String::from)
        .to_vec();
    args.extend(["--reports-dir".into(), reports.path().display().to_string()]);
    args.extend(["--url".into(), url("index.html")]);
    args.extend(flags);
    let audit = common::run_json(&args, reports);
    drop(served);
    let page = audit.page(&url("index.html"));
    assert_eq!(page["findings"], serde_json::json!([]), "{}", audit.stderr);
    let vendors: BTreeSet<String> = page["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| s(&h["vendor"]))
        .collect();
    assert_eq!(
        vendors.len(),
        9,
        "every vendor of the home page: {vendors:?}"
    );
}

#[test]
fn one_consent_config_over_pages_with_and_without_the_banner() {
    let audit = audit_config(&site_config("current-store-consent.toml"), None, &[]);
    let mut seen: Vec<(String, String, String, String)> = Vec::new();
    for page in audit.report["pages"].as_array().unwrap() {
        for finding in page["findings"].as_array().unwrap() {
            seen.push((
                s(&page["name"]),
                s(&page["consent"]),
                s(&finding["code"]),
                s(&finding["severity"]),
            ));
        }
    }
    seen.sort();
    // The banner page is right in every scenario; the checkout, without the banner, is a
    // visitor who never chose: only the info that the banner was not shown, once per scenario
    // that clicks it.
    let info = |consent: &str| {
        (
            "checkout".to_string(),
            consent.to_string(),
            "banner_not_shown".to_string(),
            "info".to_string(),
        )
    };
    assert_eq!(
        seen,
        vec![info("accept"), info("reject")],
        "{}",
        audit.stderr
    );
    assert_eq!(
        audit.code, 0,
        "infos leave the exit code alone: {}",
        audit.stderr
    );
    // Accepting on the banner page started Meta.
    let home_accept = audit.report["pages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "home" && p["consent"] == "accept")
        .unwrap();
    assert!(home_accept["hits"]
        .as_array()
        .unwrap()
        .iter()
        .any(|h| h["vendor"] == "meta" && h["event"] == "PageView"));
}
