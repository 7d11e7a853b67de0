//! Turns CDP network events from every target (page, iframes, workers) into request records,
//! records the page's same-document navigations (single-page-app routes), and decides when a
//! page has gone quiet (network idle).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{json, Value};
use tokio::sync::Notify;

use super::cdp::{lock, CdpHandle, EventSink};
use pixelaudit_core::model::{CapturedRequest, ConsoleEntry, Redirect, RouteChange, TargetKind};

/// Decides whether a request (URL, CDP resource type, top-level page URL) is blocked.
pub type BlockDecision = dyn Fn(&str, &str, &str) -> bool + Send + Sync;

/// A condition on what was captured so far (the page's expectations are met, on every route).
pub type Until<'a> = dyn Fn(&PageCapture) -> bool + Send + Sync + 'a;

/// How long to wait for a page to settle.
#[derive(Debug, Clone, Copy)]
pub struct IdleOptions {
    /// The page is idle after this long with nothing in flight and no network event.
    pub quiet: Duration,
    /// Stop waiting after this long, idle or not.
    pub max_wait: Duration,
    /// Requests in flight longer than this are treated as stuck and no longer waited for
    /// (long polls, event streams, hung beacons).
    pub stuck_after: Duration,
}

impl Default for IdleOptions {
    fn default() -> Self {
        Self {
            quiet: Duration::from_millis(1500),
            max_wait: Duration::from_secs(20),
            stuck_after: Duration::from_secs(5),
        }
    }
}

/// Everything captured for one page load.
#[derive(Debug, Clone, Default)]
pub struct PageCapture {
    /// Requests in the order they were sent.
    pub requests: Vec<CapturedRequest>,
    /// Index of the top-level document request, if it was seen.
    pub document: Option<usize>,
    /// Console errors and warnings.
    pub console: Vec<ConsoleEntry>,
    /// Whether the idle wait hit its hard cap before the page went quiet.
    pub hit_max_wait: bool,
    /// URLs still in flight when the page was considered settled (long polls, hung beacons).
    pub unfinished: Vec<String>,
    /// The main frame's URL when the capture started: the committed document of a page load,
    /// or the page a journey step started on.
    pub start_url: Option<String>,
    /// The main frame's same-document navigations (`history.pushState`/`replaceState`,
    /// fragment changes), in order, on the requests' timeline; and a new document committed
    /// after them.
    pub routes: Vec<RouteChange>,
    /// Whether the main frame committed a document during the capture (a page load, or a
    /// journey step that navigated): then the capture entered the route it started on.
    pub committed: bool,
    /// JavaScript dialogs (alert, confirm, prompt, beforeunload) the page or its popups
    /// opened, each dismissed when it appeared.
    pub dialogs: Vec<Dialog>,
}

/// A JavaScript dialog a page run opened (dismissed at once).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dialog {
    /// `alert`, `confirm`, `prompt` or `beforeunload`.
    pub kind: String,
    /// The dialog's message, as the page wrote it.
    pub message: String,
}

#[derive(Debug)]
struct TargetSession {
    kind: TargetKind,
    target_id: String,
    /// A page target other than the session's own tab: a popup or new window a page run
    /// opened (`window.open`, `target=_blank`), closed when the page run ends.
    popup: bool,
}

#[derive(Debug)]
struct Tracked {
    index: usize,
    started: Instant,
    done: bool,
    ignore_for_idle: bool,
}

#[derive(Default)]
struct State {
    sessions: HashMap<String, TargetSession>,
    page: PageCapture,
    by_id: HashMap<(String, String), Tracked>,
    nav_start: Option<f64>,
    first_ts: Option<f64>,
    last_activity: Option<Instant>,
    /// The latest CDP timestamp seen and when it arrived: maps our clock onto the browser's.
    anchor: Option<(f64, Instant)>,
    /// A journey step without navigation: times are relative to the step's start.
    step_mode: bool,
    /// When set, requests this decides to block are failed as an ad blocker would.
    blocking: Option<Arc<BlockDecision>>,
    /// Request ids failed by the simulated blocker.
    blocked_ids: std::collections::HashSet<String>,
    /// The top-level page's URL (for `$third-party` / `$domain` rules).
    page_url: Option<String>,
    /// The main frame's URL now (committed documents and same-document navigations).
    current_url: Option<String>,
    /// For each of `page.routes`, how many requests had been captured when it was reported.
    route_after: Vec<usize>,
}

/// The shared capture state fed by the CDP reader task.
#[derive(Default)]
pub(crate) struct Capture {
    state: Mutex<State>,
    changed: Notify,
}

impl Capture {
    pub(crate) fn new() -> Arc<Capture> {
        Arc::new(Capture::default())
    }

