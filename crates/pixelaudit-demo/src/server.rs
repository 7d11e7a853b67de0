//! The demo server itself: the accept loop, HTTP/TLS on one port, the hyper service and the log.

use std::convert::Infallible;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming as IncomingBody;
use hyper::header::{HeaderName, HeaderValue};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::{JoinHandle, JoinSet};
use tokio_rustls::TlsAcceptor;
use url::Url;

use super::fixtures::FIXTURES_HOST;
use super::reply::Reply;
use super::router::{self, Incoming};
use super::store::STORE_HOST;
use super::tls::DemoCert;
use super::{DemoOptions, ReceivedRequest};

/// The first byte of a TLS record carrying a handshake (the ClientHello).
const TLS_HANDSHAKE: u8 = 0x16;
/// Request bodies larger than this are refused with 413 (and logged empty).
const MAX_BODY: usize = 8 * 1024 * 1024;

/// A running demo store and vendor stand-in server. Dropping it stops it.
#[derive(Debug)]
pub struct DemoServer {
    port: u16,
    spki_sha256_base64: String,
    cert_pem: String,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

/// State shared by every connection.
#[derive(Debug)]
struct Shared {
    fixtures_dir: Option<PathBuf>,
    log: Mutex<Vec<ReceivedRequest>>,
}

impl Shared {
    fn log(&self) -> MutexGuard<'_, Vec<ReceivedRequest>> {
        // A poisoned log is still a valid log: a panicking connection never leaves it half-written.
        self.log
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl DemoServer {
    /// Binds `127.0.0.1:0`, generates a fresh self-signed certificate and starts serving.
    pub async fn start(options: DemoOptions) -> io::Result<DemoServer> {
        let cert = DemoCert::generate()?;
        let acceptor = TlsAcceptor::from(cert.server_config()?);
        let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await?;
        let port = listener.local_addr()?.port();
        let shared = Arc::new(Shared {
            fixtures_dir: options.fixtures_dir,
            log: Mutex::new(Vec::new()),
        });
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(accept_loop(listener, acceptor, shared.clone(), stopped));
        tracing::debug!(port, "demo server listening");
        Ok(DemoServer {
            port,
            spki_sha256_base64: cert.spki_sha256_base64,
            cert_pem: cert.cert_pem,
            shared,
            stop: Some(stop),
            task: Some(task),
        })
    }

    /// The local port (on 127.0.0.1) that serves every host, over HTTP and TLS.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The store's home page, `https://demo-store.test/`.
    pub fn store_url(&self) -> Url {
        Url::parse(&format!("https://{STORE_HOST}/")).expect("static URL parses")
    }

    /// The root of the fixtures directory, `https://fixtures.test/`.
    pub fn fixtures_url(&self) -> Url {
        Url::parse(&format!("https://{FIXTURES_HOST}/")).expect("static URL parses")
    }

    /// Chromium flags that send every host name to this server (`*.invalid` fails DNS) and accept
    /// its certificate.
    pub fn chromium_args(&self) -> Vec<String> {
        vec![
            format!(
                "--host-resolver-rules=MAP *.invalid ~NOTFOUND, MAP * 127.0.0.1:{}, EXCLUDE localhost",
                self.port
            ),
            format!("--ignore-certificate-errors-spki-list={}", self.spki_sha256_base64),
        ]
    }

    /// `--resolve` rules that reach every host this server answers for (`*.test` for the store
    /// and the fixtures, then each vendor and email platform host), for pixelaudit's own
    /// network view: Chromium and every client.
    pub fn resolve_rules(&self) -> Vec<String> {
        let mut rules = vec![format!("*.test=127.0.0.1:{}", self.port)];
        rules.extend(
            super::vendor_hosts::VENDOR_HOSTS
                .iter()
                .chain(super::esp_hosts::ESP_HOSTS)
                .map(|host| format!("{host}=127.0.0.1:{}", self.port)),
        );
        rules
    }

    /// Base64 SHA-256 of the certificate's SubjectPublicKeyInfo (the value Chromium's
    /// `--ignore-certificate-errors-spki-list` takes).
    pub fn spki_sha256_base64(&self) -> &str {
        &self.spki_sha256_base64
    }

    /// The server certificate in PEM, for non-browser clients that should trust it.
    pub fn certificate_pem(&self) -> &str {
        &self.cert_pem
    }

    /// Every request received so far, in arrival order.
    pub fn received(&self) -> Vec<ReceivedRequest> {
        self.shared.log().clone()
    }

    /// Forgets the requests received so far.
    pub fn clear_received(&self) {
        self.shared.log().clear();
    }

    /// Stops accepting connections, closes the open ones and waits for the server task to end.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for DemoServer {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            // Aborting the accept loop drops its JoinSet, which aborts every connection task.
            task.abort();
        }
    }
}

