//! One WebDriver session (one headless Chromium) with its CDP capture, reused across pages.

use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{json, Value};
use url::Url;

use super::capture::{BlockDecision, Capture, CaptureSink, IdleOptions, PageCapture, Until};
use super::cdp::Cdp;
use super::{BrowserError, Driver};
use pixelaudit_core::model::CapturedRequest;

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
    /// The CDP session of the page target.
    page: String,
    /// The browser's own user agent, restored after mobile emulation.
    user_agent: String,
    /// `Basic …` when the WebDriver URL carries credentials (a Grid with --username/--password).
    authorization: Option<String>,
}

impl Session {
    /// Opens a session on `driver` and attaches the CDP capture to every target.
    pub async fn open(driver: &Driver, options: &BrowserOptions) -> Result<Session, BrowserError> {
        let caps = capabilities(driver, options);
        let webdriver = Url::parse(driver.url()).ok();
        let authorization = webdriver.as_ref().and_then(basic_authorization);
        let client = fantoccini::ClientBuilder::native()
            .capabilities(caps)
            .connect(driver.url())
            .await
            .map_err(|e| BrowserError::Session {
                url: redacted(driver.url()),
                message: e.to_string(),
            })?;
        match Self::attach(
            client.clone(),
            options,
            webdriver.as_ref(),
            authorization.clone(),
        )
        .await
        {
            Ok(session) => Ok(session),
            Err(error) => {
                delete_session(&client, authorization.is_some()).await;
                Err(error)
            }
        }
    }

    async fn attach(
        client: fantoccini::Client,
        options: &BrowserOptions,
        webdriver: Option<&Url>,
        authorization: Option<String>,
    ) -> Result<Session, BrowserError> {
        let returned = client.capabilities().cloned().unwrap_or_default();
        let capture = Capture::new();
        let sink: Arc<dyn super::cdp::EventSink> = Arc::new(CaptureSink(Arc::clone(&capture)));
        let mut failures = Vec::new();
        let mut connected = None;
        for ws_url in cdp_urls(&returned, webdriver).await? {
            let attempt = Cdp::connect(&ws_url, authorization.as_deref(), Arc::clone(&sink));
            match tokio::time::timeout(CDP_CONNECT_TIMEOUT, attempt).await {
                Ok(Ok(cdp)) => {
                    connected = Some(cdp);
                    break;
                }
                Ok(Err(error)) => failures.push(error.to_string()),
                Err(_) => failures.push(format!(
                    "no answer from the CDP websocket {ws_url} within {} s",
                    CDP_CONNECT_TIMEOUT.as_secs()
                )),
            }
        }
        let cdp = connected.ok_or_else(|| BrowserError::Cdp(failures.join("; ")))?;
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
        let version = cdp
            .handle()
            .call(None, "Browser.getVersion", json!({}))
            .await?;
        let user_agent = version["userAgent"]
            .as_str()
            .unwrap_or_default()
            .replace("HeadlessChrome", "Chrome");
        Ok(Session {
            client,
            cdp,
            capture,
            page,
            user_agent,
            authorization,
        })
    }

    /// Navigates to `url`, waits for network idle and returns what was captured.
    pub async fn visit(&self, url: &str, idle: IdleOptions) -> Visit {
        self.begin_page();
        let started = Instant::now();
        let (navigation_error, session_lost) = self.navigate(url).await;
        if !session_lost {
            self.settle(started, idle, None, None).await;
        }
        Visit {
            capture: self.take(),
            navigation_error,
            session_lost,
            wall_ms: started.elapsed().as_secs_f64() * 1000.0,
        }
    }

    /// Starts capturing a new page load (times relative to its document request).
    pub fn begin_page(&self) {
        self.close_popups();
        self.capture.begin_page();
    }

    /// Starts capturing a journey step on the current document (times relative to now).
    pub fn begin_step(&self) {
        self.close_popups();
        self.capture.begin_step();
    }

    /// Navigates; returns the navigation error, and whether the session itself is lost.
    pub async fn navigate(&self, url: &str) -> (Option<String>, bool) {
        match self.client.goto(url).await {
            Ok(()) => (None, false),
            Err(error) => {
                let text = error.to_string();
                let lost = is_session_lost(&text);
                (Some(text), lost)
            }
        }
    }

