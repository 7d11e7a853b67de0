//! Following a link's redirect chain the way a recipient's browser would: GET, no cookies,
//! a timeout per request and a limit on hops, every hop recorded.

use std::time::{Duration, Instant};

use serde::Serialize;
use url::Url;

/// One request of a chain.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Hop {
    /// The URL requested.
    pub url: String,
    /// The status answered, if any.
    pub status: Option<u16>,
    /// How long it took, in ms.
    pub ms: f64,
}

/// Where a link really goes.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Chain {
    /// Every request, in order; the last one is the landing page.
    pub hops: Vec<Hop>,
    /// Why the chain did not end on a 2xx page, if it did not.
    pub error: Option<String>,
}

impl Chain {
    /// The last URL reached.
    pub fn final_url(&self) -> Option<&str> {
        self.hops.last().map(|h| h.url.as_str())
    }

    /// The last status answered.
    pub fn final_status(&self) -> Option<u16> {
        self.hops.last().and_then(|h| h.status)
    }
}

/// Follows redirects from `start` with `client` (built without redirects or cookies).
pub async fn follow(client: &reqwest::Client, start: &Url, max_redirects: usize) -> Chain {
    let mut hops = Vec::new();
    let mut url = start.clone();
    loop {
        let began = Instant::now();
        let response = client.get(url.clone()).send().await;
        let ms = (began.elapsed().as_secs_f64() * 10_000.0).round() / 10.0;
        let response = match response {
            Ok(response) => response,
            Err(error) => {
                hops.push(Hop {
                    url: url.to_string(),
                    status: None,
                    ms,
                });
                return Chain {
                    hops,
                    error: Some(describe(&error)),
                };
            }
        };
        let status = response.status();
        hops.push(Hop {
            url: url.to_string(),
            status: Some(status.as_u16()),
            ms,
        });
        if status.is_redirection() {
            let location = response
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|l| l.to_str().ok())
                .map(str::to_string);
            let Some(location) = location else {
                return Chain {
                    hops,
                    error: Some(format!(
                        "HTTP {} without a Location header",
                        status.as_u16()
                    )),
                };
            };
            let next = match url.join(&location) {
                Ok(next) => next,
                Err(e) => {
                    return Chain {
                        hops,
                        error: Some(format!("invalid Location `{location}`: {e}")),
                    }
                }
            };
            if hops.len() > max_redirects {
                return Chain {
                    hops,
                    error: Some(format!("more than {max_redirects} redirects")),
                };
            }
            if !matches!(next.scheme(), "http" | "https") {
                hops.push(Hop {
                    url: next.to_string(),
                    status: None,
                    ms: 0.0,
                });
                return Chain {
                    hops,
                    error: Some(format!("redirects to a {}: URL", next.scheme())),
                };
            }
            url = next;
            continue;
        }
        let error = (!status.is_success())
            .then(|| format!("the landing page answers HTTP {}", status.as_u16()));
        return Chain { hops, error };
    }
}

/// A client for [`follow`]: no automatic redirects, no cookies, a timeout per request.
pub fn client(
    builder: reqwest::ClientBuilder,
    timeout: Duration,
) -> Result<reqwest::Client, String> {
    builder
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {e}"))
}

/// reqwest's error with its causes, which hold the useful part (DNS, TLS, refused).
fn describe(error: &reqwest::Error) -> String {
    let mut text = if error.is_timeout() {
        "timed out".to_string()
    } else if error.is_connect() {
        "cannot connect".to_string()
    } else {
        "request failed".to_string()
    };
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        let line = cause.to_string();
        if !text.contains(&line) {
            text.push_str(": ");
            text.push_str(&line);
        }
        source = cause.source();
    }
    text
}
