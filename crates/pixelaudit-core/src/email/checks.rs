//! Email findings: open pixels (missing, broken, duplicated) and links (broken redirects,
//! missing or inconsistent UTMs, links that bypass click tracking).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::json;
use url::Url;

use super::model::{EmailLink, EmailReport};
use crate::config::EmailPlan;
use crate::model::{Code, Finding, Severity};

/// A report for an email (or a whole source) that could not be audited.
pub fn unreadable(source: &str, error: &str) -> EmailReport {
    EmailReport {
        source: source.to_string(),
        subject: None,
        from: None,
        to: None,
        date: None,
        message_id: None,
        esp: None,
        open_pixels: Vec::new(),
        links: Vec::new(),
        findings: vec![finding(
            Code::EmailUnreadable,
            Severity::Error,
            format!("{source}: {error}"),
            json!({ "source": source, "error": error }),
        )],
        error: Some(error.to_string()),
    }
}

/// Checks an email with the plan's store hosts.
pub fn check(report: &EmailReport, plan: &EmailPlan) -> Vec<Finding> {
    check_with_store(report, plan, &plan.store_hosts)
}

/// Checks an email; `store` are the hosts that count as the store.
pub fn check_with_store(report: &EmailReport, plan: &EmailPlan, store: &[String]) -> Vec<Finding> {
    let mut findings = Vec::new();
    open_pixels(report, plan, &mut findings);
    links(report, plan, store, &mut findings);
    findings
}

fn open_pixels(report: &EmailReport, plan: &EmailPlan, findings: &mut Vec<Finding>) {
    if report.open_pixels.is_empty() {
        if plan.require_open_pixel {
            let why = if report.links.is_empty() && report.error.is_none() {
                "it has no HTML part or no images"
            } else {
                "no image matches an email platform's open-pixel URL or a 1×1/hidden tracking image"
            };
            findings.push(finding(
                Code::MissingOpenPixel,
                Severity::Error,
                format!("no open-tracking pixel: {why}; opens of this email are not counted"),
                json!({ "source": report.source, "subject": report.subject }),
            ));
        }
        return;
    }
    for pixel in &report.open_pixels {
        let ok = pixel.status.is_some_and(|s| (200..300).contains(&s))
            && pixel
                .mime_type
                .as_deref()
                .is_some_and(|m| m.starts_with("image/"));
        if pixel.requested && ok {
            continue;
        }
        let what = if !pixel.requested {
            "was not requested when the email was rendered".to_string()
        } else if !pixel.status.is_some_and(|s| (200..300).contains(&s)) {
            format!("answers {}", pixel.outcome)
        } else {
            format!(
                "answers {} with {} instead of an image",
                pixel.outcome,
                pixel.mime_type.as_deref().unwrap_or("no content type")
            )
        };
        findings.push(finding(
            Code::BrokenOpenPixel,
            Severity::Error,
            format!("the open pixel {what}: opens are not counted"),
            json!({ "url": pixel.url, "outcome": pixel.outcome, "status": pixel.status, "mime_type": pixel.mime_type }),
        ));
    }
    let mut by_sender: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for pixel in &report.open_pixels {
        let key = match pixel.esp {
            Some(esp) => esp.name().to_string(),
            None => Url::parse(&pixel.url)
                .ok()
                .and_then(|u| u.host_str().map(str::to_string))
                .unwrap_or_default(),
        };
        by_sender.entry(key).or_default().push(&pixel.url);
    }
    for (sender, urls) in by_sender.into_iter().filter(|(_, urls)| urls.len() > 1) {
        findings.push(finding(
            Code::DuplicateOpenPixel,
            Severity::Warning,
            format!("{} open pixels of {sender} in one email", urls.len()),
            json!({ "urls": urls }),
        ));
    }
}

