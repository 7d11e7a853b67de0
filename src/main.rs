//! The `pixelaudit` command: parses arguments, sets up logging, runs the library, exits.

use std::io::IsTerminal;

use clap::Parser;
use pixelaudit::cli::{self, Cli};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // `--help` and `--version` are answers, not errors.
        Err(error) if !error.use_stderr() => {
            let _ = error.print();
            return std::process::ExitCode::SUCCESS;
        }
        // A usage error has its own exit code: 2 means "error findings".
        Err(error) => {
            let _ = error.print();
            return cli::usage_error();
        }
    };
    let (default_filter, timestamps) = cli.log_defaults();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_filter));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    if timestamps {
        logs.init();
    } else {
        logs.without_time().init();
    }
    cli::run(cli).await.into()
}
