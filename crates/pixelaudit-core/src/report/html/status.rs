//! The status line at the top: the verdict, the error and warning counts, what was seen.

use std::collections::BTreeSet;

use serde::Serialize;

use super::super::Report;
use crate::model::{HitKind, Vendor};

/// The big line at the top.
#[derive(Serialize)]
pub(super) struct Status {
    /// `error`, `warning` or `ok` (the colour).
    level: &'static str,
    /// `Action needed`, `Worth a look`, `All clear`.
    verdict: &'static str,
    /// `3 errors, 1 warning across 28 page runs`.
    headline: String,
    /// Events and vendors seen.
    detail: String,
}

pub(super) fn status(report: &Report) -> Status {
    let s = &report.summary;
    let mut parts = Vec::new();
    if s.errors > 0 {
        parts.push(plural(s.errors, "error", "errors"));
    }
    if s.warnings > 0 {
        parts.push(plural(s.warnings, "warning", "warnings"));
    }
    let runs = match (s.emails, s.pages) {
        (0, pages) => plural(pages, "page run", "page runs"),
        (emails, 0) => plural(emails, "email", "emails"),
        (emails, pages) => format!(
            "{} and {}",
            plural(emails, "email", "emails"),
            plural(pages, "page run", "page runs")
        ),
    };
    let headline = if parts.is_empty() {
        format!("No errors or warnings across {runs}")
    } else {
        format!("{} across {runs}", parts.join(", "))
    };
    let (level, verdict) = if s.errors > 0 {
        ("error", "Action needed")
    } else if s.warnings > 0 {
        ("warning", "Worth a look")
    } else if report.partial.is_some() {
        ("warning", "Incomplete run")
    } else {
        ("ok", "All clear")
    };
    let vendors: BTreeSet<Vendor> = report
        .pages
        .iter()
        .flat_map(|p| &p.hits)
        .filter(|h| h.hit.kind == HitKind::Event)
        .map(|h| h.hit.vendor)
        .collect();
    let mut detail = format!(
        "{} from {}",
        plural(s.events, "tracking event", "tracking events"),
        plural(vendors.len(), "vendor", "vendors")
    );
    if s.emails > 0 {
        let links = report
            .emails
            .iter()
            .flat_map(|e| &e.links)
            .filter(|l| !l.hops.is_empty())
            .count();
        let pixels: usize = report.emails.iter().map(|e| e.open_pixels.len()).sum();
        let email_detail = format!(
            "{} and {} checked",
            plural(pixels, "open pixel", "open pixels"),
            plural(links, "link", "links")
        );
        detail = if s.pages == 0 {
            email_detail
        } else {
            format!("{detail}; {email_detail}")
        };
    }
    if s.infos > 0 {
        detail.push_str(&format!(", {}", plural(s.infos, "note", "notes")));
    }
    Status {
        level,
        verdict,
        headline,
        detail,
    }
}

pub(super) fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::super::to_html;

    #[test]
    fn shows_the_verdict_and_counts() {
        let html = to_html(&report());
        assert!(
            html.contains("1 error, 1 warning across 2 page runs"),
            "{html}"
        );
        assert!(html.contains("Action needed"));
    }

    #[test]
    fn no_problems_reads_all_clear() {
        let mut report = report();
        for page in &mut report.pages {
            page.findings.clear();
        }
        report.summarize();
        let html = to_html(&report);
        assert!(html.contains("All clear"));
        assert!(html.contains("No errors or warnings across 2 page runs"));
    }

    #[test]
    fn a_partial_run_says_so_in_every_format() {
        let mut report = report();
        for page in &mut report.pages {
            page.findings.clear();
        }
        report.summarize();
        report.partial = Some(crate::report::Partial {
            reason: crate::report::StopReason::TimeBudget,
            message: "the run reached its time budget: 2 of 5 page run(s) were audited".into(),
        });
        let html = to_html(&report);
        assert!(html.contains("Incomplete run"), "not `All clear`");
        assert!(html.contains("2 of 5 page run(s) were audited"));
        let markdown = crate::report::to_markdown(&report);
        assert!(markdown.starts_with("## ⚠️"), "{markdown}");
        assert!(markdown.contains("**Incomplete run:** the run reached its time budget"));
        assert!(crate::report::to_table(&report).contains("Incomplete run: the run reached"));
        let json: serde_json::Value =
            serde_json::from_str(&crate::report::to_json(&report)).unwrap();
        assert_eq!(json["partial"]["reason"], "time_budget");
        report.partial = None;
        let json: serde_json::Value =
            serde_json::from_str(&crate::report::to_json(&report)).unwrap();
        assert!(json.get("partial").is_none(), "absent when complete");
    }
}
