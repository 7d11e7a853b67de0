//! Compares the normal run with the blocked run: which events a blocker removes and why (the
//! rule that blocks the hit, or the blocked script it depends on), what survives, and which
//! pages break.

use std::collections::BTreeMap;

use serde_json::json;

use super::AdblockOptions;
use pixelaudit_core::model::{Code, Finding, HitKind, Vendor};
use pixelaudit_core::report::{
    AdblockOutcome, AdblockSummary, HitReport, LostEvent, PageReport, VendorSurvival,
};

type EventKey = (Vendor, Option<String>, Option<String>);

fn key(hit: &HitReport) -> EventKey {
    (
        hit.hit.vendor,
        hit.hit.account.clone(),
        hit.hit.event.clone(),
    )
}

/// Fills each normal page's `adblock` outcome and `adblock_blocked` findings from the blocked
/// run (`None`: no blocked run, so "lost" means "a list rule blocks the hit or its script"), and
/// returns the run's summary.
pub(crate) fn compare(
    normal: &mut [PageReport],
    blocked: Option<&[PageReport]>,
    options: &AdblockOptions,
) -> AdblockSummary {
    let mut by_label: BTreeMap<String, Vec<&PageReport>> = BTreeMap::new();
    for page in blocked.unwrap_or_default() {
        by_label.entry(page.label()).or_default().push(page);
    }
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut vendors: BTreeMap<Vendor, VendorSurvival> = BTreeMap::new();
    for page in normal.iter_mut() {
        let label = page.label();
        let n = seen.entry(label.clone()).or_default();
        let counterpart = blocked.map(|_| {
            by_label
                .get(&label)
                .and_then(|pages| pages.get(*n))
                .copied()
        });
        *n += 1;
        let outcome = outcome(page, counterpart);
        for lost in &outcome.lost {
            page.findings.push(Finding {
                code: Code::AdblockBlocked,
                severity: options.severity,
                vendor: Some(lost.vendor),
                account: lost.account.clone(),
                event: lost.event.clone(),
                message: format!(
                    "{} {} is lost to ad blockers: {}",
                    lost.vendor,
                    lost.event.as_deref().unwrap_or("event"),
                    lost.cause
                ),
                evidence: json!({"cause": lost.cause}),
            });
        }
        let mut lost_keys: Vec<EventKey> = outcome
            .lost
            .iter()
            .map(|l| (l.vendor, l.account.clone(), l.event.clone()))
            .collect();
        for hit in page.hits.iter().filter(|h| h.hit.kind == HitKind::Event) {
            let survival = vendors
                .entry(hit.hit.vendor)
                .or_insert_with(|| VendorSurvival {
                    vendor: Some(hit.hit.vendor),
                    ..Default::default()
                });
            let lost = match lost_keys.iter().position(|k| *k == key(hit)) {
                Some(i) => {
                    lost_keys.swap_remove(i);
                    true
                }
                None => false,
            };
            survival.events += 1;
            survival.survived += usize::from(!lost);
            if hit.hit.class.is_conversion() {
                survival.conversions += 1;
                survival.conversions_survived += usize::from(!lost);
            }
        }
        page.adblock = Some(outcome);
    }
    AdblockSummary {
        lists: options.blocker.lists().to_vec(),
        blocked_run: blocked.is_some(),
        vendors: vendors.into_values().collect(),
    }
}

