//! The "Since the previous run" view: when that run was, and parameters whose value changed
//! (new, fixed and lost findings and events are shown as the report has them).

use serde::Serialize;
use serde_json::Value as Json;

use super::super::Report;
use super::fields::scalar;
use super::timestamp;

/// When the previous run started, as times are shown, if the report compares with one.
pub(super) fn previous_run(report: &Report) -> Option<String> {
    report
        .regressions
        .as_ref()
        .map(|r| timestamp(&r.previous_run))
}

/// A parameter that changed since the previous run, values as text.
#[derive(Serialize)]
pub(super) struct ParamChangeView<'a> {
    page: &'a str,
    vendor: &'a str,
    event: Option<&'a str>,
    param: &'a str,
    before: String,
    now: String,
}

pub(super) fn param_changes(report: &Report) -> Vec<ParamChangeView<'_>> {
    let show = |v: &Json| scalar(v).unwrap_or_else(|| v.to_string());
    report
        .regressions
        .iter()
        .flat_map(|r| &r.changed_params)
        .map(|c| ParamChangeView {
            page: &c.event.page,
            vendor: &c.event.vendor,
            event: c.event.event.as_deref(),
            param: &c.param,
            before: show(&c.before),
            now: show(&c.now),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::super::to_html;
    use serde_json::json;

    #[test]
    fn shows_what_changed_since_the_previous_run() {
        use crate::report::{EventRef, FindingRef, ParamChange, Regressions};
        let mut report = report();
        let event = EventRef {
            page: "thank-you [accept]".into(),
            vendor: "ga4".into(),
            account: Some("G-1".into()),
            event: Some("purchase".into()),
        };
        report.regressions = Some(Regressions {
            previous_run: "2026-11-27T10:00:00Z".into(),
            new_findings: vec![FindingRef {
                page: "home [accept]".into(),
                code: "duplicate".into(),
                vendor: Some("meta".into()),
                event: Some("PageView".into()),
                message: format!("fired twice {XSS1}"),
            }],
            fixed_findings: vec![FindingRef {
                page: "cart [accept]".into(),
                code: "missing_eid".into(),
                vendor: Some("meta".into()),
                event: Some("InitiateCheckout".into()),
                message: "meta InitiateCheckout has no event id".into(),
            }],
            lost_events: vec![event.clone()],
            changed_params: vec![ParamChange {
                event,
                param: "currency".into(),
                before: json!("EUR"),
                now: json!(["E", "U", "R"]),
            }],
        });
        let html = to_html(&report);
        assert!(html.contains("id=\"changes\""));
        assert!(html.contains("1 new problem</strong>, 1 fixed, 1 event no longer fires"));
        assert!(html.contains("Fixed since then (1)"));
        assert!(html.contains("fired twice &lt;script&gt;"));
        assert!(
            html.contains("[&quot;E&quot;,&quot;U&quot;,&quot;R&quot;]"),
            "{html}"
        );
        assert!(!html.contains("<script"));
    }
}
