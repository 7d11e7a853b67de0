//! End-to-end: a hostile page never corrupts the page after it. A page that opens a popup
//! which keeps sending hits, and a page with `alert()`/`confirm()`, each followed by a clean
//! page, in one session (pages share a browser, in order).

mod common;

use std::sync::OnceLock;

use common::{audit_urls, page, s, Audit};

const MAX_WAIT_MS: f64 = 20_000.0;

fn urls() -> Vec<String> {
    vec![
        page("popup_opener.html"),
        page("clean.html?after=popup"),
        page("dialogs.html"),
        page("clean.html?after=dialogs"),
    ]
}

fn audit() -> &'static Audit {
    static AUDIT: OnceLock<Audit> = OnceLock::new();
    AUDIT.get_or_init(|| {
        audit_urls(
            &urls(),
            &[
                "--sessions".into(),
                "1".into(),
                "--quiet-ms".into(),
                "1500".into(),
            ],
        )
    })
}

/// The clean page after a hostile one audits as if it came first: no findings, none of the
/// popup's hits, settled well before the cap.
fn assert_clean(url: &str) {
    let audit = audit();
    let report = audit.page(url);
    assert!(
        audit.findings(url).is_empty(),
        "{url}: {:?}\n{}",
        audit.findings(url),
        audit.stderr
    );
    let foreign: Vec<String> = report["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| s(&h["url"]))
        .filter(|u| u.contains("popup_sender") || u.contains("eid=popup-"))
        .collect();
    assert!(
        foreign.is_empty(),
        "{url} got the popup's hits: {foreign:?}"
    );
    assert_eq!(report["settled"], true, "{url} ran to the cap");
    let wall = report["wall_ms"].as_f64().unwrap();
    assert!(wall < MAX_WAIT_MS / 2.0, "{url} took {wall} ms");
}

#[test]
fn a_popup_is_closed_with_its_page_and_its_hits_stay_on_the_page_that_opened_it() {
    let audit = audit();
    let opener = page("popup_opener.html");
    let popup_hits = audit
        .events(&opener)
        .iter()
        .filter(|e| *e == &("meta".to_string(), "Purchase".to_string()))
        .count();
    assert!(
        popup_hits >= 1,
        "the popup's hits are the opener's: {}",
        audit.page(&opener)
    );
    assert_clean(&page("clean.html?after=popup"));
}

#[test]
fn dialogs_are_dismissed_and_recorded_on_their_page() {
    let audit = audit();
    let url = page("dialogs.html");
    let report = audit.page(&url);
    let dialogs: Vec<(String, String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "dialog_dismissed")
        .map(|f| {
            (
                s(&f["severity"]),
                s(&f["evidence"]["dialog_type"]),
                s(&f["evidence"]["message"]),
            )
        })
        .collect();
    assert_eq!(
        dialogs,
        vec![
            (
                "info".to_string(),
                "alert".to_string(),
                "<img src=x onerror=alert(1)> & welcome".to_string()
            ),
            (
                "info".to_string(),
                "confirm".to_string(),
                "Leave <b>now</b>?".to_string()
            ),
        ],
        "{report}"
    );
    // The confirm was answered Cancel, and the page went on.
    let bing: Vec<String> = report["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| s(&h["url"]))
        .filter(|u| u.contains("bat.bing.com"))
        .collect();
    assert!(bing.iter().any(|u| u.contains("mid=dismissed")), "{bing:?}");
    assert_clean(&page("clean.html?after=dialogs"));
}
