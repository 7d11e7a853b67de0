//! One journey under one consent scenario: a fresh visitor performs the steps in order; each
//! step is captured and checked on its own. A step that cannot be performed is reported with
//! a screenshot, and the journey stops there (later steps depend on it).

use std::time::{Duration, Instant};

use serde_json::json;

use super::report::{page_report, RunInfo};
use super::{consent, page_values, AuditOptions, Browser};
use pixelaudit_browser::{BrowserError, Session};
use pixelaudit_core::checks;
use pixelaudit_core::checks::Context;
use pixelaudit_core::config::{Action, ExpectSpec, JourneyPlan, Site, StepPlan};
use pixelaudit_core::model::CapturedRequest;
use pixelaudit_core::model::HitKind;
use pixelaudit_core::model::{Code, Finding, Severity};
use pixelaudit_core::model::{Device, Scenario};
use pixelaudit_core::report::PageReport;
use pixelaudit_core::vendors::decode_requests;

/// Runs `journey` under `scenario`; returns one report entry per step performed.
pub(crate) async fn run(
    browser: &mut Browser<'_>,
    site: &Site,
    journey: &JourneyPlan,
    scenario: Scenario,
    options: &AuditOptions,
) -> Vec<PageReport> {
    let mut reports = Vec::new();
    let origins = vec![site.base_url.origin().ascii_serialization()];
    let action = consent::action(site, scenario);
    let mut init_script = None;
    let mut consent_pending = action.and_then(|a| a.click.as_deref());
    for (index, step) in journey.steps.iter().enumerate() {
        let started = Instant::now();
        let session = match browser.session().await {
            Ok(session) => session,
            Err(error) => {
                reports.push(failed(
                    journey,
                    index,
                    step,
                    scenario,
                    site,
                    format!("no browser session: {error}"),
                ));
                break;
            }
        };
        if index == 0 {
            let mobile = journey.device == Device::Mobile;
            let prepared =
                consent::prepare(session, &origins, mobile, action, &site.base_url).await;
            match prepared {
                Ok(id) => init_script = id,
                Err(error) => {
                    reports.push(failed(
                        journey,
                        index,
                        step,
                        scenario,
                        site,
                        format!("the browser could not be prepared: {error}"),
                    ));
                    browser.lost().await;
                    break;
                }
            }
        }
        let timeout = step.timeout.unwrap_or(options.expect_timeout);
        let navigated = matches!(step.action, Action::Goto(_));
        if navigated {
            session.begin_page();
        } else {
            session.begin_step();
        }
        let started_step = Instant::now();
        let mut navigation_error = None;
        let mut lost = false;
        let mut failure = None;
        match perform(session, &step.action, timeout, site).await {
            Ok(Performed::Navigated(error, session_lost)) => {
                navigation_error = error;
                lost = session_lost;
            }
            Ok(Performed::Done) => {}
            Err(error) => failure = Some(error.to_string()),
        }
        let mut consent_at_ms = None;
        if navigated && navigation_error.is_none() && failure.is_none() {
            if let Some(selector) = consent_pending.take() {
                match consent::click(
                    session,
                    selector,
                    timeout.min(Duration::from_secs(5)),
                    started_step,
                    options.idle,
                )
                .await
                {
                    Ok(at) => consent_at_ms = at,
                    Err(error) => {
                        failure = Some(format!("the consent banner could not be used: {error}"))
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
            let until = |requests: &[CapturedRequest]| {
                checks::met(&specs, requests)
                    && wait_hit.as_ref().is_none_or(|(vendor, event)| {
                        decode_requests(requests).iter().any(|h| {
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
                    started_step,
                    options.idle,
                    waiting.then_some(&until as _),
                    waiting.then(|| started_step + timeout),
                )
                .await;
            if let Some((vendor, event)) = &wait_hit {
                if !session.with_requests(|r| until(r)) && failure.is_none() {
                    failure = Some(format!(
                        "no {vendor} {} hit arrived within {} ms",
                        event.as_deref().unwrap_or("event"),
                        timeout.as_millis()
                    ));
                }
            }
        }
        let values = page_values::read(session, &page_values::sources(specs.iter().copied())).await;
        let url = session.current_url().await.unwrap_or_default();
        let capture = session.take();
        let screenshot = match failure {
            Some(_) => session.screenshot().await.ok(),
            None => None,
        };
        let extra: Vec<Finding> = failure
            .iter()
            .map(|message| Finding {
                code: Code::StepFailed,
                severity: Severity::Error,
                vendor: None,
                account: None,
                event: None,
                message: format!("step {} ({}) failed: {message}", index + 1, step.action.label()),
                evidence: json!({"step": index + 1, "action": step.action.label(), "skipped_steps": journey.steps.len() - index - 1}),
            })
            .collect();
        let context = Context {
            checks: &step.checks,
            scenario,
            consent: site.consent.as_ref(),
            consent_at_ms,
            pixels: &site.pixels,
            page_values: &values,
        };
        let info = RunInfo {
            name: step.name.clone(),
            url,
            journey: Some(journey.name.clone()),
            step: Some(index + 1),
            scenario: site.consent.as_ref().map(|_| scenario),
            device: journey.device,
            consent_at_ms,
            navigated,
            navigation_error,
            wall_ms: started.elapsed().as_secs_f64() * 1000.0,
        };
        let mut report = page_report(info, &capture, context, extra, options.blocker());
        if let Some(png) = screenshot {
            report.screenshot = Some(crate::archive::screenshot_name(&report));
            report.screenshot_png = Some(png);
        }
        let stop =
            failure.is_some() || lost || report.findings.iter().any(|f| f.code == Code::PageError);
        reports.push(report);
        if lost {
            browser.lost().await;
        }
        if stop {
            break;
        }
    }
    // A session lost on the way took the script with it: no new one is opened to remove it.
    if let (Some(id), Some(session)) = (init_script, browser.live()) {
        let _ = session.remove_init_script(&id).await;
    }
    reports
}

enum Performed {
    Navigated(Option<String>, bool),
    Done,
}

async fn perform(
    session: &Session,
    action: &Action,
    timeout: Duration,
    site: &Site,
) -> Result<Performed, BrowserError> {
    match action {
        Action::Goto(url) => {
            let (error, lost) = session.navigate(url.as_str()).await;
            return Ok(Performed::Navigated(error, lost));
        }
        Action::Click(selector) => session.click(selector, timeout).await?,
        Action::Fill(field) => session.fill(&field.selector, &field.value, timeout).await?,
        Action::Select(field) => {
            session
                .select(&field.selector, &field.value, timeout)
                .await?
        }
        Action::WaitForSelector(selector) => {
            session.find(selector, timeout).await?;
        }
        Action::WaitForHit { .. } => {}
        Action::SetCookie(cookie) => consent::set_cookie(session, cookie, &site.base_url).await?,
        Action::SetLocalStorage(kv) => {
            session
                .execute(
                    "localStorage.setItem(arguments[0], arguments[1]);",
                    vec![json!(kv.key), json!(kv.value)],
                )
                .await?;
        }
        Action::RunJs(script) => {
            session.execute(script, vec![]).await?;
        }
        Action::Scroll(scroll) => {
            match (&scroll.selector, scroll.y) {
                (Some(selector), _) => {
                    session.find(selector, timeout).await?;
                    session
                        .execute("document.querySelector(arguments[0]).scrollIntoView({block: 'center'});", vec![json!(selector)])
                        .await?;
                }
                (None, y) => {
                    session
                        .execute(
                            "window.scrollTo(0, arguments[0]);",
                            vec![json!(y.unwrap_or(0.0))],
                        )
                        .await?;
                }
            };
        }
    }
    Ok(Performed::Done)
}

fn failed(
    journey: &JourneyPlan,
    index: usize,
    step: &StepPlan,
    scenario: Scenario,
    site: &Site,
    message: String,
) -> PageReport {
    let info = RunInfo {
        name: step.name.clone(),
        url: String::new(),
        journey: Some(journey.name.clone()),
        step: Some(index + 1),
        scenario: site.consent.as_ref().map(|_| scenario),
        device: journey.device,
        consent_at_ms: None,
        navigated: false,
        navigation_error: None,
        wall_ms: 0.0,
    };
    let finding = Finding {
        code: Code::StepFailed,
        severity: Severity::Error,
        vendor: None,
        account: None,
        event: None,
        message: format!(
            "step {} ({}) failed: {message}",
            index + 1,
            step.action.label()
        ),
        evidence: json!({"step": index + 1}),
    };
    page_report(
        info,
        &Default::default(),
        Context::generic(),
        vec![finding],
        None,
    )
}
