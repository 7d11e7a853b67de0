//! The finding model: a stable code, a severity, what it is about, a message and evidence.

use serde::Serialize;
use serde_json::Value;

use crate::model::{DecodedHit, Vendor};

/// How bad a finding is. Any `error` makes the audit exit with code 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Data is lost or wrong.
    Error,
    /// Data quality suffers (e.g. server-side deduplication cannot work).
    Warning,
    /// Worth knowing.
    Info,
}

impl Severity {
    /// Parses `error`, `warning` or `info`.
    pub fn parse(name: &str) -> Option<Severity> {
        match name {
            "error" => Some(Severity::Error),
            "warning" => Some(Severity::Warning),
            "info" => Some(Severity::Info),
            _ => None,
        }
    }

    /// `error`, `warning` or `info`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// Stable finding codes (a public interface: scripts match on them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Code {
    /// The same vendor + account + event fired more than once in one page load.
    Duplicate,
    /// A parameter the event needs is missing (value without currency, purchase without value,
    /// currency or transaction id).
    MissingParam,
    /// A parameter has the wrong type (value not a number, currency not ISO 4217, ids not a list).
    WrongType,
    /// A vendor's loader script failed (4xx/5xx, DNS, connection).
    BrokenScript,
    /// The page's Content-Security-Policy blocked a vendor script or hit.
    CspBlocked,
    /// A tracking hit got 4xx/5xx or never reached its server.
    EndpointError,
    /// A Meta/TikTok conversion without an event id: server-side deduplication fails.
    MissingEid,
    /// The page itself failed to load.
    PageError,
    /// An expected hit did not arrive (or arrived fewer times than expected).
    NotFired,
    /// A hit went to an account / pixel id that is not the store's.
    WrongId,
    /// A parameter has a value other than the expected one.
    WrongValue,
    /// A hit that must not fire on this page fired.
    UnexpectedTag,
    /// An expected hit arrived later than its time budget.
    SlowFire,
    /// A hit that needs consent fired before the visitor gave it.
    FiresBeforeConsent,
    /// A hit that needs consent fired after the visitor rejected it.
    FiresAfterReject,
    /// A journey step could not be performed (element missing, not clickable, …).
    StepFailed,
    /// An event that ad blockers remove (filter lists block it or its loader).
    AdblockBlocked,
    /// An email has no open-tracking pixel.
    MissingOpenPixel,
    /// An email's open pixel did not load as an image (4xx/5xx, not an image, unreachable).
    BrokenOpenPixel,
    /// An email carries more than one open pixel of the same sender.
    DuplicateOpenPixel,
    /// A link's redirect chain fails or lands on a 4xx/5xx page.
    BrokenClickRedirect,
    /// A link's destination lacks UTM parameters the site requires.
    MissingUtm,
    /// The links of one email name different `utm_campaign`s.
    InconsistentUtm,
    /// A link to the store bypasses click tracking.
    UntrackedLink,
    /// An email could not be read or parsed.
    EmailUnreadable,
}

impl Code {
    /// The code as written in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::Duplicate => "duplicate",
            Code::MissingParam => "missing_param",
            Code::WrongType => "wrong_type",
            Code::BrokenScript => "broken_script",
            Code::CspBlocked => "csp_blocked",
            Code::EndpointError => "endpoint_error",
            Code::MissingEid => "missing_eid",
            Code::PageError => "page_error",
            Code::NotFired => "not_fired",
            Code::WrongId => "wrong_id",
            Code::WrongValue => "wrong_value",
            Code::UnexpectedTag => "unexpected_tag",
            Code::SlowFire => "slow_fire",
            Code::FiresBeforeConsent => "fires_before_consent",
            Code::FiresAfterReject => "fires_after_reject",
            Code::StepFailed => "step_failed",
            Code::AdblockBlocked => "adblock_blocked",
            Code::MissingOpenPixel => "missing_open_pixel",
            Code::BrokenOpenPixel => "broken_open_pixel",
            Code::DuplicateOpenPixel => "duplicate_open_pixel",
            Code::BrokenClickRedirect => "broken_click_redirect",
            Code::MissingUtm => "missing_utm",
            Code::InconsistentUtm => "inconsistent_utm",
            Code::UntrackedLink => "untracked_link",
            Code::EmailUnreadable => "email_unreadable",
        }
    }
}

/// One problem found on a page.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// Stable code.
    pub code: Code,
    /// Severity.
    pub severity: Severity,
    /// The vendor concerned, if any.
    pub vendor: Option<Vendor>,
    /// The vendor account / pixel id, if known.
    pub account: Option<String>,
    /// The event name, if the finding is about an event.
    pub event: Option<String>,
    /// A sentence for humans.
    pub message: String,
    /// What proves it: request URLs, outcomes, decoded parameters.
    pub evidence: Value,
}

impl Finding {
    /// A finding about a decoded hit (vendor, account and event taken from it).
    pub(crate) fn about_hit(
        code: Code,
        severity: Severity,
        hit: &DecodedHit,
        message: String,
        evidence: Value,
    ) -> Self {
        Self {
            code,
            severity,
            vendor: Some(hit.hit.vendor),
            account: hit.hit.account.clone(),
            event: hit.hit.event.clone(),
            message,
            evidence,
        }
    }
}
