//! Dispatch of one request: the status override, CORS preflights, then by `Host` to a site.

use std::path::Path;

use super::fixtures::{FIXTURES_HOST, FIXTURES_SANDBOX_HOST};
use super::reply::Reply;
use super::store::STORE_HOST;
use super::{esp_hosts, fixtures, store, vendor_hosts};

/// The query parameter that forces a response status, e.g. `?pixelaudit_status=500`.
pub(crate) const STATUS_PARAM: &str = "pixelaudit_status";

/// The parts of a request the routes look at.
#[derive(Debug, Clone)]
pub(crate) struct Incoming {
    /// `Host` without port, lower-cased.
    pub(crate) host: String,
    pub(crate) method: String,
    /// The path, still percent-encoded.
    pub(crate) path: String,
    pub(crate) query: Option<String>,
    /// The `Origin` request header.
    pub(crate) origin: Option<String>,
    /// The `Access-Control-Request-Headers` request header (preflights).
    pub(crate) request_headers: Option<String>,
}

impl Incoming {
    /// The first value of a query parameter, decoded.
    pub(crate) fn query_param(&self, name: &str) -> Option<String> {
        let query = self.query.as_deref()?;
        url::form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }
}

/// Routes a request to its answer. Unknown hosts and paths are 404.
pub(crate) fn route(request: &Incoming, fixtures_dir: Option<&Path>) -> Reply {
    if let Some(status) = forced_status(request) {
        return Reply::status(status).cors(request.origin.as_deref());
    }
    let known_host = request.host == STORE_HOST
        || request.host == FIXTURES_HOST
        || request.host == FIXTURES_SANDBOX_HOST
        || vendor_hosts::VENDOR_HOSTS.contains(&request.host.as_str())
        || esp_hosts::ESP_HOSTS.contains(&request.host.as_str());
    if !known_host {
        return Reply::not_found();
    }
    if request.method == "OPTIONS" {
        return preflight(request);
    }
    match request.host.as_str() {
        STORE_HOST => store::handle(request),
        FIXTURES_HOST | FIXTURES_SANDBOX_HOST => fixtures::handle(request, fixtures_dir),
        host if esp_hosts::ESP_HOSTS.contains(&host) => esp_hosts::handle(request),
        _ => vendor_hosts::handle(request),
    }
}

/// `pixelaudit_status=NNN` with NNN a final status (200–599).
fn forced_status(request: &Incoming) -> Option<u16> {
    request
        .query_param(STATUS_PARAM)?
        .parse()
        .ok()
        .filter(|s| (200..=599).contains(s))
}

/// Answers a CORS preflight the way the vendors' collectors do: allow the origin, credentials,
/// the usual methods and whatever headers were asked for.
fn preflight(request: &Incoming) -> Reply {
    let mut reply = Reply::status(204)
        .cors(request.origin.as_deref())
        .header("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
        .header("Access-Control-Max-Age", "0");
    if let Some(headers) = &request.request_headers {
        reply = reply.header("Access-Control-Allow-Headers", headers);
    }
    reply
}
