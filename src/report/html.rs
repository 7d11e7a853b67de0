//! The HTML format: one self-contained page (inline CSS, no scripts, fonts or images) that opens
//! offline and in email clients, written for the people who own the tags, not only developers.
//!
//! The layout lives in `templates/report.html`; this file only prepares what it shows: the
//! report itself plus a few precomputed views (the status line, findings grouped by severity
//! and issue with their evidence and hits, the vendor × page matrix, hit timings).
//!
//! Captured data is hostile (page URLs, event names, parameters, console text). It reaches the
//! page only through the template engine: the template is named `report.html`, so minijinja
//! HTML-escapes every value it prints (`<`, `>`, `&`, quotes and `/`), and nothing is marked
//! safe. Captured URLs are shown as text, never as links.

use std::collections::{BTreeMap, BTreeSet};

use minijinja::syntax::SyntaxConfig;
use minijinja::{context, Environment, Value};
use serde::Serialize;
use serde_json::Value as Json;

use super::{HitReport, PageReport, Report};
use crate::checks::{Finding, Severity};
use crate::vendors::{HitKind, Vendor};

/// The page layout. The `.html` names turn minijinja's HTML auto-escaping on.
const TEMPLATES: [(&str, &str); 2] = [
    ("report.html", include_str!("templates/report.html")),
    ("macros.html", include_str!("templates/macros.html")),
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
        status => to_value(&status(report)),
        started => report.started_at.format(TIME).to_string(),
        finished => report.finished_at.format(TIME).to_string(),
        duration => duration((report.finished_at - report.started_at).num_milliseconds() as f64),
        pages => to_value(&pages(report)),
        groups => to_value(&finding_groups(report)),
        matrix => to_value(&matrix(report)),
        survival => to_value(&survival(report)),
        survival_total => to_value(&survival_total(report)),
        previous_run => report.regressions.as_ref().map(|r| timestamp(&r.previous_run)),
        changes => to_value(&param_changes(report)),
        health => to_value(&health(report)),
        emails => to_value(&emails(report)),
        coverage_gaps => to_value(&report.discovery.as_ref().map(|d| d.gaps()).unwrap_or_default()),
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

/// The big line at the top.
#[derive(Serialize)]
struct Status {
    /// `error`, `warning` or `ok` (the colour).
    level: &'static str,
    /// `Action needed`, `Worth a look`, `All clear`.
    verdict: &'static str,
    /// `3 errors, 1 warning across 28 page runs`.
    headline: String,
    /// Events and vendors seen.
    detail: String,
}

fn status(report: &Report) -> Status {
    let s = &report.summary;
    let mut parts = Vec::new();
    if s.errors > 0 {
        parts.push(plural(s.errors, "error", "errors"));
    }
    if s.warnings > 0 {
        parts.push(plural(s.warnings, "warning", "warnings"));
    }
    let runs = match (s.emails, s.pages) {
        (0, pages) => plural(pages, "page run", "page runs"),
        (emails, 0) => plural(emails, "email", "emails"),
        (emails, pages) => format!(
            "{} and {}",
            plural(emails, "email", "emails"),
            plural(pages, "page run", "page runs")
        ),
    };
    let headline = if parts.is_empty() {
        format!("No errors or warnings across {runs}")
    } else {
        format!("{} across {runs}", parts.join(", "))
    };
    let (level, verdict) = if s.errors > 0 {
        ("error", "Action needed")
    } else if s.warnings > 0 {
        ("warning", "Worth a look")
    } else if report.partial.is_some() {
        ("warning", "Incomplete run")
    } else {
        ("ok", "All clear")
    };
    let vendors: BTreeSet<Vendor> = report
        .pages
        .iter()
        .flat_map(|p| &p.hits)
        .filter(|h| h.hit.kind == HitKind::Event)
        .map(|h| h.hit.vendor)
        .collect();
    let mut detail = format!(
        "{} from {}",
        plural(s.events, "tracking event", "tracking events"),
        plural(vendors.len(), "vendor", "vendors")
    );
    if s.emails > 0 {
        let links = report
            .emails
            .iter()
            .flat_map(|e| &e.links)
            .filter(|l| !l.hops.is_empty())
            .count();
        let pixels: usize = report.emails.iter().map(|e| e.open_pixels.len()).sum();
        let email_detail = format!(
            "{} and {} checked",
            plural(pixels, "open pixel", "open pixels"),
            plural(links, "link", "links")
        );
        detail = if s.pages == 0 {
            email_detail
        } else {
            format!("{detail}; {email_detail}")
        };
    }
    if s.infos > 0 {
        detail.push_str(&format!(", {}", plural(s.infos, "note", "notes")));
    }
    Status {
        level,
        verdict,
        headline,
        detail,
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
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

/// A parameter or evidence entry ready to print. Objects are spread into dotted keys
/// (`consent.ad_storage`), lists of scalars joined, lists of flat objects (`items`, `requests`)
/// made into a small table; anything deeper is indented JSON.
#[derive(Serialize, Default)]
struct Field {
    key: String,
    text: String,
    /// `text` is indented JSON.
    block: bool,
    table: Option<FieldTable>,
}

#[derive(Serialize)]
struct FieldTable {
    columns: Vec<String>,
    rows: Vec<Vec<String>>,
}

fn fields<'j>(entries: impl IntoIterator<Item = (&'j String, &'j Json)>) -> Vec<Field> {
    let mut out = Vec::new();
    for (key, value) in entries {
        push_field(&mut out, key.clone(), value);
    }
    out
}

fn push_field(out: &mut Vec<Field>, key: String, value: &Json) {
    let field = match value {
        Json::Object(map) if !map.is_empty() => {
            for (k, v) in map {
                push_field(out, format!("{key}.{k}"), v);
            }
            return;
        }
        Json::Array(items) => match (scalars(items), field_table(items)) {
            (Some(text), _) => Field {
                text,
                ..Field::default()
            },
            (None, Some(table)) => Field {
                table: Some(table),
                ..Field::default()
            },
            (None, None) => Field {
                text: pretty(value),
                block: true,
                ..Field::default()
            },
        },
        other => Field {
            text: scalar(other).unwrap_or_default(),
            ..Field::default()
        },
    };
    out.push(Field { key, ..field });
}

/// A scalar as text (strings without quotes); `None` for lists and objects.
fn scalar(value: &Json) -> Option<String> {
    match value {
        Json::String(s) => Some(s.clone()),
        Json::Null => Some("—".to_string()),
        Json::Array(_) | Json::Object(_) => None,
        other => Some(other.to_string()),
    }
}

/// A list of scalars, joined; `None` when an item is not a scalar.
fn scalars(items: &[Json]) -> Option<String> {
    if items.is_empty() {
        return Some("(empty)".to_string());
    }
    let texts: Option<Vec<String>> = items.iter().map(scalar).collect();
    texts.map(|t| t.join(", "))
}

/// A list of flat objects as a table (columns in order of first appearance).
fn field_table(items: &[Json]) -> Option<FieldTable> {
    let mut columns: Vec<String> = Vec::new();
    for item in items {
        for (key, value) in item.as_object()? {
            if scalar(value).is_none() && value.as_array().and_then(|a| scalars(a)).is_none() {
                return None;
            }
            if !columns.contains(key) {
                columns.push(key.clone());
            }
        }
    }
    let rows = items
        .iter()
        .map(|item| {
            columns
                .iter()
                .map(|c| match item.get(c) {
                    Some(Json::Array(a)) => scalars(a).unwrap_or_default(),
                    Some(v) => scalar(v).unwrap_or_default(),
                    None => String::new(),
                })
                .collect()
        })
        .collect();
    Some(FieldTable { columns, rows })
}

fn pretty(value: &Json) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

/// One hit with what the template prints precomputed.
#[derive(Serialize)]
struct HitView<'a> {
    hit: &'a HitReport,
    /// `380 ms`.
    time: String,
    /// Position on the page's timeline, in percent.
    at: u32,
    /// The request got a 2xx/3xx answer.
    ok: bool,
    params: Vec<Field>,
    raw: Vec<Field>,
}

impl<'a> HitView<'a> {
    fn new(hit: &'a HitReport, span_ms: f64) -> Self {
        HitView {
            hit,
            time: duration(hit.time_ms),
            at: percent(hit.time_ms, span_ms),
            ok: hit.status.is_some_and(|s| (200..400).contains(&s)),
            params: fields(&hit.hit.params),
            raw: fields(&hit.hit.raw),
        }
    }
}

/// `ms` as a share of `span_ms`, in percent.
fn percent(ms: f64, span_ms: f64) -> u32 {
    if span_ms > 0.0 {
        (ms / span_ms * 100.0).clamp(0.0, 100.0) as u32
    } else {
        0
    }
}

/// The time span a page's timeline bars cover.
fn span_ms(page: &PageReport) -> f64 {
    page.hits
        .iter()
        .map(|h| h.time_ms)
        .fold(page.wall_ms, f64::max)
}

/// One page run (a page under a scenario, or a journey step).
#[derive(Serialize)]
struct PageView<'a> {
    /// In-page anchor.
    id: String,
    label: String,
    /// `Pages`, or the journey run this step belongs to.
    group: String,
    page: &'a PageReport,
    /// `200`, `failed`, `-` (a step that did not navigate).
    http: String,
    level: &'static str,
    errors: usize,
    warnings: usize,
    infos: usize,
    events: usize,
    vendors: Vec<&'static str>,
    wall: String,
    consent_at: Option<String>,
    /// Where the consent click sits on the timeline, in percent.
    consent_mark: Option<u32>,
    /// What the timeline bars span (`2.1 s`).
    span: String,
    /// Hits in the order they were sent.
    hits: Vec<HitView<'a>>,
}

