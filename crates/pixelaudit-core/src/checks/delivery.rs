//! Whether vendor requests got through: `broken_script` (a vendor script failed), `csp_blocked`
//! (the page's Content-Security-Policy stopped it) and `endpoint_error` (a hit failed or got
//! 4xx/5xx).
//!
//! A vendor script is a loader its decoder recognises, or any script-type request to one of the
//! vendor's own script hosts (an old loader path, a lazily loaded sub-bundle). A failed script
//! is the cause of the vendor's expected events that then do not fire: [`Delivery::lose`] names
//! them in its finding (`lost_events`), so they are not reported again as `not_fired`; a
//! failed tag manager names those of the vendors it loads (`loaded_by`).

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::{Code, Finding, PageInput, Severity};
use crate::model::{CapturedRequest, HitKind, Vendor};
use crate::vendors::script_owner;

/// The delivery findings of one page load, and which vendors' scripts failed.
pub(super) struct Delivery {
    findings: Vec<Finding>,
    /// Per vendor, the index in `findings` of its first failed script (in request order): the
    /// finding that names the events lost to it.
    failed_scripts: BTreeMap<Vendor, usize>,
}

impl Delivery {
    /// Records `event` of `vendor`, expected and not fired, as lost to the vendor's failed
    /// script; false (nothing recorded) when none of the vendor's scripts failed.
    ///
    /// A vendor whose own scripts are fine, loaded by another's (GA4 and Google Ads by the
    /// Google tag / GTM container), loses its events to that loader's failure; they are named
    /// with their vendor there (`ga4 purchase`).
    pub(super) fn lose(&mut self, vendor: Vendor, event: &str) -> bool {
        let (index, name) = match self.failed_scripts.get(&vendor) {
            Some(&index) => (index, event.to_string()),
            None => match vendor
                .profile()
                .loaded_by
                .and_then(|loader| self.failed_scripts.get(&loader))
            {
                Some(&index) => (index, format!("{vendor} {event}")),
                None => return false,
            },
        };
        if let Some(lost) = self.findings[index].evidence["lost_events"].as_array_mut() {
            if !lost.iter().any(|e| e.as_str() == Some(name.as_str())) {
                lost.push(Value::String(name));
            }
        }
        true
    }

