//! Automatic events (`HitKind::Automatic`: Meta's `Microdata`, `SubscribedButtonClick`) across
//! the check families: listed and delivered like events, never duplicates, parameter or
//! event-id subjects, and never meeting or breaking an expectation. Consent is tested in
//! `consent.rs`.

use std::path::Path;

use super::test_support::{codes, document, findings, ok, run_with};
use super::Context;
use crate::config::Site;
use crate::model::HitKind;
use crate::vendors::decode_requests;

const PIXEL: &str = "1234567890123456";

fn meta(query: &str) -> String {
    format!("https://www.facebook.com/tr/?id={PIXEL}&{query}")
}

fn microdata() -> String {
    meta("ev=Microdata&dl=https%3A%2F%2Fshop.test%2F&cd[DataLayer]=%5B%5D&cd[Meta]=%7B%22title%22%3A%22Shop%22%7D&cd[OpenGraph]=%7B%7D&cd[JSON-LD]=%5B%7B%22%40type%22%3A%22Product%22%7D%5D")
}

fn button_click() -> String {
    meta("ev=SubscribedButtonClick&dl=https%3A%2F%2Fshop.test%2F&cd[buttonText]=Add%20to%20cart")
}

fn page_view() -> String {
    meta("ev=PageView&dl=https%3A%2F%2Fshop.test%2F")
}

#[test]
fn microdata_two_button_clicks_and_a_page_view_give_no_findings() {
    let requests = vec![
        document(),
        ok("GET", &microdata(), None),
        ok("GET", &button_click(), None),
        ok("GET", &button_click(), None),
        ok("GET", &page_view(), None),
    ];
    let hits = decode_requests(&requests);
    let kinds: Vec<HitKind> = hits.iter().map(|h| h.hit.kind).collect();
    assert_eq!(
        kinds,
        [
            HitKind::Automatic,
            HitKind::Automatic,
            HitKind::Automatic,
            HitKind::Event
        ],
        "all four are listed"
    );
    assert_eq!(codes(&findings(requests)), Vec::<&str>::new());
}

#[test]
fn two_identical_tracking_events_are_a_duplicate_unlike_automatic_ones() {
    // The control for the test above: two identical ordinary events are a duplicate.
    let requests = vec![
        document(),
        ok("GET", &page_view(), None),
        ok("GET", &page_view(), None),
    ];
    assert_eq!(codes(&findings(requests)), vec!["duplicate"]);
}

#[test]
fn a_failed_automatic_event_is_an_endpoint_error() {
    let mut failed = ok("GET", &microdata(), None);
    failed.status = Some(500);
    let found = findings(vec![document(), failed]);
    assert_eq!(codes(&found), vec!["endpoint_error"]);
    assert_eq!(found[0].event.as_deref(), Some("Microdata"));
}

#[test]
fn automatic_events_neither_meet_nor_break_an_expectation() {
    let site = Site::parse(
        Path::new("sites/shop.toml"),
        "base_url = \"https://shop.test/\"\n[pixels]\nmeta = [\"1234567890123456\"]\n[[pages]]\npath = \"/\"\n[[pages.expect]]\nvendor = \"meta\"\nevent = \"PageView\"\n",
    )
    .unwrap();
    let checks = &site.pages[0].checks;
    let context = Context {
        checks,
        pixels: &site.pixels,
        ..Context::generic()
    };
    // Only automatic events: the expected PageView did not fire.
    let automatic_only = vec![
        document(),
        ok("GET", &microdata(), None),
        ok("GET", &button_click(), None),
    ];
    assert_eq!(
        codes(&run_with(&automatic_only, context)),
        vec!["not_fired"]
    );
    // The PageView, once, among automatic events of the same pixel: met, and still once.
    let met = vec![
        document(),
        ok("GET", &microdata(), None),
        ok("GET", &page_view(), None),
        ok("GET", &button_click(), None),
        ok("GET", &button_click(), None),
    ];
    assert_eq!(codes(&run_with(&met, context)), Vec::<&str>::new());
}
