//! End-to-end: real EasyList + EasyPrivacy (Debian's copies) and real Chromium. Each hit names
//! the rule that blocks it; the blocked run really blocks requests from the page, its
//! cross-site iframes and its workers, and reports what is lost and what survives.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};

use common::{audit_config, audit_urls, fixtures, page, s, site_config};
use pixelaudit_test_support::http::{Response, TestServer};

#[test]
fn filter_lists_name_the_rule_and_the_blocked_run_shows_what_survives() {
    let adblock = page("adblock.html");
    let clean = page("clean.html");
    let cascade = page("cascade.html");
    let audit = audit_urls(
        &[adblock.clone(), clean.clone(), cascade.clone()],
        &["--adblock".into(), "--quiet-ms".into(), "700".into()],
    );
    // adblock_blocked findings are `info` by default: they do not fail the run.
    assert_eq!(audit.code, 0, "{}", audit.stderr);

    let summary = &audit.report["adblock"];
    let lists: Vec<String> = summary["lists"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| s(&l["name"]))
        .collect();
    assert_eq!(lists, vec!["easylist", "easyprivacy"]);
    assert!(
        summary["lists"][1]["rules"].as_u64().unwrap() > 10_000,
        "the real EasyPrivacy is loaded"
    );
    assert_eq!(summary["blocked_run"], true);

    let page_of = |url: &str| audit.page(url);
    let hits = page_of(&adblock)["hits"].as_array().unwrap().clone();
    let by = |vendor: &str| hits.iter().find(|h| h["vendor"] == vendor).unwrap().clone();
    assert_eq!(by("meta")["blocked_by"]["list"], "easyprivacy");
    assert!(s(&by("meta")["blocked_by"]["rule"]).contains("facebook.com/tr"));
    assert_eq!(by("reddit")["blocked_by"]["rule"], "||alb.reddit.com^");
    assert!(
        by("klaviyo")["blocked_by"].is_null(),
        "no rule blocks Klaviyo's client events API"
    );
    // The store's own server-side endpoint is first-party, and a generic rule still blocks it.
    assert_eq!(by("ga4")["first_party"], true);
    assert_eq!(by("ga4")["blocked_by"]["rule"], "/collect?v=");

    let outcome = &page_of(&adblock)["adblock"];
    assert_eq!(
        (outcome["events"].as_u64(), outcome["survived"].as_u64()),
        (Some(4), Some(1))
    );
    let mut lost: Vec<String> = outcome["lost"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| s(&l["vendor"]))
        .collect();
    lost.sort();
    assert_eq!(lost, vec!["ga4", "meta", "reddit"]);

    // A cascade: the GA4 hit itself matches no rule (first-party, all in the POST body), but the
    // container that sends it does, so it is lost and attributed to the container.
    let cascade_page = page_of(&cascade);
    let ga4 = cascade_page["hits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["vendor"] == "ga4")
        .unwrap();
    assert!(ga4["blocked_by"].is_null());
    assert_eq!(ga4["first_party"], true);
    let lost = &cascade_page["adblock"]["lost"][0];
    assert_eq!(lost["vendor"], "ga4");
    assert_eq!(
        lost["cause"],
        "its script https://fixtures.test/gtm.js?id=GTM-FIXCAS matches `/gtm.js` (easyprivacy)"
    );
    let findings = audit.findings(&adblock);
    assert_eq!(findings.len(), 3);
    assert!(findings
        .iter()
        .all(|(code, _, _)| code == "adblock_blocked"));

    // On the clean page every vendor is lost, including the Pinterest hit from a cross-site
    // iframe and the Snap hit from a worker: the blocked run really blocked them, so the server
    // received each of those only once (from the normal run).
    let clean_outcome = &page_of(&clean)["adblock"];
    assert_eq!(clean_outcome["survived"], 0);
    assert_eq!(clean_outcome["blocked_requests"], clean_outcome["events"]);
    let received = fixtures().received();
    // (The download test below loads the same page with `?run=download`.)
    // (The download test below loads the same page, with `?run=download`.)
    let count = |host: &str, marker: &str| {
        received
            .iter()
            .filter(|r| {
                r.host == host && (r.path_and_query.contains(marker) || r.body.contains(marker))
            })
            .filter(|r| {
                !r.body.contains("run=download") && !r.path_and_query.contains("run%3Ddownload")
            })
            .count()
    };
    assert_eq!(
        count("ct.pinterest.com", "clean.html"),
        1,
        "iframe request blocked in the blocked run"
    );
    assert_eq!(
        count("tr.snapchat.com", "000000000fix"),
        1,
        "worker request blocked in the blocked run"
    );
    assert_eq!(
        count("a.klaviyo.com", "FIX123"),
        2,
        "Klaviyo is sent in both runs"
    );
}

#[test]
fn demo_store_first_party_endpoint_is_recognised_and_klaviyo_survives() {
    let audit = audit_config(&site_config("demo-adblock.toml"), None, &[]);
    let report = &audit.report;
    assert_eq!(audit.code, 2);
    let home = &report["pages"][0];
    let sgtm = home["hits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["account"] == "G-DEMOSGTM1")
        .expect("server-side GA4 hit");
    assert_eq!(sgtm["first_party"], true);
    assert_eq!(sgtm["blocked_by"]["rule"], "/collect?v=");
    let monorail = home["hits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["vendor"] == "shopify" && h["kind"] == "event")
        .unwrap();
    assert_eq!(monorail["first_party"], true);
    assert_eq!(
        monorail["blocked_by"]["rule"],
        "/.well-known/shopify/monorail"
    );
    let lost = home["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "adblock_blocked")
        .collect::<Vec<_>>();
    assert!(lost.iter().all(|f| f["severity"] == "warning"));
    let vendors = report["adblock"]["vendors"].as_array().unwrap();
    let survival = |vendor: &str| {
        let v = vendors.iter().find(|v| v["vendor"] == vendor).unwrap();
        (
            v["events"].as_u64().unwrap(),
            v["survived"].as_u64().unwrap(),
        )
    };
    let (klaviyo_events, klaviyo_survived) = survival("klaviyo");
    assert!(
        klaviyo_events > 0 && klaviyo_events == klaviyo_survived,
        "Klaviyo's endpoints are on no list"
    );
    assert_eq!(survival("meta").1, 0);
    assert_eq!(
        survival("tiktok").1,
        0,
        "the worker's TikTok hits are blocked too"
    );
    assert_eq!(
        survival("pinterest").1,
        0,
        "the sandboxed iframe's Pinterest hits are blocked too"
    );
    let thank_you = &report["pages"][1];
    let purchase = thank_you["adblock"]["lost"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["vendor"] == "meta" && l["event"] == "Purchase")
        .unwrap();
    assert!(
        s(&purchase["cause"]).contains("facebook.com/tr"),
        "{purchase}"
    );
}

/// Serves `body` once over HTTP on a loopback port, then answers 503: a list host that goes away.
fn one_shot_list_server(body: &'static str) -> TestServer {
    let served = AtomicUsize::new(0);
    TestServer::start(move |_| {
        if served.fetch_add(1, Ordering::SeqCst) == 0 {
            Response::ok("text/plain", body)
        } else {
            Response::new(503)
        }
    })
}

#[test]
fn downloaded_lists_are_cached_and_a_stale_copy_is_used_when_the_download_fails() {
    let server = one_shot_list_server("! Title: custom\n||a.klaviyo.com^\n");
    let port = server.port();
    let dir = tempfile::tempdir().unwrap();
    let reports = dir.path().join("reports");
    let write_config = |max_age_hours: u64| {
        let path = dir.path().join("site.toml");
        std::fs::write(
            &path,
            format!(
                "base_url = \"https://fixtures.test/\"\n[[pages]]\npath = \"/adblock.html?run=download\"\n[adblock]\nlists = [\"http://127.0.0.1:{port}/lists/custom.txt\"]\nblocked_run = false\nmax_age_hours = {max_age_hours}\n"
            ),
        )
        .unwrap();
        path
    };
    let audit = |config: &std::path::Path| {
        let extra = ["--quiet-ms".to_string(), "500".to_string()];
        let run = audit_config(config, Some(&reports), &extra);
        (run.report, run.stderr)
    };
    let klaviyo_rule = |report: &serde_json::Value| {
        let hit = report["pages"][0]["hits"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["vendor"] == "klaviyo")
            .unwrap()
            .clone();
        (s(&hit["blocked_by"]["list"]), s(&hit["blocked_by"]["rule"]))
    };
    let expected = ("custom".to_string(), "||a.klaviyo.com^".to_string());

    let (first, stderr) = audit(&write_config(24));
    assert!(
        stderr.contains("filter list custom") && stderr.contains("downloaded"),
        "{stderr}"
    );
    assert_eq!(klaviyo_rule(&first), expected);
    assert_eq!(first["adblock"]["lists"][0]["note"], "downloaded");

    let (second, stderr) = audit(&write_config(24));
    assert!(stderr.contains("cached"), "{stderr}");
    assert_eq!(klaviyo_rule(&second), expected);

    // Expired, and the host now answers 503: the stale copy is used, and the report says so.
    let (third, stderr) = audit(&write_config(0));
    let note = s(&third["adblock"]["lists"][0]["note"]);
    assert!(
        note.starts_with("stale copy") && note.contains("503"),
        "{note}"
    );
    assert!(stderr.contains("stale copy"), "{stderr}");
    assert_eq!(klaviyo_rule(&third), expected);
}
