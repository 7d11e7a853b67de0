//! One bounded GET: a total time limit, a body size cap, and errors as text for notes.

use std::time::Duration;

use url::Url;

/// Accept header for HTML pages.
pub(crate) const ACCEPT_HTML: &str = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5";
/// Accept header for robots.txt and sitemaps.
pub(crate) const ACCEPT_ANY: &str = "text/plain,application/xml,text/xml;q=0.9,*/*;q=0.5";

/// A response, its body read up to a cap.
#[derive(Debug)]
pub(crate) struct Fetched {
    /// The URL after redirects.
    pub(crate) url: Url,
    pub(crate) status: u16,
    /// The `Content-Type` header, lowercased.
    pub(crate) content_type: Option<String>,
    pub(crate) body: Vec<u8>,
    /// Whether the body was cut at the cap.
    pub(crate) truncated: bool,
}

impl Fetched {
    /// Whether the response is a success.
    pub(crate) fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// Whether the response is HTML, by `Content-Type` or, without one, by its first bytes.
    pub(crate) fn is_html(&self) -> bool {
        match &self.content_type {
            Some(ct) => ct.contains("text/html") || ct.contains("application/xhtml+xml"),
            None => {
                let start = String::from_utf8_lossy(&self.body[..self.body.len().min(512)])
                    .trim_start()
                    .to_ascii_lowercase();
                start.starts_with("<!doctype html") || start.starts_with("<html")
            }
        }
    }
}

/// Why a fetch failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum FetchError {
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    #[error("{0}")]
    Http(String),
}

/// GETs `url` with `client`, giving up after `timeout` (body included) and reading at most
/// `max_bytes` of the body.
pub(crate) async fn get(
    client: &reqwest::Client,
    url: &Url,
    accept: &str,
    timeout: Duration,
    max_bytes: usize,
) -> Result<Fetched, FetchError> {
    let request = async {
        let mut response = client
            .get(url.clone())
            .header(reqwest::header::ACCEPT, accept)
            .send()
            .await
            .map_err(describe)?;
        let status = response.status().as_u16();
        let final_url = response.url().clone();
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_ascii_lowercase);
        let mut body = Vec::new();
        let mut truncated = false;
        while let Some(chunk) = response.chunk().await.map_err(describe)? {
            let room = max_bytes - body.len();
            if chunk.len() > room {
                body.extend_from_slice(&chunk[..room]);
                truncated = true;
                break;
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Fetched {
            url: final_url,
            status,
            content_type,
            body,
            truncated,
        })
    };
    match tokio::time::timeout(timeout, request).await {
        Ok(result) => result,
        Err(_) => Err(FetchError::Timeout(timeout)),
    }
}

/// reqwest's message with its causes ("error sending request: connection refused").
fn describe(error: reqwest::Error) -> FetchError {
    let error = error.without_url();
    FetchError::Http(crate::net::append_causes(error.to_string(), &error))
}
