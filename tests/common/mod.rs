//! Helpers specific to this crate's end-to-end tests: one demo/fixture server per test binary,
//! and a runner for the compiled `pixelaudit` binary with its JSON report parsed. The reusable
//! harnesses (Dovecot, Selenium Grid, SMTP, Chromium rendering) are in `pixelaudit-test-support`.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use pixelaudit_demo::{DemoOptions, DemoServer, ReceivedRequest};
use serde_json::Value;

/// The demo server (store, vendor stand-ins, and `tests/fixtures/pages` at https://fixtures.test/),
/// started once per test binary on its own runtime thread.
pub struct Fixtures {
    server: DemoServer,
}

impl Fixtures {
    /// The Chromium flags that route every host to the server and trust its certificate.
    pub fn chromium_args(&self) -> Vec<String> {
        self.server.chromium_args()
    }

    /// Chromium flags with extra host-resolver rules placed before the server's own.
    pub fn chromium_args_with_rules(&self, rules: &str) -> Vec<String> {
        self.server
            .chromium_args()
            .into_iter()
            .map(|arg| match arg.strip_prefix("--host-resolver-rules=") {
                Some(existing) => format!("--host-resolver-rules={rules}, {existing}"),
                None => arg,
            })
            .collect()
    }

    /// Every request the server received so far.
    pub fn received(&self) -> Vec<ReceivedRequest> {
        self.server.received()
    }

    /// The server's port.
    pub fn port(&self) -> u16 {
        self.server.port()
    }

    /// The server's self-signed certificate in a PEM file (for `--ca-cert`).
    pub fn certificate_file(&self) -> PathBuf {
        static FILE: OnceLock<PathBuf> = OnceLock::new();
        FILE.get_or_init(|| {
            let path = Path::new(env!("CARGO_TARGET_TMPDIR"))
                .join(format!("demo-cert-{}.pem", std::process::id()));
            std::fs::write(&path, self.server.certificate_pem()).expect("write the certificate");
            path
        })
        .clone()
    }

    /// `--resolve` rules that send these host patterns to the server.
    pub fn resolve_args(&self, patterns: &[&str]) -> Vec<String> {
        patterns
            .iter()
            .map(|p| format!("--resolve={p}=127.0.0.1:{}", self.port()))
            .collect()
    }
}

/// The shared server.
pub fn fixtures() -> &'static Fixtures {
    static FIXTURES: OnceLock<Fixtures> = OnceLock::new();
    FIXTURES.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("tokio runtime");
            runtime.block_on(async move {
                let server = DemoServer::start(DemoOptions {
                    fixtures_dir: Some(pages_dir()),
                })
                .await
                .expect("demo server starts");
                tx.send(server).expect("hand the server over");
                std::future::pending::<()>().await;
            });
        });
        Fixtures {
            server: rx.recv().expect("server started"),
        }
    })
}

/// `tests/fixtures/pages`.
pub fn pages_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pages")
}

/// A fixture page's URL.
pub fn page(name: &str) -> String {
    format!("https://fixtures.test/{name}")
}

/// The compiled binary.
pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_pixelaudit"))
}

/// Runs the binary and returns its output.
pub fn run(args: &[String]) -> Output {
    bin().args(args).output().expect("pixelaudit runs")
}

/// The result of an audit run with `--format json`.
pub struct Audit {
    /// The exit code.
    pub code: i32,
    /// The parsed JSON report.
    pub report: Value,
    /// stderr, for failure messages.
    pub stderr: String,
    /// The temporary reports folder (kept alive with the result).
    pub reports: tempfile::TempDir,
}

impl Audit {
    /// The report's page with this URL.
    pub fn page(&self, url: &str) -> &Value {
        self.report["pages"]
            .as_array()
            .and_then(|pages| pages.iter().find(|p| p["url"] == url))
            .unwrap_or_else(|| panic!("no page {url} in {}", self.report))
    }

    /// (code, vendor, event) of a page's findings, in report order.
    pub fn findings(&self, url: &str) -> Vec<(String, String, String)> {
        self.page(url)["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| (s(&f["code"]), s(&f["vendor"]), s(&f["event"])))
            .collect()
    }

    /// (vendor, event) of a page's event hits, in report order.
    pub fn events(&self, url: &str) -> Vec<(String, String)> {
        self.page(url)["hits"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|h| h["kind"] == "event")
            .map(|h| (s(&h["vendor"]), s(&h["event"])))
            .collect()
    }
}

/// A JSON value as a plain string (`-` for null).
pub fn s(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Null => "-".to_string(),
        other => other.to_string(),
    }
}

/// Audits `urls` with the fixture server's Chromium flags plus `extra` arguments.
pub fn audit_urls(urls: &[String], extra: &[String]) -> Audit {
    audit_with_args(urls, fixtures().chromium_args(), extra)
}

/// Audits `urls` with the given Chromium flags.
pub fn audit_with_args(urls: &[String], chromium: Vec<String>, extra: &[String]) -> Audit {
    let reports = tempfile::tempdir().expect("temp dir");
    let mut args = vec!["audit".to_string(), "--format".into(), "json".into()];
    args.extend(["--reports-dir".into(), reports.path().display().to_string()]);
    for url in urls {
        args.extend(["--url".into(), url.clone()]);
    }
    for arg in chromium {
        args.push(format!("--browser-arg={arg}"));
    }
    args.extend(extra.iter().cloned());
    run_json(&args, reports)
}

/// Runs the binary with `args` (which ask for `--format json`) and parses its report.
pub fn run_json(args: &[String], reports: tempfile::TempDir) -> Audit {
    let output = run(args);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let report = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("stdout is not a JSON report ({e}); stderr:\n{stderr}"));
    Audit {
        code: output.status.code().unwrap_or(-1),
        report,
        stderr,
        reports,
    }
}

/// A fixture site config's path (`tests/fixtures/sites/NAME`).
pub fn site_config(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/sites")
        .join(name)
}

/// Audits a site config with the fixture server's Chromium flags, `--format json`, into
/// `reports` (a fresh temporary folder when `None`), plus `extra` arguments.
pub fn audit_config(config: &Path, reports: Option<&Path>, extra: &[String]) -> Audit {
    let dir = tempfile::tempdir().expect("temp dir");
    let reports_dir = reports.unwrap_or(dir.path());
    let mut args = vec![
        "audit".to_string(),
        config.display().to_string(),
        "--format".into(),
        "json".into(),
    ];
    args.extend(["--reports-dir".into(), reports_dir.display().to_string()]);
    args.extend(
        fixtures()
            .chromium_args()
            .into_iter()
            .map(|a| format!("--browser-arg={a}")),
    );
    args.extend(extra.iter().cloned());
    run_json(&args, dir)
}

/// `target/test-artifacts/`, where tests leave files for a person to look at.
pub fn artifacts_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("../test-artifacts");
    std::fs::create_dir_all(&dir).expect("artifacts dir");
    dir
}
