//! End-to-end: real EasyList + EasyPrivacy (Debian's copies) and real Chromium. Each hit names
//! the rule that blocks it; the blocked run really blocks requests from the page, its
//! cross-site iframes and its workers, and reports what is lost and what survives.

mod common;

use common::{audit_urls, fixtures, page, s};

#[test]
fn filter_lists_name_the_rule_and_the_blocked_run_shows_what_survives() {
    let adblock = page("adblock.html");
    let clean = page("clean.html");
    let audit = audit_urls(
        &[adblock.clone(), clean.clone()],
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
    let count = |host: &str, marker: &str| {
        received
            .iter()
            .filter(|r| {
                r.host == host && (r.path_and_query.contains(marker) || r.body.contains(marker))
            })
            .count()
    };
    assert_eq!(
        count("ct.pinterest.com", "2612345678901"),
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
