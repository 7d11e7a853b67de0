//! The report model (versioned JSON is a public interface), its formats, and the diff with the
//! previous run.

pub mod coverage;
mod format;
mod html;
mod json;
mod junit;
mod markdown;
mod model;
mod regression;
mod table;
mod trend;
mod type_coverage;

pub use format::Format;
pub use html::to_html;
pub use json::to_json;
pub use junit::to_junit;
pub use markdown::to_markdown;
pub use model::{
    AdblockOutcome, AdblockSummary, DiscoverySummary, HitReport, LostEvent, PageReport, Partial,
    Report, StopReason, Summary, VendorSurvival, REPORT_VERSION,
};
pub use regression::{
    compare as compare_runs, load_previous, EventRef, FindingRef, ParamChange, Regressions,
};
pub use table::to_table;
pub use trend::{RunSummary, VendorPoint};
pub use type_coverage::{coverage, KeyCoverage, TypeCoverage};
