//! One WebDriver session (one headless Chromium) with its CDP capture, reused across pages.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::capture::{Capture, CaptureSink, IdleOptions, PageCapture};
use super::cdp::Cdp;
use super::{BrowserError, Driver};

/// Chromium flags every session gets: headless, quiet (no background traffic, which a closed
/// network refuses), no extensions (an installed blocker must not alter the baseline).
const BASE_ARGS: &[&str] = &[
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--no-first-run",
    "--disable-quic",
    "--mute-audio",
];

/// Options for new sessions.
#[derive(Debug, Clone, Default)]
pub struct BrowserOptions {
    /// Extra Chromium flags (`--host-resolver-rules=…`, `--ignore-certificate-errors`, ...).
    pub args: Vec<String>,
    /// Page load timeout for one navigation.
    pub page_load_timeout: Option<Duration>,
}

/// The result of visiting one URL.
#[derive(Debug, Clone)]
pub struct Visit {
    /// What the page and its frames and workers sent.
    pub capture: PageCapture,
    /// The navigation error, if the browser could not load the page.
    pub navigation_error: Option<String>,
    /// True when the WebDriver session itself is gone (crashed browser): open a new one.
    pub session_lost: bool,
    /// Wall time of the visit (navigation + settle), in ms.
    pub wall_ms: f64,
}

/// A live browser session.
pub struct Session {
    client: fantoccini::Client,
    cdp: Cdp,
    capture: Arc<Capture>,
}

impl Session {
    /// Opens a session on `driver` and attaches the CDP capture to every target.
    pub async fn open(driver: &Driver, options: &BrowserOptions) -> Result<Session, BrowserError> {
        let caps = capabilities(driver, options);
        let client = fantoccini::ClientBuilder::native()
            .capabilities(caps)
            .connect(driver.url())
            .await
            .map_err(|e| BrowserError::Session {
                url: driver.url().to_string(),
                message: e.to_string(),
            })?;
        match Self::attach(client.clone(), options).await {
            Ok(session) => Ok(session),
            Err(error) => {
                let _ = client.close().await;
                Err(error)
            }
        }
    }

    async fn attach(
        client: fantoccini::Client,
        options: &BrowserOptions,
    ) -> Result<Session, BrowserError> {
        let returned = client.capabilities().cloned().unwrap_or_default();
        let ws_url = cdp_url(&returned).await?;
        let capture = Capture::new();
        let cdp = Cdp::connect(&ws_url, Arc::new(CaptureSink(Arc::clone(&capture)))).await?;
        cdp.handle()
            .call(
                None,
                "Target.setAutoAttach",
                json!({"autoAttach": true, "waitForDebuggerOnStart": false, "flatten": true}),
            )
            .await?;
        let page = capture
            .wait_for_page_session(Duration::from_secs(5))
            .await
            .ok_or_else(|| BrowserError::Cdp("the browser's page target never attached".into()))?;
        // Commands on one session run in order: once this answers, the capture set up by the
        // attach handler (Network, Runtime, Log, auto-attach) is in place.
        cdp.handle()
            .call(
                Some(&page),
                "Network.enable",
                json!({"maxPostDataSize": 65536}),
            )
            .await?;
        let timeout = options.page_load_timeout.unwrap_or(Duration::from_secs(30));
        client
            .update_timeouts(fantoccini::wd::TimeoutConfiguration::new(
                Some(Duration::from_secs(30)),
                Some(timeout),
                Some(Duration::ZERO),
            ))
            .await
            .map_err(|e| BrowserError::WebDriver(e.to_string()))?;
        Ok(Session {
            client,
            cdp,
            capture,
        })
    }

    /// Navigates to `url`, waits for network idle and returns what was captured.
    pub async fn visit(&self, url: &str, idle: IdleOptions) -> Visit {
        self.capture.begin_page();
        let started = Instant::now();
        let navigation = self.client.goto(url).await;
        let (navigation_error, session_lost) = match navigation {
            Ok(()) => (None, false),
            Err(error) => {
                let text = error.to_string();
                let lost = is_session_lost(&text);
                (Some(text), lost)
            }
        };
        if !session_lost {
            self.capture.wait_idle(started, idle).await;
        }
        Visit {
            capture: self.capture.take_page(),
            navigation_error,
            session_lost,
            wall_ms: started.elapsed().as_secs_f64() * 1000.0,
        }
    }

    /// Runs a script in the page (WebDriver `execute`).
    pub async fn execute(&self, script: &str, args: Vec<Value>) -> Result<Value, BrowserError> {
        self.client
            .execute(script, args)
            .await
            .map_err(|e| BrowserError::WebDriver(e.to_string()))
    }

    /// Ends the WebDriver session (Chromium exits) and the CDP connection.
    pub async fn close(self) {
        drop(self.cdp);
        let _ = self.client.close().await;
    }
}

fn is_session_lost(text: &str) -> bool {
    let text = text.to_ascii_lowercase();
    [
        "invalid session id",
        "session deleted",
        "not reachable",
        "disconnected",
        "no such window",
        "tab crashed",
    ]
    .iter()
    .any(|needle| text.contains(needle))
}

fn capabilities(driver: &Driver, options: &BrowserOptions) -> serde_json::Map<String, Value> {
    let mut args: Vec<String> = BASE_ARGS.iter().map(|a| a.to_string()).collect();
    args.extend(options.args.iter().cloned());
    let mut chrome_options = json!({
        "args": args,
        // Debian's Chromium otherwise opens a search engine's new-tab page on start.
        "prefs": {"session.restore_on_startup": 4, "session.startup_urls": ["about:blank"]},
    });
    if let Some(chrome) = driver.chrome() {
        chrome_options["binary"] = json!(chrome.display().to_string());
    }
    let caps = json!({
        "browserName": "chrome",
        "pageLoadStrategy": "eager",
        "goog:chromeOptions": chrome_options,
    });
    match caps {
        Value::Object(map) => map,
        _ => unreachable!("capabilities are an object"),
    }
}

/// The browser-level CDP websocket: Grid's proxied `se:cdp`, or the one Chromium announces at
/// `debuggerAddress/json/version`.
async fn cdp_url(caps: &serde_json::Map<String, Value>) -> Result<String, BrowserError> {
    if let Some(url) = caps.get("se:cdp").and_then(Value::as_str) {
        return Ok(url.to_string());
    }
    let address = caps
        .get("goog:chromeOptions")
        .and_then(|o| o.get("debuggerAddress"))
        .and_then(Value::as_str)
        .ok_or_else(|| {
            BrowserError::Cdp("the session reports no debuggerAddress or se:cdp".into())
        })?;
    let body = super::http::get(address, "/json/version").await?;
    let version: Value =
        serde_json::from_str(&body).map_err(|e| BrowserError::Cdp(e.to_string()))?;
    version["webSocketDebuggerUrl"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| BrowserError::Cdp("no webSocketDebuggerUrl in /json/version".into()))
}
