//! Tests of the demo server over real sockets: HTTP and TLS on one port, dispatch, overrides,
//! fixtures, the request log and shutdown. No browser is started here.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::rustls::crypto::ring::default_provider;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
use tokio_rustls::rustls::{ClientConfig, RootCertStore};
use tokio_rustls::TlsConnector;

use super::{DemoOptions, DemoServer, DEMO_PAGES};

/// A parsed HTTP/1.1 response.
#[derive(Debug)]
struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A request to send: method, host, path, extra headers, body.
struct Req<'a> {
    method: &'a str,
    host: &'a str,
    path: &'a str,
    headers: &'a [(&'a str, &'a str)],
    body: &'a str,
}

fn get<'a>(host: &'a str, path: &'a str) -> Req<'a> {
    Req {
        method: "GET",
        host,
        path,
        headers: &[],
        body: "",
    }
}

fn raw_request(req: &Req<'_>) -> Vec<u8> {
    let mut text = format!(
        "{} {} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n",
        req.method, req.path, req.host
    );
    for (name, value) in req.headers {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    if !req.body.is_empty() || req.method == "POST" {
        text.push_str(&format!("Content-Length: {}\r\n", req.body.len()));
    }
    text.push_str("\r\n");
    text.push_str(req.body);
    text.into_bytes()
}

fn parse_response(bytes: &[u8]) -> Response {
    let text = String::from_utf8_lossy(bytes);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .expect("a complete response head");
    let mut lines = head.lines();
    let status_line = lines.next().expect("a status line");
    let status = status_line
        .split_whitespace()
        .nth(1)
        .expect("a status code")
        .parse()
        .expect("numeric status");
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    Response {
        status,
        headers,
        body: body.to_string(),
    }
}

/// Sends one request in plain HTTP to the server's port.
async fn http(server: &DemoServer, req: Req<'_>) -> Response {
    let mut stream = TcpStream::connect(("127.0.0.1", server.port()))
        .await
        .expect("connect");
    stream.write_all(&raw_request(&req)).await.expect("write");
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).await.expect("read");
    parse_response(&bytes)
}

/// The server's certificate, from its PEM.
fn certificate(server: &DemoServer) -> CertificateDer<'static> {
    let b64: String = server
        .certificate_pem()
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    CertificateDer::from(
        base64::engine::general_purpose::STANDARD
            .decode(b64)
            .expect("PEM base64"),
    )
}

/// A TLS client that trusts only the demo certificate and checks the host name against it.
fn tls_connector(server: &DemoServer) -> TlsConnector {
    let mut roots = RootCertStore::empty();
    roots
        .add(certificate(server))
        .expect("certificate is a usable trust anchor");
    let config = ClientConfig::builder_with_provider(Arc::new(default_provider()))
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    TlsConnector::from(Arc::new(config))
}

/// Sends one request over TLS (SNI = the request's host) to the server's port.
async fn https(server: &DemoServer, req: Req<'_>) -> Response {
    let stream = TcpStream::connect(("127.0.0.1", server.port()))
        .await
        .expect("connect");
    let name =
        ServerName::try_from(req.host.split(':').next().unwrap().to_string()).expect("server name");
    let mut tls = tls_connector(server)
        .connect(name, stream)
        .await
        .expect("TLS handshake with the demo cert");
    tls.write_all(&raw_request(&req)).await.expect("write");
    let mut bytes = Vec::new();
    match tls.read_to_end(&mut bytes).await {
        Ok(_) => {}
        // A peer that closes without close_notify still delivered the whole response.
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof && !bytes.is_empty() => {}
        Err(e) => panic!("read: {e}"),
    }
    parse_response(&bytes)
}

async fn start() -> DemoServer {
    DemoServer::start(DemoOptions::default())
        .await
        .expect("demo server starts")
}

#[tokio::test]
async fn plain_http_and_tls_share_one_port() {
    let server = start().await;
    let plain = http(&server, get("demo-store.test", "/")).await;
    let secure = https(&server, get("demo-store.test", "/")).await;
    for response in [&plain, &secure] {
        assert_eq!(response.status, 200);
        assert_eq!(
            response.header("content-type"),
            Some("text/html; charset=utf-8")
        );
        assert!(response.body.contains("Northwind"));
    }
    let log = server.received();
    assert_eq!(log.len(), 2);
    assert!(!log[0].tls && log[1].tls);
    assert_eq!(log[1].host, "demo-store.test");
    server.shutdown().await;
}

