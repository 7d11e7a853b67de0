//! What an email audit reports: per email, its open pixels, its links and their redirect
//! chains, and findings in the same shape as the page checks'.

use std::collections::BTreeMap;

use serde::Serialize;

use super::esp::Esp;
use crate::model::Finding;

/// One audited email.
#[derive(Debug, Clone, Serialize)]
pub struct EmailReport {
    /// Where it came from: a file path or `imaps://host/FOLDER;UID=n`.
    pub source: String,
    /// Subject.
    pub subject: Option<String>,
    /// Sender address.
    pub from: Option<String>,
    /// First recipient.
    pub to: Option<String>,
    /// `Date:` (RFC 3339).
    pub date: Option<String>,
    /// `Message-ID:`.
    pub message_id: Option<String>,
    /// The email service provider recognised from its pixels and links.
    pub esp: Option<Esp>,
    /// Open-tracking pixels and whether each loaded.
    pub open_pixels: Vec<OpenPixel>,
    /// Every link, with its redirect chain.
    pub links: Vec<EmailLink>,
    /// Findings on this email.
    pub findings: Vec<Finding>,
    /// Why the email could not be audited, if it could not.
    pub error: Option<String>,
}

impl EmailReport {
    /// A one-line label: the subject, or the source's file name.
    pub fn label(&self) -> String {
        match &self.subject {
            Some(subject) if !subject.trim().is_empty() => subject.clone(),
            _ => self
                .source
                .rsplit(['/', '\\'])
                .next()
                .unwrap_or(&self.source)
                .to_string(),
        }
    }
}

/// An open-tracking pixel found in the HTML.
#[derive(Debug, Clone, Serialize)]
pub struct OpenPixel {
    /// The image URL.
    pub url: String,
    /// The ESP whose pixel shape it has.
    pub esp: Option<Esp>,
    /// `esp_url` (a known ESP open-pixel URL) or `shape` (a 1×1 or hidden image).
    pub detected_by: &'static str,
    /// Whether Chromium, rendering the email, requested it.
    pub requested: bool,
    /// The HTTP status answered.
    pub status: Option<u16>,
    /// The response's MIME type.
    pub mime_type: Option<String>,
    /// `200`, `404`, `net::ERR_…`, `not requested`.
    pub outcome: String,
}

/// A link found in the HTML.
#[derive(Debug, Clone, Serialize)]
pub struct EmailLink {
    /// The `href` as written.
    pub href: String,
    /// The visible text (or an image's alt text).
    pub text: String,
    /// The ESP whose click-tracking wrapper it is.
    pub esp: Option<Esp>,
    /// Whether it goes through click tracking (a recognised wrapper, or a redirect off the
    /// link's own host).
    pub tracked: bool,
    /// An unsubscribe or preferences link: never followed (a GET could unsubscribe the seed
    /// address) and exempt from UTM rules.
    pub unsubscribe: bool,
    /// The destination decoded from the wrapper, where its format allows.
    pub decoded_destination: Option<String>,
    /// Each request of the redirect chain (empty when not followed).
    pub hops: Vec<Hop>,
    /// Where the link lands.
    pub destination: Option<String>,
    /// Why the chain failed, if it did.
    pub error: Option<String>,
    /// Whether the destination is the store.
    pub to_store: bool,
    /// The destination's `utm_*` parameters.
    pub utm: BTreeMap<String, String>,
    /// The email platform's visitor-identity parameters on the destination (Klaviyo `_kx`,
    /// Mailchimp `mc_eid`, HubSpot `_hsenc`, …), which the store's own tracking reads.
    pub identity: Vec<String>,
}

/// One request of a chain.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Hop {
    /// The URL requested.
    pub url: String,
    /// The status answered, if any.
    pub status: Option<u16>,
    /// How long it took, in ms.
    pub ms: f64,
}

/// Where a link really goes.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Chain {
    /// Every request, in order; the last one is the landing page.
    pub hops: Vec<Hop>,
    /// Why the chain did not end on a 2xx page, if it did not.
    pub error: Option<String>,
}

impl Chain {
    /// The last URL reached.
    pub fn final_url(&self) -> Option<&str> {
        self.hops.last().map(|h| h.url.as_str())
    }

    /// The last status answered.
    pub fn final_status(&self) -> Option<u16> {
        self.hops.last().and_then(|h| h.status)
    }
}
