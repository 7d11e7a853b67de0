//! The `[schedule]` section: when `pixelaudit schedule` runs a site (cron expressions in a time
//! zone), whether a run missed while the daemon was down is made up at start-up, and each run's
//! time budget. Validated into a [`SchedulePlan`] with file:line:col errors.

use std::str::FromStr;
use std::time::Duration;

use chrono_tz::Tz;
use serde::Deserialize;
use serde_spanned::Spanned;

use super::plan::Validator;
use super::suggest::did_you_mean;
use super::ConfigError;

/// The default time budget of one run.
pub const DEFAULT_BUDGET: Duration = Duration::from_secs(30 * 60);

/// The raw `[schedule]` section.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleConfig {
    /// One or more cron expressions, seconds first: `sec min hour day-of-month month
    /// day-of-week [year]`.
    pub cron: Spanned<Vec<Spanned<String>>>,
    /// The IANA time zone the expressions are read in (default `UTC`).
    #[serde(default)]
    pub timezone: Option<Spanned<String>>,
    /// Run once at start-up when a run came due while the daemon was down (default false).
    #[serde(default)]
    pub catch_up: Option<bool>,
    /// A run's time budget in minutes (default 30).
    #[serde(default)]
    pub budget_minutes: Option<Spanned<u64>>,
    /// A run's time budget in seconds (instead of `budget_minutes`).
    #[serde(default)]
    pub budget_secs: Option<Spanned<u64>>,
}

/// One validated cron expression.
#[derive(Debug, Clone)]
pub struct CronSpec {
    /// The expression as written.
    pub source: String,
    /// The parsed schedule.
    pub schedule: cron::Schedule,
}

/// A validated `[schedule]`.
#[derive(Debug, Clone)]
pub struct SchedulePlan {
    /// The expressions; a site runs at every time any of them names.
    pub crons: Vec<CronSpec>,
    /// The time zone they are read in.
    pub timezone: Tz,
    /// Make up a run missed while the daemon was down, once, at start-up.
    pub catch_up: bool,
    /// How long one run may take before it is stopped and saved as partial.
    pub budget: Duration,
}

impl SchedulePlan {
    /// The expressions as written, for logs and status.
    pub fn sources(&self) -> Vec<String> {
        self.crons.iter().map(|c| c.source.clone()).collect()
    }

    /// True when both plans run at the same times (same expressions and time zone).
    pub fn same_times(&self, other: &SchedulePlan) -> bool {
        self.sources() == other.sources() && self.timezone == other.timezone
    }
}

impl Validator<'_> {
    /// Validates the `[schedule]` section (each expression on its own).
    pub(super) fn schedule(&self, s: &ScheduleConfig) -> Result<SchedulePlan, ConfigError> {
        let err = |span, message: String| self.err(Some(span), message);
        if s.cron.get_ref().is_empty() {
            return Err(err(
                s.cron.span(),
                "`cron` needs at least one expression, e.g. [\"0 0 6 * * *\"] (06:00 every day)"
                    .into(),
            ));
        }
        let mut crons = Vec::new();
        for expression in s.cron.get_ref() {
            let schedule =
                parse_cron(expression.get_ref()).map_err(|message| err(expression.span(), message));
            if let Some(schedule) = self.keep(schedule) {
                crons.push(CronSpec {
                    source: expression.get_ref().trim().to_string(),
                    schedule,
                });
            }
        }
        let timezone = match &s.timezone {
            None => Tz::UTC,
            Some(name) => self
                .keep(parse_timezone(name.get_ref()).map_err(|message| err(name.span(), message)))
                .unwrap_or(Tz::UTC),
        };
        let budget = match (&s.budget_minutes, &s.budget_secs) {
            (Some(_), Some(secs)) => {
                return Err(err(
                    secs.span(),
                    "give either `budget_minutes` or `budget_secs`, not both".into(),
                ))
            }
            (Some(m), None) => positive(m, 60).map_err(|message| err(m.span(), message))?,
            (None, Some(s)) => positive(s, 1).map_err(|message| err(s.span(), message))?,
            (None, None) => DEFAULT_BUDGET,
        };
        Ok(SchedulePlan {
            crons,
            timezone,
            catch_up: s.catch_up.unwrap_or(false),
            budget,
        })
    }
}

fn positive(value: &Spanned<u64>, unit_secs: u64) -> Result<Duration, String> {
    match *value.get_ref() {
        0 => Err("a time budget must be at least 1".into()),
        n => Ok(Duration::from_secs(n.saturating_mul(unit_secs))),
    }
}

/// Parses a cron expression in the `cron` crate's syntax (6 or 7 fields, seconds first),
/// explaining the usual mistake: a 5-field crontab line.
pub fn parse_cron(expression: &str) -> Result<cron::Schedule, String> {
    let fields: Vec<&str> = expression.split_whitespace().collect();
    if fields.len() == 5 {
        let mut message = format!(
            "`{expression}` has 5 fields (crontab syntax); pixelaudit's cron expressions start \
             with seconds: `sec min hour day-of-month month day-of-week [year]` (did you mean \
             `0 {}`?)",
            fields.join(" ")
        );
        if fields[4].chars().any(|c| c.is_ascii_digit()) {
            message.push_str(
                "; days of the week count from 1 = Sunday here, so write them as names \
                 (Mon-Fri)",
            );
        }
        return Err(message);
    }
    let schedule = cron::Schedule::from_str(expression).map_err(|e| {
        format!(
            "invalid cron expression `{expression}`: {e}; the syntax is `sec min hour \
             day-of-month month day-of-week [year]`, e.g. `0 0 6 * * *` (06:00 every day) or \
             `0 */15 * * * Mon-Fri`"
        )
    })?;
    // A date that does not exist (31 February) or a year gone by: the site would never run.
    if schedule.upcoming(chrono::Utc).next().is_none() {
        return Err(format!(
            "`{expression}` never fires (a day that does not exist in that month, or a year that \
             has passed), so the site would never be audited"
        ));
    }
    Ok(schedule)
}