#[tokio::test]
async fn certificate_covers_store_fixtures_and_vendor_hosts() {
    let server = start().await;
    for host in [
        "demo-store.test",
        "fixtures.test",
        "www.facebook.com",
        "region1.google-analytics.com",
        "t.co",
        "a.klaviyo.com",
    ] {
        let response = https(&server, get(host, "/nothing-here")).await;
        assert_eq!(response.status, 404, "{host}");
    }
    assert_eq!(
        server.chromium_args(),
        vec![
            format!("--host-resolver-rules=MAP *.invalid ~NOTFOUND, MAP * 127.0.0.1:{}, EXCLUDE localhost", server.port()),
            format!("--ignore-certificate-errors-spki-list={}", server.spki_sha256_base64()),
        ]
    );
    assert_eq!(
        base64::engine::general_purpose::STANDARD
            .decode(server.spki_sha256_base64())
            .unwrap()
            .len(),
        32
    );
    assert_eq!(server.store_url().as_str(), "https://demo-store.test/");
    assert_eq!(server.fixtures_url().as_str(), "https://fixtures.test/");
}

#[tokio::test]
async fn requests_are_dispatched_by_host() {
    let server = start().await;
    let bat = https(&server, get("bat.bing.com", "/bat.js")).await;
    assert_eq!(bat.status, 200);
    assert_eq!(
        bat.header("content-type"),
        Some("application/javascript; charset=utf-8")
    );
    assert!(bat.body.contains("UET"));
    assert_eq!(
        https(&server, get("demo-store.test", "/bat.js"))
            .await
            .status,
        404
    );
    assert_eq!(
        http(&server, get("unknown.example", "/bat.js"))
            .await
            .status,
        404
    );
    // The port in Host is ignored, and so is case.
    assert_eq!(
        http(&server, get("BAT.bing.com:8080", "/bat.js"))
            .await
            .status,
        200
    );

    let pixel = https(
        &server,
        get("www.facebook.com", "/tr/?id=1234567890123456&ev=PageView"),
    )
    .await;
    assert_eq!(pixel.status, 200);
    assert_eq!(pixel.header("content-type"), Some("image/gif"));
    assert!(pixel.body.starts_with("GIF89a"));

    // Every store page exists, and so do the lookbook's single-page-app routes.
    for (name, path) in DEMO_PAGES {
        assert_eq!(
            https(&server, get("demo-store.test", path)).await.status,
            200,
            "{name}"
        );
    }
    let lookbook = https(&server, get("demo-store.test", "/pages/lookbook")).await;
    for route in ["/pages/lookbook/summer", "/pages/lookbook/winter"] {
        let page = https(&server, get("demo-store.test", route)).await;
        assert_eq!((page.status, &page.body), (200, &lookbook.body), "{route}");
    }
    // Every page carries the consent banner.
    let home = https(&server, get("demo-store.test", "/")).await;
    assert!(home.body.contains(r#"<div id="consent-banner""#));
    assert!(home.body.contains(r#"<button id="consent-accept""#));
    assert!(home.body.contains(r#"<button id="consent-reject""#));
    let hosts: Vec<String> = server.received().iter().map(|r| r.host.clone()).collect();
    assert_eq!(
        hosts[..4],
        [
            "bat.bing.com",
            "demo-store.test",
            "unknown.example",
            "bat.bing.com"
        ]
    );
}

#[tokio::test]
async fn vendor_loaders_and_endpoints_answer_like_the_real_ones() {
    let server = start().await;
    let loaders = [
        ("connect.facebook.net", "/en_US/fbevents.js"),
        (
            "connect.facebook.net",
            "/signals/config/1234567890123456?v=2.9.156&r=stable",
        ),
        ("www.googletagmanager.com", "/gtag/js?id=G-DEMO12345"),
        (
            "analytics.tiktok.com",
            "/i18n/pixel/events.js?sdkid=C4DEMO0TIKTOK",
        ),
        ("s.pinimg.com", "/ct/core.js"),
        ("sc-static.net", "/scevent.min.js"),
        ("static.ads-twitter.com", "/uwt.js"),
        ("www.redditstatic.com", "/ads/pixel.js"),
        (
            "static.klaviyo.com",
            "/onsite/js/klaviyo.js?company_id=AbC123",
        ),
        ("demo-store.test", "/cdn/wpm/bootstrap.js"),
        ("demo-store.test", "/cdn/shop/t/1/assets/consent.js"),
        (
            "demo-store.test",
            "/wpm@demo/web-pixel-102@1/sandbox/worker.js",
        ),
    ];
    for (host, path) in loaders {
        let response = https(&server, get(host, path)).await;
        assert_eq!(response.status, 200, "{host}{path}");
        assert!(
            response
                .header("content-type")
                .unwrap()
                .starts_with("application/javascript"),
            "{host}{path}"
        );
    }
    // The old Reddit loader path is gone (planted defect 3).
    assert_eq!(
        https(&server, get("www.redditstatic.com", "/ads/v1/pixel.js"))
            .await
            .status,
        404
    );

    let sandbox = https(
        &server,
        get(
            "demo-store.test",
            "/wpm@demo/web-pixel-101@1/sandbox/modern/products/linen-shirt",
        ),
    )
    .await;
    assert!(sandbox.body.contains("s.pinimg.com/ct/core.js"));

    let origin = [("Origin", "https://demo-store.test")];
    let ga4 = https(
        &server,
        Req {
            method: "POST",
            host: "region1.google-analytics.com",
            path: "/g/collect?v=2&tid=G-DEMO12345&en=page_view",
            headers: &origin,
            body: "",
        },
    )
    .await;
    assert_eq!(ga4.status, 204);
    assert_eq!(
        ga4.header("access-control-allow-origin"),
        Some("https://demo-store.test")
    );
    assert_eq!(ga4.header("access-control-allow-credentials"), Some("true"));
    for (host, path) in [
        (
            "googleads.g.doubleclick.net",
            "/pagead/viewthroughconversion/987654321/?data=event%3Dgtag.config",
        ),
        (
            "www.googleadservices.com",
            "/pagead/conversion/987654321/?label=x&value=1",
        ),
        (
            "www.google.com",
            "/pagead/1p-conversion/987654321/?label=x&value=1",
        ),
        ("ct.pinterest.com", "/v3/?tid=2612345678901&event=init"),
        ("bat.bing.com", "/action/0?ti=187654321&evt=pageLoad"),
        ("t.co", "/1/i/adsct?bci=4&txn_id=o1dem"),
        ("analytics.twitter.com", "/1/i/adsct?bci=4&txn_id=o1dem"),
        ("alb.reddit.com", "/rp.gif?id=a2_demo123&event=PageVisit"),
    ] {
        let response = https(&server, get(host, path)).await;
        assert_eq!(
            (response.status, response.header("content-type")),
            (200, Some("image/gif")),
            "{host}{path}"
        );
    }
    let klaviyo = https(
        &server,
        Req {
            method: "POST",
            host: "a.klaviyo.com",
            path: "/client/events/?company_id=AbC123",
            headers: &origin,
            body: "{}",
        },
    )
    .await;
    assert_eq!(klaviyo.status, 202);
    let monorail = https(
        &server,
        Req {
            method: "POST",
            host: "demo-store.test",
            path: "/.well-known/shopify/monorail/unstable/produce_batch",
            headers: &[("Content-Type", "text/plain")],
            body: "{\"events\":[]}",
        },
    )
    .await;
    assert_eq!(monorail.status, 200);
}

#[tokio::test]
async fn cors_preflights_are_answered() {
    let server = start().await;
    let response = https(
        &server,
        Req {
            method: "OPTIONS",
            host: "a.klaviyo.com",
            path: "/client/events/?company_id=AbC123",
            headers: &[
                ("Origin", "https://demo-store.test"),
                ("Access-Control-Request-Method", "POST"),
                ("Access-Control-Request-Headers", "content-type,revision"),
            ],
            body: "",
        },
    )
    .await;
    assert_eq!(response.status, 204);
    assert_eq!(
        response.header("access-control-allow-origin"),
        Some("https://demo-store.test")
    );
    assert_eq!(
        response.header("access-control-allow-credentials"),
        Some("true")
    );
    assert_eq!(
        response.header("access-control-allow-headers"),
        Some("content-type,revision")
    );
    assert_eq!(server.received()[0].method, "OPTIONS");
}

#[tokio::test]
async fn pixelaudit_status_overrides_any_response() {
    let server = start().await;
    let broken = https(
        &server,
        get(
            "www.redditstatic.com",
            "/ads/pixel.js?pixelaudit_status=503",
        ),
    )
    .await;
    assert_eq!(broken.status, 503);
    let collect = https(
        &server,
        get(
            "region1.google-analytics.com",
            "/g/collect?v=2&pixelaudit_status=500&en=page_view",
        ),
    )
    .await;
    assert_eq!(collect.status, 500);
    let unknown_host = http(&server, get("nowhere.example", "/?pixelaudit_status=204")).await;
    assert_eq!(unknown_host.status, 204);
    // Not a status: ignored.
    assert_eq!(
        https(
            &server,
            get(
                "www.redditstatic.com",
                "/ads/pixel.js?pixelaudit_status=abc"
            )
        )
        .await
        .status,
        200
    );
    assert_eq!(
        https(
            &server,
            get("www.redditstatic.com", "/ads/pixel.js?pixelaudit_status=42")
        )
        .await
        .status,
        200
    );
}

#[tokio::test]
async fn fixtures_are_served_with_sidecar_headers() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("fixtures");
    std::fs::create_dir_all(root.join("csp")).unwrap();
    std::fs::write(root.join("csp/page.html"), "<!doctype html><p>strict</p>").unwrap();
    std::fs::write(
        root.join("csp/page.html.headers"),
        "# sent with the page\nContent-Security-Policy: script-src 'self' https://connect.facebook.net\nX-Fixture: yes\n",
    )
    .unwrap();
    std::fs::write(root.join("app.js"), "console.log(1)").unwrap();
    std::fs::write(root.join("index.html"), "<p>index</p>").unwrap();
    let server = DemoServer::start(DemoOptions {
        fixtures_dir: Some(root),
    })
    .await
    .unwrap();

    let page = https(&server, get("fixtures.test", "/csp/page.html")).await;
    assert_eq!(page.status, 200);
    assert_eq!(page.body, "<!doctype html><p>strict</p>");
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(
        page.header("content-security-policy"),
        Some("script-src 'self' https://connect.facebook.net")
    );
    assert_eq!(page.header("x-fixture"), Some("yes"));

    let script = http(&server, get("fixtures.test", "/app.js")).await;
    assert_eq!(
        script.header("content-type"),
        Some("application/javascript; charset=utf-8")
    );
    assert!(script.header("content-security-policy").is_none());
    assert_eq!(
        https(&server, get("fixtures.test", "/")).await.body,
        "<p>index</p>"
    );
    assert_eq!(
        https(&server, get("fixtures.test", "/missing.html"))
            .await
            .status,
        404
    );

    // Without a fixtures directory every fixture is a 404.
    let bare = start().await;
    assert_eq!(
        https(&bare, get("fixtures.test", "/csp/page.html"))
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn path_traversal_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("fixtures");
    std::fs::create_dir_all(root.join("sub")).unwrap();
    std::fs::write(dir.path().join("secret.txt"), "TOP-SECRET").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(dir.path().join("secret.txt"), root.join("link.txt")).unwrap();
    let server = DemoServer::start(DemoOptions {
        fixtures_dir: Some(root),
    })
    .await
    .unwrap();

    for path in [
        "/../secret.txt",
        "/sub/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/sub/%2E%2E%2F%2E%2E%2Fsecret.txt",
        "/..%5Csecret.txt",
        "/link.txt",
    ] {
        let response = http(&server, get("fixtures.test", path)).await;
        assert_ne!(response.status, 200, "{path}");
        assert!(!response.body.contains("TOP-SECRET"), "{path}");
    }
}

#[tokio::test]
async fn received_log_records_method_host_and_body() {
    let server = start().await;
    let body = r#"{"event":"Pageview","context":{"pixel":{"code":"C4DEMO0TIKTOK"}}}"#;
    let response = https(
        &server,
        Req {
            method: "POST",
            host: "analytics.tiktok.com",
            path: "/api/v2/pixel",
            headers: &[
                ("Content-Type", "text/plain;charset=UTF-8"),
                ("Origin", "https://demo-store.test"),
            ],
            body,
        },
    )
    .await;
    assert_eq!(response.status, 200);
    assert_eq!(
        response.header("access-control-allow-origin"),
        Some("https://demo-store.test")
    );
    http(&server, get("tr.snapchat.com:80", "/p?x=1")).await;

    let log = server.received();
    assert_eq!(log.len(), 2);
    assert!(log[0].tls);
    assert_eq!(log[0].method, "POST");
    assert_eq!(log[0].host, "analytics.tiktok.com");
    assert_eq!(log[0].path_and_query, "/api/v2/pixel");
    assert_eq!(
        log[0].content_type.as_deref(),
        Some("text/plain;charset=UTF-8")
    );
    assert_eq!(log[0].body, body);
    assert!(!log[1].tls);
    assert_eq!(
        (log[1].method.as_str(), log[1].host.as_str()),
        ("GET", "tr.snapchat.com")
    );
    assert_eq!(log[1].path_and_query, "/p?x=1");
    assert_eq!(log[1].content_type, None);
    assert_eq!(log[1].body, "");
    let json = serde_json::to_value(&log[0]).unwrap();
    assert_eq!(json["host"], "analytics.tiktok.com");

    server.clear_received();
    assert!(server.received().is_empty());
}

#[tokio::test]
async fn shutdown_and_drop_stop_the_server() {
    let server = start().await;
    let port = server.port();
    // An idle keep-alive connection must not keep the server alive.
    let idle = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    tokio::time::timeout(Duration::from_secs(5), server.shutdown())
        .await
        .expect("shutdown finishes");
    assert!(TcpStream::connect(("127.0.0.1", port)).await.is_err());
    drop(idle);

    let dropped = start().await;
    let port = dropped.port();
    drop(dropped);
    let mut refused = false;
    for _ in 0..50 {
        if TcpStream::connect(("127.0.0.1", port)).await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(refused, "dropping the server closes its port");
}
