//! One network view for Chromium and pixelaudit's own HTTP client: host overrides
//! (`--resolve PATTERN=ADDR:PORT`) and extra trust (`--ca-cert FILE`, `--insecure`), so an audit
//! of a staging deploy or an offline test store behaves the same in the browser, in the
//! redirect follower, in IMAP and in filter-list downloads.

mod resolve;
mod trust;

pub use trust::CaCert;

use std::net::SocketAddr;

use pixelaudit_core::config::{lookup, ResolveRule};
use std::path::Path;
use std::sync::Arc;

/// How pixelaudit reaches hosts: overrides and extra trust, shared by every client.
#[derive(Debug, Clone, Default)]
pub struct Network {
    /// Host overrides, first match wins.
    pub resolve: Vec<ResolveRule>,
    /// Extra trusted certificates.
    pub ca_certs: Vec<CaCert>,
    /// Accept any certificate (local testing only).
    pub insecure: bool,
}

impl Network {
    /// Builds the view from `--resolve` rules and `--ca-cert` files.
    pub fn new(
        resolve: Vec<ResolveRule>,
        ca_cert_files: &[impl AsRef<Path>],
        insecure: bool,
    ) -> Result<Network, String> {
        let ca_certs = ca_cert_files
            .iter()
            .map(|path| CaCert::load(path.as_ref()))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Network {
            resolve,
            ca_certs,
            insecure,
        })
    }

    /// Where `host` is overridden to, if a rule matches.
    pub fn lookup(&self, host: &str) -> Option<SocketAddr> {
        lookup(&self.resolve, host)
    }

    /// Chromium flags for the same view: host-resolver rules and certificate SPKI pins (which
    /// match only certificates the server sends; [`Network::trusted_roots`] covers the rest).
    pub fn chromium_args(&self) -> Vec<String> {
        let mut args = Vec::new();
        if !self.resolve.is_empty() {
            let rules: Vec<String> = self.resolve.iter().map(ResolveRule::chromium).collect();
            args.push(format!("--host-resolver-rules={}", rules.join(", ")));
        }
        let pins: Vec<&str> = self
            .ca_certs
            .iter()
            .flat_map(|cert| cert.spki_sha256.iter().map(String::as_str))
            .collect();
        if !pins.is_empty() {
            args.push(format!(
                "--ignore-certificate-errors-spki-list={}",
                pins.join(",")
            ));
        }
        if self.insecure {
            args.push("--ignore-certificate-errors".to_string());
        }
        // Hosts sent to a loopback or private address on purpose (a staging copy, a test
        // store): Chromium's Local Network Access checks would block them from an email, which
        // renders as an opaque, non-secure document, as they never would on the public hosts.
        if self.resolve.iter().any(|rule| is_local(rule.addr.ip())) {
            args.push("--disable-features=LocalNetworkAccessChecks".to_string());
        }
        args
    }

    /// Every `--ca-cert` CA certificate in DER, for a local Chromium to trust as roots.
    pub fn trusted_roots(&self) -> Vec<Vec<u8>> {
        self.ca_certs
            .iter()
            .flat_map(|cert| cert.ca_der.iter().cloned())
            .collect()
    }

    /// An HTTP client builder with the same view (resolver, roots, `--insecure`).
    pub fn http_client(&self) -> Result<reqwest::ClientBuilder, String> {
        let mut builder = reqwest::Client::builder()
            .user_agent(concat!("pixelaudit/", env!("CARGO_PKG_VERSION")));
        if !self.resolve.is_empty() {
            builder = builder.dns_resolver(Arc::new(resolve::Resolver::new(self.resolve.clone())));
        }
        for cert in &self.ca_certs {
            for certificate in reqwest::Certificate::from_pem_bundle(&cert.pem)
                .map_err(|e| format!("{}: {e}", cert.path.display()))?
            {
                builder = builder.add_root_certificate(certificate);
            }
        }
        if self.insecure {
            builder = builder.danger_accept_invalid_certs(true);
        }
        Ok(builder)
    }
}

fn is_local(ip: std::net::IpAddr) -> bool {
    match ip {
        std::net::IpAddr::V4(v4) => v4.is_loopback() || v4.is_private() || v4.is_link_local(),
        std::net::IpAddr::V6(v6) => v6.is_loopback() || v6.is_unique_local(),
    }
}

/// `text` followed by the causes of `error` that it does not already say (reqwest's own
/// message hides the useful part: DNS, TLS, connection refused).
pub fn append_causes(mut text: String, error: &(dyn std::error::Error + 'static)) -> String {
    let mut source = error.source();
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

/// Merges Chromium flags that Chromium only reads once (`--host-resolver-rules`,
/// `--ignore-certificate-errors-spki-list`, `--disable-features`, `--enable-features`): their values are joined in order, so rules from
/// several sources (the site config, `--resolve`, `--browser-arg`) all apply, first match wins.
pub fn merge_chromium_args(args: Vec<String>) -> Vec<String> {
    const JOINED: [(&str, &str); 4] = [
        ("--host-resolver-rules=", ", "),
        ("--ignore-certificate-errors-spki-list=", ","),
        ("--disable-features=", ","),
        ("--enable-features=", ","),
    ];
    let mut merged: Vec<String> = Vec::new();
    for arg in args {
        let joined = JOINED.iter().find(|(prefix, _)| arg.starts_with(prefix));
        let Some((prefix, separator)) = joined else {
            if !merged.contains(&arg) {
                merged.push(arg);
            }
            continue;
        };
        let value = arg[prefix.len()..].trim_matches('"');
        match merged.iter_mut().find(|a| a.starts_with(prefix)) {
            Some(existing) => {
                existing.push_str(separator);
                existing.push_str(value);
            }
            None => merged.push(format!("{prefix}{value}")),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolver_rules_from_several_sources_become_one_flag_in_order() {
        let merged = merge_chromium_args(vec![
            "--host-resolver-rules=MAP shop.test 127.0.0.1:1".into(),
            "--disable-gpu".into(),
            "--host-resolver-rules=MAP * 127.0.0.1:2".into(),
            "--ignore-certificate-errors-spki-list=AAA".into(),
            "--ignore-certificate-errors-spki-list=BBB".into(),
            "--disable-gpu".into(),
        ]);
        assert_eq!(
            merged,
            vec![
                "--host-resolver-rules=MAP shop.test 127.0.0.1:1, MAP * 127.0.0.1:2".to_string(),
                "--disable-gpu".to_string(),
                "--ignore-certificate-errors-spki-list=AAA,BBB".to_string(),
            ]
        );
    }

    #[test]
    fn chromium_sees_the_same_overrides_as_the_http_client() {
        let network = Network {
            resolve: vec![
                "shop.test=127.0.0.1:8443".parse().unwrap(),
                "*.klclick.com=[::1]:9000".parse().unwrap(),
            ],
            ca_certs: Vec::new(),
            insecure: true,
        };
        assert_eq!(
            network.chromium_args(),
            vec![
                "--host-resolver-rules=MAP shop.test 127.0.0.1:8443, MAP *.klclick.com [::1]:9000"
                    .to_string(),
                "--ignore-certificate-errors".to_string(),
                "--disable-features=LocalNetworkAccessChecks".to_string(),
            ]
        );
        assert_eq!(
            network.lookup("ctrk.klclick.com"),
            Some("[::1]:9000".parse().unwrap())
        );
        assert_eq!(network.lookup("klclick.com"), None);
        assert_eq!(
            network.lookup("SHOP.test"),
            Some("127.0.0.1:8443".parse().unwrap())
        );
    }
}