fn links(report: &EmailReport, plan: &EmailPlan, store: &[String], findings: &mut Vec<Finding>) {
    let mut reported = BTreeSet::new();
    for link in report.links.iter().filter(|l| !l.unsubscribe) {
        if let Some(error) = &link.error {
            if reported.insert(link.href.as_str()) {
                findings.push(finding(
                    Code::BrokenClickRedirect,
                    Severity::Error,
                    format!("the link {} fails: {error}", describe(link)),
                    json!({ "href": link.href, "hops": link.hops, "error": error }),
                ));
            }
        }
    }
    let store_links: Vec<&EmailLink> = report
        .links
        .iter()
        .filter(|l| !l.unsubscribe && l.to_store && l.error.is_none())
        .collect();
    if !plan.require_utm.is_empty() {
        let mut seen = BTreeSet::new();
        for link in store_links.iter().filter(|l| seen.insert(l.href.as_str())) {
            let missing: Vec<&str> = plan
                .require_utm
                .iter()
                .filter(|p| !link.utm.contains_key(p.as_str()))
                .map(String::as_str)
                .collect();
            if !missing.is_empty() {
                findings.push(finding(
                    Code::MissingUtm,
                    Severity::Warning,
                    format!(
                        "the link {} lands without {}: analytics cannot attribute the visit to this email",
                        describe(link),
                        missing.join(", ")
                    ),
                    json!({ "href": link.href, "destination": link.destination, "missing": missing, "utm": link.utm }),
                ));
            }
        }
    }
    let campaigns: BTreeSet<&str> = store_links
        .iter()
        .filter_map(|l| l.utm.get("utm_campaign").map(String::as_str))
        .collect();
    if campaigns.len() > 1 {
        let per_link: Vec<_> = store_links
            .iter()
            .filter_map(|l| {
                let campaign = l.utm.get("utm_campaign")?;
                Some(json!({ "text": l.text, "destination": l.destination, "utm_campaign": campaign }))
            })
            .collect();
        findings.push(finding(
            Code::InconsistentUtm,
            Severity::Warning,
            format!(
                "the links name {} different utm_campaign values ({}): the email's visits are split across campaigns",
                campaigns.len(),
                campaigns.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ")
            ),
            json!({ "campaigns": campaigns, "links": per_link }),
        ));
    }
    if plan.require_click_tracking {
        for link in report.links.iter().filter(|l| !l.unsubscribe && !l.tracked) {
            let host = Url::parse(&link.href)
                .ok()
                .and_then(|u| u.host_str().map(str::to_ascii_lowercase));
            if host.is_some_and(|h| store.contains(&h)) {
                findings.push(finding(
                    Code::UntrackedLink,
                    Severity::Warning,
                    format!(
                        "the link {} goes straight to the store, bypassing click tracking: its clicks are not counted",
                        describe(link)
                    ),
                    json!({ "href": link.href }),
                ));
            }
        }
    }
}

/// The store's hosts when the config names none: the most common destination host.
pub fn infer_store_hosts(links: &[EmailLink]) -> Vec<String> {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for link in links.iter().filter(|l| !l.unsubscribe) {
        let destination = link
            .destination
            .as_deref()
            .or(link.decoded_destination.as_deref());
        if let Some(host) = destination
            .and_then(|d| Url::parse(d).ok())
            .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
        {
            *counts.entry(host).or_default() += 1;
        }
    }
    counts
        .into_iter()
        .max_by_key(|(_, n)| *n)
        .map(|(host, _)| vec![host])
        .unwrap_or_default()
}

/// `"Shop now" (https://…)`.
fn describe(link: &EmailLink) -> String {
    if link.text.is_empty() {
        link.href.clone()
    } else {
        format!("\"{}\" ({})", link.text, link.href)
    }
}

