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

/// Declares [`Code`] from one list (variant, its doc, the name reports write), with
/// [`Code::ALL`] in declaration order and [`Code::as_str`], so the three cannot drift apart.
macro_rules! codes {
    ($($(#[$doc:meta])* $variant:ident => $name:literal,)*) => {
        /// Stable finding codes (a public interface: scripts match on them).
        ///
        /// Each code carries its own words for people: [`Code::title`] and
        /// [`Code::explanation`] (what the HTML report shows). The README's finding-code table
        /// lists every code in [`Code::ALL`] (`tests/finding_codes.rs` checks it).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        #[serde(rename_all = "snake_case")]
        pub enum Code {
            $($(#[$doc])* $variant,)*
        }

        impl Code {
            /// Every code, in declaration order.
            pub const ALL: &'static [Code] = &[$(Code::$variant),*];

            /// The code as written in reports.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $name,)*
                }
            }
        }
    };
}

codes! {
    /// The same vendor + account + event fired more than once in one page load.
    Duplicate => "duplicate",
    /// A parameter the event needs is missing (value without currency, purchase without value,
    /// currency or transaction id).
    MissingParam => "missing_param",
    /// A parameter has the wrong type (value not a number, currency not ISO 4217, ids not a list).
    WrongType => "wrong_type",
    /// A vendor's script failed (4xx/5xx, DNS, connection): a loader, or any script from the
    /// vendor's own script hosts. Names the expected events it lost (`lost_events`).
    BrokenScript => "broken_script",
    /// The page's Content-Security-Policy blocked a vendor script or hit.
    CspBlocked => "csp_blocked",
    /// A tracking hit got 4xx/5xx or never reached its server.
    EndpointError => "endpoint_error",
    /// A Meta/TikTok conversion without an event id: server-side deduplication fails.
    MissingEid => "missing_eid",
    /// The page itself failed to load.
    PageError => "page_error",
    /// An expected hit did not arrive (or arrived fewer times than expected), and no failed
    /// script of its vendor explains it.
    NotFired => "not_fired",
    /// A hit went to an account / pixel id that is not the store's.
    WrongId => "wrong_id",
    /// A parameter has a value other than the expected one.
    WrongValue => "wrong_value",
    /// A hit that must not fire on this page fired.
    UnexpectedTag => "unexpected_tag",
    /// An expected hit arrived later than its time budget.
    SlowFire => "slow_fire",
    /// A hit that needs consent fired before the visitor gave it.
    FiresBeforeConsent => "fires_before_consent",
    /// A hit that needs consent fired after the visitor rejected it.
    FiresAfterReject => "fires_after_reject",
    /// A journey step could not be performed (element missing, not clickable, …).
    StepFailed => "step_failed",
    /// The consent banner a scenario clicks did not appear on a page: the page was checked as
    /// a visitor who made no choice (a warning with `[consent] required = true`).
    BannerNotShown => "banner_not_shown",
    /// The page opened a JavaScript dialog (alert, confirm, prompt, beforeunload), which was
    /// dismissed so the audit could go on.
    DialogDismissed => "dialog_dismissed",
    /// An event that ad blockers remove (filter lists block it or its loader).
    AdblockBlocked => "adblock_blocked",
    /// An email has no open-tracking pixel.
    MissingOpenPixel => "missing_open_pixel",
    /// An email's open pixel did not load as an image (4xx/5xx, not an image, unreachable).
    BrokenOpenPixel => "broken_open_pixel",
    /// An email carries more than one open pixel of the same sender.
    DuplicateOpenPixel => "duplicate_open_pixel",
    /// A link's redirect chain fails or lands on a 4xx/5xx page.
    BrokenClickRedirect => "broken_click_redirect",
    /// A link's destination lacks UTM parameters the site requires.
    MissingUtm => "missing_utm",
    /// The links of one email name different `utm_campaign`s.
    InconsistentUtm => "inconsistent_utm",
    /// A link to the store bypasses click tracking.
    UntrackedLink => "untracked_link",
    /// An email could not be read or parsed.
    EmailUnreadable => "email_unreadable",
}

impl Code {
    /// The code in words, for people who do not know the codes (`Fires before consent`).
    pub fn title(self) -> &'static str {
        match self {
            Code::Duplicate => "Event sent twice",
            Code::MissingParam => "Missing parameter",
            Code::WrongType => "Parameter in the wrong format",
            Code::BrokenScript => "Tag script fails to load",
            Code::CspBlocked => "Blocked by the site's security policy",
            Code::EndpointError => "Hit rejected by the vendor",
            Code::MissingEid => "Conversion without event id",
            Code::PageError => "Page failed to load",
            Code::NotFired => "Expected event missing",
            Code::WrongId => "Sent to the wrong account",
            Code::WrongValue => "Wrong parameter value",
            Code::UnexpectedTag => "Tag fires where it must not",
            Code::SlowFire => "Event fires too late",
            Code::FiresBeforeConsent => "Fires before consent",
            Code::FiresAfterReject => "Fires after the visitor said no",
            Code::StepFailed => "Journey step failed",
            Code::BannerNotShown => "Consent banner not shown",
            Code::DialogDismissed => "JavaScript dialog dismissed",
            Code::AdblockBlocked => "Lost to ad blockers",
            Code::MissingOpenPixel => "Email without open tracking",
            Code::BrokenOpenPixel => "Open pixel broken",
            Code::DuplicateOpenPixel => "Open pixel twice",
            Code::BrokenClickRedirect => "Link broken",
            Code::MissingUtm => "Link without campaign parameters",
            Code::InconsistentUtm => "Links name different campaigns",
            Code::UntrackedLink => "Link bypasses click tracking",
            Code::EmailUnreadable => "Email could not be read",
        }
    }

    /// What the code means, in plain words for marketers (the README's table, rephrased).
    pub fn explanation(self) -> &'static str {
        match self {
            Code::Duplicate => {
                "The same event was sent more than once in one page load, so the vendor counts it \
             twice (often the tag is installed twice)."
            }
            Code::MissingParam => {
                "A parameter the vendor needs is missing (a value without a currency; a purchase \
             without value, currency or order id): reports and bidding get incomplete data."
            }
            Code::WrongType => {
                "A parameter has the wrong format (a price sent as text like \"$59.90\", a \
             currency that is not a 3-letter ISO code, product ids not sent as a list)."
            }
            Code::BrokenScript => {
                "A vendor's script failed to load, so its tracking does not work on that page \
             (the finding names the expected events that were lost with it)."
            }
            Code::CspBlocked => {
                "The site's security policy (Content-Security-Policy) blocked a vendor script or \
             hit: the browser never sent it."
            }
            Code::EndpointError => {
                "A tracking hit was sent, but the vendor's server rejected it or could not be \
             reached."
            }
            Code::MissingEid => {
                "A conversion has no event id, so the vendor cannot match it with the copy your \
             server sends: it may be counted twice or not deduplicated."
            }
            Code::PageError => "The page itself failed to load.",
            Code::NotFired => {
                "An event the site config expects on this page did not arrive (or fewer times \
             than expected)."
            }
            Code::WrongId => {
                "A hit went to an account or pixel id that is not one of the store's: the data \
             ends up in another account."
            }
            Code::WrongValue => {
                "A parameter does not have the expected value (for example, the price sent \
             differs from the price on the page)."
            }
            Code::UnexpectedTag => "A tag that must not fire on this page fired.",
            Code::SlowFire => {
                "An expected event arrived later than its time budget: visitors who leave quickly \
             are not counted."
            }
            Code::FiresBeforeConsent => {
                "A tag that needs consent sent data before the visitor agreed: a privacy (GDPR) \
             risk."
            }
            Code::FiresAfterReject => {
                "A tag that needs consent sent data after the visitor rejected tracking: a \
             privacy (GDPR) risk."
            }
            Code::StepFailed => {
                "A step of the scripted visit (click, fill, …) could not be performed, so the \
             rest of that journey was not checked."
            }
            Code::BannerNotShown => {
                "The consent banner's button did not appear on this page, so the visitor could \
             not make a choice here: the page was checked as one where no choice was made. \
             Check the selector, whether the banner is shown to this visitor, region and page, \
             and whether it sits inside an iframe or a shadow root."
            }
            Code::DialogDismissed => {
                "The page opened a JavaScript dialog (alert, confirm, prompt or a leave-page \
             prompt). pixelaudit dismissed it (Cancel) so the audit could go on; a real visitor \
             would have had to answer it first."
            }
            Code::AdblockBlocked => {
                "Visitors with an ad blocker do not send this event: a filter-list rule blocks it \
             or the script it needs."
            }
            Code::MissingOpenPixel => {
                "The email has no open-tracking pixel: opens of this email are not counted."
            }
            Code::BrokenOpenPixel => {
                "The email's open-tracking image does not load (error status, not an image, or \
             unreachable): opens are not counted."
            }
            Code::DuplicateOpenPixel => {
                "The email carries the sender's open pixel more than once (often two templates \
             or blocks each add it)."
            }
            Code::BrokenClickRedirect => {
                "A link in the email fails: its tracking redirect errors or it lands on an error \
             page, so readers who click are lost."
            }
            Code::MissingUtm => {
                "A link's landing page lacks the UTM parameters the site requires: analytics \
             cannot attribute the visit to the email."
            }
            Code::InconsistentUtm => {
                "The links of one email carry different utm_campaign values, so its visits are \
             split across campaigns in analytics."
            }
            Code::UntrackedLink => {
                "A link goes straight to the store instead of through the email platform's click \
             tracking: its clicks are not counted."
            }
            Code::EmailUnreadable => "An email could not be read or parsed, so it was not audited.",
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

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn every_code_is_listed_once_with_its_own_name_and_words() {
        let names: BTreeSet<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(
            names.len(),
            Code::ALL.len(),
            "a code listed twice in Code::ALL"
        );
        for (i, code) in Code::ALL.iter().enumerate() {
            assert_eq!(*code as usize, i, "Code::ALL is in declaration order");
            assert_eq!(
                serde_json::to_value(code).unwrap(),
                code.as_str(),
                "as_str is what the JSON report writes"
            );
            assert!(!code.title().is_empty() && !code.explanation().is_empty());
        }
    }
}
