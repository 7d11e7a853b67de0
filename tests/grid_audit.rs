//! End-to-end through a real Selenium Grid 4 (standalone, started by
//! `pixelaudit_test_support::grid` from the npm jar, offline): `--webdriver` audits capture through the Grid's `se:cdp` websocket exactly what
//! a direct chromedriver run captures — page, cross-site iframes, workers, and the simulated
//! blocker's request interception — and the Grid is left with no session and no process.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::{audit_config, s, site_config, Audit};
use pixelaudit_test_support::grid::Grid;
use serde_json::Value;

/// Per page (journey step, consent): sorted findings and event hits, without volatile values
/// (times, ids, tokens).
fn outline(audit: &Audit) -> BTreeMap<String, (Vec<String>, Vec<String>)> {
    let mut pages = BTreeMap::new();
    for page in audit.report["pages"].as_array().expect("pages") {
        let label = match page["journey"].as_str() {
            Some(journey) => format!("{journey}#{}[{}]", page["step"], s(&page["consent"])),
            None => format!("{}[{}]", s(&page["name"]), s(&page["consent"])),
        };
        let mut findings: Vec<String> = page["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                format!(
                    "{} {} {} {}",
                    s(&f["code"]),
                    s(&f["vendor"]),
                    s(&f["event"]),
                    s(&f["severity"])
                )
            })
            .collect();
        findings.sort();
        let mut hits: Vec<String> = page["hits"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|h| h["kind"] == "event")
            .map(|h| {
                format!(
                    "{} {} {} from {} -> {} {}",
                    s(&h["vendor"]),
                    s(&h["event"]),
                    s(&h["account"]),
                    s(&h["target"]),
                    s(&h["outcome"]),
                    s(&h["blocked_by"]["rule"])
                )
            })
            .collect();
        hits.sort();
        assert!(
            pages.insert(label.clone(), (findings, hits)).is_none(),
            "two pages are labelled {label}"
        );
    }
    pages
}

fn targets(audit: &Audit) -> Vec<String> {
    let mut targets: Vec<String> = audit.report["pages"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["hits"].as_array().unwrap().iter())
        .map(|h| s(&h["target"]))
        .collect();
    targets.sort();
    targets.dedup();
    targets
}

fn assert_same(config: &Path, grid: &Grid, extra: &[&str]) -> Audit {
    let mut args: Vec<String> = extra.iter().map(|a| a.to_string()).collect();
    let direct = audit_config(config, None, &args);
    args.extend(["--webdriver".into(), grid.url()]);
    let through_grid = audit_config(config, None, &args);
    assert_eq!(
        through_grid.code, direct.code,
        "exit codes differ; Grid stderr:\n{}",
        through_grid.stderr
    );
    let (want, got) = (outline(&direct), outline(&through_grid));
    assert_eq!(
        want.keys().collect::<Vec<_>>(),
        got.keys().collect::<Vec<_>>()
    );
    for (label, expected) in &want {
        assert_eq!(
            &got[label], expected,
            "{label}: Grid run differs from direct run"
        );
    }
    assert_eq!(
        through_grid.report["summary"], direct.report["summary"],
        "summaries differ"
    );
    assert_eq!(targets(&through_grid), targets(&direct));
    through_grid
}

