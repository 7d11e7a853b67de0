//! Generic checks that need no configuration. Each family lives in its own file and returns
//! findings; none prints.

#[cfg(test)]
mod automatic_tests;
mod consent;
mod currency;
mod delivery;
mod duplicates;
mod event_id;
mod expectations;
mod governance;
mod page;
mod params;

pub use expectations::{lookup, matches_expectation, met, met_on_routes};
pub use params::{other_params, param_requirements, DecodedParam, ParamRequirement};

use std::collections::BTreeMap;

use crate::config::{Checks, ConsentPlan, PageSource};
use crate::model::{
    route_at, split_routes, CapturedRequest, Code, ConsoleEntry, DecodedHit, Finding, HitKind,
    Route, RouteChange, Scenario, Severity, Vendor,
};

/// What a page run is checked against beyond the generic checks: its expectations, the
/// consent scenario it ran under, the store's ids, and values read from the page.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// Expected and forbidden hits.
    pub checks: &'a Checks,
    /// The consent scenario the checks apply.
    pub scenario: Scenario,
    /// The run's own scenario when its banner has not appeared (yet): the visitor made no
    /// choice, so `scenario` is `None` (for wording; the checks go by `scenario`).
    pub no_choice_in: Option<Scenario>,
    /// The store's consent setup, if it has a banner.
    pub consent: Option<&'a ConsentPlan>,
    /// When consent was given or refused by clicking, in ms on the requests' timeline (`None`
    /// when it was preset before the page loaded, or not touched).
    pub consent_at_ms: Option<f64>,
    /// The store's ids per vendor.
    pub pixels: &'a BTreeMap<Vendor, Vec<String>>,
    /// Values read from the page for `from_page` rules.
    pub page_values: &'a BTreeMap<PageSource, Option<String>>,
}

static NO_CHECKS: Checks = Checks {
    expect: Vec::new(),
    forbid: Vec::new(),
};
static NO_PIXELS: BTreeMap<Vendor, Vec<String>> = BTreeMap::new();
static NO_VALUES: BTreeMap<PageSource, Option<String>> = BTreeMap::new();

impl Context<'static> {
    /// Generic checks only: no expectations, no consent, no known ids.
    pub fn generic() -> Context<'static> {
        Context {
            checks: &NO_CHECKS,
            scenario: Scenario::None,
            no_choice_in: None,
            consent: None,
            consent_at_ms: None,
            pixels: &NO_PIXELS,
            page_values: &NO_VALUES,
        }
    }
}

/// What the checks see of one page load.
#[derive(Debug, Clone, Copy)]
pub struct PageInput<'a> {
    /// The URL that was visited.
    pub url: &'a str,
    /// Every captured request.
    pub requests: &'a [CapturedRequest],
    /// Decoded hits (mirrors folded).
    pub hits: &'a [DecodedHit],
    /// Index of the top-level document request.
    pub document: Option<usize>,
    /// The navigation error, if the page could not be loaded.
    pub navigation_error: Option<&'a str>,
    /// Whether this was a page load (a journey step on the same document is not).
    pub navigated: bool,
    /// Console errors (CSP violations among them).
    pub console: &'a [ConsoleEntry],
    /// The page's same-document navigations (single-page-app routes); a page without any is
    /// one route, and every check reads it as a whole.
    pub navigations: Navigations<'a>,
    /// Expectations, consent and ids.
    pub context: Context<'a>,
}

/// A page's same-document navigations (`history.pushState`, hash routes), from which the
/// checks that count per route split it into routes.
#[derive(Debug, Clone, Copy)]
pub struct Navigations<'a> {
    /// The URL the page, or the journey step, started on.
    pub start_url: &'a str,
    /// True for a page load; false for a journey step, which did not enter the route it
    /// started on.
    pub entered: bool,
    /// The navigations, in time order.
    pub changes: &'a [RouteChange],
}

impl Navigations<'static> {
    /// A page that never changed route.
    pub const NONE: Navigations<'static> = Navigations {
        start_url: "",
        entered: true,
        changes: &[],
    };
}

impl Navigations<'_> {
    /// The routes of the page as `vendor`'s events see them (every vendor's with `None`): a
    /// navigation before the current route sent one of those events renames it (see
    /// [`split_routes`]). One route for a page that never changed route.
    pub fn routes(
        &self,
        requests: &[CapturedRequest],
        hits: &[DecodedHit],
        vendor: Option<Vendor>,
    ) -> Vec<Route> {
        let times: Vec<f64> = hits
            .iter()
            .filter(|h| h.hit.kind == HitKind::Event && vendor.is_none_or(|v| h.hit.vendor == v))
            .map(|h| requests[h.request].time_ms)
            .collect();
        split_routes(self.start_url, self.entered, self.changes, &times)
    }
}

