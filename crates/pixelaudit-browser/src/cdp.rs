//! A minimal Chrome DevTools Protocol client over the browser's websocket (flattened sessions).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::header::{HeaderValue, AUTHORIZATION};
use tokio_tungstenite::tungstenite::Message;

use super::BrowserError;

/// Receives every CDP event (a message without an `id`).
pub(crate) trait EventSink: Send + Sync + 'static {
    /// Called on the reader task for each event, in arrival order.
    fn on_event(&self, cdp: &CdpHandle, session: Option<&str>, method: &str, params: &Value);
}

type Pending = Mutex<HashMap<u64, oneshot::Sender<Result<Value, String>>>>;

struct Shared {
    out: mpsc::UnboundedSender<Message>,
    pending: Pending,
    next_id: AtomicU64,
}

/// A cheap, clonable handle for sending CDP commands.
#[derive(Clone)]
pub(crate) struct CdpHandle {
    shared: Arc<Shared>,
}

impl CdpHandle {
    /// A handle whose commands go nowhere (for feeding a sink recorded events in tests).
    #[cfg(test)]
    pub(crate) fn detached() -> CdpHandle {
        let (out, _) = mpsc::unbounded_channel();
        CdpHandle {
            shared: Arc::new(Shared {
                out,
                pending: Mutex::new(HashMap::new()),
                next_id: AtomicU64::new(1),
            }),
        }
    }

    fn message(&self, session: Option<&str>, method: &str, params: Value) -> (u64, Message) {
        let id = self.shared.next_id.fetch_add(1, Ordering::Relaxed);
        let mut msg = json!({"id": id, "method": method, "params": params});
        if let Some(session) = session {
            msg["sessionId"] = json!(session);
        }
        (id, Message::Text(msg.to_string()))
    }

    /// Sends a command without waiting for its answer (errors are ignored).
    pub(crate) fn send(&self, session: Option<&str>, method: &str, params: Value) {
        let (_, msg) = self.message(session, method, params);
        let _ = self.shared.out.send(msg);
    }

    /// Sends a command and waits for its result.
    pub(crate) async fn call(
        &self,
        session: Option<&str>,
        method: &str,
        params: Value,
    ) -> Result<Value, BrowserError> {
        let (id, msg) = self.message(session, method, params);
        let (tx, rx) = oneshot::channel();
        lock(&self.shared.pending).insert(id, tx);
        if self.shared.out.send(msg).is_err() {
            lock(&self.shared.pending).remove(&id);
            return Err(BrowserError::Cdp(format!("{method}: connection closed")));
        }
        match rx.await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(message)) => Err(BrowserError::Cdp(format!("{method}: {message}"))),
            Err(_) => Err(BrowserError::Cdp(format!("{method}: connection closed"))),
        }
    }
}

/// An open CDP connection; dropping it closes the websocket tasks.
pub(crate) struct Cdp {
    handle: CdpHandle,
    tasks: Vec<JoinHandle<()>>,
}

impl Cdp {
    /// Connects to a browser websocket URL (sending `authorization` as the `Authorization`
    /// header, for a Grid behind basic auth) and starts routing events to `sink`.
    pub(crate) async fn connect(
        ws_url: &str,
        authorization: Option<&str>,
        sink: Arc<dyn EventSink>,
    ) -> Result<Cdp, BrowserError> {
        let config = tokio_tungstenite::tungstenite::protocol::WebSocketConfig {
            max_message_size: Some(256 << 20),
            max_frame_size: Some(256 << 20),
            ..Default::default()
        };
        let fail = |e: &dyn std::fmt::Display| {
            BrowserError::Cdp(format!("cannot open the CDP websocket {ws_url}: {e}"))
        };
        let mut request = ws_url.into_client_request().map_err(|e| fail(&e))?;
        if let Some(value) = authorization {
            let value = HeaderValue::from_str(value).map_err(|e| fail(&e))?;
            request.headers_mut().insert(AUTHORIZATION, value);
        }
        let (ws, _) = tokio_tungstenite::connect_async_with_config(request, Some(config), false)
            .await
            .map_err(|e| fail(&e))?;
        let (mut write, mut read) = ws.split();
        let (out, mut out_rx) = mpsc::unbounded_channel::<Message>();
        let shared = Arc::new(Shared {
            out,
            pending: Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(1),
        });
        let handle = CdpHandle { shared };
        let writer = tokio::spawn(async move {
            while let Some(msg) = out_rx.recv().await {
                if write.send(msg).await.is_err() {
                    break;
                }
            }
            let _ = write.close().await;
        });
        let reader_handle = handle.clone();
        let reader = tokio::spawn(async move {
            while let Some(Ok(msg)) = read.next().await {
                let text = match msg {
                    Message::Text(text) => text,
                    Message::Binary(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
                    Message::Close(_) => break,
                    _ => continue,
                };
                let Ok(value) = serde_json::from_str::<Value>(&text) else {
                    continue;
                };
                dispatch(&reader_handle, sink.as_ref(), &value);
            }
            // Fail every waiting caller: the browser went away.
            lock(&reader_handle.shared.pending).clear();
        });
        Ok(Cdp {
            handle,
            tasks: vec![writer, reader],
        })
    }

    /// A handle for sending commands.
    pub(crate) fn handle(&self) -> &CdpHandle {
        &self.handle
    }
}

impl Drop for Cdp {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

fn dispatch(handle: &CdpHandle, sink: &dyn EventSink, value: &Value) {
    if let Some(id) = value.get("id").and_then(Value::as_u64) {
        let Some(tx) = lock(&handle.shared.pending).remove(&id) else {
            return;
        };
        let result = match value.get("error") {
            Some(error) => Err(error
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or("unknown CDP error")
                .to_string()),
            None => Ok(value.get("result").cloned().unwrap_or(Value::Null)),
        };
        let _ = tx.send(result);
        return;
    }
    if let Some(method) = value.get("method").and_then(Value::as_str) {
        let session = value.get("sessionId").and_then(Value::as_str);
        let empty = Value::Null;
        let params = value.get("params").unwrap_or(&empty);
        sink.on_event(handle, session, method, params);
    }
}

/// Locks a mutex, recovering from poisoning (a panicked holder leaves plain data behind).
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
