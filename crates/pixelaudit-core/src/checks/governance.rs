//! Governance: hits that must not fire on a page (`unexpected_tag`), and hits sent to an
//! account that is not one of the store's (`wrong_id`).

use std::collections::BTreeMap;

use serde_json::json;

use super::{Code, Finding, PageInput, Severity};
use crate::model::{HitKind, Vendor};

pub(super) fn check(page: &PageInput<'_>) -> Vec<Finding> {
    let ctx = &page.context;
    let mut findings = Vec::new();
    for forbid in &ctx.checks.forbid {
        let mut groups: BTreeMap<Option<&str>, Vec<&str>> = BTreeMap::new();
        for hit in page
            .hits
            .iter()
            .map(|h| &h.hit)
            .filter(|h| h.vendor == forbid.vendor)
        {
            if forbid
                .event
                .as_deref()
                .is_some_and(|e| h_event(hit) != Some(e))
            {
                continue;
            }
            let what = match hit.kind {
                HitKind::Loader => "its script",
                HitKind::Event | HitKind::Automatic => hit.event.as_deref().unwrap_or("an event"),
            };
            groups.entry(hit.account.as_deref()).or_default().push(what);
        }
        for (account, what) in groups {
            findings.push(Finding {
                code: Code::UnexpectedTag,
                severity: Severity::Error,
                vendor: Some(forbid.vendor),
                account: account.map(str::to_string),
                event: forbid.event.clone(),
                message: format!(
                    "{} must not fire on this page, but sent {}",
                    forbid.vendor,
                    what.join(", ")
                ),
                evidence: json!({"sent": what}),
            });
        }
    }
    let mut foreign: BTreeMap<(Vendor, &str), Vec<&str>> = BTreeMap::new();
    for hit in page
        .hits
        .iter()
        .map(|h| &h.hit)
        // Automatic events send the page's data to that account too.
        .filter(|h| h.kind != HitKind::Loader)
    {
        let (Some(ids), Some(account)) = (ctx.pixels.get(&hit.vendor), hit.account.as_deref())
        else {
            continue;
        };
        if !ids.iter().any(|id| id == account) {
            foreign
                .entry((hit.vendor, account))
                .or_default()
                .push(hit.event.as_deref().unwrap_or("?"));
        }
    }
    for ((vendor, account), events) in foreign {
        findings.push(Finding {
            code: Code::WrongId,
            severity: Severity::Error,
            vendor: Some(vendor),
            account: Some(account.to_string()),
            event: (events.len() == 1).then(|| events[0].to_string()),
            message: format!(
                "{vendor} sent {} to {account}, which is not one of the store's ids ({})",
                events.join(", "),
                ctx.pixels[&vendor].join(", ")
            ),
            evidence: json!({"account": account, "store_ids": ctx.pixels[&vendor], "events": events}),
        });
    }
    findings
}

fn h_event(hit: &crate::model::Hit) -> Option<&str> {
    hit.event.as_deref()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use crate::checks::test_support::{document, ok, run_with};
    use crate::checks::Context;
    use crate::config::{Checks, ForbidSpec};
    use crate::model::Vendor;
    use crate::vendors::META;

    fn codes(
        forbid: Vec<ForbidSpec>,
        pixels: BTreeMap<Vendor, Vec<String>>,
        urls: &[&str],
    ) -> Vec<(String, Option<String>)> {
        let mut requests = vec![document()];
        requests.extend(urls.iter().map(|u| ok("GET", u, None)));
        let checks = Checks {
            expect: vec![],
            forbid,
        };
        let mut context = Context::generic();
        context.checks = &checks;
        context.pixels = &pixels;
        run_with(&requests, context)
            .into_iter()
            .map(|f| (f.code.as_str().to_string(), f.account))
            .collect()
    }

    #[test]
    fn forbidden_vendor_is_an_unexpected_tag() {
        let forbid = vec![ForbidSpec {
            vendor: META,
            event: None,
        }];
        let found = codes(
            forbid,
            BTreeMap::new(),
            &[
                "https://connect.facebook.net/en_US/fbevents.js",
                "https://www.facebook.com/tr/?id=1&ev=PageView",
            ],
        );
        assert_eq!(
            found,
            vec![
                ("unexpected_tag".to_string(), None),
                ("unexpected_tag".to_string(), Some("1".to_string()))
            ]
        );
        let only_purchase = vec![ForbidSpec {
            vendor: META,
            event: Some("Purchase".into()),
        }];
        assert!(codes(
            only_purchase,
            BTreeMap::new(),
            &["https://www.facebook.com/tr/?id=1&ev=PageView"]
        )
        .is_empty());
    }

    #[test]
    fn hits_to_foreign_ids_are_wrong_ids() {
        let pixels = BTreeMap::from([(META, vec!["111".to_string()])]);
        let found = codes(
            vec![],
            pixels.clone(),
            &["https://www.facebook.com/tr/?id=222&ev=PageView"],
        );
        assert_eq!(
            found,
            vec![("wrong_id".to_string(), Some("222".to_string()))]
        );
        assert!(codes(
            vec![],
            pixels,
            &["https://www.facebook.com/tr/?id=111&ev=PageView"]
        )
        .is_empty());
    }
}