fn page_id(index: usize) -> String {
    format!("page-{}", index + 1)
}

/// `Pages`, or the journey run a step belongs to: `Journey “purchase” [accept]`.
fn group(page: &PageReport) -> String {
    let Some(journey) = &page.journey else {
        return "Pages".to_string();
    };
    let mut tags: Vec<&str> = page.consent.iter().map(|s| s.as_str()).collect();
    if page.device == crate::config::Device::Mobile {
        tags.push("mobile");
    }
    if tags.is_empty() {
        format!("Journey “{journey}”")
    } else {
        format!("Journey “{journey}” [{}]", tags.join(", "))
    }
}

fn pages(report: &Report) -> Vec<PageView<'_>> {
    report
        .pages
        .iter()
        .enumerate()
        .map(|(i, page)| {
            let count = |sev| page.findings.iter().filter(|f| f.severity == sev).count();
            let vendors: BTreeSet<Vendor> = page
                .hits
                .iter()
                .filter(|h| h.hit.kind == HitKind::Event)
                .map(|h| h.hit.vendor)
                .collect();
            let span = span_ms(page);
            let mut hits: Vec<HitView> = page.hits.iter().map(|h| HitView::new(h, span)).collect();
            hits.sort_by(|a, b| a.hit.time_ms.total_cmp(&b.hit.time_ms));
            PageView {
                id: page_id(i),
                label: page.label(),
                group: group(page),
                page,
                http: match (page.http_status, &page.error, page.step) {
                    (Some(status), _, _) => status.to_string(),
                    (None, None, Some(_)) => "-".to_string(),
                    _ => "failed".to_string(),
                },
                level: level(&page.findings),
                errors: count(Severity::Error),
                warnings: count(Severity::Warning),
                infos: count(Severity::Info),
                events: page
                    .hits
                    .iter()
                    .filter(|h| h.hit.kind == HitKind::Event)
                    .count(),
                vendors: vendors.into_iter().map(Vendor::as_str).collect(),
                wall: duration(page.wall_ms),
                consent_at: page.consent_at_ms.map(duration),
                consent_mark: page.consent_at_ms.map(|ms| percent(ms, span)),
                span: duration(span),
                hits,
            }
        })
        .collect()
}

