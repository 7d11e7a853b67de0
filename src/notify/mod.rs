//! Report delivery by email (SMTP through `lettre`): the HTML report as the body with a
//! plain-text alternative and the JSON attached, sent always, on failure, or on regression.
//! Credentials come from the environment only. A failed send is retried with backoff; the
//! report is already on disk, so nothing is lost.

mod message;
mod smtp;

pub use message::{build_message, build_notice};
pub use smtp::{send, Credentials, DeliveryError};

use pixelaudit_core::config::{NotifyPlan, When};
use pixelaudit_core::report::Report;

/// Environment variables holding the SMTP credentials (never read from files).
pub const SMTP_USERNAME_ENV: &str = "PIXELAUDIT_SMTP_USERNAME";
/// The SMTP password variable.
pub const SMTP_PASSWORD_ENV: &str = "PIXELAUDIT_SMTP_PASSWORD";

/// Whether `plan` wants this run sent.
pub fn wants(plan: &NotifyPlan, report: &Report) -> bool {
    match plan.when {
        When::Always => true,
        When::Failure => report.summary.errors > 0,
        When::Regression => report.regressions.as_ref().is_some_and(|r| r.any()),
    }
}
