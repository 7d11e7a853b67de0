//! End-to-end tests of the IMAP intake against a real Dovecot (see `common/dovecot.rs`).

mod common;

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use futures_util::TryStreamExt;
use pixelaudit::email::imap::{fetch_new, Fetch, ImapCredentials, ImapError, ImapSource, Trust};
use pixelaudit_test_support::dovecot::Dovecot;

const TIMEOUT: Duration = Duration::from_secs(20);

fn message(subject: &str, n: u32) -> Vec<u8> {
    format!(
        "From: Shop <news@shop.example>\r\nTo: seed@localhost\r\nSubject: {subject}\r\n\
         Message-ID: <{n}.test@shop.example>\r\nDate: Fri, 28 Nov 2025 10:00:00 +0000\r\n\
         MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n\
         <p>Offer {n}</p><img src=\"https://px.example/open?id={n}\" width=1 height=1>\r\n"
    )
    .into_bytes()
}

fn trusted(dovecot: &Dovecot) -> Trust {
    Trust {
        ca_pems: vec![dovecot.ca_pem().as_bytes().to_vec()],
        insecure: false,
    }
}

fn creds(dovecot: &Dovecot) -> ImapCredentials {
    ImapCredentials::new(dovecot.user(), dovecot.password())
}

async fn fetch(
    url: &str,
    dovecot: &Dovecot,
    trust: &Trust,
    connect_to: Option<SocketAddr>,
    state: &Path,
) -> Result<Fetch, ImapError> {
    let source = ImapSource::parse(url).expect("valid URL");
    fetch_new(&source, &creds(dovecot), trust, connect_to, state, TIMEOUT).await
}

fn raws(fetch: &Fetch) -> BTreeSet<Vec<u8>> {
    fetch.messages.iter().map(|m| m.raw.clone()).collect()
}

#[tokio::test]
async fn imaps_fetches_only_messages_new_since_the_committed_checkpoint() {
    let dovecot = Dovecot::start();
    let state = tempfile::tempdir().unwrap();
    let url = format!("imaps://127.0.0.1:{}/INBOX", dovecot.imaps_port());
    let (a, b, c) = (message("One", 1), message("Two", 2), message("Three", 3));
    dovecot.deliver(&a);
    dovecot.deliver(&b);

    let first = fetch(&url, &dovecot, &trusted(&dovecot), None, state.path())
        .await
        .unwrap();
    assert_eq!(raws(&first), BTreeSet::from([a.clone(), b.clone()]));
    assert!(
        first.note.as_deref().unwrap().contains("first audit"),
        "{:?}",
        first.note
    );
    let uids: Vec<u32> = first.messages.iter().map(|m| m.uid).collect();
    assert_eq!(uids, [1, 2]);
    assert_eq!(
        first.messages[0].label,
        format!("imaps://127.0.0.1:{}/INBOX;UID=1", dovecot.imaps_port())
    );
    assert_eq!(first.checkpoint.last_uid(), 2);
    first.checkpoint.commit().unwrap();

    let second = fetch(&url, &dovecot, &trusted(&dovecot), None, state.path())
        .await
        .unwrap();
    assert!(second.messages.is_empty(), "{:?}", second.messages);
    assert_eq!(second.note, None);
    second.checkpoint.commit().unwrap();

    dovecot.deliver(&c);
    let third = fetch(&url, &dovecot, &trusted(&dovecot), None, state.path())
        .await
        .unwrap();
    assert_eq!(raws(&third), BTreeSet::from([c]));
    assert_eq!(third.messages[0].uid, 3);
    third.checkpoint.commit().unwrap();

    // The state file holds exactly what the brief promises.
    let files: Vec<_> = std::fs::read_dir(state.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&files[0]).unwrap()).unwrap();
    assert_eq!(json["last_uid"], 3);
    assert!(json["uidvalidity"].as_u64().unwrap() > 0);
}

#[tokio::test]
async fn uncommitted_checkpoint_returns_the_same_messages_and_uidvalidity_change_resets() {
    let dovecot = Dovecot::start();
    let state = tempfile::tempdir().unwrap();
    let url = format!("imaps://localhost:{}", dovecot.imaps_port());
    dovecot.deliver(&message("One", 1));
    dovecot.deliver(&message("Two", 2));

    let first = fetch(&url, &dovecot, &trusted(&dovecot), None, state.path())
        .await
        .unwrap();
    assert_eq!(first.messages.len(), 2);
    let _ = first.checkpoint.clone(); // the report was not saved: no commit
    let again = fetch(&url, &dovecot, &trusted(&dovecot), None, state.path())
        .await
        .unwrap();
    assert_eq!(raws(&again), raws(&first));
    let path = again.checkpoint.path().to_path_buf();
    again.checkpoint.commit().unwrap();

    // Pretend the mailbox was rebuilt: a different UIDVALIDITY makes everything new again.
    let mut json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    json["uidvalidity"] = 7.into();
    std::fs::write(&path, serde_json::to_vec(&json).unwrap()).unwrap();
    let reset = fetch(&url, &dovecot, &trusted(&dovecot), None, state.path())
        .await
        .unwrap();
    assert_eq!(raws(&reset), raws(&first));
    let note = reset.note.unwrap();
    assert!(
        note.contains("UIDVALIDITY") && note.contains("from 7"),
        "{note}"
    );

    // A corrupt state file is an error that names the file, not a silent refetch.
    std::fs::write(&path, "{not json").unwrap();
    let err = fetch(&url, &dovecot, &trusted(&dovecot), None, state.path())
        .await
        .unwrap_err();
    assert!(matches!(err, ImapError::StateFile { .. }), "{err:?}");
    assert!(
        err.to_string().contains(&path.display().to_string()),
        "{err}"
    );
}

