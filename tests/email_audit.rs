//! End-to-end email audits: the test emails in `tests/fixtures/emails/` (Klaviyo, Mailchimp and
//! SendGrid shapes, with planted defects) against the demo server's ESP stand-ins, in real
//! Chromium and over real HTTP redirects.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use common::{fixtures, run_json, s, Audit};
use pixelaudit_test_support::chromium;
use pixelaudit_test_support::dovecot::Dovecot;
use serde_json::Value;

/// The ESP and store hosts of the test emails.
const EMAIL_HOSTS: &[&str] = &[
    "*.klclick.com",
    "trk.klaviyomail.com",
    "manage.kmail-lists.com",
    "*.list-manage.com",
    "*.ct.sendgrid.net",
    "demo-store.test",
];

fn emails_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn demo_site() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("sites/demo-store.toml")
        .display()
        .to_string()
}

/// `pixelaudit email SOURCE …` with only `--resolve` and `--ca-cert` as its network view.
fn audit_emails(source: &Path, extra: &[&str]) -> Audit {
    let reports = tempfile::tempdir().unwrap();
    let mut args = vec![
        "email".to_string(),
        source.display().to_string(),
        "--format=json".into(),
        format!("--reports-dir={}", reports.path().display()),
        format!("--ca-cert={}", fixtures().certificate_file().display()),
    ];
    args.extend(fixtures().resolve_args(EMAIL_HOSTS));
    args.extend(extra.iter().map(|a| a.to_string()));
    run_json(&args, reports)
}

/// (email file name, finding code) pairs.
fn email_findings(report: &Value) -> BTreeSet<(String, String)> {
    report["emails"]
        .as_array()
        .expect("emails[]")
        .iter()
        .flat_map(|email| {
            let name = s(&email["source"]).rsplit('/').next().unwrap().to_string();
            email["findings"]
                .as_array()
                .unwrap()
                .iter()
                .map(move |f| (name.clone(), s(&f["code"])))
        })
        .collect()
}

fn email<'a>(report: &'a Value, file: &str) -> &'a Value {
    report["emails"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| s(&e["source"]).ends_with(file))
        .unwrap_or_else(|| panic!("no email {file} in {report}"))
}