    /// Waits for the page to settle (see `IdleOptions`); with `until`, finishes as soon as it
    /// holds, and keeps waiting for it until `expect_deadline`. True if it settled before the cap.
    pub async fn settle(
        &self,
        started: Instant,
        idle: IdleOptions,
        until: Option<&Until<'_>>,
        expect_deadline: Option<Instant>,
    ) -> bool {
        self.capture
            .wait_idle(started, idle, until, expect_deadline)
            .await
    }

    /// Restarts the network-idle quiet window now: the next `settle` waits at least a (short)
    /// quiet window from this moment, for what an action such as a click sets off.
    pub fn mark_activity(&self) {
        self.capture.restart_quiet();
    }

    /// Ends the current capture and returns it.
    pub fn take(&self) -> PageCapture {
        self.close_popups();
        self.capture.take_page()
    }

    /// Closes every popup or new window the page run opened: what they sent so far stays the
    /// page run's (it opened them); nothing they send later reaches another page run.
    fn close_popups(&self) {
        for target in self.capture.take_popups() {
            self.cdp
                .handle()
                .send(None, "Target.closeTarget", json!({"targetId": target}));
        }
    }

    /// Ms since the current page's navigation (or step) started, on the requests' timeline.
    pub fn now_ms(&self) -> Option<f64> {
        self.capture.now_ms()
    }

    /// Simulates an ad blocker on every target (page, iframes, workers): requests `decision`
    /// approves are failed as `ERR_BLOCKED_BY_CLIENT` and marked `blocked_reason: "adblock"`.
    /// `None` turns it off.
    pub async fn set_blocking(
        &self,
        decision: Option<Arc<BlockDecision>>,
    ) -> Result<(), BrowserError> {
        let on = decision.is_some();
        for session in self.capture.set_blocking(decision) {
            let (method, params) = if on {
                (
                    "Fetch.enable",
                    json!({"patterns": [{"urlPattern": "*", "requestStage": "Request"}]}),
                )
            } else {
                ("Fetch.disable", json!({}))
            };
            // Targets that went away meanwhile answer with an error; that is fine.
            let _ = self.cdp.handle().call(Some(&session), method, params).await;
        }
        Ok(())
    }

    /// Runs `f` on the requests captured so far.
    pub fn with_requests<T>(&self, f: impl FnOnce(&[CapturedRequest]) -> T) -> T {
        self.capture.with_requests(f)
    }

    /// Runs `f` on what was captured so far (requests, routes).
    pub fn with_capture<T>(&self, f: impl FnOnce(&PageCapture) -> T) -> T {
        self.capture.with_capture(f)
    }

    async fn cdp_call(&self, method: &str, params: Value) -> Result<Value, BrowserError> {
        self.cdp
            .handle()
            .call(Some(&self.page), method, params)
            .await
    }

    /// Leaves the current page and forgets cookies and the given origins' storage: the next
    /// page starts as a fresh visitor.
    pub async fn reset_state(&self, origins: &[String]) -> Result<(), BrowserError> {
        self.client
            .goto("about:blank")
            .await
            .map_err(|e| BrowserError::WebDriver(e.to_string()))?;
        self.cdp_call("Network.clearBrowserCookies", json!({}))
            .await?;
        for origin in origins {
            self.cdp_call(
                "Storage.clearDataForOrigin",
                json!({"origin": origin, "storageTypes": "local_storage,session_storage,indexeddb,cache_storage,service_workers"}),
            )
            .await?;
        }
        Ok(())
    }

    /// Sets a cookie (`url` or `domain` must be given).
    pub async fn set_cookie(
        &self,
        name: &str,
        value: &str,
        url: Option<&str>,
        domain: Option<&str>,
        path: Option<&str>,
    ) -> Result<(), BrowserError> {
        let mut params = json!({"name": name, "value": value, "path": path.unwrap_or("/")});
        if let Some(url) = url {
            params["url"] = json!(url);
        }
        if let Some(domain) = domain {
            params["domain"] = json!(domain);
        }
        let answer = self.cdp_call("Network.setCookie", params).await?;
        if answer["success"].as_bool() == Some(false) {
            return Err(BrowserError::Cdp(format!(
                "the browser refused cookie `{name}`"
            )));
        }
        Ok(())
    }

