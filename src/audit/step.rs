//! One step of a run, on a session already prepared for the run's consent scenario: its
//! action, the consent banner click on the first page load that shows the banner (until then
//! the step is checked as a visitor who made no choice), the wait until the page settled (or
//! its expected hits arrived, or their deadline passed), then its capture, checked into one
//! report entry.

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
/// banner, while pending, is looked for after each page load that succeeds and clicked on the
/// first that shows it; until then the steps are checked as a visitor who made no choice, and
/// the first page without it gets the run's one `banner_not_shown`.
pub(crate) async fn run(
    session: &Session,
    scene: &Scene<'_>,
    index: usize,
    banner: &mut consent::Banner<'_>,
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
    let mut first_miss = false;
    if navigated && navigation_error.is_none() && failure.is_none() {
        if let Some(selector) = banner.pending() {
            let wait = timeout.min(Duration::from_secs(5));
            match consent::click(session, selector, wait, started, options.idle).await {
                consent::Clicked::At(at) => {
                    consent_at_ms = at;
                    banner.clicked(index + 1);
                }
                consent::Clicked::NotShown => first_miss = banner.missing(index + 1, wait),
                consent::Clicked::Unusable(error) => {
                    failure = Some(Failure::Banner {
                        selector: selector.to_string(),
                        error,
                    })
                }
                // The browser's failure, not the store's: reported as a lost page, like a
                // navigation that lost the session.
                consent::Clicked::Lost(error) => {
                    navigation_error = Some(format!(
                        "the browser session was lost while looking for the consent banner: {error}"
                    ));
                    lost = true;
                }
            }
        }
    }
    let checked_as = banner.checked_as(scenario);
    let specs: Vec<&ExpectSpec> = step.checks.expected_in(checked_as);
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
    let (journey, number) = run.shape.entry(index);
    let extra = failure
        .iter()
        .map(|failure| step_failed::finding(&run.shape, &run.steps, index, scenario, failure))
        .chain(
            first_miss
                .then(|| consent::not_shown(site, banner, scenario, journey.is_some()))
                .flatten(),
        )
        .collect();
    let context = Context {
        checks: &step.checks,
        scenario: checked_as,
        no_choice_in: (checked_as != scenario).then_some(scenario),
        consent: site.consent.as_ref(),
        consent_at_ms,
        pixels: &site.pixels,
        page_values: &values,
    };
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
