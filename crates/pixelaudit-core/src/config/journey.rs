//! Journeys: named sequences of steps (goto, click, fill, …) with expectations on any step.

use serde::Deserialize;
use serde_spanned::Spanned;

use super::expect::{Expectation, Matcher};

/// A named journey through the store.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JourneyConfig {
    /// The journey's name in reports.
    pub name: String,
    /// Consent scenarios to run it under (default: the site's `consent.scenarios`, else `none`).
    #[serde(default)]
    pub consent: Option<Vec<Spanned<String>>>,
    /// `desktop` (default) or `mobile`.
    #[serde(default)]
    pub device: Option<Spanned<String>>,
    /// The steps, in order.
    pub steps: Vec<Spanned<StepConfig>>,
}

/// One step as written: exactly one action key, plus optional expectations.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepConfig {
    /// A name for reports (default: the action).
    #[serde(default)]
    pub name: Option<String>,
    /// Navigate to a path (resolved against `base_url`) or URL.
    #[serde(default)]
    pub goto: Option<Spanned<String>>,
    /// Click the first element matching a CSS selector.
    #[serde(default)]
    pub click: Option<String>,
    /// Type a value into an input: `{ selector, value }`.
    #[serde(default)]
    pub fill: Option<FieldValue>,
    /// Choose an option of a `<select>` by value: `{ selector, value }`.
    #[serde(default)]
    pub select: Option<FieldValue>,
    /// Wait for an element (`{ selector }`) or an expected hit (`{ vendor, event }`).
    #[serde(default)]
    pub wait_for: Option<WaitFor>,
    /// Set a cookie (for the store's URL unless `url`/`domain` is given).
    #[serde(default)]
    pub set_cookie: Option<CookieSpec>,
    /// Set a localStorage entry on the current page's origin.
    #[serde(default)]
    pub set_local_storage: Option<KeyValue>,
    /// Run JavaScript in the page.
    #[serde(default)]
    pub run_js: Option<String>,
    /// Scroll to an element (`{ selector }`) or to a vertical offset (`{ y }`).
    #[serde(default)]
    pub scroll: Option<Scroll>,
    /// Hits this step must produce.
    #[serde(default)]
    pub expect: Vec<Expectation>,
    /// Hits this step must not produce.
    #[serde(default)]
    pub forbid: Vec<Matcher>,
    /// How long to wait for the step's element or hits, in ms (default: the site's expectation timeout).
    #[serde(default)]
    pub timeout_ms: Option<u64>,
}

/// `{ selector, value }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldValue {
    /// CSS selector.
    pub selector: String,
    /// The value.
    pub value: String,
}

/// `{ key, value }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyValue {
    /// Key.
    pub key: String,
    /// Value.
    pub value: String,
}

/// What `wait_for` waits for.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WaitFor {
    /// An element matching this CSS selector.
    #[serde(default)]
    pub selector: Option<String>,
    /// A hit of this vendor…
    #[serde(default)]
    pub vendor: Option<Spanned<String>>,
    /// …with this event.
    #[serde(default)]
    pub event: Option<String>,
}

/// Where `scroll` goes.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scroll {
    /// An element matching this CSS selector.
    #[serde(default)]
    pub selector: Option<String>,
    /// A vertical offset in CSS pixels.
    #[serde(default)]
    pub y: Option<f64>,
}

/// A cookie to set.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CookieSpec {
    /// Name.
    pub name: String,
    /// Value.
    pub value: String,
    /// The URL it belongs to (default: the site's `base_url`).
    #[serde(default)]
    pub url: Option<String>,
    /// Or a domain (`.shop.example`).
    #[serde(default)]
    pub domain: Option<String>,
    /// Path (default `/`).
    #[serde(default)]
    pub path: Option<String>,
}

/// A validated step action.
#[derive(Debug, Clone)]
pub enum Action {
    /// Navigate (already resolved against `base_url`).
    Goto(url::Url),
    /// Click a selector.
    Click(String),
    /// Type into an input.
    Fill(FieldValue),
    /// Choose a `<select>` option.
    Select(FieldValue),
    /// Wait for an element.
    WaitForSelector(String),
    /// Wait for a hit.
    WaitForHit {
        /// Vendor.
        vendor: crate::model::Vendor,
        /// Event, if any.
        event: Option<String>,
    },
    /// Set a cookie.
    SetCookie(CookieSpec),
    /// Set a localStorage entry.
    SetLocalStorage(KeyValue),
    /// Run a script.
    RunJs(String),
    /// Scroll.
    Scroll(Scroll),
}

impl Action {
    /// A short label for reports: `goto /cart`, `click #add-to-cart`.
    pub fn label(&self) -> String {
        match self {
            Action::Goto(url) => format!("goto {}", url.path()),
            Action::Click(s) => format!("click {s}"),
            Action::Fill(f) => format!("fill {}", f.selector),
            Action::Select(f) => format!("select {}", f.selector),
            Action::WaitForSelector(s) => format!("wait_for {s}"),
            Action::WaitForHit { vendor, event } => {
                format!("wait_for {vendor} {}", event.as_deref().unwrap_or("hit"))
            }
            Action::SetCookie(c) => format!("set_cookie {}", c.name),
            Action::SetLocalStorage(kv) => format!("set_local_storage {}", kv.key),
            Action::RunJs(_) => "run_js".to_string(),
            Action::Scroll(s) => match (&s.selector, s.y) {
                (Some(sel), _) => format!("scroll {sel}"),
                (None, Some(y)) => format!("scroll {y}"),
                _ => "scroll".to_string(),
            },
        }
    }
}
