//! One captured network request: what a page, iframe or worker sent, and what came back.

use serde::Serialize;

/// The kind of browser target a request came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum TargetKind {
    /// The top-level page (and same-process iframes).
    #[default]
    Page,
    /// An out-of-process (cross-site) iframe.
    Iframe,
    /// A dedicated web worker.
    Worker,
    /// A shared worker.
    SharedWorker,
    /// A service worker.
    ServiceWorker,
}

impl TargetKind {
    /// Maps a CDP `TargetInfo.type` to a target kind; `None` for targets we do not capture.
    pub fn from_cdp(kind: &str) -> Option<Self> {
        Some(match kind {
            "page" => Self::Page,
            "iframe" => Self::Iframe,
            "worker" => Self::Worker,
            "shared_worker" => Self::SharedWorker,
            "service_worker" => Self::ServiceWorker,
            _ => return None,
        })
    }
}

/// A redirect hop the request went through before its final URL.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Redirect {
    /// The URL that answered with a redirect.
    pub url: String,
    /// The redirect status (301, 302, 307 for HSTS upgrades, ...).
    pub status: u16,
}

/// A request as captured from the browser (or built by `pixelaudit decode`).
#[derive(Debug, Clone, Default, Serialize)]
pub struct CapturedRequest {
    /// The URL the page asked for (the first hop; vendors decode this one).
    pub url: String,
    /// HTTP method.
    pub method: String,
    /// CDP resource type: `Document`, `Script`, `Image`, `XHR`, `Fetch`, `Ping`, `Other`, ...
    pub resource_type: String,
    /// Which kind of target sent it.
    pub target: TargetKind,
    /// The request body, if any (recovered with `Network.getRequestPostData` when not inline).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// The request's `Content-Type` header, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// Redirect hops, in order, before the final response.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub redirects: Vec<Redirect>,
    /// Final HTTP status, if a response arrived (then the request was delivered).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Response MIME type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
    /// Network error text (`net::ERR_NAME_NOT_RESOLVED`, ...) when it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
    /// Why the browser blocked it (`csp`, `inspector`, `mixed-content`, ...), if it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocked_reason: Option<String>,
    /// When it was sent, in ms after the page's navigation started.
    pub time_ms: f64,
    /// When it finished (response body done or failed), in ms after navigation start.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_ms: Option<f64>,
}

impl CapturedRequest {
    /// A bare request, as `pixelaudit decode` and unit tests build them.
    pub fn new(method: &str, url: &str, body: Option<&str>) -> Self {
        Self {
            url: url.to_string(),
            method: method.to_ascii_uppercase(),
            body: body.map(str::to_string),
            ..Self::default()
        }
    }

    /// True when a response arrived: the request reached its server, whatever happened later
    /// (an `ERR_ABORTED` after a 204 still counts as delivered).
    pub fn delivered(&self) -> bool {
        self.status.is_some()
    }

    /// True when the request failed or got an HTTP error status.
    pub fn is_error(&self) -> bool {
        match self.status {
            Some(status) => status >= 400,
            None => self.failure.is_some() || self.blocked_reason.is_some(),
        }
    }

    /// A short human description of the outcome: `200`, `404`, `net::ERR_NAME_NOT_RESOLVED`,
    /// `blocked (csp)`, or `pending`.
    pub fn outcome(&self) -> String {
        if let Some(status) = self.status {
            return status.to_string();
        }
        if let Some(reason) = &self.blocked_reason {
            return format!("blocked ({reason})");
        }
        match &self.failure {
            Some(text) if !text.is_empty() => text.clone(),
            Some(_) => "failed".to_string(),
            None => "pending".to_string(),
        }
    }
}