fn outcome(page: &PageReport, blocked: Option<Option<&PageReport>>) -> AdblockOutcome {
    let events: Vec<&HitReport> = page
        .hits
        .iter()
        .filter(|h| h.hit.kind == HitKind::Event)
        .collect();
    let mut remaining: Vec<EventKey> = match blocked {
        Some(Some(b)) => b
            .hits
            .iter()
            .filter(|h| h.hit.kind == HitKind::Event && h.outcome != "blocked (adblock)")
            .map(key)
            .collect(),
        Some(None) => Vec::new(),
        None => events
            .iter()
            .filter(|h| cause(page, h).is_none())
            .map(|h| key(h))
            .collect(),
    };
    let mut lost = Vec::new();
    for hit in &events {
        match remaining.iter().position(|k| *k == key(hit)) {
            Some(i) => {
                remaining.swap_remove(i);
            }
            None => lost.push(LostEvent {
                vendor: hit.hit.vendor,
                account: hit.hit.account.clone(),
                event: hit.hit.event.clone(),
                cause: cause(page, hit).unwrap_or_else(|| match blocked {
                    Some(None) => "the blocked run never reached this step".to_string(),
                    _ => "it was not sent with the blocker on (no list rule matches it or its script)".to_string(),
                }),
            }),
        }
    }
    let new_errors = match blocked {
        Some(Some(b)) => b
            .console
            .iter()
            .filter(|c| {
                c.level == "error"
                    && c.source != "network"
                    && !c.text.contains("ERR_BLOCKED_BY_CLIENT")
            })
            .filter(|c| !page.console.iter().any(|n| n.text == c.text))
            .map(|c| c.text.lines().next().unwrap_or_default().to_string())
            .collect(),
        _ => Vec::new(),
    };
    AdblockOutcome {
        blocked_requests: match blocked {
            Some(Some(b)) => b
                .hits
                .iter()
                .filter(|h| h.outcome == "blocked (adblock)")
                .count(),
            _ => page.hits.iter().filter(|h| h.blocked_by.is_some()).count(),
        },
        events: events.len(),
        survived: events.len() - lost.len(),
        lost,
        new_errors,
    }
}

