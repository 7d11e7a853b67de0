//! One page under one consent scenario: a fresh visitor loads it, makes the consent choice,
//! and the page is watched until its expected hits arrived (or their deadline passed).

use std::time::Instant;

use serde_json::json;

use super::report::{page_report, RunInfo};
use super::{consent, page_values, AuditOptions, Browser};
use pixelaudit_core::checks;
use pixelaudit_core::checks::Context;
use pixelaudit_core::config::{ExpectSpec, PagePlan, Site};
use pixelaudit_core::model::{Code, Finding, Severity};
use pixelaudit_core::model::{Device, Scenario};
use pixelaudit_core::report::PageReport;

/// Audits `plan` under `scenario`.
pub(crate) async fn run(
    browser: &mut Browser<'_>,
    site: &Site,
    plan: &PagePlan,
    scenario: Scenario,
    options: &AuditOptions,
) -> PageReport {
    let started = Instant::now();
    let info = |navigation_error: Option<String>, consent_at_ms: Option<f64>| RunInfo {
        name: plan.name.clone(),
        url: plan.url.to_string(),
        journey: None,
        step: None,
        scenario: site.consent.as_ref().map(|_| scenario),
        device: plan.device,
        consent_at_ms,
        navigated: true,
        navigation_error,
        wall_ms: started.elapsed().as_secs_f64() * 1000.0,
    };
    let session = match browser.session().await {
        Ok(session) => session,
        Err(error) => {
            return page_report(
                info(Some(format!("no browser session: {error}")), None),
                &Default::default(),
                Context::generic(),
                vec![],
                None,
            );
        }
    };
    let origins = vec![
        site.base_url.origin().ascii_serialization(),
        plan.url.origin().ascii_serialization(),
    ];
    let action = consent::action(site, scenario);
    let mobile = plan.device == Device::Mobile;
    let prepared = consent::prepare(session, &origins, mobile, action, &plan.url).await;
    let init_script = match prepared {
        Ok(id) => id,
        Err(error) => {
            browser.lost().await;
            return page_report(
                info(
                    Some(format!("the browser could not be prepared: {error}")),
                    None,
                ),
                &Default::default(),
                Context::generic(),
                vec![],
                None,
            );
        }
    };
    let started = Instant::now();
    session.begin_page();
    let (navigation_error, lost) = session.navigate(plan.url.as_str()).await;
    let mut extra = Vec::new();
    let mut consent_at_ms = None;
    if navigation_error.is_none() {
        if let Some(selector) = action.and_then(|a| a.click.as_deref()) {
            match consent::click(
                session,
                selector,
                options
                    .expect_timeout
                    .min(std::time::Duration::from_secs(5)),
                started,
                options.idle,
            )
            .await
            {
                Ok(at) => consent_at_ms = at,
                Err(error) => extra.push(Finding {
                    code: Code::StepFailed,
                    severity: Severity::Error,
                    vendor: None,
                    account: None,
                    event: None,
                    message: format!(
                        "the consent banner could not be used ({} scenario): {error}",
                        scenario.as_str()
                    ),
                    evidence: json!({"selector": selector}),
                }),
            }
        }
    }
    let specs: Vec<&ExpectSpec> = plan.checks.expected_in(scenario);
    if !lost {
        let until =
            |requests: &[pixelaudit_core::model::CapturedRequest]| checks::met(&specs, requests);
        let has_expectations = !specs.is_empty();
        session
            .settle(
                started,
                options.idle,
                has_expectations.then_some(&until as _),
                has_expectations.then(|| started + options.expect_timeout),
            )
            .await;
    }
    let values = page_values::read(session, &page_values::sources(specs.iter().copied())).await;
    let capture = session.take();
    if let Some(id) = init_script {
        let _ = session.remove_init_script(&id).await;
    }
    let screenshot = if extra.is_empty() {
        None
    } else {
        session.screenshot().await.ok()
    };
    if lost {
        browser.lost().await;
    }
    let context = Context {
        checks: &plan.checks,
        scenario,
        consent: site.consent.as_ref(),
        consent_at_ms,
        pixels: &site.pixels,
        page_values: &values,
    };
    let mut report = page_report(
        RunInfo {
            wall_ms: started.elapsed().as_secs_f64() * 1000.0,
            ..info(navigation_error, consent_at_ms)
        },
        &capture,
        context,
        extra,
        options.blocker(),
    );
    if let Some(png) = screenshot {
        report.screenshot = Some(crate::archive::screenshot_name(&report));
        report.screenshot_png = Some(png);
    }
    report
}
