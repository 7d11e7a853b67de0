//! Following a link's redirect chain the way a recipient's browser would: GET, no cookies,
//! a timeout per request and a limit on hops, every hop recorded.

use std::time::{Duration, Instant};

use pixelaudit_core::email::{Chain, Hop};
use url::Url;

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
    let what = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "cannot connect"
    } else {
        "request failed"
    };
    crate::net::append_causes(what.to_string(), error)
}

#[cfg(test)]
mod tests {
    use pixelaudit_test_support::http::{Response, TestServer};

    use super::*;

    fn client(timeout_ms: u64) -> reqwest::Client {
        super::client(
            reqwest::Client::builder(),
            Duration::from_millis(timeout_ms),
        )
        .unwrap()
    }

    fn url(server: &TestServer, path: &str) -> Url {
        Url::parse(&server.url(path)).unwrap()
    }

    #[tokio::test]
    async fn records_every_hop_and_lands_with_get() {
        let server = TestServer::start(|request| match request.path() {
            "/c/1" => Response::redirect(302, "/c/2"),
            "/c/2" => Response::redirect(301, "/shop?utm_source=x"),
            _ => Response::new(200).body("ok"),
        });
        let chain = follow(&client(2000), &url(&server, "/c/1"), 10).await;
        let statuses: Vec<_> = chain.hops.iter().map(|h| h.status).collect();
        assert_eq!(statuses, [Some(302), Some(301), Some(200)]);
        assert_eq!(chain.error, None);
        assert_eq!(
            chain.final_url(),
            Some(server.url("/shop?utm_source=x").as_str())
        );
    }

    #[tokio::test]
    async fn a_redirect_loop_stops_at_the_limit() {
        let server = TestServer::start(|_| Response::redirect(302, "/again"));
        let chain = follow(&client(2000), &url(&server, "/again"), 3).await;
        assert_eq!(chain.hops.len(), 4);
        assert_eq!(chain.error.as_deref(), Some("more than 3 redirects"));
    }

    #[tokio::test]
    async fn a_silent_server_times_out_and_an_error_page_is_an_error() {
        let server = TestServer::start(|request| match request.path() {
            "/gone" => Response::new(404),
            _ => Response::hang(),
        });
        let chain = follow(&client(300), &url(&server, "/slow"), 3).await;
        assert_eq!(chain.hops.len(), 1);
        assert!(
            chain.error.as_deref().unwrap().starts_with("timed out"),
            "{chain:?}"
        );
        let chain = follow(&client(2000), &url(&server, "/gone"), 3).await;
        assert_eq!(
            chain.error.as_deref(),
            Some("the landing page answers HTTP 404")
        );
        assert_eq!(chain.final_status(), Some(404));
    }

    #[tokio::test]
    async fn a_redirect_without_location_or_to_another_scheme_is_an_error() {
        let server = TestServer::start(|request| match request.path() {
            "/nowhere" => Response::new(302),
            _ => Response::redirect(302, "mailto:a@b.test"),
        });
        let chain = follow(&client(2000), &url(&server, "/nowhere"), 3).await;
        assert_eq!(
            chain.error.as_deref(),
            Some("HTTP 302 without a Location header")
        );
        let chain = follow(&client(2000), &url(&server, "/mail"), 3).await;
        assert_eq!(chain.error.as_deref(), Some("redirects to a mailto: URL"));
    }
}
