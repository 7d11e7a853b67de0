//! Whether vendor requests got through: `broken_script` (loader failed), `csp_blocked` (the
//! page's Content-Security-Policy stopped it) and `endpoint_error` (a hit failed or got 4xx/5xx).

use serde_json::json;

use super::{Code, Finding, PageInput, Severity};
use crate::model::HitKind;

pub(super) fn check(page: &PageInput<'_>) -> Vec<Finding> {
    let mut findings = Vec::new();
    for hit in page.hits {
        let request = &page.requests[hit.request];
        let blocked = request.blocked_reason.as_deref();
        if matches!(blocked, Some("inspector" | "adblock")) {
            // Blocked on purpose by pixelaudit's own ad-block simulation.
            continue;
        }
        let evidence = json!({
            "url": request.url,
            "method": request.method,
            "outcome": request.outcome(),
            "time_ms": request.time_ms,
            "target": request.target,
        });
        let what = match hit.hit.kind {
            HitKind::Loader => "script",
            HitKind::Event => "hit",
        };
        let (code, message) = if blocked == Some("csp") {
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
        findings.push(Finding::about_hit(
            code,
            Severity::Error,
            hit,
            message,
            evidence,
        ));
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use crate::model::CapturedRequest;

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
