//! Path globs for include/exclude filters and user page types: `*` within a segment, `**` across.

use std::fmt;

use regex::Regex;

/// A glob could not be compiled (only absurdly long patterns fail).
#[derive(Debug, thiserror::Error)]
#[error("invalid path glob {pattern:?}: {source}")]
pub struct GlobError {
    pattern: String,
    #[source]
    source: regex::Error,
}

/// A glob matched against a whole URL path (no query): `*` matches any run of characters
/// within one segment, `**` any run across segments, and a trailing `/**` also matches the
/// folder itself (`/blogs/**` matches `/blogs`, `/blogs/news` and `/blogs/news/a-post`). Other
/// characters are literal and case-sensitive. A pattern not starting with `/` or `*` gets a
/// leading `/` (`products/*` is `/products/*`).
#[derive(Debug, Clone)]
pub struct PathGlob {
    pattern: String,
    regex: Regex,
}

impl PathGlob {
    /// Compiles `pattern`.
    pub fn new(pattern: &str) -> Result<PathGlob, GlobError> {
        let mut normalised = pattern.trim().to_string();
        if !normalised.starts_with('/') && !normalised.starts_with('*') {
            normalised.insert(0, '/');
        }
        let (body, folder) = match normalised.strip_suffix("/**") {
            Some(body) => (body, true),
            None => (normalised.as_str(), false),
        };
        let mut regex = format!("^{}", translate(body));
        if folder {
            regex.push_str("(?:/.*)?");
        }
        regex.push('$');
        let regex = Regex::new(&regex).map_err(|source| GlobError {
            pattern: pattern.to_string(),
            source,
        })?;
        Ok(PathGlob {
            pattern: pattern.to_string(),
            regex,
        })
    }

    /// Whether the glob matches `path` (anything from a `?` on is ignored).
    pub fn matches(&self, path: &str) -> bool {
        let path = path.split_once('?').map_or(path, |(path, _)| path);
        self.regex.is_match(path)
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.pattern
    }
}

/// A glob's regex body: `**` → `.*`, `*` → `[^/]*`, everything else literal (unanchored).
/// Site config `[[templates]] match` patterns use the same translation.
pub fn translate(glob: &str) -> String {
    let mut regex = String::new();
    let mut rest = glob;
    while let Some(c) = rest.chars().next() {
        if let Some(after) = rest.strip_prefix("**") {
            regex.push_str(".*");
            rest = after;
        } else if c == '*' {
            regex.push_str("[^/]*");
            rest = &rest[1..];
        } else {
            regex.push_str(&regex::escape(&c.to_string()));
            rest = &rest[c.len_utf8()..];
        }
    }
    regex
}

impl fmt::Display for PathGlob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.pattern)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn glob(pattern: &str) -> PathGlob {
        PathGlob::new(pattern).unwrap()
    }

    #[test]
    fn star_stays_within_a_segment() {
        let g = glob("/products/*");
        assert!(g.matches("/products/shirt"));
        assert!(g.matches("/products/"));
        assert!(!g.matches("/products/shirt/extra"));
        assert!(!g.matches("/collections/x/products/shirt"));
        assert!(glob("/products/gift-*").matches("/products/gift-card-10"));
        assert!(!glob("/products/gift-*").matches("/products/shirt"));
    }

    #[test]
    fn double_star_crosses_segments() {
        let g = glob("/blogs/**");
        assert!(g.matches("/blogs"));
        assert!(g.matches("/blogs/news"));
        assert!(g.matches("/blogs/news/post-1"));
        assert!(!g.matches("/blogsx"));
        let g = glob("**/products/*");
        assert!(g.matches("/products/a"));
        assert!(g.matches("/fr/products/a"));
        assert!(g.matches("/collections/c/products/a"));
        assert!(!g.matches("/products/a/b"));
    }

    #[test]
    fn literal_characters_and_query() {
        let g = glob("products/a.b+c");
        assert_eq!(g.as_str(), "products/a.b+c");
        assert!(g.matches("/products/a.b+c"));
        assert!(g.matches("/products/a.b+c?variant=1"));
        assert!(!g.matches("/products/aXb+c"));
        assert!(glob("/").matches("/"));
        assert!(!glob("/").matches("/x"));
    }
}
