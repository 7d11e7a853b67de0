//! The mailbox URL: `imaps://[user@]host[:port][/FOLDER][?subject=TEXT]` parsed into an
//! [`ImapSource`], shown again (never with a password), and one message's label.

use std::fmt;

use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, CONTROLS};

use super::{ImapError, PASSWORD_ENV};

/// How the connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// `imaps://`: TLS from the first byte.
    Implicit,
    /// `imap://`: plaintext greeting, then `STARTTLS`, which must succeed.
    StartTls,
    /// `imap://…?tls=none`: no TLS at all (local testing only).
    None,
}

/// A mailbox to read, parsed from `imaps://[user@]host[:port][/FOLDER][?subject=TEXT]` or
/// `imap://…` (STARTTLS, `?tls=none` for plaintext).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImapSource {
    /// Transport security.
    pub security: Security,
    /// Server host name (or IP address), used for TLS verification even when connecting elsewhere.
    pub host: String,
    /// Server port (993 for imaps, 143 for imap unless given).
    pub port: u16,
    /// User name from the URL, if any.
    pub user: Option<String>,
    /// Folder to read (`INBOX` unless given), percent-decoded.
    pub folder: String,
    /// Only messages whose Subject contains this text (server-side `SEARCH SUBJECT`).
    pub subject: Option<String>,
}

const PATH_SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b';')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}');

impl ImapSource {
    /// Parses a mailbox URL; a password in the URL is rejected (use [`PASSWORD_ENV`]).
    pub fn parse(url: &str) -> Result<ImapSource, ImapError> {
        let bad = |msg: &str| ImapError::BadUrl(msg.to_string());
        // The url crate's messages never echo the input, so they cannot leak a password.
        let parsed = url::Url::parse(url.trim()).map_err(|e| ImapError::BadUrl(e.to_string()))?;
        if parsed.password().is_some() {
            return Err(ImapError::BadUrl(format!(
                "the URL contains a password; remove it and set {PASSWORD_ENV} instead"
            )));
        }
        let (mut security, default_port) = match parsed.scheme() {
            "imaps" => (Security::Implicit, 993),
            "imap" => (Security::StartTls, 143),
            other => return Err(ImapError::BadUrl(format!("unsupported scheme {other:?}"))),
        };
        let host = match parsed.host() {
            Some(url::Host::Domain(d)) if d.contains('%') => {
                return Err(bad(
                    "write a non-ASCII host name in its xn-- (punycode) form",
                ))
            }
            Some(url::Host::Domain("")) | None => return Err(bad("the host is missing")),
            Some(url::Host::Domain(d)) => d.to_ascii_lowercase(),
            Some(url::Host::Ipv4(ip)) => ip.to_string(),
            Some(url::Host::Ipv6(ip)) => ip.to_string(),
        };
        let port = match parsed.port() {
            Some(0) => return Err(bad("port 0 is not a valid port")),
            Some(p) => p,
            None => default_port,
        };
        let user = match parsed.username() {
            "" => None,
            raw => Some(decode(raw, "user name")?),
        };
        let path = parsed.path().trim_start_matches('/').trim_end_matches('/');
        let folder = match decode(path, "folder")? {
            f if f.is_empty() => "INBOX".to_string(),
            f => f,
        };
        if folder.chars().any(|c| c.is_control()) {
            return Err(bad("the folder name contains control characters"));
        }
        if parsed.fragment().is_some() {
            return Err(bad("a #fragment has no meaning in a mailbox URL"));
        }
        let mut subject = None;
        let mut tls_seen = false;
        for (key, value) in parsed.query_pairs() {
            match key.as_ref() {
                "subject" if subject.is_some() => return Err(bad("subject= is given twice")),
                "subject" if value.is_empty() => return Err(bad("subject= is empty")),
                "subject" if value.chars().any(|c| c.is_control()) => {
                    return Err(bad("subject= contains control characters"))
                }
                "subject" => subject = Some(value.into_owned()),
                "tls" if tls_seen => return Err(bad("tls= is given twice")),
                "tls" => {
                    tls_seen = true;
                    security = match (security, value.as_ref()) {
                        (Security::StartTls, "starttls") => Security::StartTls,
                        (Security::StartTls, "none") => Security::None,
                        (Security::StartTls, _) => {
                            return Err(bad("tls= must be starttls or none"));
                        }
                        _ => {
                            return Err(bad(
                                "tls= applies to imap:// only (imaps:// is always TLS)",
                            ))
                        }
                    };
                }
                other => {
                    return Err(ImapError::BadUrl(format!(
                        "unknown parameter {other:?} (known: subject, tls)"
                    )))
                }
            }
        }
        Ok(ImapSource {
            security,
            host,
            port,
            user,
            folder,
            subject,
        })
    }