    /// Waits until a page target is attached and returns its CDP session id.
    pub(crate) async fn wait_for_page_session(&self, limit: Duration) -> Option<String> {
        let deadline = Instant::now() + limit;
        loop {
            let notified = self.changed.notified();
            let found = lock(&self.state)
                .sessions
                .iter()
                .find(|(_, t)| t.kind == TargetKind::Page)
                .map(|(id, _)| id.clone());
            if found.is_some() {
                return found;
            }
            let now = Instant::now();
            if now >= deadline {
                return None;
            }
            let _ = tokio::time::timeout(deadline - now, notified).await;
        }
    }

    /// Starts a new page: forgets earlier requests (late events for them are ignored). Times
    /// become relative to the next top-level document request.
    pub(crate) fn begin_page(&self) {
        let mut state = lock(&self.state);
        state.page = PageCapture::default();
        state.by_id.clear();
        state.nav_start = None;
        state.first_ts = None;
        state.step_mode = false;
        state.page_url = None;
        state.route_after.clear();
        state.last_activity = Some(Instant::now());
    }

    /// Starts a journey step on the current document: forgets earlier requests; times become
    /// relative to now.
    pub(crate) fn begin_step(&self) {
        let mut state = lock(&self.state);
        state.page = PageCapture::default();
        state.by_id.clear();
        state.nav_start = Self::browser_now(&state);
        state.first_ts = None;
        state.step_mode = true;
        state.page.start_url = state.current_url.clone();
        state.route_after.clear();
        state.last_activity = Some(Instant::now());
    }

    /// The browser's monotonic clock now, estimated from the latest event.
    fn browser_now(state: &State) -> Option<f64> {
        state.anchor.map(|(ts, at)| ts + at.elapsed().as_secs_f64())
    }

    /// Milliseconds since the page's navigation (or the step's start), on the same timeline as
    /// the requests' `time_ms`.
    pub(crate) fn now_ms(&self) -> Option<f64> {
        let state = lock(&self.state);
        let now = Self::browser_now(&state)?;
        let start = state.nav_start.or(state.first_ts)?;
        Some(((now - start) * 1000.0 * 10.0).round() / 10.0)
    }

    /// Restarts the quiet window now (after a click): what the click sets off is waited for even
    /// when its first request is reported after the click's WebDriver answer, as through a
    /// Grid, or a moment later, as from a consent platform's asynchronous callback.
    pub(crate) fn restart_quiet(&self) {
        let mut state = lock(&self.state);
        self.touch(&mut state);
    }

    /// Turns the simulated ad blocker on (with a decision) or off; returns the sessions whose
    /// request interception must be switched.
    pub(crate) fn set_blocking(&self, decision: Option<Arc<BlockDecision>>) -> Vec<String> {
        let mut state = lock(&self.state);
        state.blocking = decision;
        state.blocked_ids.clear();
        state.sessions.keys().cloned().collect()
    }

    /// Whether the simulated blocker is on.
    pub(crate) fn blocking(&self) -> bool {
        lock(&self.state).blocking.is_some()
    }

    fn on_paused(&self, cdp: &CdpHandle, session: &str, params: &Value) {
        let fetch_id = params["requestId"].as_str().unwrap_or_default();
        let url = params["request"]["url"].as_str().unwrap_or_default();
        let kind = params["resourceType"].as_str().unwrap_or("Other");
        let block = {
            let mut state = lock(&self.state);
            let page_url = state.page_url.clone().unwrap_or_else(|| url.to_string());
            let is_top_document =
                kind == "Document" && state.page_url.as_deref().is_none_or(|p| p == url);
            let block = !is_top_document
                && state
                    .blocking
                    .as_ref()
                    .is_some_and(|decide| decide(url, kind, &page_url));
            if block {
                if let Some(network_id) = params["networkId"].as_str() {
                    state.blocked_ids.insert(network_id.to_string());
                    let index = state
                        .by_id
                        .iter()
                        .find(|((_, id), _)| id == network_id)
                        .map(|(_, t)| t.index);
                    if let Some(index) = index {
                        state.page.requests[index].blocked_reason = Some("adblock".to_string());
                    }
                }
            }
            block
        };
        if block {
            cdp.send(
                Some(session),
                "Fetch.failRequest",
                json!({"requestId": fetch_id, "errorReason": "BlockedByClient"}),
            );
        } else {
            cdp.send(
                Some(session),
                "Fetch.continueRequest",
                json!({"requestId": fetch_id}),
            );
        }
    }

    /// Runs `f` on the requests captured so far.
    pub(crate) fn with_requests<T>(&self, f: impl FnOnce(&[CapturedRequest]) -> T) -> T {
        f(&lock(&self.state).page.requests)
    }

