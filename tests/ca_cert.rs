//! `--ca-cert` in real Chromium: a store whose server sends only its leaf certificate, signed by
//! a private root that is never in the served chain, loads when the root is given with
//! `--ca-cert` (Chromium trusts it as a root through a private NSS database), and fails with
//! the certificate error without it; a self-signed certificate given with `--ca-cert` still works.

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use common::Audit;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose,
};

const STORE: &str = "ca-shop.test";
const PAGE: &str = "<!doctype html><html><head><title>CA shop</title></head><body>ok</body></html>";

/// A private root CA and a leaf for [`STORE`] signed by it, as PEM.
struct Pki {
    root_pem: String,
    leaf_pem: String,
    leaf_key_pem: String,
}

fn pki() -> Pki {
    let root_key = KeyPair::generate().unwrap();
    let mut root = CertificateParams::new(Vec::<String>::new()).unwrap();
    root.distinguished_name
        .push(DnType::CommonName, "pixelaudit test root");
    root.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    root.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let root_cert = root.self_signed(&root_key).unwrap();

    let leaf_key = KeyPair::generate().unwrap();
    let mut leaf = CertificateParams::new(vec![STORE.to_string()]).unwrap();
    leaf.distinguished_name.push(DnType::CommonName, STORE);
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    leaf.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    let leaf_cert = leaf.signed_by(&leaf_key, &root_cert, &root_key).unwrap();
    Pki {
        root_pem: root_cert.pem(),
        leaf_pem: leaf_cert.pem(),
        leaf_key_pem: leaf_key.serialize_pem(),
    }
}

/// A TLS server on 127.0.0.1 that presents `chain_pem` (here: one certificate, never the root)
/// and answers every request with [`PAGE`]. It runs until the test process ends.
fn serve(chain_pem: &str, key_pem: &str) -> u16 {
    let identity =
        native_tls::Identity::from_pkcs8(chain_pem.as_bytes(), key_pem.as_bytes()).unwrap();
    let acceptor = Arc::new(native_tls::TlsAcceptor::new(identity).unwrap());
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let acceptor = acceptor.clone();
            // One thread per connection: a preconnect that never sends a request must not
            // hold up the page's own connection.
            std::thread::spawn(move || {
                let Ok(mut tls) = acceptor.accept(stream) else {
                    return;
                };
                let mut request = Vec::new();
                let mut buf = [0u8; 4096];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut buf) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{PAGE}",
                    PAGE.len()
                );
                let _ = tls.write_all(response.as_bytes());
                let _ = tls.shutdown();
            });
        }
    });
    port
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// Audits the store's home page on `port`, trusting `ca_cert` when given (and nothing else:
/// no SPKI pins, no `--insecure`), with its own `TMPDIR`, which must be empty again when the
/// binary has exited of pixelaudit's private NSS database (Chromium's own leftovers aside).
fn audit(port: u16, ca_cert: Option<&Path>) -> Audit {
    let reports = tempfile::tempdir().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let mut args = vec![
        "audit".to_string(),
        format!("--url=https://{STORE}/"),
        "--format=json".into(),
        format!("--reports-dir={}", reports.path().display()),
        format!("--resolve={STORE}=127.0.0.1:{port}"),
        "--sessions=1".into(),
        "--quiet-ms=300".into(),
    ];
    if let Some(path) = ca_cert {
        args.push(format!("--ca-cert={}", path.display()));
    }
    let output = common::bin()
        .args(&args)
        .env("TMPDIR", tmp.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let left: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with("pixelaudit-nss-"))
        .collect();
    assert!(left.is_empty(), "left in TMPDIR: {left:?}\n{stderr}");
    Audit {
        code: output.status.code().unwrap_or(-1),
        report: serde_json::from_slice(&output.stdout)
            .unwrap_or_else(|e| panic!("stdout is not a JSON report ({e}); stderr:\n{stderr}")),
        stderr,
        reports,
    }
}

fn page(audit: &Audit) -> &serde_json::Value {
    audit.page(&format!("https://{STORE}/"))
}

/// What the page's navigation failed with: its `error`, or the outcome of its `page_error`.
fn failure(page: &serde_json::Value) -> Option<String> {
    if let Some(error) = page["error"].as_str() {
        return Some(error.to_string());
    }
    page["findings"]
        .as_array()?
        .iter()
        .find(|f| f["code"] == "page_error")
        .map(|f| f["evidence"]["outcome"].to_string())
}

#[test]
fn a_root_the_server_does_not_send_is_trusted_with_ca_cert_and_only_then() {
    let pki = pki();
    let port = serve(&pki.leaf_pem, &pki.leaf_key_pem);
    let dir = tempfile::tempdir().unwrap();
    let root = write(dir.path(), "root.pem", &pki.root_pem);

    let trusted = audit(port, Some(&root));
    let page_trusted = page(&trusted);
    assert_eq!(
        failure(page_trusted),
        None,
        "with --ca-cert the page must load: {page_trusted}\n{}",
        trusted.stderr
    );
    assert_eq!(page_trusted["http_status"], 200, "{page_trusted}");

    let untrusted = audit(port, None);
    let page_untrusted = page(&untrusted);
    assert!(
        failure(page_untrusted).is_some_and(|e| e.contains("ERR_CERT_AUTHORITY_INVALID")),
        "without --ca-cert the page must fail on its certificate: {page_untrusted}"
    );
}

#[test]
fn a_self_signed_certificate_given_with_ca_cert_still_works() {
    let key = KeyPair::generate().unwrap();
    let cert = CertificateParams::new(vec![STORE.to_string()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    let port = serve(&cert.pem(), &key.serialize_pem());
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "self-signed.pem", &cert.pem());
    let audit = audit(port, Some(&file));
    let page = page(&audit);
    assert_eq!(failure(page), None, "{page}\n{}", audit.stderr);
    assert_eq!(page["http_status"], 200, "{page}");
}
