//! Hit timings: one hit as its page's timeline shows it (when it fired, where its bar sits, its
//! parameters), for the "Timings and requests" view and the hits under each finding.

use serde::Serialize;

use super::super::{HitReport, PageReport};
use super::duration;
use super::fields::{fields, Field};

/// One hit with what the template prints precomputed.
#[derive(Serialize)]
pub(super) struct HitView<'a> {
    pub(super) hit: &'a HitReport,
    /// `380 ms`.
    time: String,
    /// Position on the page's timeline, in percent.
    at: u32,
    /// The request got a 2xx/3xx answer.
    ok: bool,
    params: Vec<Field>,
    raw: Vec<Field>,
}

impl<'a> HitView<'a> {
    pub(super) fn new(hit: &'a HitReport, span_ms: f64) -> Self {
        HitView {
            hit,
            time: duration(hit.time_ms),
            at: percent(hit.time_ms, span_ms),
            ok: hit.status.is_some_and(|s| (200..400).contains(&s)),
            params: fields(&hit.hit.params),
            raw: fields(&hit.hit.raw),
        }
    }
}

/// `ms` as a share of `span_ms`, in percent.
pub(super) fn percent(ms: f64, span_ms: f64) -> u32 {
    if span_ms > 0.0 {
        (ms / span_ms * 100.0).clamp(0.0, 100.0) as u32
    } else {
        0
    }
}

/// The time span a page's timeline bars cover.
pub(super) fn span_ms(page: &PageReport) -> f64 {
    page.hits
        .iter()
        .map(|h| h.time_ms)
        .fold(page.wall_ms, f64::max)
}
