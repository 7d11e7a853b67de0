//! Consent: hits that need consent and fired before the visitor gave it
//! (`fires_before_consent`) or after they refused it (`fires_after_reject`).

use std::collections::BTreeMap;

use serde_json::json;

use super::{Code, Finding, PageInput, Severity};
use crate::config::ConsentMode;
use crate::model::{Hit, HitKind, Scenario, Vendor};

/// Google's own consent mode: a hit that says its storage was denied is a cookieless ping,
/// which consent mode sends by design.
fn cookieless_google_ping(hit: &Hit) -> bool {
    let denied = |purpose: &str| {
        hit.params
            .get("consent")
            .and_then(|c| c.get(purpose))
            .and_then(|v| v.as_str())
            == Some("denied")
    };
    hit.vendor
        .profile()
        .consent
        .cookieless_when_denied
        .is_some_and(denied)
}

/// Hits (event, time) grouped by finding code, vendor and account.
type Groups<'a> = BTreeMap<(Code, Vendor, Option<&'a str>), Vec<(String, f64)>>;

pub(super) fn check(page: &PageInput<'_>) -> Vec<Finding> {
    let ctx = &page.context;
    let Some(consent) = ctx.consent else {
        return Vec::new();
    };
    let clicked = ctx.consent_at_ms;
    let mut groups: Groups<'_> = BTreeMap::new();
    for decoded in page.hits {
        let hit = &decoded.hit;
        // Automatic events (Meta's `Microdata`) are data sent all the same.
        if hit.kind == HitKind::Loader
            || consent.exempt.contains(&hit.vendor)
            || cookieless_google_ping(hit)
        {
            continue;
        }
        let time = page.requests[decoded.request].time_ms;
        let before_choice = clicked.is_none_or(|at| time < at);
        let code = match (consent.mode, ctx.scenario) {
            (ConsentMode::OptIn, Scenario::None) => Some(Code::FiresBeforeConsent),
            (ConsentMode::OptIn, Scenario::Accept | Scenario::Reject)
                if clicked.is_some() && before_choice =>
            {
                Some(Code::FiresBeforeConsent)
            }
            (_, Scenario::Reject) if !before_choice || clicked.is_none() => {
                Some(Code::FiresAfterReject)
            }
            _ => None,
        };
        if let Some(code) = code {
            groups
                .entry((code, hit.vendor, hit.account.as_deref()))
                .or_default()
                .push((hit.event.clone().unwrap_or_default(), time));
        }
    }
    groups
        .into_iter()
        .map(|((code, vendor, account), events)| {
            let names: Vec<&str> = events.iter().map(|(e, _)| e.as_str()).collect();
            let when = match code {
                Code::FiresBeforeConsent => "before the visitor consented",
                _ => "after the visitor rejected tracking",
            };
            Finding {
                code,
                severity: Severity::Error,
                vendor: Some(vendor),
                account: account.map(str::to_string),
                event: (names.len() == 1).then(|| names[0].to_string()),
                message: format!("{vendor} sent {} {when} ({})", names.join(", "), scenario_words(ctx)),
                evidence: json!({
                    "scenario": ctx.no_choice_in.unwrap_or(ctx.scenario),
                    "consent_at_ms": clicked,
                    "hits": events.iter().map(|(e, t)| json!({"event": e, "time_ms": t})).collect::<Vec<_>>(),
                }),
            }
        })
        .collect()
}

/// The scenario as a finding names it: the run's, and that no choice was made when its
/// banner did not appear.
fn scenario_words(ctx: &super::Context<'_>) -> String {
    match ctx.no_choice_in {
        Some(planned) => format!(
            "{} scenario, but its banner was not shown: no choice was made",
            planned.as_str()
        ),
        None => format!("{} scenario", ctx.scenario.as_str()),
    }
}

#[cfg(test)]
mod tests {
    use crate::checks::test_support::{document, ok, run_with};
    use crate::checks::Context;
    use crate::config::{ConsentMode, ConsentPlan};
    use crate::model::Scenario;
    use crate::vendors::SHOPIFY;

    const META: &str = "https://www.facebook.com/tr/?id=1&ev=PageView";
    const GA4_DENIED: &str = "https://region1.google-analytics.com/g/collect?v=2&tid=G-ABC123&cid=1&en=page_view&gcs=G100";
    const SHOPIFY_EXEMPT: &str =
        "https://shop.test/.well-known/shopify/monorail/unstable/produce_batch";

