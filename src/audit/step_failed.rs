//! The `step_failed` finding: a step that could not be performed, worded for the run it
//! belongs to. The only place the finding is built.

use serde_json::json;

use super::shape::Shape;
use pixelaudit_core::config::StepPlan;
use pixelaudit_core::model::{Code, Finding, Scenario, Severity};

/// Why a step failed.
pub(crate) enum Failure {
    /// Nothing of the step ran: no browser session, or the browser could not be prepared.
    Unstarted(String),
    /// The consent banner's button was on the page once it loaded, but could not be clicked
    /// (hidden, covered; or the selector is not valid CSS). A button that never appeared is
    /// no failure: see `consent::not_shown`.
    Banner { selector: String, error: String },
    /// The step's action failed, or the hit it waited for did not arrive.
    Action(String),
}

/// The finding for `failure` of step `index` (0-based) of `steps`. A page's banner failure
/// names the scenario and the selector; a journey's failures name the step and its action,
/// and, once the step started, how many steps are skipped because of it. (A page's only step
/// is a `goto`, whose action cannot fail; one that never started has no finding but a
/// navigation error, see `Shape::unstarted`.)
pub(crate) fn finding(
    shape: &Shape<'_>,
    steps: &[StepPlan],
    index: usize,
    scenario: Scenario,
    failure: &Failure,
) -> Finding {
    let number = index + 1;
    let action = steps[index].action.label();
    let step = |message: &str| format!("step {number} ({action}) failed: {message}");
    let skipped_steps = steps.len() - index - 1;
    let check = |selector: &str| {
        format!(
            "check that `{selector}` names the banner's own button, that the button is visible to \
             this visitor, and that nothing covers it (another overlay, a popup, a sticky bar)"
        )
    };
    let (message, evidence) = match (shape, failure) {
        (Shape::Page { .. }, Failure::Banner { selector, error }) => (
            format!(
                "the consent banner could not be used ({} scenario): {error}; {}",
                scenario.as_str(),
                check(selector)
            ),
            json!({"selector": selector}),
        ),
        (_, Failure::Unstarted(message)) => (step(message), json!({"step": number})),
        (_, Failure::Banner { selector, error }) => (
            step(&format!(
                "the consent banner could not be used: {error}; {}",
                check(selector)
            )),
            json!({"step": number, "action": action, "selector": selector, "skipped_steps": skipped_steps}),
        ),
        (_, Failure::Action(message)) => (
            step(message),
            json!({"step": number, "action": action, "skipped_steps": skipped_steps}),
        ),
    };
    Finding {
        code: Code::StepFailed,
        severity: Severity::Error,
        vendor: None,
        account: None,
        event: None,
        message,
        evidence,
    }
}
