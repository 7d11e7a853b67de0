//! The `[network]` section and `--resolve PATTERN=ADDR:PORT`: host overrides, parsed, validated and matched, and the trust settings.

use std::fmt;
use std::net::SocketAddr;
use std::str::FromStr;

use serde::Deserialize;
use serde_spanned::Spanned;

use super::plan::Validator;
use super::ConfigError;

/// The `[network]` section: one network view for Chromium, the redirect follower, IMAP and
/// filter-list downloads (the same as `--resolve`, `--ca-cert`, `--insecure`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkConfig {
    /// `PATTERN=ADDR:PORT` overrides: an exact host or `*.domain`.
    #[serde(default)]
    pub resolve: Vec<Spanned<String>>,
    /// PEM files with certificates to trust on top of the system roots (relative to the
    /// config's folder).
    #[serde(default)]
    pub ca_cert: Vec<std::path::PathBuf>,
    /// Accept any certificate (local testing only).
    #[serde(default)]
    pub insecure: bool,
}

/// Validated `[network]` settings; the CLI's `--resolve`, `--ca-cert`, `--insecure` add to them.
#[derive(Debug, Clone, Default)]
pub struct NetworkPlan {
    /// Host overrides, first match wins.
    pub resolve: Vec<ResolveRule>,
    /// PEM files to trust.
    pub ca_certs: Vec<std::path::PathBuf>,
    /// Accept any certificate.
    pub insecure: bool,
}

/// Which hosts a rule covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostPattern {
    /// Exactly this host.
    Exact(String),
    /// Any subdomain of this domain (`*.example.com`; not `example.com` itself, as in Chromium).
    Subdomains(String),
}

impl HostPattern {
    /// Whether `host` is covered.
    pub fn matches(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        match self {
            HostPattern::Exact(name) => host == *name,
            HostPattern::Subdomains(domain) => host
                .strip_suffix(domain.as_str())
                .is_some_and(|rest| rest.len() > 1 && rest.ends_with('.')),
        }
    }
}

impl fmt::Display for HostPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HostPattern::Exact(name) => f.write_str(name),
            HostPattern::Subdomains(domain) => write!(f, "*.{domain}"),
        }
    }
}

/// One override: hosts matching `pattern` are reached at `addr`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolveRule {
    /// Hosts.
    pub pattern: HostPattern,
    /// Address and port to connect to instead.
    pub addr: SocketAddr,
}

impl ResolveRule {
    /// The rule in Chromium's `--host-resolver-rules` syntax.
    pub fn chromium(&self) -> String {
        format!("MAP {} {}", self.pattern, self.addr)
    }
}

impl FromStr for ResolveRule {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let usage = "expected PATTERN=ADDR:PORT, e.g. shop.test=127.0.0.1:8443 or *.klclick.com=127.0.0.1:8443";
        let (pattern, addr) = text
            .split_once('=')
            .ok_or_else(|| format!("`{text}`: {usage}"))?;
        let addr: SocketAddr = addr
            .trim()
            .parse()
            .map_err(|_| format!("`{addr}` is not an ADDR:PORT (IPv6 as [::1]:443); {usage}"))?;
        let pattern = pattern.trim().to_ascii_lowercase();
        let valid = |name: &str| {
            !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        };
        let pattern = match pattern.strip_prefix("*.") {
            Some(domain) if valid(domain) => HostPattern::Subdomains(domain.to_string()),
            None if valid(&pattern) => HostPattern::Exact(pattern),
            _ => return Err(format!("`{pattern}` is not a host or *.domain; {usage}")),
        };
        Ok(ResolveRule { pattern, addr })
    }
}

impl<'de> serde::Deserialize<'de> for ResolveRule {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// The first rule matching `host`.
pub fn lookup(rules: &[ResolveRule], host: &str) -> Option<SocketAddr> {
    rules
        .iter()
        .find(|rule| rule.pattern.matches(host))
        .map(|rule| rule.addr)
}

impl Validator<'_> {
    pub(super) fn network(&self, n: &NetworkConfig) -> Result<NetworkPlan, ConfigError> {
        let resolve = n
            .resolve
            .iter()
            .filter_map(|rule| {
                self.keep(
                    rule.get_ref()
                        .parse::<ResolveRule>()
                        .map_err(|message| self.err(Some(rule.span()), message)),
                )
            })
            .collect();
        Ok(NetworkPlan {
            resolve,
            ca_certs: n.ca_cert.iter().map(|path| self.file(path)).collect(),
            insecure: n.insecure,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::plan::tests::site;

    #[test]
    fn parses_exact_and_wildcard_patterns() {
        let rule: ResolveRule = "Shop.Test=127.0.0.1:8443".parse().unwrap();
        assert_eq!(rule.pattern, HostPattern::Exact("shop.test".into()));
        assert_eq!(rule.addr, "127.0.0.1:8443".parse().unwrap());
        let rule: ResolveRule = "*.list-manage.com=[::1]:443".parse().unwrap();
        assert_eq!(
            rule.pattern,
            HostPattern::Subdomains("list-manage.com".into())
        );
        assert!(rule.pattern.matches("acme.us1.list-manage.com"));
        assert!(!rule.pattern.matches("list-manage.com"));
        assert!(!rule.pattern.matches("evil-list-manage.com"));
    }

    #[test]
    fn rejects_what_it_cannot_use_with_the_expected_shape() {
        for bad in [
            "shop.test",
            "shop.test=127.0.0.1",
            "=127.0.0.1:1",
            "a b=127.0.0.1:1",
            "*.=1.2.3.4:5",
        ] {
            let error = bad.parse::<ResolveRule>().unwrap_err();
            assert!(error.contains("PATTERN=ADDR:PORT"), "{bad}: {error}");
        }
    }

    #[test]
    fn network_and_email_sections_are_validated_at_their_position() {
        let ok = site("[network]\nresolve = [\"*.klclick.com=127.0.0.1:8443\"]\n[email]\nsources = [\"emails/\", \"imaps://seed@imap.test/INBOX\"]\nrequire_utm = []\n").unwrap();
        assert_eq!(ok.network.resolve.len(), 1);
        let email = ok.email.unwrap();
        assert_eq!(email.sources.len(), 2);
        assert!(email.require_utm.is_empty());
        assert!(email.require_open_pixel);
        let e = site("[network]\nresolve = [\"shop.test:443\"]\n").unwrap_err();
        assert!(e.message.contains("PATTERN=ADDR:PORT"), "{}", e.message);
        assert_eq!(e.line, Some(3));
        let e = site("[email]\nsources = [\"https://shop.test/emails\"]\n").unwrap_err();
        assert!(e.message.contains("imaps://"), "{}", e.message);
        let e = site("[email]\nrequire_utms = []\n").unwrap_err();
        assert!(e.message.contains("require_utm"), "{}", e.message);
    }
}
