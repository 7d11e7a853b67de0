//! The Markdown format: a short summary for CI job summaries and pull-request comments.

use std::fmt::Write;

use super::Report;
use crate::model::Severity;

/// Captured text made safe for a Markdown table cell: no pipes, no HTML, no line breaks.
fn cell(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace(['\n', '\r'], " ")
}

/// The report as Markdown.
pub fn to_markdown(report: &Report) -> String {
    let s = &report.summary;
    let mut out = String::new();
    let status = if s.errors > 0 {
        "❌"
    } else if s.warnings > 0 || report.partial.is_some() {
        "⚠️"
    } else {
        "✅"
    };
    let _ = writeln!(
        out,
        "## {status} pixelaudit: {}\n\n{} error(s), {} warning(s) across {}{} page run(s), {} event(s).\n",
        cell(&report.site),
        s.errors,
        s.warnings,
        if s.emails > 0 {
            format!("{} email(s) and ", s.emails)
        } else {
            String::new()
        },
        s.pages,
        s.events
    );
    if let Some(partial) = &report.partial {
        let _ = writeln!(out, "**Incomplete run:** {}.\n", cell(&partial.message));
    }
    if let Some(r) = &report.regressions {
        let _ = writeln!(out, "**Since the last run:** {}.\n", r.headline());
        for f in &r.new_findings {
            let _ = writeln!(
                out,
                "- new: {} `{}` {}",
                cell(&f.page),
                f.code,
                cell(&f.message)
            );
        }
        for e in &r.lost_events {
            let _ = writeln!(
                out,
                "- lost: {} {} {}",
                cell(&e.page),
                e.vendor,
                cell(e.event.as_deref().unwrap_or("?"))
            );
        }
        if r.any() {
            out.push('\n');
        }
    }
    let mut rows = Vec::new();
    for email in &report.emails {
        for f in email
            .findings
            .iter()
            .filter(|f| f.severity != Severity::Info)
        {
            rows.push(format!(
                "| email: {} | {} | `{}` | - | - | {} |",
                cell(&email.label()),
                f.severity.as_str(),
                f.code.as_str(),
                cell(&f.message)
            ));
        }
    }
    for page in &report.pages {
        for f in page
            .findings
            .iter()
            .filter(|f| f.severity != Severity::Info)
        {
            rows.push(format!(
                "| {} | {} | `{}` | {} | {} | {} |",
                cell(&page.label()),
                f.severity.as_str(),
                f.code.as_str(),
                f.vendor.map_or("-", |v| v.as_str()),
                cell(f.event.as_deref().unwrap_or("-")),
                cell(&f.message)
            ));
        }
    }
    if rows.is_empty() {
        out.push_str("No errors or warnings.\n");
    } else {
        out.push_str(
            "| page | severity | code | vendor | event | message |\n|---|---|---|---|---|---|\n",
        );
        for row in rows {
            out.push_str(&row);
            out.push('\n');
        }
    }
    let routes: Vec<(String, String)> = report
        .pages
        .iter()
        .filter_map(|p| Some((p.label(), p.routes_line()?)))
        .collect();
    if !routes.is_empty() {
        out.push_str(
            "\n### Single-page app routes\n\nOne page view is expected on each route.\n\n",
        );
        for (label, line) in routes {
            let _ = writeln!(out, "- {}: {}", cell(&label), cell(&line));
        }
    }
    if let Some(discovery) = &report.discovery {
        out.push_str("\n### Store coverage\n\n");
        let gaps = discovery.gaps();
        if gaps.is_empty() {
            out.push_str("Every vendor fires on every audited page of each type.\n");
        }
        for gap in gaps {
            let _ = writeln!(out, "- {}", cell(&gap));
        }
    }
    if let Some(adblock) = &report.adblock {
        out.push_str("\n### What survives an ad blocker\n\n| vendor | events | survive | conversions | survive |\n|---|---|---|---|---|\n");
        for v in &adblock.vendors {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                v.vendor.map_or("-", |v| v.as_str()),
                v.events,
                v.survived,
                v.conversions,
                v.conversions_survived
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::html::fixtures::report;
    use super::{cell, to_markdown};

    #[test]
    fn captured_text_cannot_break_the_table_or_inject_html() {
        assert_eq!(cell("a|b<script>\nc"), "a\\|b&lt;script&gt; c");
    }

    #[test]
    fn a_single_page_apps_routes_are_listed() {
        let mut report = report();
        let md = to_markdown(&report);
        assert!(
            md.contains("- cart [accept]: /cart (0 ms) → /#/checkout\"&gt;&lt;img src=x onerror=alert(3)&gt; (1.2 s)\n"),
            "{md}"
        );
        for page in &mut report.pages {
            page.routes.clear();
        }
        assert!(!to_markdown(&report).contains("routes"));
    }
}
