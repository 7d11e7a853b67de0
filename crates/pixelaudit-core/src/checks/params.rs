//! Parameter checks on decoded events: `missing_param` (value without currency; purchase
//! without value, currency or transaction id) and `wrong_type` (value not a number, currency
//! not ISO 4217, ids not a list).

use serde::Serialize;
use serde_json::{json, Value};

use super::currency::is_iso_4217;
use super::{Code, Finding, PageInput, Severity};
use crate::model::{DecodedHit, EventClass, Hit, HitKind, VendorProfile};

/// A normalised parameter the generic checks read from a vendor's events, and what they
/// require of it: what `missing_param` / `wrong_type` here and `missing_eid`
/// (`event_id.rs`) enforce, said for people (`pixelaudit vendors`). Kept next to the checks so
/// that the two change together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ParamRequirement {
    /// The normalised key, as `params` rules in a site config address it.
    pub key: &'static str,
    /// What a value must be (`number`, `iso_currency`, `list`), else `wrong_type`; null when
    /// any value is accepted.
    #[serde(rename = "type")]
    pub kind: Option<&'static str>,
    /// Which events must carry it: `purchase`, `purchase_or_value` (purchases, and any event
    /// with a value), `conversion`; null when it is optional.
    pub required_on: Option<&'static str>,
    /// The wire key(s) the vendor's decoder reads it from
    /// ([`VendorProfile::sources`]), or why it never sets it; null when the profile does not say.
    pub from: Option<&'static str>,
}

/// A normalised parameter a vendor's decoder fills that the generic checks do not list for it
/// ([`param_requirements`]): what `params` rules in a site config can still address
/// (`page_url`, `content_type`, `consent`, or every param of a vendor whose params are not
/// checked).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DecodedParam {
    /// The normalised key.
    pub key: &'static str,
    /// The wire key(s) it is read from.
    pub from: &'static str,
}

/// What the generic checks require of a vendor's event parameters, from its profile's
/// [`ParamFacts`](crate::model::ParamFacts). None for a loader (no events) or a vendor whose
/// parameters are not checked.
pub fn param_requirements(profile: &VendorProfile) -> Vec<ParamRequirement> {
    let facts = profile.params;
    if profile.events.is_empty() || !facts.checked {
        return Vec::new();
    }
    let param = |key, kind, required_on| ParamRequirement {
        key,
        kind,
        required_on,
        from: profile.source(key),
    };
    vec![
        param("value", Some("number"), Some("purchase")),
        param(
            "currency",
            Some("iso_currency"),
            facts.currency.then_some("purchase_or_value"),
        ),
        param(
            "transaction_id",
            None,
            facts.transaction_id.then_some("purchase"),
        ),
        param(
            "event_id",
            None,
            facts.conversion_event_id.map(|_| "conversion"),
        ),
        param("content_ids", Some("list"), None),
        param("items", Some("list"), None),
        param("num_items", Some("number"), None),
    ]
}

/// The params a vendor's decoder fills beyond [`param_requirements`], in its profile's order.
pub fn other_params(profile: &VendorProfile) -> Vec<DecodedParam> {
    let listed = param_requirements(profile);
    profile
        .sources
        .iter()
        .filter(|&&(key, _)| !listed.iter().any(|p| p.key == key))
        .map(|&(key, from)| DecodedParam { key, from })
        .collect()
}

fn present(hit: &DecodedHit, key: &str) -> bool {
    match hit.hit.param(key) {
        None | Some(Value::Null) => false,
        Some(Value::String(s)) => !s.trim().is_empty(),
        Some(_) => true,
    }
}

pub(super) fn check(page: &PageInput<'_>) -> Vec<Finding> {
    let mut findings = Vec::new();
    for hit in page.hits {
        if hit.hit.kind != HitKind::Event || !hit.hit.vendor.profile().params.checked {
            continue;
        }
        findings.extend(missing(hit));
        findings.extend(wrong_types(hit));
    }
    findings
}

