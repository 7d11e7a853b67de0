//! When a site runs next: the earliest time any of its cron expressions names after a given
//! instant, read in the site's time zone. `--dry-run` lists the next few.
//!
//! Daylight saving time: a wall-clock time that does not exist on a day (clocks going forward)
//! does not run that day; a wall-clock time that occurs twice (clocks going back) runs once,
//! at its first occurrence.

use chrono::offset::LocalResult;
use chrono::{DateTime, TimeZone, Utc};

use pixelaudit_core::config::{CronSpec, SchedulePlan};

/// How many candidates one expression may yield before giving up (an every-second schedule
/// crossing a repeated hour skips 3600 of them).
const SEARCH_LIMIT: usize = 20_000;

/// The first run time of `plan` strictly after `after`, if the expressions name any.
pub fn next_after(plan: &SchedulePlan, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
    plan.crons
        .iter()
        .filter_map(|spec| next_of(spec, plan, after))
        .min()
}

/// The next `count` run times of `plan` after `after`.
pub fn upcoming(plan: &SchedulePlan, after: DateTime<Utc>, count: usize) -> Vec<DateTime<Utc>> {
    let mut times = Vec::with_capacity(count);
    let mut from = after;
    while times.len() < count {
        match next_after(plan, from) {
            Some(next) => {
                times.push(next);
                from = next;
            }
            None => break,
        }
    }
    times
}

fn next_of(spec: &CronSpec, plan: &SchedulePlan, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let tz = plan.timezone;
    let local = after.with_timezone(&tz);
    spec.schedule
        .after(&local)
        .take(SEARCH_LIMIT)
        .filter(|candidate| candidate.with_timezone(&Utc) > after)
        .find(
            |candidate| match tz.from_local_datetime(&candidate.naive_local()) {
                LocalResult::Ambiguous(first, _) => *candidate == first,
                _ => true,
            },
        )
        .map(|candidate| candidate.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;
    use pixelaudit_core::config::Site;
    use std::path::Path;

    fn plan(schedule: &str) -> SchedulePlan {
        Site::parse(
            Path::new("sites/shop.toml"),
            &format!("base_url = \"https://shop.test/\"\n[schedule]\n{schedule}"),
        )
        .unwrap()
        .schedule
        .unwrap()
    }

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn the_earliest_of_several_expressions_in_the_sites_zone() {
        let p = plan("cron = [\"0 0 6 * * *\", \"0 30 18 * * *\"]\ntimezone = \"Europe/Paris\"\n");
        // 06:00 Paris is 05:00 UTC in winter.
        assert_eq!(
            next_after(&p, utc("2026-11-28T04:00:00Z")),
            Some(utc("2026-11-28T05:00:00Z"))
        );
        assert_eq!(
            next_after(&p, utc("2026-11-28T05:00:00Z")),
            Some(utc("2026-11-28T17:30:00Z")),
            "strictly after"
        );
        assert_eq!(
            upcoming(&p, utc("2026-11-28T12:00:00Z"), 3),
            [
                utc("2026-11-28T17:30:00Z"),
                utc("2026-11-29T05:00:00Z"),
                utc("2026-11-29T17:30:00Z")
            ]
        );
    }

    #[test]
    fn daylight_saving_gaps_skip_and_repeats_run_once() {
        // Europe/Paris: 2026-03-29 02:00 → 03:00 (02:30 does not exist), 2026-10-25 03:00 →
        // 02:00 (02:30 happens twice).
        let p = plan("cron = [\"0 30 2 * * *\"]\ntimezone = \"Europe/Paris\"\n");
        assert_eq!(
            next_after(&p, utc("2026-03-28T12:00:00Z")),
            Some(utc("2026-03-30T00:30:00Z")),
            "no 02:30 on the 29th"
        );
        let first = next_after(&p, utc("2026-10-24T12:00:00Z")).unwrap();
        assert_eq!(first, utc("2026-10-25T00:30:00Z"), "02:30 CEST");
        assert_eq!(
            next_after(&p, first),
            Some(utc("2026-10-26T01:30:00Z")),
            "not again at 02:30 CET"
        );
        let every_10_min = plan("cron = [\"0 */10 * * * *\"]\ntimezone = \"Europe/Paris\"\n");
        let times = upcoming(&every_10_min, utc("2026-10-25T00:45:00Z"), 3);
        assert_eq!(
            times,
            [
                utc("2026-10-25T00:50:00Z"),
                utc("2026-10-25T02:00:00Z"),
                utc("2026-10-25T02:10:00Z")
            ],
            "the repeated hour's times are not run twice, and time never goes backwards"
        );
    }

    #[test]
    fn seconds_schedules_and_years_that_end() {
        let p = plan("cron = [\"*/2 * * * * *\"]\n");
        assert_eq!(
            upcoming(&p, utc("2026-11-28T12:00:00.500Z"), 2),
            [utc("2026-11-28T12:00:02Z"), utc("2026-11-28T12:00:04Z")]
        );
        // A year that ends while the scheduler runs (a past year is already a config error).
        let p = plan("cron = [\"0 0 0 1 1 * 2090\"]\n");
        assert_eq!(
            next_after(&p, utc("2089-06-01T00:00:00Z")),
            Some(utc("2090-01-01T00:00:00Z"))
        );
        assert_eq!(next_after(&p, utc("2090-01-02T00:00:00Z")), None);
    }
}
