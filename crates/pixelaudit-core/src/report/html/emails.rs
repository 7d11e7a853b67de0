//! The emails view: one row per audited email with its sender platform and worst finding.

use serde::Serialize;

use super::super::Report;
use super::level;

/// One email as shown: its report plus counts and a level for the row colour.
#[derive(Serialize)]
pub(super) struct EmailView<'a> {
    id: String,
    label: String,
    level: &'static str,
    esp: Option<&'static str>,
    email: &'a crate::email::EmailReport,
}

pub(super) fn emails(report: &Report) -> Vec<EmailView<'_>> {
    report
        .emails
        .iter()
        .enumerate()
        .map(|(i, email)| EmailView {
            id: format!("email-{i}"),
            label: email.label(),
            level: level(&email.findings),
            esp: email.esp.map(|e| e.name()),
            email,
        })
        .collect()
}