/// Findings of one severity.
#[derive(Serialize)]
struct SeverityGroup<'a> {
    severity: &'static str,
    title: &'static str,
    count: usize,
    issues: Vec<Issue<'a>>,
}

/// One problem (code + vendor + account + event) and every page run it occurs on.
#[derive(Serialize)]
struct Issue<'a> {
    code: &'static str,
    severity: &'static str,
    vendor: Option<&'static str>,
    account: Option<&'a str>,
    event: Option<&'a str>,
    /// The code in words (`Fires before consent`).
    title: &'static str,
    /// What the code means, for people who do not know the codes.
    explain: &'static str,
    /// What an occurrence is: `page run` or `email`.
    unit: &'static str,
    occurrences: Vec<Occurrence<'a>>,
}

/// One finding on one page run.
#[derive(Serialize)]
struct Occurrence<'a> {
    page_id: String,
    page_label: String,
    page_url: &'a str,
    message: &'a str,
    evidence: Vec<Field>,
    /// The hits the finding is about (its vendor's event on that page, or its evidence URLs).
    hits: Vec<HitView<'a>>,
}

fn finding_groups(report: &Report) -> Vec<SeverityGroup<'_>> {
    [
        (Severity::Error, "Errors"),
        (Severity::Warning, "Warnings"),
        (Severity::Info, "Notes"),
    ]
    .into_iter()
    .filter_map(|(severity, title)| {
        let mut issues: Vec<Issue> = Vec::new();
        let mut count = 0;
        for (i, page) in report.pages.iter().enumerate() {
            for finding in page.findings.iter().filter(|f| f.severity == severity) {
                count += 1;
                let occurrence = occurrence(i, page, finding);
                let same = |issue: &&mut Issue| {
                    issue.code == finding.code.as_str()
                        && issue.vendor == finding.vendor.map(Vendor::as_str)
                        && issue.account == finding.account.as_deref()
                        && issue.event == finding.event.as_deref()
                };
                match issues.iter_mut().find(same) {
                    Some(issue) => issue.occurrences.push(occurrence),
                    None => issues.push(Issue {
                        title: finding.code.title(),
                        code: finding.code.as_str(),
                        severity: severity.as_str(),
                        vendor: finding.vendor.map(Vendor::as_str),
                        account: finding.account.as_deref(),
                        event: finding.event.as_deref(),
                        explain: finding.code.explanation(),
                        unit: "page run",
                        occurrences: vec![occurrence],
                    }),
                }
            }
        }
        for (i, email) in report.emails.iter().enumerate() {
            for finding in email.findings.iter().filter(|f| f.severity == severity) {
                count += 1;
                let occurrence = Occurrence {
                    page_id: format!("email-{i}"),
                    page_label: format!("email: {}", email.label()),
                    page_url: &email.source,
                    message: &finding.message,
                    evidence: match &finding.evidence {
                        Json::Object(map) => fields(map.iter()),
                        _ => Vec::new(),
                    },
                    hits: Vec::new(),
                };
                match issues
                    .iter_mut()
                    .find(|issue| issue.code == finding.code.as_str())
                {
                    Some(issue) => issue.occurrences.push(occurrence),
                    None => issues.push(Issue {
                        title: finding.code.title(),
                        code: finding.code.as_str(),
                        severity: severity.as_str(),
                        vendor: None,
                        account: None,
                        event: None,
                        explain: finding.code.explanation(),
                        unit: "email",
                        occurrences: vec![occurrence],
                    }),
                }
            }
        }
        (count > 0).then_some(SeverityGroup {
            severity: severity.as_str(),
            title,
            count,
            issues,
        })
    })
    .collect()
}

