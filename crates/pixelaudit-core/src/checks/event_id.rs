//! `missing_eid`: a Meta or TikTok conversion sent without an event id, so the vendor cannot
//! deduplicate it against the same event sent server-side (Conversions API / Events API).

use serde_json::json;

use super::{Code, Finding, PageInput, Severity};
use crate::model::HitKind;

pub(super) fn check(page: &PageInput<'_>) -> Vec<Finding> {
    page.hits
        .iter()
        .filter_map(|hit| {
            let h = &hit.hit;
            let key = h.vendor.profile().params.conversion_event_id?;
            let missing = h.kind == HitKind::Event
                && h.class.is_conversion()
                && h.param("event_id").and_then(|v| v.as_str()).is_none_or(|s| s.trim().is_empty());
            missing.then_some((hit, key))
        })
        .map(|(hit, key)| {
            let event = hit.hit.event.as_deref().unwrap_or("event");
            Finding::about_hit(
                Code::MissingEid,
                Severity::Warning,
                hit,
                format!(
                    "{} {event} has no event id ({key}): the server-side copy of this conversion cannot be deduplicated",
                    hit.hit.vendor
                ),
                json!({"url": page.requests[hit.request].url}),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;

    #[test]
    fn meta_conversion_without_eid_is_a_warning() {
        let found = findings(vec![
            document(),
            ok("GET", "https://www.facebook.com/tr/?id=1&ev=InitiateCheckout&cd[value]=1&cd[currency]=EUR", None),
        ]);
        assert_eq!(codes(&found), vec!["missing_eid"]);
        assert_eq!(found[0].severity, super::Severity::Warning);
    }

    #[test]
    fn page_views_and_conversions_with_eid_are_fine() {
        let found = findings(vec![
            document(),
            ok("GET", "https://www.facebook.com/tr/?id=1&ev=PageView", None),
            ok(
                "GET",
                "https://www.facebook.com/tr/?id=1&ev=AddToCart&eid=x&cd[value]=1&cd[currency]=EUR",
                None,
            ),
        ]);
        assert!(found.is_empty(), "{found:?}");
    }
}
