//! The output formats, by name: what each renders and the file it is saved as.

use super::{to_html, to_json, to_junit, to_markdown, to_table, Report};

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum Format {
    /// Terminal tables.
    Table,
    /// The versioned JSON report.
    Json,
    /// A self-contained HTML page.
    Html,
    /// JUnit XML for CI systems.
    Junit,
    /// A Markdown summary for CI job summaries and pull-request comments.
    Markdown,
}

impl Format {
    /// Every format, in the order runs are saved.
    pub const ALL: [Format; 5] = [
        Format::Json,
        Format::Html,
        Format::Junit,
        Format::Markdown,
        Format::Table,
    ];

    /// Renders a report.
    pub fn render(self, report: &Report) -> String {
        match self {
            Format::Table => to_table(report),
            Format::Json => to_json(report) + "\n",
            Format::Html => to_html(report),
            Format::Junit => to_junit(report),
            Format::Markdown => to_markdown(report),
        }
    }

    /// The file name a run saves this format as.
    pub fn file_name(self) -> &'static str {
        match self {
            Format::Table => "report.txt",
            Format::Json => "report.json",
            Format::Html => "report.html",
            Format::Junit => "junit.xml",
            Format::Markdown => "summary.md",
        }
    }
}
