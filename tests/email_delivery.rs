//! End-to-end: reports are emailed through a real SMTP server (Debian's python3-aiosmtpd,
//! storing what it receives in a Maildir); an unreachable server loses nothing.

mod common;

use std::path::Path;

use common::{audit_config, s};
use mail_parser::{MessageParser, MimeHeaders};
use pixelaudit_test_support::free_port;
use pixelaudit_test_support::smtp::{delivered, start_smtpd, start_smtpd_with};

fn config(dir: &Path, port: u16, extra: &str) -> std::path::PathBuf {
    let path = dir.join("mailtest.toml");
    std::fs::write(
        &path,
        format!(
            "base_url = \"https://fixtures.test/\"\n[[pages]]\nname = \"dup\"\npath = \"/duplicate.html\"\n[browser]\nquiet_ms = 500\n\
             [notify]\nto = [\"Marketing <marketing@shop.test>\"]\nfrom = \"pixelaudit <audit@pixelaudit.test>\"\n\
             subject = \"{{{{ site }}}} {{{{ status }}}}: {{{{ errors }}}} error(s)\"\nsmtp_host = \"127.0.0.1\"\nsmtp_port = {port}\ntls = \"none\"\n{extra}"
        ),
    )
    .unwrap();
    path
}

#[test]
fn the_report_is_emailed_as_html_with_a_text_part_and_the_json_attached() {
    let smtpd = start_smtpd();
    let dir = tempfile::tempdir().unwrap();
    let audit = audit_config(&config(dir.path(), smtpd.port, ""), None, &[]);
    assert_eq!(audit.code, 2, "error findings, mail sent: {}", audit.stderr);
    assert!(
        audit
            .stderr
            .contains("report emailed to Marketing <marketing@shop.test>"),
        "{}",
        audit.stderr
    );

    let new = smtpd.maildir.path().join("mail/new");
    let files: Vec<_> = std::fs::read_dir(&new)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "one message delivered");
    let raw = std::fs::read(&files[0]).unwrap();
    let message = MessageParser::default().parse(&raw).unwrap();
    assert_eq!(message.subject(), Some("mailtest FAILED: 1 error(s)"));
    assert_eq!(
        message.to().unwrap().first().unwrap().address(),
        Some("marketing@shop.test")
    );
    let html = message.body_html(0).unwrap();
    assert!(html.contains("duplicate"), "the HTML report is the body");
    let text = message.body_text(0).unwrap();
    assert!(text.contains("pixelaudit: mailtest"), "{text}");
    let attachment = message.attachments().next().expect("report.json attached");
    assert_eq!(attachment.attachment_name(), Some("report.json"));
    let json: serde_json::Value = serde_json::from_slice(attachment.contents()).unwrap();
    assert_eq!(json["site"], "mailtest");
    assert_eq!(json["summary"], audit.report["summary"]);
}

#[test]
fn an_unreachable_smtp_server_loses_nothing_and_leaks_no_secret() {
    let dir = tempfile::tempdir().unwrap();
    let reports = dir.path().join("reports");
    let dead_port = free_port();
    let config = config(
        dir.path(),
        dead_port,
        "retries = 1\nretry_backoff_ms = 50\n",
    );
    let mut args = vec![
        "audit".to_string(),
        config.display().to_string(),
        "--format".into(),
        "json".into(),
    ];
    args.extend(["--reports-dir".into(), reports.display().to_string()]);
    args.extend(
        common::fixtures()
            .chromium_args()
            .into_iter()
            .map(|a| format!("--browser-arg={a}")),
    );
    let output = common::bin()
        .args(&args)
        .env("PIXELAUDIT_SMTP_USERNAME", "audit-bot")
        .env("PIXELAUDIT_SMTP_PASSWORD", "s3cret-pa55word")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(5), "{stderr}");
    assert!(
        stderr.contains("could not be emailed") && stderr.contains("after 2 attempt(s)"),
        "{stderr}"
    );
    // Credentials without TLS are said to go in clear text.
    assert!(
        stderr.contains(&format!(
            "SMTP credentials are sent to 127.0.0.1:{dead_port} in clear text (tls = \"none\")"
        )),
        "{stderr}"
    );
    // The report was saved before sending, and printed.
    let saved = std::fs::read_to_string(reports.join("mailtest/latest/report.json")).unwrap();
    let printed: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(s(&printed["site"]), "mailtest");
    // The password is nowhere: not in the log, not in any report file.
    assert!(!stderr.contains("s3cret-pa55word"));
    assert!(!saved.contains("s3cret-pa55word"));
    for entry in std::fs::read_dir(reports.join("mailtest/latest")).unwrap() {
        let content = std::fs::read(entry.unwrap().path()).unwrap();
        assert!(
            !String::from_utf8_lossy(&content).contains("s3cret"),
            "a report file holds the secret"
        );
    }
}

#[test]
fn no_email_skips_delivery() {
    let dir = tempfile::tempdir().unwrap();
    let audit = audit_config(
        &config(dir.path(), free_port(), ""),
        None,
        &["--no-email".into()],
    );
    assert_eq!(audit.code, 2);
    assert!(!audit.stderr.contains("emailed"), "{}", audit.stderr);
}

/// A self-signed certificate for 127.0.0.1, written as PEM files in `dir`.
fn test_certificate(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let certified =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string(), "localhost".to_string()])
            .unwrap();
    let cert = dir.join("smtp-cert.pem");
    let key = dir.join("smtp-key.pem");
    std::fs::write(&cert, certified.cert.pem()).unwrap();
    std::fs::write(&key, certified.key_pair.serialize_pem()).unwrap();
    (cert, key)
}

#[test]
fn starttls_and_implicit_tls_are_verified_against_the_configured_ca() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = test_certificate(dir.path());
    let ca = format!("smtp_ca_cert = \"{}\"\n", cert.display());
    for (mode, server_options) in [
        (
            "starttls",
            vec![
                "--tlscert".to_string(),
                cert.display().to_string(),
                "--tlskey".into(),
                key.display().to_string(),
            ],
        ),
        (
            "implicit",
            vec![
                "--smtpscert".to_string(),
                cert.display().to_string(),
                "--smtpskey".into(),
                key.display().to_string(),
            ],
        ),
    ] {
        let smtpd = start_smtpd_with(&server_options);
        let config_path = config(dir.path(), smtpd.port, &ca);
        // Switch the config's TLS mode (the helper writes tls = "none").
        let text = std::fs::read_to_string(&config_path)
            .unwrap()
            .replace("tls = \"none\"", &format!("tls = \"{mode}\""));
        std::fs::write(&config_path, text).unwrap();
        let audit = audit_config(&config_path, None, &[]);
        assert_eq!(audit.code, 2, "{mode}: {}", audit.stderr);
        assert_eq!(delivered(&smtpd), 1, "{mode}: one message over TLS");

        // Without the CA the certificate is not trusted: nothing is sent, and it says why.
        let untrusted = std::fs::read_to_string(&config_path)
            .unwrap()
            .replace(&ca, "retries = 0\n");
        std::fs::write(&config_path, untrusted).unwrap();
        let refused = audit_config(&config_path, None, &[]);
        assert_eq!(refused.code, 5, "{mode}: {}", refused.stderr);
        assert_eq!(delivered(&smtpd), 1, "{mode}: nothing more was sent");
    }
}
