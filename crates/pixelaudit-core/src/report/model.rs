//! What one audit produced: pages, their hits and findings, and a summary.

use chrono::{DateTime, Utc};
use serde::Serialize;

use std::collections::BTreeMap;

use super::regression::Regressions;
use super::trend::VendorPoint;
use crate::email::EmailReport;
use crate::model::{
    BlockMatch, ConsoleEntry, Device, Finding, Hit, HitKind, ListInfo, Route, Scenario, Severity,
    TargetKind, Vendor,
};

/// The JSON report's schema version. Bump it on any incompatible change.
pub const REPORT_VERSION: u32 = 1;

/// One audit run of one site.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Schema version ([`REPORT_VERSION`]).
    pub version: u32,
    /// `pixelaudit <version>`.
    pub tool: String,
    /// The site's name (`adhoc` for `--url` audits without a site config).
    pub site: String,
    /// When the audit started.
    pub started_at: DateTime<Utc>,
    /// When it finished.
    pub finished_at: DateTime<Utc>,
    /// Totals.
    pub summary: Summary,
    /// Pages in the order they were audited.
    pub pages: Vec<PageReport>,
    /// Ad-block results, when the site audits them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub adblock: Option<AdblockSummary>,
    /// Pages found by `--discover`: what was found, what was audited, and which vendors each
    /// page type misses.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub discovery: Option<DiscoverySummary>,
    /// Audited test emails (`[email]`, `pixelaudit email`), in source order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub emails: Vec<EmailReport>,
    /// What changed since the previous run of this site (absent on the first run).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub regressions: Option<Regressions>,
    /// Set when the run was stopped before it audited everything (absent when complete).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partial: Option<Partial>,
    /// Each vendor's events and errors over the site's previous runs (oldest first), for the
    /// HTML report's health chart; not part of the JSON report.
    #[serde(skip)]
    pub history: Option<BTreeMap<String, Vec<VendorPoint>>>,
}

/// Why a run stopped before auditing every page and journey.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// The run used up its time budget (`[schedule] budget_minutes`).
    TimeBudget,
    /// The scheduler was shutting down (SIGTERM / SIGINT) and its grace period ended.
    Shutdown,
}

impl StopReason {
    /// The reason's name in reports and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            StopReason::TimeBudget => "time_budget",
            StopReason::Shutdown => "shutdown",
        }
    }
}

/// A run that was stopped early: what it covered is reported, the rest was not audited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Partial {
    /// Why it stopped.
    pub reason: StopReason,
    /// What was and was not audited, in words.
    pub message: String,
}

/// Store discovery and template coverage (`--discover`).
#[derive(Debug, Clone, Default, Serialize)]
pub struct DiscoverySummary {
    /// Pages found per type (sitemaps and links).
    pub found: BTreeMap<String, usize>,
    /// Pages audited per type.
    pub audited: BTreeMap<String, usize>,
    /// Sitemaps read.
    pub sitemaps: Vec<String>,
    /// Problems and limits met while discovering (robots.txt, sitemaps, page caps).
    pub notes: Vec<String>,
    /// Per page type, each vendor and event: on how many audited pages it is missing.
    pub coverage: Vec<crate::report::TypeCoverage>,
}

impl DiscoverySummary {
    /// One line per page type and vendor (or vendor:event) missing on some of its audited
    /// pages: `meta missing on 4/294 product pages (all under /products/gift-card-*)`.
    pub fn gaps(&self) -> Vec<String> {
        let mut lines = Vec::new();
        for t in &self.coverage {
            for key in t.keys.iter().filter(|k| k.missing > 0) {
                let mut line = format!(
                    "{} missing on {}/{} {} page{}",
                    key.key.replace(':', " "),
                    key.missing,
                    t.pages,
                    t.page_type,
                    if t.pages == 1 { "" } else { "s" }
                );
                if let Some(prefix) = &key.common_prefix {
                    line.push_str(&format!(" (all under {prefix}*)"));
                }
                lines.push(line);
            }
        }
        lines
    }
}

