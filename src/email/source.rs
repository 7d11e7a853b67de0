//! Where test emails come from: `.eml` files, folders of them, Maildir folders, IMAP.

use std::path::{Path, PathBuf};

/// One raw message and where it came from.
#[derive(Debug, Clone)]
pub struct RawEmail {
    /// A label for reports: the file path, or `imaps://host/FOLDER;UID=n`.
    pub label: String,
    /// The RFC 5322 bytes.
    pub bytes: Vec<u8>,
}

/// An email source as given on the command line or in `[email] sources`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EmailSource {
    /// A file, a folder of `.eml` files, or a Maildir.
    Path(PathBuf),
    /// An `imap://` or `imaps://` mailbox URL.
    Imap(String),
}

impl EmailSource {
    /// Reads a source argument: URLs with an `imap(s)://` scheme, anything else is a path.
    pub fn parse(text: &str) -> EmailSource {
        if text.starts_with("imap://") || text.starts_with("imaps://") {
            EmailSource::Imap(text.to_string())
        } else {
            EmailSource::Path(PathBuf::from(text))
        }
    }
}

/// Reads every message under `path`: one `.eml` file; a Maildir (`new/` and `cur/`); or a
/// folder's `*.eml` files, in name order.
pub fn read_path(path: &Path) -> Result<Vec<RawEmail>, String> {
    let metadata = std::fs::metadata(path)
        .map_err(|e| format!("cannot read email source {}: {e}", path.display()))?;
    if metadata.is_file() {
        return Ok(vec![read_file(path)?]);
    }
    let files = if path.join("cur").is_dir() || path.join("new").is_dir() {
        let mut files = list(&path.join("new"), |_| true)?;
        files.extend(list(&path.join("cur"), |_| true)?);
        files
    } else {
        list(path, |p| {
            p.extension().is_some_and(|e| e.eq_ignore_ascii_case("eml"))
        })?
    };
    if files.is_empty() {
        return Err(format!(
            "{} holds no email: expected .eml files or a Maildir (cur/, new/)",
            path.display()
        ));
    }
    files.iter().map(|f| read_file(f)).collect()
}

fn read_file(path: &Path) -> Result<RawEmail, String> {
    let bytes =
        std::fs::read(path).map_err(|e| format!("cannot read email {}: {e}", path.display()))?;
    Ok(RawEmail {
        label: path.display().to_string(),
        bytes,
    })
}

/// The regular files of `dir` that `keep` accepts, sorted by name (a missing folder is empty).
fn list(dir: &Path, keep: impl Fn(&Path) -> bool) -> Result<Vec<PathBuf>, String> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(format!("cannot list {}: {e}", dir.display())),
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|p| p.is_file() && keep(p))
        .collect();
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_eml_folders_in_name_order_and_maildirs_new_then_cur() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("b.eml"), "Subject: b\r\n\r\nb").unwrap();
        std::fs::write(dir.path().join("a.EML"), "Subject: a\r\n\r\na").unwrap();
        std::fs::write(dir.path().join("notes.txt"), "not an email").unwrap();
        let emails = read_path(dir.path()).unwrap();
        let labels: Vec<_> = emails
            .iter()
            .map(|e| e.label.rsplit('/').next().unwrap())
            .collect();
        assert_eq!(labels, ["a.EML", "b.eml"]);

        let maildir = tempfile::tempdir().unwrap();
        for sub in ["new", "cur", "tmp"] {
            std::fs::create_dir(maildir.path().join(sub)).unwrap();
        }
        std::fs::write(
            maildir.path().join("cur/1.host:2,S"),
            "Subject: old\r\n\r\n",
        )
        .unwrap();
        std::fs::write(maildir.path().join("new/2.host"), "Subject: new\r\n\r\n").unwrap();
        std::fs::write(maildir.path().join("tmp/3.host"), "half written").unwrap();
        let emails = read_path(maildir.path()).unwrap();
        assert_eq!(emails.len(), 2);
        assert!(emails[0].label.ends_with("new/2.host"));
    }

    #[test]
    fn an_empty_folder_or_missing_path_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let error = read_path(dir.path()).unwrap_err();
        assert!(error.contains("holds no email"), "{error}");
        let error = read_path(&dir.path().join("missing")).unwrap_err();
        assert!(error.contains("missing"), "{error}");
    }

    #[test]
    fn imap_urls_are_told_from_paths() {
        assert_eq!(
            EmailSource::parse("imaps://seed@imap.test/INBOX"),
            EmailSource::Imap("imaps://seed@imap.test/INBOX".into())
        );
        assert_eq!(
            EmailSource::parse("emails/"),
            EmailSource::Path("emails/".into())
        );
    }
}
