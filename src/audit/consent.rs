//! Puts the browser in a consent scenario: presets (cookies, localStorage) before the page
//! loads, and the banner click after it.

use std::time::{Duration, Instant};

use serde_json::json;
use url::Url;

use pixelaudit_browser::{BrowserError, IdleOptions, Session};
use pixelaudit_core::config::{ConsentAction, CookieSpec, Site};
use pixelaudit_core::model::{Code, Finding, Scenario, Severity};
use pixelaudit_core::report::PageReport;

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
/// page shows it), whether presets already made the choice, and the steps whose page did not
/// show it, for the run's one `banner_not_shown`.
pub(crate) struct Banner<'a> {
    selector: Option<&'a str>,
    pending: bool,
    preset: bool,
    /// How long the first page without it was waited on.
    waited: Duration,
    /// Steps (1-based) whose page load did not show it.
    missing: Vec<usize>,
    /// The step it was clicked on, after it was missing.
    clicked_on: Option<usize>,
}

impl<'a> Banner<'a> {
    /// The banner of a scenario's action (nothing to click without one).
    pub(crate) fn of(action: Option<&'a ConsentAction>) -> Banner<'a> {
        let selector = action.and_then(|a| a.click.as_deref());
        Banner {
            selector,
            pending: selector.is_some(),
            preset: action.is_some_and(|a| !a.cookies.is_empty() || !a.local_storage.is_empty()),
            waited: Duration::ZERO,
            missing: Vec::new(),
            clicked_on: None,
        }
    }

    /// The selector to look for on this page load, if the banner is still to be clicked.
    pub(crate) fn pending(&self) -> Option<&'a str> {
        self.selector.filter(|_| self.pending)
    }

    /// The banner was clicked on step `step` (1-based): nothing more to look for.
    pub(crate) fn clicked(&mut self, step: usize) {
        self.pending = false;
        if !self.missing.is_empty() {
            self.clicked_on = Some(step);
        }
    }

    /// Step `step`'s page did not show it within `waited`; true the first time in the run (the
    /// step that carries the run's `banner_not_shown`).
    pub(crate) fn missing(&mut self, step: usize, waited: Duration) -> bool {
        self.missing.push(step);
        if self.missing.len() == 1 {
            self.waited = waited;
        }
        self.missing.len() == 1
    }

    /// The scenario the checks apply under `scenario`: `None` while its banner is still to be
    /// clicked and no preset made the choice, since the visitor has made none.
    pub(crate) fn checked_as(&self, scenario: Scenario) -> Scenario {
        match self.pending() {
            Some(_) if !self.preset => Scenario::None,
            _ => scenario,
        }
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
    // A banner that is rendered again (a consent platform's script replacing its markup) leaves
    // a stale element behind: it is looked up again, within the same wait.
    let stale = |error: &BrowserError| error.to_string().contains("stale element reference");
    let mut seen = false;
    loop {
        let remaining = deadline.saturating_duration_since(Instant::now());
        // Found first, so the time recorded is just before the click itself.
        let element = match session.wait_for(selector, remaining).await {
            Ok(Some(element)) => element,
            Ok(None) if !seen => return Clicked::NotShown,
            Ok(None) => {
                return Clicked::Unusable(format!(
                    "`{selector}` appeared but left the page before it could be clicked"
                ))
            }
            Err(error) => return failed(error),
        };
        seen = true;
        match session.wait_displayed(&element, deadline).await {
            Ok(true) => {}
            Ok(false) => {
                return Clicked::Unusable(format!(
                    "`{selector}` is on the page but stayed hidden (waited {} ms after the page settled)",
                    wait.as_millis()
                ))
            }
            Err(error) if stale(&error) => continue,
            Err(error) => return failed(error),
        }
        let at = session.now_ms();
        if let Err(e) = element.click().await {
            let reason = e.to_string();
            let reason = reason.lines().next().unwrap_or_default();
            let reason = reason
                .strip_prefix("webdriver returned error: ")
                .unwrap_or(reason);
            let error = BrowserError::WebDriver(format!(
                "`{selector}` is on the page but could not be clicked: {reason}"
            ));
            if stale(&error) {
                continue;
            }
            return failed(error);
        }
        // The page settled before the click: without this, the settle that follows would find
        // it idle before the click's first request is even reported.
        session.mark_activity();
        return Clicked::At(at);
    }
}

/// The run's `banner_not_shown` finding, once a page did not show the banner: for a page, or
/// for a journey as far as it went (`journey`: which steps missed it, where it was clicked).
pub(crate) fn not_shown(
    site: &Site,
    banner: &Banner<'_>,
    scenario: Scenario,
    journey: bool,
) -> Option<Finding> {
    let (selector, first) = (banner.selector?, *banner.missing.first()?);
    let required = site.consent.as_ref().is_some_and(|c| c.required);
    let checked_as = if banner.preset {
        scenario
    } else {
        Scenario::None
    };
    let visitor = match checked_as {
        Scenario::None => "as a visitor who made no choice".to_string(),
        other => format!("with the {} choice its presets made", other.as_str()),
    };
    let steps = |steps: &[usize]| {
        let list: Vec<String> = steps.iter().map(usize::to_string).collect();
        match steps.len() {
            1 => format!("step {}", list[0]),
            _ => format!("steps {}", list.join(", ")),
        }
    };
    let matched = format!(
        "the consent banner was not shown ({} scenario): no element matched `{selector}` within {} ms after the page settled",
        scenario.as_str(),
        banner.waited.as_millis()
    );
    let mut message = match (journey, banner.clicked_on) {
        (false, _) => format!("{matched}, so this page was checked {visitor}"),
        (true, Some(clicked)) => format!(
            "{matched} on {}, so the journey was checked {visitor} until the banner appeared on step {clicked} and was clicked there",
            steps(&banner.missing)
        ),
        (true, None) => format!(
            "{matched} on {}, and it never appeared in this journey run, so the whole journey was checked {visitor}",
            steps(&banner.missing)
        ),
    };
    if required {
        message.push_str("; `[consent] required = true` says it must be on every page");
    }
    message.push_str(". Check the selector, whether the banner is shown to this visitor (region, a choice remembered from before) and on this page, and whether it sits inside an iframe or a shadow root, where a selector of the page does not reach.");
    Some(Finding {
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
            "waited_ms": banner.waited.as_millis() as u64,
            "scenario": scenario,
            "checked_as": checked_as,
            "required": required,
            "step": journey.then_some(first),
            "missing_on_steps": journey.then_some(&banner.missing),
            "clicked_on_step": banner.clicked_on,
        }),
    })
}

