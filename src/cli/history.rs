//! `pixelaudit history`: a site's past runs, from reports/history.sqlite.

use std::path::PathBuf;

use clap::Args;

use super::DecodeFormat;
use crate::exit::Exit;

/// `pixelaudit history`.
#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// The site's name (as in its reports).
    pub site: String,
    /// Where runs are saved.
    #[arg(long, value_name = "DIR", default_value = "reports")]
    pub reports_dir: PathBuf,
    /// How many runs, newest first.
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DecodeFormat::Text)]
    pub format: DecodeFormat,
}

pub(super) fn run(args: &HistoryArgs) -> Exit {
    let runs = crate::archive::History::open(&args.reports_dir)
        .and_then(|h| h.runs(&args.site, args.limit));
    let runs = match runs {
        Ok(runs) => runs,
        Err(error) => {
            eprintln!(
                "error: cannot read {}: {error}",
                args.reports_dir.join("history.sqlite").display()
            );
            return Exit::Failure;
        }
    };
    match args.format {
        DecodeFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&runs).expect("runs serialize")
        ),
        DecodeFormat::Text if runs.is_empty() => {
            println!("no runs of {} in {}", args.site, args.reports_dir.display())
        }
        DecodeFormat::Text => {
            println!(
                "{:<32} {:>6} {:>7} {:>7} {:>9} {:>12}",
                "started", "pages", "events", "errors", "warnings", "regressions"
            );
            for run in &runs {
                println!(
                    "{:<32} {:>6} {:>7} {:>7} {:>9} {:>12}",
                    run.started_at,
                    run.pages,
                    run.events,
                    run.errors,
                    run.warnings,
                    run.regressions
                );
            }
        }
    }
    Exit::Clean
}