#[test]
fn the_test_emails_show_exactly_their_planted_defects() {
    let audit = audit_emails(
        &emails_dir("emails"),
        &["--site", &demo_site(), "--no-landing"],
    );
    let expected: BTreeSet<(String, String)> = [
        ("01-klaviyo-black-friday.eml", "missing_utm"),
        ("02-mailchimp-newsletter.eml", "broken_open_pixel"),
        ("03-sendgrid-restock.eml", "missing_open_pixel"),
        ("03-sendgrid-restock.eml", "broken_click_redirect"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(email_findings(&audit.report), expected, "{}", audit.stderr);
    assert_eq!(
        audit.code, 2,
        "error findings fail the run: {}",
        audit.stderr
    );
    assert_eq!(audit.report["summary"]["emails"], 4);
    assert_eq!(audit.report["pages"].as_array().unwrap().len(), 0);

    // Each email's sender is recognised and its parts decoded (QP subject, base64 HTML).
    let black_friday = email(&audit.report, "01-klaviyo-black-friday.eml");
    assert_eq!(black_friday["esp"], "klaviyo");
    assert_eq!(
        black_friday["subject"],
        "Black Friday: 30% off everything linen ☀"
    );
    assert_eq!(
        email(&audit.report, "02-mailchimp-newsletter.eml")["esp"],
        "mailchimp"
    );
    assert_eq!(
        email(&audit.report, "03-sendgrid-restock.eml")["esp"],
        "sendgrid"
    );

    // The Klaviyo pixel was requested by Chromium (through --resolve and --ca-cert) and is a GIF.
    let pixel = &black_friday["open_pixels"][0];
    assert_eq!(pixel["esp"], "klaviyo");
    assert_eq!(pixel["status"], 200, "{pixel}");
    assert_eq!(pixel["mime_type"], "image/gif");
    // The Mailchimp one answered 404.
    let broken = &email(&audit.report, "02-mailchimp-newsletter.eml")["open_pixels"][0];
    assert_eq!(broken["status"], 404, "{broken}");

    // Every link's chain is recorded hop by hop; the missing campaign is named.
    let product = black_friday["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["href"].as_str().unwrap().ends_with("_1"))
        .unwrap();
    let hops = product["hops"].as_array().unwrap();
    assert_eq!(hops.len(), 2, "{product}");
    assert_eq!(hops[0]["status"], 302);
    assert_eq!(hops[1]["status"], 200);
    assert!(s(&product["destination"]).starts_with("https://demo-store.test/products/linen-shirt?"));
    let missing = black_friday["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "missing_utm")
        .unwrap();
    assert_eq!(
        missing["evidence"]["missing"],
        serde_json::json!(["utm_campaign"])
    );

    let tote = email(&audit.report, "03-sendgrid-restock.eml")["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "broken_click_redirect")
        .unwrap()
        .clone();
    assert!(s(&tote["message"]).contains("404"), "{tote}");

    // Unsubscribe links are never followed: a GET could unsubscribe the seed address.
    let received = fixtures().received();
    assert!(
        !received
            .iter()
            .any(|r| r.path_and_query.contains("unsubscribe")
                || r.path_and_query.contains("/profile?")),
        "an unsubscribe link was requested"
    );
}

#[test]
fn landing_pages_are_audited_with_the_sites_page_checks() {
    let mut extra: Vec<String> = vec!["--site".into(), demo_site()];
    // The landing pages load every vendor's scripts: route all of them to the demo server.
    extra.extend(
        fixtures()
            .chromium_args()
            .into_iter()
            .map(|a| format!("--browser-arg={a}")),
    );
    let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
    let audit = audit_emails(&emails_dir("emails"), &extra);
    let pages: Vec<(String, String)> = audit.report["pages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (s(&p["name"]), s(&p["url"])))
        .collect();
    let names: BTreeSet<&str> = pages.iter().map(|(n, _)| n.as_str()).collect();
    // Distinct store pages that links land on (the broken tote link is not a landing page).
    assert_eq!(
        names,
        BTreeSet::from([
            "email landing /collections/all",
            "email landing /products/linen-shirt",
            "email landing /"
        ]),
        "{}",
        audit.stderr
    );
    // The landing URL keeps the email's UTMs, so the store's pixels see the campaign.
    assert!(pages
        .iter()
        .any(|(_, url)| url.contains("utm_campaign=black-friday-2026")));
    // The demo's planted page defect on the collection page (Reddit loader 404) is found there.
    let collection = audit.report["pages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "email landing /collections/all")
        .unwrap();
    assert!(
        collection["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["code"] == "broken_script" && f["vendor"] == "reddit"),
        "{collection}"
    );
}

#[test]
fn duplicated_pixels_mixed_campaigns_and_direct_store_links_are_reported() {
    let audit = audit_emails(
        &emails_dir("emails-extra"),
        &["--site", &demo_site(), "--no-landing"],
    );
    let codes: BTreeSet<String> = email_findings(&audit.report)
        .into_iter()
        .map(|(_, code)| code)
        .collect();
    assert_eq!(
        codes,
        BTreeSet::from([
            "duplicate_open_pixel".to_string(),
            "inconsistent_utm".to_string(),
            "untracked_link".to_string()
        ]),
        "{}",
        audit.stderr
    );
    let mixup = email(&audit.report, "klaviyo-template-mixup.eml");
    let inconsistent = mixup["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "inconsistent_utm")
        .unwrap();
    assert_eq!(
        inconsistent["evidence"]["campaigns"],
        serde_json::json!(["black-friday-2026", "welcome-series-1"])
    );
}

#[test]
fn without_the_network_overrides_nothing_is_reachable_and_the_run_still_reports() {
    // No --resolve: the ESP hosts do not resolve offline; every link and pixel is broken,
    // and the report says so instead of failing the run.
    let reports = tempfile::tempdir().unwrap();
    let args = vec![
        "email".to_string(),
        emails_dir("emails")
            .join("04-klaviyo-welcome.eml")
            .display()
            .to_string(),
        "--format=json".into(),
        format!("--reports-dir={}", reports.path().display()),
        "--no-landing".into(),
    ];
    let audit = run_json(&args, reports);
    let codes: BTreeSet<(String, String)> = email_findings(&audit.report);
    assert!(
        codes.iter().any(|(_, c)| c == "broken_click_redirect"),
        "{codes:?}"
    );
    assert!(
        codes.iter().any(|(_, c)| c == "broken_open_pixel"),
        "{codes:?}"
    );
    assert_eq!(audit.code, 2);
}

#[test]
fn an_unreadable_source_is_reported_and_the_other_emails_still_audited() {
    let reports = tempfile::tempdir().unwrap();
    let mut args = vec![
        "email".to_string(),
        "/nonexistent/emails".to_string(),
        emails_dir("emails")
            .join("04-klaviyo-welcome.eml")
            .display()
            .to_string(),
        "--format=json".into(),
        format!("--reports-dir={}", reports.path().display()),
        format!("--ca-cert={}", fixtures().certificate_file().display()),
        "--no-landing".into(),
    ];
    args.extend(fixtures().resolve_args(EMAIL_HOSTS));
    let audit = run_json(&args, reports);
    let findings = email_findings(&audit.report);
    assert_eq!(
        findings,
        BTreeSet::from([("emails".to_string(), "email_unreadable".to_string())]),
        "{}",
        audit.stderr
    );
    assert!(
        audit.stderr.contains("/nonexistent/emails"),
        "{}",
        audit.stderr
    );
    assert_eq!(audit.report["summary"]["emails"], 2);
    // The report is saved even so.
    assert!(audit
        .reports
        .path()
        .join("emails/latest/report.json")
        .exists());
}

/// The test emails, delivered to a real IMAP server (Dovecot on a local port, TLS with its own
/// test CA), are fetched and audited; the next run audits only mail that arrived since.
#[test]
fn emails_in_an_imap_mailbox_are_audited_once_and_new_mail_next_time() {
    let dovecot = Dovecot::start();
    let files = [
        "01-klaviyo-black-friday.eml",
        "02-mailchimp-newsletter.eml",
        "03-sendgrid-restock.eml",
    ];
    for file in files {
        dovecot.deliver(&std::fs::read(emails_dir("emails").join(file)).unwrap());
    }
    let work = tempfile::tempdir().unwrap();
    let imap_ca = work.path().join("imap-ca.pem");
    std::fs::write(&imap_ca, dovecot.ca_pem()).unwrap();
    let reports = work.path().join("reports");
    let audit = || {
        let mut args = vec![
            "email".to_string(),
            format!("imaps://{}@imap.test/INBOX", dovecot.user()),
            "--site".into(),
            demo_site(),
            "--no-landing".into(),
            "--format=json".into(),
            format!("--reports-dir={}", reports.display()),
            format!("--ca-cert={}", imap_ca.display()),
            format!("--ca-cert={}", fixtures().certificate_file().display()),
            format!("--resolve=imap.test=127.0.0.1:{}", dovecot.imaps_port()),
        ];
        args.extend(fixtures().resolve_args(EMAIL_HOSTS));
        let output = common::bin()
            .args(&args)
            .env("PIXELAUDIT_IMAP_PASSWORD", dovecot.password())
            .env_remove("PIXELAUDIT_IMAP_USERNAME")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert!(
            !stderr.contains(dovecot.password()),
            "the IMAP password reached the logs"
        );
        let report: Value = serde_json::from_slice(&output.stdout)
            .unwrap_or_else(|e| panic!("no JSON report ({e}): {stderr}"));
        (report, stderr)
    };

    let (first, stderr) = audit();
    let subjects: Vec<String> = first["emails"]
        .as_array()
        .unwrap_or_else(|| panic!("no emails: {stderr}"))
        .iter()
        .map(|e| s(&e["subject"]))
        .collect();
    assert_eq!(subjects.len(), 3, "{stderr}");
    // The same defects as from the files, now labelled by mailbox and UID.
    let codes: BTreeSet<String> = first["emails"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|e| {
            e["findings"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| s(&f["code"]))
        })
        .collect();
    assert_eq!(
        codes,
        BTreeSet::from(
            [
                "missing_utm",
                "broken_open_pixel",
                "missing_open_pixel",
                "broken_click_redirect"
            ]
            .map(String::from)
        )
    );
    assert!(
        s(&first["emails"][0]["source"]).starts_with("imaps://imap.test"),
        "{}",
        first["emails"][0]["source"]
    );
    assert!(s(&first["emails"][0]["source"]).contains(";UID="));

    // Nothing new: nothing audited.
    let (second, _) = audit();
    assert!(
        second["emails"].as_array().is_none_or(|e| e.is_empty()),
        "{second}"
    );

    // New mail: only it.
    dovecot.deliver(&std::fs::read(emails_dir("emails").join("04-klaviyo-welcome.eml")).unwrap());
    let (third, stderr) = audit();
    let emails = third["emails"]
        .as_array()
        .unwrap_or_else(|| panic!("{stderr}"));
    assert_eq!(emails.len(), 1);
    assert_eq!(emails[0]["subject"], "Welcome to Northwind Threads");
    assert_eq!(emails[0]["findings"], serde_json::json!([]));
    // The audit never marked the mail as read.
    assert!(dovecot
        .maildir_flags()
        .iter()
        .all(|(_, flags)| !flags.contains('S')));
}

#[test]
fn an_unreachable_imap_server_is_reported_and_the_files_are_still_audited() {
    let reports = tempfile::tempdir().unwrap();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let mut args = vec![
        "email".to_string(),
        format!("imaps://seed@127.0.0.1:{port}/INBOX"),
        emails_dir("emails")
            .join("04-klaviyo-welcome.eml")
            .display()
            .to_string(),
        "--no-landing".into(),
        "--format=json".into(),
        format!("--reports-dir={}", reports.path().display()),
        format!("--ca-cert={}", fixtures().certificate_file().display()),
    ];
    args.extend(fixtures().resolve_args(EMAIL_HOSTS));
    let output = common::bin()
        .args(&args)
        .env("PIXELAUDIT_IMAP_PASSWORD", "not-used")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let findings = email_findings(&report);
    assert_eq!(
        findings,
        BTreeSet::from([("INBOX".to_string(), "email_unreadable".to_string())]),
        "the welcome email is clean; only the mailbox failed"
    );
    assert!(
        stderr.contains("cannot connect") || stderr.contains("connect"),
        "{stderr}"
    );
    assert_eq!(report["summary"]["emails"], 2);
    assert_eq!(output.status.code(), Some(2));
}

/// Email content is hostile: link text, URLs and subjects reach the HTML report escaped, and
/// the report's email section renders in Chromium (screenshot in target/test-artifacts/).
#[test]
fn the_html_report_shows_emails_and_escapes_their_content() {
    let dir = tempfile::tempdir().unwrap();
    let hostile = "From: x@shop.test\r\nSubject: <script>window.pwned=1</script>Sale\r\nContent-Type: text/html\r\n\r\n\
        <a href=\"https://demo-store.test/?utm_source=a&quot;&gt;&lt;img src=x onerror=alert(1)&gt;\">\
        &lt;img src=x onerror=window.pwned=2&gt; Shop</a>\
        <img src=\"https://trk.klaviyomail.com/open/x.gif?&quot;&gt;&lt;script&gt;window.pwned=3&lt;/script&gt;\" width=1 height=1>";
    std::fs::write(dir.path().join("hostile.eml"), hostile).unwrap();
    let audit = audit_emails(dir.path(), &["--no-landing"]);
    let html =
        std::fs::read_to_string(audit.reports.path().join("emails/latest/report.html")).unwrap();
    assert!(
        !html.contains("<script>window.pwned"),
        "raw script in the report"
    );
    assert!(!html.contains("<img src=x"), "raw img in the report");
    let page = dir.path().join("report.html");
    std::fs::write(&page, &html).unwrap();
    let dom = chromium::render(&page, None, "1280,1600");
    assert!(dom.contains("id=\"emails\""), "an Emails section");
    assert!(!dom.contains("pwned=1</script>") || dom.contains("&lt;script&gt;window.pwned=1"));
    assert!(
        !dom.contains("<img src=\"x\""),
        "no injected element in the DOM"
    );

    // The demo emails' report, for a person to look at.
    let demo = audit_emails(
        &emails_dir("emails"),
        &["--site", &demo_site(), "--no-landing"],
    );
    let report = demo.reports.path().join("demo-store/latest/report.html");
    let shot = common::artifacts_dir().join("email-report.png");
    let _ = std::fs::remove_file(&shot);
    chromium::render(&report, Some(&shot), "1280,2400");
    assert!(std::fs::metadata(&shot).unwrap().len() > 20_000);
    let dom = chromium::render(&report, None, "1280,2400");
    for text in [
        "Email without open tracking",
        "Open pixel broken",
        "Link broken",
        "Black Friday",
    ] {
        assert!(dom.contains(text), "the report shows {text:?}");
    }
}

/// `pixelaudit audit` of a site whose config lists email sources audits its pages and its
/// emails in one run; the config's `[network]` feeds the redirect follower like the flags do.
#[test]
fn a_site_config_with_email_sources_audits_pages_and_emails_together() {
    let dir = tempfile::tempdir().unwrap();
    let port = fixtures().port();
    let resolve: Vec<String> = EMAIL_HOSTS
        .iter()
        .map(|h| format!("\"{h}=127.0.0.1:{port}\""))
        .collect();
    // The source is relative to the config's folder (not to the test's current directory).
    std::fs::create_dir(dir.path().join("emails")).unwrap();
    std::fs::copy(
        emails_dir("emails").join("03-sendgrid-restock.eml"),
        dir.path().join("emails/03-sendgrid-restock.eml"),
    )
    .unwrap();
    let config = dir.path().join("store.toml");
    std::fs::write(
        &config,
        format!(
            "name = \"store-with-emails\"\nbase_url = \"https://demo-store.test/\"\n\
             [[pages]]\nname = \"cart\"\npath = \"/cart\"\n\
             [email]\nsources = [\"emails/03-sendgrid-restock.eml\"]\naudit_landing_pages = false\n\
             [network]\nresolve = [{}]\nca_cert = [\"{}\"]\n",
            resolve.join(", "),
            fixtures().certificate_file().display()
        ),
    )
    .unwrap();
    let audit = common::audit_config(&config, None, &[]);
    assert_eq!(
        email_findings(&audit.report),
        BTreeSet::from([
            (
                "03-sendgrid-restock.eml".to_string(),
                "missing_open_pixel".to_string()
            ),
            (
                "03-sendgrid-restock.eml".to_string(),
                "broken_click_redirect".to_string()
            ),
        ]),
        "{}",
        audit.stderr
    );
    let pages: Vec<String> = audit.report["pages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| s(&p["name"]))
        .collect();
    assert_eq!(pages, ["cart"]);
    assert_eq!(audit.report["summary"]["emails"], 1);
}

/// Klaviyo sends through SendGrid: a Klaviyo email is never called `sendgrid`. On Klaviyo's own
/// tracking hosts the URLs decide, whatever the relay's headers and open pixel say; with a
/// branded tracking domain (SendGrid's URL shapes on the store's host) Klaviyo's own headers
/// win over the relay's.
#[test]
fn a_klaviyo_email_relayed_through_sendgrid_is_klaviyo() {
    let audit = audit_emails(&emails_dir("emails-esp"), &["--no-landing"]);
    for file in [
        "klaviyo-via-sendgrid.eml",
        "klaviyo-branded-via-sendgrid.eml",
    ] {
        let email = email(&audit.report, file);
        assert_eq!(email["esp"], "klaviyo", "{file}: {email}\n{}", audit.stderr);
    }
    // The branded links and pixel themselves are SendGrid's shapes, and still say so.
    let branded = email(&audit.report, "klaviyo-branded-via-sendgrid.eml");
    assert_eq!(branded["open_pixels"][0]["esp"], "sendgrid", "{branded}");
    assert_eq!(branded["links"][0]["esp"], "sendgrid", "{branded}");
}