fn missing(hit: &DecodedHit) -> Option<Finding> {
    let vendor = hit.hit.vendor;
    let carries = vendor.profile().params;
    let mut missing = Vec::new();
    let purchase = hit.hit.class == EventClass::Purchase;
    if purchase && !present(hit, "value") {
        missing.push("value");
    }
    if carries.currency && (purchase || present(hit, "value")) && !present(hit, "currency") {
        missing.push("currency");
    }
    if purchase && carries.transaction_id && !present(hit, "transaction_id") {
        missing.push("transaction_id");
    }
    if missing.is_empty() {
        return None;
    }
    let event = hit.hit.event.as_deref().unwrap_or("event");
    let message = if purchase {
        let what = if event.to_ascii_lowercase().contains("purchase") {
            ""
        } else {
            " (a purchase)"
        };
        format!("{vendor} {event}{what} is missing {}", missing.join(", "))
    } else {
        format!("{vendor} {event} sends a value without a currency")
    };
    Some(Finding::about_hit(
        Code::MissingParam,
        Severity::Error,
        hit,
        message,
        json!({"missing": missing, "params": hit.hit.params}),
    ))
}

/// The params of `hit` the generic check reports as `wrong_type`, each with its problem (none
/// for loaders and for vendors whose params are not checked).
pub(super) fn type_problems(hit: &Hit) -> Vec<(&'static str, String)> {
    if hit.kind != HitKind::Event || !hit.vendor.profile().params.checked {
        return Vec::new();
    }
    let mut problems = Vec::new();
    if let Some(value) = hit
        .param("value")
        .filter(|v| !v.is_number() && !is_blank(v))
    {
        problems.push(("value", format!("value is {value}, not a number")));
    }
    if let Some(currency) = hit.param("currency").filter(|v| !is_blank(v)) {
        let valid = currency.as_str().is_some_and(is_iso_4217);
        if !valid {
            problems.push((
                "currency",
                format!("currency {currency} is not an ISO 4217 code"),
            ));
        }
    }
    for key in ["content_ids", "items"] {
        if let Some(v) = hit.param(key).filter(|v| !v.is_array() && !is_blank(v)) {
            problems.push((key, format!("{key} is {v}, not a list")));
        }
    }
    if let Some(v) = hit
        .param("num_items")
        .filter(|v| !v.is_number() && !is_blank(v))
    {
        problems.push(("num_items", format!("num_items is {v}, not a number")));
    }
    problems
}

fn wrong_types(hit: &DecodedHit) -> Option<Finding> {
    let problems: Vec<String> = type_problems(&hit.hit)
        .into_iter()
        .map(|(_, problem)| problem)
        .collect();
    if problems.is_empty() {
        return None;
    }
    let event = hit.hit.event.as_deref().unwrap_or("event");
    Some(Finding::about_hit(
        Code::WrongType,
        Severity::Error,
        hit,
        format!("{} {event}: {}", hit.hit.vendor, problems.join("; ")),
        json!({"problems": problems, "params": hit.hit.params}),
    ))
}