    /// Runs `f` on what was captured so far.
    pub(crate) fn with_capture<T>(&self, f: impl FnOnce(&PageCapture) -> T) -> T {
        f(&lock(&self.state).page)
    }

    /// Forgets the popups opened so far (their later events are ignored) and returns their
    /// target ids, to be closed.
    fn forget_popups(state: &mut State) -> Vec<String> {
        let popups: Vec<String> = state
            .sessions
            .iter()
            .filter(|(_, t)| t.popup)
            .map(|(id, _)| id.clone())
            .collect();
        let mut targets = Vec::new();
        for id in popups {
            if let Some(t) = state.sessions.remove(&id) {
                targets.push(t.target_id);
            }
        }
        targets
    }

    /// The popups and new windows the page run opened: forgotten now, so nothing they send
    /// reaches the next page run; returns their target ids, for `Target.closeTarget`.
    pub(crate) fn take_popups(&self) -> Vec<String> {
        Self::forget_popups(&mut lock(&self.state))
    }

    /// Ends the page and returns what was captured.
    pub(crate) fn take_page(&self) -> PageCapture {
        let mut state = lock(&self.state);
        let state = &mut *state;
        let mut unfinished: Vec<(usize, String)> = state
            .by_id
            .values()
            .filter(|t| !t.done && !t.ignore_for_idle)
            .map(|t| (t.index, state.page.requests[t.index].url.clone()))
            .collect();
        unfinished.sort();
        state.page.unfinished = unfinished.into_iter().map(|(_, url)| url).collect();
        state.by_id.clear();
        state.route_after.clear();
        std::mem::take(&mut state.page)
    }

    /// Waits for the page to settle: nothing in flight and no network event for `quiet`, or
    /// `max_wait` after `started`. With `until` (the page's expectations), it finishes as soon
    /// as `until` holds and the network has been quiet briefly, and while `until` does not hold
    /// it keeps waiting past network idle until `expect_deadline`. Returns true when the page
    /// settled before the hard cap.
    pub(crate) async fn wait_idle(
        &self,
        started: Instant,
        options: IdleOptions,
        until: Option<&Until<'_>>,
        expect_deadline: Option<Instant>,
    ) -> bool {
        let deadline = started + options.max_wait;
        let short_quiet = options.quiet.min(Duration::from_millis(500));
        loop {
            let notified = self.changed.notified();
            let now = Instant::now();
            let wake_at = {
                let state = lock(&self.state);
                let in_flight = |t: &&Tracked| !t.done && !t.ignore_for_idle;
                let busy = state
                    .by_id
                    .values()
                    .filter(in_flight)
                    .any(|t| now.duration_since(t.started) < options.stuck_after);
                let quiet_since = state.last_activity.unwrap_or(started);
                let met = until.map(|until| until(&state.page));
                let quiet = if met == Some(true) {
                    short_quiet
                } else {
                    options.quiet
                };
                let quiet_until = quiet_since + quiet;
                let idle = !busy && now >= quiet_until;
                let expecting = met == Some(false) && expect_deadline.is_some_and(|d| now < d);
                if idle && !expecting {
                    return true;
                }
                let stuck_at = state
                    .by_id
                    .values()
                    .filter(in_flight)
                    .map(|t| t.started + options.stuck_after)
                    .filter(|at| *at > now)
                    .min();
                let mut wake = deadline;
                if busy {
                    // New events wake us; otherwise re-check when the oldest request turns stuck.
                    wake = wake.min(stuck_at.unwrap_or(deadline));
                } else if !idle {
                    wake = wake.min(quiet_until);
                }
                if expecting {
                    wake = wake.min(expect_deadline.unwrap_or(deadline));
                }
                wake
            };
            if now >= deadline {
                lock(&self.state).page.hit_max_wait = true;
                return false;
            }
            let wait = wake_at.min(deadline).saturating_duration_since(now);
            let _ = tokio::time::timeout(wait.max(Duration::from_millis(5)), notified).await;
        }
    }

    fn touch(&self, state: &mut State) {
        state.last_activity = Some(Instant::now());
        self.changed.notify_waiters();
    }

    fn rel_ms(state: &State, ts: Option<f64>) -> f64 {
        match (ts, state.nav_start.or(state.first_ts)) {
            (Some(ts), Some(start)) => ((ts - start) * 1000.0 * 10.0).round() / 10.0,
            _ => 0.0,
        }
    }