/// Totals over the whole run.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Summary {
    /// Pages audited.
    pub pages: usize,
    /// Tracking events decoded (loaders not counted).
    pub events: usize,
    /// Error findings.
    pub errors: usize,
    /// Warning findings.
    pub warnings: usize,
    /// Info findings.
    pub infos: usize,
    /// Emails audited.
    #[serde(skip_serializing_if = "is_zero")]
    pub emails: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// One audited page load or journey step.
#[derive(Debug, Clone, Serialize)]
pub struct PageReport {
    /// The page's name from the config (or its path); for a journey step, the step's name.
    pub name: String,
    /// The journey this step belongs to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub journey: Option<String>,
    /// The step's position in its journey (1-based).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<usize>,
    /// The consent scenario it ran under (when the site has a consent setup).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consent: Option<Scenario>,
    /// When the consent banner was clicked, ms on the requests' timeline.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consent_at_ms: Option<f64>,
    /// The emulated device.
    pub device: Device,
    /// The page type, for pages found by `--discover` (`product`, `collection`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page_type: Option<String>,
    /// The URL visited.
    pub url: String,
    /// A single-page app's routes (every route, the first at 0 ms), when the page changed
    /// route; empty (and left out of the JSON) otherwise.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub routes: Vec<Route>,
    /// The document's HTTP status, when it answered.
    pub http_status: Option<u16>,
    /// Why the page could not be loaded, if it could not.
    pub error: Option<String>,
    /// Wall time spent on the page (navigation + settle), in ms.
    pub wall_ms: f64,
    /// When the last tracking request was sent, in ms after navigation start.
    pub last_hit_ms: Option<f64>,
    /// Whether the page went network-idle before the hard cap.
    pub settled: bool,
    /// How many requests were captured (page, iframes, workers).
    pub requests: usize,
    /// Requests still in flight when the page settled (long polls, hung beacons).
    pub unfinished: Vec<String>,
    /// Vendor hits: events and loaders.
    pub hits: Vec<HitReport>,
    /// Findings on this page.
    pub findings: Vec<Finding>,
    /// Console errors and warnings (CSP violations, exceptions).
    pub console: Vec<ConsoleEntry>,
    /// A screenshot saved next to the report (file name), taken when a step failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub screenshot: Option<String>,
    /// The screenshot's PNG bytes, written by `save_run`.
    #[serde(skip)]
    pub screenshot_png: Option<Vec<u8>>,
    /// What the simulated ad blocker removed (with `[adblock]` and its blocked run).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub adblock: Option<AdblockOutcome>,
}

impl PageReport {
    /// A single-page app's routes in one line, each with when it started:
    /// `/home (0 ms) → /products/tee (812 ms) → /cart (1.6 s)`; `None` for a page without
    /// route changes. A route on the page's own origin is shown from its path.
    pub fn routes_line(&self) -> Option<String> {
        if self.routes.is_empty() {
            return None;
        }
        let origin = url::Url::parse(&self.url)
            .ok()
            .map(|u| u.origin().ascii_serialization());
        let parts: Vec<String> = self
            .routes
            .iter()
            .map(|route| {
                let shown = origin
                    .as_deref()
                    .and_then(|o| route.url.strip_prefix(o))
                    .filter(|rest| rest.starts_with('/'))
                    .unwrap_or(&route.url);
                let at = if route.at_ms < 1000.0 {
                    format!("{:.0} ms", route.at_ms)
                } else {
                    format!("{:.1} s", route.at_ms / 1000.0)
                };
                format!("{shown} ({at})")
            })
            .collect();
        Some(parts.join(" → "))
    }

    /// A one-line label: `home`, `home [accept]`, `buy #2 click #add-to-cart [accept, mobile]`.
    pub fn label(&self) -> String {
        let mut label = match (&self.journey, self.step) {
            (Some(journey), Some(step)) => format!("{journey} #{step} {}", self.name),
            _ => self.name.clone(),
        };
        let mut tags = Vec::new();
        if let Some(scenario) = self.consent {
            tags.push(scenario.as_str());
        }
        if self.device == Device::Mobile {
            tags.push("mobile");
        }
        if !tags.is_empty() {
            label.push_str(&format!(" [{}]", tags.join(", ")));
        }
        label
    }
}

