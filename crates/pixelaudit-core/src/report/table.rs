//! The terminal format: a summary line, a table per concern (pages, events, findings).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Write;

use tabled::builder::Builder;
use tabled::settings::object::Columns;
use tabled::settings::{Style, Width};

use super::Report;
use crate::model::{HitKind, Severity};

/// Captured data is hostile: control characters (terminal escape sequences among them) are
/// shown as `\u{..}` escapes instead of reaching the terminal.
fn clean(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() && c != '\n' {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        } else {
            out.push(c);
        }
    }
    out
}

/// Adds a row of cleaned cells.
fn push_row<const N: usize>(builder: &mut Builder, cells: [String; N]) {
    builder.push_record(cells.map(|cell| clean(&cell)));
}

/// Renders the report for a terminal.
pub fn to_table(report: &Report) -> String {
    let s = &report.summary;
    let mut out = String::new();
    let emails = if s.emails > 0 {
        format!("{} email(s), ", s.emails)
    } else {
        String::new()
    };
    let pages = if s.pages > 0 || s.emails == 0 {
        format!("{} page(s), {} event(s), ", s.pages, s.events)
    } else {
        String::new()
    };
    let _ = writeln!(
        out,
        "{}: {emails}{pages}{} error(s), {} warning(s)\n",
        clean(&report.site),
        s.errors,
        s.warnings
    );
    if let Some(partial) = &report.partial {
        let _ = writeln!(out, "Incomplete run: {}.\n", clean(&partial.message));
    }
    if let Some(r) = &report.regressions {
        out.push_str(&regressions_text(r));
    }
    let pages_shown = !report.pages.is_empty() || report.emails.is_empty();
    if !report.emails.is_empty() {
        out.push_str("Emails\n");
        out.push_str(&emails_table(report));
        if pages_shown {
            out.push_str("\n\n");
        }
    }
    if pages_shown {
        out.push_str(&pages_table(report));
        let routes: Vec<(String, String)> = report
            .pages
            .iter()
            .filter_map(|p| Some((p.label(), p.routes_line()?)))
            .collect();
        if !routes.is_empty() {
            out.push_str("\n\nSingle-page app routes (one page view each)\n");
            for (label, line) in routes {
                let _ = writeln!(out, "  {}: {}", clean(&label), clean(&line));
            }
            out.pop();
        }
        if s.events > 0 {
            out.push_str("\n\nEvents\n");
            out.push_str(&events_table(report));
        } else {
            out.push_str("\n\nNo vendor events.");
        }
    }
    if let Some(discovery) = &report.discovery {
        out.push_str("\n\nStore coverage (--discover)\n");
        out.push_str(&coverage_table(discovery));
        let gaps = discovery.gaps();
        if gaps.is_empty() {
            out.push_str("\nEvery vendor fires on every audited page of each type.");
        }
        for gap in gaps {
            let _ = write!(out, "\n  - {}", clean(&gap));
        }
        for note in &discovery.notes {
            let _ = write!(out, "\n  note: {}", clean(note));
        }
    }
    if let Some(adblock) = &report.adblock {
        out.push_str("\n\nAd blockers (");
        let lists: Vec<&str> = adblock.lists.iter().map(|l| l.name.as_str()).collect();
        out.push_str(&lists.join(", "));
        out.push_str(if adblock.blocked_run {
            "; blocked run)\n"
        } else {
            "; rules only)\n"
        });
        out.push_str(&adblock_table(report));
    }
    if s.errors + s.warnings + s.infos > 0 {
        out.push_str("\n\nFindings\n");
        out.push_str(&findings_table(report));
    } else {
        out.push_str("\n\nNo findings.");
    }
    out.push('\n');
    out
}

