//! Puts the browser in a consent scenario: presets (cookies, localStorage) before the page
//! loads, and the banner click after it.

use std::time::{Duration, Instant};

use serde_json::json;
use url::Url;

use pixelaudit_browser::{BrowserError, IdleOptions, Session};
use pixelaudit_core::config::{ConsentAction, CookieSpec, Site};
use pixelaudit_core::model::{Code, Finding, Scenario, Severity};

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

/// A run's consent banner: the selector still to click (from the first page load on, until a
/// page shows it), whether presets already made the choice, and whether its absence was
/// reported (once per run).
pub(crate) struct Banner<'a> {
    pending: Option<&'a str>,
    preset: bool,
    reported: bool,
}

impl<'a> Banner<'a> {
    /// The banner of a scenario's action (nothing to click without one).
    pub(crate) fn of(action: Option<&'a ConsentAction>) -> Banner<'a> {
        Banner {
            pending: action.and_then(|a| a.click.as_deref()),
            preset: action.is_some_and(|a| !a.cookies.is_empty() || !a.local_storage.is_empty()),
            reported: false,
        }
    }

    /// The selector to look for on this page load, if the banner is still to be clicked.
    pub(crate) fn pending(&self) -> Option<&'a str> {
        self.pending
    }

    /// The banner was clicked: nothing more to look for.
    pub(crate) fn clicked(&mut self) {
        self.pending = None;
    }

    /// The scenario the checks apply under `scenario`: `None` while its banner is still to be
    /// clicked and no preset made the choice, since the visitor has made none.
    pub(crate) fn checked_as(&self, scenario: Scenario) -> Scenario {
        match self.pending {
            Some(_) if !self.preset => Scenario::None,
            _ => scenario,
        }
    }

    /// True the first time in the run, so a journey reports a missing banner once.
    pub(crate) fn first_miss(&mut self) -> bool {
        !std::mem::replace(&mut self.reported, true)
    }
}

/// What became of the banner on one page load.
pub(crate) enum Clicked {
    /// Clicked, at this time on the page's request timeline.
    At(Option<f64>),
    /// No element matched the selector within the wait: the banner was not shown.
    NotShown,
    /// An element matched, but it stayed hidden or the click did not reach it (or the
    /// selector is not valid CSS): what went wrong.
    Unusable(String),
    /// The browser session went away meanwhile: nothing is known of the page.
    Lost(String),
}

/// Clicks the banner button of an action, the way a visitor does: once the page has settled
/// (so whatever fires before a choice is seen as such), waiting up to `wait` for the button to
/// appear and be displayed.
pub(crate) async fn click(
    session: &Session,
    selector: &str,
    wait: Duration,
    page_started: Instant,
    idle: IdleOptions,
) -> Clicked {
    session.settle(page_started, idle, None, None).await;
    let deadline = Instant::now() + wait;
    let failed = |error: BrowserError| match (error.session_lost(), error) {
        (true, error) => Clicked::Lost(error.to_string()),
        (false, BrowserError::WebDriver(text)) => Clicked::Unusable(text),
        (false, error) => Clicked::Unusable(error.to_string()),
    };
    // Found first, so the time recorded is just before the click itself.
    let element = match session.wait_for(selector, wait).await {
        Ok(Some(element)) => element,
        Ok(None) => return Clicked::NotShown,
        Err(error) => return failed(error),
    };
    match session.wait_displayed(&element, deadline).await {
        Ok(true) => {}
        Ok(false) => {
            return Clicked::Unusable(format!(
                "`{selector}` is on the page but stayed hidden for {} ms",
                wait.as_millis()
            ))
        }
        Err(error) => return failed(error),
    }
    let at = session.now_ms();
    if let Err(e) = element.click().await {
        let reason = e.to_string();
        let reason = reason.lines().next().unwrap_or_default();
        let reason = reason
            .strip_prefix("webdriver returned error: ")
            .unwrap_or(reason);
        return failed(BrowserError::WebDriver(format!(
            "`{selector}` is on the page but could not be clicked: {reason}"
        )));
    }
    // The page settled before the click: without this, the settle that follows would find it
    // idle before the click's first request is even reported.
    session.mark_activity();
    Clicked::At(at)
}

/// The `banner_not_shown` finding: `selector` never appeared within `waited` on step `step`
/// (1-based; `None` for a page) of a run under `scenario`, checked as `checked_as`.
pub(crate) fn not_shown(
    site: &Site,
    selector: &str,
    waited: Duration,
    scenario: Scenario,
    checked_as: Scenario,
    step: Option<usize>,
) -> Finding {
    let required = site.consent.as_ref().is_some_and(|c| c.required);
    let checked = match checked_as {
        Scenario::None => "this page was checked as a visitor who made no choice".to_string(),
        other => format!(
            "this page was checked with the {} choice its presets made",
            other.as_str()
        ),
    };
    let mut message = format!(
        "the consent banner was not shown ({} scenario): no element matched `{selector}` within {} ms after the page settled, so {checked}",
        scenario.as_str(),
        waited.as_millis()
    );
    if step.is_some() {
        message.push_str("; the journey went on and looks for it again on its next pages (reported once per journey)");
    }
    if required {
        message.push_str("; `[consent] required = true` says it must be on every page");
    }
    message.push_str(". Check the selector, whether the banner is shown to this visitor (region, a choice remembered from before) and on this page, and whether it sits inside an iframe or a shadow root, where a selector of the page does not reach.");
    Finding {
        code: Code::BannerNotShown,
        severity: if required {
            Severity::Warning
        } else {
            Severity::Info
        },
        vendor: None,
        account: None,
        event: None,
        message,
        evidence: json!({
            "selector": selector,
            "waited_ms": waited.as_millis() as u64,
            "scenario": scenario,
            "checked_as": checked_as,
            "required": required,
            "step": step,
        }),
    }
}
