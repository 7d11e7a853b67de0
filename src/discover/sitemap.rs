//! Sitemap files: `<urlset>` and `<sitemapindex>` XML (gzipped or not) and plain-text sitemaps.

use std::io::Read;

use quick_xml::events::Event;
use quick_xml::Reader;

/// What a sitemap file lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `<urlset>` or a text sitemap: page URLs.
    Pages,
    /// `<sitemapindex>`: more sitemaps.
    Index,
}

/// One parsed sitemap file: what could be read, and what went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Parsed {
    pub(crate) kind: Kind,
    /// `<loc>` values (or text lines), trimmed, in file order.
    pub(crate) locs: Vec<String>,
    /// Why reading stopped early or found nothing, if it did.
    pub(crate) error: Option<String>,
}

/// Parses a sitemap body, gunzipping it first when it starts with the gzip magic bytes.
/// `max_bytes` bounds the uncompressed size.
pub(crate) fn parse(body: &[u8], max_bytes: usize) -> Parsed {
    if body.starts_with(&[0x1f, 0x8b]) {
        let mut xml = Vec::new();
        let read = flate2::read::GzDecoder::new(body)
            .take(max_bytes as u64 + 1)
            .read_to_end(&mut xml);
        let mut parsed = parse_plain(&xml);
        let problem = match read {
            Err(e) => Some(format!("gzip: {e}")),
            Ok(n) if n > max_bytes => Some(format!("larger than {max_bytes} bytes uncompressed")),
            Ok(_) => None,
        };
        if let Some(problem) = problem {
            // The gzip problem explains any XML error it caused.
            parsed.error = Some(problem);
        }
        return parsed;
    }
    parse_plain(body)
}

fn parse_plain(body: &[u8]) -> Parsed {
    let text = String::from_utf8_lossy(body);
    let text = text.trim_start_matches('\u{feff}').trim_start();
    if text.is_empty() {
        return Parsed {
            kind: Kind::Pages,
            locs: Vec::new(),
            error: Some("empty".to_string()),
        };
    }
    if !text.starts_with('<') {
        return parse_text(text);
    }
    parse_xml(text)
}

/// A text sitemap: one URL per line.
fn parse_text(text: &str) -> Parsed {
    let locs: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("http://") || l.starts_with("https://"))
        .map(str::to_string)
        .collect();
    let error = locs
        .is_empty()
        .then(|| "neither XML nor a list of URLs".to_string());
    Parsed {
        kind: Kind::Pages,
        locs,
        error,
    }
}

fn parse_xml(text: &str) -> Parsed {
    let mut reader = Reader::from_str(text);
    reader.config_mut().trim_text(true);
    let mut kind = None;
    let mut locs = Vec::new();
    let mut error = None;
    // Local names of the open elements; only `<loc>` directly in `<url>`/`<sitemap>` counts
    // (not `<image:loc>` further down).
    let mut stack: Vec<String> = Vec::new();
    let mut loc: Option<String> = None;
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                if stack.is_empty() {
                    kind = Some(root_kind(&name));
                } else if stack.len() == 2
                    && name == "loc"
                    && matches!(stack[1].as_str(), "url" | "sitemap")
                {
                    loc = Some(String::new());
                }
                stack.push(name);
            }
            Ok(Event::Empty(e)) if stack.is_empty() => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                kind = Some(root_kind(&name));
            }
            Ok(Event::End(_)) => {
                if stack.len() == 3 {
                    if let Some(value) = loc.take() {
                        let value = value.trim();
                        if !value.is_empty() {
                            locs.push(value.to_string());
                        }
                    }
                }
                stack.pop();
            }
            Ok(Event::Text(t)) => {
                if let Some(loc) = loc.as_mut() {
                    loc.push_str(&String::from_utf8_lossy(&t.into_inner()));
                }
            }
            Ok(Event::CData(t)) => {
                if let Some(loc) = loc.as_mut() {
                    loc.push_str(&String::from_utf8_lossy(&t.into_inner()));
                }
            }
            Ok(Event::GeneralRef(r)) => {
                if let Some(loc) = loc.as_mut() {
                    let name = String::from_utf8_lossy(&r).into_owned();
                    match r.resolve_char_ref() {
                        Ok(Some(c)) => loc.push(c),
                        _ => match quick_xml::escape::resolve_predefined_entity(&name) {
                            Some(s) => loc.push_str(s),
                            None => {
                                loc.push('&');
                                loc.push_str(&name);
                                loc.push(';');
                            }
                        },
                    }
                }
            }
            Ok(Event::Eof) => {
                if let Some(open) = stack.last() {
                    error = Some(format!("truncated: <{open}> is not closed"));
                }
                break;
            }
            Ok(_) => {}
            Err(e) => {
                error = Some(format!(
                    "malformed XML at byte {}: {e}",
                    reader.error_position()
                ));
                break;
            }
        }
    }
    let kind = match kind {
        Some(Ok(kind)) => kind,
        Some(Err(root)) => {
            return Parsed {
                kind: Kind::Pages,
                locs: Vec::new(),
                error: Some(format!("not a sitemap (root element <{root}>)")),
            }
        }
        None => {
            return Parsed {
                kind: Kind::Pages,
                locs,
                error: error.or_else(|| Some("no root element".to_string())),
            }
        }
    };
    Parsed { kind, locs, error }
}

