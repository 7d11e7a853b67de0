//! The browser: chromedriver (local child or remote WebDriver / Selenium Grid), WebDriver
//! sessions driven with fantoccini, and request capture from every target over CDP.

mod capture;
mod cdp;
mod driver;
mod nss;
mod session;

pub use capture::{BlockDecision, Dialog, IdleOptions, PageCapture, Until};
pub use driver::{Driver, DriverOptions};
pub use session::{BrowserOptions, Session, Visit};

use std::error::Error as _;
use std::time::Duration;

/// Why the browser could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BrowserError {
    /// A binary is missing.
    #[error("{what} not found at `{path}`: install it (`apt-get install -y chromium chromium-driver`) or pass {flag} PATH")]
    NotFound {
        /// Which binary.
        what: &'static str,
        /// Where it was looked for.
        path: String,
        /// The CLI flag that sets its path.
        flag: &'static str,
    },
    /// chromedriver and Chromium have different major versions.
    #[error("`{driver}` cannot drive `{browser}`: chromedriver and Chromium major versions must match. Install the pair from one source (`apt-get install -y chromium chromium-driver` installs matching Debian builds), or pass --chromedriver PATH and --chrome PATH of matching builds")]
    VersionMismatch {
        /// `chromedriver --version`.
        driver: String,
        /// `chromium --version`.
        browser: String,
    },
    /// chromedriver could not be started or did not become ready.
    #[error("chromedriver did not start: {0}")]
    DriverStart(String),
    /// The WebDriver session could not be created.
    #[error("cannot open a browser session at {url}: {message}")]
    Session {
        /// The WebDriver URL.
        url: String,
        /// What went wrong.
        message: String,
    },
    /// A CDP command or connection failed.
    #[error("DevTools protocol: {0}")]
    Cdp(String),
    /// A WebDriver command failed.
    #[error("WebDriver: {0}")]
    WebDriver(String),
    /// The `--ca-cert` certificates could not be made trusted roots for Chromium.
    #[error("cannot make Chromium trust the --ca-cert certificates: {0}")]
    Trust(String),
}

impl BrowserError {
    /// True when the error says the browser session itself is gone (a crashed tab or browser,
    /// a deleted session, a driver that cannot be reached): a fact about the browser, never
    /// about the page.
    pub fn session_lost(&self) -> bool {
        session::is_session_lost(&self.to_string())
    }
}

/// A client for the local DevTools and chromedriver endpoints (`/json/version`, `/status`):
/// HTTP/1.1, no proxy, 10 s per request.
fn local_http() -> Result<reqwest::Client, BrowserError> {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| BrowserError::Cdp(format!("cannot set up an HTTP client: {e}")))
}

/// GETs `http://{authority}{path}` and returns the body of its `200 OK` answer.
async fn http_get(
    client: &reqwest::Client,
    authority: &str,
    path: &str,
) -> Result<String, BrowserError> {
    let fail = |e: String| BrowserError::Cdp(format!("GET http://{authority}{path}: {e}"));
    let describe = |e: reqwest::Error| {
        if e.is_timeout() {
            return fail("timed out".into());
        }
        // reqwest's message with its causes ("error sending request: connection refused").
        let e = e.without_url();
        let mut text = e.to_string();
        let mut source = e.source();
        while let Some(cause) = source {
            let cause_text = cause.to_string();
            if !text.contains(&cause_text) {
                text.push_str(": ");
                text.push_str(&cause_text);
            }
            source = cause.source();
        }
        fail(text)
    };
    let response = client
        .get(format!("http://{authority}{path}"))
        .send()
        .await
        .map_err(describe)?;
    if response.status() != reqwest::StatusCode::OK {
        return Err(fail(format!(
            "{:?} {}",
            response.version(),
            response.status()
        )));
    }
    response.text().await.map_err(describe)
}
