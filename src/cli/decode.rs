//! `pixelaudit decode`: what the vendor decoders make of one request.

use std::io::Read;
use std::path::PathBuf;

use clap::Args;

use super::DecodeFormat;
use crate::exit::Exit;
use pixelaudit_core::model::CapturedRequest;
use pixelaudit_core::vendors;

/// `pixelaudit decode`.
#[derive(Debug, Args)]
pub struct DecodeArgs {
    /// The request URL.
    pub url: String,
    /// HTTP method.
    #[arg(long, default_value = "GET")]
    pub method: String,
    /// The request body: a file, or - for stdin.
    #[arg(long, value_name = "FILE|-")]
    pub body: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DecodeFormat::Text)]
    pub format: DecodeFormat,
}

pub(super) fn run(args: DecodeArgs) -> Exit {
    let body = match &args.body {
        None => None,
        Some(path) if path.as_os_str() == "-" => {
            let mut text = String::new();
            if let Err(error) = std::io::stdin().read_to_string(&mut text) {
                eprintln!("error: cannot read the body from stdin: {error}");
                return Exit::Failure;
            }
            Some(text)
        }
        Some(path) => match std::fs::read_to_string(path) {
            Ok(text) => Some(text),
            Err(error) => {
                eprintln!("error: cannot read {}: {error}", path.display());
                return Exit::Failure;
            }
        },
    };
    let request = CapturedRequest::new(&args.method, &args.url, body.as_deref());
    let hits = vendors::decode(&request);
    match args.format {
        DecodeFormat::Json => {
            println!(
                "{}",
                serde_json::to_string_pretty(&hits).expect("hits serialize")
            );
        }
        DecodeFormat::Text if hits.is_empty() => println!("no vendor recognises this request"),
        DecodeFormat::Text => {
            for hit in &hits {
                println!(
                    "{} {:?} event={} account={} class={:?}",
                    hit.vendor,
                    hit.kind,
                    hit.event.as_deref().unwrap_or("-"),
                    hit.account.as_deref().unwrap_or("-"),
                    hit.class
                );
                for (key, value) in &hit.params {
                    println!("  {key} = {value}");
                }
                if !hit.raw.is_empty() {
                    println!("  raw:");
                    for (key, value) in &hit.raw {
                        println!("    {key} = {value}");
                    }
                }
            }
        }
    }
    Exit::Clean
}
