//! `missing_eid`: a Meta or TikTok conversion sent without an event id, so the vendor cannot
//! deduplicate it against the same event sent server-side (Conversions API / Events API).
//! A warning, or an error when an expectation on the hit requires the id (`event_id =
//! "present"`): then the expectation reports no `missing_param` for it.

use serde_json::json;

use super::expectations::{matches_expectation, requires_event_id, right_account};
use super::{Code, Finding, PageInput, Severity};
use crate::model::{Hit, HitKind};

/// True when `hit` is a conversion its vendor needs an event id for, and it has none.
pub(super) fn lacks_event_id(hit: &Hit) -> bool {
    hit.vendor.profile().params.conversion_event_id.is_some()
        && hit.kind == HitKind::Event
        && hit.class.is_conversion()
        && hit
            .param("event_id")
            .and_then(|v| v.as_str())
            .is_none_or(|s| s.trim().is_empty())
}

pub(super) fn check(page: &PageInput<'_>) -> Vec<Finding> {
    let ctx = &page.context;
    page.hits
        .iter()
        .filter(|hit| lacks_event_id(&hit.hit))
        .map(|hit| {
            let h = &hit.hit;
            let key = h.vendor.profile().params.conversion_event_id.unwrap_or("event_id");
            let event = h.event.as_deref().unwrap_or("event");
            let required = ctx.checks.expected_in(ctx.scenario).iter().any(|spec| {
                matches_expectation(spec, h) && right_account(spec, h) && requires_event_id(spec, h)
            });
            let (severity, because) = match required {
                true => (Severity::Error, " (the site config requires it)"),
                false => (Severity::Warning, ""),
            };
            Finding::about_hit(
                Code::MissingEid,
                severity,
                hit,
                format!(
                    "{} {event} has no event id ({key}){because}: the server-side copy of this conversion cannot be deduplicated",
                    h.vendor
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
