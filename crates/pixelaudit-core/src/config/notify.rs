//! The `[notify]` section, raw and validated: recipients, subject, when to send, SMTP server and TLS.

use std::time::Duration;

use serde::Deserialize;
use serde_spanned::Spanned;

use super::plan::Validator;
use super::suggest::did_you_mean;
use super::ConfigError;

/// The `[notify]` section: who gets the report by email, when, and through which SMTP server.
/// Credentials come from `PIXELAUDIT_SMTP_USERNAME` / `PIXELAUDIT_SMTP_PASSWORD` only.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotifyConfig {
    /// Recipients.
    pub to: Vec<Spanned<String>>,
    /// Sender.
    pub from: Spanned<String>,
    /// Subject template.
    #[serde(default)]
    pub subject: Option<Spanned<String>>,
    /// `always` (default), `failure` or `regression`.
    #[serde(default)]
    pub when: Option<Spanned<String>>,
    /// SMTP server.
    pub smtp_host: String,
    /// SMTP port (default 587, or 465 with `tls = "implicit"`): a number, or a string holding
    /// one, such as `"${SMTP_PORT}"`.
    #[serde(default, deserialize_with = "port")]
    pub smtp_port: Option<u16>,
    /// `starttls` (default), `implicit` or `none`.
    #[serde(default)]
    pub tls: Option<Spanned<String>>,
    /// A PEM file with an extra CA certificate to trust for the SMTP server (a company or
    /// test CA), relative to the config's folder; the system's roots are always trusted.
    #[serde(default)]
    pub smtp_ca_cert: Option<std::path::PathBuf>,
    /// Retries after a failed send (default 3).
    #[serde(default)]
    pub retries: Option<u32>,
    /// Wait before the first retry, in ms (default 2000; doubles each time).
    #[serde(default)]
    pub retry_backoff_ms: Option<u64>,
}

/// A port as a number or as a string (so that `${VAR}` can give it).
fn port<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<u16>, D::Error> {
    struct PortVisitor;

    impl serde::de::Visitor<'_> for PortVisitor {
        type Value = u16;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a port number, or a string holding one such as \"${SMTP_PORT}\"")
        }

        fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<u16, E> {
            u16::try_from(n).map_err(|_| E::custom(format!("{n} is not a port number")))
        }

        fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<u16, E> {
            text.trim()
                .parse()
                .map_err(|_| E::custom(format!("`{text}` is not a port number")))
        }
    }

    deserializer.deserialize_any(PortVisitor).map(Some)
}

/// When to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// After every run.
    Always,
    /// When the run has error findings.
    Failure,
    /// When something got worse since the previous run.
    Regression,
}

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// STARTTLS on a plain connection (port 587).
    Starttls,
    /// TLS from the first byte (port 465).
    Implicit,
    /// No TLS (local relays and tests only).
    None,
}

/// Validated delivery settings of a site.
#[derive(Debug, Clone)]
pub struct NotifyPlan {
    /// Recipients.
    pub to: Vec<String>,
    /// Sender.
    pub from: String,
    /// Subject template (minijinja: `site`, `status`, `errors`, `warnings`, `pages`, `events`,
    /// `new_findings`, `lost_events`).
    pub subject: String,
    /// When to send.
    pub when: When,
    /// SMTP server.
    pub host: String,
    /// SMTP port.
    pub port: u16,
    /// TLS mode.
    pub tls: TlsMode,
    /// An extra CA certificate (PEM) to trust.
    pub ca_cert: Option<std::path::PathBuf>,
    /// Attempts after the first one.
    pub retries: u32,
    /// Wait before the first retry (doubles each time).
    pub backoff: Duration,
}

/// The default subject.
pub const DEFAULT_SUBJECT: &str =
    "pixelaudit {{ site }}: {{ status }} — {{ errors }} error(s), {{ warnings }} warning(s)";

