//! `pixelaudit vendors`: what a site config can name, from the vendor profiles themselves: each
//! vendor's config name, what it is, its standard events (with their aliases), the normalised
//! parameters the checks read and the wire keys each is read from, the events that repeat by design, how it behaves under consent
//! and what its account ids look like.

use std::io::Write;

use clap::{Args, ValueEnum};
use serde::Serialize;

use crate::exit::Exit;
use pixelaudit_core::checks::{self, DecodedParam, ParamRequirement};
use pixelaudit_core::config::vendor_suggestion;
use pixelaudit_core::model::{Repeats, Vendor, VendorProfile};
use pixelaudit_core::vendors;

/// `pixelaudit vendors`.
#[derive(Debug, Args)]
pub struct VendorsArgs {
    /// One vendor to show in full, by the name site configs use (`meta`, `ga4`, …); without
    /// it, a table of all of them.
    #[arg(value_name = "NAME")]
    pub name: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = VendorsFormat::Table)]
    pub format: VendorsFormat,
}

/// `vendors` formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum VendorsFormat {
    /// A table of all vendors, or one vendor in full.
    Table,
    /// A JSON array of vendor objects (only the one with NAME).
    Json,
}

pub(super) fn run(args: &VendorsArgs) -> Exit {
    let chosen: Vec<Vendor> = match args.name.as_deref() {
        None => vendors::all().to_vec(),
        Some(name) => match vendors::parse(name) {
            Some(vendor) => vec![vendor],
            None => {
                let hint = vendor_suggestion(name)
                    .map(|v| format!(" (did you mean `{v}`?)"))
                    .unwrap_or_default();
                eprintln!(
                    "error: unknown vendor `{name}`{hint}; vendors are {}",
                    names().join(", ")
                );
                return Exit::Usage;
            }
        },
    };
    let text = match (args.format, args.name.is_some()) {
        (VendorsFormat::Json, _) => {
            let infos: Vec<VendorInfo> = chosen.iter().map(|&v| VendorInfo::of(v)).collect();
            let json = serde_json::to_string_pretty(&infos).expect("vendor facts serialize");
            format!("{json}\n")
        }
        (VendorsFormat::Table, false) => table(&chosen),
        (VendorsFormat::Table, true) => in_full(&VendorInfo::of(chosen[0])),
    };
    // A listing is often piped into `head` or `grep -m1`: a closed pipe is not a failure.
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => {
            eprintln!("error: cannot write to stdout: {error}");
            Exit::Failure
        }
        _ => Exit::Clean,
    }
}

fn names() -> Vec<&'static str> {
    vendors::all().iter().map(|v| v.as_str()).collect()
}

/// One vendor as `--format json` prints it: an array of these, documented in the README
/// ("`pixelaudit vendors`"). Every field comes from the vendor's profile.
#[derive(Debug, Serialize)]
struct VendorInfo {
    /// The name site configs and reports use.
    name: &'static str,
    /// What it is.
    display: &'static str,
    /// What its account / pixel ids look like, with an example.
    id_format: &'static str,
    /// The loader whose blocking also removes its hits (`gtm` for GA4 and Google Ads).
    loaded_by: Option<&'static str>,
    /// Its standard events and their aliases (empty for a loader).
    events: Vec<EventInfo>,
    /// The events that repeat by design within one page load (never a `duplicate`).
    repeats: RepeatsInfo,
    /// The events its library sends by itself (`kind: "automatic"` hits).
    automatic: Vec<&'static str>,
    /// Whether its events get the generic parameter checks.
    params_checked: bool,
    /// The normalised parameters the checks read, with what they require and the wire key(s)
    /// each is read from (`from`).
    params: Vec<ParamRequirement>,
    /// The other normalised parameters its decoder fills (`page_url`, `content_type`,
    /// `consent`, …; every one of a vendor whose params are not checked), with where each is
    /// read from: `params` rules can address them, the generic checks do not.
    other_params: Vec<DecodedParam>,
    /// The vendor's own key for a conversion's event id, when conversions need one.
    event_id_key: Option<&'static str>,
    /// How it behaves under consent.
    consent: ConsentInfo,
}

#[derive(Debug, Serialize)]
struct EventInfo {
    name: &'static str,
    /// Other names of the same event: an expectation for either name matches a hit with either.
    aliases: Vec<&'static str>,
}

#[derive(Debug, Serialize)]
struct RepeatsInfo {
    /// Every event repeats by design.
    all: bool,
    /// These events repeat by design.
    events: Vec<&'static str>,
}

#[derive(Debug, Serialize)]
struct ConsentInfo {
    /// Needs no consent unless a site's `[consent] exempt` list leaves it out.
    exempt_by_default: bool,
    /// The Google consent-mode purpose that, when denied, makes a hit a cookieless ping that
    /// is allowed without consent.
    cookieless_when_denied: Option<&'static str>,
}

