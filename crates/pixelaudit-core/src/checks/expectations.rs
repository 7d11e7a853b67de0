//! Expectations: each expected hit fired the expected number of times (`not_fired`,
//! `duplicate`; a page view on every route of a single-page app, other events on the page as a
//! whole), for the store's account (`wrong_id`), within its time budget (`slow_fire`),
//! with parameters that follow their rules (`missing_param`, `wrong_type`, `wrong_value`).
//! A param the vendor sent hashed (listed in the hit's `hashed` param) is compared hashed: a
//! plain configured or page value matches when its SHA-256 is what was sent.
//!
//! A rule does not report a problem a generic check already reports for the same hit, under
//! another code: a missing event id is `missing_eid` (not also `missing_param`), a param of the
//! wrong type is `wrong_type` (not also `wrong_value`). An expected event that did not fire at
//! all is handed back as [`Unfired`]: a failed script of its vendor may explain it.

use std::collections::BTreeMap;

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::currency::is_iso_4217;
use super::{event_id, params, Code, Finding, Navigations, PageInput, Severity};
use crate::config::{ExpectSpec, PageSource, ParamRule};
use crate::model::{
    route_at, CapturedRequest, DecodedHit, EventClass, Hit, HitKind, Route, Vendor,
};
use crate::vendors::{decode_requests, GOOGLE_ADS, KLAVIYO};

/// True when `hit` is the vendor event `spec` expects (any account), under its name or one of
/// the vendor's aliases for it.
pub fn matches_expectation(spec: &ExpectSpec, hit: &Hit) -> bool {
    hit.kind == HitKind::Event
        && hit.vendor == spec.vendor
        && hit
            .event
            .as_deref()
            .is_some_and(|event| spec.vendor.profile().same_event(event, &spec.event))
}

pub(super) fn right_account(spec: &ExpectSpec, hit: &Hit) -> bool {
    spec.accounts.is_empty()
        || hit
            .account
            .as_ref()
            .is_some_and(|a| spec.accounts.contains(a))
}

/// True when every expectation has at least its minimum count of hits in `requests`: what the
/// audit waits for.
pub fn met(specs: &[&ExpectSpec], requests: &[CapturedRequest]) -> bool {
    met_on_routes(specs, requests, Navigations::NONE)
}

/// [`met`] for a page that may have changed route (see [`Navigations::routes`]): a page-view
/// expectation is met once every route the page entered has its page views, so the audit keeps
/// waiting for the page view of a route it just moved to.
pub fn met_on_routes(
    specs: &[&ExpectSpec],
    requests: &[CapturedRequest],
    navigations: Navigations<'_>,
) -> bool {
    if specs.is_empty() {
        return true;
    }
    let hits = decode_requests(requests);
    specs.iter().all(|spec| {
        let routes = navigations.routes(requests, &hits, Some(spec.vendor));
        let ours: Vec<&DecodedHit> = hits
            .iter()
            .filter(|h| matches_expectation(spec, &h.hit) && right_account(spec, &h.hit))
            .collect();
        if !(routes.len() > 1 && counted_per_route(spec, &ours)) {
            return ours.len() as u32 >= spec.count.min;
        }
        routes.iter().enumerate().all(|(r, route)| {
            let n = ours
                .iter()
                .filter(|h| route_at(&routes, requests[h.request].time_ms) == r)
                .count();
            !route.entered || n as u32 >= spec.count.min
        })
    })
}

/// Page-view-class events their vendor sends once per page load by design, not on each route
/// of a single-page app: Klaviyo's `Active on Site` (an activity metric) and Google Ads'
/// `gtag.config` (the hit of the tag's `config` command).
const ONCE_PER_LOAD: &[(Vendor, &str)] =
    &[(KLAVIYO, "Active on Site"), (GOOGLE_ADS, "gtag.config")];

/// Whether `spec` is counted on each route of a single-page app: a page view (as its hits
/// show), unless its vendor sends it once per page load ([`ONCE_PER_LOAD`]).
fn counted_per_route(spec: &ExpectSpec, ours: &[&DecodedHit]) -> bool {
    let once_per_load = ONCE_PER_LOAD.iter().any(|&(vendor, event)| {
        spec.vendor == vendor && vendor.profile().same_event(&spec.event, event)
    });
    !once_per_load && ours.iter().any(|h| h.hit.class == EventClass::PageView)
}

/// A parameter by key: a normalised key, a dotted path into one (`consent.ad_storage`), or
/// `raw.<vendor key>`.
pub fn lookup<'a>(hit: &'a Hit, key: &str) -> Option<&'a Value> {
    if let Some(raw_key) = key.strip_prefix("raw.") {
        return hit.raw.get(raw_key);
    }
    let mut parts = key.split('.');
    let first = hit.params.get(parts.next()?)?;
    parts.try_fold(first, |value, part| value.get(part))
}

/// True when `key` names the hit's event id: the normalised `event_id`, or the vendor's own
/// key for it (`raw.eid`).
fn is_event_id_key(key: &str, hit: &Hit) -> bool {
    key == "event_id"
        || hit
            .vendor
            .profile()
            .params
            .conversion_event_id
            .is_some_and(|own| key.strip_prefix("raw.") == Some(own))
}

/// True when `spec` has a rule that needs `hit`'s event id to be there (any rule on it but
/// `absent`).
pub(super) fn requires_event_id(spec: &ExpectSpec, hit: &Hit) -> bool {
    spec.params
        .iter()
        .any(|(key, rule)| is_event_id_key(key, hit) && !matches!(rule, ParamRule::Absent))
}

/// What the expectations found on one page load.
pub(super) struct Expected {
    /// Every finding but the `not_fired` of events that did not fire at all.
    pub(super) findings: Vec<Finding>,
    /// Expected events that did not fire at all, not even for another account.
    pub(super) unfired: Vec<Unfired>,
}

/// An expected event that did not fire at all, with the `not_fired` finding that reports it
/// unless something else explains it (its vendor's script failed).
pub(super) struct Unfired {
    /// The vendor.
    pub(super) vendor: Vendor,
    /// The expected event, as the expectation names it.
    pub(super) event: String,
    /// The `not_fired` finding.
    pub(super) finding: Finding,
}

