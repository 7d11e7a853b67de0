//! Generic checks that need no configuration. Each family lives in its own file and returns
//! findings; none prints.

mod currency;
mod delivery;
mod duplicates;
mod event_id;
mod finding;
mod page;
mod params;

pub use finding::{Code, Finding, Severity};

use crate::browser::ConsoleEntry;
use crate::request::CapturedRequest;
use crate::vendors::DecodedHit;

/// What the checks see of one page load.
#[derive(Debug, Clone, Copy)]
pub struct PageInput<'a> {
    /// The URL that was visited.
    pub url: &'a str,
    /// Every captured request.
    pub requests: &'a [CapturedRequest],
    /// Decoded hits (mirrors folded).
    pub hits: &'a [DecodedHit],
    /// Index of the top-level document request.
    pub document: Option<usize>,
    /// The navigation error, if the page could not be loaded.
    pub navigation_error: Option<&'a str>,
    /// Console errors (CSP violations among them).
    pub console: &'a [ConsoleEntry],
}

/// Runs every generic check on one page load; findings come out in a stable order.
pub fn run(page: &PageInput<'_>) -> Vec<Finding> {
    let mut findings = Vec::new();
    findings.extend(page::check(page));
    findings.extend(delivery::check(page));
    findings.extend(duplicates::check(page));
    findings.extend(params::check(page));
    findings.extend(event_id::check(page));
    // Requests arrive in no fixed order: sort so that reports are deterministic.
    findings.sort_by(|a, b| {
        (
            a.severity, a.code, a.vendor, &a.account, &a.event, &a.message,
        )
            .cmp(&(
                b.severity, b.code, b.vendor, &b.account, &b.event, &b.message,
            ))
    });
    findings
}

#[cfg(test)]
pub(crate) mod test_support {
    //! Builds page inputs from request lists for the check tests.

    use super::*;
    use crate::vendors::decode_requests;

    /// A delivered request (status 200).
    pub(crate) fn ok(method: &str, url: &str, body: Option<&str>) -> CapturedRequest {
        let mut r = CapturedRequest::new(method, url, body);
        r.status = Some(200);
        r
    }

    /// Runs the checks on a page made of `requests` (the first one is the document).
    pub(crate) fn findings(requests: Vec<CapturedRequest>) -> Vec<Finding> {
        let hits = decode_requests(&requests);
        run(&PageInput {
            url: "https://shop.test/",
            requests: &requests,
            hits: &hits,
            document: Some(0),
            navigation_error: None,
            console: &[],
        })
    }

    /// The page document request.
    pub(crate) fn document() -> CapturedRequest {
        let mut r = ok("GET", "https://shop.test/", None);
        r.resource_type = "Document".into();
        r
    }

    /// The codes of the findings, in order.
    pub(crate) fn codes(findings: &[Finding]) -> Vec<&'static str> {
        findings.iter().map(|f| f.code.as_str()).collect()
    }
}
