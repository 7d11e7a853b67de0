//! A small HTTP/1.1 test server on hyper: binds 127.0.0.1:0, answers every request with what a
//! handler closure returns for it, records the requests, and stops on drop.
//!
//! It runs on a runtime of its own in a thread of its own, so it serves synchronous tests as
//! well as `#[tokio::test]`s, whatever their runtime's flavour, and dropping it cancels every
//! connection still open (a [`Response::hang`] included).
//!
//! ```no_run
//! use pixelaudit_test_support::http::{Response, TestServer};
//!
//! let server = TestServer::start(|request| match request.path() {
//!     "/old" => Response::redirect(301, "/new"),
//!     "/new" => Response::ok("text/plain", "hello"),
//!     "/slow" => Response::ok("text/plain", "late").delay(std::time::Duration::from_secs(2)),
//!     "/silent" => Response::hang(),
//!     _ => Response::new(404),
//! });
//! let url = server.url("/old");
//! // … run the code under test against `url` …
//! assert_eq!(server.requests()[0].target, "/old");
//! ```

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::sync::oneshot;

/// A request the server received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// `GET`, `POST`, …
    pub method: String,
    /// The request target as sent: path and query (`/sitemap.xml?from=1&to=9`).
    pub target: String,
    /// The headers in the order received, names in lower case.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Request {
    /// The target without its query.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or_default()
    }

    /// The first value of header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The `Host` header without its port (`""` without one).
    pub fn host(&self) -> &str {
        let host = self.header("host").unwrap_or_default();
        host.split(':').next().unwrap_or_default()
    }
}

/// What the server does with a request after its [`Response::delay`].
#[derive(Clone, Debug)]
enum Answer {
    Respond,
    Hang,
    Close,
}

/// What the server answers to one request: built with [`new`](Self::new), [`ok`](Self::ok),
/// [`redirect`](Self::redirect), [`hang`](Self::hang) or [`close`](Self::close), then
/// [`header`](Self::header), [`body`](Self::body), [`delay`](Self::delay).
#[derive(Clone, Debug)]
pub struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Bytes,
    delay: Duration,
    answer: Answer,
}

impl Response {
    /// `status` with no headers of its own and an empty body (hyper adds `content-length`
    /// and `date`).
    pub fn new(status: u16) -> Response {
        Response {
            status,
            headers: Vec::new(),
            body: Bytes::new(),
            delay: Duration::ZERO,
            answer: Answer::Respond,
        }
    }

    /// 200 with this `Content-Type` and body.
    pub fn ok(content_type: &str, body: impl Into<Vec<u8>>) -> Response {
        Response::new(200)
            .header("Content-Type", content_type)
            .body(body)
    }

    /// `status` (301, 302, …) with this `Location`.
    pub fn redirect(status: u16, location: &str) -> Response {
        Response::new(status).header("Location", location)
    }

    /// Never answers: the connection stays open, silent, until the client gives up or the
    /// server is dropped.
    pub fn hang() -> Response {
        Response {
            answer: Answer::Hang,
            ..Response::new(200)
        }
    }

