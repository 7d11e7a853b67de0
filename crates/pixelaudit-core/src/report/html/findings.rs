//! The findings views ("What needs fixing" and "Findings in detail"): findings grouped by
//! severity, then by issue (code + vendor + account + event), each with the page runs or emails
//! it occurs on, its evidence and the hits it is about.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::Value as Json;

use super::super::{PageReport, Report};
use super::fields::{fields, Field};
use super::pages::page_id;
use super::timings::{span_ms, HitView};
use crate::model::{Finding, Severity, Vendor};

/// Findings of one severity.
#[derive(Serialize)]
pub(super) struct SeverityGroup<'a> {
    severity: &'static str,
    title: &'static str,
    count: usize,
    issues: Vec<Issue<'a>>,
}

/// One problem (code + vendor + account + event) and every page run it occurs on.
#[derive(Serialize)]
pub(super) struct Issue<'a> {
    code: &'static str,
    severity: &'static str,
    vendor: Option<&'static str>,
    account: Option<&'a str>,
    event: Option<&'a str>,
    /// The code in words (`Fires before consent`).
    title: &'static str,
    /// What the code means, for people who do not know the codes.
    explain: &'static str,
    /// What an occurrence is: `page run` or `email`.
    unit: &'static str,
    occurrences: Vec<Occurrence<'a>>,
}

/// One finding on one page run.
#[derive(Serialize)]
pub(super) struct Occurrence<'a> {
    page_id: String,
    page_label: String,
    page_url: &'a str,
    message: &'a str,
    evidence: Vec<Field>,
    /// The hits the finding is about (its vendor's event on that page, or its evidence URLs).
    hits: Vec<HitView<'a>>,
}

pub(super) fn finding_groups(report: &Report) -> Vec<SeverityGroup<'_>> {
    [
        (Severity::Error, "Errors"),
        (Severity::Warning, "Warnings"),
        (Severity::Info, "Notes"),
    ]
    .into_iter()
    .filter_map(|(severity, title)| {
        let mut issues: Vec<Issue> = Vec::new();
        let mut count = 0;
        for (i, page) in report.pages.iter().enumerate() {
            for finding in page.findings.iter().filter(|f| f.severity == severity) {
                count += 1;
                let occurrence = occurrence(i, page, finding);
                let same = |issue: &&mut Issue| {
                    issue.code == finding.code.as_str()
                        && issue.vendor == finding.vendor.map(Vendor::as_str)
                        && issue.account == finding.account.as_deref()
                        && issue.event == finding.event.as_deref()
                };
                match issues.iter_mut().find(same) {
                    Some(issue) => issue.occurrences.push(occurrence),
                    None => issues.push(Issue {
                        title: finding.code.title(),
                        code: finding.code.as_str(),
                        severity: severity.as_str(),
                        vendor: finding.vendor.map(Vendor::as_str),
                        account: finding.account.as_deref(),
                        event: finding.event.as_deref(),
                        explain: finding.code.explanation(),
                        unit: "page run",
                        occurrences: vec![occurrence],
                    }),
                }
            }
        }
        for (i, email) in report.emails.iter().enumerate() {
            for finding in email.findings.iter().filter(|f| f.severity == severity) {
                count += 1;
                let occurrence = Occurrence {
                    page_id: format!("email-{i}"),
                    page_label: format!("email: {}", email.label()),
                    page_url: &email.source,
                    message: &finding.message,
                    evidence: match &finding.evidence {
                        Json::Object(map) => fields(map.iter()),
                        _ => Vec::new(),
                    },
                    hits: Vec::new(),
                };
                match issues
                    .iter_mut()
                    .find(|issue| issue.code == finding.code.as_str())
                {
                    Some(issue) => issue.occurrences.push(occurrence),
                    None => issues.push(Issue {
                        title: finding.code.title(),
                        code: finding.code.as_str(),
                        severity: severity.as_str(),
                        vendor: None,
                        account: None,
                        event: None,
                        explain: finding.code.explanation(),
                        unit: "email",
                        occurrences: vec![occurrence],
                    }),
                }
            }
        }
        (count > 0).then_some(SeverityGroup {
            severity: severity.as_str(),
            title,
            count,
            issues,
        })
    })
    .collect()
}

pub(super) fn occurrence<'a>(
    index: usize,
    page: &'a PageReport,
    finding: &'a Finding,
) -> Occurrence<'a> {
    let mut urls = BTreeSet::new();
    evidence_urls(&finding.evidence, &mut urls);
    let span = span_ms(page);
    let hits: Vec<HitView> = page
        .hits
        .iter()
        .filter(|h| {
            urls.contains(h.url.as_str())
                || (finding.event.is_some()
                    && finding.vendor == Some(h.hit.vendor)
                    && h.hit.event == finding.event
                    && (finding.account.is_none() || h.hit.account == finding.account))
        })
        .map(|h| HitView::new(h, span))
        .collect();
    let evidence = match &finding.evidence {
        // `params` that repeat a hit's decoded parameters are shown once, with the hit.
        Json::Object(map) => fields(map.iter().filter(|(key, value)| {
            !(*key == "params" && hits.iter().any(|h| json_eq(&h.hit.hit.params, value)))
        })),
        Json::Null => Vec::new(),
        other => fields([(&"evidence".to_string(), other)]),
    };
    Occurrence {
        page_id: page_id(index),
        page_label: page.label(),
        page_url: &page.url,
        message: &finding.message,
        evidence,
        hits,
    }
}

pub(super) fn json_eq(params: &BTreeMap<String, Json>, value: &Json) -> bool {
    serde_json::to_value(params).is_ok_and(|p| &p == value)
}

/// Every `url` string in a finding's evidence.
pub(super) fn evidence_urls<'j>(evidence: &'j Json, out: &mut BTreeSet<&'j str>) {
    match evidence {
        Json::Object(map) => {
            for (key, value) in map {
                match value {
                    Json::String(url) if key == "url" => {
                        out.insert(url);
                    }
                    other => evidence_urls(other, out),
                }
            }
        }
        Json::Array(items) => items.iter().for_each(|v| evidence_urls(v, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::super::to_html;

    #[test]
    fn shows_each_finding_with_its_code_and_message() {
        let html = to_html(&report());
        assert!(html.contains(">duplicate<"));
        assert!(html.contains(">missing_eid<"));
        assert!(html.contains("meta PageView fired 2 times for 1234 in one page load"));
    }
}
