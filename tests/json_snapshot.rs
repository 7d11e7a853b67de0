//! End-to-end: the public JSON report of one fixture page audited in real Chromium, as a
//! snapshot (`tests/snapshots/`). Scripts read this report, so a field renamed, removed or
//! added fails here; values that change run to run (times, durations, ports, temporary paths,
//! versions) are masked first.
//!
//! After an intended change to the report, review and accept the new snapshot with
//! `cargo insta review` (or rerun with `INSTA_UPDATE=always`) and commit it.

mod common;

use common::{audit_urls, page};
use regex::Regex;
use serde_json::Value;

/// The fixture: a GA4 purchase and a Meta ViewContent, each missing its currency.
const PAGE: &str = "missing_param.html";

#[test]
fn json_report_of_a_fixture_page_matches_the_snapshot() {
    let audit = audit_urls(&[page(PAGE)], &["--quiet-ms".into(), "500".into()]);
    assert_eq!(audit.code, 2, "error findings; stderr: {}", audit.stderr);
    let mut report = audit.report.clone();
    Masks::new(&audit.reports.path().display().to_string()).apply(&mut report);
    insta::assert_json_snapshot!("missing_param_report", report);
}

/// What differs between runs of the same audit, and how it is masked.
struct Masks {
    /// The run's temporary reports folder.
    reports_dir: String,
    /// `:PORT` of the local fixture server.
    port: Regex,
    /// `Chrome/123.0.4567.89`, `HeadlessChrome/…`.
    chrome: Regex,
    /// `0.1.0` in `tool`.
    version: Regex,
}

impl Masks {
    fn new(reports_dir: &str) -> Self {
        Masks {
            reports_dir: reports_dir.to_string(),
            port: Regex::new(&format!(r":{}\b", common::fixtures().port())).unwrap(),
            chrome: Regex::new(r"Chrome/[0-9][0-9.]*").unwrap(),
            version: Regex::new(r"[0-9]+\.[0-9]+\.[0-9]+\S*").unwrap(),
        }
    }

    /// Masks times, durations (`*_ms`, `ms`), the tool's version, temporary paths, ports and
    /// Chromium versions, in place; orders hits by what they are.
    fn apply(&self, value: &mut Value) {
        match value {
            Value::Object(map) => {
                for (key, field) in map.iter_mut() {
                    match (key.as_str(), &*field) {
                        ("started_at" | "finished_at", Value::String(_)) => {
                            *field = Value::from("[timestamp]");
                        }
                        ("tool", Value::String(tool)) => {
                            *field = Value::from(self.version.replace_all(tool, "[version]"));
                        }
                        (key, Value::Number(_)) if key.ends_with("_ms") || key == "ms" => {
                            *field = Value::from("[ms]");
                        }
                        _ => self.apply(field),
                    }
                }
                // Hits are listed as they arrive, and two sent a moment apart may arrive
                // either way round: order them by what they are.
                if let Some(Value::Array(hits)) = map.get_mut("hits") {
                    hits.sort_by_key(|h| {
                        (
                            h["vendor"].to_string(),
                            h["event"].to_string(),
                            h["url"].to_string(),
                        )
                    });
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| self.apply(v)),
            Value::String(text) => {
                let masked = text.replace(&self.reports_dir, "[reports]");
                let masked = self.port.replace_all(&masked, ":[port]");
                *text = self
                    .chrome
                    .replace_all(&masked, "Chrome/[version]")
                    .into_owned();
            }
            _ => {}
        }
    }
}
