//! A throwaway Dovecot IMAP server for integration tests: its own config, TLS certificates, user
//! and Maildir in a temporary directory, on free 127.0.0.1 ports, stopped (with every helper
//! process) on drop. Needs `/usr/sbin/dovecot` (Debian's `dovecot-imapd`); Linux only.

use std::fs;
use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::fs::{chown, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const DOVECOT: &str = "/usr/sbin/dovecot";
const USER: &str = "seed";
/// Has a space, a quote and a backslash, to exercise IMAP string quoting.
const PASSWORD: &str = r#"s33d pa"ss\word"#;
const START_TIMEOUT: Duration = Duration::from_secs(20);
const STOP_TIMEOUT: Duration = Duration::from_secs(10);

/// A running Dovecot; dropping it stops the server and deletes its files.
pub struct Dovecot {
    child: Child,
    dir: tempfile::TempDir,
    imap_port: u16,
    imaps_port: u16,
    ca_pem: String,
    maildir: PathBuf,
    mail_owner: Option<(u32, u32)>,
    tls: bool,
}

/// Who owns what, depending on whether the tests run as root.
struct Accounts {
    /// uid/gid that the mail user's processes run as and that owns the Maildir.
    mail_uid: u32,
    mail_gid: u32,
    internal_user: String,
    internal_group: String,
    login_user: String,
}

impl Accounts {
    fn detect() -> Accounts {
        // SAFETY: plain getters without preconditions.
        let (euid, egid) = unsafe { (libc::geteuid(), libc::getegid()) };
        if euid == 0 {
            // Dovecot refuses UID 0 for mail users and root for login processes; Debian's package
            // provides `dovecot` and `dovenull` for its internal and login processes.
            let (mail_uid, mail_gid) = passwd_ids("nobody").unwrap_or((65534, 65534));
            let internal = if passwd_ids("dovecot").is_some() {
                "dovecot"
            } else {
                "nobody"
            };
            let login = if passwd_ids("dovenull").is_some() {
                "dovenull"
            } else {
                "nobody"
            };
            let internal_group = group_name(passwd_ids(internal).map_or(mail_gid, |ids| ids.1));
            Accounts {
                mail_uid,
                mail_gid,
                internal_user: internal.into(),
                internal_group,
                login_user: login.into(),
            }
        } else {
            // Unprivileged: every process runs as the current user.
            let name = passwd_name(euid)
                .or_else(|| std::env::var("USER").ok())
                .expect("the current user has no name in /etc/passwd, which Dovecot needs");
            Accounts {
                mail_uid: euid,
                mail_gid: egid,
                internal_user: name.clone(),
                internal_group: group_name(egid),
                login_user: name,
            }
        }
    }
}

fn passwd_entries() -> Vec<Vec<String>> {
    fs::read_to_string("/etc/passwd")
        .unwrap_or_default()
        .lines()
        .map(|l| l.split(':').map(str::to_string).collect::<Vec<_>>())
        .filter(|f| f.len() >= 4)
        .collect()
}

fn passwd_ids(name: &str) -> Option<(u32, u32)> {
    passwd_entries()
        .into_iter()
        .find(|f| f[0] == name)
        .and_then(|f| Some((f[2].parse().ok()?, f[3].parse().ok()?)))
}

fn passwd_name(uid: u32) -> Option<String> {
    passwd_entries()
        .into_iter()
        .find(|f| f[2] == uid.to_string())
        .map(|f| f[0].clone())
}

fn group_name(gid: u32) -> String {
    fs::read_to_string("/etc/group")
        .unwrap_or_default()
        .lines()
        .map(|l| l.split(':').collect::<Vec<_>>())
        .find(|f| f.len() >= 3 && f[2] == gid.to_string())
        .map(|f| f[0].to_string())
        .unwrap_or_else(|| gid.to_string())
}

/// A test CA and a server certificate it signed, in PEM.
struct TestPki {
    ca_pem: String,
    cert_pem: String,
    key_pem: String,
}

fn test_pki() -> TestPki {
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
        KeyUsagePurpose,
    };
    let ca_key = KeyPair::generate().expect("CA key");
    let mut ca = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca.distinguished_name
        .push(DnType::CommonName, "pixelaudit test IMAP CA");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_cert = ca.self_signed(&ca_key).expect("CA certificate");

    let key = KeyPair::generate().expect("server key");
    let mut leaf = CertificateParams::new(vec![
        "localhost".to_string(),
        "127.0.0.1".to_string(),
        "imap.test".to_string(),
    ])
    .expect("server params");
    leaf.distinguished_name
        .push(DnType::CommonName, "localhost");
    leaf.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let cert = leaf
        .signed_by(&key, &ca_cert, &ca_key)
        .expect("server certificate");
    TestPki {
        ca_pem: ca_cert.pem(),
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
    }
}

