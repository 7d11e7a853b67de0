//! One run (a page, or a journey) under one consent scenario: a fresh visitor performs the
//! steps in order; each step is captured and checked on its own. A step that cannot be
//! performed is reported with a screenshot, and the run stops there (later steps depend on
//! it), as it does when the browser is lost or the page errors.

use std::time::Instant;

use super::report::{page_report, RunInfo};
use super::shape::{Run, Shape};
use super::step::{self, Scene};
use super::step_failed::{self, Failure};
use super::{consent, AuditOptions, Browser};
use pixelaudit_core::checks::Context;
use pixelaudit_core::config::Site;
use pixelaudit_core::model::{Code, Device, Scenario};
use pixelaudit_core::report::PageReport;

/// Performs `run` under `scenario`; returns one report entry per step performed.
pub(crate) async fn run(
    browser: &mut Browser<'_>,
    site: &Site,
    run: &Run<'_>,
    scenario: Scenario,
    options: &AuditOptions,
) -> Vec<PageReport> {
    let scene = Scene {
        site,
        run,
        scenario,
        options,
    };
    let mut reports = Vec::new();
    let action = consent::action(site, scenario);
    let mut init_script = None;
    let mut banner = consent::Banner::of(action);
    for index in 0..run.steps.len() {
        let asked = Instant::now();
        let session = match browser.session().await {
            Ok(session) => session,
            Err(error) => {
                let message = format!("no browser session: {error}");
                reports.push(unstarted(&scene, index, message, asked));
                break;
            }
        };
        if index == 0 {
            let origins = run.shape.origins(site);
            let mobile = run.device == Device::Mobile;
            let base = run.shape.preset_base(site);
            match consent::prepare(session, &origins, mobile, action, base).await {
                Ok(id) => init_script = id,
                Err(error) => {
                    browser.lost().await;
                    let message = format!("the browser could not be prepared: {error}");
                    reports.push(unstarted(&scene, index, message, asked));
                    break;
                }
            }
        }
        let stepped = step::run(session, &scene, index, &mut banner, asked).await;
        let page_error = stepped
            .report
            .findings
            .iter()
            .any(|f| f.code == Code::PageError);
        reports.push(stepped.report);
        if stepped.lost {
            browser.lost().await;
        }
        if stepped.failed || stepped.lost || page_error {
            break;
        }
    }
    if let Shape::Journey { .. } = run.shape {
        consent::finish(site, &banner, scenario, &mut reports);
    }
    // A session lost on the way took the script with it: no new one is opened to remove it.
    if let (Some(id), Some(session)) = (init_script, browser.live()) {
        let _ = session.remove_init_script(&id).await;
    }
    reports
}

/// The entry of step `index` when it never started: no session, or no preparation.
fn unstarted(scene: &Scene<'_>, index: usize, message: String, asked: Instant) -> PageReport {
    let Scene {
        site,
        run,
        scenario,
        ..
    } = *scene;
    let unstarted = run.shape.unstarted(message, asked);
    let extra = unstarted
        .failure
        .map(|message| {
            let failure = Failure::Unstarted(message);
            step_failed::finding(&run.shape, &run.steps, index, scenario, &failure)
        })
        .into_iter()
        .collect();
    let (journey, step) = run.shape.entry(index);
    let info = RunInfo {
        name: run.steps[index].name.clone(),
        url: unstarted.url,
        journey,
        step,
        scenario: site.consent.as_ref().map(|_| scenario),
        device: run.device,
        consent_at_ms: None,
        navigated: unstarted.navigated,
        navigation_error: unstarted.navigation_error,
        wall_ms: unstarted.wall_ms,
    };
    page_report(info, &Default::default(), Context::generic(), extra, None)
}