    fn on_attached(&self, cdp: &CdpHandle, params: &Value) {
        let session = params["sessionId"].as_str().unwrap_or_default().to_string();
        let info = &params["targetInfo"];
        let target_id = info["targetId"].as_str().unwrap_or_default();
        // A target can be attached twice (a service worker both at browser level and under its
        // page): capture it through one session only, or every request is counted twice.
        let already = lock(&self.state)
            .sessions
            .values()
            .any(|t| t.target_id == target_id);
        let kind = info["type"]
            .as_str()
            .and_then(TargetKind::from_cdp)
            .filter(|_| !already);
        let s = Some(session.as_str());
        if let Some(kind) = kind {
            let mut state = lock(&self.state);
            // The session's own tab is the first page target; any later one was opened by a
            // page run (or by a popup of it).
            let popup = kind == TargetKind::Page
                && state.sessions.values().any(|t| t.kind == TargetKind::Page);
            state.sessions.insert(
                session.clone(),
                TargetSession {
                    kind,
                    target_id: target_id.to_string(),
                    popup,
                },
            );
            drop(state);
            if matches!(
                kind,
                TargetKind::Worker | TargetKind::SharedWorker | TargetKind::ServiceWorker
            ) {
                // The worker's script is fetched for the worker target: the page-side request
                // for it never finishes, so it must not hold up network idle.
                if let Some(url) = info["url"].as_str() {
                    let mut state = lock(&self.state);
                    let state = &mut *state;
                    for tracked in state.by_id.values_mut() {
                        if !tracked.done && state.page.requests[tracked.index].url == url {
                            tracked.done = true;
                        }
                    }
                }
            }
            self.changed.notify_waiters();
            // Commands on one session are handled in order, so Network is enabled before the
            // target is released from waiting for the debugger.
            cdp.send(s, "Network.enable", json!({"maxPostDataSize": 65536}));
            if self.blocking() {
                cdp.send(
                    s,
                    "Fetch.enable",
                    json!({"patterns": [{"urlPattern": "*", "requestStage": "Request"}]}),
                );
            }
            cdp.send(s, "Runtime.enable", json!({}));
            cdp.send(s, "Log.enable", json!({}));
            if kind == TargetKind::Page {
                // For `frameNavigated` and `navigatedWithinDocument`: the routes of an SPA.
                cdp.send(s, "Page.enable", json!({}));
            }
            cdp.send(
                s,
                "Target.setAutoAttach",
                json!({"autoAttach": true, "waitForDebuggerOnStart": true, "flatten": true}),
            );
        }
        if params["waitingForDebugger"].as_bool().unwrap_or(false) || kind.is_some() {
            cdp.send(s, "Runtime.runIfWaitingForDebugger", json!({}));
        }
    }