    fn scheme(&self) -> &'static str {
        match self.security {
            Security::Implicit => "imaps",
            _ => "imap",
        }
    }

    /// The host as written in a URL (IPv6 in brackets).
    pub(super) fn url_host(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        }
    }

    /// `host[:port]`, the port only when it is not the scheme's default.
    fn host_port(&self) -> String {
        let default = match self.security {
            Security::Implicit => 993,
            _ => 143,
        };
        if self.port == default {
            self.url_host()
        } else {
            format!("{}:{}", self.url_host(), self.port)
        }
    }

    /// A URL naming one message, e.g. `imaps://imap.example.com/INBOX;UID=12`.
    pub fn label(&self, uid: u32) -> String {
        format!(
            "{}://{}/{};UID={uid}",
            self.scheme(),
            self.host_port(),
            utf8_percent_encode(&self.folder, PATH_SEGMENT)
        )
    }
}

impl fmt::Display for ImapSource {
    /// The URL again (never with a password).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://", self.scheme())?;
        if let Some(user) = &self.user {
            write!(
                f,
                "{}@",
                utf8_percent_encode(user, PATH_SEGMENT)
                    .to_string()
                    .replace('@', "%40")
            )?;
        }
        write!(
            f,
            "{}/{}",
            self.host_port(),
            utf8_percent_encode(&self.folder, PATH_SEGMENT)
        )?;
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        if self.security == Security::None {
            query.append_pair("tls", "none");
        }
        if let Some(subject) = &self.subject {
            query.append_pair("subject", subject);
        }
        match query.finish() {
            q if q.is_empty() => Ok(()),
            q => write!(f, "?{q}"),
        }
    }
}

fn decode(raw: &str, what: &str) -> Result<String, ImapError> {
    percent_decode_str(raw)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| {
            ImapError::BadUrl(format!(
                "the {what} is not valid UTF-8 once percent-decoded"
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imaps_defaults() {
        let s = ImapSource::parse("imaps://mail.example.com").unwrap();
        assert_eq!(s.security, Security::Implicit);
        assert_eq!(s.host, "mail.example.com");
        assert_eq!(s.port, 993);
        assert_eq!(s.user, None);
        assert_eq!(s.folder, "INBOX");
        assert_eq!(s.subject, None);
        assert_eq!(s.to_string(), "imaps://mail.example.com/INBOX");
        assert_eq!(s.label(12), "imaps://mail.example.com/INBOX;UID=12");
    }

    #[test]
    fn imap_defaults_to_starttls_on_143() {
        let s = ImapSource::parse("imap://Mail.Example.com/").unwrap();
        assert_eq!(s.security, Security::StartTls);
        assert_eq!(s.port, 143);
        assert_eq!(s.host, "mail.example.com");
        assert_eq!(s.folder, "INBOX");
        let s = ImapSource::parse("imap://h?tls=starttls").unwrap();
        assert_eq!(s.security, Security::StartTls);
    }

    #[test]
    fn ports_user_folder_subject() {
        let s = ImapSource::parse(
            "imaps://qa%40shop.test@127.0.0.1:1993/Test%20Emails/Promo%C3%A9?subject=Black%20Friday+%26+more",
        )
        .unwrap();
        assert_eq!(s.port, 1993);
        assert_eq!(s.host, "127.0.0.1");
        assert_eq!(s.user.as_deref(), Some("qa@shop.test"));
        assert_eq!(s.folder, "Test Emails/Promoé");
        assert_eq!(s.subject.as_deref(), Some("Black Friday & more"));
        assert_eq!(
            s.label(3),
            "imaps://127.0.0.1:1993/Test%20Emails/Promo%C3%A9;UID=3"
        );
        // Display round-trips.
        assert_eq!(ImapSource::parse(&s.to_string()).unwrap(), s);
    }

    #[test]
    fn ipv6_host() {
        let s = ImapSource::parse("imap://[::1]:1143/INBOX?tls=none").unwrap();
        assert_eq!(s.host, "::1");
        assert_eq!(s.port, 1143);
        assert_eq!(s.security, Security::None);
        assert_eq!(s.label(1), "imap://[::1]:1143/INBOX;UID=1");
        assert_eq!(ImapSource::parse(&s.to_string()).unwrap(), s);
    }

    #[test]
    fn password_in_url_is_rejected_without_echoing_it() {
        let err = ImapSource::parse("imaps://user:hunter2@mail.example.com/INBOX").unwrap_err();
        let text = err.to_string();
        assert!(text.contains(PASSWORD_ENV), "{text}");
        assert!(!text.contains("hunter2") && !format!("{err:?}").contains("hunter2"));
    }

    #[test]
    fn bad_urls() {
        for url in [
            "https://mail.example.com",
            "imaps://",
            "imaps:///INBOX",
            "imaps://h:0",
            "imaps://h?tls=none",
            "imap://h?tls=maybe",
            "imaps://h?subject=",
            "imaps://h?subject=a&subject=b",
            "imaps://h?sbject=typo",
            "imaps://h/IN%0ABOX",
            "imaps://h?subject=a%0Db",
            "imaps://h/INBOX#frag",
            "imaps://h/%FF",
            "not a url",
        ] {
            assert!(
                matches!(ImapSource::parse(url), Err(ImapError::BadUrl(_))),
                "{url} should be rejected"
            );
        }
    }
}
