//! Stopping a test server that leads a process group of its own (Dovecot, Selenium Grid).

use std::process::Child;
use std::time::{Duration, Instant};

/// SIGTERM to `child`'s whole process group, then SIGKILL to it if `child` has not exited
/// within `grace`; returns once `child` is reaped.
pub fn terminate_group(child: &mut Child, grace: Duration) {
    let pid = child.id() as libc::pid_t;
    // SAFETY: signals only the process group the harness started.
    unsafe { libc::kill(-pid, libc::SIGTERM) };
    let deadline = Instant::now() + grace;
    loop {
        match child.try_wait() {
            Ok(Some(_)) | Err(_) => return,
            Ok(None) if Instant::now() > deadline => {
                // SAFETY: as above.
                unsafe { libc::kill(-pid, libc::SIGKILL) };
                let _ = child.wait();
                return;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
        }
    }
}