/// Two distinct ports that were free a moment ago (Dovecot cannot report a port it chose).
fn free_ports() -> (u16, u16) {
    let a = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    let b = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    (
        a.local_addr().unwrap().port(),
        b.local_addr().unwrap().port(),
    )
}

fn write_file(path: &Path, contents: &str, mode: u32) {
    fs::write(path, contents).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).expect("chmod");
}

impl Dovecot {
    /// Starts Dovecot with TLS: STARTTLS on [`imap_port`](Self::imap_port), implicit TLS on
    /// [`imaps_port`](Self::imaps_port). Panics (with Dovecot's log) if it does not come up.
    pub fn start() -> Dovecot {
        Self::start_with(true)
    }

    /// Starts Dovecot with `ssl = no`: plaintext only, STARTTLS is refused, no imaps port.
    pub fn start_without_tls() -> Dovecot {
        Self::start_with(false)
    }

    fn start_with(tls: bool) -> Dovecot {
        let mut last_log = String::new();
        // A port picked as free can be taken before Dovecot binds it; try again with new ones.
        for _ in 0..5 {
            match Self::try_start(tls) {
                Ok(dovecot) => return dovecot,
                Err(log) if log.contains("Address already in use") => last_log = log,
                Err(log) => panic!("dovecot did not start:\n{log}"),
            }
        }
        panic!("dovecot did not start (ports kept being taken):\n{last_log}");
    }