#[tokio::test]
async fn subject_filter_picks_only_matching_messages() {
    let dovecot = Dovecot::start();
    let state = tempfile::tempdir().unwrap();
    let sale = message("Black Friday \"deals\" inside", 1);
    let utf8 = message("=?UTF-8?Q?Soldes_d=C3=A9t=C3=A9?=", 3);
    dovecot.deliver(&sale);
    dovecot.deliver(&message("Your receipt", 2));
    dovecot.deliver(&utf8);
    dovecot.deliver(&message("Weekly digest", 4));
    let base = format!("imaps://127.0.0.1:{}/INBOX", dovecot.imaps_port());

    let quoted = fetch(
        &format!("{base}?subject=friday%20%22DEALS%22"),
        &dovecot,
        &trusted(&dovecot),
        None,
        state.path(),
    )
    .await
    .unwrap();
    assert_eq!(raws(&quoted), BTreeSet::from([sale]));
    quoted.checkpoint.commit().unwrap();

    let accented = fetch(
        &format!("{base}?subject=d%C3%A9t%C3%A9"),
        &dovecot,
        &trusted(&dovecot),
        None,
        state.path(),
    )
    .await
    .unwrap();
    assert_eq!(raws(&accented), BTreeSet::from([utf8]));
}

#[tokio::test]
async fn starttls_and_plaintext_on_the_imap_port() {
    let dovecot = Dovecot::start();
    let state = tempfile::tempdir().unwrap();
    let raw = message("Hello", 1);
    dovecot.deliver(&raw);

    let starttls = format!("imap://127.0.0.1:{}/INBOX", dovecot.imap_port());
    let got = fetch(&starttls, &dovecot, &trusted(&dovecot), None, state.path())
        .await
        .unwrap();
    assert_eq!(raws(&got), BTreeSet::from([raw.clone()]));
    assert!(got.messages[0].label.starts_with("imap://"));
    // STARTTLS verifies the certificate too.
    let err = fetch(&starttls, &dovecot, &Trust::default(), None, state.path())
        .await
        .unwrap_err();
    assert!(
        matches!(err, ImapError::CertificateUntrusted { .. }),
        "{err:?}"
    );

    let plain = format!("imap://127.0.0.1:{}/INBOX?tls=none", dovecot.imap_port());
    let got = fetch(&plain, &dovecot, &Trust::default(), None, state.path())
        .await
        .unwrap();
    assert_eq!(raws(&got), BTreeSet::from([raw]));
}

#[tokio::test]
async fn refused_starttls_is_an_error_unless_plaintext_is_allowed() {
    let dovecot = Dovecot::start_without_tls();
    let state = tempfile::tempdir().unwrap();
    let raw = message("Hello", 1);
    dovecot.deliver(&raw);

    let url = format!("imap://127.0.0.1:{}", dovecot.imap_port());
    let err = fetch(&url, &dovecot, &Trust::default(), None, state.path())
        .await
        .unwrap_err();
    assert!(matches!(err, ImapError::StartTlsRefused { .. }), "{err:?}");
    assert!(err.to_string().contains("imaps://"), "{err}");

    let got = fetch(
        &format!("{url}?tls=none"),
        &dovecot,
        &Trust::default(),
        None,
        state.path(),
    )
    .await
    .unwrap();
    assert_eq!(raws(&got), BTreeSet::from([raw]));
}

#[tokio::test]
async fn untrusted_certificate_needs_ca_cert_or_insecure() {
    let dovecot = Dovecot::start();
    let state = tempfile::tempdir().unwrap();
    dovecot.deliver(&message("Hello", 1));
    let url = format!("imaps://127.0.0.1:{}", dovecot.imaps_port());

    let err = fetch(&url, &dovecot, &Trust::default(), None, state.path())
        .await
        .unwrap_err();
    assert!(
        matches!(err, ImapError::CertificateUntrusted { .. }),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        text.contains("certificate") && text.contains("--ca-cert"),
        "{text}"
    );

    let insecure = Trust {
        ca_pems: Vec::new(),
        insecure: true,
    };
    let got = fetch(&url, &dovecot, &insecure, None, state.path())
        .await
        .unwrap();
    assert_eq!(got.messages.len(), 1);

    let garbage = Trust {
        ca_pems: vec![b"not a certificate".to_vec()],
        insecure: false,
    };
    let err = fetch(&url, &dovecot, &garbage, None, state.path())
        .await
        .unwrap_err();
    assert!(matches!(err, ImapError::TlsSetup(_)), "{err:?}");
}

