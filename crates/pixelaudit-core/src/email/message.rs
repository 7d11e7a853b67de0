//! One parsed email: headers for the report and the HTML a mail client would show.

use mail_parser::{MessageParser, PartType};

/// What the audit needs of a message.
#[derive(Debug, Clone, Default)]
pub struct ParsedEmail {
    /// Subject.
    pub subject: Option<String>,
    /// Sender address.
    pub from: Option<String>,
    /// First recipient address.
    pub to: Option<String>,
    /// `Date:` as RFC 3339.
    pub date: Option<String>,
    /// `Message-ID:`.
    pub message_id: Option<String>,
    /// The HTML body (the first `text/html` part), decoded to UTF-8.
    pub html: Option<String>,
    /// Every top-level header as (name as written, value unfolded and trimmed), in order; the
    /// sending platform's and its relay's marks (`X-Kmail-*`, `X-SG-EID`, `Received:`) are here.
    pub headers: Vec<(String, String)>,
}

/// Parses RFC 5322 bytes (multipart, transfer encodings and charsets are decoded).
pub fn parse(bytes: &[u8]) -> Result<ParsedEmail, String> {
    let message = MessageParser::default()
        .parse(bytes)
        .filter(|m| !m.headers().is_empty())
        .ok_or("not an email (no RFC 5322 headers)")?;
    let html = (0..message.html_body_count()).find_map(|pos| {
        let part = message.html_part(pos as u32)?;
        match &part.body {
            PartType::Html(html) => Some(html.to_string()),
            _ => None,
        }
    });
    let address = |a: Option<&mail_parser::Address>| {
        a.and_then(|a| a.first())
            .and_then(|a| a.address())
            .map(str::to_string)
    };
    Ok(ParsedEmail {
        subject: message.subject().map(str::to_string),
        from: address(message.from()),
        to: address(message.to()),
        date: message.date().map(|d| d.to_rfc3339()),
        message_id: message.message_id().map(str::to_string),
        html,
        headers: message
            .headers_raw()
            .map(|(name, value)| {
                let unfolded: Vec<&str> = value.split_whitespace().collect();
                (name.to_string(), unfolded.join(" "))
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_quoted_printable_html_in_a_multipart_message() {
        let raw = "From: Shop <news@shop.test>\r\nTo: seed@inbox.test\r\nSubject: =?utf-8?q?Caf=C3=A9_sale?=\r\nDate: Sat, 28 Nov 2026 10:00:00 +0000\r\nMessage-ID: <1@shop.test>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nplain\r\n--b\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n<a href=3D\"https://shop.test/?utm_source=3Dx\">Caf=C3=A9</a>\r\n--b--\r\n";
        let email = parse(raw.as_bytes()).unwrap();
        assert_eq!(email.subject.as_deref(), Some("Café sale"));
        assert_eq!(email.from.as_deref(), Some("news@shop.test"));
        assert_eq!(email.to.as_deref(), Some("seed@inbox.test"));
        assert_eq!(email.message_id.as_deref(), Some("1@shop.test"));
        assert_eq!(email.date.as_deref(), Some("2026-11-28T10:00:00Z"));
        assert_eq!(
            email.headers[0],
            ("From".to_string(), "Shop <news@shop.test>".to_string())
        );
        assert_eq!(
            email.html.as_deref().map(str::trim),
            Some("<a href=\"https://shop.test/?utm_source=x\">Café</a>")
        );
    }

    #[test]
    fn folded_headers_are_unfolded() {
        let raw = "Received: from o1.sendgrid.net\r\n\tby mx.inbox.test;\r\n Tue, 01 Dec 2026\r\nX-SG-EID: u001.abc\r\nSubject: hi\r\n\r\nhello";
        let email = parse(raw.as_bytes()).unwrap();
        assert_eq!(
            email.headers,
            vec![
                (
                    "Received".to_string(),
                    "from o1.sendgrid.net by mx.inbox.test; Tue, 01 Dec 2026".to_string()
                ),
                ("X-SG-EID".to_string(), "u001.abc".to_string()),
                ("Subject".to_string(), "hi".to_string()),
            ]
        );
    }

    #[test]
    fn a_text_only_email_has_no_html() {
        let email = parse(b"Subject: hi\r\nContent-Type: text/plain\r\n\r\nhello").unwrap();
        assert_eq!(email.html, None);
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(parse(b"").is_err());
    }
}
