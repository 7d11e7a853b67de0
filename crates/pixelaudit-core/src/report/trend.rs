//! One point per past run for the report's trend charts: a run's totals and each vendor's events.

use serde::Serialize;

/// One past run of a site.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RunSummary {
    /// When it started (RFC 3339).
    pub started_at: String,
    /// Page runs.
    pub pages: i64,
    /// Events.
    pub events: i64,
    /// Error findings.
    pub errors: i64,
    /// Warning findings.
    pub warnings: i64,
    /// New findings and lost events since the run before it.
    pub regressions: i64,
}

/// One vendor in one run.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct VendorPoint {
    /// When the run started.
    pub started_at: String,
    /// Events the vendor sent.
    pub events: i64,
    /// Error findings about the vendor.
    pub errors: i64,
}
