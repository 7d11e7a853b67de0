//! `page_error`: the page itself could not be loaded or answered with an HTTP error.

use serde_json::json;

use super::{Code, Finding, PageInput, Severity};

pub(super) fn check(page: &PageInput<'_>) -> Vec<Finding> {
    if !page.navigated {
        return Vec::new();
    }
    let document = page.document.map(|i| &page.requests[i]);
    let message = if let Some(error) = page.navigation_error {
        format!("the page could not be loaded: {}", first_line(error))
    } else if let Some(doc) = document.filter(|d| d.is_error()) {
        format!("the page answered {}", doc.outcome())
    } else if document.is_none() {
        "the browser never requested the page".to_string()
    } else {
        return Vec::new();
    };
    vec![Finding {
        code: Code::PageError,
        severity: Severity::Error,
        vendor: None,
        account: None,
        event: None,
        message,
        evidence: json!({
            "url": page.url,
            "outcome": document.map(|d| d.outcome()),
            "navigation_error": page.navigation_error,
        }),
    }]
}

/// The useful part of a WebDriver navigation error: the `net::ERR_…` code when there is one.
fn first_line(text: &str) -> &str {
    let line = text.lines().next().unwrap_or(text);
    if let Some(start) = line.find("net::ERR_") {
        return line[start..].split_whitespace().next().unwrap_or(line);
    }
    if line.contains("tab crashed") {
        return "the browser tab crashed";
    }
    line
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::super::{run, PageInput};

    #[test]
    fn http_error_page_is_reported() {
        let mut doc = document();
        doc.status = Some(404);
        assert_eq!(codes(&findings(vec![doc])), vec!["page_error"]);
    }

    #[test]
    fn navigation_error_is_reported_once() {
        let found = run(&PageInput {
            url: "https://gone.invalid/",
            requests: &[],
            hits: &[],
            document: None,
            navigation_error: Some(
                "unknown error: net::ERR_NAME_NOT_RESOLVED\n  (Session info: chrome=156)",
            ),
            navigated: true,
            console: &[],
            navigations: super::super::Navigations::NONE,
            context: super::super::Context::generic(),
        });
        assert_eq!(codes(&found), vec!["page_error"]);
        assert!(
            found[0].message.ends_with("net::ERR_NAME_NOT_RESOLVED"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn healthy_page_has_no_page_error() {
        assert!(findings(vec![document()]).is_empty());
    }
}