impl VendorInfo {
    fn of(vendor: Vendor) -> Self {
        let profile = vendor.profile();
        let events = profile
            .known_events()
            .map(|name| EventInfo {
                name,
                aliases: profile
                    .aliases
                    .iter()
                    .filter_map(|&(a, b)| {
                        if name == a {
                            Some(b)
                        } else if name == b {
                            Some(a)
                        } else {
                            None
                        }
                    })
                    .collect(),
            })
            .collect();
        let repeats = match profile.repeats {
            Repeats::All => RepeatsInfo {
                all: true,
                events: Vec::new(),
            },
            Repeats::Events(events) => RepeatsInfo {
                all: false,
                events: events.to_vec(),
            },
        };
        Self {
            name: profile.name,
            display: profile.display,
            id_format: profile.id_format,
            loaded_by: profile.loaded_by.map(Vendor::as_str),
            events,
            repeats,
            automatic: profile.automatic.to_vec(),
            params_checked: profile.params.checked && !profile.events.is_empty(),
            params: checks::param_requirements(profile),
            other_params: checks::other_params(profile),
            event_id_key: profile.params.conversion_event_id,
            consent: ConsentInfo {
                exempt_by_default: profile.consent.exempt_by_default,
                cookieless_when_denied: profile.consent.cookieless_when_denied,
            },
        }
    }
}

/// Every vendor, one line each: name, what it is, how many events, id format.
fn table(chosen: &[Vendor]) -> String {
    let width = |header: &str, cell: fn(&VendorProfile) -> &str| {
        chosen
            .iter()
            .map(|v| cell(v.profile()).chars().count())
            .chain([header.len()])
            .max()
            .unwrap_or_default()
    };
    let name_width = width("name", |p| p.name);
    let display_width = width("what it is", |p| p.display);
    let mut out = format!(
        "{:<name_width$}  {:<display_width$}  {:>6}  id format\n",
        "name", "what it is", "events"
    );
    for vendor in chosen {
        let profile = vendor.profile();
        out.push_str(&format!(
            "{:<name_width$}  {:<display_width$}  {:>6}  {}\n",
            profile.name,
            profile.display,
            profile.known_events().count(),
            profile.id_format
        ));
    }
    out.push_str(
        "\n`pixelaudit vendors NAME` shows one in full: events and aliases, parameters, \
         repeats, consent.\n",
    );
    out
}

/// One vendor in full, for people writing a site config.
fn in_full(info: &VendorInfo) -> String {
    let mut out = format!("{} — {}\n", info.name, info.display);
    out.push_str(&format!("id format: {}\n", info.id_format));
    if let Some(loader) = info.loaded_by {
        out.push_str(&format!(
            "loaded by: {loader} (blocking its loader also removes these hits)\n"
        ));
    }

    if info.events.is_empty() {
        out.push_str("\nevents: none, a loader only (its script loads are recorded)\n");
    } else {
        out.push_str(&format!(
            "\nevents ({} standard names for an expectation's `event`; custom names are \
             allowed too):\n",
            info.events.len()
        ));
        let width = info.events.iter().map(|e| e.name.len()).max().unwrap_or(0);
        for event in &info.events {
            if event.aliases.is_empty() {
                out.push_str(&format!("  {}\n", event.name));
            } else {
                out.push_str(&format!(
                    "  {:<width$}  same event as {} (either name matches both)\n",
                    event.name,
                    event.aliases.join(", ")
                ));
            }
        }
    }

    let repeats = match (&info.repeats, info.events.is_empty()) {
        (_, true) => None,
        (RepeatsInfo { all: true, .. }, _) => Some("every event".to_string()),
        (RepeatsInfo { events, .. }, _) if events.is_empty() => Some("none".to_string()),
        (RepeatsInfo { events, .. }, _) => Some(events.join(", ")),
    };
    if let Some(repeats) = repeats {
        out.push_str(&format!(
            "repeat by design (never a `duplicate`): {repeats}\n"
        ));
    }
    if !info.automatic.is_empty() {
        out.push_str(&format!(
            "sent by its library on its own (listed, and count for consent; never a \
             `duplicate`, an expectation or a parameter check): {}\n",
            info.automatic.join(", ")
        ));
    }

    if !info.events.is_empty() && !info.params_checked {
        out.push_str(
            "\nparameters: decoded but not checked by the generic checks (`params` rules in \
             a site config still apply)\n",
        );
    } else if !info.params.is_empty() {
        out.push_str(
            "\nparameters (normalised keys; a site config's `params` rules can check them):\n",
        );
        let rows: Vec<[String; 4]> = info
            .params
            .iter()
            .map(|p| {
                let kind = match p.kind {
                    Some("number") => "a number",
                    Some("iso_currency") => "an ISO 4217 code",
                    Some("list") => "a list",
                    Some(other) => other,
                    None => "-",
                };
                let required = match p.required_on {
                    Some("purchase") => "on purchases (else `missing_param`)".to_string(),
                    Some("purchase_or_value") => {
                        "on purchases and with any value (else `missing_param`)".to_string()
                    }
                    Some("conversion") => format!(
                        "on conversions, sent as `{}` (else a `missing_eid` warning)",
                        info.event_id_key.unwrap_or("event_id")
                    ),
                    Some(other) => other.to_string(),
                    None => "-".to_string(),
                };
                [
                    p.key.to_string(),
                    kind.to_string(),
                    required,
                    p.from.unwrap_or("-").to_string(),
                ]
            })
            .collect();
        let header = ["key", "must be", "required", "read from"].map(String::from);
        out.push_str(&columns(std::iter::once(&header).chain(&rows)));
    }
    if !info.other_params.is_empty() {
        out.push_str(if info.params.is_empty() {
            "\nparameters decoded (normalised keys for `params` rules):\n"
        } else {
            "\nalso decoded (`params` rules can check them; the generic checks do not):\n"
        });
        let rows: Vec<[String; 2]> = info
            .other_params
            .iter()
            .map(|p| [p.key.to_string(), p.from.to_string()])
            .collect();
        let header = ["key", "read from"].map(String::from);
        out.push_str(&columns(std::iter::once(&header).chain(&rows)));
    }

    out.push_str("\nconsent: ");
    out.push_str(if info.consent.exempt_by_default {
        "exempt by default: needs none unless a site's `[consent] exempt` list leaves it out"
    } else {
        "needs consent (unless a site's `[consent] exempt` lists it)"
    });
    if let Some(purpose) = info.consent.cookieless_when_denied {
        out.push_str(&format!(
            "; a hit whose consent mode says `{purpose}` denied is a cookieless ping, allowed"
        ));
    }
    out.push('\n');
    out
}

