//! The JUnit format (`quick-junit`), for CI systems: one test suite per site, and per page run
//! or journey step one test case for the page itself and one per vendor seen there. A case
//! fails with the messages of its error findings; warnings and infos go to its output.

use std::collections::BTreeSet;

use quick_junit::{NonSuccessKind, Report as JunitReport, TestCase, TestCaseStatus, TestSuite};

use super::Report;
use crate::model::{Code, Finding, HitKind, Severity, Vendor};

/// The report as JUnit XML.
pub fn to_junit(report: &Report) -> String {
    let mut junit = JunitReport::new(format!("pixelaudit {}", report.site));
    let mut suite = TestSuite::new(report.site.clone());
    suite.set_timestamp(report.started_at);
    if let Ok(duration) = (report.finished_at - report.started_at).to_std() {
        suite.set_time(duration);
    }
    if let Some(r) = &report.regressions {
        // Listed first: what got worse since the previous run.
        let status = if r.any() {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            status.set_type("regression");
            let mut lines: Vec<String> = r
                .new_findings
                .iter()
                .map(|f| format!("new: {} [{}] {}", f.page, f.code, f.message))
                .collect();
            lines.extend(r.lost_events.iter().map(|e| {
                format!(
                    "lost: {} {} {}",
                    e.page,
                    e.vendor,
                    e.event.as_deref().unwrap_or("?")
                )
            }));
            status.set_message(lines.join("\n"));
            status
        } else {
            TestCaseStatus::success()
        };
        let mut test = TestCase::new(format!("no regressions since {}", r.previous_run), status);
        test.set_classname(format!("{}.regressions", report.site));
        suite.add_test_case(test);
    }
    for page in &report.pages {
        let classname = format!("{}.{}", report.site, page.label());
        let page_findings: Vec<&Finding> = page
            .findings
            .iter()
            .filter(|f| f.vendor.is_none())
            .collect();
        suite.add_test_case(case("page", &classname, &page_findings, page.wall_ms));
        let mut vendors: BTreeSet<Vendor> = page
            .hits
            .iter()
            .filter(|h| h.hit.kind == HitKind::Event)
            .map(|h| h.hit.vendor)
            .collect();
        vendors.extend(page.findings.iter().filter_map(|f| f.vendor));
        for vendor in vendors {
            let findings: Vec<&Finding> = page
                .findings
                .iter()
                .filter(|f| f.vendor == Some(vendor))
                .collect();
            suite.add_test_case(case(vendor.as_str(), &classname, &findings, page.wall_ms));
        }
    }
    // Per email: one case for its open pixel, one for its links.
    for email in &report.emails {
        let classname = format!("{}.email.{}", report.site, email.label());
        let (pixel, links): (Vec<&Finding>, Vec<&Finding>) = email.findings.iter().partition(|f| {
            matches!(
                f.code,
                Code::MissingOpenPixel | Code::BrokenOpenPixel | Code::DuplicateOpenPixel
            )
        });
        suite.add_test_case(case("open pixel", &classname, &pixel, 0.0));
        suite.add_test_case(case("links", &classname, &links, 0.0));
    }
    junit.add_test_suite(suite);
    junit
        .to_string()
        .expect("quick-junit serializes any report")
}

fn case(name: &str, classname: &str, findings: &[&Finding], wall_ms: f64) -> TestCase {
    let errors: Vec<&&Finding> = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .collect();
    let status = if errors.is_empty() {
        TestCaseStatus::success()
    } else {
        let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
        let codes: BTreeSet<&str> = errors.iter().map(|f| f.code.as_str()).collect();
        status.set_type(codes.into_iter().collect::<Vec<_>>().join(","));
        status.set_message(
            errors
                .iter()
                .map(|f| format!("[{}] {}", f.code.as_str(), f.message))
                .collect::<Vec<_>>()
                .join("\n"),
        );
        status.set_description(
            errors
                .iter()
                .map(|f| format!("{} {}\n{}", f.code.as_str(), f.message, f.evidence))
                .collect::<Vec<_>>()
                .join("\n\n"),
        );
        status
    };
    let mut test = TestCase::new(name.to_string(), status);
    test.set_classname(classname.to_string());
    test.set_time(std::time::Duration::from_secs_f64(
        wall_ms.max(0.0) / 1000.0,
    ));
    let notes: Vec<String> = findings
        .iter()
        .filter(|f| f.severity != Severity::Error)
        .map(|f| {
            format!(
                "{} [{}] {}",
                f.severity.as_str(),
                f.code.as_str(),
                f.message
            )
        })
        .collect();
    if !notes.is_empty() {
        test.set_system_out(notes.join("\n"));
    }
    test
}
