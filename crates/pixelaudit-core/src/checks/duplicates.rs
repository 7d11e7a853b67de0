//! `duplicate`: the same vendor + account + event fired more than once in one page load, or on
//! one route of a single-page app (mirror endpoints were already folded into one hit by the
//! decoders).

use std::collections::BTreeMap;

use serde_json::json;

use super::{Code, Finding, PageInput, Severity};
use crate::model::{HitKind, Route, Vendor};

/// What makes hits one event: the route (when the page changed route), vendor, account, event.
type Group<'a> = (Option<usize>, Vendor, Option<&'a str>, &'a str);

pub(super) fn check(page: &PageInput<'_>) -> Vec<Finding> {
    let mut groups: BTreeMap<Group<'_>, Vec<usize>> = BTreeMap::new();
    // Each vendor's routes, as its own events split the page.
    let mut routes: BTreeMap<Vendor, Vec<Route>> = BTreeMap::new();
    for (index, hit) in page.hits.iter().enumerate() {
        let h = &hit.hit;
        let Some(event) = h.event.as_deref() else {
            continue;
        };
        if h.kind != HitKind::Event
            || h.vendor.profile().repeats.includes(event)
            || !page.requests[hit.request].delivered()
        {
            continue;
        }
        let vendor_routes = routes
            .entry(h.vendor)
            .or_insert_with(|| page.routes_of(h.vendor));
        groups
            .entry((
                page.route_of(vendor_routes, hit),
                h.vendor,
                h.account.as_deref(),
                event,
            ))
            .or_default()
            .push(index);
    }
    let mut findings: Vec<(usize, Finding)> = groups
        .into_iter()
        .filter(|(_, indexes)| indexes.len() > 1)
        .map(|((route, ..), indexes)| {
            let first = &page.hits[indexes[0]];
            let requests: Vec<_> = indexes
                .iter()
                .map(|&i| {
                    let r = &page.requests[page.hits[i].request];
                    json!({"url": r.url, "time_ms": r.time_ms, "target": r.target})
                })
                .collect();
            let route = route.map(|r| routes[&first.hit.vendor][r].url.as_str());
            let message = format!(
                "{} {} fired {} times for {} {} (installed more than once?)",
                first.hit.vendor,
                first.hit.event.as_deref().unwrap_or("event"),
                indexes.len(),
                first.hit.account.as_deref().unwrap_or("the same account"),
                route.map_or("in one page load".to_string(), |url| format!(
                    "on route {url}"
                )),
            );
            let mut evidence = json!({"count": indexes.len(), "requests": requests});
            if let Some(url) = route {
                evidence["route"] = json!(url);
            }
            let finding =
                Finding::about_hit(Code::Duplicate, Severity::Error, first, message, evidence);
            (indexes[0], finding)
        })
        .collect();
    findings.sort_by_key(|(first, _)| *first);
    findings.into_iter().map(|(_, f)| f).collect()
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::super::Context;
    use crate::model::RouteChange;

    const PV: &str = "https://www.facebook.com/tr/?id=1234567890123456&ev=PageView";

    #[test]
    fn same_pixel_and_event_twice_is_one_duplicate_finding() {
        let found = findings(vec![
            document(),
            ok("GET", &format!("{PV}&ts=1"), None),
            ok("GET", &format!("{PV}&ts=2"), None),
        ]);
        assert_eq!(codes(&found), vec!["duplicate"]);
        assert_eq!(found[0].evidence["count"], 2);
        assert_eq!(found[0].account.as_deref(), Some("1234567890123456"));
    }

    #[test]
    fn mirror_and_different_pixels_are_not_duplicates() {
        let q = "id=1234567890123456&ev=PageView&ts=1";
        let found = findings(vec![
            document(),
            ok("GET", &format!("https://www.facebook.com/tr/?{q}"), None),
            ok(
                "GET",
                &format!("https://www.facebook.com/privacy_sandbox/pixel/register/trigger/?{q}"),
                None,
            ),
            ok(
                "GET",
                "https://www.facebook.com/tr/?id=999&ev=PageView",
                None,
            ),
        ]);
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn a_page_view_on_each_route_is_fine_and_two_on_one_route_are_a_duplicate() {
        let route = |path: &str, time_ms: f64| RouteChange {
            url: format!("https://shop.test{path}"),
            time_ms,
        };
        let changes = [route("/a", 300.0), route("/b", 600.0), route("/c", 900.0)];
        let one_each: Vec<_> = [10.0, 310.0, 610.0, 910.0]
            .iter()
            .map(|&t| at(&format!("{PV}&ts={t}"), t))
            .collect();
        let requests: Vec<_> = std::iter::once(document()).chain(one_each).collect();
        let (routes, found) = run_routes(&requests, &changes, Context::generic());
        assert_eq!(routes.len(), 4);
        assert!(found.is_empty(), "{found:?}");
        // Two on /b, none on /c: the duplicate names /b.
        let requests = vec![
            document(),
            at(&format!("{PV}&ts=1"), 10.0),
            at(&format!("{PV}&ts=2"), 310.0),
            at(&format!("{PV}&ts=3"), 610.0),
            at(&format!("{PV}&ts=4"), 650.0),
            at(
                "https://www.facebook.com/tr/?id=1234567890123456&ev=ViewContent",
                910.0,
            ),
        ];
        let (_, found) = run_routes(&requests, &changes, Context::generic());
        assert_eq!(codes(&found), vec!["duplicate"]);
        assert_eq!(found[0].evidence["route"], "https://shop.test/b");
        assert_eq!(found[0].evidence["count"], 2);
        assert!(
            found[0].message.contains("on route https://shop.test/b"),
            "{}",
            found[0].message
        );
        // Without route changes the same four page views are one page's duplicate.
        let (_, found) = run_routes(&requests, &[], Context::generic());
        assert_eq!(codes(&found), vec!["duplicate"]);
        assert_eq!(found[0].evidence["count"], 4);
        assert!(found[0].evidence.get("route").is_none());
        assert!(found[0].message.contains("in one page load"));
    }

    #[test]
    fn undelivered_repeat_is_not_counted() {
        let mut failed = crate::model::CapturedRequest::new("GET", &format!("{PV}&ts=2"), None);
        failed.failure = Some("net::ERR_CONNECTION_REFUSED".into());
        let found = findings(vec![
            document(),
            ok("GET", &format!("{PV}&ts=1"), None),
            failed,
        ]);
        assert_eq!(codes(&found), vec!["endpoint_error"]);
    }
}
