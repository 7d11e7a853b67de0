//! The browser: chromedriver (local child or remote WebDriver / Selenium Grid), WebDriver
//! sessions driven with fantoccini, and request capture from every target over CDP.

mod capture;
mod cdp;
mod driver;
mod http;
mod session;

pub use capture::{BlockDecision, IdleOptions, PageCapture, Until};
pub use driver::{Driver, DriverOptions};
pub use session::{BrowserOptions, Session, Visit};

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
}