/// Accepts connections until told to stop; connection tasks live in a JoinSet so that ending
/// this task ends them too.
async fn accept_loop(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    shared: Arc<Shared>,
    mut stopped: oneshot::Receiver<()>,
) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut stopped => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => {
                    connections.spawn(serve_connection(stream, acceptor.clone(), shared.clone()));
                }
                Err(error) => {
                    tracing::debug!(%error, "demo server accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    connections.shutdown().await;
}

/// Peeks at the first byte: a TLS handshake is unwrapped first, anything else is plain HTTP.
async fn serve_connection(stream: TcpStream, acceptor: TlsAcceptor, shared: Arc<Shared>) {
    let mut first = [0u8; 1];
    match stream.peek(&mut first).await {
        Ok(0) | Err(_) => return,
        Ok(_) => {}
    }
    if first[0] == TLS_HANDSHAKE {
        match acceptor.accept(stream).await {
            Ok(tls_stream) => serve_http(tls_stream, true, shared).await,
            Err(error) => tracing::debug!(%error, "demo server TLS handshake failed"),
        }
    } else {
        serve_http(stream, false, shared).await;
    }
}

/// Serves HTTP/1.1 (keep-alive) on an established stream.
async fn serve_http<S>(stream: S, tls: bool, shared: Arc<Shared>)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |request| handle(request, tls, shared.clone()));
    let result = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .keep_alive(true)
        .serve_connection(TokioIo::new(stream), service)
        .await;
    if let Err(error) = result {
        tracing::debug!(%error, "demo server connection ended with an error");
    }
}

/// Reads one request, records it, routes it and builds the response.
async fn handle(
    request: Request<IncomingBody>,
    tls: bool,
    shared: Arc<Shared>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let (parts, body) = request.into_parts();
    let (body, too_large) = match Limited::new(body, MAX_BODY).collect().await {
        Ok(collected) => (collected.to_bytes(), false),
        Err(_) => (Bytes::new(), true),
    };
    let header = |name: hyper::header::HeaderName| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let raw_host = header(hyper::header::HOST)
        .or_else(|| parts.uri.authority().map(|a| a.to_string()))
        .unwrap_or_default();
    let incoming = Incoming {
        host: strip_port(&raw_host).to_ascii_lowercase(),
        method: parts.method.as_str().to_string(),
        path: parts.uri.path().to_string(),
        query: parts.uri.query().map(str::to_string),
        origin: header(hyper::header::ORIGIN),
        request_headers: header(hyper::header::ACCESS_CONTROL_REQUEST_HEADERS),
    };
    shared.log().push(ReceivedRequest {
        tls,
        host: incoming.host.clone(),
        method: incoming.method.clone(),
        path_and_query: parts
            .uri
            .path_and_query()
            .map(|pq| pq.as_str().to_string())
            .unwrap_or_default(),
        content_type: header(hyper::header::CONTENT_TYPE),
        body: String::from_utf8_lossy(&body).into_owned(),
    });
    let reply = if too_large {
        Reply::status(413)
    } else {
        router::route(&incoming, shared.fixtures_dir.as_deref())
    };
    Ok(into_response(reply))
}

/// `host:port` → `host`, `[::1]:port` → `[::1]`.
fn strip_port(host: &str) -> &str {
    if host.starts_with('[') {
        return host.find(']').map_or(host, |end| &host[..=end]);
    }
    match host.rsplit_once(':') {
        Some((name, port)) if port.chars().all(|c| c.is_ascii_digit()) => name,
        _ => host,
    }
}

fn into_response(reply: Reply) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(reply.body));
    *response.status_mut() =
        StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    for (name, value) in &reply.headers {
        match (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            (Ok(name), Ok(value)) => {
                headers.append(name, value);
            }
            _ => tracing::warn!(%name, %value, "demo server skipped an invalid response header"),
        }
    }
    // Deterministic runs: the browser must ask again on every page load.
    if !headers.contains_key(hyper::header::CACHE_CONTROL) {
        headers.insert(
            hyper::header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        );
    }
    response
}

#[cfg(test)]
mod unit_tests {
    use super::strip_port;

    #[test]
    fn ports_are_stripped_from_host_headers() {
        assert_eq!(strip_port("demo-store.test:8443"), "demo-store.test");
        assert_eq!(strip_port("demo-store.test"), "demo-store.test");
        assert_eq!(strip_port("[::1]:80"), "[::1]");
        assert_eq!(strip_port("127.0.0.1:1"), "127.0.0.1");
    }
}