/// "Since the last run": shown first, as the most urgent news.
fn regressions_text(r: &super::Regressions) -> String {
    let mut out = format!(
        "Since the last run ({}): {}\n",
        clean(&r.previous_run),
        r.headline()
    );
    for f in &r.new_findings {
        let _ = writeln!(
            out,
            "  + {} {} {}: {}",
            clean(&f.page),
            f.code,
            f.vendor.as_deref().unwrap_or("-"),
            clean(&f.message)
        );
    }
    for e in &r.lost_events {
        let _ = writeln!(
            out,
            "  - {} {} {} no longer fires",
            clean(&e.page),
            e.vendor,
            clean(e.event.as_deref().unwrap_or("?"))
        );
    }
    for c in &r.changed_params {
        let _ = writeln!(
            out,
            "  ~ {} {} {} {}: {} → {}",
            clean(&c.event.page),
            c.event.vendor,
            clean(c.event.event.as_deref().unwrap_or("?")),
            c.param,
            clean(&c.before.to_string()),
            clean(&c.now.to_string())
        );
    }
    for f in &r.fixed_findings {
        let _ = writeln!(
            out,
            "  ✓ fixed: {} {} {}",
            clean(&f.page),
            f.code,
            f.vendor.as_deref().unwrap_or("-")
        );
    }
    out.push('\n');
    out
}

fn pages_table(report: &Report) -> String {
    let mut b = Builder::default();
    b.push_record([
        "page", "url", "status", "events", "vendors", "errors", "warnings", "wall ms",
    ]);
    for page in &report.pages {
        let mut vendors: Vec<&str> = page
            .hits
            .iter()
            .filter(|h| h.hit.kind == HitKind::Event)
            .map(|h| h.hit.vendor.as_str())
            .collect();
        vendors.sort_unstable();
        vendors.dedup();
        let count = |sev| {
            page.findings
                .iter()
                .filter(|f| f.severity == sev)
                .count()
                .to_string()
        };
        push_row(
            &mut b,
            [
                page.label(),
                page.url.clone(),
                match (page.http_status, &page.error, page.step) {
                    (Some(status), _, _) => status.to_string(),
                    (None, None, Some(_)) => "-".to_string(),
                    _ => "failed".to_string(),
                },
                page.hits
                    .iter()
                    .filter(|h| h.hit.kind == HitKind::Event)
                    .count()
                    .to_string(),
                vendors.join(" "),
                count(Severity::Error),
                count(Severity::Warning),
                format!("{:.0}", page.wall_ms),
            ],
        );
    }
    b.build()
        .with(Style::sharp())
        .modify(Columns::new(1..2), Width::wrap(48))
        .modify(Columns::new(4..5), Width::wrap(40).keep_words(true))
        .to_string()
}

