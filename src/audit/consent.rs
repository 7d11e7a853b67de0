//! Puts the browser in a consent scenario: presets (cookies, localStorage) before the page
//! loads, and the banner click after it.

use std::time::{Duration, Instant};

use url::Url;

use pixelaudit_browser::{BrowserError, IdleOptions, Session};
use pixelaudit_core::config::{ConsentAction, CookieSpec, Site};
use pixelaudit_core::model::Scenario;

/// The consent action for a scenario, if the site defines one.
pub(crate) fn action(site: &Site, scenario: Scenario) -> Option<&ConsentAction> {
    let consent = site.consent.as_ref()?;
    match scenario {
        Scenario::None => None,
        Scenario::Accept => consent.accept.as_ref(),
        Scenario::Reject => consent.reject.as_ref(),
    }
}

/// Applies an action's cookies and localStorage before navigation; returns the id of the
/// init script to remove afterwards, if one was added.
pub(crate) async fn preset(
    session: &Session,
    action: &ConsentAction,
    base: &Url,
) -> Result<Option<String>, BrowserError> {
    for cookie in &action.cookies {
        set_cookie(session, cookie, base).await?;
    }
    if action.local_storage.is_empty() {
        return Ok(None);
    }
    let entries = serde_json::to_string(&action.local_storage).expect("strings serialize");
    let origin =
        serde_json::to_string(&base.origin().ascii_serialization()).expect("strings serialize");
    let source = format!(
        "if (location.origin === {origin}) {{ const e = {entries}; for (const k in e) {{ try {{ localStorage.setItem(k, e[k]); }} catch (_) {{}} }} }}"
    );
    Ok(Some(session.add_init_script(&source).await?))
}

/// Starts a fresh visitor: leaves the page, clears cookies and the origins' storage, sets the
/// device, and applies the consent action's presets. Returns the init script to remove later.
pub(crate) async fn prepare(
    session: &Session,
    origins: &[String],
    mobile: bool,
    action: Option<&ConsentAction>,
    base: &Url,
) -> Result<Option<String>, BrowserError> {
    session.reset_state(origins).await?;
    session.emulate(mobile).await?;
    match action {
        Some(action) => preset(session, action, base).await,
        None => Ok(None),
    }
}

/// Sets a configured cookie: for its `url`, its `domain`, or else for `base`.
pub(crate) async fn set_cookie(
    session: &Session,
    cookie: &CookieSpec,
    base: &Url,
) -> Result<(), BrowserError> {
    let url = match (&cookie.url, &cookie.domain) {
        (Some(url), _) => Some(url.clone()),
        (None, None) => Some(base.to_string()),
        (None, Some(_)) => None,
    };
    session
        .set_cookie(
            &cookie.name,
            &cookie.value,
            url.as_deref(),
            cookie.domain.as_deref(),
            cookie.path.as_deref(),
        )
        .await
}

/// Clicks the banner button of an action, the way a visitor does: once the page has settled
/// (so whatever fires before a choice is seen as such). Returns when it was clicked (ms on the
/// page's request timeline).
pub(crate) async fn click(
    session: &Session,
    selector: &str,
    timeout: Duration,
    page_started: Instant,
    idle: IdleOptions,
) -> Result<Option<f64>, BrowserError> {
    session.settle(page_started, idle, None, None).await;
    // Found first, so the time recorded is just before the click itself.
    let element = session.find(selector, timeout).await?;
    let at = session.now_ms();
    element.click().await.map_err(|e| {
        BrowserError::WebDriver(format!(
            "cannot click `{selector}`: {}",
            e.to_string().lines().next().unwrap_or_default()
        ))
    })?;
    // The page settled before the click: without this, the settle that follows would find it
    // idle before the click's first request is even reported.
    session.mark_activity();
    Ok(at)
}