/// One vendor hit as reported: the decoded hit plus the request it came from.
#[derive(Debug, Clone, Serialize)]
pub struct HitReport {
    /// The decoded hit (vendor, kind, account, event, class, params, raw).
    #[serde(flatten)]
    pub hit: Hit,
    /// The request URL.
    pub url: String,
    /// HTTP method.
    pub method: String,
    /// HTTP status, if a response arrived.
    pub status: Option<u16>,
    /// `200`, `404`, `net::ERR_…`, `blocked (csp)`, `pending`.
    pub outcome: String,
    /// When it was sent, ms after navigation start.
    pub time_ms: f64,
    /// Which target sent it.
    pub target: TargetKind,
    /// Mirror requests folded into this hit (same event, other endpoints).
    pub mirrors: Vec<String>,
    /// The filter-list rule that would block this request (with `[adblock]`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocked_by: Option<BlockMatch>,
    /// Sent to the page's own site (a first-party or server-side endpoint).
    pub first_party: bool,
}

/// What the simulated ad blocker did to one page (or step).
#[derive(Debug, Clone, Default, Serialize)]
pub struct AdblockOutcome {
    /// Requests the blocker failed in the blocked run.
    pub blocked_requests: usize,
    /// Events of the normal run, counted.
    pub events: usize,
    /// Of those, still sent in the blocked run.
    pub survived: usize,
    /// Events lost, each with its cause.
    pub lost: Vec<LostEvent>,
    /// Console errors and exceptions that only appear with the blocker (pages that break).
    pub new_errors: Vec<String>,
}

/// An event that a blocker removes.
#[derive(Debug, Clone, Serialize)]
pub struct LostEvent {
    /// Vendor.
    pub vendor: Vendor,
    /// Account.
    pub account: Option<String>,
    /// Event.
    pub event: Option<String>,
    /// Why: the rule that blocks its request, or its blocked loader.
    pub cause: String,
}

/// Ad-block results over the whole run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AdblockSummary {
    /// The lists used, their size and load time.
    pub lists: Vec<ListInfo>,
    /// Whether the pages were audited again with the blocker on.
    pub blocked_run: bool,
    /// Per vendor: events and conversions in the normal run, and how many survive a blocker.
    pub vendors: Vec<VendorSurvival>,
}

/// How much of one vendor's tracking survives a blocker.
#[derive(Debug, Clone, Default, Serialize)]
pub struct VendorSurvival {
    /// Vendor.
    pub vendor: Option<Vendor>,
    /// Events in the normal run.
    pub events: usize,
    /// Events still sent with the blocker on.
    pub survived: usize,
    /// Conversion events (add to cart, checkout, purchase, lead) in the normal run.
    pub conversions: usize,
    /// Conversions still sent with the blocker on.
    pub conversions_survived: usize,
}

impl Report {
    /// Recomputes the summary from the pages.
    pub fn summarize(&mut self) {
        let mut summary = Summary {
            pages: self.pages.len(),
            ..Summary::default()
        };
        for page in &self.pages {
            summary.events += page
                .hits
                .iter()
                .filter(|h| h.hit.kind == HitKind::Event)
                .count();
            for finding in &page.findings {
                match finding.severity {
                    Severity::Error => summary.errors += 1,
                    Severity::Warning => summary.warnings += 1,
                    Severity::Info => summary.infos += 1,
                }
            }
        }
        summary.emails = self.emails.len();
        for finding in self.emails.iter().flat_map(|e| &e.findings) {
            match finding.severity {
                Severity::Error => summary.errors += 1,
                Severity::Warning => summary.warnings += 1,
                Severity::Info => summary.infos += 1,
            }
        }
        self.summary = summary;
    }
}
