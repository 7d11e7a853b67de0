//! The raw and validated `[email]` settings: what to audit and what the links must carry.

use std::time::Duration;

use serde::Deserialize;
use serde_spanned::Spanned;
use url::Url;

use super::plan::Validator;
use super::ConfigError;

/// The `[email]` section: which test emails to audit and what their links must carry.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailConfig {
    /// `.eml` files, folders of them, Maildir folders (relative to the config's folder), or
    /// `imaps://user@host/FOLDER` URLs (credentials from `PIXELAUDIT_IMAP_USERNAME` /
    /// `PIXELAUDIT_IMAP_PASSWORD`).
    #[serde(default)]
    pub sources: Vec<Spanned<String>>,
    /// Query parameters every tracked link's destination must carry (default `utm_source`,
    /// `utm_medium`, `utm_campaign`); an empty list turns `missing_utm` off.
    #[serde(default)]
    pub require_utm: Option<Vec<String>>,
    /// Hosts that are the store (default: the base URL's host, with and without `www.`).
    #[serde(default)]
    pub store_hosts: Option<Vec<String>>,
    /// Report links to the store that bypass click tracking (`untracked_link`, default true).
    #[serde(default)]
    pub require_click_tracking: Option<bool>,
    /// Every email must have an open pixel (`missing_open_pixel`, default true).
    #[serde(default)]
    pub require_open_pixel: Option<bool>,
    /// Audit each distinct landing page with the page checks (default true).
    #[serde(default)]
    pub audit_landing_pages: Option<bool>,
    /// Redirects followed per link before giving up (default 10).
    #[serde(default)]
    pub max_redirects: Option<usize>,
    /// Timeout per request of a redirect chain, in ms (default 10000).
    #[serde(default)]
    pub timeout_ms: Option<u64>,
}

/// What an email audit checks, from the site's `[email]` section (or its defaults).
#[derive(Debug, Clone)]
pub struct EmailPlan {
    /// Sources from the config: paths (relative ones joined to the config's folder) and
    /// `imap(s)://` URLs.
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

impl Validator<'_> {
    pub(super) fn email(&self, e: &EmailConfig, base_url: &Url) -> Result<EmailPlan, ConfigError> {
        let mut plan = EmailPlan::defaults(base_url.host_str());
        for source in &e.sources {
            let text = source.get_ref();
            if text.contains("://") && !text.starts_with("imap://") && !text.starts_with("imaps://")
            {
                self.record(self.err(
                    Some(source.span()),
                    format!("`{text}`: an email source is a path (.eml file, folder, Maildir) or an imap:// / imaps:// URL"),
                ));
                continue;
            }
            plan.sources.push(if text.contains("://") {
                text.clone()
            } else {
                self.file(text).display().to_string()
            });
        }
        if let Some(utm) = &e.require_utm {
            plan.require_utm = utm.clone();
        }
        if let Some(hosts) = &e.store_hosts {
            plan.store_hosts = hosts.iter().map(|h| h.to_ascii_lowercase()).collect();
        }
        plan.require_click_tracking = e
            .require_click_tracking
            .unwrap_or(plan.require_click_tracking);
        plan.require_open_pixel = e.require_open_pixel.unwrap_or(plan.require_open_pixel);
        plan.audit_landing_pages = e.audit_landing_pages.unwrap_or(plan.audit_landing_pages);
        plan.max_redirects = e.max_redirects.unwrap_or(plan.max_redirects);
        plan.timeout = e.timeout_ms.map_or(plan.timeout, Duration::from_millis);
        Ok(plan)
    }
}
