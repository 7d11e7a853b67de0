//! `--ca-cert FILE`: certificates to trust on top of the system roots.

use std::path::{Path, PathBuf};

use base64::Engine;
use sha2::{Digest, Sha256};

/// A PEM file of one or more certificates to trust (a staging CA, a test store's certificate).
#[derive(Debug, Clone)]
pub struct CaCert {
    /// Where it was read from.
    pub path: PathBuf,
    /// The PEM text.
    pub pem: Vec<u8>,
    /// base64(SHA-256(SubjectPublicKeyInfo)) of each certificate, for Chromium's
    /// `--ignore-certificate-errors-spki-list`.
    pub spki_sha256: Vec<String>,
    /// The CA certificates (`basicConstraints CA:TRUE`) in DER, for the NSS database a local
    /// Chromium trusts them from as roots, which covers a CA the server does not send. Other
    /// certificates (a self-signed server certificate) are presented by the server itself,
    /// which the SPKI pins match, and need no database (nor `certutil`).
    pub ca_der: Vec<Vec<u8>>,
}

impl CaCert {
    /// Reads and checks a PEM file.
    pub fn load(path: &Path) -> Result<CaCert, String> {
        let pem = std::fs::read(path)
            .map_err(|e| format!("cannot read the certificate file {}: {e}", path.display()))?;
        let (spki_sha256, ca_der) =
            parse_certificates(&pem).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(CaCert {
            path: path.to_path_buf(),
            pem,
            spki_sha256,
            ca_der,
        })
    }
}

/// The SPKI hash of every certificate in a PEM bundle, and the DER of its CA certificates.
type Parsed = (Vec<String>, Vec<Vec<u8>>);

fn parse_certificates(pem: &[u8]) -> Result<Parsed, String> {
    let mut hashes = Vec::new();
    let mut ders = Vec::new();
    for block in x509_parser::pem::Pem::iter_from_buffer(pem) {
        let block = block.map_err(|e| format!("not a PEM file: {e}"))?;
        if block.label != "CERTIFICATE" {
            continue;
        }
        let cert = block
            .parse_x509()
            .map_err(|e| format!("a certificate cannot be parsed: {e}"))?;
        let spki = cert.tbs_certificate.subject_pki.raw;
        hashes.push(base64::engine::general_purpose::STANDARD.encode(Sha256::digest(spki)));
        if cert.is_ca() {
            ders.push(block.contents.clone());
        }
    }
    if hashes.is_empty() {
        return Err("holds no PEM certificate (-----BEGIN CERTIFICATE-----)".into());
    }
    Ok((hashes, ders))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_the_public_key_like_chromium_expects() {
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec!["shop.test".to_string()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        let expected =
            base64::engine::general_purpose::STANDARD.encode(Sha256::digest(key.public_key_der()));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ca.pem");
        std::fs::write(&path, format!("{}{}", cert.pem(), cert.pem())).unwrap();
        let loaded = CaCert::load(&path).unwrap();
        assert_eq!(loaded.spki_sha256, vec![expected.clone(), expected]);
        assert!(loaded.ca_der.is_empty(), "a server certificate is no root");
    }

    #[test]
    fn only_ca_certificates_become_roots() {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let ca = params.self_signed(&key).unwrap();
        let leaf = rcgen::CertificateParams::new(vec!["shop.test".to_string()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bundle.pem");
        std::fs::write(&path, format!("{}{}", leaf.pem(), ca.pem())).unwrap();
        let loaded = CaCert::load(&path).unwrap();
        assert_eq!(loaded.spki_sha256.len(), 2);
        assert_eq!(loaded.ca_der, vec![ca.der().to_vec()]);
    }

    #[test]
    fn a_file_without_certificates_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key.pem");
        std::fs::write(&path, "not a certificate").unwrap();
        let error = CaCert::load(&path).unwrap_err();
        assert!(
            error.contains("key.pem") && error.contains("CERTIFICATE"),
            "{error}"
        );
    }
}
