//! Which messages were already audited: one small JSON state file per (host, user, folder)
//! with the folder's UIDVALIDITY and the last UID seen, written when the caller commits.

use std::path::{Path, PathBuf};
use std::{fs, io};

use serde::{Deserialize, Serialize};

use super::{ImapError, ImapSource};

/// A state file's contents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct State {
    host: String,
    user: String,
    folder: String,
    uidvalidity: u32,
    last_uid: u32,
}

/// What to remember once the fetched messages are safely audited.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use = "commit the checkpoint after the report is saved, or the same messages come again"]
pub struct Checkpoint {
    path: PathBuf,
    state: State,
}

impl Checkpoint {
    /// The checkpoint that marks every UID up to `last_uid` of `source`'s folder as seen.
    pub(super) fn new(
        path: PathBuf,
        source: &ImapSource,
        user: &str,
        uidvalidity: u32,
        last_uid: u32,
    ) -> Checkpoint {
        Checkpoint {
            path,
            state: State {
                host: source.host.clone(),
                user: user.to_string(),
                folder: source.folder.clone(),
                uidvalidity,
                last_uid,
            },
        }
    }

    /// The state file this checkpoint writes.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The mailbox's UIDVALIDITY.
    pub fn uidvalidity(&self) -> u32 {
        self.state.uidvalidity
    }

    /// The highest UID that counts as seen once committed.
    pub fn last_uid(&self) -> u32 {
        self.state.last_uid
    }

    /// Writes the state file atomically and durably (temporary file, fsync, rename, fsync).
    pub fn commit(self) -> io::Result<()> {
        let dir = self.path.parent().unwrap_or(Path::new("."));
        fs::create_dir_all(dir)?;
        let mut json = serde_json::to_vec_pretty(&self.state).map_err(io::Error::other)?;
        json.push(b'\n');
        crate::atomic_file::write(&self.path, json)
    }
}

/// The state file for one (host, user, folder) under `state_dir`.
pub(super) fn state_path(state_dir: &Path, host: &str, user: &str, folder: &str) -> PathBuf {
    fn clean(s: &str) -> String {
        s.chars()
            .map(|c| match c {
                'a'..='z' | 'A'..='Z' | '0'..='9' | '.' | '-' | '_' => c,
                _ => '_',
            })
            .take(40)
            .collect::<String>()
            .trim_start_matches('.')
            .to_string()
    }
    // FNV-1a: stable across Rust releases, unlike std's hasher; tells apart names that clean alike.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in [host, user, folder].join("\0").bytes() {
        hash = (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3);
    }
    state_dir.join(format!(
        "imap-{}-{}-{}-{:08x}.json",
        clean(host),
        clean(user),
        clean(folder),
        hash as u32
    ))
}

/// The saved state at `path`; none before the first commit.
pub(super) fn load_state(path: &Path) -> Result<Option<State>, ImapError> {
    let fail = |detail: String| ImapError::StateFile {
        path: path.to_path_buf(),
        detail,
    };
    match fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| fail(format!("not a valid state file ({e})"))),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(fail(e.to_string())),
    }
}

/// The last UID already seen in a folder whose UIDVALIDITY is `uidvalidity`, given the saved
/// state; when that is 0 because of a first run or a new UIDVALIDITY, the note says why.
pub(super) fn resume(
    previous: Option<State>,
    uidvalidity: u32,
    folder: &str,
    user: &str,
) -> (u32, Option<String>) {
    match previous {
        Some(state) if state.uidvalidity == uidvalidity => (state.last_uid, None),
        Some(state) => (
            0,
            Some(format!(
                "the UIDVALIDITY of {folder} changed from {} to {uidvalidity} (the folder was \
                 recreated or rebuilt), so every message counts as new",
                state.uidvalidity
            )),
        ),
        None => (
            0,
            Some(format!(
                "first audit of {folder} for {user}: every message counts as new"
            )),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_file_names_are_sanitised_and_distinct() {
        let dir = Path::new("/state");
        let a = state_path(dir, "mail.example.com", "qa@shop", "INBOX/../x");
        let name = a.file_name().unwrap().to_str().unwrap();
        assert!(
            name.starts_with("imap-mail.example.com-qa_shop-INBOX_.._x-"),
            "{name}"
        );
        assert!(name.ends_with(".json"));
        assert_eq!(a.parent(), Some(dir));
        assert_ne!(
            a,
            state_path(dir, "mail.example.com", "qa_shop", "INBOX/../x")
        );
    }
}
