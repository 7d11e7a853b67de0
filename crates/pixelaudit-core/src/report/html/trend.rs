//! The vendor health trend: small SVG charts of each vendor's events and error findings over
//! the last runs (from the history database), this run last.

use super::super::Report;

/// One vendor's trend over the last runs: SVG polyline points (numbers only) for its events
/// and its error findings, oldest to newest, this run last.
#[derive(serde::Serialize)]
pub(super) struct HealthView {
    vendor: String,
    events: String,
    errors: String,
    runs: usize,
    last_events: i64,
    last_errors: i64,
}

pub(super) fn health(report: &Report) -> Vec<HealthView> {
    let Some(history) = &report.history else {
        return Vec::new();
    };
    let mut now: std::collections::BTreeMap<String, (i64, i64)> = std::collections::BTreeMap::new();
    for page in &report.pages {
        for hit in page
            .hits
            .iter()
            .filter(|h| h.hit.kind == crate::model::HitKind::Event)
        {
            now.entry(hit.hit.vendor.as_str().to_string())
                .or_default()
                .0 += 1;
        }
        for f in page
            .findings
            .iter()
            .filter(|f| f.severity == crate::model::Severity::Error)
        {
            if let Some(v) = f.vendor {
                now.entry(v.as_str().to_string()).or_default().1 += 1;
            }
        }
    }
    let vendors: std::collections::BTreeSet<&String> = history.keys().chain(now.keys()).collect();
    vendors
        .into_iter()
        .map(|vendor| {
            let mut series: Vec<(i64, i64)> = history
                .get(vendor)
                .map(|p| p.iter().map(|p| (p.events, p.errors)).collect())
                .unwrap_or_default();
            let current = now.get(vendor).copied().unwrap_or((0, 0));
            series.push(current);
            let line = |values: Vec<i64>| -> String {
                let max = values.iter().copied().max().unwrap_or(0).max(1) as f64;
                let step = if values.len() > 1 {
                    236.0 / (values.len() - 1) as f64
                } else {
                    0.0
                };
                values
                    .iter()
                    .enumerate()
                    .map(|(i, v)| {
                        format!(
                            "{:.1},{:.1}",
                            2.0 + i as f64 * step,
                            44.0 - *v as f64 / max * 40.0
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            HealthView {
                vendor: vendor.clone(),
                events: line(series.iter().map(|s| s.0).collect()),
                errors: line(series.iter().map(|s| s.1).collect()),
                runs: series.len(),
                last_events: current.0,
                last_errors: current.1,
            }
        })
        .collect()
}
