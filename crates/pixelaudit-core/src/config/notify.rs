//! The validated `[notify]` settings: recipients, subject, when to send, SMTP server and TLS.

use std::time::Duration;

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