#[test]
fn audits_through_the_grid_capture_what_direct_runs_capture() {
    let grid = Grid::start();
    let (rss_start, _) = grid.jvm_rss_kb();

    // Two pages with an ad-block pass: Fetch.enable on every target goes through se:cdp too.
    // The thank-you page's Reddit Purchase comes 2.5 s after load, later than this config's
    // 700 ms quiet window may wait: a longer window makes both runs see it.
    let adblock = assert_same(
        &site_config("demo-adblock.toml"),
        &grid,
        &["--quiet-ms", "3000"],
    );
    assert_eq!(adblock.code, 2);
    assert!(adblock.report["adblock"]["vendors"]
        .as_array()
        .is_some_and(|v| !v.is_empty()));

    // The whole demo store: consent scenarios, journeys, the SPA, the planted defects.
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("sites/demo-store.toml");
    let audit = assert_same(&demo, &grid, &[]);
    let hits_from: Vec<String> = targets(&audit);
    assert!(
        hits_from.iter().any(|t| t == "iframe") && hits_from.iter().any(|t| t == "worker"),
        "cross-site iframes and workers are captured through the Grid: {hits_from:?}"
    );
    let errors: Value = audit.report["summary"]["errors"].clone();
    assert_eq!(errors, 9, "the demo's planted error findings");

    // Every session was closed, and each run opened as many sessions as the Grid had free
    // slots (2), none replaced.
    assert_eq!(grid.open_sessions(), 0);
    assert_eq!(grid.log().matches("Session created by the Node").count(), 4);
    assert!(
        grid.browser_processes().is_empty(),
        "no chromedriver or Chromium outlives its session: {:?}",
        grid.browser_processes()
    );
    let (rss_end, rss_peak) = grid.jvm_rss_kb();
    eprintln!(
        "Grid JVM RSS: {} MB at start, {} MB after the audits, peak {} MB",
        rss_start / 1024,
        rss_end / 1024,
        rss_peak / 1024
    );
    grid.stop();
}

#[test]
fn the_harness_leaves_nothing_behind() {
    let grid = Grid::start_with(1);
    let pid = grid.pid();
    assert_eq!(grid.status().unwrap()["value"]["ready"], true);
    // A session whose browser is still running when the Grid is stopped.
    grid.open_raw_session().expect("a session");
    assert!(!grid.browser_processes().is_empty(), "Chromium runs");
    grid.stop();
    assert!(
        !Path::new(&format!("/proc/{pid}")).exists(),
        "the JVM is gone"
    );
}

/// One page through `grid`: the audit's exit code and its page's event hits.
fn audit_home(grid: &Grid) -> (i32, Vec<String>, String) {
    let audit = common::audit_urls(
        &["https://demo-store.test/".to_string()],
        &["--webdriver".into(), grid.url()],
    );
    let events = outline(&audit)
        .into_values()
        .flat_map(|(_, hits)| hits)
        .collect();
    (audit.code, events, audit.stderr)
}

#[test]
fn a_grid_with_basic_auth_gets_its_sessions_back() {
    let grid = Grid::start_with_args(2, &["--username", "ci", "--password", "s3cret"]);
    for _ in 0..2 {
        let (code, events, stderr) = audit_home(&grid);
        assert_eq!(code, 0, "{stderr}");
        assert!(!events.is_empty(), "events captured through se:cdp");
        // fantoccini's own closing DELETE carries no credentials: without pixelaudit's
        // authenticated DELETE the session (and its Chromium) stays until the session timeout.
        assert_eq!(grid.open_sessions(), 0, "the audit closed its session");
    }
    grid.stop();
}

#[test]
fn a_grid_announcing_an_unreachable_cdp_host_is_reached_where_it_answered() {
    // Like a Grid in a container: it names itself by a host the client cannot resolve.
    let grid = Grid::start_with_args(1, &["--external-url", "http://grid.invalid:{port}"]);
    let (code, events, stderr) = audit_home(&grid);
    assert_eq!(code, 0, "{stderr}");
    assert!(!events.is_empty(), "events captured through se:cdp");
    assert!(
        grid.log().contains("se:cdp=ws://grid.invalid:"),
        "the Grid announces the unreachable host"
    );
    grid.stop();
}

#[test]
fn the_pool_is_sized_to_the_grids_free_slots() {
    // One free slot: a second session would queue behind the first, held by this same audit.
    let grid = Grid::start_with(1);
    let audit = common::audit_urls(
        &[
            "https://demo-store.test/pages/about".to_string(),
            "https://demo-store.test/blogs/journal".to_string(),
        ],
        &["--webdriver".into(), grid.url()],
    );
    assert_eq!(
        audit.report["pages"].as_array().unwrap().len(),
        2,
        "{}",
        audit.stderr
    );
    assert_eq!(grid.log().matches("Session created by the Node").count(), 1);
    assert_eq!(grid.open_sessions(), 0);
    grid.stop();
}
