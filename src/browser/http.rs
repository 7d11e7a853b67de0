//! A tiny HTTP/1.1 GET for the browser's DevTools endpoint (`/json/version`).

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::BrowserError;

/// GETs `http://{authority}{path}` and returns the body. HTTP/1.1 (chromedriver and
/// Chromium reject HTTP/1.0), `Connection: close`, read to end.
pub(crate) async fn get(authority: &str, path: &str) -> Result<String, BrowserError> {
    let fail = |e: String| BrowserError::Cdp(format!("GET http://{authority}{path}: {e}"));
    let io = async {
        let mut stream = TcpStream::connect(authority).await?;
        let request =
            format!("GET {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await?;
        // chromedriver keeps the connection open despite `Connection: close`: read up to
        // Content-Length instead of to end of stream.
        let mut buf = Vec::new();
        let mut chunk = [0u8; 8192];
        loop {
            let n = stream.read(&mut chunk).await?;
            if n == 0 {
                break;
            }
            buf.extend_from_slice(&chunk[..n]);
            if let Some(end) = complete_length(&buf) {
                buf.truncate(end);
                break;
            }
        }
        Ok::<_, std::io::Error>(buf)
    };
    let buf = tokio::time::timeout(Duration::from_secs(10), io)
        .await
        .map_err(|_| fail("timed out".into()))?
        .map_err(|e| fail(e.to_string()))?;
    let text = String::from_utf8_lossy(&buf);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| fail("malformed response".into()))?;
    if !head.starts_with("HTTP/1.1 200") {
        return Err(fail(head.lines().next().unwrap_or_default().to_string()));
    }
    Ok(body.to_string())
}

/// The full length of a response in `buf` once its headers and Content-Length body are in.
fn complete_length(buf: &[u8]) -> Option<usize> {
    let head_end = buf.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let head = String::from_utf8_lossy(&buf[..head_end]);
    let length: usize = head.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.trim()
            .eq_ignore_ascii_case("content-length")
            .then(|| value.trim().parse().ok())?
    })?;
    (buf.len() >= head_end + length).then_some(head_end + length)
}

#[cfg(test)]
mod tests {
    use super::complete_length;

    #[test]
    fn length_is_read_from_chromedriver_style_headers() {
        let head = b"HTTP/1.1 200 OK\r\nContent-Length:5\r\n\r\n";
        let mut buf = head.to_vec();
        assert_eq!(complete_length(&buf), None);
        buf.extend_from_slice(b"hello");
        assert_eq!(complete_length(&buf), Some(head.len() + 5));
    }
}
