//! What a run is, and how its report entries read: a plain page (one `goto` step, reported
//! as the page itself) or a journey (each step an entry of its own). Every difference the
//! report shows between the two is decided here, and nowhere in the step code.

use std::borrow::Cow;
use std::time::Instant;

use url::Url;

use pixelaudit_browser::Session;
use pixelaudit_core::config::{Action, JourneyPlan, PagePlan, Site, StepPlan};
use pixelaudit_core::model::Device;

/// A run: steps performed in order by one fresh visitor, and how they are reported.
pub(crate) struct Run<'a> {
    pub(crate) shape: Shape<'a>,
    pub(crate) device: Device,
    pub(crate) steps: Cow<'a, [StepPlan]>,
}

impl<'a> Run<'a> {
    /// A page: a journey of one `goto` step, named and checked as the page.
    pub(crate) fn page(plan: &'a PagePlan) -> Run<'a> {
        Run {
            shape: Shape::Page { url: &plan.url },
            device: plan.device,
            steps: Cow::Owned(vec![StepPlan {
                name: plan.name.clone(),
                action: Action::Goto(plan.url.clone()),
                checks: plan.checks.clone(),
                timeout: None,
            }]),
        }
    }

    /// A journey's steps.
    pub(crate) fn journey(journey: &'a JourneyPlan) -> Run<'a> {
        Run {
            shape: Shape::Journey {
                name: &journey.name,
            },
            device: journey.device,
            steps: Cow::Borrowed(&journey.steps),
        }
    }
}

/// How a run is labelled and prepared.
pub(crate) enum Shape<'a> {
    /// A plain page: its entry has no journey or step, and carries the planned URL.
    Page { url: &'a Url },
    /// A journey: each entry names the journey and its step, and carries the browser's URL.
    Journey { name: &'a str },
}

impl Shape<'_> {
    /// The origins whose storage a fresh visitor starts without.
    pub(crate) fn origins(&self, site: &Site) -> Vec<String> {
        let base = site.base_url.origin().ascii_serialization();
        match self {
            Shape::Page { url } => vec![base, url.origin().ascii_serialization()],
            Shape::Journey { .. } => vec![base],
        }
    }

    /// The URL consent presets (cookies, localStorage) are set for.
    pub(crate) fn preset_base<'s>(&'s self, site: &'s Site) -> &'s Url {
        match self {
            Shape::Page { url } => url,
            Shape::Journey { .. } => &site.base_url,
        }
    }

    /// The entry's journey name and step number (1-based) for step `index`.
    pub(crate) fn entry(&self, index: usize) -> (Option<String>, Option<usize>) {
        match self {
            Shape::Page { .. } => (None, None),
            Shape::Journey { name } => (Some(name.to_string()), Some(index + 1)),
        }
    }

    /// The URL an entry reports once its step ran.
    pub(crate) async fn url(&self, session: &Session) -> String {
        match self {
            Shape::Page { url } => url.to_string(),
            Shape::Journey { .. } => session.current_url().await.unwrap_or_default(),
        }
    }

    /// When an entry's wall time starts: a page's after the visitor was prepared (its load
    /// alone), a journey step's before its session was even asked for.
    pub(crate) fn wall_from(&self, asked: Instant, step_started: Instant) -> Instant {
        match self {
            Shape::Page { .. } => step_started,
            Shape::Journey { .. } => asked,
        }
    }

    /// How an entry reads when its step never started (no session, or the browser could not
    /// be prepared): a page reports it as its navigation error, at its planned URL, with the
    /// time spent trying; a journey step as a `step_failed` finding, with no URL or time.
    pub(crate) fn unstarted(&self, message: String, asked: Instant) -> Unstarted {
        match self {
            Shape::Page { url } => Unstarted {
                url: url.to_string(),
                navigated: true,
                navigation_error: Some(message),
                failure: None,
                wall_ms: asked.elapsed().as_secs_f64() * 1000.0,
            },
            Shape::Journey { .. } => Unstarted {
                url: String::new(),
                navigated: false,
                navigation_error: None,
                failure: Some(message),
                wall_ms: 0.0,
            },
        }
    }
}

/// The entry of a step that never started.
pub(crate) struct Unstarted {
    pub(crate) url: String,
    pub(crate) navigated: bool,
    pub(crate) navigation_error: Option<String>,
    /// The message of the `step_failed` finding, when the shape reports one.
    pub(crate) failure: Option<String>,
    pub(crate) wall_ms: f64,
}
