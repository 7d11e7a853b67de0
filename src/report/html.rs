//! The HTML format: one self-contained page (to be written).

use super::Report;

/// The report as a self-contained HTML page.
pub fn to_html(report: &Report) -> String {
    format!(
        "<!doctype html><title>{}</title>",
        report.site.replace('<', "&lt;")
    )
}
