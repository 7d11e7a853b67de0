//! One step of a run, on a session already prepared for the run's consent scenario: its
//! action, the consent banner click after the run's first page load, the wait until the
//! page settled (or its expected hits arrived, or their deadline passed), then its capture,
//! checked into one report entry.

use std::time::{Duration, Instant};

use super::action::{self, Performed};
use super::report::{page_report, RunInfo};
use super::shape::Run;
use super::step_failed::{self, Failure};
use super::{consent, page_values, AuditOptions};
use pixelaudit_browser::{PageCapture, Session};
use pixelaudit_core::checks;
use pixelaudit_core::checks::{Context, Navigations};
use pixelaudit_core::config::{Action, ExpectSpec, Site};
use pixelaudit_core::model::{HitKind, Scenario};
use pixelaudit_core::report::PageReport;
use pixelaudit_core::vendors::decode_requests;

/// What a run is performed in: the site, the run, its scenario, the audit's options.
pub(crate) struct Scene<'a> {
    pub(crate) site: &'a Site,
    pub(crate) run: &'a Run<'a>,
    pub(crate) scenario: Scenario,
    pub(crate) options: &'a AuditOptions,
}

/// A step performed.
pub(crate) struct Stepped {
    pub(crate) report: PageReport,
    /// The step failed (its entry has a `step_failed` finding).
    pub(crate) failed: bool,
    /// The browser session is gone.
    pub(crate) lost: bool,
}

/// Performs step `index` of the run; `asked` is when its session was asked for. The consent
/// banner, while `consent_pending`, is clicked after the first page load that succeeds.
pub(crate) async fn run(
    session: &Session,
    scene: &Scene<'_>,
    index: usize,
    consent_pending: &mut Option<&str>,
    asked: Instant,
) -> Stepped {
    let Scene {
        site,
        run,
        scenario,
        options,
    } = *scene;
    let step = &run.steps[index];
    let timeout = step.timeout.unwrap_or(options.expect_timeout);
    let navigated = matches!(step.action, Action::Goto(_));
    if navigated {
        session.begin_page();
    } else {
        session.begin_step();
    }
    let started = Instant::now();
    let mut navigation_error = None;
    let mut lost = false;
    let mut failure = None;
    match action::perform(session, &step.action, timeout, site).await {
        Ok(Performed::Navigated(error, session_lost)) => {
            navigation_error = error;
            lost = session_lost;
        }
        Ok(Performed::Done) => {}
        Err(error) => failure = Some(Failure::Action(error.to_string())),
    }
    let mut consent_at_ms = None;
    if navigated && navigation_error.is_none() && failure.is_none() {
        if let Some(selector) = consent_pending.take() {
            match consent::click(
                session,
                selector,
                timeout.min(Duration::from_secs(5)),
                started,
                options.idle,
            )
            .await
            {
                Ok(at) => consent_at_ms = at,
                Err(error) => {
                    failure = Some(Failure::Banner {
                        selector: selector.to_string(),
                        error: error.to_string(),
                    })
                }
            }
        }
    }
    let specs: Vec<&ExpectSpec> = step.checks.expected_in(scenario);
    let wait_hit = match &step.action {
        Action::WaitForHit { vendor, event } => Some((*vendor, event.clone())),
        _ => None,
    };
    if !lost {
        let until = |capture: &PageCapture| {
            let navigations = Navigations {
                start_url: capture.start_url.as_deref().unwrap_or_default(),
                entered: navigated || capture.committed,
                changes: &capture.routes,
            };
            checks::met_on_routes(&specs, &capture.requests, navigations)
                && wait_hit.as_ref().is_none_or(|(vendor, event)| {
                    decode_requests(&capture.requests).iter().any(|h| {
                        h.hit.kind == HitKind::Event
                            && h.hit.vendor == *vendor
                            && event
                                .as_ref()
                                .is_none_or(|e| h.hit.event.as_ref() == Some(e))
                    })
                })
        };
        let waiting = !specs.is_empty() || wait_hit.is_some();
        session
            .settle(
                started,
                options.idle,
                waiting.then_some(&until as _),
                waiting.then(|| started + timeout),
            )
            .await;
        if let Some((vendor, event)) = &wait_hit {
            if !session.with_capture(|c| until(c)) && failure.is_none() {
                failure = Some(Failure::Action(format!(
                    "no {vendor} {} hit arrived within {} ms",
                    event.as_deref().unwrap_or("event"),
                    timeout.as_millis()
                )));
            }
        }
    }
    let values = page_values::read(session, &page_values::sources(specs.iter().copied())).await;
    let url = run.shape.url(session).await;
    let capture = session.take();
    let screenshot = match failure {
        Some(_) => session.screenshot().await.ok(),
        None => None,
    };
    let extra = failure
        .iter()
        .map(|failure| step_failed::finding(&run.shape, &run.steps, index, scenario, failure))
        .collect();
    let context = Context {
        checks: &step.checks,
        scenario,
        consent: site.consent.as_ref(),
        consent_at_ms,
        pixels: &site.pixels,
        page_values: &values,
    };
    let (journey, number) = run.shape.entry(index);
    let info = RunInfo {
        name: step.name.clone(),
        url,
        journey,
        step: number,
        scenario: site.consent.as_ref().map(|_| scenario),
        device: run.device,
        consent_at_ms,
        navigated,
        navigation_error,
        wall_ms: run.shape.wall_from(asked, started).elapsed().as_secs_f64() * 1000.0,
    };
    let mut report = page_report(info, &capture, context, extra, options.blocker());
    if let Some(png) = screenshot {
        report.screenshot = Some(crate::archive::screenshot_name(&report));
        report.screenshot_png = Some(png);
    }
    Stepped {
        report,
        failed: failure.is_some(),
        lost,
    }
}