    fn try_start(tls: bool) -> Result<Dovecot, String> {
        let accounts = Accounts::detect();
        let dir = tempfile::Builder::new()
            .prefix("dovecot-")
            .tempdir()
            .expect("create temp dir");
        let root = dir.path().to_path_buf();
        // Dovecot's unprivileged processes must reach the passwd file, certificates and mail.
        fs::set_permissions(&root, fs::Permissions::from_mode(0o755)).expect("chmod temp dir");
        let (imap_port, imaps_port) = free_ports();
        let pki = test_pki();

        fs::create_dir(root.join("tls")).unwrap();
        write_file(&root.join("tls/ca.pem"), &pki.ca_pem, 0o644);
        write_file(&root.join("tls/server.pem"), &pki.cert_pem, 0o644);
        write_file(&root.join("tls/server.key"), &pki.key_pem, 0o600);

        let home = root.join("home").join(USER);
        let maildir = root.join("mail").join(USER);
        for sub in ["cur", "new", "tmp"] {
            fs::create_dir_all(maildir.join(sub)).unwrap();
        }
        fs::create_dir_all(&home).unwrap();
        let root_run = unsafe { libc::geteuid() } == 0;
        let mail_owner = root_run.then_some((accounts.mail_uid, accounts.mail_gid));
        if let Some((uid, gid)) = mail_owner {
            for path in [
                home.clone(),
                maildir.clone(),
                maildir.join("cur"),
                maildir.join("new"),
                maildir.join("tmp"),
            ] {
                chown(&path, Some(uid), Some(gid)).expect("chown maildir");
            }
        }
        write_file(
            &root.join("passwd"),
            &format!(
                "{USER}:{{PLAIN}}{PASSWORD}:{}:{}::{}::\n",
                accounts.mail_uid,
                accounts.mail_gid,
                home.display()
            ),
            0o644,
        );

        let r = root.display();
        let ssl = if tls {
            format!(
                "ssl = yes\nssl_cert = <{r}/tls/server.pem\nssl_key = <{r}/tls/server.key\n\
                 ssl_min_protocol = TLSv1.2\n"
            )
        } else {
            "ssl = no\n".to_string()
        };
        let imaps_listener = if tls {
            format!(
                "  inet_listener imaps {{\n    address = 127.0.0.1\n    port = {imaps_port}\n    \
                 ssl = yes\n  }}\n"
            )
        } else {
            String::new()
        };
        let config = format!(
            "# Generated by pixelaudit-test-support's dovecot.rs\n\
             protocols = imap\n\
             listen = 127.0.0.1\n\
             base_dir = {r}/run\n\
             state_dir = {r}/state\n\
             instance_name = pixelaudit-test\n\
             log_path = {r}/dovecot.log\n\
             info_log_path = {r}/dovecot.log\n\
             default_internal_user = {internal}\n\
             default_internal_group = {internal_group}\n\
             default_login_user = {login}\n\
             first_valid_uid = 1\n\
             first_valid_gid = 1\n\
             mail_location = maildir:{r}/mail/%u\n\
             auth_mechanisms = plain login\n\
             auth_failure_delay = 0\n\
             passdb {{\n  driver = passwd-file\n  args = {r}/passwd\n}}\n\
             userdb {{\n  driver = passwd-file\n  args = {r}/passwd\n}}\n\
             {ssl}\
             service imap-login {{\n\
             \x20 chroot =\n\
             \x20 inet_listener imap {{\n    address = 127.0.0.1\n    port = {imap_port}\n  }}\n\
             {imaps_listener}\
             }}\n\
             service anvil {{\n  chroot =\n  unix_listener anvil-auth-penalty {{\n    mode = 0\n  }}\n}}\n",
            internal = accounts.internal_user,
            internal_group = accounts.internal_group,
            login = accounts.login_user,
        );
        write_file(&root.join("dovecot.conf"), &config, 0o644);

        let stderr = fs::File::create(root.join("dovecot.stderr")).unwrap();
        let child = Command::new(DOVECOT)
            .arg("-F")
            .arg("-c")
            .arg(root.join("dovecot.conf"))
            .stdin(Stdio::null())
            .stdout(stderr.try_clone().unwrap())
            .stderr(stderr)
            // Its own process group, so that every helper process can be found and stopped.
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {DOVECOT}: {e}"));
        let mut dovecot = Dovecot {
            child,
            dir,
            imap_port,
            imaps_port,
            ca_pem: pki.ca_pem,
            maildir,
            mail_owner,
            tls,
        };
        match dovecot.wait_ready() {
            Ok(()) => Ok(dovecot),
            Err(why) => Err(format!("{why}\n{}", dovecot.log())),
        }
    }

