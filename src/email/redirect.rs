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

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A local HTTP server answering every request with `reply(path)` (raw HTTP/1.1), or
    /// never answering when `reply` gives `None`.
    async fn server(reply: fn(&str) -> Option<String>) -> u16 {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            loop {
                let Ok((mut socket, _)) = listener.accept().await else {
                    return;
                };
                tokio::spawn(async move {
                    let mut buf = vec![0u8; 4096];
                    let n = socket.read(&mut buf).await.unwrap_or(0);
                    let head = String::from_utf8_lossy(&buf[..n]).to_string();
                    let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
                    match reply(&path) {
                        Some(answer) => {
                            let _ = socket.write_all(answer.as_bytes()).await;
                        }
                        None => tokio::time::sleep(Duration::from_secs(30)).await,
                    }
                });
            }
        });
        port
    }

    fn client(timeout_ms: u64) -> reqwest::Client {
        super::client(
            reqwest::Client::builder(),
            Duration::from_millis(timeout_ms),
        )
        .unwrap()
    }

    #[tokio::test]
    async fn records_every_hop_and_lands_with_get() {
        let port = server(|path| {
            Some(match path {
                "/c/1" => "HTTP/1.1 302 Found\r\nLocation: /c/2\r\nContent-Length: 0\r\n\r\n".into(),
                "/c/2" => "HTTP/1.1 301 Moved\r\nLocation: /shop?utm_source=x\r\nContent-Length: 0\r\n\r\n".into(),
                _ => "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".into(),
            })
        })
        .await;
        let start = Url::parse(&format!("http://127.0.0.1:{port}/c/1")).unwrap();
        let chain = follow(&client(2000), &start, 10).await;
        let statuses: Vec<_> = chain.hops.iter().map(|h| h.status).collect();
        assert_eq!(statuses, [Some(302), Some(301), Some(200)]);
        assert_eq!(chain.error, None);
        assert_eq!(
            chain.final_url(),
            Some(format!("http://127.0.0.1:{port}/shop?utm_source=x").as_str())
        );
    }

    #[tokio::test]
    async fn a_redirect_loop_stops_at_the_limit() {
        let port = server(|_| {
            Some("HTTP/1.1 302 Found\r\nLocation: /again\r\nContent-Length: 0\r\n\r\n".into())
        })
        .await;
        let start = Url::parse(&format!("http://127.0.0.1:{port}/again")).unwrap();
        let chain = follow(&client(2000), &start, 3).await;
        assert_eq!(chain.hops.len(), 4);
        assert_eq!(chain.error.as_deref(), Some("more than 3 redirects"));
    }

    #[tokio::test]
    async fn a_silent_server_times_out_and_an_error_page_is_an_error() {
        let port = server(|path| {
            (path == "/gone").then(|| "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".into())
        })
        .await;
        let silent = Url::parse(&format!("http://127.0.0.1:{port}/slow")).unwrap();
        let chain = follow(&client(300), &silent, 3).await;
        assert_eq!(chain.hops.len(), 1);
        assert!(
            chain.error.as_deref().unwrap().starts_with("timed out"),
            "{chain:?}"
        );
        let gone = Url::parse(&format!("http://127.0.0.1:{port}/gone")).unwrap();
        let chain = follow(&client(2000), &gone, 3).await;
        assert_eq!(
            chain.error.as_deref(),
            Some("the landing page answers HTTP 404")
        );
        assert_eq!(chain.final_status(), Some(404));
    }

    #[tokio::test]
    async fn a_redirect_without_location_or_to_another_scheme_is_an_error() {
        let port = server(|path| {
            Some(match path {
                "/nowhere" => "HTTP/1.1 302 Found\r\nContent-Length: 0\r\n\r\n".into(),
                _ => "HTTP/1.1 302 Found\r\nLocation: mailto:a@b.test\r\nContent-Length: 0\r\n\r\n"
                    .into(),
            })
        })
        .await;
        let url = |p: &str| Url::parse(&format!("http://127.0.0.1:{port}{p}")).unwrap();
        let chain = follow(&client(2000), &url("/nowhere"), 3).await;
        assert_eq!(
            chain.error.as_deref(),
            Some("HTTP 302 without a Location header")
        );
        let chain = follow(&client(2000), &url("/mail"), 3).await;
        assert_eq!(chain.error.as_deref(), Some("redirects to a mailto: URL"));
    }
}
