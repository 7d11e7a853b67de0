//! The validated `[email]` settings: what to audit and what the links must carry.

use std::time::Duration;

/// What an email audit checks, from the site's `[email]` section (or its defaults).
#[derive(Debug, Clone)]
pub struct EmailPlan {
    /// Sources from the config: paths and `imap(s)://` URLs.
    pub sources: Vec<String>,
    /// Query parameters every tracked destination must carry.
    pub require_utm: Vec<String>,
    /// Hosts that are the store.
    pub store_hosts: Vec<String>,
    /// `untracked_link` for store links that bypass click tracking.
    pub require_click_tracking: bool,
    /// `missing_open_pixel` for emails without one.
    pub require_open_pixel: bool,
    /// Audit each distinct landing page with the page checks.
    pub audit_landing_pages: bool,
    /// Redirects followed per link.
    pub max_redirects: usize,
    /// Timeout per request.
    pub timeout: Duration,
}

impl EmailPlan {
    /// The defaults for a store at `store_host`.
    pub fn defaults(store_host: Option<&str>) -> EmailPlan {
        EmailPlan {
            sources: Vec::new(),
            require_utm: ["utm_source", "utm_medium", "utm_campaign"]
                .map(String::from)
                .to_vec(),
            store_hosts: store_host.map(store_hosts_of).unwrap_or_default(),
            require_click_tracking: true,
            require_open_pixel: true,
            audit_landing_pages: true,
            max_redirects: 10,
            timeout: Duration::from_secs(10),
        }
    }
}

/// The store's host with and without `www.`.
fn store_hosts_of(host: &str) -> Vec<String> {
    let host = host.to_ascii_lowercase();
    let bare = host.strip_prefix("www.").unwrap_or(&host).to_string();
    vec![bare.clone(), format!("www.{bare}")]
}
