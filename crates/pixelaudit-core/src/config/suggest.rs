//! "Did you mean …?" suggestions for misspelt keys, vendors, events and rule names.

use std::collections::BTreeMap;

use crate::model::Vendor;
use crate::vendors;

/// Edit distance between two strings (Levenshtein, by characters).
fn distance(a: &str, b: &str) -> usize {
    strsim::levenshtein(a, b)
}

/// The closest candidate within a small distance (case-insensitive), if any.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    // A candidate that extends the word (`quiet` → `quiet_ms`) also counts as close.
    let lower = word.to_ascii_lowercase();
    let limit = (word.chars().count() / 3).clamp(1, 3);
    candidates
        .into_iter()
        .filter_map(|c| {
            let candidate = c.to_ascii_lowercase();
            let extends = lower.len() >= 3
                && (candidate.starts_with(&lower) || lower.starts_with(&candidate));
            let d = distance(&lower, &candidate);
            (d <= limit || extends).then_some((if extends { 0 } else { d }, c))
        })
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// ` (did you mean `x`?)` or an empty string.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    closest(word, candidates)
        .map(|c| format!(" (did you mean `{c}`?)"))
        .unwrap_or_default()
}

/// The vendor a misspelt or other name most likely means: the closest config name, else the
/// closest word of a display name that names one vendor only (`facebook` → `meta`, `twitter`
/// → `x`, `microsoft` → `bing`).
pub fn vendor_suggestion(name: &str) -> Option<Vendor> {
    if let Some(found) = closest(name, vendors::all().iter().map(|v| v.as_str())) {
        return vendors::parse(found);
    }
    // Words shared by several vendors (`google`, `pixel`, `tag`) name none of them; a plural
    // counts as its singular (`pixels`).
    let stem = |word: &str| word.trim_end_matches('s').to_string();
    let mut words: Vec<(String, Vendor)> = Vec::new();
    let mut owners: BTreeMap<String, Vec<Vendor>> = BTreeMap::new();
    for &vendor in vendors::all() {
        let display = vendor.profile().display.to_ascii_lowercase();
        for word in display
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| w.len() >= 3)
        {
            let owned_by = owners.entry(stem(word)).or_default();
            if !owned_by.contains(&vendor) {
                owned_by.push(vendor);
            }
            words.push((word.to_string(), vendor));
        }
    }
    words.retain(|(word, _)| owners[&stem(word)].len() == 1);
    let found = closest(name, words.iter().map(|(word, _)| word.as_str()))?;
    words
        .iter()
        .find(|(word, _)| word == found)
        .map(|&(_, v)| v)
}

/// Adds a suggestion to toml's "unknown field `x`, expected one of `a`, `b`" messages.
pub(crate) fn improve_unknown_field(message: &str) -> String {
    let Some(rest) = message.strip_prefix("unknown field `") else {
        return message.to_string();
    };
    let Some((field, tail)) = rest.split_once('`') else {
        return message.to_string();
    };
    let expected: Vec<&str> = tail.split('`').skip(1).step_by(2).collect();
    match closest(field, expected.iter().copied()) {
        Some(best) => format!(
            "unknown field `{field}` (did you mean `{best}`?); expected one of {}",
            list(&expected)
        ),
        None => format!(
            "unknown field `{field}`; expected one of {}",
            list(&expected)
        ),
    }
}

fn list(items: &[&str]) -> String {
    items
        .iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_words_are_suggested_and_far_ones_are_not() {
        assert_eq!(closest("curency", ["currency", "value"]), Some("currency"));
        assert_eq!(
            closest("Purchse", ["Purchase", "PageView"]),
            Some("Purchase")
        );
        assert_eq!(closest("facebook", ["meta", "ga4"]), None);
        assert_eq!(distance("kitten", "sitting"), 3);
    }

    #[test]
    fn toml_unknown_field_messages_gain_a_suggestion() {
        let improved = improve_unknown_field(
            "unknown field `quiet`, expected one of `args`, `quiet_ms`, `max_wait_ms`",
        );
        assert!(
            improved.starts_with("unknown field `quiet` (did you mean `quiet_ms`?)"),
            "{improved}"
        );
        assert_eq!(
            improve_unknown_field("missing field `base_url`"),
            "missing field `base_url`"
        );
    }
}
