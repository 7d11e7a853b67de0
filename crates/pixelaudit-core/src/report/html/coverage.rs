//! The store coverage view: the page types and vendors that discovery found missing.

use super::super::Report;

/// One line per page type and vendor missing on some of its audited pages (none without
/// discovery).
pub(super) fn gaps(report: &Report) -> Vec<String> {
    report
        .discovery
        .as_ref()
        .map(|d| d.gaps())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::super::to_html;

    #[test]
    fn store_coverage_shows_the_template_gaps() {
        let mut report = report();
        report.discovery = Some(crate::report::DiscoverySummary {
            found: [("gift_card".to_string(), 4), ("product".to_string(), 290)].into(),
            audited: [("gift_card".to_string(), 2), ("product".to_string(), 2)].into(),
            sitemaps: vec!["https://shop.test/sitemap.xml".into()],
            notes: vec!["URLs disallowed by robots.txt, skipped (1): /cart".into()],
            coverage: vec![crate::report::TypeCoverage {
                page_type: "gift_card".into(),
                pages: 2,
                keys: vec![crate::report::KeyCoverage {
                    key: "meta".into(),
                    missing: 2,
                    common_prefix: None,
                    examples: Vec::new(),
                }],
            }],
        });
        let html = to_html(&report);
        assert!(!html.contains("could not be rendered"), "{html}");
        assert!(html.contains("id=\"coverage\""));
        assert!(
            html.contains("meta missing on 2&#x2f;2 gift_card pages"),
            "minijinja escapes the slash"
        );
        assert!(html.contains("<td class=\"num\">290</td>"));
    }
}