/// Words a journey run's `banner_not_shown` (on the first step that missed the banner) with
/// everything the run found out: the later pages that missed it too, the one that showed it.
pub(crate) fn finish(
    site: &Site,
    banner: &Banner<'_>,
    scenario: Scenario,
    reports: &mut [PageReport],
) {
    let Some(finding) = not_shown(site, banner, scenario, true) else {
        return;
    };
    let reported = reports
        .iter_mut()
        .flat_map(|r| r.findings.iter_mut())
        .find(|f| f.code == Code::BannerNotShown);
    if let Some(reported) = reported {
        *reported = finding;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pixelaudit_core::config::{ConsentMode, ConsentPlan};

    fn site(required: bool) -> Site {
        let mut site = Site::adhoc("s", &[]);
        site.consent = Some(ConsentPlan {
            mode: ConsentMode::OptIn,
            accept: None,
            reject: None,
            exempt: Vec::new(),
            required,
        });
        site
    }

    #[test]
    fn a_pending_banner_is_no_choice_until_clicked_and_reported_once() {
        let action = ConsentAction {
            click: Some("#ok".into()),
            ..Default::default()
        };
        let mut banner = Banner::of(Some(&action));
        assert_eq!(banner.checked_as(Scenario::Accept), Scenario::None);
        assert!(not_shown(&site(false), &banner, Scenario::Accept, true).is_none());
        assert!(banner.missing(1, Duration::from_millis(900)));
        assert!(
            !banner.missing(2, Duration::from_millis(900)),
            "once per run"
        );
        banner.clicked(3);
        assert_eq!(banner.pending(), None);
        assert_eq!(banner.checked_as(Scenario::Accept), Scenario::Accept);
        let info = not_shown(&site(false), &banner, Scenario::Accept, true).unwrap();
        assert_eq!(info.severity, Severity::Info);
        assert_eq!(info.evidence["step"], 1);
        assert_eq!(info.evidence["clicked_on_step"], 3);
        assert!(info.message.contains("within 900 ms"), "{}", info.message);
        let warning = not_shown(&site(true), &banner, Scenario::Accept, true).unwrap();
        assert_eq!(warning.severity, Severity::Warning);
    }

    #[test]
    fn presets_keep_their_choice_when_the_banner_is_missing() {
        let action = ConsentAction {
            click: Some("#no".into()),
            local_storage: [("consent".to_string(), "denied".to_string())].into(),
            ..Default::default()
        };
        let mut banner = Banner::of(Some(&action));
        assert_eq!(banner.checked_as(Scenario::Reject), Scenario::Reject);
        banner.missing(1, Duration::from_secs(5));
        let finding = not_shown(&site(false), &banner, Scenario::Reject, false).unwrap();
        assert_eq!(finding.evidence["checked_as"], "reject");
        assert!(
            finding
                .message
                .contains("checked with the reject choice its presets made"),
            "{}",
            finding.message
        );
        assert!(Banner::of(None).pending().is_none(), "nothing to click");
    }
}
