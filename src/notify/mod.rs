//! Report delivery by email (SMTP through `lettre`): the HTML report as the body with a
//! plain-text alternative and the JSON attached, sent always, on failure, or on regression.
//! Credentials come from the environment only. A failed send is retried with backoff; the
//! report is already on disk, so nothing is lost.

mod message;
mod smtp;

pub use message::{build_message, build_notice};
pub use smtp::{send, Credentials, DeliveryError};

use std::time::Duration;

use crate::report::Report;

/// Environment variables holding the SMTP credentials (never read from files).
pub const SMTP_USERNAME_ENV: &str = "PIXELAUDIT_SMTP_USERNAME";
/// The SMTP password variable.
pub const SMTP_PASSWORD_ENV: &str = "PIXELAUDIT_SMTP_PASSWORD";

/// When to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// After every run.
    Always,
    /// When the run has error findings.
    Failure,
    /// When something got worse since the previous run.
    Regression,
}

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// STARTTLS on a plain connection (port 587).
    Starttls,
    /// TLS from the first byte (port 465).
    Implicit,
    /// No TLS (local relays and tests only).
    None,
}

/// Validated delivery settings of a site.
#[derive(Debug, Clone)]
pub struct NotifyPlan {
    /// Recipients.
    pub to: Vec<String>,
    /// Sender.
    pub from: String,
    /// Subject template (minijinja: `site`, `status`, `errors`, `warnings`, `pages`, `events`,
    /// `new_findings`, `lost_events`).
    pub subject: String,
    /// When to send.
    pub when: When,
    /// SMTP server.
    pub host: String,
    /// SMTP port.
    pub port: u16,
    /// TLS mode.
    pub tls: TlsMode,
    /// An extra CA certificate (PEM) to trust.
    pub ca_cert: Option<std::path::PathBuf>,
    /// Attempts after the first one.
    pub retries: u32,
    /// Wait before the first retry (doubles each time).
    pub backoff: Duration,
}

/// The default subject.
pub const DEFAULT_SUBJECT: &str =
    "pixelaudit {{ site }}: {{ status }} — {{ errors }} error(s), {{ warnings }} warning(s)";

impl NotifyPlan {
    /// Whether this run should be sent.
    pub fn wants(&self, report: &Report) -> bool {
        match self.when {
            When::Always => true,
            When::Failure => report.summary.errors > 0,
            When::Regression => report.regressions.as_ref().is_some_and(|r| r.any()),
        }
    }
}