fn finding(
    code: Code,
    severity: Severity,
    message: String,
    evidence: serde_json::Value,
) -> Finding {
    Finding {
        code,
        severity,
        vendor: None,
        account: None,
        event: None,
        message,
        evidence,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::email::model::OpenPixel;

    fn link(href: &str, destination: &str, tracked: bool) -> EmailLink {
        let utm = Url::parse(destination)
            .unwrap()
            .query_pairs()
            .filter(|(k, _)| k.starts_with("utm_"))
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        EmailLink {
            href: href.into(),
            text: "Shop".into(),
            esp: None,
            tracked,
            unsubscribe: false,
            decoded_destination: None,
            hops: Vec::new(),
            destination: Some(destination.into()),
            error: None,
            to_store: Url::parse(destination).unwrap().host_str() == Some("shop.test"),
            utm,
            identity: Vec::new(),
        }
    }

    fn pixel(status: Option<u16>, mime: Option<&str>) -> OpenPixel {
        OpenPixel {
            url: "https://trk.esp.test/o/1.gif".into(),
            esp: None,
            detected_by: "shape",
            requested: status.is_some(),
            status,
            mime_type: mime.map(str::to_string),
            outcome: status.map_or("not requested".into(), |s| s.to_string()),
        }
    }

    fn email(pixels: Vec<OpenPixel>, links: Vec<EmailLink>) -> EmailReport {
        let mut report = unreadable("a.eml", "x");
        report.findings.clear();
        report.error = None;
        report.open_pixels = pixels;
        report.links = links;
        report
    }

    fn codes(report: &EmailReport) -> Vec<&'static str> {
        let plan = EmailPlan::defaults(Some("shop.test"));
        check(report, &plan)
            .iter()
            .map(|f| f.code.as_str())
            .collect()
    }

    const FULL: &str = "https://shop.test/p?utm_source=esp&utm_medium=email&utm_campaign=bf";

    #[test]
    fn a_clean_email_has_no_findings() {
        let report = email(
            vec![pixel(Some(200), Some("image/gif"))],
            vec![link("https://click.esp.test/1", FULL, true)],
        );
        assert_eq!(codes(&report), Vec::<&str>::new());
    }

    #[test]
    fn pixels_that_fail_or_are_not_images_are_broken() {
        for p in [
            pixel(Some(404), Some("text/html")),
            pixel(Some(200), Some("text/html")),
            pixel(None, None),
        ] {
            assert_eq!(codes(&email(vec![p], Vec::new())), ["broken_open_pixel"]);
        }
        assert_eq!(
            codes(&email(Vec::new(), Vec::new())),
            ["missing_open_pixel"]
        );
        let two = vec![
            pixel(Some(200), Some("image/gif")),
            pixel(Some(200), Some("image/gif")),
        ];
        assert_eq!(codes(&email(two, Vec::new())), ["duplicate_open_pixel"]);
    }

    #[test]
    fn utm_rules_apply_to_store_links_only_and_unsubscribe_links_are_exempt() {
        let ok = pixel(Some(200), Some("image/gif"));
        let mut unsubscribe = link("https://esp.test/unsub", "https://esp.test/unsub", true);
        unsubscribe.unsubscribe = true;
        let report = email(
            vec![ok.clone()],
            vec![
                link(
                    "https://click.esp.test/1",
                    "https://shop.test/p?utm_source=esp",
                    true,
                ),
                link(
                    "https://click.esp.test/2",
                    "https://instagram.test/shop",
                    true,
                ),
                unsubscribe,
            ],
        );
        assert_eq!(codes(&report), ["missing_utm"]);
        // The same link twice (an image and its caption) is one problem.
        let twice = link("https://click.esp.test/1", "https://shop.test/p", true);
        let report = email(vec![ok.clone()], vec![twice.clone(), twice]);
        assert_eq!(codes(&report), ["missing_utm"]);
        let other = FULL.replace("utm_campaign=bf", "utm_campaign=welcome");
        let report = email(
            vec![ok],
            vec![
                link("https://click.esp.test/1", FULL, true),
                link("https://click.esp.test/2", &other, true),
                link("https://shop.test/direct", FULL, false),
            ],
        );
        assert_eq!(codes(&report), ["inconsistent_utm", "untracked_link"]);
    }

    #[test]
    fn broken_redirects_are_reported_once_per_link() {
        let mut broken = link("https://click.esp.test/1", FULL, true);
        broken.error = Some("the landing page answers HTTP 404".into());
        let report = email(
            vec![pixel(Some(200), Some("image/gif"))],
            vec![broken.clone(), broken],
        );
        assert_eq!(codes(&report), ["broken_click_redirect"]);
    }

    #[test]
    fn the_store_is_inferred_from_the_most_common_destination() {
        let links = vec![
            link("https://c/1", FULL, true),
            link("https://c/2", "https://shop.test/b", true),
            link("https://c/3", "https://instagram.test/x", true),
        ];
        assert_eq!(infer_store_hosts(&links), ["shop.test"]);
    }
}
