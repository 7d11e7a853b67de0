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
    /// Each certificate in DER, for the NSS database a local Chromium trusts them from as
    /// roots (which also covers a CA the server does not send).
    pub der: Vec<Vec<u8>>,
}

impl CaCert {
    /// Reads and checks a PEM file.
    pub fn load(path: &Path) -> Result<CaCert, String> {
        let pem = std::fs::read(path)
            .map_err(|e| format!("cannot read the certificate file {}: {e}", path.display()))?;
        let (spki_sha256, der) =
            parse_certificates(&pem).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(CaCert {
            path: path.to_path_buf(),
            pem,
            spki_sha256,
            der,
        })
    }
}

/// The SPKI hash and the DER of every certificate in a PEM bundle.
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
        ders.push(block.contents.clone());
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
        assert_eq!(loaded.der, vec![cert.der().to_vec(), cert.der().to_vec()]);
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