fn root_kind(name: &str) -> Result<Kind, String> {
    match name {
        "urlset" => Ok(Kind::Pages),
        "sitemapindex" => Ok(Kind::Index),
        other => Err(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    const MAX: usize = 1 << 20;

    #[test]
    fn urlset_takes_only_page_locs() {
        let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">
  <url>
    <loc>https://shop.example/products/a?x=1&amp;y=2</loc>
    <lastmod>2024-01-01</lastmod>
    <image:image><image:loc>https://cdn.shopify.com/a.jpg</image:loc></image:image>
  </url>
  <url><loc><![CDATA[https://shop.example/products/b]]></loc></url>
  <url><loc> https://shop.example/products/&#99; </loc></url>
</urlset>"#;
        let parsed = parse(xml.as_bytes(), MAX);
        assert_eq!(parsed.kind, Kind::Pages);
        assert_eq!(parsed.error, None);
        assert_eq!(
            parsed.locs,
            [
                "https://shop.example/products/a?x=1&y=2",
                "https://shop.example/products/b",
                "https://shop.example/products/c",
            ]
        );
    }

    #[test]
    fn index_and_gzip() {
        let xml = r#"<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>https://shop.example/sitemap_products_1.xml?from=1&amp;to=99</loc></sitemap>
<sitemap><loc>https://shop.example/sitemap_pages_1.xml</loc></sitemap>
</sitemapindex>"#;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(xml.as_bytes()).unwrap();
        let gz = gz.finish().unwrap();
        for body in [xml.as_bytes(), &gz[..]] {
            let parsed = parse(body, MAX);
            assert_eq!(parsed.kind, Kind::Index);
            assert_eq!(parsed.error, None);
            assert_eq!(
                parsed.locs,
                [
                    "https://shop.example/sitemap_products_1.xml?from=1&to=99",
                    "https://shop.example/sitemap_pages_1.xml",
                ]
            );
        }
        // A gzip bomb stops at the limit.
        let parsed = parse(&gz, 100);
        assert!(parsed.error.unwrap().contains("larger than 100 bytes"));
    }

    #[test]
    fn malformed_keeps_what_was_read() {
        let xml = "<urlset><url><loc>https://s.example/a</loc></url><url><loc>https://s.example/b</loc></uurl></urlset>";
        let parsed = parse(xml.as_bytes(), MAX);
        assert_eq!(parsed.locs, ["https://s.example/a", "https://s.example/b"]);
        assert!(parsed.error.unwrap().contains("malformed XML"));

        let truncated = "<urlset><url><loc>https://s.example/a</loc></url><url><loc>https://s.ex";
        let parsed = parse(truncated.as_bytes(), MAX);
        assert_eq!(parsed.locs, ["https://s.example/a"]);
        assert!(parsed.error.is_some());
    }

    #[test]
    fn text_and_non_sitemaps() {
        let parsed = parse(b"https://s.example/a\n\nhttps://s.example/b\r\n", MAX);
        assert_eq!(parsed.kind, Kind::Pages);
        assert_eq!(parsed.locs, ["https://s.example/a", "https://s.example/b"]);
        assert_eq!(parsed.error, None);

        let html = parse(b"<html><body>Not found</body></html>", MAX);
        assert!(html.locs.is_empty());
        assert!(html.error.unwrap().contains("root element <html>"));
        assert!(parse(b"", MAX).error.is_some());
        assert!(parse(b"hello", MAX).error.is_some());
    }
}
