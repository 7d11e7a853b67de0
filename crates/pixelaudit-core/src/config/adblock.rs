//! The `[adblock]` section: which filter lists, the blocked run, the severity of blocked events.

use std::time::Duration;

use serde::Deserialize;
use serde_spanned::Spanned;

use super::plan::Validator;
use super::suggest::did_you_mean;
use super::ConfigError;
use crate::model::Severity;

/// The `[adblock]` section: which filter lists, whether to audit again with them blocking,
/// and how severe a lost event is.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdblockConfig {
    /// Lists by name (`easylist`, `easyprivacy`: Debian's copies), `http(s)://` URL, or path
    /// (relative to the config's folder).
    #[serde(default)]
    pub lists: Option<Vec<String>>,
    /// Audit every page and journey again with the lists blocking (default true).
    #[serde(default)]
    pub blocked_run: Option<bool>,
    /// Severity of `adblock_blocked` findings: `info` (default), `warning` or `error`.
    #[serde(default)]
    pub severity: Option<Spanned<String>>,
    /// Downloaded lists older than this are downloaded again (default 24).
    #[serde(default)]
    pub max_age_hours: Option<u64>,
}

/// Validated `[adblock]` settings.
#[derive(Debug, Clone)]
pub struct AdblockPlan {
    /// Lists by name or path.
    pub lists: Vec<String>,
    /// Audit again with the lists blocking.
    pub blocked_run: bool,
    /// Severity of `adblock_blocked`.
    pub severity: Severity,
    /// How long a downloaded list stays fresh.
    pub max_age: Duration,
}

impl Default for AdblockPlan {
    fn default() -> Self {
        AdblockPlan {
            lists: vec!["easylist".to_string(), "easyprivacy".to_string()],
            blocked_run: true,
            severity: Severity::Info,
            max_age: Duration::from_secs(24 * 3600),
        }
    }
}

/// The filter lists known by name (the app maps them to Debian's files).
pub const ADBLOCK_LIST_NAMES: &[&str] = &["easylist", "easyprivacy"];

impl Validator<'_> {
    /// A list as written: a name or URL as is, a path resolved against the config's folder.
    fn list(&self, spec: &str) -> String {
        let url = url::Url::parse(spec).is_ok_and(|u| matches!(u.scheme(), "http" | "https"));
        if url || ADBLOCK_LIST_NAMES.contains(&spec) {
            return spec.to_string();
        }
        self.file(spec).display().to_string()
    }

    pub(super) fn adblock(&self, a: &AdblockConfig) -> Result<AdblockPlan, ConfigError> {
        let defaults = AdblockPlan::default();
        let severity = match &a.severity {
            None => defaults.severity,
            Some(name) => Severity::parse(name.get_ref()).ok_or_else(|| {
                self.err(
                    Some(name.span()),
                    format!(
                        "unknown severity `{}`{}; severities are info, warning, error",
                        name.get_ref(),
                        did_you_mean(name.get_ref(), ["info", "warning", "error"])
                    ),
                )
            })?,
        };
        Ok(AdblockPlan {
            lists: match &a.lists {
                Some(lists) => lists.iter().map(|list| self.list(list)).collect(),
                None => defaults.lists,
            },
            blocked_run: a.blocked_run.unwrap_or(defaults.blocked_run),
            severity,
            max_age: a
                .max_age_hours
                .map_or(defaults.max_age, |h| Duration::from_secs(h * 3600)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::plan::tests::site;

    #[test]
    fn adblock_section_has_defaults_and_checked_severity() {
        let s = site("[adblock]\n").unwrap();
        let a = s.adblock.unwrap();
        assert_eq!(a.lists, vec!["easylist", "easyprivacy"]);
        assert!(a.blocked_run);
        assert_eq!(a.severity, Severity::Info);
        let e = site("[adblock]\nseverity = \"warn\"\n").unwrap_err();
        assert!(
            e.message.contains("did you mean `warning`?"),
            "{}",
            e.message
        );
        assert_eq!(e.line, Some(3));
        assert!(site("").unwrap().adblock.is_none());
        let a = site("[adblock]\nlists = [\"easyprivacy\", \"lists/own.txt\", \"/etc/lists/x.txt\", \"https://lists.test/a.txt\"]\n")
            .unwrap()
            .adblock
            .unwrap();
        assert_eq!(
            a.lists,
            [
                "easyprivacy",
                "sites/lists/own.txt",
                "/etc/lists/x.txt",
                "https://lists.test/a.txt"
            ],
            "a relative path is relative to sites/shop.toml's folder"
        );
    }
}
