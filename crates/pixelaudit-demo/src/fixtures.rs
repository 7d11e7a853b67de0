//! `https://fixtures.test/<path>`: files from the fixtures directory, with `.headers` sidecars.
//!
//! A sidecar header replaces a default one of the same name (e.g. `Content-Type`).

use std::path::{Path, PathBuf};

use super::reply::Reply;
use super::router::Incoming;

/// The fixtures host name.
pub(crate) const FIXTURES_HOST: &str = "fixtures.test";

/// A second, cross-site host serving the same folder, for out-of-process iframe fixtures.
pub(crate) const FIXTURES_SANDBOX_HOST: &str = "fixtures-sandbox.test";

/// Suffix of the sidecar file whose `Name: value` lines are added to a fixture's response.
const HEADERS_SUFFIX: &str = ".headers";

/// Serves `<fixtures_dir>/<path>`; a path ending in `/` serves its `index.html`.
pub(crate) fn handle(request: &Incoming, fixtures_dir: Option<&Path>) -> Reply {
    let Some(root) = fixtures_dir else {
        return Reply::not_found();
    };
    if request.method == "POST" {
        // Fixture pages post to first-party collectors (server-side tagging endpoints).
        return Reply::status(204);
    }
    if request.method == "GET" && is_google_gateway_path(&request.path) {
        // A store's Google tag gateway forwards these to Google and answers like it.
        return Reply::status(204);
    }
    if request.method != "GET" && request.method != "HEAD" {
        return Reply::status(405).header("Allow", "GET, HEAD, POST");
    }
    let Some(relative) = safe_relative_path(&request.path) else {
        return Reply::new(403, Some("text/plain; charset=utf-8"), "Forbidden\n");
    };
    let Some(file) = resolve_inside(root, &relative) else {
        return Reply::not_found();
    };
    let Ok(body) = std::fs::read(&file) else {
        return Reply::not_found();
    };
    let mut reply = Reply::new(200, Some(content_type(&file)), body);
    let mut sidecar = file.clone().into_os_string();
    sidecar.push(HEADERS_SUFFIX);
    if let Ok(text) = std::fs::read_to_string(PathBuf::from(sidecar)) {
        let extra = parse_headers(&text);
        reply
            .headers
            .retain(|(name, _)| !extra.iter().any(|(e, _)| e.eq_ignore_ascii_case(name)));
        for (name, value) in extra {
            reply = reply.header(name, value);
        }
    }
    reply
}

/// `<prefix>/g/collect` and `<prefix>/g/d/ccm/conversion/<id>/`: what gtag.js sends through a
/// store's Google tag gateway.
fn is_google_gateway_path(path: &str) -> bool {
    path.ends_with("/g/collect") || path.contains("/ccm/conversion/")
}

/// Turns a URL path into a relative file path, or `None` if any segment tries to leave the
/// directory (`..`, an encoded slash or backslash, a NUL byte). Empty and `.` segments are skipped.
fn safe_relative_path(url_path: &str) -> Option<PathBuf> {
    let mut relative = PathBuf::new();
    for raw in url_path.split('/') {
        let segment = percent_decode(raw)?;
        if segment.is_empty() || segment == "." {
            continue;
        }
        if segment == ".." || segment.contains(['/', '\\', '\0']) || segment.contains(':') {
            return None;
        }
        relative.push(segment);
    }
    if url_path.ends_with('/') || relative.as_os_str().is_empty() {
        relative.push("index.html");
    }
    Some(relative)
}

/// Joins and canonicalises, and only accepts a regular file still inside `root` (no symlink
/// escape).
fn resolve_inside(root: &Path, relative: &Path) -> Option<PathBuf> {
    let root = root.canonicalize().ok()?;
    let file = root.join(relative).canonicalize().ok()?;
    (file.starts_with(&root) && file.is_file()).then_some(file)
}

/// Decodes `%XX` escapes; `None` for a malformed escape or bytes that are not UTF-8.
fn percent_decode(segment: &str) -> Option<String> {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// `Name: value` lines; blank lines and lines starting with `#` are ignored.
fn parse_headers(text: &str) -> Vec<(&str, &str)> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim(), value.trim()))
        .filter(|(name, _)| !name.is_empty())
        .collect()
}

/// Content type by file extension.
fn content_type(file: &Path) -> &'static str {
    let ext = file
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "js" | "mjs" => "application/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json; charset=utf-8",
        "txt" | "log" => "text/plain; charset=utf-8",
        "xml" => "application/xml",
        "svg" => "image/svg+xml",
        "gif" => "image/gif",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "eml" => "message/rfc822",
        "wasm" => "application/wasm",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod unit_tests {
    use super::*;

    #[test]
    fn traversal_segments_are_refused() {
        assert!(safe_relative_path("/../secret").is_none());
        assert!(safe_relative_path("/a/%2e%2e/secret").is_none());
        assert!(safe_relative_path("/a%2F..%2Fsecret").is_none());
        assert!(safe_relative_path("/a/..%5Csecret").is_none());
        assert!(safe_relative_path("/bad%zz").is_none());
        assert_eq!(
            safe_relative_path("/a/./b.html"),
            Some(PathBuf::from("a/b.html"))
        );
        assert_eq!(safe_relative_path("/"), Some(PathBuf::from("index.html")));
        assert_eq!(
            safe_relative_path("/dir/"),
            Some(PathBuf::from("dir/index.html"))
        );
        assert_eq!(
            safe_relative_path("/with%20space.html"),
            Some(PathBuf::from("with space.html"))
        );
    }

    #[test]
    fn sidecar_lines_become_headers() {
        let text =
            "# test\nContent-Security-Policy: script-src 'self'\n\nX-Demo:  yes \nbroken line\n";
        assert_eq!(
            parse_headers(text),
            vec![
                ("Content-Security-Policy", "script-src 'self'"),
                ("X-Demo", "yes")
            ]
        );
    }

    #[test]
    fn content_types_follow_the_extension() {
        assert_eq!(
            content_type(Path::new("a/b.HTML")),
            "text/html; charset=utf-8"
        );
        assert_eq!(
            content_type(Path::new("x.js")),
            "application/javascript; charset=utf-8"
        );
        assert_eq!(content_type(Path::new("noext")), "application/octet-stream");
    }
}
