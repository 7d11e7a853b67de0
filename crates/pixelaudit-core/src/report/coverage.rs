//! Template coverage of a discovered run: each audited page's type, and per type which vendors
//! and events are missing on how many pages (and under which common path).

use std::collections::{BTreeMap, BTreeSet};

use super::model::{DiscoverySummary, Report};
use crate::model::{Code, HitKind, Scenario};
use crate::report::{KeyCoverage, PageReport, TypeCoverage};

/// Tags each page found by discovery with its type (by URL) and fills in what was audited
/// per type and the coverage of every vendor and `vendor:event` per type.
pub fn summarize(
    report: &mut Report,
    mut summary: DiscoverySummary,
    types: &BTreeMap<String, String>,
) -> DiscoverySummary {
    let mut audited = Vec::new();
    for page in &mut report.pages {
        if page.journey.is_some() {
            continue;
        }
        let Some(page_type) = types.get(&page.url) else {
            continue;
        };
        page.page_type = Some(page_type.clone());
        if !lets_tags_run(page) {
            continue;
        }
        let path = url::Url::parse(&page.url)
            .map(|u| u.path().to_string())
            .unwrap_or_else(|_| page.url.clone());
        let mut keys = BTreeSet::new();
        for hit in page.hits.iter().filter(|h| h.hit.kind == HitKind::Event) {
            keys.insert(hit.hit.vendor.as_str().to_string());
            if let Some(event) = &hit.hit.event {
                keys.insert(format!("{}:{event}", hit.hit.vendor.as_str()));
            }
        }
        *summary.audited.entry(page_type.clone()).or_default() += 1;
        audited.push((page_type.clone(), path, keys));
    }
    summary.coverage = crate::report::coverage(&audited);
    add_absent_vendors(&mut summary.coverage);
    summary
}

/// Coverage compares visitors who let the tags run: no banner, or "Accept all" clicked (an
/// accept run whose banner was not shown made no choice).
fn lets_tags_run(page: &PageReport) -> bool {
    match page.consent {
        None => true,
        Some(Scenario::Accept) => !page.findings.iter().any(|f| {
            f.code == Code::BannerNotShown && f.evidence["checked_as"] == Scenario::None.as_str()
        }),
        Some(_) => false,
    }
}

/// A vendor that fires on most page types but on no page of one type is missing from that
/// whole template (a theme that lost its pixel snippet): within-type coverage cannot see it,
/// so it is added as missing on every page of that type.
fn add_absent_vendors(coverage: &mut [TypeCoverage]) {
    let types = coverage.len();
    let mut seen_in: BTreeMap<String, usize> = BTreeMap::new();
    for t in coverage.iter() {
        for key in t.keys.iter().filter(|k| !k.key.contains(':')) {
            *seen_in.entry(key.key.clone()).or_default() += 1;
        }
    }
    for t in coverage.iter_mut() {
        for (vendor, count) in &seen_in {
            let present = t.keys.iter().any(|k| k.key == *vendor);
            if !present && *count * 2 > types {
                t.keys.push(KeyCoverage {
                    key: vendor.clone(),
                    missing: t.pages,
                    common_prefix: None,
                    examples: Vec::new(),
                });
            }
        }
        t.keys.sort_by(|a, b| a.key.cmp(&b.key));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(key: &str, missing: usize) -> KeyCoverage {
        KeyCoverage {
            key: key.into(),
            missing,
            common_prefix: None,
            examples: Vec::new(),
        }
    }

    #[test]
    fn an_accept_run_whose_banner_was_not_shown_does_not_count() {
        let mut page = PageReport {
            page_type: None,
            name: "p".into(),
            journey: None,
            step: None,
            consent: Some(Scenario::Accept),
            consent_at_ms: Some(500.0),
            device: crate::model::Device::Desktop,
            url: "https://shop.test/".into(),
            http_status: Some(200),
            error: None,
            wall_ms: 0.0,
            last_hit_ms: None,
            settled: true,
            requests: 0,
            unfinished: vec![],
            hits: vec![],
            routes: vec![],
            findings: vec![],
            console: vec![],
            screenshot: None,
            screenshot_png: None,
            adblock: None,
        };
        assert!(lets_tags_run(&page), "accepted");
        page.consent_at_ms = None;
        page.findings.push(crate::model::Finding {
            code: Code::BannerNotShown,
            severity: crate::model::Severity::Info,
            vendor: None,
            account: None,
            event: None,
            message: String::new(),
            evidence: serde_json::json!({"checked_as": "none"}),
        });
        assert!(!lets_tags_run(&page), "no choice was made");
        page.consent = Some(Scenario::Reject);
        page.findings.clear();
        assert!(!lets_tags_run(&page));
        page.consent = None;
        assert!(lets_tags_run(&page), "no banner configured");
    }

    #[test]
    fn a_vendor_absent_from_a_whole_template_is_missing_there() {
        let t = |name: &str, keys: Vec<KeyCoverage>| TypeCoverage {
            page_type: name.into(),
            pages: 3,
            keys,
        };
        let mut coverage = vec![
            t("collection", vec![key("ga4", 0), key("meta", 0)]),
            t("gift_card", vec![key("ga4", 0)]),
            t("product", vec![key("ga4", 0), key("meta", 1)]),
        ];
        add_absent_vendors(&mut coverage);
        assert_eq!(coverage[1].keys.len(), 2);
        assert_eq!(coverage[1].keys[1].key, "meta");
        assert_eq!(coverage[1].keys[1].missing, 3);
        assert_eq!(
            coverage[2].keys[1].missing, 1,
            "within-type counts are kept"
        );
    }
}