pub(super) fn check<'a>(page: &PageInput<'a>) -> Expected {
    let ctx = &page.context;
    let mut findings = Vec::new();
    let mut unfired = Vec::new();
    for spec in ctx.checks.expected_in(ctx.scenario) {
        let matching: Vec<&DecodedHit> = page
            .hits
            .iter()
            .filter(|h| matches_expectation(spec, &h.hit))
            .collect();
        let ours: Vec<&DecodedHit> = matching
            .iter()
            .copied()
            .filter(|h| right_account(spec, &h.hit))
            .collect();
        let about = |code, severity, message: String, evidence: Value| Finding {
            code,
            severity,
            vendor: Some(spec.vendor),
            account: spec.accounts.first().cloned(),
            event: Some(spec.event.clone()),
            message,
            evidence,
        };
        // A single-page app has one page view per route: a page-view expectation (one that its
        // hits show to be one) is counted on every route (as the vendor's own events split the
        // page); anything else on the page as a whole.
        let routes = page.routes_of(spec.vendor);
        let per_route = routes.len() > 1 && counted_per_route(spec, &ours);
        let scopes: Vec<(Option<&Route>, Vec<&DecodedHit>, Vec<&DecodedHit>)> = if per_route {
            routes
                .iter()
                .enumerate()
                .map(|(r, route)| {
                    let on = |hits: &Vec<&'a DecodedHit>| -> Vec<&'a DecodedHit> {
                        hits.iter()
                            .copied()
                            .filter(|h| page.route_of(&routes, h) == Some(r))
                            .collect()
                    };
                    (Some(route), on(&matching), on(&ours))
                })
                .collect()
        } else {
            vec![(None, matching.clone(), ours.clone())]
        };
        for (route, matching, ours) in scopes {
            let n = ours.len() as u32;
            let on_route = route.map_or(String::new(), |r| format!(" on route {}", r.url));
            let with_route = |mut evidence: Value| {
                if let Some(r) = route {
                    evidence["route"] = json!(r.url);
                }
                evidence
            };
            // A journey step's first route was entered by an earlier step, with its page view.
            let required = route.is_none_or(|r| r.entered);
            if n < spec.count.min && required {
                let others: Vec<&str> = matching
                    .iter()
                    .filter_map(|h| h.hit.account.as_deref())
                    .collect();
                if n == 0 && !others.is_empty() {
                    let mut finding = about(
                        Code::WrongId,
                        Severity::Error,
                        format!(
                            "{} {} fired{on_route} for {}, not for the store's {}",
                            spec.vendor,
                            spec.event,
                            others.join(", "),
                            spec.accounts.join(", ")
                        ),
                        with_route(
                            json!({"expected_accounts": spec.accounts, "seen_accounts": others}),
                        ),
                    );
                    finding.account = others.first().map(|a| a.to_string());
                    findings.push(finding);
                } else {
                    let message = if n == 0 {
                        format!(
                            "{} {} did not fire{on_route} (expected {}){}",
                            spec.vendor,
                            spec.event,
                            spec.count,
                            what_else_fired(spec, page.hits)
                        )
                    } else {
                        format!(
                            "{} {} fired {n} time(s){on_route}, expected {}",
                            spec.vendor, spec.event, spec.count
                        )
                    };
                    let finding = about(
                        Code::NotFired,
                        Severity::Error,
                        message,
                        with_route(json!({"count": n, "expected": spec.count.to_string()})),
                    );
                    if n == 0 {
                        unfired.push(Unfired {
                            vendor: spec.vendor,
                            event: spec.event.clone(),
                            finding,
                        });
                    } else {
                        findings.push(finding);
                    }
                }
            }
            if !spec.count.allows(n) && n > spec.count.min {
                findings.push(about(
                    Code::Duplicate,
                    Severity::Error,
                    format!("{} {} fired {n} times{on_route}, expected {}", spec.vendor, spec.event, spec.count),
                    with_route(json!({"count": n, "expected": spec.count.to_string(), "requests": ours.iter().map(|h| &page.requests[h.request].url).collect::<Vec<_>>()})),
                ));
            }
        }
        if let (Some(budget), Some(first)) = (
            spec.within,
            ours.iter()
                .map(|h| page.requests[h.request].time_ms)
                .reduce(f64::min),
        ) {
            let budget_ms = budget.as_millis() as f64;
            if first > budget_ms {
                findings.push(about(
                    Code::SlowFire,
                    Severity::Warning,
                    format!(
                        "{} {} arrived after {first:.0} ms, over its {budget_ms:.0} ms budget",
                        spec.vendor, spec.event
                    ),
                    json!({"time_ms": first, "budget_ms": budget_ms}),
                ));
            }
        }
        for hit in &ours {
            findings.extend(param_findings(spec, hit, ctx.page_values));
        }
    }
    Expected { findings, unfired }
}

/// What else the expected event's vendor sent on the page, for a `not_fired` message: the
/// event may be there under another name (an X event tag is named by its tag id, a custom
/// event by the store). Empty when the vendor sent no other event.
fn what_else_fired(spec: &ExpectSpec, hits: &[DecodedHit]) -> String {
    let mut sent: Vec<String> = Vec::new();
    for hit in hits.iter().map(|h| &h.hit) {
        let Some(event) = hit.event.as_deref() else {
            continue;
        };
        if hit.vendor != spec.vendor || hit.kind != HitKind::Event || matches_expectation(spec, hit)
        {
            continue;
        }
        let class = serde_json::to_value(hit.class)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .filter(|c| c != "other" && !event.eq_ignore_ascii_case(&c.replace('_', "")));
        let named = match class {
            Some(class) => {
                let article = if class.starts_with(['a', 'e', 'i', 'o', 'u']) {
                    "an"
                } else {
                    "a"
                };
                format!("{event} ({article} {})", class.replace('_', " "))
            }
            None => event.to_string(),
        };
        if !sent.contains(&named) {
            sent.push(named);
        }
    }
    if sent.is_empty() {
        return String::new();
    }
    let sent: Vec<&str> = sent.iter().map(String::as_str).collect();
    format!("; it sent {} here", super::delivery::in_words(&sent))
}

