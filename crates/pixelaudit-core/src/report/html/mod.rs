//! The HTML format: one self-contained page (inline CSS, no scripts, fonts or images) that opens
//! offline and in email clients, written for the people who own the tags, not only developers.
//!
//! The layout lives in `templates/report.html`; this module only prepares what it shows: the
//! report itself plus a few precomputed views, one file each (the status line, the findings
//! grouped by severity and issue with their evidence and hits, the pages, the vendor × page
//! matrix, hit timings, ad-block survival, changes since the previous run, vendor trends,
//! emails, store coverage). This file holds the entry point, the template environment and the
//! small formatting helpers the views share.
//!
//! Captured data is hostile (page URLs, event names, parameters, console text). It reaches the
//! page only through the template engine: the template is named `report.html`, so minijinja
//! HTML-escapes every value it prints (`<`, `>`, `&`, quotes and `/`), and nothing is marked
//! safe. Captured URLs are shown as text, never as links.

mod adblock;
mod coverage;
mod emails;
mod fields;
mod findings;
#[cfg(test)]
pub(super) mod fixtures;
mod matrix;
mod pages;
mod regressions;
mod status;
mod timings;
mod trend;

use std::collections::BTreeMap;

use minijinja::syntax::SyntaxConfig;
use minijinja::{context, Environment, Value};
use serde::Serialize;
use serde_json::Value as Json;

use super::Report;
use crate::model::{Finding, Severity};

/// The page layout. The `.html` names turn minijinja's HTML auto-escaping on.
const TEMPLATES: [(&str, &str); 2] = [
    ("report.html", include_str!("../templates/report.html")),
    ("macros.html", include_str!("../templates/macros.html")),
];

/// Shown instead when the template fails to render (a bug, but never a panic).
const FALLBACK: &str = "<!doctype html>\n<html><head><meta charset=\"utf-8\">\
<title>pixelaudit report</title></head><body><h1>{{ site }}</h1>\
<p>The HTML report could not be rendered: {{ error }}</p></body></html>\n";

/// The report as a self-contained HTML page.
pub fn to_html(report: &Report) -> String {
    let mut env = Environment::new();
    if let Ok(syntax) = SyntaxConfig::builder()
        .trim_blocks(true)
        .lstrip_blocks(true)
        .build()
    {
        env.set_syntax(syntax);
    }
    let ctx = context! {
        report => to_value(report),
        status => to_value(&status::status(report)),
        started => report.started_at.format(TIME).to_string(),
        finished => report.finished_at.format(TIME).to_string(),
        duration => duration((report.finished_at - report.started_at).num_milliseconds() as f64),
        pages => to_value(&pages::pages(report)),
        groups => to_value(&findings::finding_groups(report)),
        matrix => to_value(&matrix::matrix(report)),
        survival => to_value(&adblock::survival(report)),
        survival_total => to_value(&adblock::survival_total(report)),
        previous_run => regressions::previous_run(report),
        changes => to_value(&regressions::param_changes(report)),
        health => to_value(&trend::health(report)),
        emails => to_value(&emails::emails(report)),
        coverage_gaps => to_value(&coverage::gaps(report)),
    };
    let rendered = TEMPLATES
        .into_iter()
        .try_for_each(|(name, source)| env.add_template(name, source))
        .and_then(|()| env.get_template("report.html"))
        .and_then(|template| template.render(ctx));
    rendered.unwrap_or_else(|error| {
        env.render_named_str(
            "error.html",
            FALLBACK,
            context! { site => report.site.clone(), error => format!("{error:#}") },
        )
        .unwrap_or_default()
    })
}

/// How times are shown.
const TIME: &str = "%Y-%m-%d %H:%M:%S UTC";

/// An RFC 3339 time as shown elsewhere in the report (as is when it does not parse).
fn timestamp(text: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(text).map_or_else(
        |_| text.to_string(),
        |t| t.with_timezone(&chrono::Utc).format(TIME).to_string(),
    )
}

/// Serializes view data for the template. (minijinja's own serde support is an optional
/// feature; going through `serde_json` keeps the report's JSON shape, which users know.)
fn to_value<T: Serialize>(data: &T) -> Value {
    json_value(serde_json::to_value(data).unwrap_or_default())
}

fn json_value(json: Json) -> Value {
    match json {
        Json::Null => Value::from(()),
        Json::Bool(b) => Value::from(b),
        Json::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => Value::from(i),
            (None, Some(u)) => Value::from(u),
            _ => Value::from(n.as_f64().unwrap_or(f64::NAN)),
        },
        Json::String(s) => Value::from(s),
        Json::Array(items) => Value::from(items.into_iter().map(json_value).collect::<Vec<_>>()),
        Json::Object(map) => Value::from(
            map.into_iter()
                .map(|(k, v)| (k, json_value(v)))
                .collect::<BTreeMap<String, Value>>(),
        ),
    }
}

/// `380 ms`, `1.9 s`, `2 min 17 s`.
fn duration(ms: f64) -> String {
    if ms < 1000.0 {
        format!("{ms:.0} ms")
    } else if ms < 60_000.0 {
        format!("{:.1} s", ms / 1000.0)
    } else {
        let s = (ms / 1000.0).round() as u64;
        format!("{} min {} s", s / 60, s % 60)
    }
}

/// The worst severity of some findings, or `ok`.
fn level<'f>(findings: impl IntoIterator<Item = &'f Finding>) -> &'static str {
    findings
        .into_iter()
        .map(|f| f.severity)
        .min()
        .map_or("ok", Severity::as_str)
}

#[cfg(test)]
mod tests {
    use super::fixtures::*;
    use super::*;

    #[test]
    fn shows_the_site_tool_and_start_time() {
        let html = to_html(&report());
        assert!(html.contains("demo-store"));
        assert!(html.contains("pixelaudit 0.1.0"));
        assert!(html.contains("2026-11-28 13:41:02 UTC"));
    }

    #[test]
    fn captured_data_is_escaped_and_inert() {
        let html = to_html(&report());
        assert!(!html.contains("<script"), "a script tag got through");
        assert!(!html.contains("<img"), "an img tag got through");
        assert!(!html.contains("onerror=alert(3)>"));
        // The page URL, the parameter, the raw value and the console text are all there, escaped.
        assert!(html.contains(
            "https:&#x2f;&#x2f;shop.test&#x2f;?q=&lt;script&gt;alert(1)&lt;&#x2f;script&gt;"
        ));
        assert!(html.contains("&lt;script&gt;alert(2)&lt;&#x2f;script&gt;"));
        assert!(html.contains("&quot;&gt;&lt;img src=x onerror=alert(3)&gt;"));
        assert!(html.contains("Uncaught &lt;script&gt;alert(2)"));
    }

    #[test]
    fn is_self_contained_and_well_formed() {
        let html = to_html(&report());
        assert!(html.starts_with("<!doctype html>"), "{}", &html[..40]);
        assert_eq!(html.matches("<html").count(), 1);
        assert_eq!(html.matches("</html>").count(), 1);
        assert!(html.trim_end().ends_with("</html>"));
        let lower = html.to_lowercase();
        for tag in ["<link", "<script", "<img", "<iframe", "<object", "<embed"] {
            assert!(!lower.contains(tag), "{tag} in a self-contained report");
        }
        for attr in [
            "src=\"http",
            "href=\"http",
            "src='http",
            "href='http",
            "url(http",
            "@import",
        ] {
            assert!(!lower.contains(attr), "{attr}: an external reference");
        }
    }
}