    /// Closes the connection without answering.
    pub fn close() -> Response {
        Response {
            answer: Answer::Close,
            ..Response::new(200)
        }
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Response {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// Sets the body.
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Response {
        self.body = Bytes::from(body.into());
        self
    }

    /// Waits this long before answering (or hanging, or closing).
    pub fn delay(mut self, delay: Duration) -> Response {
        self.delay = delay;
        self
    }
}

/// A running server; dropping it stops it.
pub struct TestServer {
    addr: SocketAddr,
    requests: Arc<Mutex<Vec<Request>>>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for TestServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestServer")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl TestServer {
    /// Serves every request with `handler`'s answer to it.
    pub fn start<H>(handler: H) -> TestServer
    where
        H: Fn(&Request) -> Response + Send + Sync + 'static,
    {
        Self::start_with(|_| handler)
    }

    /// Like [`start`](Self::start), with a handler made from the server's address (for
    /// answers that name the server's own port).
    pub fn start_with<H>(make_handler: impl FnOnce(SocketAddr) -> H) -> TestServer
    where
        H: Fn(&Request) -> Response + Send + Sync + 'static,
    {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        listener
            .set_nonblocking(true)
            .expect("a non-blocking listener");
        let addr = listener.local_addr().expect("the listener's address");
        let handler = Arc::new(make_handler(addr));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let log = requests.clone();
        let (stop, stopped) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name(format!("test-http-{}", addr.port()))
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("the test server's runtime");
                runtime.block_on(async move {
                    let listener =
                        tokio::net::TcpListener::from_std(listener).expect("a tokio listener");
                    let accept = async {
                        loop {
                            let Ok((stream, _)) = listener.accept().await else {
                                continue;
                            };
                            tokio::spawn(serve(stream, handler.clone(), log.clone()));
                        }
                    };
                    tokio::select! {
                        _ = stopped => {}
                        () = accept => {}
                    }
                });
                // Dropping the runtime here cancels every connection still open.
            })
            .expect("spawn the test server's thread");
        TestServer {
            addr,
            requests,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// The server's address (127.0.0.1 and its port).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The server's port.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// `http://127.0.0.1:PORT` followed by `path_and_query`.
    pub fn url(&self, path_and_query: &str) -> String {
        format!("http://{}{path_and_query}", self.addr)
    }

    /// Every request received so far, oldest first.
    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().expect("the request log").clone()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// One connection: HTTP/1.1 with keep-alive, every request logged, then answered.
async fn serve<H>(stream: tokio::net::TcpStream, handler: Arc<H>, log: Arc<Mutex<Vec<Request>>>)
where
    H: Fn(&Request) -> Response + Send + Sync + 'static,
{
    let service = service_fn(move |request: hyper::Request<Incoming>| {
        let handler = handler.clone();
        let log = log.clone();
        async move {
            let (parts, body) = request.into_parts();
            let body = match body.collect().await {
                Ok(body) => body.to_bytes().to_vec(),
                Err(_) => Vec::new(),
            };
            let request = Request {
                method: parts.method.to_string(),
                target: parts.uri.to_string(),
                headers: parts
                    .headers
                    .iter()
                    .map(|(name, value)| {
                        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
                        (name.as_str().to_string(), value)
                    })
                    .collect(),
                body,
            };
            log.lock().expect("the request log").push(request.clone());
            let response = handler(&request);
            if !response.delay.is_zero() {
                tokio::time::sleep(response.delay).await;
            }
            match response.answer {
                Answer::Respond => {}
                Answer::Hang => std::future::pending::<()>().await,
                // An error from the service makes hyper drop the connection unanswered.
                Answer::Close => return Err(std::io::Error::other("closed by the test")),
            }
            let mut answer = hyper::Response::builder().status(response.status);
            for (name, value) in &response.headers {
                answer = answer.header(name, value);
            }
            Ok(answer
                .body(Full::new(response.body))
                .expect("a valid test response"))
        }
    });
    let _ = http1::Builder::new()
        .serve_connection(TokioIo::new(stream), service)
        .await;
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;

    fn client(timeout: Duration) -> reqwest::Client {
        reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(timeout)
            .build()
            .unwrap()
    }

    #[tokio::test]
    async fn answers_from_the_handler_and_records_requests() {
        let server = TestServer::start_with(|addr| {
            let port = addr.port();
            move |request: &Request| match request.path() {
                "/old" => Response::redirect(301, &format!("http://shop.test:{port}/new")),
                "/new" => Response::ok("text/plain", "hello").header("X-Test", "1"),
                _ => Response::new(404).body("nothing"),
            }
        });
        let client = client(Duration::from_secs(5));
        let old = client.get(server.url("/old?a=1")).send().await.unwrap();
        assert_eq!(old.status(), 301);
        let location = format!("http://shop.test:{}/new", server.port());
        assert_eq!(old.headers()["location"], location.as_str());
        let new = client.get(server.url("/new")).send().await.unwrap();
        assert_eq!(new.status(), 200);
        assert_eq!(new.headers()["content-type"], "text/plain");
        assert_eq!(new.headers()["x-test"], "1");
        assert_eq!(new.text().await.unwrap(), "hello");
        let missing = client
            .post(server.url("/missing"))
            .header("Host", "shop.test:8080")
            .body("posted")
            .send()
            .await
            .unwrap();
        assert_eq!(missing.status(), 404);
        assert_eq!(missing.text().await.unwrap(), "nothing");

        let requests = server.requests();
        let seen: Vec<(&str, &str)> = requests
            .iter()
            .map(|r| (r.method.as_str(), r.target.as_str()))
            .collect();
        assert_eq!(
            seen,
            [("GET", "/old?a=1"), ("GET", "/new"), ("POST", "/missing")]
        );
        assert_eq!(requests[0].path(), "/old");
        assert_eq!(requests[0].host(), "127.0.0.1");
        assert_eq!(requests[2].host(), "shop.test");
        assert_eq!(requests[2].body, b"posted");
    }

    #[tokio::test]
    async fn delays_hangs_and_closes() {
        let server = TestServer::start(|request| match request.path() {
            "/slow" => Response::ok("text/plain", "late").delay(Duration::from_millis(300)),
            "/hang" => Response::hang(),
            _ => Response::close(),
        });
        let began = Instant::now();
        let slow = client(Duration::from_secs(5))
            .get(server.url("/slow"))
            .send()
            .await
            .unwrap();
        assert_eq!(slow.text().await.unwrap(), "late");
        assert!(began.elapsed() >= Duration::from_millis(300));

        let hang = client(Duration::from_millis(300))
            .get(server.url("/hang"))
            .send()
            .await
            .unwrap_err();
        assert!(hang.is_timeout(), "{hang:?}");

        let closed = client(Duration::from_secs(5))
            .get(server.url("/close"))
            .send()
            .await
            .unwrap_err();
        assert!(
            !closed.is_timeout() && closed.status().is_none(),
            "{closed:?}"
        );
        assert_eq!(server.requests().len(), 3);
    }

    #[test]
    fn serves_synchronous_tests_and_stops_on_drop() {
        let (received, arrived) = std::sync::mpsc::channel();
        let server = TestServer::start(move |_| {
            let _ = received.send(());
            Response::hang()
        });
        let addr = server.addr();
        // A connection the server holds open, silent, when it is dropped.
        let mut open = std::net::TcpStream::connect(addr).unwrap();
        std::io::Write::write_all(&mut open, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        arrived
            .recv_timeout(Duration::from_secs(5))
            .expect("the request arrives");
        drop(server);
        let mut rest = Vec::new();
        let read = std::io::Read::read_to_end(&mut open, &mut rest);
        assert!(read.is_err() || rest.is_empty(), "answered {rest:?}");
        assert!(std::net::TcpStream::connect(addr).is_err());
    }
}