fn occurrence<'a>(index: usize, page: &'a PageReport, finding: &'a Finding) -> Occurrence<'a> {
    let mut urls = BTreeSet::new();
    evidence_urls(&finding.evidence, &mut urls);
    let span = span_ms(page);
    let hits: Vec<HitView> = page
        .hits
        .iter()
        .filter(|h| {
            urls.contains(h.url.as_str())
                || (finding.event.is_some()
                    && finding.vendor == Some(h.hit.vendor)
                    && h.hit.event == finding.event
                    && (finding.account.is_none() || h.hit.account == finding.account))
        })
        .map(|h| HitView::new(h, span))
        .collect();
    let evidence = match &finding.evidence {
        // `params` that repeat a hit's decoded parameters are shown once, with the hit.
        Json::Object(map) => fields(map.iter().filter(|(key, value)| {
            !(*key == "params" && hits.iter().any(|h| json_eq(&h.hit.hit.params, value)))
        })),
        Json::Null => Vec::new(),
        other => fields([(&"evidence".to_string(), other)]),
    };
    Occurrence {
        page_id: page_id(index),
        page_label: page.label(),
        page_url: &page.url,
        message: &finding.message,
        evidence,
        hits,
    }
}

fn json_eq(params: &BTreeMap<String, Json>, value: &Json) -> bool {
    serde_json::to_value(params).is_ok_and(|p| &p == value)
}

/// Every `url` string in a finding's evidence.
fn evidence_urls<'j>(evidence: &'j Json, out: &mut BTreeSet<&'j str>) {
    match evidence {
        Json::Object(map) => {
            for (key, value) in map {
                match value {
                    Json::String(url) if key == "url" => {
                        out.insert(url);
                    }
                    other => evidence_urls(other, out),
                }
            }
        }
        Json::Array(items) => items.iter().for_each(|v| evidence_urls(v, out)),
        _ => {}
    }
}

/// One email as shown: its report plus counts and a level for the row colour.
#[derive(Serialize)]
struct EmailView<'a> {
    id: String,
    label: String,
    level: &'static str,
    esp: Option<&'static str>,
    email: &'a crate::email::EmailReport,
}

fn emails(report: &Report) -> Vec<EmailView<'_>> {
    report
        .emails
        .iter()
        .enumerate()
        .map(|(i, email)| EmailView {
            id: format!("email-{i}"),
            label: email.label(),
            level: level(&email.findings),
            esp: email.esp.map(|e| e.name()),
            email,
        })
        .collect()
}

/// What fired where: rows are page runs, columns vendors.
#[derive(Serialize)]
struct Matrix {
    vendors: Vec<&'static str>,
    rows: Vec<MatrixRow>,
}

#[derive(Serialize)]
struct MatrixRow {
    page_id: String,
    /// As in the pages table.
    group: String,
    label: String,
    cells: Vec<Cell>,
}

#[derive(Serialize)]
struct Cell {
    /// Events in the order they first fired, with how often.
    events: Vec<EventCount>,
    /// Only the vendor's script loaded (no event).
    loader_only: bool,
    /// The worst finding about this vendor on this page, or `ok`.
    level: &'static str,
    /// The codes of those findings.
    codes: Vec<&'static str>,
}