fn is_blank(value: &Value) -> bool {
    value.is_null() || value.as_str().is_some_and(|s| s.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;

    fn meta(query: &str) -> Vec<super::Finding> {
        findings(vec![
            document(),
            ok(
                "GET",
                &format!("https://www.facebook.com/tr/?id=1&{query}"),
                None,
            ),
        ])
    }

    #[test]
    fn complete_purchase_has_no_findings() {
        let found = meta("ev=Purchase&eid=o1&cd[value]=10.5&cd[currency]=EUR&cd[content_ids]=%5B%22a%22%5D&cd[num_items]=1");
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn purchase_without_currency_and_value() {
        let found = meta("ev=Purchase&eid=o1&cd[value]=10");
        assert_eq!(codes(&found), vec!["missing_param"]);
        assert_eq!(
            found[0].evidence["missing"],
            serde_json::json!(["currency"])
        );
        let found = meta("ev=Purchase&eid=o1");
        assert_eq!(
            found[0].evidence["missing"],
            serde_json::json!(["value", "currency"])
        );
    }

    #[test]
    fn value_without_currency_on_any_event() {
        let found = meta("ev=ViewContent&cd[value]=10");
        assert_eq!(codes(&found), vec!["missing_param"]);
        assert!(found[0].message.contains("without a currency"));
    }

    #[test]
    fn ga4_purchase_needs_a_transaction_id() {
        let found = findings(vec![
            document(),
            ok("POST", "https://region1.google-analytics.com/g/collect?v=2&tid=G-ABC123&cid=1.2&en=purchase&epn.value=20&cu=EUR", None),
        ]);
        assert_eq!(codes(&found), vec!["missing_param"]);
        assert_eq!(
            found[0].evidence["missing"],
            serde_json::json!(["transaction_id"])
        );
    }

    #[test]
    fn uet_purchases_need_no_transaction_id() {
        let base = "https://bat.bing.com/action/0?ti=187654321&Ver=2&ea=purchase&gv=74.5&gc=EUR&pagetype=purchase&evt=custom";
        for url in [base.to_string(), format!("{base}&transaction_id=1001")] {
            let found = findings(vec![document(), ok("GET", &url, None)]);
            assert!(found.is_empty(), "{url}: {found:?}");
        }
    }

    #[test]
    fn wrong_types_are_listed_in_one_finding() {
        let found = meta("ev=AddToCart&eid=e1&cd[value]=%2410&cd[currency]=dollars&cd[content_ids]=SKU-1&cd[num_items]=two");
        assert_eq!(codes(&found), vec!["wrong_type"]);
        let problems = found[0].evidence["problems"].as_array().unwrap();
        assert_eq!(problems.len(), 4, "{problems:?}");
    }
}

#[cfg(test)]
mod sources {
    use super::{other_params, param_requirements};
    use crate::config::PARAM_KEYS;
    use crate::vendors;

    #[test]
    fn every_source_is_a_normalised_key_and_every_listed_param_has_one() {
        for vendor in vendors::all() {
            let profile = vendor.profile();
            let keys: Vec<&str> = profile.sources.iter().map(|&(key, _)| key).collect();
            for (i, &(key, from)) in profile.sources.iter().enumerate() {
                assert!(
                    PARAM_KEYS.contains(&key) && key != "raw",
                    "{vendor}: `{key}` is not a normalised key the checks know"
                );
                assert!(!keys[..i].contains(&key), "{vendor}: `{key}` twice");
                assert!(!from.trim().is_empty(), "{vendor}: `{key}` says nothing");
            }
            for param in param_requirements(profile) {
                assert!(
                    param.from.is_some(),
                    "{vendor}: `{}` is listed but has no source",
                    param.key
                );
            }
            // A key the decoder never sets is only said when the checks list it.
            for param in other_params(profile) {
                assert!(
                    !param.from.starts_with("not decoded"),
                    "{vendor}: `{}` is neither decoded nor listed",
                    param.key
                );
            }
            if profile.events.is_empty() {
                assert!(
                    profile.sources.is_empty(),
                    "{vendor}: a loader has no params"
                );
            } else {
                assert!(!profile.sources.is_empty(), "{vendor}: no sources");
            }
        }
    }

    #[test]
    fn keys_beyond_the_requirements_are_listed_apart() {
        let others = |v: crate::model::Vendor| -> Vec<&str> {
            other_params(v.profile()).iter().map(|p| p.key).collect()
        };
        assert_eq!(
            others(vendors::META),
            ["content_type", "page_url", "consent"]
        );
        assert_eq!(others(vendors::REDDIT), ["consent"]);
        assert!(others(vendors::GTM).is_empty());
        // Not checked: everything it decodes is listed apart.
        assert_eq!(
            others(vendors::SHOPIFY).len(),
            vendors::SHOPIFY.profile().sources.len()
        );
    }
}