/// Rows as indented columns, each but the last padded to its widest cell.
fn columns<'a, const N: usize>(rows: impl Iterator<Item = &'a [String; N]> + Clone) -> String {
    let widths: Vec<usize> = (0..N)
        .map(|i| {
            rows.clone()
                .map(|r| r[i].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in rows {
        let mut line = String::from(" ");
        for (i, cell) in row.iter().enumerate() {
            line.push(' ');
            if i + 1 < N {
                line.push_str(&format!("{cell:<width$} ", width = widths[i]));
            } else {
                line.push_str(cell);
            }
        }
        out.push_str(&line);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_names_and_typos_suggest_the_vendor() {
        let suggested = |name| vendor_suggestion(name).map(Vendor::as_str);
        assert_eq!(suggested("facebok"), Some("meta"));
        assert_eq!(suggested("facebook"), Some("meta"));
        assert_eq!(suggested("twitter"), Some("x"));
        assert_eq!(suggested("microsoft"), Some("bing"));
        assert_eq!(suggested("uet"), Some("bing"));
        assert_eq!(suggested("tiktk"), Some("tiktok"));
        assert_eq!(suggested("google-ads"), Some("google_ads"));
        // A word several vendors share names none of them.
        assert_eq!(suggested("pixel"), None);
        assert_eq!(suggested("hotjar"), None);
    }

    #[test]
    fn aliases_are_listed_both_ways() {
        let info = VendorInfo::of(vendors::TIKTOK);
        let aliases = |name| {
            info.events
                .iter()
                .find(|e| e.name == name)
                .map(|e| e.aliases.clone())
        };
        assert_eq!(aliases("CompletePayment"), Some(vec!["Purchase"]));
        assert_eq!(aliases("Purchase"), Some(vec!["CompletePayment"]));
        assert_eq!(aliases("Pageview"), Some(vec![]));
    }

    #[test]
    fn params_follow_the_profile() {
        let keys = |v: Vendor| -> Vec<(&'static str, Option<&'static str>)> {
            VendorInfo::of(v)
                .params
                .iter()
                .map(|p| (p.key, p.required_on))
                .collect()
        };
        let meta = keys(vendors::META);
        assert!(meta.contains(&("event_id", Some("conversion"))));
        assert!(meta.contains(&("transaction_id", None)));
        assert!(keys(vendors::GA4).contains(&("transaction_id", Some("purchase"))));
        assert!(keys(vendors::KLAVIYO).contains(&("currency", None)));
        assert!(keys(vendors::SHOPIFY).is_empty(), "not checked");
        assert!(keys(vendors::GTM).is_empty(), "a loader");
    }

    #[test]
    fn each_param_says_where_it_is_read_from() {
        let meta = VendorInfo::of(vendors::META);
        let event_id = meta.params.iter().find(|p| p.key == "event_id").unwrap();
        assert_eq!(event_id.from, Some("eid"));
        let others: Vec<&str> = meta.other_params.iter().map(|p| p.key).collect();
        assert_eq!(others, ["content_type", "page_url", "consent"]);
        let text = in_full(&meta);
        assert!(
            text.contains("  event_id        -                 on conversions, sent as `eid` (else a `missing_eid` warning)  eid\n"),
            "{text}"
        );
        assert!(text.contains("\n  page_url      dl\n"), "{text}");
        let gtm = in_full(&VendorInfo::of(vendors::GTM));
        assert!(!gtm.contains("read from"), "{gtm}");
    }
}