/// Why a blocker removes `hit`: its own request matches a rule, or a script it depends on
/// (the vendor's loader, or the loader its profile says it is `loaded_by`: the Google tag / GTM
/// container for Google's tags) does.
fn cause(page: &PageReport, hit: &HitReport) -> Option<String> {
    if let Some(m) = &hit.blocked_by {
        return Some(format!("its request matches `{}` ({})", m.rule, m.list));
    }
    let loaders = page.hits.iter().filter(|h| h.hit.kind == HitKind::Loader);
    let own = loaders
        .clone()
        .find(|l| l.hit.vendor == hit.hit.vendor && l.blocked_by.is_some());
    let container = || {
        let loader = hit.hit.vendor.profile().loaded_by?;
        loaders
            .clone()
            .find(|l| l.hit.vendor == loader && l.blocked_by.is_some())
    };
    own.or_else(container).map(|loader| {
        let m = loader.blocked_by.as_ref().expect("filtered on blocked_by");
        format!(
            "its script {} matches `{}` ({})",
            loader.url, m.rule, m.list
        )
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::sync::Arc;

    use super::*;
    use crate::adblock::Blocker;
    use pixelaudit_core::model::{BlockMatch, Device, EventClass, Hit, Severity, TargetKind};
    use pixelaudit_core::vendors::{GA4, GTM, KLAVIYO, META};

    fn hit(
        vendor: Vendor,
        kind: HitKind,
        event: Option<&str>,
        url: &str,
        rule: Option<&str>,
    ) -> HitReport {
        let mut h = match kind {
            HitKind::Event | HitKind::Automatic => {
                Hit::event(vendor, Some("acc".into()), event.map(str::to_string))
            }
            HitKind::Loader => Hit::loader(vendor, Some("acc".into())),
        };
        h.kind = kind;
        if event == Some("purchase") {
            h.class = EventClass::Purchase;
        }
        HitReport {
            hit: h,
            url: url.into(),
            method: "GET".into(),
            status: Some(200),
            outcome: "200".into(),
            time_ms: 0.0,
            target: TargetKind::Page,
            mirrors: vec![],
            blocked_by: rule.map(|r| BlockMatch {
                list: "easyprivacy".into(),
                rule: r.into(),
            }),
            first_party: false,
        }
    }

    fn page(hits: Vec<HitReport>) -> PageReport {
        PageReport {
            page_type: None,
            name: "p".into(),
            journey: None,
            step: None,
            consent: None,
            consent_at_ms: None,
            device: Device::Desktop,
            url: "https://shop.test/".into(),
            routes: vec![],
            http_status: Some(200),
            error: None,
            wall_ms: 0.0,
            last_hit_ms: None,
            settled: true,
            requests: 0,
            unfinished: vec![],
            hits,
            findings: vec![],
            console: vec![],
            screenshot: None,
            screenshot_png: None,
            adblock: None,
        }
    }

    fn options() -> AdblockOptions {
        AdblockOptions {
            blocker: Arc::new(Blocker::new(vec![])),
            blocked_run: true,
            severity: Severity::Info,
        }
    }

    #[test]
    fn lost_events_are_attributed_to_their_rule_or_their_blocked_container() {
        let normal_hits = vec![
            hit(
                GTM,
                HitKind::Loader,
                None,
                "https://shop.test/gtm.js?id=GTM-1",
                Some("/gtm.js"),
            ),
            hit(
                GA4,
                HitKind::Event,
                Some("purchase"),
                "https://shop.test/metrics/g/collect",
                None,
            ),
            hit(
                META,
                HitKind::Event,
                Some("PageView"),
                "https://www.facebook.com/tr/",
                Some("||facebook.com/tr/"),
            ),
            hit(
                KLAVIYO,
                HitKind::Event,
                Some("Active on Site"),
                "https://a.klaviyo.com/client/events/",
                None,
            ),
        ];
        let mut normal = vec![page(normal_hits)];
        let blocked = vec![page(vec![hit(
            KLAVIYO,
            HitKind::Event,
            Some("Active on Site"),
            "https://a.klaviyo.com/client/events/",
            None,
        )])];
        let summary = compare(&mut normal, Some(&blocked), &options());
        let outcome = normal[0].adblock.as_ref().unwrap();
        assert_eq!((outcome.events, outcome.survived), (3, 1));
        let causes: BTreeMap<Vendor, &str> = outcome
            .lost
            .iter()
            .map(|l| (l.vendor, l.cause.as_str()))
            .collect();
        assert!(
            causes[&GA4].contains("gtm.js?id=GTM-1") && causes[&GA4].contains("`/gtm.js`"),
            "{causes:?}"
        );
        assert!(causes[&META].contains("`||facebook.com/tr/`"), "{causes:?}");
        assert_eq!(
            normal[0]
                .findings
                .iter()
                .filter(|f| f.code == Code::AdblockBlocked)
                .count(),
            2
        );
        let ga4 = summary
            .vendors
            .iter()
            .find(|v| v.vendor == Some(GA4))
            .unwrap();
        assert_eq!((ga4.conversions, ga4.conversions_survived), (1, 0));
        let klaviyo = summary
            .vendors
            .iter()
            .find(|v| v.vendor == Some(KLAVIYO))
            .unwrap();
        assert_eq!((klaviyo.events, klaviyo.survived), (1, 1));
    }

    #[test]
    fn without_a_blocked_run_the_rules_decide() {
        let mut normal = vec![page(vec![
            hit(
                META,
                HitKind::Event,
                Some("PageView"),
                "https://www.facebook.com/tr/",
                Some("||facebook.com/tr/"),
            ),
            hit(
                KLAVIYO,
                HitKind::Event,
                Some("Active on Site"),
                "https://a.klaviyo.com/client/events/",
                None,
            ),
        ])];
        let summary = compare(
            &mut normal,
            None,
            &AdblockOptions {
                blocked_run: false,
                ..options()
            },
        );
        assert!(!summary.blocked_run);
        let outcome = normal[0].adblock.as_ref().unwrap();
        assert_eq!(outcome.lost.len(), 1);
        assert_eq!(outcome.lost[0].vendor, META);
    }
}
