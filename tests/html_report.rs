//! End-to-end: the HTML report of a real audit renders in headless Chromium; the screenshot is
//! kept in `target/test-artifacts/` for a person to look at.

mod common;

use common::{audit_urls, page};
use pixelaudit_test_support::chromium;

#[test]
fn html_report_renders_in_chromium_and_shows_the_status_first() {
    let out = tempfile::tempdir().unwrap();
    let audit = audit_urls(
        &[page("duplicate.html")],
        &["--quiet-ms".into(), "500".into()],
    );
    assert_eq!(audit.code, 2);
    let html =
        std::fs::read_to_string(audit.reports.path().join("adhoc/latest/report.html")).unwrap();
    assert!(html.starts_with("<!doctype html>"));
    let shot = common::artifacts_dir().join("html-report.png");
    let _ = std::fs::remove_file(&shot);
    let report_path = out.path().join("report.html");
    std::fs::write(&report_path, &html).unwrap();
    chromium::render(&report_path, Some(&shot), "1280,1600");
    let png = std::fs::read(&shot).expect("screenshot written");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    assert!(
        png.len() > 20_000,
        "a rendered page, not a blank one ({} bytes)",
        png.len()
    );
    // The DOM Chromium built says what a reader sees first.
    let dom = chromium::render(&report_path, None, "1280,1600");
    let status_at = dom.find("error").expect("an error count");
    let matrix_at = dom
        .find("What fired where")
        .expect("the vendor × page matrix");
    assert!(status_at < matrix_at, "the status comes before the details");
    assert!(
        dom.contains(
            "class=\"cell error\"><span class=\"ev\">PageView <span class=\"times\">×3</span>"
        ),
        "the duplicated Meta pixel is flagged in the matrix (3 page views from 2 pixels): {}",
        &dom[matrix_at..matrix_at + 3000.min(dom.len() - matrix_at)]
    );
}