impl PageInput<'_> {
    /// The page's routes for `vendor`'s checks: its own events decide when the app only
    /// renamed a route (a tag that loads after the router canonicalised the URL saw one route).
    pub(crate) fn routes_of(&self, vendor: Vendor) -> Vec<Route> {
        self.navigations
            .routes(self.requests, self.hits, Some(vendor))
    }

    /// The index of the route `hit` was sent on among `routes`, when there are several.
    pub(crate) fn route_of(&self, routes: &[Route], hit: &DecodedHit) -> Option<usize> {
        (routes.len() > 1).then(|| route_at(routes, self.requests[hit.request].time_ms))
    }
}

/// Runs every generic check on one page load; findings come out in a stable order.
pub fn run(page: &PageInput<'_>) -> Vec<Finding> {
    let mut delivery = delivery::check(page);
    let expected = expectations::check(page);
    // An expected event that did not fire while a script of its vendor failed is lost to that
    // failure: one finding, the script's, names it (`lost_events`) instead of a `not_fired`.
    let unexplained: Vec<Finding> = expected
        .unfired
        .into_iter()
        .filter(|unfired| !delivery.lose(unfired.vendor, &unfired.event))
        .map(|unfired| unfired.finding)
        .collect();
    let mut findings = Vec::new();
    findings.extend(page::check(page));
    findings.extend(delivery.into_findings());
    findings.extend(duplicates::check(page));
    findings.extend(params::check(page));
    findings.extend(event_id::check(page));
    findings.extend(expected.findings);
    findings.extend(unexplained);
    findings.extend(governance::check(page));
    findings.extend(consent::check(page));
    // Requests arrive in no fixed order: sort so that reports are deterministic.
    findings.sort_by(|a, b| {
        (
            a.severity,
            a.code,
            a.vendor,
            &a.account,
            &a.event,
            route(a),
            &a.message,
        )
            .cmp(&(
                b.severity,
                b.code,
                b.vendor,
                &b.account,
                &b.event,
                route(b),
                &b.message,
            ))
    });
    // Generic and expectation checks can find the same problem: report it once, per route; a
    // finding about the whole page (sorted first) covers the same one about a route of it.
    findings.dedup_by(|b, a| {
        (a.code, a.vendor, &a.account, &a.event) == (b.code, b.vendor, &b.account, &b.event)
            && (route(a).is_none() || route(a) == route(b))
    });
    findings
}

/// The route a finding is about (`evidence.route`), if it is about one.
fn route(finding: &Finding) -> Option<&str> {
    finding
        .evidence
        .get("route")
        .and_then(serde_json::Value::as_str)
}

#[cfg(test)]
pub(crate) mod test_support {
    //! Builds page inputs from request lists for the check tests.

    use super::*;
    use crate::vendors::decode_requests;

    /// A delivered request (status 200).
    pub(crate) fn ok(method: &str, url: &str, body: Option<&str>) -> CapturedRequest {
        let mut r = CapturedRequest::new(method, url, body);
        r.status = Some(200);
        r
    }

    /// Runs the checks, with `context`, on a page made of `requests` (the first one is the
    /// document).
    pub(crate) fn run_with(requests: &[CapturedRequest], context: Context<'_>) -> Vec<Finding> {
        let hits = decode_requests(requests);
        run(&PageInput {
            url: "https://shop.test/",
            requests,
            hits: &hits,
            document: Some(0),
            navigation_error: None,
            navigated: true,
            console: &[],
            navigations: Navigations::NONE,
            context,
        })
    }

    /// Runs the checks, with `context`, on a single-page app: `requests` (the first one is the
    /// document) sent on the routes that `changes` split the page into.
    pub(crate) fn run_routes(
        requests: &[CapturedRequest],
        changes: &[RouteChange],
        context: Context<'_>,
    ) -> (Vec<Route>, Vec<Finding>) {
        let hits = decode_requests(requests);
        let navigations = Navigations {
            start_url: "https://shop.test/",
            entered: true,
            changes,
        };
        let routes = navigations.routes(requests, &hits, None);
        let findings = run(&PageInput {
            url: "https://shop.test/",
            requests,
            hits: &hits,
            document: Some(0),
            navigation_error: None,
            navigated: true,
            console: &[],
            navigations,
            context,
        });
        (routes, findings)
    }

    /// A delivered GET sent at `time_ms`.
    pub(crate) fn at(url: &str, time_ms: f64) -> CapturedRequest {
        let mut r = ok("GET", url, None);
        r.time_ms = time_ms;
        r
    }

    /// Runs the checks on a page made of `requests` (the first one is the document).
    pub(crate) fn findings(requests: Vec<CapturedRequest>) -> Vec<Finding> {
        run_with(&requests, Context::generic())
    }

    /// The page document request.
    pub(crate) fn document() -> CapturedRequest {
        let mut r = ok("GET", "https://shop.test/", None);
        r.resource_type = "Document".into();
        r
    }

    /// The codes of the findings, in order.
    pub(crate) fn codes(findings: &[Finding]) -> Vec<&'static str> {
        findings.iter().map(|f| f.code.as_str()).collect()
    }
}