/// One finding per code for one hit, listing every rule that failed.
fn param_findings(
    spec: &ExpectSpec,
    hit: &DecodedHit,
    page_values: &BTreeMap<PageSource, Option<String>>,
) -> Vec<Finding> {
    let mut by_code: BTreeMap<Code, Vec<String>> = BTreeMap::new();
    // The generic checks report these problems of the hit under their own codes.
    let mistyped: Vec<&str> = params::type_problems(&hit.hit)
        .into_iter()
        .map(|(key, _)| key)
        .collect();
    let lacks_event_id = event_id::lacks_event_id(&hit.hit);
    for (key, rule) in &spec.params {
        if mistyped.contains(&key.split('.').next().unwrap_or(key)) {
            // `wrong_type` already: a wrong-typed value cannot be the expected one either.
            continue;
        }
        let hashed = is_hashed(&hit.hit, key);
        if let Err((mut code, problem)) = evaluate(rule, lookup(&hit.hit, key), page_values, hashed)
        {
            if code == Code::MissingParam && is_event_id_key(key, &hit.hit) {
                if lacks_event_id {
                    // `missing_eid` already, as an error since this rule requires the id.
                    continue;
                }
                // Any vendor's missing event id is one problem with one name.
                code = Code::MissingEid;
            }
            by_code
                .entry(code)
                .or_default()
                .push(format!("{key} {problem}"));
        }
    }
    by_code
        .into_iter()
        .map(|(code, problems)| {
            Finding::about_hit(
                code,
                Severity::Error,
                hit,
                format!("{} {}: {}", spec.vendor, spec.event, problems.join("; ")),
                json!({"problems": problems, "params": hit.hit.params}),
            )
        })
        .collect()
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

/// True when `key` names a normalised param the vendor sent hashed (the hit's `hashed` list).
fn is_hashed(hit: &Hit, key: &str) -> bool {
    hit.params
        .get("hashed")
        .and_then(Value::as_array)
        .is_some_and(|keys| keys.iter().any(|k| k.as_str() == Some(key)))
}

/// Lowercase hex SHA-256 of `text`.
fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// True when `sent` is the hex SHA-256 of the plain value `plain` (a configured value or one
/// read from the page). Reddit hashes the id as the site passed it; the trimmed and the
/// trimmed lowercase spelling are accepted too, so surrounding spaces or letter case in the
/// configured value do not matter.
fn hashes_to(sent: &Value, plain: &Value) -> bool {
    let Some(sent) = sent.as_str() else {
        return false;
    };
    let plain = match plain {
        Value::String(s) => s.clone(),
        Value::Null | Value::Array(_) | Value::Object(_) => return false,
        other => other.to_string(),
    };
    let trimmed = plain.trim();
    [plain.as_str(), trimmed, &trimmed.to_lowercase()]
        .iter()
        .any(|candidate| sent.eq_ignore_ascii_case(&sha256_hex(candidate)))
}

/// Checks one rule; `Err((code, what is wrong))` when it fails. `hashed`: the vendor sent the
/// value as a SHA-256, so `equals`, `one_of` and `from_page` compare the plain value hashed.
fn evaluate(
    rule: &ParamRule,
    value: Option<&Value>,
    page_values: &BTreeMap<PageSource, Option<String>>,
    hashed: bool,
) -> Result<(), (Code, String)> {
    let present = value.filter(|v| !is_empty(v));
    if let ParamRule::Absent = rule {
        return match present {
            None => Ok(()),
            Some(v) => Err((Code::WrongValue, format!("should be absent but is {v}"))),
        };
    }
    let Some(value) = present else {
        let what = if value.is_some_and(|v| v.as_array().is_some_and(Vec::is_empty)) {
            "is an empty list"
        } else {
            "is missing"
        };
        return Err((Code::MissingParam, what.to_string()));
    };
    let wrong =
        |expected: String| Err((Code::WrongValue, format!("is {value}, expected {expected}")));
    // The rules that compare with a plain value say that they compared it hashed.
    let wrong_hashed = |expected: String| {
        match hashed {
        true => Err((
            Code::WrongValue,
            format!(
                "was sent SHA-256-hashed ({value}) and is not the hash of the expected {expected}: compared hashed"
            ),
        )),
        false => wrong(expected),
    }
    };
    let same_one = |actual: &Value, expected: &Value| {
        if hashed {
            hashes_to(actual, expected)
        } else {
            same(actual, expected)
        }
    };
    // A list (`content_ids`) matches a single expected value when one of its items does.
    let same = |actual: &Value, expected: &Value| match (actual, expected) {
        (Value::Array(items), single) if !single.is_array() => {
            items.iter().any(|item| same_one(item, single))
        }
        _ => same_one(actual, expected),
    };
    match rule {
        ParamRule::Present | ParamRule::Absent => Ok(()),
        ParamRule::Number => match value.is_number() {
            true => Ok(()),
            false => Err((Code::WrongType, format!("is {value}, not a number"))),
        },
        ParamRule::IsoCurrency => match value.as_str().is_some_and(is_iso_4217) {
            true => Ok(()),
            false => Err((
                Code::WrongType,
                format!("is {value}, not an ISO 4217 currency"),
            )),
        },
        ParamRule::NonEmptyList => match value.is_array() {
            true => Ok(()),
            false => Err((Code::WrongType, format!("is {value}, not a list"))),
        },
        ParamRule::Equals(expected) => {
            if same(value, expected) {
                Ok(())
            } else {
                wrong_hashed(expected.to_string())
            }
        }
        ParamRule::OneOf(options) => {
            if options.iter().any(|o| same(value, o)) {
                Ok(())
            } else {
                wrong_hashed(format!("one of {}", Value::Array(options.clone())))
            }
        }
        ParamRule::Regex(re) => {
            let text = |v: &Value| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let matched = match value {
                Value::Array(items) => items.iter().any(|item| re.is_match(&text(item))),
                single => re.is_match(&text(single)),
            };
            if matched {
                Ok(())
            } else {
                wrong(format!("to match /{}/", re.as_str()))
            }
        }
        ParamRule::Range { min, max } => {
            let Some(n) = value.as_f64() else {
                return Err((Code::WrongType, format!("is {value}, not a number")));
            };
            if min.is_some_and(|m| n < m) || max.is_some_and(|m| n > m) {
                wrong(rule.to_string())
            } else {
                Ok(())
            }
        }
        ParamRule::FromPage {
            source,
            tolerance,
            capture,
        } => {
            let Some(Some(on_page)) = page_values.get(source) else {
                return Err((
                    Code::WrongValue,
                    format!("cannot be checked: the page has no {source}"),
                ));
            };
            let on_page = match capture {
                None => on_page.clone(),
                Some(re) => match re.captures(on_page) {
                    Some(found) => found
                        .get(1)
                        .or_else(|| found.get(0))
                        .map_or_else(String::new, |m| m.as_str().to_string()),
                    None => {
                        return Err((
                            Code::WrongValue,
                            format!(
                                "cannot be checked: `{re}` finds nothing in the page's {source} ({on_page:?})"
                            ),
                        ))
                    }
                },
            };
            let on_page = &on_page;
            let candidates: Vec<&Value> = match value {
                Value::Array(items) => items.iter().collect(),
                single => vec![single],
            };
            let matches = |c: &&Value| {
                if hashed {
                    hashes_to(c, &Value::String(on_page.clone()))
                } else {
                    same_as_page(c, on_page, *tolerance)
                }
            };
            if candidates.iter().any(matches) {
                Ok(())
            } else {
                wrong_hashed(format!("{on_page:?} (the page's {source})"))
            }
        }
    }
}

/// Equality for configured values: numbers numerically, everything else as JSON.
/// Equality of a sent value with an expected one. A number and a string holding a number are
/// compared as numbers (`transaction_id = 1001` matches the `"1001"` a vendor sends, and
/// `value = 74.5` matches `74.50`), and a string is compared as the text sent.
fn same(actual: &Value, expected: &Value) -> bool {
    let number = |v: &Value| {
        v.as_f64()
            .or_else(|| v.as_str()?.trim().parse::<f64>().ok())
    };
    if actual.is_number() || expected.is_number() {
        if let (Some(a), Some(b)) = (number(actual), number(expected)) {
            return (a - b).abs() < 1e-9;
        }
    }
    actual == expected
}

/// Equality with a value read from the page: numerically within `tolerance` when both read as
/// numbers (`€59,90` reads as 59.9), else as trimmed text.
fn same_as_page(actual: &Value, on_page: &str, tolerance: f64) -> bool {
    let actual_text = match actual {
        Value::String(s) => s.trim().to_string(),
        other => other.to_string(),
    };
    match (
        actual.as_f64().or_else(|| parse_amount(&actual_text)),
        parse_amount(on_page),
    ) {
        (Some(a), Some(b)) if actual.is_number() || actual_text.parse::<f64>().is_ok() => {
            (a - b).abs() <= tolerance
        }
        _ => actual_text == on_page.trim(),
    }
}

/// Reads a price as written on a page: `59.90`, `€59.90`, `59,90 €`, `1.299,00`, `1,299.00`.
fn parse_amount(text: &str) -> Option<f64> {
    let kept: String = text
        .chars()
        .filter(|c| c.is_ascii_digit() || matches!(c, '.' | ',' | '-'))
        .collect();
    if kept.is_empty() || !kept.chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    let normalised = match (kept.rfind('.'), kept.rfind(',')) {
        (Some(dot), Some(comma)) if comma > dot => kept.replace('.', "").replace(',', "."),
        (Some(_), Some(_)) => kept.replace(',', ""),
        (None, Some(_)) => kept.replace(',', "."),
        _ => kept,
    };
    normalised.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::{at, document, ok, run_routes, run_with};
    use crate::checks::Context;
    use crate::config::{Checks, Count};
    use crate::model::{RouteChange, Scenario};
    use crate::vendors::{META, TIKTOK};
    use std::time::Duration;

    fn spec(event: &str, params: Vec<(&str, ParamRule)>) -> ExpectSpec {
        ExpectSpec {
            vendor: META,
            event: event.to_string(),
            accounts: vec!["111".into()],
            count: Count::ONCE,
            within: None,
            scenarios: vec![Scenario::None],
            params: params
                .into_iter()
                .map(|(k, r)| (k.to_string(), r))
                .collect(),
        }
    }

    fn run_specs(
        specs: Vec<ExpectSpec>,
        urls: &[&str],
        page_values: BTreeMap<PageSource, Option<String>>,
    ) -> Vec<Finding> {
        let mut requests = vec![document()];
        requests.extend(urls.iter().map(|u| ok("GET", u, None)));
        let checks = Checks {
            expect: specs,
            forbid: vec![],
        };
        let mut context = Context::generic();
        context.checks = &checks;
        context.page_values = &page_values;
        run_with(&requests, context)
    }

    fn findings_for(
        specs: Vec<ExpectSpec>,
        urls: &[&str],
        page_values: BTreeMap<PageSource, Option<String>>,
    ) -> Vec<(String, String)> {
        run_specs(specs, urls, page_values)
            .into_iter()
            .map(|f| (f.code.as_str().to_string(), f.message))
            .collect()
    }

    const VC: &str = "https://www.facebook.com/tr/?id=111&ev=ViewContent&cd[value]=59.9&cd[currency]=EUR&cd[content_ids]=%5B%22LS-001%22%5D";

    #[test]
    fn a_list_matches_a_single_value_when_one_of_its_items_does() {
        // Two items: LS-001 and MS-002.
        let purchase = "https://www.facebook.com/tr/?id=111&ev=ViewContent&cd[value]=1&cd[currency]=EUR&cd[content_ids]=%5B%22LS-001%22%2C%22MS-002%22%5D";
        let regex = |p: &str| ParamRule::Regex(regex::Regex::new(p).unwrap());
        for (rule, ok) in [
            (ParamRule::Equals(json!("MS-002")), true),
            (ParamRule::Equals(json!("XX-999")), false),
            (
                ParamRule::OneOf(vec![json!("XX-999"), json!("LS-001")]),
                true,
            ),
            (ParamRule::OneOf(vec![json!("XX-999")]), false),
            (ParamRule::Equals(json!(["LS-001", "MS-002"])), true),
            (ParamRule::Equals(json!(["LS-001"])), false),
            (regex("^MS-"), true),
            (regex("^XX-"), false),
        ] {
            let label = format!("{rule}");
            let f = findings_for(
                vec![spec("ViewContent", vec![("content_ids", rule)])],
                &[purchase],
                BTreeMap::new(),
            );
            assert_eq!(f.is_empty(), ok, "{label}: {f:?}");
        }
    }

    #[test]
    fn not_fired_names_what_else_the_vendor_sent() {
        let tag = "https://analytics.twitter.com/1/i/adsct?bci=4&event=%7B%22value%22%3A74.5%2C%22currency%22%3A%22EUR%22%2C%22contents%22%3A%5B%7B%22content_id%22%3A%22LS-001%22%7D%5D%7D&txn_id=tw-o81g6-ocx5k&tw_document_href=https%3A%2F%2Fshop.test%2F";
        let base = "https://analytics.twitter.com/1/i/adsct?bci=4&event=%7B%7D&txn_id=o81g6&tw_document_href=https%3A%2F%2Fshop.test%2F";
        let mut x = spec("purchase", vec![]);
        x.vendor = crate::vendors::X;
        x.accounts = vec![];
        let found = run_specs(vec![x.clone()], &[tag, base], BTreeMap::new());
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(
            found[0].message,
            "x purchase did not fire (expected exactly 1); it sent ocx5k (a purchase) and pageview here"
        );
        // Nothing else sent: the message says no more than before.
        let found = run_specs(vec![x], &[], BTreeMap::new());
        assert_eq!(
            found[0].message,
            "x purchase did not fire (expected exactly 1)"
        );
    }

    #[test]
    fn numbers_match_the_strings_that_hold_them() {
        assert!(super::same(&json!("1001"), &json!(1001)));
        assert!(super::same(&json!(1001), &json!("1001")));
        assert!(super::same(&json!("74.50"), &json!(74.5)));
        assert!(!super::same(&json!("1002"), &json!(1001)));
        assert!(
            !super::same(&json!("1001"), &json!("1001.0")),
            "text stays text"
        );
        assert!(!super::same(&json!("SKU-1"), &json!(1)));
    }

    #[test]
    fn met_expectation_with_passing_rules_has_no_findings() {
        let price = PageSource::JsonLd("offers.price".into());
        let sku = PageSource::JsonLd("sku".into());
        let values = BTreeMap::from([
            (price.clone(), Some("59.90".into())),
            (sku.clone(), Some("LS-001".into())),
        ]);
        let specs = vec![spec(
            "ViewContent",
            vec![
                (
                    "value",
                    ParamRule::FromPage {
                        source: price,
                        tolerance: 0.01,
                        capture: None,
                    },
                ),
                (
                    "content_ids",
                    ParamRule::FromPage {
                        source: sku,
                        tolerance: 0.01,
                        capture: None,
                    },
                ),
                ("currency", ParamRule::IsoCurrency),
                ("raw.ev", ParamRule::Equals(json!("ViewContent"))),
            ],
        )];
        assert_eq!(findings_for(specs, &[VC], values), vec![]);
    }

    #[test]
    fn missing_hit_other_account_and_too_many() {
        let f = findings_for(vec![spec("ViewContent", vec![])], &[], BTreeMap::new());
        assert_eq!(f[0].0, "not_fired");
        let other =
            "https://www.facebook.com/tr/?id=999&ev=ViewContent&cd[value]=1&cd[currency]=EUR";
        let f = findings_for(vec![spec("ViewContent", vec![])], &[other], BTreeMap::new());
        assert_eq!(
            f.iter().map(|f| f.0.as_str()).collect::<Vec<_>>(),
            vec!["wrong_id"]
        );
        let f = findings_for(
            vec![spec("ViewContent", vec![])],
            &[VC, &format!("{VC}&x=2")],
            BTreeMap::new(),
        );
        assert_eq!(
            f.iter().map(|f| f.0.as_str()).collect::<Vec<_>>(),
            vec!["duplicate"],
            "generic and expectation duplicates are reported once"
        );
    }

    /// Runs `specs` on a single-page app whose `changes` happen at the given times.
    fn run_spa(
        specs: Vec<ExpectSpec>,
        sent: &[(&str, f64)],
        changes: &[(&str, f64)],
    ) -> Vec<Finding> {
        let mut requests = vec![document()];
        requests.extend(sent.iter().map(|&(url, t)| at(url, t)));
        let changes: Vec<RouteChange> = changes
            .iter()
            .map(|&(path, time_ms)| RouteChange {
                url: format!("https://shop.test{path}"),
                time_ms,
            })
            .collect();
        let checks = Checks {
            expect: specs,
            forbid: vec![],
        };
        let mut context = Context::generic();
        context.checks = &checks;
        run_routes(&requests, &changes, context).1
    }

    const PV111: &str = "https://www.facebook.com/tr/?id=111&ev=PageView";

    #[test]
    fn a_page_view_is_expected_once_on_every_route() {
        let changes = [("/a", 300.0), ("/b", 600.0), ("/c", 900.0)];
        let each: Vec<(String, f64)> = [10.0, 320.0, 640.0, 950.0]
            .iter()
            .map(|&t| (format!("{PV111}&ts={t}"), t))
            .collect();
        let each: Vec<(&str, f64)> = each.iter().map(|(u, t)| (u.as_str(), *t)).collect();
        let found = run_spa(vec![spec("PageView", vec![])], &each, &changes);
        assert!(found.is_empty(), "{found:?}");
        // Two on /a, none on /b (which still sent something, so it is a route of its own).
        let sent = [
            (PV111, 10.0),
            (PV111, 320.0),
            (PV111, 330.0),
            ("https://www.facebook.com/tr/?id=111&ev=Lead&eid=l1", 640.0),
            (PV111, 950.0),
        ];
        let found = run_spa(vec![spec("PageView", vec![])], &sent, &changes);
        let got: Vec<(&str, &Value)> = found
            .iter()
            .map(|f| (f.code.as_str(), &f.evidence["route"]))
            .collect();
        assert_eq!(
            got,
            vec![
                ("duplicate", &json!("https://shop.test/a")),
                ("not_fired", &json!("https://shop.test/b")),
            ],
            "{found:?}"
        );
        assert!(
            found[1]
                .message
                .contains("did not fire on route https://shop.test/b"),
            "{}",
            found[1].message
        );
    }

    #[test]
    fn each_vendor_sees_the_routes_its_own_events_split() {
        // GA4 fires on / before the router moves to /en; the Meta pixel loads later and sees
        // only /en: one route for Meta, two for GA4, and no page view missing for either.
        let ga4 = |en: &str| {
            format!(
                "https://region1.google-analytics.com/g/collect?v=2&tid=G-FIXTURE1&cid=1.2&en={en}"
            )
        };
        let mut ga4_spec = spec("page_view", vec![]);
        ga4_spec.vendor = crate::vendors::GA4;
        ga4_spec.accounts = vec!["G-FIXTURE1".into()];
        let specs = || vec![spec("PageView", vec![]), ga4_spec.clone()];
        let (pv_ga4, pv_ga4_again) = (ga4("page_view"), ga4("page_view"));
        let sent = [
            (pv_ga4.as_str(), 10.0),
            (pv_ga4_again.as_str(), 310.0),
            (PV111, 900.0),
        ];
        let found = run_spa(specs(), &sent, &[("/en", 300.0)]);
        assert!(found.is_empty(), "{found:?}");
        // GA4 missing on /en is still reported, on its route.
        let found = run_spa(
            specs(),
            &[(pv_ga4.as_str(), 10.0), (PV111, 900.0)],
            &[("/en", 300.0)],
        );
        let got: Vec<(&str, String)> = found
            .iter()
            .map(|f| (f.code.as_str(), f.evidence["route"].to_string()))
            .collect();
        assert_eq!(
            got,
            vec![("not_fired", "\"https://shop.test/en\"".to_string())]
        );
    }

    #[test]
    fn klaviyo_activity_and_google_ads_config_are_once_per_page_load_not_per_route() {
        let active = r#"{"data":{"type":"event","attributes":{"metric":{"data":{"type":"metric","attributes":{"name":"Active on Site"}}},"properties":{"page":"https://shop.test/"}}}}"#;
        let mut requests = vec![document()];
        let mut hit = ok(
            "POST",
            "https://a.klaviyo.com/client/events/?company_id=AbC123",
            Some(active),
        );
        hit.time_ms = 10.0;
        requests.push(hit);
        requests.push(at("https://googleads.g.doubleclick.net/pagead/viewthroughconversion/1111111/?random=1&cv=11&data=event%3Dgtag.config&url=https%3A%2F%2Fshop.test%2F", 15.0));
        requests.push(at(PV111, 20.0));
        requests.push(at(PV111, 400.0));
        let mut klaviyo = spec("Active on Site", vec![]);
        klaviyo.vendor = KLAVIYO;
        klaviyo.accounts = vec!["AbC123".into()];
        let mut ads = spec("gtag.config", vec![]);
        ads.vendor = GOOGLE_ADS;
        ads.accounts = vec!["AW-1111111".into()];
        let decoded = crate::vendors::decode_requests(&requests);
        for vendor in [KLAVIYO, GOOGLE_ADS] {
            assert!(
                decoded
                    .iter()
                    .any(|h| h.hit.vendor == vendor && h.hit.class == EventClass::PageView),
                "the fixture has a {vendor} page-view-class hit: {decoded:?}"
            );
        }
        let checks = Checks {
            expect: vec![klaviyo, ads, spec("PageView", vec![])],
            forbid: vec![],
        };
        let mut context = Context::generic();
        context.checks = &checks;
        // Meta's page view is on both routes; Klaviyo's activity and the Ads config hit once,
        // which is all their tags send.
        let changes = [RouteChange {
            url: "https://shop.test/a".into(),
            time_ms: 300.0,
        }];
        let (_, found) = run_routes(&requests, &changes, context);
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn the_audit_waits_for_the_page_view_of_the_route_it_moved_to() {
        let s = spec("PageView", vec![]);
        let changes = [RouteChange {
            url: "https://shop.test/a".into(),
            time_ms: 300.0,
        }];
        let first = vec![document(), at(PV111, 10.0)];
        let both = vec![document(), at(PV111, 10.0), at(PV111, 450.0)];
        let page = Navigations {
            start_url: "https://shop.test/",
            entered: true,
            changes: &changes,
        };
        let step = Navigations {
            entered: false,
            ..page
        };
        assert!(met(&[&s], &first));
        assert!(!met_on_routes(&[&s], &first, page));
        assert!(met_on_routes(&[&s], &both, page));
        // A journey step waits only for the routes it entered.
        let on_new = vec![
            document(),
            at("https://www.facebook.com/tr/?id=111&ev=Lead", 10.0),
            at(PV111, 450.0),
        ];
        assert!(met_on_routes(&[&s], &on_new, step));
        assert!(!met_on_routes(&[&s], &on_new, page));
    }

    #[test]
    fn other_events_are_expected_on_the_page_as_a_whole() {
        // The purchase fires after the app moved to /thank-you.
        let purchase =
            "https://www.facebook.com/tr/?id=111&ev=Purchase&eid=o1&cd[value]=5&cd[currency]=EUR";
        let found = run_spa(
            vec![spec("Purchase", vec![])],
            &[(PV111, 10.0), (PV111, 400.0), (purchase, 420.0)],
            &[("/thank-you", 300.0)],
        );
        assert!(found.is_empty(), "{found:?}");
        let found = run_spa(
            vec![spec("Purchase", vec![])],
            &[(PV111, 10.0), (PV111, 400.0)],
            &[("/thank-you", 300.0)],
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].code, Code::NotFired);
        assert!(found[0].evidence.get("route").is_none(), "{found:?}");
        // Twice on one route is one duplicate, the expectation's about the page (the generic
        // one about the route says the same).
        let found = run_spa(
            vec![spec("Purchase", vec![])],
            &[
                (PV111, 10.0),
                (PV111, 400.0),
                (purchase, 420.0),
                (purchase, 430.0),
            ],
            &[("/thank-you", 300.0)],
        );
        assert_eq!(
            found.iter().map(|f| f.code.as_str()).collect::<Vec<_>>(),
            vec!["duplicate"],
            "{found:?}"
        );
        assert!(found[0].evidence.get("route").is_none(), "{found:?}");
        // On two routes it is still twice on the page.
        let found = run_spa(
            vec![spec("Purchase", vec![])],
            &[
                (PV111, 10.0),
                (purchase, 20.0),
                (PV111, 400.0),
                (purchase, 420.0),
            ],
            &[("/thank-you", 300.0)],
        );
        assert_eq!(
            found.iter().map(|f| f.code.as_str()).collect::<Vec<_>>(),
            vec!["duplicate"],
            "{found:?}"
        );
        // A page view expectation that never fired at all is one finding for the page.
        let found = run_spa(
            vec![spec("PageView", vec![])],
            &[("https://www.facebook.com/tr/?id=111&ev=ViewContent", 10.0)],
            &[("/a", 300.0)],
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].evidence.get("route").is_none());
    }

    #[test]
    fn each_rule_kind_fails_with_its_code() {
        let cases: Vec<(ParamRule, &str, &str)> = vec![
            (ParamRule::Present, "transaction_id", "missing_param"),
            (ParamRule::Absent, "value", "wrong_value"),
            (ParamRule::Number, "currency", "wrong_type"),
            (ParamRule::IsoCurrency, "raw.ev", "wrong_type"),
            (ParamRule::NonEmptyList, "currency", "wrong_type"),
            (ParamRule::Equals(json!("USD")), "currency", "wrong_value"),
            (
                ParamRule::OneOf(vec![json!("USD"), json!("GBP")]),
                "currency",
                "wrong_value",
            ),
            (
                ParamRule::Regex(regex::Regex::new("^SKU-").unwrap()),
                "content_ids",
                "wrong_value",
            ),
            (
                ParamRule::Range {
                    min: Some(60.0),
                    max: None,
                },
                "value",
                "wrong_value",
            ),
            (
                ParamRule::FromPage {
                    source: PageSource::Meta("product:price:amount".into()),
                    tolerance: 0.01,
                    capture: None,
                },
                "value",
                "wrong_value",
            ),
        ];
        let values = BTreeMap::from([(
            PageSource::Meta("product:price:amount".into()),
            Some("49.90".into()),
        )]);
        for (rule, key, code) in cases {
            let label = format!("{rule} on {key}");
            let f = findings_for(
                vec![spec("ViewContent", vec![(key, rule)])],
                &[VC],
                values.clone(),
            );
            assert_eq!(
                f.iter().map(|f| f.0.as_str()).collect::<Vec<_>>(),
                vec![code],
                "{label}: {f:?}"
            );
        }
    }

    #[test]
    fn a_conversion_without_its_required_event_id_is_missing_eid_only() {
        // A Meta AddToCart sent without `eid`.
        let atc =
            "https://www.facebook.com/tr/?id=111&ev=AddToCart&cd[value]=59.9&cd[currency]=EUR";
        for key in ["event_id", "raw.eid"] {
            for rule in [ParamRule::Present, ParamRule::Equals(json!("atc-1"))] {
                let label = format!("{rule} on {key}");
                let found = run_specs(
                    vec![spec("AddToCart", vec![(key, rule)])],
                    &[atc],
                    BTreeMap::new(),
                );
                let found: Vec<(&str, Severity)> = found
                    .iter()
                    .map(|f| (f.code.as_str(), f.severity))
                    .collect();
                assert_eq!(
                    found,
                    vec![("missing_eid", Severity::Error)],
                    "{label}: an error, since the site config requires the id"
                );
            }
        }
        let found = run_specs(vec![spec("AddToCart", vec![])], &[atc], BTreeMap::new());
        let found: Vec<(&str, Severity)> = found
            .iter()
            .map(|f| (f.code.as_str(), f.severity))
            .collect();
        assert_eq!(found, vec![("missing_eid", Severity::Warning)]);
        // A page view is no conversion, so the generic check says nothing; a rule that requires
        // its id is the only finding, under the same code (an error).
        let f = run_specs(
            vec![spec("PageView", vec![("event_id", ParamRule::Present)])],
            &["https://www.facebook.com/tr/?id=111&ev=PageView"],
            BTreeMap::new(),
        );
        let f: Vec<(&str, Severity)> = f.iter().map(|f| (f.code.as_str(), f.severity)).collect();
        assert_eq!(f, vec![("missing_eid", Severity::Error)]);
    }

    #[test]
    fn any_vendors_required_event_id_is_missing_eid() {
        // A Snap purchase without `cdid`: Snap has no generic event-id check.
        let mut request = crate::model::CapturedRequest::new(
            "POST",
            "https://tr.snapchat.com/p",
            Some(
                r#"{"req":[{"t":{"pid":"p-1","ev":"PURCHASE","e_pr":30,"e_cur":"EUR","e_tid":"1002"}}]}"#,
            ),
        );
        request.content_type = Some("application/json".into());
        request.status = Some(200);
        let mut snap = spec("PURCHASE", vec![("event_id", ParamRule::Present)]);
        snap.vendor = crate::vendors::parse("snap").unwrap();
        snap.accounts = vec![];
        let found = run_with(
            &[document(), request],
            Context {
                checks: &Checks {
                    expect: vec![snap],
                    forbid: vec![],
                },
                ..Context::generic()
            },
        );
        let found: Vec<(&str, Severity)> = found
            .iter()
            .map(|f| (f.code.as_str(), f.severity))
            .collect();
        assert_eq!(found, vec![("missing_eid", Severity::Error)]);
    }

    #[test]
    fn a_value_of_the_wrong_type_is_wrong_type_only() {
        let vc = "https://www.facebook.com/tr/?id=111&ev=ViewContent&cd[value]=%2459.90&cd[currency]=EUR";
        let price = PageSource::JsonLd("offers.price".into());
        let values = BTreeMap::from([(price.clone(), Some("59.90".into()))]);
        let rules = vec![
            ParamRule::Equals(json!(59.9)),
            ParamRule::OneOf(vec![json!(59.9), json!(49.9)]),
            ParamRule::Range {
                min: Some(1.0),
                max: None,
            },
            ParamRule::Number,
            ParamRule::Regex(regex::Regex::new("^[0-9.]+$").unwrap()),
            ParamRule::FromPage {
                source: price,
                tolerance: 0.01,
                capture: None,
            },
        ];
        for rule in rules {
            let label = format!("{rule}");
            let found = run_specs(
                vec![spec("ViewContent", vec![("value", rule)])],
                &[vc],
                values.clone(),
            );
            assert_eq!(
                found.iter().map(|f| f.code.as_str()).collect::<Vec<_>>(),
                vec!["wrong_type"],
                "{label}: {found:?}"
            );
            assert_eq!(
                found[0].evidence["problems"],
                json!(["value is \"$59.90\", not a number"]),
                "{label}"
            );
        }
        // A rule on another param of the same hit still reports its own problem.
        let f = findings_for(
            vec![spec(
                "ViewContent",
                vec![
                    ("value", ParamRule::Equals(json!(59.9))),
                    ("currency", ParamRule::Equals(json!("USD"))),
                ],
            )],
            &[vc],
            BTreeMap::new(),
        );
        assert_eq!(
            f.iter().map(|f| f.0.as_str()).collect::<Vec<_>>(),
            vec!["wrong_type", "wrong_value"]
        );
        assert!(f[1].1.contains("currency is \"EUR\""), "{}", f[1].1);
        assert!(!f[1].1.contains("value is"), "{}", f[1].1);
    }

    #[test]
    fn slow_hits_are_reported_with_their_delay() {
        let mut s = spec("ViewContent", vec![]);
        s.within = Some(Duration::from_millis(1000));
        let mut requests = vec![document(), ok("GET", VC, None)];
        requests[1].time_ms = 2500.0;
        let checks = Checks {
            expect: vec![s],
            forbid: vec![],
        };
        let mut context = Context::generic();
        context.checks = &checks;
        let f = run_with(&requests, context);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].code, Code::SlowFire);
        assert!(f[0].message.contains("2500 ms"), "{}", f[0].message);
    }

    #[test]
    fn expectations_for_other_scenarios_are_skipped() {
        let mut s = spec("ViewContent", vec![]);
        s.scenarios = vec![Scenario::Accept];
        assert_eq!(findings_for(vec![s], &[], BTreeMap::new()), vec![]);
    }

    /// A Reddit purchase as the current library sends it: `sha256("order-1001")` as the
    /// conversion id, `sha256("1001")` as the transaction id.
    const REDDIT_PURCHASE: &str = "https://alb.reddit.com/rp.gif?ts=1764862391000&id=a2_abc123z&event=Purchase&m.itemCount=2&m.valueDecimal=74.5&m.currency=EUR&m.transactionId=fe675fe7aaee830b6fed09b64e034f84dcbdaeb429d9cccd4ebb90e15af8dd71&m.conversionId=50ac93f41009bb5828fbeb9b39ca5129a5888ba493196a343d69c38b2df5a412&uuid=u-1&integration=reddit&opt_out=0&v=rdt_bdf78704";

    fn reddit_findings(
        params: Vec<(&str, ParamRule)>,
        url: &str,
        page_values: BTreeMap<PageSource, Option<String>>,
    ) -> Vec<(String, String)> {
        let mut s = spec("Purchase", params);
        s.vendor = crate::vendors::REDDIT;
        s.accounts = vec!["a2_abc123z".into()];
        findings_for(vec![s], &[url], page_values)
    }

    #[test]
    fn hashed_params_match_their_plain_value() {
        let order = PageSource::JsonLd("orderNumber".into());
        let values = BTreeMap::from([(order.clone(), Some("1001".into()))]);
        let rules = vec![
            ("event_id", ParamRule::Equals(json!("order-1001"))),
            ("event_id", ParamRule::Equals(json!(" ORDER-1001 "))),
            ("transaction_id", ParamRule::Equals(json!(1001))),
            (
                "transaction_id",
                ParamRule::OneOf(vec![json!("999"), json!("1001")]),
            ),
            (
                "transaction_id",
                ParamRule::FromPage {
                    source: order,
                    tolerance: 0.0,
                    capture: None,
                },
            ),
        ];
        for (key, rule) in rules {
            let label = format!("{rule} on {key}");
            let f = reddit_findings(vec![(key, rule)], REDDIT_PURCHASE, values.clone());
            assert_eq!(f, vec![], "{label}");
        }
    }

    #[test]
    fn a_hashed_mismatch_says_it_was_compared_hashed() {
        let f = reddit_findings(
            vec![("transaction_id", ParamRule::Equals(json!("1002")))],
            REDDIT_PURCHASE,
            BTreeMap::new(),
        );
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].0, "wrong_value");
        assert!(f[0].1.contains("compared hashed"), "{}", f[0].1);
        assert!(f[0].1.contains("\"1002\""), "{}", f[0].1);
        let hash = "fe675fe7aaee830b6fed09b64e034f84dcbdaeb429d9cccd4ebb90e15af8dd71";
        let f = reddit_findings(
            vec![("transaction_id", ParamRule::Equals(json!(hash)))],
            REDDIT_PURCHASE,
            BTreeMap::new(),
        );
        assert_eq!(f.len(), 1, "the hash itself is not the plain value: {f:?}");
    }

    #[test]
    fn plain_params_are_not_compared_hashed() {
        let plain = "https://alb.reddit.com/rp.gif?id=a2_abc123z&event=Purchase&m.valueDecimal=74.5&m.currency=EUR&m.transactionId=1001&m.conversionId=order-1001";
        let f = reddit_findings(
            vec![("transaction_id", ParamRule::Equals(json!("1001")))],
            plain,
            BTreeMap::new(),
        );
        assert_eq!(f, vec![]);
        let f = reddit_findings(
            vec![("event_id", ParamRule::Equals(json!("ORDER-1001")))],
            plain,
            BTreeMap::new(),
        );
        assert_eq!(f.len(), 1, "a plain id is compared exactly: {f:?}");
        assert!(!f[0].1.contains("hashed"), "{}", f[0].1);
    }

    #[test]
    fn a_vendor_alias_meets_the_expectation_for_the_other_name() {
        // TikTok's current library sends `ttq.track('CompletePayment')` as `Purchase`.
        let codes = |expected: &str, sent: &str| -> Vec<&'static str> {
            let mut s = spec(expected, vec![]);
            s.vendor = TIKTOK;
            s.accounts = vec!["C1".into()];
            let body = format!(
                r#"{{"event":"{sent}","event_id":"order-1001","message_id":"m1","context":{{"pixel":{{"code":"C1"}},"page":{{"url":"https://shop.test/thank-you"}}}},"properties":{{"value":59.9,"currency":"EUR","content_type":"product","content_ids":["SKU-1"]}}}}"#
            );
            let requests = vec![
                document(),
                ok(
                    "POST",
                    "https://analytics.tiktok.com/api/v2/pixel",
                    Some(&body),
                ),
            ];
            let checks = Checks {
                expect: vec![s],
                forbid: vec![],
            };
            let mut context = Context::generic();
            context.checks = &checks;
            run_with(&requests, context)
                .into_iter()
                .map(|f| f.code.as_str())
                .collect()
        };
        for (expected, sent) in [
            ("CompletePayment", "Purchase"),
            ("Purchase", "CompletePayment"),
            ("Purchase", "Purchase"),
        ] {
            assert_eq!(
                codes(expected, sent),
                Vec::<&str>::new(),
                "{expected} <- {sent}"
            );
        }
        // Only the declared pair: another purchase-class event is not the expected one.
        assert_eq!(codes("CompletePayment", "PlaceAnOrder"), vec!["not_fired"]);
    }

    #[test]
    fn a_capture_picks_the_value_out_of_the_pages_text() {
        let sku = PageSource::Css {
            selector: ".sku".into(),
            attribute: None,
        };
        let rule = |pattern: &str| ParamRule::FromPage {
            source: sku.clone(),
            tolerance: 0.01,
            capture: Some(regex::Regex::new(pattern).unwrap()),
        };
        let values = BTreeMap::from([(sku.clone(), Some("SKU: LS-001 (in stock)".into()))]);
        // VC carries content_ids ["LS-001"].
        let ok = findings_for(
            vec![spec(
                "ViewContent",
                vec![("content_ids", rule(r"SKU: (\S+)"))],
            )],
            &[VC],
            values.clone(),
        );
        assert!(ok.is_empty(), "{ok:?}");
        let wrong = findings_for(
            vec![spec(
                "ViewContent",
                vec![("content_ids", rule(r"SKU: \S+"))],
            )],
            &[VC],
            values.clone(),
        );
        assert_eq!(
            wrong.len(),
            1,
            "without a group the whole match is the value: {wrong:?}"
        );
        assert_eq!(wrong[0].0, "wrong_value");
        assert!(wrong[0].1.contains("SKU: LS-001"), "{}", wrong[0].1);
        let nothing = findings_for(
            vec![spec(
                "ViewContent",
                vec![("content_ids", rule(r"EAN: (\d+)"))],
            )],
            &[VC],
            values,
        );
        assert_eq!(nothing.len(), 1);
        assert_eq!(nothing[0].0, "wrong_value");
        assert!(
            nothing[0]
                .1
                .contains("finds nothing in the page's css:.sku"),
            "{}",
            nothing[0].1
        );
    }

    #[test]
    fn page_amounts_parse_in_both_conventions() {
        assert_eq!(parse_amount("€59,90"), Some(59.9));
        assert_eq!(parse_amount("1.299,00 €"), Some(1299.0));
        assert_eq!(parse_amount("$1,299.00"), Some(1299.0));
        assert_eq!(parse_amount("free"), None);
        assert_eq!(parse_amount("$9.99"), Some(9.99));
        assert_eq!(parse_amount("€1.234,50"), Some(1234.5));
        assert_eq!(parse_amount("19,50 €"), Some(19.5));
        assert!(same_as_page(&json!(59.9), "59.90", 0.01));
        assert!(same_as_page(&json!("LS-001"), "LS-001", 0.01));
        assert!(!same_as_page(&json!("LS-002"), "LS-001", 0.01));
    }
}
