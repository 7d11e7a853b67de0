//! The JSON format: the report model, pretty-printed.

use super::Report;

/// The report as pretty JSON (documented in the README, versioned by `version`).
pub fn to_json(report: &Report) -> String {
    serde_json::to_string_pretty(report).expect("the report model always serializes")
}
