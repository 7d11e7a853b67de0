//! The demo server's self-signed certificate and the public-key hash Chromium is told to accept.

use std::io;
use std::sync::Arc;

use base64::Engine as _;
use sha2::{Digest, Sha256};
use tokio_rustls::rustls::crypto::ring::default_provider;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::rustls::ServerConfig;

use super::fixtures::FIXTURES_HOST;
use super::store::STORE_HOST;
use super::vendor_hosts::VENDOR_HOSTS;

/// A freshly generated certificate with its key, and what a client needs to trust it.
pub(crate) struct DemoCert {
    /// DER of the certificate.
    pub(crate) cert_der: CertificateDer<'static>,
    /// PEM of the certificate.
    pub(crate) cert_pem: String,
    /// PKCS#8 DER of the private key.
    key_der: Vec<u8>,
    /// Base64 SHA-256 of the certificate's SubjectPublicKeyInfo, for
    /// `--ignore-certificate-errors-spki-list`.
    pub(crate) spki_sha256_base64: String,
}

/// Every name the certificate covers: the store, the fixtures host, every vendor host, any
/// `*.test` name and `127.0.0.1`.
pub(crate) fn subject_alt_names() -> Vec<String> {
    let mut names = vec![
        STORE_HOST.to_string(),
        FIXTURES_HOST.to_string(),
        "*.test".to_string(),
    ];
    names.extend(VENDOR_HOSTS.iter().map(|h| h.to_string()));
    names.extend(super::esp_hosts::ESP_HOSTS.iter().map(|h| h.to_string()));
    names.push("localhost".to_string());
    names.push("127.0.0.1".to_string());
    names
}

impl DemoCert {
    /// Generates a new self-signed certificate (ECDSA P-256) for [`subject_alt_names`].
    pub(crate) fn generate() -> io::Result<DemoCert> {
        let certified =
            rcgen::generate_simple_self_signed(subject_alt_names()).map_err(io::Error::other)?;
        let spki = certified.key_pair.public_key_der();
        let spki_sha256_base64 =
            base64::engine::general_purpose::STANDARD.encode(Sha256::digest(&spki));
        Ok(DemoCert {
            cert_der: certified.cert.der().clone(),
            cert_pem: certified.cert.pem(),
            key_der: certified.key_pair.serialize_der(),
            spki_sha256_base64,
        })
    }

    /// A rustls server configuration (ring provider, HTTP/1.1 via ALPN) serving this certificate.
    pub(crate) fn server_config(&self) -> io::Result<Arc<ServerConfig>> {
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.key_der.clone()));
        let mut config = ServerConfig::builder_with_provider(Arc::new(default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(io::Error::other)?
            .with_no_client_auth()
            .with_single_cert(vec![self.cert_der.clone()], key)
            .map_err(io::Error::other)?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Arc::new(config))
    }
}
