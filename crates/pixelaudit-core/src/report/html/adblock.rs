//! The ad-block view: how many tracking events and conversions survive the filter lists, per
//! vendor and for all vendors together.

use serde::Serialize;

use super::super::Report;
use crate::model::Vendor;

/// One row of the ad-block survival table.
#[derive(Serialize)]
pub(super) struct SurvivalRow {
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

pub(super) fn survival_row(
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

pub(super) fn survival(report: &Report) -> Vec<SurvivalRow> {
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
pub(super) fn survival_total(report: &Report) -> Option<SurvivalRow> {
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

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::super::to_html;
    use crate::vendors::META;

    #[test]
    fn shows_the_adblock_section_when_present() {
        use crate::model::ListInfo;
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
                vendor: Some(META),
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
        assert!(!to_html(&super::super::fixtures::report()).contains("id=\"adblock\""));
    }
}
