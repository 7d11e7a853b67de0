//! Which site configs the scheduler watches: the files given, and every `*.toml` directly
//! inside the folders given, found again on every reload so that new files are picked up and
//! removed ones dropped.

use std::path::PathBuf;

/// The config files under `paths` (sorted, without duplicates), and what could not be read.
pub fn discover(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<String>) {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    for path in paths {
        if path.is_dir() {
            match std::fs::read_dir(path) {
                Ok(entries) => files.extend(
                    entries
                        .filter_map(|e| e.ok())
                        .map(|e| e.path())
                        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "toml")),
                ),
                Err(error) => problems.push(format!("cannot list {}: {error}", path.display())),
            }
        } else if path.is_file() {
            files.push(path.clone());
        } else {
            problems.push(format!(
                "{} does not exist (give site config files or folders of them)",
                path.display()
            ));
        }
    }
    files.sort();
    files.dedup();
    (files, problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_give_their_toml_files_and_missing_paths_are_reported() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("b.toml"), "").unwrap();
        std::fs::write(dir.path().join("a.toml"), "").unwrap();
        std::fs::write(dir.path().join("notes.txt"), "").unwrap();
        let missing = dir.path().join("nope");
        let (files, problems) = discover(&[
            dir.path().to_path_buf(),
            dir.path().join("a.toml"),
            missing.clone(),
        ]);
        assert_eq!(
            files,
            [dir.path().join("a.toml"), dir.path().join("b.toml")]
        );
        assert_eq!(problems.len(), 1);
        assert!(problems[0].contains("does not exist"), "{problems:?}");
    }
}
