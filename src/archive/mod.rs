//! Where finished runs go: run folders under `reports/<site>/` with `latest/`, and the run
//! history in SQLite.

mod history;
mod save;

pub use history::History;
pub use save::{safe_dir_name, save_run, screenshot_name};