    fn on_request(self: &Arc<Self>, cdp: &CdpHandle, session: &str, params: &Value) {
        let mut state = lock(&self.state);
        let Some(target) = state.sessions.get(session) else {
            return;
        };
        let kind = target.kind;
        let top_frame = target.target_id.clone();
        let popup = target.popup;
        let request_id = params["requestId"].as_str().unwrap_or_default().to_string();
        let key = (session.to_string(), request_id.clone());
        let ts = params["timestamp"].as_f64();
        let resource_type = params["type"].as_str().unwrap_or("Other").to_string();
        let url = params["request"]["url"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let is_main_document = kind == TargetKind::Page
            && !popup
            && resource_type == "Document"
            && params["frameId"].as_str() == Some(top_frame.as_str());
        if state.first_ts.is_none() {
            state.first_ts = ts;
        }
        if is_main_document
            && !state.step_mode
            && state.page.document.is_none()
            && params.get("redirectResponse").is_none()
        {
            state.nav_start = ts;
        }
        // A redirect reuses the request id: the earlier hop ends here.
        if let Some(redirect) = params.get("redirectResponse") {
            if let Some(tracked) = state.by_id.get(&key) {
                let index = tracked.index;
                let record = &mut state.page.requests[index];
                record.redirects.push(Redirect {
                    url: redirect["url"].as_str().unwrap_or(&record.url).to_string(),
                    status: redirect["status"].as_u64().unwrap_or(0) as u16,
                });
                self.touch(&mut state);
                return;
            }
        }
        let is_preflight = params["initiator"]["type"].as_str() == Some("preflight");
        let ignore_for_idle = url.starts_with("data:") || url.starts_with("blob:");
        let index = state.page.requests.len();
        let request = &params["request"];
        let body = inline_body(request);
        let needs_body = body.is_none() && request["hasPostData"].as_bool().unwrap_or(false);
        let record = CapturedRequest {
            url,
            method: request["method"].as_str().unwrap_or("GET").to_string(),
            resource_type: if is_preflight {
                "Preflight".to_string()
            } else {
                resource_type
            },
            target: kind,
            body,
            content_type: header(&request["headers"], "content-type"),
            time_ms: 0.0,
            ..CapturedRequest::default()
        };
        state.page.requests.push(record);
        let time_ms = Self::rel_ms(&state, ts);
        state.page.requests[index].time_ms = time_ms;
        if kind == TargetKind::Page && renderer_ordered(&state.page.requests[index]) {
            // The page's own events arrive in the order the renderer sent them: a route change
            // reported before this request happened no later than it (its time is an estimate).
            let state = &mut *state;
            for (route, &after) in state.page.routes.iter_mut().zip(&state.route_after) {
                if after <= index && route.time_ms > time_ms {
                    route.time_ms = time_ms;
                }
            }
        }
        if is_main_document && state.page.document.is_none() {
            state.page.document = Some(index);
            state.page_url = Some(state.page.requests[index].url.clone());
        }
        if state.blocked_ids.contains(&request_id) {
            state.page.requests[index].blocked_reason = Some("adblock".to_string());
        }
        state.by_id.insert(
            key,
            Tracked {
                index,
                started: Instant::now(),
                done: false,
                ignore_for_idle,
            },
        );
        self.touch(&mut state);
        drop(state);
        if needs_body {
            self.fetch_body(cdp, session, request_id, index);
        }
    }

    /// Recovers a body that was not inline (Blob beacons, large bodies).
    fn fetch_body(
        self: &Arc<Self>,
        cdp: &CdpHandle,
        session: &str,
        request_id: String,
        index: usize,
    ) {
        let cdp = cdp.clone();
        let session = session.to_string();
        let capture = Arc::clone(self);
        tokio::spawn(async move {
            let result = cdp
                .call(
                    Some(&session),
                    "Network.getRequestPostData",
                    json!({"requestId": request_id}),
                )
                .await;
            if let Ok(value) = result {
                let mut text = value["postData"].as_str().unwrap_or_default().to_string();
                if value["base64Encoded"].as_bool().unwrap_or(false) {
                    if let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(&text) {
                        text = String::from_utf8_lossy(&bytes).into_owned();
                    }
                }
                let mut state = lock(&capture.state);
                let still_current = state
                    .by_id
                    .get(&(session.clone(), request_id.clone()))
                    .is_some_and(|t| t.index == index);
                if still_current {
                    state.page.requests[index].body = Some(text);
                }
            }
        });
    }

    fn on_response(&self, session: &str, params: &Value) {
        let mut state = lock(&self.state);
        let key = (
            session.to_string(),
            params["requestId"].as_str().unwrap_or_default().to_string(),
        );
        let Some(index) = state.by_id.get(&key).map(|t| t.index) else {
            return;
        };
        let response = &params["response"];
        // With a response, the request was delivered. Only a script or stylesheet body can
        // still change what the page does, so only those are waited for until they finish.
        // (Cross-site iframe documents never report loadingFinished to the parent, and
        // unread fetch bodies from workers may never finish either.)
        let kind = state.page.requests[index].resource_type.as_str();
        if !matches!(kind, "Script" | "Stylesheet") {
            if let Some(tracked) = state.by_id.get_mut(&key) {
                tracked.done = true;
            }
        }
        let record = &mut state.page.requests[index];
        record.status = response["status"].as_u64().map(|s| s as u16);
        record.mime_type = response["mimeType"].as_str().map(str::to_string);
        self.touch(&mut state);
    }

    fn on_finished(&self, session: &str, params: &Value, failed: bool) {
        let mut state = lock(&self.state);
        let key = (
            session.to_string(),
            params["requestId"].as_str().unwrap_or_default().to_string(),
        );
        let Some(tracked) = state.by_id.get_mut(&key) else {
            return;
        };
        tracked.done = true;
        let index = tracked.index;
        let end = Self::rel_ms(&state, params["timestamp"].as_f64());
        let record = &mut state.page.requests[index];
        record.end_ms = Some(end);
        if failed {
            record.failure = params["errorText"].as_str().map(str::to_string);
            if record.blocked_reason.as_deref() != Some("adblock") {
                record.blocked_reason = params["blockedReason"].as_str().map(str::to_string);
            }
            if record.blocked_reason.is_none() {
                if let Some(cors) = params["corsErrorStatus"]["corsError"].as_str() {
                    record.blocked_reason = Some(format!("cors:{cors}"));
                }
            }
        }
        self.touch(&mut state);
    }

    /// The main frame's id when `session` is the top-level page's (a page target's main frame
    /// has the target's id).
    fn main_frame<'s>(state: &'s State, session: &str) -> Option<&'s str> {
        state
            .sessions
            .get(session)
            .filter(|t| t.kind == TargetKind::Page && !t.popup)
            .map(|t| t.target_id.as_str())
    }

    /// A JavaScript dialog opened: dismissed at once (a dialog left open fails every later
    /// WebDriver command with "unexpected alert open"), and recorded on the page run.
    fn on_dialog(&self, cdp: &CdpHandle, session: &str, params: &Value) {
        let mut state = lock(&self.state);
        if !state.sessions.contains_key(session) {
            return;
        }
        let kind = params["type"].as_str().unwrap_or("alert").to_string();
        // A leave-page prompt opens while the next page run navigates away from this one:
        // it is answered Leave (Cancel would keep the old page and break the next run) and
        // not recorded, since the run it belongs to has already been reported.
        let leaving = kind == "beforeunload";
        if !leaving && state.page.dialogs.len() < 50 {
            state.page.dialogs.push(Dialog {
                kind,
                message: params["message"].as_str().unwrap_or_default().to_string(),
            });
        }
        drop(state);
        cdp.send(
            Some(session),
            "Page.handleJavaScriptDialog",
            json!({"accept": leaving}),
        );
    }

    /// A committed document in the main frame: the URL routes start from.
    fn on_frame_navigated(&self, session: &str, params: &Value) {
        let mut state = lock(&self.state);
        let frame = &params["frame"];
        if frame.get("parentId").is_some()
            || Self::main_frame(&state, session) != frame["id"].as_str()
        {
            return;
        }
        let Some(url) = frame["url"].as_str() else {
            return;
        };
        let url = format!("{url}{}", frame["urlFragment"].as_str().unwrap_or_default());
        state.current_url = Some(url.clone());
        state.page.committed = true;
        if state.page.routes.is_empty() {
            // The page load's document, or the document a journey step navigated to: routes
            // start from it.
            state.page.start_url = Some(url);
        } else {
            // A new document after the app changed route: a route of its own.
            self.push_route(&mut state, url);
        }
    }

    /// A same-document navigation of the main frame (`pushState`, `replaceState`, a fragment).
    fn on_within_document(&self, session: &str, params: &Value) {
        let mut state = lock(&self.state);
        if Self::main_frame(&state, session) != params["frameId"].as_str() {
            return;
        }
        let Some(url) = params["url"].as_str().map(str::to_string) else {
            return;
        };
        state.current_url = Some(url.clone());
        if state.nav_start.or(state.first_ts).is_none() {
            // Nothing of this page was captured yet: it is where the page starts.
            state.page.start_url = Some(url);
            return;
        }
        self.push_route(&mut state, url);
    }

    /// Records a route change now.
    fn push_route(&self, state: &mut State, url: String) {
        // The event carries no timestamp: map its arrival onto the browser's clock, but not
        // before a request of the page reported earlier (events of the page arrive in order).
        let estimate = Self::browser_now(state).map(|now| Self::rel_ms(state, Some(now)));
        let before = state
            .page
            .requests
            .iter()
            .filter(|r| r.target == TargetKind::Page && renderer_ordered(r))
            .map(|r| r.time_ms)
            .reduce(f64::max)
            // Strictly after them (request times have a 0.1 ms resolution).
            .map(|t| t + 0.01);
        let time_ms = match (estimate, before) {
            (Some(at), Some(before)) => at.max(before),
            (at, before) => at.or(before).unwrap_or(0.0),
        };
        let after = state.page.requests.len();
        state.page.routes.push(RouteChange { url, time_ms });
        state.route_after.push(after);
        // A route change is activity: what the new route sends is waited for.
        self.touch(state);
    }

    fn on_console(&self, session: &str, method: &str, params: &Value) {
        let mut state = lock(&self.state);
        if !state.sessions.contains_key(session) {
            return;
        }
        let entry = match method {
            "Log.entryAdded" => {
                let e = &params["entry"];
                let level = e["level"].as_str().unwrap_or("info");
                if level != "error" && level != "warning" {
                    return;
                }
                ConsoleEntry {
                    source: e["source"].as_str().unwrap_or("other").to_string(),
                    level: level.to_string(),
                    text: e["text"].as_str().unwrap_or_default().to_string(),
                    url: e["url"]
                        .as_str()
                        .filter(|u| !u.is_empty())
                        .map(str::to_string),
                }
            }
            "Runtime.exceptionThrown" => {
                let d = &params["exceptionDetails"];
                let text = d["exception"]["description"]
                    .as_str()
                    .or_else(|| d["text"].as_str())
                    .unwrap_or("uncaught exception");
                ConsoleEntry {
                    source: "exception".to_string(),
                    level: "error".to_string(),
                    text: text.to_string(),
                    url: d["url"]
                        .as_str()
                        .filter(|u| !u.is_empty())
                        .map(str::to_string),
                }
            }
            "Runtime.consoleAPICalled" => {
                let level = params["type"].as_str().unwrap_or("log");
                if level != "error" {
                    return;
                }
                let text = params["args"]
                    .as_array()
                    .map(|args| {
                        args.iter()
                            .map(|a| {
                                a["value"]
                                    .as_str()
                                    .map(str::to_string)
                                    .or_else(|| a["description"].as_str().map(str::to_string))
                                    .unwrap_or_else(|| a["value"].to_string())
                            })
                            .collect::<Vec<_>>()
                            .join(" ")
                    })
                    .unwrap_or_default();
                ConsoleEntry {
                    source: "console".to_string(),
                    level: "error".to_string(),
                    text,
                    url: None,
                }
            }
            _ => return,
        };
        if state.page.console.len() < 500 {
            state.page.console.push(entry);
        }
    }
}

