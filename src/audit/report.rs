//! Turns one capture (a page load or a journey step) into a checked `PageReport`.

use crate::adblock::Blocker;
use pixelaudit_browser::PageCapture;
use pixelaudit_core::checks;
use pixelaudit_core::checks::{Context, Navigations, PageInput};
use pixelaudit_core::model::{Code, Device, Finding, HitKind, Scenario, Severity};
use pixelaudit_core::report::{HitReport, PageReport};
use pixelaudit_core::vendors::decode_requests;

/// What is known about a run besides its capture.
pub(crate) struct RunInfo {
    pub(crate) name: String,
    pub(crate) url: String,
    pub(crate) journey: Option<String>,
    pub(crate) step: Option<usize>,
    pub(crate) scenario: Option<Scenario>,
    pub(crate) device: Device,
    pub(crate) consent_at_ms: Option<f64>,
    pub(crate) navigated: bool,
    pub(crate) navigation_error: Option<String>,
    pub(crate) wall_ms: f64,
}

/// Decodes and checks one capture; `extra` findings (a failed step) are added; with a
/// blocker, each hit says which rule would block it.
pub(crate) fn page_report(
    info: RunInfo,
    capture: &PageCapture,
    context: Context<'_>,
    extra: Vec<Finding>,
    blocker: Option<&Blocker>,
) -> PageReport {
    let hits = decode_requests(&capture.requests);
    let navigations = Navigations {
        start_url: capture.start_url.as_deref().unwrap_or(&info.url),
        entered: info.navigated || capture.committed,
        changes: &capture.routes,
    };
    // The routes shown are those of every vendor's events; each vendor's checks split the
    // page by its own (see `Navigations::routes`).
    let routes = navigations.routes(&capture.requests, &hits, None);
    let mut findings = checks::run(&PageInput {
        url: &info.url,
        requests: &capture.requests,
        hits: &hits,
        document: capture.document,
        navigation_error: info.navigation_error.as_deref(),
        navigated: info.navigated,
        console: &capture.console,
        navigations,
        context,
    });
    findings.splice(0..0, extra);
    findings.extend(capture.dialogs.iter().map(dialog_finding));
    let last_hit_ms = hits
        .iter()
        .filter(|h| h.hit.kind == HitKind::Event)
        .flat_map(|h| std::iter::once(h.request).chain(h.mirrors.iter().copied()))
        .map(|i| capture.requests[i].time_ms)
        .reduce(f64::max);
    let hits = hits
        .into_iter()
        .map(|decoded| {
            let request = &capture.requests[decoded.request];
            HitReport {
                hit: decoded.hit,
                url: request.url.clone(),
                method: request.method.clone(),
                status: request.status,
                outcome: request.outcome(),
                time_ms: request.time_ms,
                target: request.target,
                mirrors: decoded
                    .mirrors
                    .iter()
                    .map(|&i| capture.requests[i].url.clone())
                    .collect(),
                blocked_by: blocker.and_then(|b| b.check_request(request, &info.url)),
                first_party: same_site(&request.url, &info.url),
            }
        })
        .collect();
    PageReport {
        page_type: None,
        name: info.name,
        journey: info.journey,
        step: info.step,
        consent: info.scenario,
        consent_at_ms: info.consent_at_ms,
        device: info.device,
        url: info.url,
        routes: if routes.len() > 1 { routes } else { Vec::new() },
        http_status: capture.document.and_then(|i| capture.requests[i].status),
        error: info
            .navigation_error
            .as_ref()
            .map(|e| e.lines().next().unwrap_or_default().to_string()),
        wall_ms: (info.wall_ms * 10.0).round() / 10.0,
        last_hit_ms,
        settled: !capture.hit_max_wait,
        requests: capture.requests.len(),
        unfinished: capture.unfinished.clone(),
        hits,
        findings,
        console: capture.console.clone(),
        screenshot: None,
        screenshot_png: None,
        adblock: None,
    }
}

/// True when both URLs belong to one registrable domain (`shop.example.com` and
/// `sgtm.example.com`): a first-party endpoint.
fn same_site(a: &str, b: &str) -> bool {
    let site = |url: &str| -> Option<String> {
        let host = url::Url::parse(url).ok()?.host_str()?.to_ascii_lowercase();
        let name = addr::parse_domain_name(&host).ok()?;
        Some(name.root().unwrap_or(name.as_str()).to_string())
    };
    matches!((site(a), site(b)), (Some(x), Some(y)) if x == y)
}

/// A JavaScript dialog the page run opened, dismissed when it appeared.
fn dialog_finding(dialog: &pixelaudit_browser::Dialog) -> Finding {
    let shown: String = dialog.message.chars().take(200).collect();
    Finding {
        code: Code::DialogDismissed,
        severity: Severity::Info,
        vendor: None,
        account: None,
        event: None,
        message: format!(
            "The page opened a JavaScript {} dialog (\"{shown}\"); it was dismissed so the audit could go on.",
            dialog.kind
        ),
        evidence: serde_json::json!({
            "dialog_type": dialog.kind,
            "message": dialog.message,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::same_site;

    #[test]
    fn first_party_means_the_same_registrable_domain() {
        assert!(same_site(
            "https://sgtm.shop.co.uk/g/collect",
            "https://www.shop.co.uk/"
        ));
        assert!(!same_site(
            "https://other.co.uk/x",
            "https://www.shop.co.uk/"
        ));
        assert!(same_site(
            "https://demo-store.test/metrics",
            "https://demo-store.test/"
        ));
        assert!(!same_site(
            "https://www.facebook.com/tr",
            "https://demo-store.test/"
        ));
        // Google tag gateway / server-side paths on the store's host are first-party; Google's
        // own consent-mode endpoints are not.
        assert!(same_site(
            "https://www.shop.co.uk/metrics/g/d/ccm/conversion/123/?label=x",
            "https://shop.co.uk/checkouts/thank-you"
        ));
        assert!(same_site(
            "https://shop.co.uk/metrics/g/collect?v=2&tid=G-X&en=page_view",
            "https://www.shop.co.uk/"
        ));
        assert!(!same_site(
            "https://www.google.com/ccm/collect?en=page_view",
            "https://www.shop.co.uk/"
        ));
    }
}