    /// Waits until the imap port greets with `* OK` (and the imaps port accepts connections).
    fn wait_ready(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + START_TIMEOUT;
        let greet = |port: u16| -> bool {
            let addr = SocketAddr::from(([127, 0, 0, 1], port));
            let Ok(stream) = TcpStream::connect_timeout(&addr, Duration::from_secs(1)) else {
                return false;
            };
            let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
            let mut line = String::new();
            BufReader::new(stream).read_line(&mut line).is_ok() && line.starts_with("* OK")
        };
        loop {
            if let Some(status) = self.child.try_wait().expect("poll dovecot") {
                return Err(format!("dovecot exited early with {status}"));
            }
            let tls_ready = !self.tls || TcpStream::connect(("127.0.0.1", self.imaps_port)).is_ok();
            if greet(self.imap_port) && tls_ready {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!("dovecot not ready after {START_TIMEOUT:?}"));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Delivers a message into the user's INBOX the Maildir way (write in `tmp/`, rename into
    /// `new/`); returns the file name.
    pub fn deliver(&self, raw: &[u8]) -> String {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
        let name = format!(
            "{}.M{}P{}Q{}.pixelaudit-test",
            now.as_secs(),
            now.subsec_micros(),
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let tmp = self.maildir.join("tmp").join(&name);
        fs::write(&tmp, raw).expect("write message");
        if let Some((uid, gid)) = self.mail_owner {
            chown(&tmp, Some(uid), Some(gid)).expect("chown message");
        }
        fs::rename(&tmp, self.maildir.join("new").join(&name)).expect("move message to new/");
        name
    }

    /// Maildir flags of every INBOX message: `(file name without flags, flags)`; a message still
    /// in `new/` has no flags.
    pub fn maildir_flags(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for sub in ["new", "cur"] {
            for entry in fs::read_dir(self.maildir.join(sub)).expect("read maildir") {
                let name = entry.unwrap().file_name().to_string_lossy().into_owned();
                let (base, flags) = match name.split_once(":2,") {
                    Some((base, flags)) => (base.to_string(), flags.to_string()),
                    None => (name.clone(), String::new()),
                };
                // Dovecot may add `,S=size` to the base name.
                let base = base.split(',').next().unwrap_or(&base).to_string();
                out.push((base, flags));
            }
        }
        out.sort();
        out
    }

    /// PEM of the CA that signed the server certificate (SANs localhost, 127.0.0.1, imap.test).
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// Port with plaintext IMAP and STARTTLS.
    pub fn imap_port(&self) -> u16 {
        self.imap_port
    }

    /// Port with implicit TLS (not listening after [`start_without_tls`](Self::start_without_tls)).
    pub fn imaps_port(&self) -> u16 {
        self.imaps_port
    }

    /// The test user's login name.
    pub fn user(&self) -> &str {
        USER
    }

    /// The test user's password.
    pub fn password(&self) -> &str {
        PASSWORD
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        let read = |name: &str| fs::read_to_string(self.dir.path().join(name)).unwrap_or_default();
        format!(
            "--- dovecot.log ---\n{}--- stderr ---\n{}",
            read("dovecot.log"),
            read("dovecot.stderr")
        )
    }

    /// Live (non-zombie) processes in Dovecot's process group.
    fn group_members(&self) -> Vec<u32> {
        let pgid = self.child.id();
        let Ok(entries) = fs::read_dir("/proc") else {
            return Vec::new();
        };
        entries
            .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
            .filter(|pid| {
                let Ok(stat) = fs::read_to_string(format!("/proc/{pid}/stat")) else {
                    return false;
                };
                // Fields after "(comm)": state ppid pgrp ...
                let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
                let fields: Vec<&str> = rest.split_whitespace().collect();
                fields.len() > 2 && fields[0] != "Z" && fields[2] == pgid.to_string()
            })
            .collect()
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("dovecot log of the failed test:\n{}", self.log());
        }
        let pid = self.child.id() as libc::pid_t;
        // SIGTERM to the whole group (the master leads it): the master alone takes about a second
        // to stop its helpers, signalling them all at once takes a few milliseconds.
        crate::process::terminate_group(&mut self.child, STOP_TIMEOUT);
        // Make sure no helper outlives the master (zombies waiting for init do not count).
        let deadline = Instant::now() + STOP_TIMEOUT;
        while !self.group_members().is_empty() {
            if Instant::now() > deadline {
                unsafe { libc::kill(-pid, libc::SIGKILL) };
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        // The TempDir field removes the files once this returns.
    }
}