/// The event sink handed to the CDP connection.
pub(crate) struct CaptureSink(pub(crate) Arc<Capture>);

impl EventSink for CaptureSink {
    fn on_event(&self, cdp: &CdpHandle, session: Option<&str>, method: &str, params: &Value) {
        let capture = &self.0;
        if method.starts_with("Network.") {
            // Network timestamps are the browser's monotonic clock, in seconds.
            if let Some(ts) = params["timestamp"].as_f64() {
                lock(&capture.state).anchor = Some((ts, Instant::now()));
            }
        }
        match (method, session) {
            ("Target.attachedToTarget", _) => capture.on_attached(cdp, params),
            ("Target.detachedFromTarget", _) => {
                if let Some(id) = params["sessionId"].as_str() {
                    lock(&capture.state).sessions.remove(id);
                }
            }
            ("Network.requestWillBeSent", Some(s)) => capture.on_request(cdp, s, params),
            ("Network.responseReceived", Some(s)) => capture.on_response(s, params),
            ("Fetch.requestPaused", Some(s)) => capture.on_paused(cdp, s, params),
            ("Network.loadingFinished", Some(s)) => capture.on_finished(s, params, false),
            ("Network.loadingFailed", Some(s)) => capture.on_finished(s, params, true),
            ("Page.frameNavigated", Some(s)) => capture.on_frame_navigated(s, params),
            ("Page.navigatedWithinDocument", Some(s)) => capture.on_within_document(s, params),
            ("Page.javascriptDialogOpening", Some(s)) => capture.on_dialog(cdp, s, params),
            (
                "Log.entryAdded" | "Runtime.exceptionThrown" | "Runtime.consoleAPICalled",
                Some(s),
            ) => capture.on_console(s, method, params),
            _ => {}
        }
    }
}