    fn codes(
        mode: ConsentMode,
        scenario: Scenario,
        clicked: Option<f64>,
        hits: &[(&str, f64)],
    ) -> Vec<&'static str> {
        let mut requests = vec![document()];
        for (url, time) in hits {
            let mut r = ok("GET", url, None);
            r.time_ms = *time;
            requests.push(r);
        }
        let plan = ConsentPlan {
            mode,
            accept: None,
            reject: None,
            exempt: vec![SHOPIFY],
            required: false,
        };
        let mut context = Context::generic();
        context.consent = Some(&plan);
        context.scenario = scenario;
        context.consent_at_ms = clicked;
        run_with(&requests, context)
            .into_iter()
            .map(|f| f.code.as_str())
            .collect()
    }

    #[test]
    fn opt_in_untouched_banner_allows_only_cookieless_google_and_exempt_vendors() {
        assert_eq!(
            codes(ConsentMode::OptIn, Scenario::None, None, &[(META, 100.0)]),
            vec!["fires_before_consent"]
        );
        assert!(codes(
            ConsentMode::OptIn,
            Scenario::None,
            None,
            &[(GA4_DENIED, 100.0), (SHOPIFY_EXEMPT, 50.0)]
        )
        .is_empty());
    }

    #[test]
    fn a_banner_that_never_showed_is_checked_as_no_choice_and_says_so() {
        let requests = vec![document(), ok("GET", META, None)];
        let plan = ConsentPlan {
            mode: ConsentMode::OptIn,
            accept: None,
            reject: None,
            exempt: vec![SHOPIFY],
            required: false,
        };
        let mut context = Context::generic();
        context.consent = Some(&plan);
        context.scenario = Scenario::None;
        context.no_choice_in = Some(Scenario::Reject);
        let found = run_with(&requests, context);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(
            found[0].code.as_str(),
            "fires_before_consent",
            "opt-in: tracking before any choice, not after a refusal that never happened"
        );
        assert!(
            found[0]
                .message
                .ends_with("(reject scenario, but its banner was not shown: no choice was made)"),
            "{}",
            found[0].message
        );
        assert_eq!(found[0].evidence["scenario"], "reject");
        let opt_out = ConsentPlan {
            mode: ConsentMode::OptOut,
            ..plan.clone()
        };
        context.consent = Some(&opt_out);
        assert!(
            run_with(&requests, context).is_empty(),
            "opt-out: allowed until the visitor rejects, which they could not"
        );
    }

    #[test]
    fn accept_click_splits_before_and_after() {
        assert!(codes(
            ConsentMode::OptIn,
            Scenario::Accept,
            Some(500.0),
            &[(META, 600.0)]
        )
        .is_empty());
        assert_eq!(
            codes(
                ConsentMode::OptIn,
                Scenario::Accept,
                Some(500.0),
                &[(META, 100.0)]
            ),
            vec!["fires_before_consent"]
        );
        assert!(
            codes(ConsentMode::OptIn, Scenario::Accept, None, &[(META, 100.0)]).is_empty(),
            "preset cookies: consented from the start"
        );
    }

    #[test]
    fn reject_flags_hits_after_the_refusal() {
        assert_eq!(
            codes(
                ConsentMode::OptIn,
                Scenario::Reject,
                Some(500.0),
                &[(META, 800.0)]
            ),
            vec!["fires_after_reject"]
        );
        assert_eq!(
            codes(
                ConsentMode::OptOut,
                Scenario::Reject,
                Some(500.0),
                &[(META, 100.0)]
            ),
            Vec::<&str>::new()
        );
        assert_eq!(
            codes(
                ConsentMode::OptOut,
                Scenario::Reject,
                None,
                &[(META, 100.0)]
            ),
            vec!["fires_after_reject"]
        );
        assert!(codes(ConsentMode::OptOut, Scenario::None, None, &[(META, 100.0)]).is_empty());
    }

    #[test]
    fn automatic_events_before_consent_are_data_sent_before_consent() {
        const MICRODATA: &str = "https://www.facebook.com/tr/?id=1&ev=Microdata&cd[JSON-LD]=%5B%5D";
        assert_eq!(
            codes(
                ConsentMode::OptIn,
                Scenario::None,
                None,
                &[(MICRODATA, 100.0)]
            ),
            vec!["fires_before_consent"]
        );
        assert_eq!(
            codes(
                ConsentMode::OptIn,
                Scenario::Accept,
                Some(500.0),
                &[(MICRODATA, 100.0)]
            ),
            vec!["fires_before_consent"]
        );
        assert!(codes(
            ConsentMode::OptIn,
            Scenario::Accept,
            Some(500.0),
            &[(MICRODATA, 700.0)]
        )
        .is_empty());
    }
}