#[derive(Serialize)]
struct EventCount {
    name: String,
    count: usize,
}

fn matrix(report: &Report) -> Matrix {
    let vendors: Vec<Vendor> = report
        .pages
        .iter()
        .flat_map(|p| {
            p.hits
                .iter()
                .map(|h| h.hit.vendor)
                .chain(p.findings.iter().filter_map(|f| f.vendor))
        })
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let rows = report
        .pages
        .iter()
        .enumerate()
        .map(|(i, page)| MatrixRow {
            page_id: page_id(i),
            group: group(page),
            label: page.label(),
            cells: vendors.iter().map(|&vendor| cell(page, vendor)).collect(),
        })
        .collect();
    Matrix {
        vendors: vendors.into_iter().map(Vendor::as_str).collect(),
        rows,
    }
}

fn cell(page: &PageReport, vendor: Vendor) -> Cell {
    let mut hits: Vec<&HitReport> = page
        .hits
        .iter()
        .filter(|h| h.hit.vendor == vendor)
        .collect();
    hits.sort_by(|a, b| a.time_ms.total_cmp(&b.time_ms));
    let mut events: Vec<EventCount> = Vec::new();
    for hit in hits.iter().filter(|h| h.hit.kind == HitKind::Event) {
        let name = hit.hit.event.as_deref().unwrap_or("?");
        match events.iter_mut().find(|e| e.name == name) {
            Some(e) => e.count += 1,
            None => events.push(EventCount {
                name: name.to_string(),
                count: 1,
            }),
        }
    }
    let findings: Vec<&Finding> = page
        .findings
        .iter()
        .filter(|f| f.vendor == Some(vendor))
        .collect();
    let mut codes: Vec<&'static str> = findings.iter().map(|f| f.code.as_str()).collect();
    codes.dedup();
    Cell {
        loader_only: events.is_empty() && !hits.is_empty(),
        events,
        level: level(findings.iter().copied()),
        codes,
    }
}

/// A parameter that changed since the previous run, values as text.
#[derive(Serialize)]
struct ParamChangeView<'a> {
    page: &'a str,
    vendor: &'a str,
    event: Option<&'a str>,
    param: &'a str,
    before: String,
    now: String,
}

fn param_changes(report: &Report) -> Vec<ParamChangeView<'_>> {
    let show = |v: &Json| scalar(v).unwrap_or_else(|| v.to_string());
    report
        .regressions
        .iter()
        .flat_map(|r| &r.changed_params)
        .map(|c| ParamChangeView {
            page: &c.event.page,
            vendor: &c.event.vendor,
            event: c.event.event.as_deref(),
            param: &c.param,
            before: show(&c.before),
            now: show(&c.now),
        })
        .collect()
}

/// One row of the ad-block survival table.
#[derive(Serialize)]
struct SurvivalRow {
    vendor: &'static str,
    events: usize,
    survived: usize,
    /// Percent of events that survive, when there were any.
    events_pct: Option<u32>,
    conversions: usize,
    conversions_survived: usize,
    conversions_pct: Option<u32>,
    /// `ok` (most survive), `warning` (some), `error` (few or none).
    level: &'static str,
}

fn survival_row(
    vendor: &'static str,
    events: usize,
    survived: usize,
    conversions: usize,
    conversions_survived: usize,
) -> SurvivalRow {
    let pct = |part: usize, all: usize| {
        (all > 0).then(|| (part as f64 * 100.0 / all as f64).round() as u32)
    };
    let events_pct = pct(survived, events);
    SurvivalRow {
        vendor,
        events,
        survived,
        events_pct,
        conversions,
        conversions_survived,
        conversions_pct: pct(conversions_survived, conversions),
        level: match events_pct {
            Some(p) if p >= 90 => "ok",
            Some(p) if p >= 50 => "warning",
            Some(_) => "error",
            None => "none",
        },
    }
}

fn survival(report: &Report) -> Vec<SurvivalRow> {
    report
        .adblock
        .iter()
        .flat_map(|a| &a.vendors)
        .map(|v| {
            survival_row(
                v.vendor.map_or("-", Vendor::as_str),
                v.events,
                v.survived,
                v.conversions,
                v.conversions_survived,
            )
        })
        .collect()
}

/// All vendors together.
fn survival_total(report: &Report) -> Option<SurvivalRow> {
    let adblock = report.adblock.as_ref()?;
    let sum = |f: fn(&crate::report::VendorSurvival) -> usize| adblock.vendors.iter().map(f).sum();
    Some(survival_row(
        "all vendors",
        sum(|v| v.events),
        sum(|v| v.survived),
        sum(|v| v.conversions),
        sum(|v| v.conversions_survived),
    ))
}