    /// The findings, each failed script's message naming the expected events it lost.
    pub(super) fn into_findings(mut self) -> Vec<Finding> {
        for &index in self.failed_scripts.values() {
            let finding = &mut self.findings[index];
            let lost: Vec<&str> = finding.evidence["lost_events"]
                .as_array()
                .map(|events| events.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            if !lost.is_empty() {
                finding.message = format!(
                    "{}, so the expected {} did not fire",
                    finding.message,
                    in_words(&lost)
                );
            }
        }
        self.findings
    }
}

/// `A`, `A and B`, `A, B and C`.
pub(super) fn in_words(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

pub(super) fn check(page: &PageInput<'_>) -> Delivery {
    // (request index, vendor's script?, finding), to find each vendor's first failed script.
    let mut found: Vec<(usize, bool, Finding)> = Vec::new();
    for hit in page.hits {
        let request = &page.requests[hit.request];
        if blocked_on_purpose(request) {
            continue;
        }
        let what = match hit.hit.kind {
            HitKind::Loader => "script",
            // An automatic event that fails is data that did not arrive, like any other hit.
            HitKind::Event | HitKind::Automatic => "hit",
        };
        let (code, message) = if request.blocked_reason.as_deref() == Some("csp") {
            (
                Code::CspBlocked,
                format!(
                    "the page's Content-Security-Policy blocked the {} {what} {}",
                    hit.hit.vendor, request.url
                ),
            )
        } else if !request.is_error() {
            continue;
        } else if hit.hit.kind == HitKind::Loader {
            (
                Code::BrokenScript,
                format!(
                    "the {} script {} failed: {}",
                    hit.hit.vendor,
                    request.url,
                    request.outcome()
                ),
            )
        } else {
            let event = hit.hit.event.as_deref().unwrap_or("event");
            (
                Code::EndpointError,
                format!(
                    "the {} {event} hit failed: {}",
                    hit.hit.vendor,
                    request.outcome()
                ),
            )
        };
        let script = hit.hit.kind == HitKind::Loader;
        found.push((
            hit.request,
            script,
            Finding::about_hit(
                code,
                Severity::Error,
                hit,
                message,
                evidence(request, script),
            ),
        ));
    }
    // Scripts from a vendor's own hosts that no decoder recognises (an old loader path, a
    // lazily loaded sub-bundle) are that vendor's scripts too.
    for (index, request) in page.requests.iter().enumerate() {
        let decoded = page
            .hits
            .iter()
            .any(|h| h.request == index || h.mirrors.contains(&index));
        if decoded
            || request.resource_type != "Script"
            || !request.is_error()
            || blocked_on_purpose(request)
        {
            continue;
        }
        let Some(vendor) = script_owner(&request.url) else {
            continue;
        };
        let (code, message) = if request.blocked_reason.as_deref() == Some("csp") {
            (
                Code::CspBlocked,
                format!(
                    "the page's Content-Security-Policy blocked the {vendor} script {}",
                    request.url
                ),
            )
        } else {
            (
                Code::BrokenScript,
                format!(
                    "the {vendor} script {} failed: {}",
                    request.url,
                    request.outcome()
                ),
            )
        };
        found.push((
            index,
            true,
            Finding {
                code,
                severity: Severity::Error,
                vendor: Some(vendor),
                account: None,
                event: None,
                message,
                evidence: evidence(request, true),
            },
        ));
    }
    found.sort_by_key(|(index, _, _)| *index);
    let mut failed_scripts = BTreeMap::new();
    let mut findings = Vec::with_capacity(found.len());
    for (_, script, finding) in found {
        if script {
            if let Some(vendor) = finding.vendor {
                failed_scripts.entry(vendor).or_insert(findings.len());
            }
        }
        findings.push(finding);
    }
    Delivery {
        findings,
        failed_scripts,
    }
}

/// Blocked on purpose by pixelaudit's own ad-block simulation or request blocking.
fn blocked_on_purpose(request: &CapturedRequest) -> bool {
    matches!(
        request.blocked_reason.as_deref(),
        Some("inspector" | "adblock")
    )
}

/// What proves a delivery finding; a failed script also lists the expected events it lost.
fn evidence(request: &CapturedRequest, script: bool) -> Value {
    let mut evidence = json!({
        "url": request.url,
        "method": request.method,
        "outcome": request.outcome(),
        "time_ms": request.time_ms,
        "target": request.target,
    });
    if script {
        evidence["lost_events"] = json!([]);
    }
    evidence
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::super::Context;
    use crate::config::{Checks, Count, ExpectSpec};
    use crate::model::{CapturedRequest, Finding, Scenario, Vendor};
    use crate::vendors::{GA4, GOOGLE_ADS, GTM, META, TIKTOK};

    fn script(mut request: CapturedRequest) -> CapturedRequest {
        request.resource_type = "Script".into();
        request
    }

    fn expect(vendor: Vendor, event: &str) -> ExpectSpec {
        ExpectSpec {
            vendor,
            event: event.to_string(),
            accounts: vec![],
            count: Count::ONCE,
            within: None,
            scenarios: vec![Scenario::None],
            params: vec![],
        }
    }

    fn with_expectations(requests: &[CapturedRequest], expect: Vec<ExpectSpec>) -> Vec<Finding> {
        let checks = Checks {
            expect,
            forbid: vec![],
        };
        let mut context = Context::generic();
        context.checks = &checks;
        run_with(requests, context)
    }

    #[test]
    fn a_broken_loader_is_one_finding_that_names_the_events_it_loses() {
        let requests = vec![
            document(),
            script(failed(
                "https://connect.facebook.net/en_US/fbevents.js",
                Some(404),
                None,
                None,
            )),
            // The noscript image still sends its PageView.
            ok(
                "GET",
                "https://www.facebook.com/tr?id=1&ev=PageView&noscript=1",
                None,
            ),
        ];
        let found = with_expectations(
            &requests,
            vec![
                expect(META, "ViewContent"),
                expect(META, "PageView"),
                expect(META, "AddToCart"),
                expect(TIKTOK, "Pageview"),
            ],
        );
        assert_eq!(
            codes(&found),
            vec!["broken_script", "not_fired"],
            "{found:?}"
        );
        let broken = &found[0];
        assert_eq!(broken.vendor, Some(META));
        assert_eq!(
            broken.evidence["lost_events"],
            serde_json::json!(["ViewContent", "AddToCart"]),
            "the events that fired are not lost"
        );
        assert!(
            broken
                .message
                .ends_with("failed: 404, so the expected ViewContent and AddToCart did not fire"),
            "{}",
            broken.message
        );
        // Another vendor's missing event has no failed script to explain it.
        assert_eq!(found[1].vendor, Some(TIKTOK));
    }

    #[test]
    fn a_failed_tag_manager_loses_the_events_of_the_tags_it_loads() {
        let requests = vec![
            document(),
            script(failed(
                "https://www.googletagmanager.com/gtm.js?id=GTM-K9VTQN3",
                Some(404),
                None,
                None,
            )),
        ];
        let found = with_expectations(
            &requests,
            vec![
                expect(GA4, "page_view"),
                expect(GOOGLE_ADS, "conversion"),
                expect(META, "PageView"),
            ],
        );
        assert_eq!(
            codes(&found),
            vec!["broken_script", "not_fired"],
            "{found:?}"
        );
        assert_eq!(found[0].vendor, Some(GTM));
        assert_eq!(
            found[0].evidence["lost_events"],
            serde_json::json!(["ga4 page_view", "google_ads conversion"])
        );
        assert!(
            found[0]
                .message
                .ends_with("so the expected ga4 page_view and google_ads conversion did not fire"),
            "{}",
            found[0].message
        );
        assert_eq!(found[1].vendor, Some(META), "Meta is not loaded by GTM");
    }

    #[test]
    fn a_csp_blocked_loader_names_its_lost_events_too() {
        let requests = vec![
            document(),
            script(failed(
                "https://analytics.tiktok.com/i18n/pixel/events.js?sdkid=C1",
                None,
                Some(""),
                Some("csp"),
            )),
        ];
        let found = with_expectations(&requests, vec![expect(TIKTOK, "Pageview")]);
        assert_eq!(codes(&found), vec!["csp_blocked"], "{found:?}");
        assert_eq!(
            found[0].evidence["lost_events"],
            serde_json::json!(["Pageview"])
        );
    }

    #[test]
    fn an_event_fired_too_few_times_is_still_not_fired() {
        let requests = vec![
            document(),
            script(failed(
                "https://connect.facebook.net/signals/config/1?v=2.9.156",
                Some(500),
                None,
                None,
            )),
            ok("GET", "https://www.facebook.com/tr?id=1&ev=PageView", None),
        ];
        let mut twice = expect(META, "PageView");
        twice.count = Count {
            min: 2,
            max: Some(2),
        };
        let found = with_expectations(&requests, vec![twice]);
        assert_eq!(
            codes(&found),
            vec!["broken_script", "not_fired"],
            "{found:?}"
        );
        assert_eq!(found[0].evidence["lost_events"], serde_json::json!([]));
    }

    #[test]
    fn a_failed_script_on_a_vendor_host_is_broken_whatever_its_path() {
        let found = findings(vec![
            document(),
            script(failed(
                "https://analytics.tiktok.com/i18n/pixel/static/identify_1a2b3c.js",
                Some(404),
                None,
                None,
            )),
            script(failed(
                "https://connect.facebook.net/signals/plugins/identity.js?v=2.9.156",
                None,
                Some("net::ERR_CONNECTION_RESET"),
                None,
            )),
            // Delivered, or not a script, or not the vendor's own host: not broken scripts.
            script(ok(
                "GET",
                "https://analytics.tiktok.com/i18n/pixel/static/main_9f8e7d.js",
                None,
            )),
            failed(
                "https://analytics.tiktok.com/i18n/pixel/static/identify_1a2b3c.js",
                Some(404),
                None,
                None,
            ),
            script(failed(
                "https://cdn.shopify.com/s/files/1/0000/0001/t/1/assets/theme.js",
                Some(404),
                None,
                None,
            )),
            script(failed(
                "https://s.pinimg.com/images/widget.js",
                Some(404),
                None,
                None,
            )),
            script(failed(
                "https://analytics.tiktok.com/i18n/pixel/static/blocked.js",
                None,
                Some(""),
                Some("adblock"),
            )),
        ]);
        assert_eq!(
            codes(&found),
            vec!["broken_script", "broken_script"],
            "{found:?}"
        );
        let by_vendor: Vec<(&str, &str)> = found
            .iter()
            .map(|f| {
                (
                    f.vendor.unwrap().as_str(),
                    f.evidence["url"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            by_vendor,
            vec![
                (
                    "meta",
                    "https://connect.facebook.net/signals/plugins/identity.js?v=2.9.156"
                ),
                (
                    "tiktok",
                    "https://analytics.tiktok.com/i18n/pixel/static/identify_1a2b3c.js"
                ),
            ]
        );
        assert!(found[0].message.contains("ERR_CONNECTION_RESET"));
        assert!(found[1].message.contains("failed: 404"));
    }

    #[test]
    fn a_failed_sub_bundle_explains_its_vendors_missing_events() {
        let requests = vec![
            document(),
            script(ok(
                "GET",
                "https://analytics.tiktok.com/i18n/pixel/events.js?sdkid=C1",
                None,
            )),
            script(failed(
                "https://analytics.tiktok.com/i18n/pixel/static/main_9f8e7d.js",
                Some(404),
                None,
                None,
            )),
        ];
        let found = with_expectations(&requests, vec![expect(TIKTOK, "Pageview")]);
        assert_eq!(codes(&found), vec!["broken_script"], "{found:?}");
        assert_eq!(found[0].account, None);
        assert_eq!(
            found[0].evidence["lost_events"],
            serde_json::json!(["Pageview"])
        );
    }

    fn failed(
        url: &str,
        status: Option<u16>,
        failure: Option<&str>,
        blocked: Option<&str>,
    ) -> CapturedRequest {
        let mut r = CapturedRequest::new("GET", url, None);
        r.status = status;
        r.failure = failure.map(str::to_string);
        r.blocked_reason = blocked.map(str::to_string);
        r
    }

    #[test]
    fn loader_404_and_dns_failure_are_broken_scripts() {
        let found = findings(vec![
            document(),
            failed(
                "https://connect.facebook.net/en_US/fbevents.js",
                Some(404),
                None,
                None,
            ),
            failed(
                "https://analytics.tiktok.com/i18n/pixel/events.js?sdkid=C1",
                None,
                Some("net::ERR_NAME_NOT_RESOLVED"),
                None,
            ),
        ]);
        assert_eq!(codes(&found), vec!["broken_script", "broken_script"]);
        assert!(found[1].message.contains("ERR_NAME_NOT_RESOLVED"));
    }

    #[test]
    fn csp_block_is_reported_as_csp_not_broken() {
        let found = findings(vec![
            document(),
            failed(
                "https://connect.facebook.net/en_US/fbevents.js",
                None,
                Some(""),
                Some("csp"),
            ),
            failed(
                "https://www.facebook.com/tr/?id=1&ev=PageView",
                None,
                Some(""),
                Some("csp"),
            ),
        ]);
        assert_eq!(codes(&found), vec!["csp_blocked", "csp_blocked"]);
    }

    #[test]
    fn failed_hit_is_endpoint_error_but_delivered_204_is_not() {
        let mut aborted_after_204 = failed(
            "https://www.facebook.com/tr/?id=1&ev=PageView",
            Some(204),
            Some("net::ERR_ABORTED"),
            None,
        );
        aborted_after_204.method = "GET".into();
        let found = findings(vec![
            document(),
            aborted_after_204,
            failed(
                "https://www.facebook.com/tr/?id=1&ev=ViewContent",
                Some(500),
                None,
                None,
            ),
        ]);
        assert_eq!(codes(&found), vec!["endpoint_error"]);
        assert_eq!(found[0].event.as_deref(), Some("ViewContent"));
    }

    #[test]
    fn our_own_blocking_is_not_a_delivery_finding() {
        let found = findings(vec![
            document(),
            failed(
                "https://www.facebook.com/tr/?id=1&ev=PageView",
                None,
                Some(""),
                Some("inspector"),
            ),
        ]);
        assert!(found.is_empty(), "{found:?}");
    }
}
