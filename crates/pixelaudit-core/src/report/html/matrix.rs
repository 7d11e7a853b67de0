//! The vendor × page matrix ("What fired where"): per page run and vendor, the events that
//! fired and the worst finding about them.

use std::collections::BTreeSet;

use serde::Serialize;

use super::super::{HitReport, PageReport, Report};
use super::level;
use super::pages::{group, page_id};
use crate::model::{Finding, HitKind, Vendor};

/// What fired where: rows are page runs, columns vendors.
#[derive(Serialize)]
pub(super) struct Matrix {
    vendors: Vec<&'static str>,
    rows: Vec<MatrixRow>,
}

#[derive(Serialize)]
pub(super) struct MatrixRow {
    page_id: String,
    /// As in the pages table.
    group: String,
    label: String,
    cells: Vec<Cell>,
}

#[derive(Serialize)]
pub(super) struct Cell {
    /// Events in the order they first fired, with how often.
    events: Vec<EventCount>,
    /// Only the vendor's script loaded (no event).
    loader_only: bool,
    /// The worst finding about this vendor on this page, or `ok`.
    level: &'static str,
    /// The codes of those findings.
    codes: Vec<&'static str>,
}

#[derive(Serialize)]
pub(super) struct EventCount {
    name: String,
    count: usize,
}

pub(super) fn matrix(report: &Report) -> Matrix {
    let vendors: Vec<Vendor> = report
        .pages
        .iter()
        .flat_map(|p| {
            p.hits
                .iter()
                .map(|h| h.hit.vendor)
                .chain(p.findings.iter().filter_map(|f| f.vendor))
        })
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let rows = report
        .pages
        .iter()
        .enumerate()
        .map(|(i, page)| MatrixRow {
            page_id: page_id(i),
            group: group(page),
            label: page.label(),
            cells: vendors.iter().map(|&vendor| cell(page, vendor)).collect(),
        })
        .collect();
    Matrix {
        vendors: vendors.into_iter().map(Vendor::as_str).collect(),
        rows,
    }
}

pub(super) fn cell(page: &PageReport, vendor: Vendor) -> Cell {
    let mut hits: Vec<&HitReport> = page
        .hits
        .iter()
        .filter(|h| h.hit.vendor == vendor)
        .collect();
    hits.sort_by(|a, b| a.time_ms.total_cmp(&b.time_ms));
    let mut events: Vec<EventCount> = Vec::new();
    for hit in hits.iter().filter(|h| h.hit.kind == HitKind::Event) {
        let name = hit.hit.event.as_deref().unwrap_or("?");
        match events.iter_mut().find(|e| e.name == name) {
            Some(e) => e.count += 1,
            None => events.push(EventCount {
                name: name.to_string(),
                count: 1,
            }),
        }
    }
    let findings: Vec<&Finding> = page
        .findings
        .iter()
        .filter(|f| f.vendor == Some(vendor))
        .collect();
    let mut codes: Vec<&'static str> = findings.iter().map(|f| f.code.as_str()).collect();
    codes.dedup();
    Cell {
        loader_only: events.is_empty() && !hits.is_empty(),
        events,
        level: level(findings.iter().copied()),
        codes,
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::super::to_html;

    #[test]
    fn flags_the_vendor_cells_with_findings() {
        let html = to_html(&report());
        // The matrix: meta on the home page fired PageView twice and has an error finding.
        let matrix = &html[html.find("id=\"matrix\"").expect("a matrix section")..];
        let cell = &matrix[matrix.find("class=\"cell error\"").expect("a flagged cell")..];
        let cell = &cell[..cell.find("</td>").unwrap()];
        assert!(cell.contains("PageView") && cell.contains("×2"), "{cell}");
        // The ga4 cell on the home page is fine.
        assert!(matrix.contains("class=\"cell ok\""));
    }
}