impl Validator<'_> {
    pub(super) fn notify(&self, n: &NotifyConfig) -> Result<NotifyPlan, ConfigError> {
        let choose = |value: Option<&Spanned<String>>,
                      names: &[&'static str],
                      what: &str|
         -> Result<Option<&'static str>, ConfigError> {
            let Some(value) = value else { return Ok(None) };
            names
                .iter()
                .find(|n| **n == value.get_ref())
                .map(|n| Some(*n))
                .ok_or_else(|| {
                    self.err(
                        Some(value.span()),
                        format!(
                            "unknown {what} `{}`{}; use one of {}",
                            value.get_ref(),
                            did_you_mean(value.get_ref(), names.iter().copied()),
                            names.join(", ")
                        ),
                    )
                })
        };
        let when = match self
            .keep(choose(
                n.when.as_ref(),
                &["always", "failure", "regression"],
                "`when`",
            ))
            .flatten()
        {
            Some("failure") => When::Failure,
            Some("regression") => When::Regression,
            _ => When::Always,
        };
        let tls = match self
            .keep(choose(
                n.tls.as_ref(),
                &["starttls", "implicit", "none"],
                "`tls`",
            ))
            .flatten()
        {
            Some("implicit") => TlsMode::Implicit,
            Some("none") => TlsMode::None,
            _ => TlsMode::Starttls,
        };
        for address in n.to.iter().chain(std::iter::once(&n.from)) {
            if address
                .get_ref()
                .parse::<lettre::message::Mailbox>()
                .is_err()
            {
                self.record(self.err(
                    Some(address.span()),
                    format!("`{}` is not an email address", address.get_ref()),
                ));
            }
        }
        if n.to.is_empty() {
            self.record(self.err(None, "[notify] needs at least one recipient in `to`"));
        }
        let subject = match &n.subject {
            Some(template) => {
                minijinja::Environment::new()
                    .template_from_str(template.get_ref())
                    .map_err(|e| {
                        self.err(
                            Some(template.span()),
                            format!("invalid subject template: {e}"),
                        )
                    })?;
                template.get_ref().clone()
            }
            None => crate::config::DEFAULT_SUBJECT.to_string(),
        };
        Ok(NotifyPlan {
            to: n.to.iter().map(|t| t.get_ref().clone()).collect(),
            from: n.from.get_ref().clone(),
            subject,
            when,
            host: n.smtp_host.clone(),
            port: n
                .smtp_port
                .unwrap_or(if tls == TlsMode::Implicit { 465 } else { 587 }),
            tls,
            ca_cert: n.smtp_ca_cert.as_ref().map(|path| self.file(path)),
            retries: n.retries.unwrap_or(3),
            backoff: Duration::from_millis(n.retry_backoff_ms.unwrap_or(2000)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::plan::tests::site;

    #[test]
    fn notify_section_is_validated() {
        let ok = site("[notify]\nto = [\"a@shop.test\"]\nfrom = \"audit@shop.test\"\nsmtp_host = \"smtp.shop.test\"\n").unwrap();
        let n = ok.notify.unwrap();
        assert_eq!(
            (n.port, n.tls, n.when, n.retries),
            (587, TlsMode::Starttls, When::Always, 3)
        );
        let e = site(
            "[notify]\nto = [\"not an address\"]\nfrom = \"audit@shop.test\"\nsmtp_host = \"h\"\n",
        )
        .unwrap_err();
        assert!(e.message.contains("not an email address"), "{}", e.message);
        assert_eq!(e.line, Some(3));
        let e = site("[notify]\nto = [\"a@shop.test\"]\nfrom = \"audit@shop.test\"\nsmtp_host = \"h\"\nwhen = \"failures\"\n").unwrap_err();
        assert!(
            e.message.contains("did you mean `failure`?"),
            "{}",
            e.message
        );
        let e = site("[notify]\nto = [\"a@shop.test\"]\nfrom = \"audit@shop.test\"\nsmtp_host = \"h\"\nsmtp_password = \"x\"\n").unwrap_err();
        assert!(
            e.message.contains("unknown field `smtp_password`"),
            "secrets never come from files: {}",
            e.message
        );
    }
}
