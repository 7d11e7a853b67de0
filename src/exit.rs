//! The process exit codes: a public interface for CI pipelines.

use pixelaudit_core::report::Report;

/// Exit codes, fixed and documented in the README.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Exit {
    /// No error findings.
    Clean = 0,
    /// Anything unexpected (I/O, bad arguments not caught by the parser, ...).
    Failure = 1,
    /// The audit found at least one error finding.
    Findings = 2,
    /// A site config is invalid.
    InvalidConfig = 3,
    /// The browser or driver is unavailable (missing, version mismatch, cannot start).
    BrowserUnavailable = 4,
    /// The audit ran and its reports are on disk, but they could not be emailed.
    DeliveryFailed = 5,
    /// The command line is wrong (an unknown flag, a bad value, a URL that cannot be audited):
    /// nothing ran.
    Usage = 6,
}

impl Exit {
    /// The exit code for a finished audit.
    pub fn for_report(report: &Report) -> Exit {
        if report.summary.errors > 0 {
            Exit::Findings
        } else {
            Exit::Clean
        }
    }
}

impl From<Exit> for std::process::ExitCode {
    fn from(exit: Exit) -> Self {
        std::process::ExitCode::from(exit as u8)
    }
}
