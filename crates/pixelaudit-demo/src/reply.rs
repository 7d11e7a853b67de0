//! The response value every demo route returns, and its common shapes (script, GIF, JSON, 404).

use bytes::Bytes;

/// The 1×1 transparent GIF that image pixels answer with.
const PIXEL_GIF: &[u8] = include_bytes!("assets/pixel.gif");

/// A response, independent of hyper; `server` turns it into an HTTP response.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Bytes,
}

impl Reply {
    /// A response with a status, a content type (if any) and a body.
    pub(crate) fn new(status: u16, content_type: Option<&str>, body: impl Into<Bytes>) -> Self {
        let mut headers = Vec::new();
        if let Some(ct) = content_type {
            headers.push(("Content-Type".to_string(), ct.to_string()));
        }
        Reply {
            status,
            headers,
            body: body.into(),
        }
    }

    /// A body-less response with only a status.
    pub(crate) fn status(status: u16) -> Self {
        Reply::new(status, None, Bytes::new())
    }

    /// `200` HTML page.
    pub(crate) fn html(body: impl Into<Bytes>) -> Self {
        Reply::new(200, Some("text/html; charset=utf-8"), body)
    }

    /// `200` JavaScript.
    pub(crate) fn javascript(body: impl Into<Bytes>) -> Self {
        Reply::new(200, Some("application/javascript; charset=utf-8"), body)
    }

    /// `200` JSON.
    pub(crate) fn json(status: u16, body: impl Into<Bytes>) -> Self {
        Reply::new(status, Some("application/json; charset=utf-8"), body)
    }

    /// `200` 1×1 transparent GIF, the answer of image pixels.
    pub(crate) fn gif() -> Self {
        Reply::new(200, Some("image/gif"), Bytes::from_static(PIXEL_GIF))
    }

    /// `404` with a short plain-text body.
    pub(crate) fn not_found() -> Self {
        Reply::new(404, Some("text/plain; charset=utf-8"), "Not Found\n")
    }

    /// Adds a response header.
    pub(crate) fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// Adds the credentialed CORS headers a vendor endpoint sends back to a browser origin.
    pub(crate) fn cors(self, origin: Option<&str>) -> Self {
        match origin {
            Some(origin) => self
                .header("Access-Control-Allow-Origin", origin)
                .header("Access-Control-Allow-Credentials", "true")
                .header("Vary", "Origin"),
            None => self,
        }
    }
}
