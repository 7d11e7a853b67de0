//! Stopping an audit early, because its time budget ran out or the scheduler is shutting down.
//! The audit checks the signal before each page run and journey, abandons the one in progress
//! when it fires, then closes the browser and stops the driver as it always does, and returns
//! what it gathered, marked partial.

use std::sync::{Arc, OnceLock};

use tokio_util::sync::CancellationToken;

use pixelaudit_core::report::StopReason;

/// A stop signal shared by the audit and whoever may stop it. The first reason given wins.
#[derive(Debug, Clone, Default)]
pub struct Stop {
    token: CancellationToken,
    reason: Arc<OnceLock<StopReason>>,
}

impl Stop {
    /// A signal that has not fired.
    pub fn new() -> Stop {
        Stop::default()
    }

    /// Asks the audit to stop, for `reason` (ignored if it was already asked).
    pub fn stop(&self, reason: StopReason) {
        let _ = self.reason.set(reason);
        self.token.cancel();
    }

    /// Why the audit was asked to stop, if it was.
    pub fn reason(&self) -> Option<StopReason> {
        self.reason.get().copied()
    }

    /// True once the audit was asked to stop.
    pub fn is_stopped(&self) -> bool {
        self.token.is_cancelled()
    }

    /// Completes when the audit is asked to stop.
    pub async fn stopped(&self) {
        self.token.cancelled().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_first_reason_wins_and_every_clone_sees_it() {
        let stop = Stop::new();
        let seen = stop.clone();
        assert!(!seen.is_stopped());
        stop.stop(StopReason::TimeBudget);
        stop.stop(StopReason::Shutdown);
        seen.stopped().await;
        assert_eq!(seen.reason(), Some(StopReason::TimeBudget));
    }
}