fn events_table(report: &Report) -> String {
    let mut b = Builder::default();
    b.push_record(["page", "vendor", "account", "events"]);
    for page in &report.pages {
        let mut grouped: BTreeMap<(&str, &str), Vec<Cow<'_, str>>> = BTreeMap::new();
        for hit in page.hits.iter().filter(|h| h.hit.kind != HitKind::Loader) {
            let event = hit.hit.event.as_deref().unwrap_or("?");
            grouped
                .entry((
                    hit.hit.vendor.as_str(),
                    hit.hit.account.as_deref().unwrap_or("-"),
                ))
                .or_default()
                .push(match hit.hit.kind {
                    HitKind::Automatic => Cow::Owned(format!("{event} (automatic)")),
                    _ => Cow::Borrowed(event),
                });
        }
        for ((vendor, account), events) in grouped {
            let mut counted: Vec<(Cow<'_, str>, usize)> = Vec::new();
            for event in events {
                match counted.iter_mut().find(|(e, _)| *e == event) {
                    Some((_, n)) => *n += 1,
                    None => counted.push((event, 1)),
                }
            }
            let text: Vec<String> = counted
                .into_iter()
                .map(|(e, n)| {
                    if n > 1 {
                        format!("{e} ×{n}")
                    } else {
                        e.to_string()
                    }
                })
                .collect();
            push_row(
                &mut b,
                [
                    page.label(),
                    vendor.to_string(),
                    account.to_string(),
                    text.join(", "),
                ],
            );
        }
    }
    b.build()
        .with(Style::sharp())
        .modify(Columns::new(3..4), Width::wrap(60).keep_words(true))
        .to_string()
}

fn coverage_table(discovery: &super::DiscoverySummary) -> String {
    let mut b = Builder::default();
    b.push_record(["page type", "found", "audited", "vendors missing somewhere"]);
    for (page_type, found) in &discovery.found {
        let audited = discovery.audited.get(page_type).copied().unwrap_or(0);
        let missing: Vec<String> = discovery
            .coverage
            .iter()
            .filter(|t| &t.page_type == page_type)
            .flat_map(|t| {
                t.keys
                    .iter()
                    .filter(|k| k.missing > 0 && !k.key.contains(':'))
                    .map(move |k| format!("{} ({}/{})", k.key, k.missing, t.pages))
            })
            .collect();
        push_row(
            &mut b,
            [
                page_type.clone(),
                found.to_string(),
                audited.to_string(),
                missing.join(", "),
            ],
        );
    }
    b.build()
        .with(Style::sharp())
        .modify(Columns::new(3..4), Width::wrap(60).keep_words(true))
        .to_string()
}

fn adblock_table(report: &Report) -> String {
    let mut b = Builder::default();
    b.push_record(["vendor", "events", "survive", "conversions", "survive"]);
    let pct = |part: usize, all: usize| {
        if all == 0 {
            "-".to_string()
        } else {
            format!("{part} ({:.0}%)", part as f64 * 100.0 / all as f64)
        }
    };
    for v in report.adblock.iter().flat_map(|a| &a.vendors) {
        push_row(
            &mut b,
            [
                v.vendor.map_or("-", |v| v.as_str()).to_string(),
                v.events.to_string(),
                pct(v.survived, v.events),
                v.conversions.to_string(),
                pct(v.conversions_survived, v.conversions),
            ],
        );
    }
    b.build().with(Style::sharp()).to_string()
}

fn emails_table(report: &Report) -> String {
    let mut b = Builder::default();
    b.push_record([
        "email",
        "sender",
        "open pixel",
        "links",
        "tracked",
        "errors",
        "warnings",
    ]);
    for email in &report.emails {
        let pixel = match email.open_pixels.as_slice() {
            [] => "none".to_string(),
            pixels => pixels
                .iter()
                .map(|p| p.outcome.clone())
                .collect::<Vec<_>>()
                .join(", "),
        };
        let followed = email.links.iter().filter(|l| !l.unsubscribe);
        let count = |sev| {
            email
                .findings
                .iter()
                .filter(|f| f.severity == sev)
                .count()
                .to_string()
        };
        push_row(
            &mut b,
            [
                email.label(),
                email.esp.map_or("-", |e| e.name()).to_string(),
                pixel,
                followed.clone().count().to_string(),
                followed.filter(|l| l.tracked).count().to_string(),
                count(Severity::Error),
                count(Severity::Warning),
            ],
        );
    }
    b.build()
        .with(Style::sharp())
        .modify(Columns::new(0..1), Width::wrap(48).keep_words(true))
        .to_string()
}

fn findings_table(report: &Report) -> String {
    let mut b = Builder::default();
    b.push_record(["where", "severity", "code", "vendor", "event", "message"]);
    for email in &report.emails {
        for f in &email.findings {
            push_row(
                &mut b,
                [
                    format!("email: {}", email.label()),
                    f.severity.as_str().to_string(),
                    f.code.as_str().to_string(),
                    "-".to_string(),
                    "-".to_string(),
                    f.message.clone(),
                ],
            );
        }
    }
    for page in &report.pages {
        for f in &page.findings {
            push_row(
                &mut b,
                [
                    page.label(),
                    f.severity.as_str().to_string(),
                    f.code.as_str().to_string(),
                    f.vendor.map_or("-", |v| v.as_str()).to_string(),
                    f.event.clone().unwrap_or_else(|| "-".to_string()),
                    f.message.clone(),
                ],
            );
        }
    }
    b.build()
        .with(Style::sharp())
        .modify(Columns::new(5..6), Width::wrap(70).keep_words(true))
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::super::html::fixtures::report;
    use super::{clean, to_table};

    #[test]
    fn a_single_page_apps_routes_are_listed_under_the_pages() {
        let mut report = report();
        report.pages[1].routes[1].url = "https://shop.test/#/checkout\u{1b}[2J".into();
        let text = to_table(&report);
        assert!(
            text.contains("Single-page app routes (one page view each)\n  cart [accept]: /cart (0 ms) → /#/checkout\\u{1b}[2J (1.2 s)\n"),
            "{text}"
        );
        for page in &mut report.pages {
            page.routes.clear();
        }
        assert!(!to_table(&report).contains("routes"));
    }

    #[test]
    fn control_characters_never_reach_the_terminal() {
        assert_eq!(clean("Purchase\u{1b}[2J"), "Purchase\\u{1b}[2J");
        assert_eq!(clean("ok ×2"), "ok ×2");
    }
}
