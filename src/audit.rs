//! Runs an audit: one browser session reused across a site's pages; each page is visited,
//! captured, decoded and checked. A crashed browser is replaced and the audit goes on.

use chrono::Utc;
use url::Url;

use crate::browser::{
    BrowserError, BrowserOptions, Driver, DriverOptions, IdleOptions, Session, Visit,
};
use crate::checks::{self, PageInput};
use crate::report::{HitReport, PageReport, Report, REPORT_VERSION};
use crate::vendors::{decode_requests, HitKind};

/// What to audit.
#[derive(Debug, Clone)]
pub struct AuditTarget {
    /// The site's name in reports.
    pub site: String,
    /// Pages as (name, URL), audited in this order.
    pub pages: Vec<(String, Url)>,
}

/// How to audit.
#[derive(Debug, Clone, Default)]
pub struct AuditOptions {
    /// Which driver and browser.
    pub driver: DriverOptions,
    /// Session options (Chromium flags, timeouts).
    pub browser: BrowserOptions,
    /// When a page counts as settled.
    pub idle: IdleOptions,
}

/// Audits every page of `target`. Fails only when no browser can be started at all; a page
/// that fails, or a browser that crashes mid-run, becomes a `page_error` finding.
pub async fn run(target: &AuditTarget, options: &AuditOptions) -> Result<Report, BrowserError> {
    let started_at = Utc::now();
    let driver = Driver::start(&options.driver).await?;
    let mut session = match Session::open(&driver, &options.browser).await {
        Ok(session) => Some(session),
        Err(error) => {
            driver.stop().await;
            return Err(error);
        }
    };
    let mut pages = Vec::with_capacity(target.pages.len());
    for (name, url) in &target.pages {
        if session.is_none() {
            session = Session::open(&driver, &options.browser).await.ok();
        }
        let Some(live) = session.as_ref() else {
            pages.push(failed_page(name, url, "no browser session could be opened"));
            continue;
        };
        tracing::info!(page = %name, %url, "visiting");
        let visit = live.visit(url.as_str(), options.idle).await;
        if visit.session_lost {
            tracing::warn!(page = %name, "browser session lost; opening a new one");
            if let Some(dead) = session.take() {
                dead.close().await;
            }
        }
        pages.push(page_report(name, url, &visit));
    }
    if let Some(session) = session {
        session.close().await;
    }
    driver.stop().await;
    let mut report = Report {
        version: REPORT_VERSION,
        tool: format!("pixelaudit {}", env!("CARGO_PKG_VERSION")),
        site: target.site.clone(),
        started_at,
        finished_at: Utc::now(),
        summary: Default::default(),
        pages,
    };
    report.summarize();
    Ok(report)
}

/// Decodes and checks one visit.
pub fn page_report(name: &str, url: &Url, visit: &Visit) -> PageReport {
    let capture = &visit.capture;
    let hits = decode_requests(&capture.requests);
    let findings = checks::run(&PageInput {
        url: url.as_str(),
        requests: &capture.requests,
        hits: &hits,
        document: capture.document,
        navigation_error: visit.navigation_error.as_deref(),
        console: &capture.console,
    });
    let last_hit_ms = hits
        .iter()
        .filter(|h| h.hit.kind == HitKind::Event)
        .flat_map(|h| std::iter::once(h.request).chain(h.mirrors.iter().copied()))
        .map(|i| capture.requests[i].time_ms)
        .fold(None, |max: Option<f64>, t| {
            Some(max.map_or(t, |m| m.max(t)))
        });
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
            }
        })
        .collect();
    PageReport {
        name: name.to_string(),
        url: url.to_string(),
        http_status: capture.document.and_then(|i| capture.requests[i].status),
        error: visit
            .navigation_error
            .as_ref()
            .map(|e| e.lines().next().unwrap_or_default().to_string()),
        wall_ms: (visit.wall_ms * 10.0).round() / 10.0,
        last_hit_ms,
        settled: !capture.hit_max_wait,
        requests: capture.requests.len(),
        unfinished: capture.unfinished.clone(),
        hits,
        findings,
        console: capture.console.clone(),
    }
}

fn failed_page(name: &str, url: &Url, why: &str) -> PageReport {
    let visit = Visit {
        capture: Default::default(),
        navigation_error: Some(why.to_string()),
        session_lost: true,
        wall_ms: 0.0,
    };
    page_report(name, url, &visit)
}
