//! `duplicate`: the same vendor + account + event fired more than once in one page load
//! (mirror endpoints were already folded into one hit by the decoders).

use std::collections::BTreeMap;

use serde_json::json;

use super::{Code, Finding, PageInput, Severity};
use crate::model::{HitKind, Vendor};

pub(super) fn check(page: &PageInput<'_>) -> Vec<Finding> {
    let mut groups: BTreeMap<(Vendor, Option<&str>, &str), Vec<usize>> = BTreeMap::new();
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
        groups
            .entry((h.vendor, h.account.as_deref(), event))
            .or_default()
            .push(index);
    }
    let mut findings: Vec<(usize, Finding)> = groups
        .into_values()
        .filter(|indexes| indexes.len() > 1)
        .map(|indexes| {
            let first = &page.hits[indexes[0]];
            let requests: Vec<_> = indexes
                .iter()
                .map(|&i| {
                    let r = &page.requests[page.hits[i].request];
                    json!({"url": r.url, "time_ms": r.time_ms, "target": r.target})
                })
                .collect();
            let message = format!(
                "{} {} fired {} times for {} in one page load (installed more than once?)",
                first.hit.vendor,
                first.hit.event.as_deref().unwrap_or("event"),
                indexes.len(),
                first.hit.account.as_deref().unwrap_or("the same account"),
            );
            let finding = Finding::about_hit(
                Code::Duplicate,
                Severity::Error,
                first,
                message,
                json!({"count": indexes.len(), "requests": requests}),
            );
            (indexes[0], finding)
        })
        .collect();
    findings.sort_by_key(|(first, _)| *first);
    findings.into_iter().map(|(_, f)| f).collect()
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;

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