/// Whether the page's renderer reported this request, in order with its other events (route
/// changes among them). Documents (frame navigations) and CORS preflights are reported by the
/// browser and the network service, in no such order.
fn renderer_ordered(request: &CapturedRequest) -> bool {
    !matches!(request.resource_type.as_str(), "Document" | "Preflight")
}

fn inline_body(request: &Value) -> Option<String> {
    if let Some(text) = request["postData"].as_str() {
        return Some(text.to_string());
    }
    let entries = request["postDataEntries"].as_array()?;
    let mut bytes = Vec::new();
    for entry in entries {
        let chunk = entry["bytes"].as_str()?;
        bytes.extend(
            base64::engine::general_purpose::STANDARD
                .decode(chunk)
                .ok()?,
        );
    }
    (!bytes.is_empty()).then(|| String::from_utf8_lossy(&bytes).into_owned())
}

fn header(headers: &Value, name: &str) -> Option<String> {
    headers.as_object()?.iter().find_map(|(k, v)| {
        k.eq_ignore_ascii_case(name)
            .then(|| v.as_str().map(str::to_string))
            .flatten()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A capture with one attached page target (`T`, session `S`), fed events by `send`.
    struct Fed {
        capture: Arc<Capture>,
        cdp: CdpHandle,
    }

    impl Fed {
        fn new() -> Fed {
            let fed = Fed {
                capture: Capture::new(),
                cdp: CdpHandle::detached(),
            };
            fed.send(
                None,
                "Target.attachedToTarget",
                json!({"sessionId": "S", "targetInfo": {"targetId": "T", "type": "page"}}),
            );
            fed.send(
                None,
                "Target.attachedToTarget",
                json!({"sessionId": "W", "targetInfo": {"targetId": "W1", "type": "worker"}}),
            );
            fed.capture.begin_page();
            fed
        }

        fn send(&self, session: Option<&str>, method: &str, params: Value) {
            CaptureSink(Arc::clone(&self.capture)).on_event(&self.cdp, session, method, &params);
        }

        fn request(&self, session: &str, id: &str, kind: &str, url: &str, ts: f64) {
            self.send(
                Some(session),
                "Network.requestWillBeSent",
                json!({"requestId": id, "frameId": "T", "type": kind, "timestamp": ts,
                       "request": {"url": url, "method": "GET", "headers": {}}}),
            );
        }

        fn route(&self, frame: &str, url: &str) {
            self.send(
                Some("S"),
                "Page.navigatedWithinDocument",
                json!({"frameId": frame, "url": url, "navigationType": "historyApi"}),
            );
        }
    }

    #[test]
    fn main_frame_routes_are_kept_in_order_with_the_pages_requests() {
        let fed = Fed::new();
        fed.request("S", "1", "Document", "https://shop.test/", 100.0);
        fed.send(
            Some("S"),
            "Page.frameNavigated",
            json!({"frame": {"id": "T", "url": "https://shop.test/", "urlFragment": "#top"}}),
        );
        fed.request("S", "2", "Image", "https://px.test/pv?1", 100.5);
        // A worker's older event moves the clock estimate back: the route still comes after
        // the page request reported before it.
        fed.request("W", "3", "Fetch", "https://px.test/w", 100.2);
        fed.route("T", "https://shop.test/a");
        // An iframe's same-document navigation is no route of the page.
        fed.route("F", "https://frame.test/x");
        // A later clock reading puts the next route at about 1000 ms; a page request reported
        // after it was sent at 700 ms, so the route moves back to it.
        fed.request("W", "4w", "Fetch", "https://px.test/w2", 101.0);
        fed.route("T", "https://shop.test/b");
        fed.request("S", "4", "Image", "https://px.test/pv?2", 100.7);
        let page = fed.capture.take_page();
        assert_eq!(page.start_url.as_deref(), Some("https://shop.test/#top"));
        assert!(page.committed);
        let routes: Vec<(&str, f64)> = page
            .routes
            .iter()
            .map(|r| (r.url.as_str(), r.time_ms))
            .collect();
        assert_eq!(routes.len(), 2, "{routes:?}");
        assert_eq!(routes[0].0, "https://shop.test/a");
        assert!(
            routes[0].1 > 500.0 && routes[0].1 <= 500.01 + 1e-9,
            "after the page request at 500 ms: {routes:?}"
        );
        assert_eq!(routes[1], ("https://shop.test/b", 700.0));
    }

    #[test]
    fn a_route_change_restarts_the_quiet_window() {
        let fed = Fed::new();
        fed.request("S", "1", "Document", "https://shop.test/", 100.0);
        let long_ago = Instant::now() - Duration::from_secs(60);
        lock(&fed.capture.state).last_activity = Some(long_ago);
        fed.route("T", "https://shop.test/a");
        let last = lock(&fed.capture.state).last_activity.unwrap();
        assert!(
            last.elapsed() < Duration::from_secs(30),
            "the quiet window starts again"
        );
        // A same-document navigation of another frame is no activity of the page.
        lock(&fed.capture.state).last_activity = Some(long_ago);
        fed.route("F", "https://frame.test/x");
        assert_eq!(lock(&fed.capture.state).last_activity, Some(long_ago));
    }

    #[test]
    fn a_popup_is_the_page_runs_until_it_is_taken_and_then_nothing_of_it_is_captured() {
        let fed = Fed::new();
        fed.request("S", "1", "Document", "https://shop.test/", 100.0);
        fed.send(
            None,
            "Target.attachedToTarget",
            json!({"sessionId": "P", "targetInfo": {"targetId": "P1", "type": "page",
                   "openerId": "T"}}),
        );
        fed.request("P", "2", "Document", "https://shop.test/popup", 100.1);
        fed.request("P", "3", "Image", "https://px.test/popup?1", 100.2);
        fed.send(
            Some("P"),
            "Page.javascriptDialogOpening",
            json!({"type": "alert", "message": "<b>hi</b>"}),
        );
        // The popup's document is not the page's, nor are its navigations routes.
        fed.route("P1", "https://shop.test/popup#x");
        assert_eq!(fed.capture.take_popups(), vec!["P1".to_string()]);
        let page = fed.capture.take_page();
        assert_eq!(page.document, Some(0));
        assert!(page.routes.is_empty(), "{:?}", page.routes);
        assert_eq!(
            page.requests.len(),
            3,
            "the popup's requests are the page run's"
        );
        assert_eq!(
            page.dialogs,
            vec![Dialog {
                kind: "alert".into(),
                message: "<b>hi</b>".into()
            }]
        );
        fed.capture.begin_page();
        fed.request("P", "4", "Image", "https://px.test/popup?2", 101.0);
        fed.request("S", "5", "Document", "https://shop.test/next", 101.1);
        let next = fed.capture.take_page();
        let urls: Vec<&str> = next.requests.iter().map(|r| r.url.as_str()).collect();
        assert_eq!(urls, ["https://shop.test/next"]);
        assert!(fed.capture.take_popups().is_empty());
    }
}
