//! One scheduled run of one site: wait for a browser session slot, audit within the site's
//! time budget, then save and deliver through [`crate::run`] like `pixelaudit audit` does, and
//! say how it went in one log line and one [`RunRecord`].

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use super::state::{Outcome, RunRecord, Trigger};
use crate::audit::Stop;
use crate::run::{Delivery, RunSettings};
use crate::{audit, run};
use pixelaudit_core::config::{Site, DEFAULT_BUDGET};
use pixelaudit_core::report::StopReason;

/// How long an audit that was told to stop may take to wind down (close its browser) before
/// it is abandoned; its chromedriver process group is killed either way.
pub const WIND_DOWN: Duration = Duration::from_secs(30);

/// What every run shares.
#[derive(Debug)]
pub struct RunContext {
    /// Browser, driver, reports dir, email.
    pub settings: RunSettings,
    /// One permit per concurrent browser session (`--max-sessions`).
    pub sessions: Arc<Semaphore>,
    /// Cancelled when the daemon stops accepting runs: queued runs then never start.
    pub closing: CancellationToken,
}

/// A run to do.
#[derive(Debug, Clone)]
pub struct RunRequest {
    /// The site's config file.
    pub config: PathBuf,
    /// The site, as last validated.
    pub site: Arc<Site>,
    /// The cron time it is for.
    pub scheduled_for: DateTime<Utc>,
    /// Why it runs.
    pub trigger: Trigger,
}

/// Runs `request`; `stop` ends it early (the daemon's shutdown). Returns `None` when the
/// daemon began shutting down before a session slot was free (the run never started).
pub async fn run(request: RunRequest, context: Arc<RunContext>, stop: Stop) -> Option<RunRecord> {
    let site = &request.site;
    let _permit = tokio::select! {
        biased;
        _ = context.closing.cancelled() => {
            tracing::info!(site = %site.name, "run not started: the scheduler is stopping");
            return None;
        }
        permit = Arc::clone(&context.sessions)
            .acquire_many_owned(context.settings.sessions.unwrap_or(1).max(1) as u32) => permit.ok()?,
    };
    let started_at = Utc::now();
    let clock = Instant::now();
    let budget = site.schedule.as_ref().map_or(DEFAULT_BUDGET, |s| s.budget);
    tracing::info!(
        site = %site.name,
        scheduled_for = %request.scheduled_for.to_rfc3339(),
        trigger = %request.trigger.as_str(),
        budget_secs = budget.as_secs(),
        "run started"
    );
    let (outcome, message, report) =
        audit_and_deliver(site, &context.settings, &stop, budget).await;
    let record = RunRecord {
        scheduled_for: request.scheduled_for,
        trigger: request.trigger,
        started_at,
        finished_at: Utc::now(),
        outcome,
        message,
        errors: report.as_ref().map(|r| r.0),
        warnings: report.as_ref().map(|r| r.1),
        report: report.and_then(|r| r.2),
    };
    let secs = format!("{:.1}", clock.elapsed().as_secs_f64());
    let folder = record
        .report
        .as_ref()
        .map_or("-".to_string(), |f| f.display().to_string());
    match outcome {
        Outcome::Clean | Outcome::Findings => tracing::info!(
            site = %site.name,
            outcome = %outcome.as_str(),
            errors = record.errors.unwrap_or(0),
            warnings = record.warnings.unwrap_or(0),
            secs = %secs,
            report = %folder,
            "run finished"
        ),
        _ => tracing::warn!(
            site = %site.name,
            outcome = %outcome.as_str(),
            secs = %secs,
            report = %folder,
            detail = %record.message,
            "run finished"
        ),
    }
    Some(record)
}

/// (errors, warnings, report folder) of a run that produced a report.
type ReportFacts = (usize, usize, Option<PathBuf>);

async fn audit_and_deliver(
    site: &Site,
    settings: &RunSettings,
    stop: &Stop,
    budget: Duration,
) -> (Outcome, String, Option<ReportFacts>) {
    let prepared = match run::prepare(site, settings, Vec::new()).await {
        Ok(prepared) => prepared,
        Err(error) => return (Outcome::Failed, error, None),
    };
    for note in &prepared.notes {
        tracing::warn!(site = %site.name, "{note}");
    }
    let mut options = prepared.options;
    options.stop = stop.clone();
    let budget_timer = async {
        tokio::time::sleep(budget).await;
        stop.stop(StopReason::TimeBudget);
        std::future::pending::<()>().await;
    };
    let wind_down = async {
        stop.stopped().await;
        tokio::time::sleep(WIND_DOWN).await;
    };
    let audited = tokio::select! {
        audited = audit::run(site, &options) => audited,
        _ = budget_timer => unreachable!("the budget timer never completes"),
        _ = wind_down => {
            return (
                Outcome::Failed,
                format!(
                    "the audit did not stop within {} s of being told to; its browser was killed and nothing was saved",
                    WIND_DOWN.as_secs()
                ),
                None,
            );
        }
    };
    let report = match audited {
        Ok(report) => report,
        Err(error) => {
            return (
                Outcome::Failed,
                format!("browser unavailable: {error}"),
                None,
            )
        }
    };
    let done = run::handle_report(site, report, settings).await;
    let summary = &done.report.summary;
    let facts = (
        summary.errors,
        summary.warnings,
        done.saved.as_ref().ok().cloned(),
    );
    for warning in &done.warnings {
        tracing::warn!(site = %site.name, "{warning}");
    }
    let counts = format!(
        "{} error(s), {} warning(s) across {} page run(s)",
        summary.errors, summary.warnings, summary.pages
    );
    let (outcome, mut message) = match (&done.report.partial, &done.delivery) {
        (Some(partial), _) if partial.reason == StopReason::TimeBudget => (
            Outcome::TimedOut,
            format!("{} (budget {})", partial.message, budget_words(budget)),
        ),
        (Some(partial), _) => (Outcome::Interrupted, partial.message.clone()),
        (None, Delivery::Failed(error)) => (
            Outcome::DeliveryFailed,
            format!("{counts}; the report could not be emailed: {error}"),
        ),
        (None, _) if summary.errors > 0 => (Outcome::Findings, counts.clone()),
        (None, _) => (Outcome::Clean, counts.clone()),
    };
    if let Err(error) = &done.saved {
        message = format!("{message}; {error}");
        return (Outcome::Failed, message, Some(facts));
    }
    if let Delivery::Sent(to) = &done.delivery {
        message.push_str(&format!("; emailed to {}", to.join(", ")));
    }
    (outcome, message, Some(facts))
}

/// `45 s`, `30 min`, `1 h 30 min`.
pub fn budget_words(budget: Duration) -> String {
    let secs = budget.as_secs();
    match (secs / 3600, secs % 3600 / 60, secs % 60) {
        (0, 0, s) => format!("{s} s"),
        (0, m, 0) => format!("{m} min"),
        (0, m, s) => format!("{m} min {s} s"),
        (h, 0, 0) => format!("{h} h"),
        (h, m, _) => format!("{h} h {m} min"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets_in_words() {
        assert_eq!(budget_words(Duration::from_secs(45)), "45 s");
        assert_eq!(budget_words(Duration::from_secs(1800)), "30 min");
        assert_eq!(budget_words(Duration::from_secs(90)), "1 min 30 s");
        assert_eq!(budget_words(Duration::from_secs(5400)), "1 h 30 min");
        assert_eq!(budget_words(Duration::from_secs(7200)), "2 h");
    }
}