    /// Runs `source` in every new document before its own scripts; returns an id to remove it.
    pub async fn add_init_script(&self, source: &str) -> Result<String, BrowserError> {
        let answer = self
            .cdp_call(
                "Page.addScriptToEvaluateOnNewDocument",
                json!({"source": source}),
            )
            .await?;
        Ok(answer["identifier"]
            .as_str()
            .unwrap_or_default()
            .to_string())
    }

    /// Removes a script added with [`Session::add_init_script`].
    pub async fn remove_init_script(&self, id: &str) -> Result<(), BrowserError> {
        self.cdp_call(
            "Page.removeScriptToEvaluateOnNewDocument",
            json!({"identifier": id}),
        )
        .await?;
        Ok(())
    }

    /// Turns JavaScript off (as a mail client renders an email) or back on.
    pub async fn set_scripts_enabled(&self, enabled: bool) -> Result<(), BrowserError> {
        self.cdp_call(
            "Emulation.setScriptExecutionDisabled",
            json!({"value": !enabled}),
        )
        .await?;
        Ok(())
    }

    /// Emulates a phone (viewport, touch, mobile user agent) or restores the desktop.
    pub async fn emulate(&self, mobile: bool) -> Result<(), BrowserError> {
        if mobile {
            self.cdp_call(
                "Emulation.setDeviceMetricsOverride",
                json!({"width": 390, "height": 844, "deviceScaleFactor": 3, "mobile": true}),
            )
            .await?;
            self.cdp_call(
                "Emulation.setTouchEmulationEnabled",
                json!({"enabled": true, "maxTouchPoints": 5}),
            )
            .await?;
            self.cdp_call(
                "Emulation.setUserAgentOverride",
                json!({"userAgent": MOBILE_UA, "platform": "iPhone"}),
            )
            .await?;
        } else {
            self.cdp_call("Emulation.clearDeviceMetricsOverride", json!({}))
                .await?;
            self.cdp_call(
                "Emulation.setTouchEmulationEnabled",
                json!({"enabled": false}),
            )
            .await?;
            self.cdp_call(
                "Emulation.setUserAgentOverride",
                json!({"userAgent": self.user_agent}),
            )
            .await?;
        }
        Ok(())
    }

    /// Waits up to `timeout` for an element matching `selector`.
    pub async fn find(
        &self,
        selector: &str,
        timeout: Duration,
    ) -> Result<fantoccini::elements::Element, BrowserError> {
        self.client
            .wait()
            .at_most(timeout)
            .every(Duration::from_millis(50))
            .for_element(fantoccini::Locator::Css(selector))
            .await
            .map_err(|e| {
                BrowserError::WebDriver(format!(
                    "no element matches `{selector}` within {} ms: {}",
                    timeout.as_millis(),
                    first_line(&e.to_string())
                ))
            })
    }

    /// Waits up to `timeout` for an element matching `selector` to be in the page: `None`
    /// when none appeared in that time. Anything else that goes wrong (a lost session, an
    /// invalid selector) is an error, never `None`.
    pub async fn wait_for(
        &self,
        selector: &str,
        timeout: Duration,
    ) -> Result<Option<fantoccini::elements::Element>, BrowserError> {
        match self
            .client
            .wait()
            .at_most(timeout)
            .every(Duration::from_millis(50))
            .for_element(fantoccini::Locator::Css(selector))
            .await
        {
            Ok(element) => Ok(Some(element)),
            Err(fantoccini::error::CmdError::WaitTimeout) => Ok(None),
            Err(e) => Err(BrowserError::WebDriver(format!(
                "looking for `{selector}`: {}",
                first_line(&e.to_string())
            ))),
        }
    }

