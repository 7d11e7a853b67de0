//! The report model (versioned JSON is a public interface), its formats, and where runs are saved.

pub mod coverage;
mod format;
mod history;
mod html;
mod json;
mod junit;
mod markdown;
mod model;
mod regression;
mod save;
mod table;

pub use format::Format;
pub use history::{History, RunSummary, VendorPoint};
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
pub use save::{safe_dir_name, save_run, screenshot_name};
pub use table::to_table;
