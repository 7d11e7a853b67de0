//! The report model (versioned JSON is a public interface), its formats, and where runs are saved.

mod json;
mod model;
mod save;
mod table;

pub use json::to_json;
pub use model::{
    AdblockOutcome, AdblockSummary, HitReport, LostEvent, PageReport, Report, Summary,
    VendorSurvival, REPORT_VERSION,
};
pub use save::{save_run, screenshot_name};
pub use table::to_table;
