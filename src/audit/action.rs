//! A step's action, performed in the browser: a navigation, a click, a field filled, a wait,
//! a cookie or localStorage entry set, a script run, a scroll.

use std::time::Duration;

use serde_json::json;

use super::consent;
use pixelaudit_browser::{BrowserError, Session};
use pixelaudit_core::config::{Action, Site};

/// What an action did.
pub(crate) enum Performed {
    /// Navigated: the navigation error, and whether the session is lost.
    Navigated(Option<String>, bool),
    Done,
}

/// Performs one action.
pub(crate) async fn perform(
    session: &Session,
    action: &Action,
    timeout: Duration,
    site: &Site,
) -> Result<Performed, BrowserError> {
    match action {
        Action::Goto(url) => {
            let (error, lost) = session.navigate(url.as_str()).await;
            return Ok(Performed::Navigated(error, lost));
        }
        Action::Click(selector) => session.click(selector, timeout).await?,
        Action::Fill(field) => session.fill(&field.selector, &field.value, timeout).await?,
        Action::Select(field) => {
            session
                .select(&field.selector, &field.value, timeout)
                .await?
        }
        Action::WaitForSelector(selector) => {
            session.find(selector, timeout).await?;
        }
        Action::WaitForHit { .. } => {}
        Action::SetCookie(cookie) => consent::set_cookie(session, cookie, &site.base_url).await?,
        Action::SetLocalStorage(kv) => {
            session
                .execute(
                    "localStorage.setItem(arguments[0], arguments[1]);",
                    vec![json!(kv.key), json!(kv.value)],
                )
                .await?;
        }
        Action::RunJs(script) => {
            session.execute(script, vec![]).await?;
        }
        Action::Scroll(scroll) => {
            match (&scroll.selector, scroll.y) {
                (Some(selector), _) => {
                    session.find(selector, timeout).await?;
                    session
                        .execute("document.querySelector(arguments[0]).scrollIntoView({block: 'center'});", vec![json!(selector)])
                        .await?;
                }
                (None, y) => {
                    session
                        .execute(
                            "window.scrollTo(0, arguments[0]);",
                            vec![json!(y.unwrap_or(0.0))],
                        )
                        .await?;
                }
            };
        }
    }
    Ok(Performed::Done)
}