    /// Waits until `element` is displayed, checking every 50 ms (WebDriver has no event for
    /// it), at most until `deadline`; false if it stayed hidden.
    pub async fn wait_displayed(
        &self,
        element: &fantoccini::elements::Element,
        deadline: Instant,
    ) -> Result<bool, BrowserError> {
        loop {
            let shown = element.is_displayed().await.map_err(|e| {
                BrowserError::WebDriver(format!(
                    "checking whether it is displayed: {}",
                    first_line(&e.to_string())
                ))
            })?;
            if shown {
                return Ok(true);
            }
            if Instant::now() >= deadline {
                return Ok(false);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Clicks the first element matching `selector` (waiting up to `timeout` for it).
    pub async fn click(&self, selector: &str, timeout: Duration) -> Result<(), BrowserError> {
        let element = self.find(selector, timeout).await?;
        element.click().await.map_err(|e| {
            BrowserError::WebDriver(format!(
                "cannot click `{selector}`: {}",
                first_line(&e.to_string())
            ))
        })
    }

    /// Replaces an input's value by typing `value`.
    pub async fn fill(
        &self,
        selector: &str,
        value: &str,
        timeout: Duration,
    ) -> Result<(), BrowserError> {
        let element = self.find(selector, timeout).await?;
        let fail = |e: fantoccini::error::CmdError| {
            BrowserError::WebDriver(format!(
                "cannot type into `{selector}`: {}",
                first_line(&e.to_string())
            ))
        };
        element.clear().await.map_err(fail)?;
        element.send_keys(value).await.map_err(fail)
    }

    /// Chooses the `<option>` with this value.
    pub async fn select(
        &self,
        selector: &str,
        value: &str,
        timeout: Duration,
    ) -> Result<(), BrowserError> {
        let element = self.find(selector, timeout).await?;
        element.select_by_value(value).await.map_err(|e| {
            BrowserError::WebDriver(format!(
                "cannot select `{value}` in `{selector}`: {}",
                first_line(&e.to_string())
            ))
        })
    }

    /// The page as a PNG.
    pub async fn screenshot(&self) -> Result<Vec<u8>, BrowserError> {
        self.client
            .screenshot()
            .await
            .map_err(|e| BrowserError::WebDriver(e.to_string()))
    }

    /// The current URL (after SPA route changes too).
    pub async fn current_url(&self) -> Option<String> {
        self.client.current_url().await.ok().map(|u| u.to_string())
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
        delete_session(&self.client, self.authorization.is_some()).await;
    }
}

/// How long opening the CDP websocket may take (an unreachable `se:cdp` host must not hang).
const CDP_CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

/// Ends a WebDriver session. fantoccini 0.22 sends its closing `DELETE /session/{id}` without
/// the URL's credentials, so a Grid with basic auth answers 401 and keeps the session (its slot
/// and its Chromium) until its session timeout: with credentials, delete it ourselves (custom
/// commands do carry them), then let the client go without a second DELETE.
async fn delete_session(client: &fantoccini::Client, authenticated: bool) {
    if authenticated {
        if let Ok(Some(id)) = client.session_id().await {
            if client.issue_cmd(DeleteSession(id)).await.is_ok() {
                let _ = client.persist().await;
                return;
            }
        }
    }
    let _ = client.clone().close().await;
}

#[derive(Debug)]
struct DeleteSession(String);

impl fantoccini::wd::WebDriverCompatibleCommand for DeleteSession {
    fn endpoint(&self, base: &Url, _session: Option<&str>) -> Result<Url, url::ParseError> {
        base.join(&format!("session/{}", self.0))
    }

    fn method_and_body(&self, _request_url: &Url) -> (hyper::Method, Option<String>) {
        (hyper::Method::DELETE, None)
    }
}

/// `Basic base64(user:password)` from a URL's credentials, if it has any.
fn basic_authorization(url: &Url) -> Option<String> {
    if url.username().is_empty() && url.password().is_none() {
        return None;
    }
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8_lossy()
            .into_owned()
    };
    let pair = format!(
        "{}:{}",
        decode(url.username()),
        decode(url.password().unwrap_or(""))
    );
    Some(format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(pair)
    ))
}

/// A URL without its password, for messages.
fn redacted(url: &str) -> String {
    match Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string().trim_end_matches('/').to_string()
        }
        _ => url.to_string(),
    }
}

const MOBILE_UA: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1";

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or(text)
}

