//! async-imap trace-logs every command it sends; the password must still never reach a log.
//! Its own test binary, because the logger it installs is process-wide.

mod common;

use std::sync::Mutex;
use std::time::Duration;

use pixelaudit::email::imap::{fetch_new, ImapCredentials, ImapSource, Trust};
use pixelaudit_test_support::dovecot::Dovecot;

static CAPTURED: Mutex<String> = Mutex::new(String::new());

struct Capture;

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata) -> bool {
        true
    }
    fn log(&self, record: &log::Record) {
        let mut captured = CAPTURED.lock().unwrap();
        captured.push_str(&format!("{} {}\n", record.target(), record.args()));
    }
    fn flush(&self) {}
}

#[tokio::test]
async fn trace_logs_never_contain_the_password() {
    log::set_logger(&Capture).unwrap();
    log::set_max_level(log::LevelFilter::Trace);
    let dovecot = Dovecot::start();
    dovecot.deliver(b"Subject: hi\r\n\r\nbody\r\n");
    let state = tempfile::tempdir().unwrap();
    let trust = Trust {
        ca_pems: vec![dovecot.ca_pem().as_bytes().to_vec()],
        insecure: false,
    };
    let timeout = Duration::from_secs(20);
    for url in [
        format!("imaps://127.0.0.1:{}", dovecot.imaps_port()),
        format!("imap://127.0.0.1:{}", dovecot.imap_port()),
        format!("imap://127.0.0.1:{}?tls=none", dovecot.imap_port()),
    ] {
        let source = ImapSource::parse(&url).unwrap();
        let good = ImapCredentials::new(dovecot.user(), dovecot.password());
        let fetched = fetch_new(&source, &good, &trust, None, state.path(), timeout)
            .await
            .unwrap();
        assert_eq!(fetched.messages.len(), 1, "{url}");
        let bad = ImapCredentials::new(dovecot.user(), "Wr0ng-Passw0rd");
        fetch_new(&source, &bad, &trust, None, state.path(), timeout)
            .await
            .unwrap_err();
    }
    let captured = CAPTURED.lock().unwrap().clone();
    assert!(
        captured.contains("LOGIN"),
        "async-imap logged no LOGIN command:\n{captured}"
    );
    assert!(
        captured.contains("PIXELAUDIT-REDACTED-PASSWORD"),
        "{captured}"
    );
    assert!(!captured.contains(dovecot.password()), "{captured}");
    assert!(!captured.contains("Wr0ng-Passw0rd"), "{captured}");
    // The quoted form that went over the wire is not there either.
    assert!(!captured.contains(r#"pa\"ss"#), "{captured}");
}
