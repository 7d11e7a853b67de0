//! `pixelaudit validate`: check site configs without a browser.

use std::path::PathBuf;

use clap::Args;

use crate::exit::Exit;
use pixelaudit_core::config;

/// `pixelaudit validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Site configs (sites/*.toml).
    #[arg(required = true)]
    pub sites: Vec<PathBuf>,
}

pub(super) fn run(args: &ValidateArgs) -> Exit {
    let mut exit = Exit::Clean;
    for path in &args.sites {
        match config::load_all(path) {
            Ok(site) => println!(
                "ok: {} ({} page(s), {} journey(s), {} expectation(s))",
                path.display(),
                site.pages.len(),
                site.journeys.len(),
                site.expectation_count()
            ),
            Err(errors) => {
                for error in &errors {
                    eprintln!("error: {error}\n");
                }
                if errors.len() > 1 {
                    eprintln!("{}: {} errors\n", path.display(), errors.len());
                }
                exit = Exit::InvalidConfig;
            }
        }
    }
    exit
}
