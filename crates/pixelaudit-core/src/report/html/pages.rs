//! The pages view: one row per page run (a page under a scenario, or a journey step) with its
//! status, counts, vendors and timeline.

use std::collections::BTreeSet;

use serde::Serialize;

use super::super::{PageReport, Report};
use super::timings::{percent, span_ms, HitView};
use super::{duration, level};
use crate::model::{HitKind, Severity, Vendor};

/// One page run (a page under a scenario, or a journey step).
#[derive(Serialize)]
pub(super) struct PageView<'a> {
    /// In-page anchor.
    id: String,
    label: String,
    /// `Pages`, or the journey run this step belongs to.
    group: String,
    page: &'a PageReport,
    /// `200`, `failed`, `-` (a step that did not navigate).
    http: String,
    level: &'static str,
    errors: usize,
    warnings: usize,
    infos: usize,
    events: usize,
    vendors: Vec<&'static str>,
    wall: String,
    consent_at: Option<String>,
    /// Where the consent click sits on the timeline, in percent.
    consent_mark: Option<u32>,
    /// What the timeline bars span (`2.1 s`).
    span: String,
    /// Hits in the order they were sent.
    hits: Vec<HitView<'a>>,
    /// A single-page app's routes: URL and when each started (`812 ms`).
    routes: Vec<(&'a str, String)>,
}

pub(super) fn page_id(index: usize) -> String {
    format!("page-{}", index + 1)
}

/// `Pages`, or the journey run a step belongs to: `Journey “purchase” [accept]`.
pub(super) fn group(page: &PageReport) -> String {
    let Some(journey) = &page.journey else {
        return "Pages".to_string();
    };
    let mut tags: Vec<&str> = page.consent.iter().map(|s| s.as_str()).collect();
    if page.device == crate::model::Device::Mobile {
        tags.push("mobile");
    }
    if tags.is_empty() {
        format!("Journey “{journey}”")
    } else {
        format!("Journey “{journey}” [{}]", tags.join(", "))
    }
}

pub(super) fn pages(report: &Report) -> Vec<PageView<'_>> {
    report
        .pages
        .iter()
        .enumerate()
        .map(|(i, page)| {
            let count = |sev| page.findings.iter().filter(|f| f.severity == sev).count();
            let vendors: BTreeSet<Vendor> = page
                .hits
                .iter()
                .filter(|h| h.hit.kind == HitKind::Event)
                .map(|h| h.hit.vendor)
                .collect();
            let span = span_ms(page);
            let mut hits: Vec<HitView> = page.hits.iter().map(|h| HitView::new(h, span)).collect();
            hits.sort_by(|a, b| a.hit.time_ms.total_cmp(&b.hit.time_ms));
            PageView {
                id: page_id(i),
                label: page.label(),
                group: group(page),
                page,
                http: match (page.http_status, &page.error, page.step) {
                    (Some(status), _, _) => status.to_string(),
                    (None, None, Some(_)) => "-".to_string(),
                    _ => "failed".to_string(),
                },
                level: level(&page.findings),
                errors: count(Severity::Error),
                warnings: count(Severity::Warning),
                infos: count(Severity::Info),
                events: page
                    .hits
                    .iter()
                    .filter(|h| h.hit.kind == HitKind::Event)
                    .count(),
                vendors: vendors.into_iter().map(Vendor::as_str).collect(),
                wall: duration(page.wall_ms),
                consent_at: page.consent_at_ms.map(duration),
                consent_mark: page.consent_at_ms.map(|ms| percent(ms, span)),
                span: duration(span),
                hits,
                routes: page
                    .routes
                    .iter()
                    .map(|r| (r.url.as_str(), duration(r.at_ms)))
                    .collect(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::super::to_html;

    #[test]
    fn failed_pages_and_journey_steps_read_plainly() {
        let mut report = report();
        let mut failed = page("checkout", "https://shop.test/checkout", vec![], vec![]);
        failed.http_status = None;
        failed.error = Some("net::ERR_NAME_NOT_RESOLVED".into());
        let mut step = page("add to cart", "https://shop.test/p", vec![], vec![]);
        step.journey = Some("buy".into());
        step.step = Some(2);
        step.http_status = None;
        report.pages.extend([failed, step]);
        report.summarize();
        let html = to_html(&report);
        assert!(html.contains("The page failed: net::ERR_NAME_NOT_RESOLVED"));
        assert!(html.contains("Journey “buy” [accept]"));
        assert!(html.contains("buy #2 add to cart [accept]"));
        assert!(html.contains("same page (no new page load)"));
        assert!(html.contains("across 4 page runs"));
    }

    #[test]
    fn automatic_hits_are_listed_but_not_counted_as_events() {
        let mut report = report();
        let before = report.summary.events;
        let mut microdata = hit(crate::vendors::META, "Microdata", 140.0);
        microdata.hit.kind = crate::model::HitKind::Automatic;
        report.pages[0].hits.push(microdata);
        report.summarize();
        assert_eq!(report.summary.events, before);
        let html = to_html(&report);
        assert!(
            html.contains(r#"<td>Microdata <span class="muted">automatic</span></td>"#),
            "the hit list shows it, marked"
        );
        let table = crate::report::to_table(&report);
        assert!(table.contains("Microdata (automatic)"), "{table}");
    }

    #[test]
    fn a_single_page_apps_routes_are_listed_escaped() {
        let html = to_html(&report());
        assert!(html.contains("Single-page app routes (2, one page view each)"));
        assert!(html.contains(
            "1.2 s</span> https:&#x2f;&#x2f;shop.test&#x2f;#&#x2f;checkout&quot;&gt;&lt;img"
        ));
        assert_eq!(
            html.matches("Single-page app routes").count(),
            1,
            "only the page that changed route lists routes"
        );
    }
}
