//! What changed since the previous run of the same site: new and fixed findings, events that
//! fired last time and not now, and events whose parameters changed.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Serialize;
use serde_json::Value;

use super::Report;

/// Parameters compared between runs (ids that change on every run are left out).
const STABLE_PARAMS: &[&str] = &[
    "value",
    "currency",
    "content_ids",
    "content_type",
    "num_items",
];

/// The differences with the previous run.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Regressions {
    /// When the previous run started.
    pub previous_run: String,
    /// Findings that are new in this run.
    pub new_findings: Vec<FindingRef>,
    /// Findings of the previous run that are gone.
    pub fixed_findings: Vec<FindingRef>,
    /// Events that fired in the previous run and not in this one.
    pub lost_events: Vec<EventRef>,
    /// Events in both runs whose parameters differ.
    pub changed_params: Vec<ParamChange>,
}

impl Regressions {
    /// True when something got worse: a new finding or a lost event.
    pub fn any(&self) -> bool {
        !self.new_findings.is_empty() || !self.lost_events.is_empty()
    }

    /// The counts in words: `1 new finding(s), 0 fixed, 2 event(s) no longer fire, …`.
    pub fn headline(&self) -> String {
        format!(
            "{} new finding(s), {} fixed, {} event(s) no longer fire, {} parameter change(s)",
            self.new_findings.len(),
            self.fixed_findings.len(),
            self.lost_events.len(),
            self.changed_params.len()
        )
    }
}

/// A finding, identified across runs.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct FindingRef {
    /// The page label (`home [accept]`, `purchase #4 add to cart [accept]`).
    pub page: String,
    /// Code.
    pub code: String,
    /// Vendor.
    pub vendor: Option<String>,
    /// Event.
    pub event: Option<String>,
    /// Message (of the run it is from).
    pub message: String,
}

/// An event, identified across runs.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct EventRef {
    /// The page label.
    pub page: String,
    /// Vendor.
    pub vendor: String,
    /// Account.
    pub account: Option<String>,
    /// Event.
    pub event: Option<String>,
}

/// A parameter that changed.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ParamChange {
    /// The event.
    #[serde(flatten)]
    pub event: EventRef,
    /// Parameter.
    pub param: String,
    /// Before.
    pub before: Value,
    /// Now.
    pub now: Value,
}

/// Reads the previous run's JSON report, if any and readable.
pub fn load_previous(path: &Path) -> Option<Value> {
    serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()
}

fn label(page: &Value) -> String {
    let name = page["name"].as_str().unwrap_or_default();
    let mut label = match (page["journey"].as_str(), page["step"].as_u64()) {
        (Some(journey), Some(step)) => format!("{journey} #{step} {name}"),
        _ => name.to_string(),
    };
    let mut tags = Vec::new();
    if let Some(scenario) = page["consent"].as_str() {
        tags.push(scenario.to_string());
    }
    if page["device"] == "mobile" {
        tags.push("mobile".to_string());
    }
    if !tags.is_empty() {
        label.push_str(&format!(" [{}]", tags.join(", ")));
    }
    label
}

fn text(v: &Value) -> Option<String> {
    v.as_str().map(str::to_string)
}

type Events = BTreeMap<EventRef, Vec<Value>>;

/// A finding's identity across runs: (page label, code, vendor, event).
type FindingKey = (String, String, Option<String>, Option<String>);

/// Findings by identity, with the message of the run they come from.
type Findings = BTreeMap<FindingKey, String>;

/// Findings (by identity) and events (with their params) of a report's JSON.
fn index(report: &Value) -> (Findings, Events) {
    let mut findings = BTreeMap::new();
    let mut events: Events = BTreeMap::new();
    for page in report["pages"].as_array().into_iter().flatten() {
        let page_label = label(page);
        for f in page["findings"].as_array().into_iter().flatten() {
            let key = (
                page_label.clone(),
                f["code"].as_str().unwrap_or_default().to_string(),
                text(&f["vendor"]),
                text(&f["event"]),
            );
            findings
                .entry(key)
                .or_insert_with(|| f["message"].as_str().unwrap_or_default().to_string());
        }
        for h in page["hits"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|h| h["kind"] == "event")
        {
            let key = EventRef {
                page: page_label.clone(),
                vendor: h["vendor"].as_str().unwrap_or_default().to_string(),
                account: text(&h["account"]),
                event: text(&h["event"]),
            };
            events.entry(key).or_default().push(h["params"].clone());
        }
    }
    (findings, events)
}