/// One vendor's trend over the last runs: SVG polyline points (numbers only) for its events
/// and its error findings, oldest to newest, this run last.
#[derive(serde::Serialize)]
struct HealthView {
    vendor: String,
    events: String,
    errors: String,
    runs: usize,
    last_events: i64,
    last_errors: i64,
}

fn health(report: &Report) -> Vec<HealthView> {
    let Some(history) = &report.history else {
        return Vec::new();
    };
    let mut now: std::collections::BTreeMap<String, (i64, i64)> = std::collections::BTreeMap::new();
    for page in &report.pages {
        for hit in page
            .hits
            .iter()
            .filter(|h| h.hit.kind == crate::vendors::HitKind::Event)
        {
            now.entry(hit.hit.vendor.as_str().to_string())
                .or_default()
                .0 += 1;
        }
        for f in page
            .findings
            .iter()
            .filter(|f| f.severity == crate::checks::Severity::Error)
        {
            if let Some(v) = f.vendor {
                now.entry(v.as_str().to_string()).or_default().1 += 1;
            }
        }
    }
    let vendors: std::collections::BTreeSet<&String> = history.keys().chain(now.keys()).collect();
    vendors
        .into_iter()
        .map(|vendor| {
            let mut series: Vec<(i64, i64)> = history
                .get(vendor)
                .map(|p| p.iter().map(|p| (p.events, p.errors)).collect())
                .unwrap_or_default();
            let current = now.get(vendor).copied().unwrap_or((0, 0));
            series.push(current);
            let line = |values: Vec<i64>| -> String {
                let max = values.iter().copied().max().unwrap_or(0).max(1) as f64;
                let step = if values.len() > 1 {
                    236.0 / (values.len() - 1) as f64
                } else {
                    0.0
                };
                values
                    .iter()
                    .enumerate()
                    .map(|(i, v)| {
                        format!(
                            "{:.1},{:.1}",
                            2.0 + i as f64 * step,
                            44.0 - *v as f64 / max * 40.0
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            HealthView {
                vendor: vendor.clone(),
                events: line(series.iter().map(|s| s.0).collect()),
                errors: line(series.iter().map(|s| s.1).collect()),
                runs: series.len(),
                last_events: current.0,
                last_errors: current.1,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use serde_json::json;

    use super::*;
    use crate::browser::ConsoleEntry;
    use crate::checks::Code;
    use crate::config::{Device, Scenario};
    use crate::report::Summary;
    use crate::request::TargetKind;
    use crate::vendors::{EventClass, Hit};

    const XSS1: &str = "<script>alert(1)</script>";
    const XSS2: &str = "<script>alert(2)</script>";
    const XSS3: &str = "\"><img src=x onerror=alert(3)>";

    fn hit(vendor: Vendor, event: &str, time_ms: f64) -> HitReport {
        let mut h = Hit::event(vendor, Some("1234".into()), Some(event.into()));
        h.class = EventClass::PageView;
        h.params.insert("value".into(), json!(59.9));
        h.params.insert("currency".into(), json!("EUR"));
        h.raw.insert("ev".into(), json!(event));
        HitReport {
            hit: h,
            url: format!("https://tracker.test/tr?ev={event}"),
            method: "GET".into(),
            status: Some(200),
            outcome: "200".into(),
            time_ms,
            target: TargetKind::Page,
            mirrors: vec![],
            blocked_by: None,
            first_party: false,
        }
    }

    fn page(name: &str, url: &str, hits: Vec<HitReport>, findings: Vec<Finding>) -> PageReport {
        PageReport {
            page_type: None,
            name: name.into(),
            journey: None,
            step: None,
            consent: Some(Scenario::Accept),
            consent_at_ms: Some(500.0),
            device: Device::Desktop,
            url: url.into(),
            http_status: Some(200),
            error: None,
            wall_ms: 1500.0,
            last_hit_ms: Some(900.0),
            settled: true,
            requests: 12,
            unfinished: vec![],
            hits,
            findings,
            console: vec![],
            screenshot: None,
            screenshot_png: None,
            adblock: None,
        }
    }

    fn report() -> Report {
        let mut hostile = hit(Vendor::Meta, "PageView", 120.0);
        hostile.hit.params.insert("page_url".into(), json!(XSS2));
        hostile.hit.raw.insert("dl".into(), json!(XSS3));
        hostile.url = format!("https://www.facebook.com/tr/?id=1234&ev=PageView&dl={XSS2}");
        let mut home = page(
            "home",
            &format!("https://shop.test/?q={XSS1}"),
            vec![
                hostile,
                hit(Vendor::Meta, "PageView", 130.0),
                hit(Vendor::Ga4, "page_view", 300.0),
            ],
            vec![Finding {
                code: Code::Duplicate,
                severity: Severity::Error,
                vendor: Some(Vendor::Meta),
                account: Some("1234".into()),
                event: Some("PageView".into()),
                message: "meta PageView fired 2 times for 1234 in one page load".into(),
                evidence: json!({"count": 2, "note": XSS3}),
            }],
        );
        home.console.push(ConsoleEntry {
            source: "console".into(),
            level: "error".into(),
            text: format!("Uncaught {XSS2} {XSS3}"),
            url: None,
        });
        let cart = page(
            "cart",
            "https://shop.test/cart",
            vec![hit(Vendor::Meta, "InitiateCheckout", 200.0)],
            vec![Finding {
                code: Code::MissingEid,
                severity: Severity::Warning,
                vendor: Some(Vendor::Meta),
                account: Some("1234".into()),
                event: Some("InitiateCheckout".into()),
                message: "meta InitiateCheckout has no event id (eid)".into(),
                evidence: json!({"url": "https://tracker.test/tr?ev=InitiateCheckout"}),
            }],
        );
        let mut report = Report {
            emails: Vec::new(),
            discovery: None,
            version: crate::report::REPORT_VERSION,
            tool: "pixelaudit 0.1.0".into(),
            site: "demo-store".into(),
            started_at: chrono::Utc
                .with_ymd_and_hms(2026, 11, 28, 13, 41, 2)
                .unwrap(),
            finished_at: chrono::Utc
                .with_ymd_and_hms(2026, 11, 28, 13, 41, 9)
                .unwrap(),
            summary: Summary::default(),
            pages: vec![home, cart],
            adblock: None,
            regressions: None,
            partial: None,
            history: None,
        };
        report.summarize();
        report
    }

    #[test]
    fn store_coverage_shows_the_template_gaps() {
        let mut report = report();
        report.discovery = Some(crate::report::DiscoverySummary {
            found: [("gift_card".to_string(), 4), ("product".to_string(), 290)].into(),
            audited: [("gift_card".to_string(), 2), ("product".to_string(), 2)].into(),
            sitemaps: vec!["https://shop.test/sitemap.xml".into()],
            notes: vec!["URLs disallowed by robots.txt, skipped (1): /cart".into()],
            coverage: vec![crate::discover::TypeCoverage {
                page_type: "gift_card".into(),
                pages: 2,
                keys: vec![crate::discover::KeyCoverage {
                    key: "meta".into(),
                    missing: 2,
                    common_prefix: None,
                    examples: Vec::new(),
                }],
            }],
        });
        let html = to_html(&report);
        assert!(!html.contains("could not be rendered"), "{html}");
        assert!(html.contains("id=\"coverage\""));
        assert!(
            html.contains("meta missing on 2&#x2f;2 gift_card pages"),
            "minijinja escapes the slash"
        );
        assert!(html.contains("<td class=\"num\">290</td>"));
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
    fn shows_status_findings_and_matrix() {
        let html = to_html(&report());
        assert!(
            html.contains("1 error, 1 warning across 2 page runs"),
            "{html}"
        );
        assert!(html.contains("Action needed"));
        assert!(html.contains("demo-store"));
        assert!(html.contains("pixelaudit 0.1.0"));
        assert!(html.contains("2026-11-28 13:41:02 UTC"));
        assert!(html.contains(">duplicate<"));
        assert!(html.contains(">missing_eid<"));
        assert!(html.contains("meta PageView fired 2 times for 1234 in one page load"));
        // The matrix: meta on the home page fired PageView twice and has an error finding.
        let matrix = &html[html.find("id=\"matrix\"").expect("a matrix section")..];
        let cell = &matrix[matrix.find("class=\"cell error\"").expect("a flagged cell")..];
        let cell = &cell[..cell.find("</td>").unwrap()];
        assert!(cell.contains("PageView") && cell.contains("×2"), "{cell}");
        // The ga4 cell on the home page is fine.
        assert!(matrix.contains("class=\"cell ok\""));
    }

    #[test]
    fn no_problems_reads_all_clear() {
        let mut report = report();
        for page in &mut report.pages {
            page.findings.clear();
        }
        report.summarize();
        let html = to_html(&report);
        assert!(html.contains("All clear"));
        assert!(html.contains("No errors or warnings across 2 page runs"));
    }

    #[test]
    fn a_partial_run_says_so_in_every_format() {
        let mut report = report();
        for page in &mut report.pages {
            page.findings.clear();
        }
        report.summarize();
        report.partial = Some(crate::report::Partial {
            reason: crate::report::StopReason::TimeBudget,
            message: "the run reached its time budget: 2 of 5 page run(s) were audited".into(),
        });
        let html = to_html(&report);
        assert!(html.contains("Incomplete run"), "not `All clear`");
        assert!(html.contains("2 of 5 page run(s) were audited"));
        let markdown = crate::report::to_markdown(&report);
        assert!(markdown.starts_with("## ⚠️"), "{markdown}");
        assert!(markdown.contains("**Incomplete run:** the run reached its time budget"));
        assert!(crate::report::to_table(&report).contains("Incomplete run: the run reached"));
        let json: serde_json::Value =
            serde_json::from_str(&crate::report::to_json(&report)).unwrap();
        assert_eq!(json["partial"]["reason"], "time_budget");
        report.partial = None;
        let json: serde_json::Value =
            serde_json::from_str(&crate::report::to_json(&report)).unwrap();
        assert!(json.get("partial").is_none(), "absent when complete");
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

    #[test]
    fn shows_the_adblock_section_when_present() {
        use crate::adblock::ListInfo;
        use crate::report::{AdblockSummary, VendorSurvival};
        let mut report = report();
        report.adblock = Some(AdblockSummary {
            lists: vec![ListInfo {
                name: "easyprivacy".into(),
                source: "/usr/share/easyprivacy.txt".into(),
                note: Some("stale copy: <download failed>".into()),
                rules: 54371,
                load_ms: 120.0,
            }],
            blocked_run: true,
            vendors: vec![VendorSurvival {
                vendor: Some(Vendor::Meta),
                events: 4,
                survived: 1,
                conversions: 2,
                conversions_survived: 0,
            }],
        });
        let html = to_html(&report);
        assert!(html.contains("id=\"adblock\""));
        assert!(html.contains("54371"));
        assert!(html.contains("stale copy: &lt;download failed&gt;"));
        assert!(html.contains("25%"));
        assert!(html.contains("1 of 4 tracking events (25%) and 0 of 2 conversions (0%)"));
        assert!(!to_html(&super::tests::report()).contains("id=\"adblock\""));
    }

    #[test]
    fn shows_what_changed_since_the_previous_run() {
        use crate::report::{EventRef, FindingRef, ParamChange, Regressions};
        let mut report = report();
        let event = EventRef {
            page: "thank-you [accept]".into(),
            vendor: "ga4".into(),
            account: Some("G-1".into()),
            event: Some("purchase".into()),
        };
        report.regressions = Some(Regressions {
            previous_run: "2026-11-27T10:00:00Z".into(),
            new_findings: vec![FindingRef {
                page: "home [accept]".into(),
                code: "duplicate".into(),
                vendor: Some("meta".into()),
                event: Some("PageView".into()),
                message: format!("fired twice {XSS1}"),
            }],
            fixed_findings: vec![FindingRef {
                page: "cart [accept]".into(),
                code: "missing_eid".into(),
                vendor: Some("meta".into()),
                event: Some("InitiateCheckout".into()),
                message: "meta InitiateCheckout has no event id".into(),
            }],
            lost_events: vec![event.clone()],
            changed_params: vec![ParamChange {
                event,
                param: "currency".into(),
                before: json!("EUR"),
                now: json!(["E", "U", "R"]),
            }],
        });
        let html = to_html(&report);
        assert!(html.contains("id=\"changes\""));
        assert!(html.contains("1 new problem</strong>, 1 fixed, 1 event no longer fires"));
        assert!(html.contains("Fixed since then (1)"));
        assert!(html.contains("fired twice &lt;script&gt;"));
        assert!(
            html.contains("[&quot;E&quot;,&quot;U&quot;,&quot;R&quot;]"),
            "{html}"
        );
        assert!(!html.contains("<script"));
    }

    #[test]
    fn failed_pages_and_journey_steps_read_plainly() {
        let mut report = report();
        let mut failed = page("checkout", "https://shop.test/checkout", vec![], vec![]);
        failed.http_status = None;
        failed.error = Some("net::ERR_NAME_NOT_RESOLVED".into());
        let mut step = page("add to cart", "https://shop.test/p", vec![], vec![]);
        step.journey = Some("buy".into());
        step.step = Some(2);
        step.http_status = None;
        report.pages.extend([failed, step]);
        report.summarize();
        let html = to_html(&report);
        assert!(html.contains("The page failed: net::ERR_NAME_NOT_RESOLVED"));
        assert!(html.contains("Journey “buy” [accept]"));
        assert!(html.contains("buy #2 add to cart [accept]"));
        assert!(html.contains("same page (no new page load)"));
        assert!(html.contains("across 4 page runs"));
    }
}