#[tokio::test]
async fn wrong_password_is_a_login_error_that_never_shows_a_password() {
    let dovecot = Dovecot::start();
    let state = tempfile::tempdir().unwrap();
    let source = ImapSource::parse(&format!("imaps://127.0.0.1:{}", dovecot.imaps_port())).unwrap();
    let wrong = ImapCredentials::new(dovecot.user(), "Wr0ng-Passw0rd");
    let err = fetch_new(
        &source,
        &wrong,
        &trusted(&dovecot),
        None,
        state.path(),
        TIMEOUT,
    )
    .await
    .unwrap_err();
    assert!(matches!(err, ImapError::Login { .. }), "{err:?}");
    for shown in [err.to_string(), format!("{err:?}"), format!("{wrong:?}")] {
        assert!(!shown.contains("Wr0ng-Passw0rd"), "{shown}");
        assert!(!shown.contains(dovecot.password()), "{shown}");
    }
    assert!(
        err.to_string().contains("PIXELAUDIT_IMAP_PASSWORD"),
        "{err}"
    );
    // Nothing was remembered.
    assert_eq!(std::fs::read_dir(state.path()).unwrap().count(), 0);
}

#[tokio::test]
async fn fetching_does_not_mark_messages_seen() {
    let dovecot = Dovecot::start();
    let state = tempfile::tempdir().unwrap();
    dovecot.deliver(&message("One", 1));
    dovecot.deliver(&message("Two", 2));
    let url = format!("imaps://127.0.0.1:{}", dovecot.imaps_port());
    let got = fetch(&url, &dovecot, &trusted(&dovecot), None, state.path())
        .await
        .unwrap();
    assert_eq!(got.messages.len(), 2);

    let files = dovecot.maildir_flags();
    assert_eq!(files.len(), 2);
    assert!(
        files.iter().all(|(_, flags)| !flags.contains('S')),
        "{files:?}"
    );

    // A second connection sees no \Seen flag either.
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", dovecot.imap_port()))
        .await
        .unwrap();
    let mut client = async_imap::Client::new(tcp);
    client.read_response().await.unwrap().expect("greeting");
    let mut session = client
        .login(dovecot.user(), dovecot.password())
        .await
        .map_err(|e| e.0)
        .unwrap();
    session.examine("INBOX").await.unwrap();
    let fetches: Vec<_> = session
        .fetch("1:*", "FLAGS")
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(fetches.len(), 2);
    for f in &fetches {
        let flags: Vec<_> = f.flags().collect();
        assert!(!flags.contains(&async_imap::types::Flag::Seen), "{flags:?}");
    }
    session.logout().await.unwrap();
}

#[tokio::test]
async fn connect_to_override_keeps_verifying_the_url_host() {
    let dovecot = Dovecot::start();
    let state = tempfile::tempdir().unwrap();
    dovecot.deliver(&message("Hello", 1));
    let addr = SocketAddr::from(([127, 0, 0, 1], dovecot.imaps_port()));

    let got = fetch(
        "imaps://imap.test/INBOX",
        &dovecot,
        &trusted(&dovecot),
        Some(addr),
        state.path(),
    )
    .await
    .unwrap();
    assert_eq!(got.messages.len(), 1);
    assert_eq!(got.messages[0].label, "imaps://imap.test/INBOX;UID=1");

    // The certificate is not valid for another name, even at the same address.
    let err = fetch(
        "imaps://other.test/INBOX",
        &dovecot,
        &trusted(&dovecot),
        Some(addr),
        state.path(),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, ImapError::CertificateUntrusted { .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn missing_folder_is_reported() {
    let dovecot = Dovecot::start();
    let state = tempfile::tempdir().unwrap();
    let url = format!("imaps://127.0.0.1:{}/Promo%20Tests", dovecot.imaps_port());
    let err = fetch(&url, &dovecot, &trusted(&dovecot), None, state.path())
        .await
        .unwrap_err();
    assert!(matches!(err, ImapError::FolderNotFound { .. }), "{err:?}");
    assert!(err.to_string().contains("\"Promo Tests\""), "{err}");
}

#[tokio::test]
async fn unreachable_and_silent_servers_fail_fast() {
    let state = tempfile::tempdir().unwrap();
    let source = ImapSource::parse("imaps://imap.test").unwrap();
    let creds = ImapCredentials::new("seed", "pw");

    // Nothing listens on a port that was just released.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let err = fetch_new(
        &source,
        &creds,
        &Trust::default(),
        Some(closed),
        state.path(),
        TIMEOUT,
    )
    .await
    .unwrap_err();
    assert!(matches!(err, ImapError::Connect { .. }), "{err:?}");
    assert!(err.to_string().contains(&closed.to_string()), "{err}");

    // A server that accepts but never speaks runs into the timeout.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = silent.local_addr().unwrap();
    let hold = tokio::spawn(async move { silent.accept().await });
    let err = fetch_new(
        &source,
        &creds,
        &Trust::default(),
        Some(addr),
        state.path(),
        Duration::from_millis(300),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, ImapError::Timeout { .. }), "{err:?}");
    hold.abort();
}
