//! Rendering an email's HTML in Chromium as a mail client that loads images would (scripts
//! off), and reading what each open pixel's request got.

use base64::Engine;

use pixelaudit_browser::{IdleOptions, PageCapture, Session};
use pixelaudit_core::model::CapturedRequest;

/// Loads `html` as a document with JavaScript off and returns every request it made.
pub async fn render(
    session: &Session,
    html: &str,
    idle: IdleOptions,
) -> Result<PageCapture, String> {
    session
        .set_scripts_enabled(false)
        .await
        .map_err(|e| e.to_string())?;
    let url = format!(
        "data:text/html;charset=utf-8;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(html)
    );
    let visit = session.visit(&url, idle).await;
    let restored = session.set_scripts_enabled(true).await;
    if let Some(error) = visit.navigation_error {
        return Err(format!("Chromium could not render the email: {error}"));
    }
    restored.map_err(|e| e.to_string())?;
    Ok(visit.capture)
}

/// The request for `url` among `requests` (URLs compared after parsing, so encodings agree).
pub fn request_for<'a>(
    requests: &'a [CapturedRequest],
    url: &url::Url,
) -> Option<&'a CapturedRequest> {
    requests
        .iter()
        .find(|r| url::Url::parse(&r.url).is_ok_and(|u| u == *url))
}