/// Compares this run with the previous one (its JSON report).
pub fn compare(previous: &Value, current: &Report) -> Regressions {
    compare_values(
        previous,
        &serde_json::to_value(current).expect("reports serialize"),
    )
}

fn compare_values(previous: &Value, current: &Value) -> Regressions {
    let (old_findings, old_events) = index(previous);
    let (new_findings, new_events) = index(current);
    let finding_ref = |((page, code, vendor, event), message): (&FindingKey, &String)| FindingRef {
        page: page.clone(),
        code: code.clone(),
        vendor: vendor.clone(),
        event: event.clone(),
        message: message.clone(),
    };
    let added: Vec<FindingRef> = new_findings
        .iter()
        .filter(|(k, _)| !old_findings.contains_key(*k))
        .map(finding_ref)
        .collect();
    let fixed: Vec<FindingRef> = old_findings
        .iter()
        .filter(|(k, _)| !new_findings.contains_key(*k))
        .map(finding_ref)
        .collect();
    let pages_now: BTreeSet<&String> = new_events
        .keys()
        .map(|e| &e.page)
        .chain(new_findings.keys().map(|k| &k.0))
        .collect();
    let mut lost = Vec::new();
    let mut changed = Vec::new();
    for (event, old_params) in &old_events {
        if !pages_now.contains(&event.page) {
            continue; // the page is not in this run at all (config changed): not a regression
        }
        let Some(new_params) = new_events.get(event) else {
            lost.push(event.clone());
            continue;
        };
        if let (Some(before), Some(now)) = (old_params.first(), new_params.first()) {
            for param in STABLE_PARAMS {
                let (b, n) = (&before[*param], &now[*param]);
                if b != n {
                    changed.push(ParamChange {
                        event: event.clone(),
                        param: (*param).to_string(),
                        before: b.clone(),
                        now: n.clone(),
                    });
                }
            }
        }
    }
    Regressions {
        previous_run: previous["started_at"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        new_findings: added,
        fixed_findings: fixed,
        lost_events: lost,
        changed_params: changed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn report(findings: Value, hits: Value) -> Value {
        json!({"started_at": "2026-11-28T10:00:00Z", "pages": [{"name": "home", "consent": "accept", "device": "desktop", "findings": findings, "hits": hits}]})
    }

    #[test]
    fn differences_are_classified() {
        let before = report(
            json!([{"code": "missing_eid", "vendor": "meta", "event": "Purchase", "message": "old"}]),
            json!([
                {"kind": "event", "vendor": "meta", "account": "1", "event": "Purchase", "params": {"value": 10, "currency": "EUR", "event_id": "a"}},
                {"kind": "event", "vendor": "tiktok", "account": "T", "event": "Pageview", "params": {}}
            ]),
        );
        let now = report(
            json!([{"code": "duplicate", "vendor": "meta", "event": "PageView", "message": "new"}]),
            json!([{"kind": "event", "vendor": "meta", "account": "1", "event": "Purchase", "params": {"value": 12, "currency": "EUR", "event_id": "b"}}]),
        );
        let (_, events) = index(&now);
        assert_eq!(events.len(), 1);
        // Compare through the JSON form, as runs are stored.
        let r = compare_values(&before, &now);
        assert_eq!(r.previous_run, "2026-11-28T10:00:00Z");
        assert_eq!(r.new_findings.len(), 1);
        assert_eq!(r.new_findings[0].page, "home [accept]");
        assert_eq!(r.fixed_findings[0].code, "missing_eid");
        assert_eq!(r.lost_events[0].vendor, "tiktok");
        assert_eq!(
            r.changed_params.len(),
            1,
            "event_id changes every run and is not compared"
        );
        assert_eq!(
            (
                r.changed_params[0].before.clone(),
                r.changed_params[0].now.clone()
            ),
            (json!(10), json!(12))
        );
        assert!(r.any());
    }
}