pub(crate) fn is_session_lost(text: &str) -> bool {
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

/// The browser-level CDP websocket(s) to try, in order: for a Grid, its proxied `se:cdp` path on
/// the host and port we reached the Grid at, then `se:cdp` as announced (the Grid names itself
/// by its `--host`/`--external-url`, which a client behind a port forward, a Docker network or
/// a Kubernetes service often cannot resolve or reach); without a Grid, the one Chromium
/// announces at `debuggerAddress/json/version`.
async fn cdp_urls(
    caps: &serde_json::Map<String, Value>,
    webdriver: Option<&Url>,
) -> Result<Vec<String>, BrowserError> {
    if let Some(announced) = caps.get("se:cdp").and_then(Value::as_str) {
        let mut urls = Vec::new();
        if let Some(same_origin) = webdriver.and_then(|w| same_origin_cdp(announced, w)) {
            urls.push(same_origin);
        }
        if !urls.iter().any(|u| u == announced) {
            urls.push(announced.to_string());
        }
        return Ok(urls);
    }
    let address = caps
        .get("goog:chromeOptions")
        .and_then(|o| o.get("debuggerAddress"))
        .and_then(Value::as_str)
        .ok_or_else(|| {
            BrowserError::Cdp("the session reports no debuggerAddress or se:cdp".into())
        })?;
    let body = super::http_get(&super::local_http()?, address, "/json/version").await?;
    let version: Value =
        serde_json::from_str(&body).map_err(|e| BrowserError::Cdp(e.to_string()))?;
    version["webSocketDebuggerUrl"]
        .as_str()
        .map(|url| vec![url.to_string()])
        .ok_or_else(|| BrowserError::Cdp("no webSocketDebuggerUrl in /json/version".into()))
}

/// `se:cdp`'s path (`/session/{id}/se/cdp`, under the Grid's `--sub-path` if any) on the
/// WebDriver URL's scheme, host and port, without credentials (they go in a header).
fn same_origin_cdp(announced: &str, webdriver: &Url) -> Option<String> {
    let announced = Url::parse(announced).ok()?;
    let mut url = webdriver.clone();
    url.set_scheme(if webdriver.scheme() == "https" {
        "wss"
    } else {
        "ws"
    })
    .ok()?;
    url.set_username("").ok()?;
    url.set_password(None).ok()?;
    // A reverse proxy may serve the Grid under a prefix the Grid does not know about.
    let prefix = webdriver.path().trim_end_matches('/');
    let path = announced.path();
    if prefix.is_empty() || path.starts_with(&format!("{prefix}/")) {
        url.set_path(path);
    } else {
        url.set_path(&format!("{prefix}{path}"));
    }
    url.set_query(announced.query());
    url.set_fragment(None);
    Some(url.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_cdp_goes_to_the_host_the_grid_was_reached_at() {
        let announced = "ws://172.18.0.3:4444/session/abc/se/cdp";
        let at = |w: &str| same_origin_cdp(announced, &Url::parse(w).unwrap()).unwrap();
        assert_eq!(
            at("http://127.0.0.1:4444"),
            "ws://127.0.0.1:4444/session/abc/se/cdp"
        );
        assert_eq!(
            at("https://u:p@grid.example/"),
            "wss://grid.example/session/abc/se/cdp"
        );
        assert_eq!(
            at("https://ci.example/selenium"),
            "wss://ci.example/selenium/session/abc/se/cdp"
        );
        let under_sub_path = "ws://10.0.0.2:4444/selenium/session/abc/se/cdp";
        assert_eq!(
            same_origin_cdp(
                under_sub_path,
                &Url::parse("http://localhost:8080/selenium").unwrap()
            )
            .unwrap(),
            "ws://localhost:8080/selenium/session/abc/se/cdp"
        );
    }

    #[test]
    fn a_lost_session_is_told_apart_from_a_page_that_refuses_a_click() {
        let lost = BrowserError::WebDriver(
            "`#reject` is on the page but could not be clicked: invalid session id".into(),
        );
        assert!(lost.session_lost());
        assert!(
            BrowserError::WebDriver("looking for `#ok`: chrome not reachable".into())
                .session_lost()
        );
        let refused = BrowserError::WebDriver(
            "`#reject` is on the page but could not be clicked: element click intercepted".into(),
        );
        assert!(
            !refused.session_lost(),
            "the page's doing, not the browser's"
        );
    }

    #[test]
    fn credentials_become_a_basic_header_and_leave_messages() {
        let url = Url::parse("http://ci%40shop:p%3Ass@grid:4444").unwrap();
        assert_eq!(
            basic_authorization(&url).unwrap(),
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode("ci@shop:p:ss")
            )
        );
        assert_eq!(
            basic_authorization(&Url::parse("http://grid:4444").unwrap()),
            None
        );
        assert_eq!(
            redacted("http://u:secret@grid:4444"),
            "http://u:***@grid:4444"
        );
        assert_eq!(redacted("http://grid:4444"), "http://grid:4444");
    }
}
