//! Headless Chromium on a local HTML file, for tests that look at a rendered report.

use std::path::Path;
use std::process::Command;

/// Runs headless Chromium on a local HTML file: `--screenshot=PNG` when `png` is given, else
/// `--dump-dom`; returns stdout (the DOM).
pub fn render(html: &Path, png: Option<&Path>, window: &str) -> String {
    let profile = tempfile::tempdir().expect("temp dir");
    let mut command = Command::new("chromium");
    command
        .args([
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-extensions",
        ])
        .arg("--disable-background-networking")
        .arg(format!("--window-size={window}"))
        .arg(format!("--user-data-dir={}", profile.path().display()));
    match png {
        Some(png) => command.arg(format!("--screenshot={}", png.display())),
        None => command.arg("--dump-dom"),
    };
    let output = command
        .arg(format!("file://{}", html.display()))
        .output()
        .expect("chromium runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}