/// Parses an IANA time zone name (`Europe/Paris`, `America/New_York`, `UTC`).
pub fn parse_timezone(name: &str) -> Result<Tz, String> {
    if let Ok(tz) = Tz::from_str(name) {
        return Ok(tz);
    }
    let names = || chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name());
    let mut hint = did_you_mean(name, names());
    if hint.is_empty() {
        // `Paris` → `Europe/Paris`.
        if let Some(full) = names().find(|full| {
            full.rsplit('/')
                .next()
                .is_some_and(|city| city.eq_ignore_ascii_case(&name.replace(' ', "_")))
        }) {
            hint = format!(" (did you mean `{full}`?)");
        }
    }
    Err(format!(
        "unknown time zone `{name}`{hint}; use an IANA name such as `UTC`, `Europe/Paris` or \
         `America/New_York`"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Site;
    use std::path::Path;

    fn site(schedule: &str) -> Result<Site, ConfigError> {
        Site::parse(
            Path::new("sites/shop.toml"),
            &format!("base_url = \"https://shop.test/\"\n[schedule]\n{schedule}"),
        )
    }

    #[test]
    fn defaults_are_utc_no_catch_up_and_thirty_minutes() {
        let plan = site("cron = [\"0 0 6 * * *\", \"0 30 18 * * Mon-Fri\"]\n")
            .unwrap()
            .schedule
            .unwrap();
        assert_eq!(plan.timezone, Tz::UTC);
        assert!(!plan.catch_up);
        assert_eq!(plan.budget, DEFAULT_BUDGET);
        assert_eq!(plan.sources(), ["0 0 6 * * *", "0 30 18 * * Mon-Fri"]);
        let plan = site("cron = [\"*/2 * * * * *\"]\ntimezone = \"Europe/Paris\"\ncatch_up = true\nbudget_secs = 90\n")
            .unwrap()
            .schedule
            .unwrap();
        assert_eq!(plan.timezone, chrono_tz::Europe::Paris);
        assert!(plan.catch_up);
        assert_eq!(plan.budget, Duration::from_secs(90));
        let unscheduled = Site::parse(
            Path::new("sites/shop.toml"),
            "base_url = \"https://shop.test/\"\n",
        );
        assert!(unscheduled.unwrap().schedule.is_none());
        let e = site("").unwrap_err();
        assert!(e.message.contains("missing field `cron`"), "{}", e.message);
    }

    #[test]
    fn a_crontab_line_points_at_the_seconds_field() {
        let e = site("cron = [\"0 6 * * *\"]\n").unwrap_err();
        assert_eq!((e.line, e.column), (Some(3), Some(9)));
        assert!(
            e.message.contains("did you mean `0 0 6 * * *`?"),
            "{}",
            e.message
        );
        let e = site("cron = [\"0 9 * * 1-5\"]\n").unwrap_err();
        assert!(e.message.contains("1 = Sunday"), "{}", e.message);
    }

    #[test]
    fn bad_expressions_and_zones_are_errors_at_their_position() {
        let e = site("cron = [\"0 0 25 * * *\"]\n").unwrap_err();
        assert_eq!(e.line, Some(3));
        assert!(
            e.message.contains("invalid cron expression"),
            "{}",
            e.message
        );
        let e = site("cron = [\"0 0 6 * * *\"]\ntimezone = \"Europe/Pari\"\n").unwrap_err();
        assert_eq!((e.line, e.column), (Some(4), Some(12)));
        assert!(
            e.message.contains("did you mean `Europe/Paris`?"),
            "{}",
            e.message
        );
        let e = site("cron = [\"0 0 6 * * *\"]\ntimezone = \"Paris\"\n").unwrap_err();
        assert!(
            e.message.contains("did you mean `Europe/Paris`?"),
            "{}",
            e.message
        );
        for never in ["0 0 0 31 2 *", "0 0 0 30 Feb *", "0 0 6 1 1 * 2020"] {
            let started = std::time::Instant::now();
            let e = site(&format!("cron = [\"{never}\"]\n")).unwrap_err();
            assert_eq!((e.line, e.column), (Some(3), Some(9)), "{never}");
            assert!(e.message.contains("never fires"), "{never}: {}", e.message);
            assert!(started.elapsed().as_secs() < 5, "{never}: found quickly");
        }
        let e = site("cron = []\n").unwrap_err();
        assert!(e.message.contains("at least one"), "{}", e.message);
        let e =
            site("cron = [\"0 0 6 * * *\"]\nbudget_minutes = 1\nbudget_secs = 5\n").unwrap_err();
        assert_eq!(e.line, Some(5));
        let e = site("cron = [\"0 0 6 * * *\"]\nbudget_minute = 1\n").unwrap_err();
        assert!(
            e.message.contains("did you mean `budget_minutes`?"),
            "{}",
            e.message
        );
    }
}
