//! The file a config was read from: its path and folder, its text with `${VAR}` expanded, and
//! the way back from a position in the expanded text to the file, so that every error points
//! at file:line:col.
//!
//! `${VAR}` is expanded in string values only (never in keys or comments), on the parsed
//! document: each string that changes is written back into the text as a new TOML string
//! (quoted and escaped, so a variable's value can neither end the string nor add a key), and
//! the edit is remembered. The TOML deserializer then reads the expanded text; a position
//! after an edit moves back by the edit's change in length, and a position inside an expanded
//! string becomes that string as written. Errors of the expansion itself point at the
//! `${VAR}` in the file.

use std::borrow::Cow;
use std::ops::Range;
use std::path::{Path, PathBuf};

use super::ConfigError;

/// A config's file and text.
pub(crate) struct Source<'a> {
    path: &'a Path,
    text: &'a str,
    expanded: Cow<'a, str>,
    edits: Vec<Edit>,
    /// Strings whose expansion failed (in the file): their other errors would only repeat it.
    failed: Vec<Range<usize>>,
}

/// One string replaced by its expansion.
struct Edit {
    expanded: Range<usize>,
    original: Range<usize>,
}

/// Reads an environment variable (`None` when unset).
pub(crate) type Env<'e> = &'e dyn Fn(&str) -> Option<String>;

impl<'a> Source<'a> {
    /// The config at `path` with this text, read as written.
    pub(crate) fn new(path: &'a Path, text: &'a str) -> Self {
        Source {
            path,
            text,
            expanded: Cow::Borrowed(text),
            edits: Vec::new(),
            failed: Vec::new(),
        }
    }

    /// The config at `path` with `${VAR}` expanded from `env` in its string values, and the
    /// errors of the expansion (unset variables, bad references), each at its `${…}`.
    pub(crate) fn expand(path: &'a Path, text: &'a str, env: Env) -> (Self, Vec<ConfigError>) {
        let mut source = Source::new(path, text);
        // A syntax error is reported by the deserializer, at its position.
        let Ok(document) = toml_edit::ImDocument::parse(text) else {
            return (source, Vec::new());
        };
        let mut strings = Vec::new();
        strings_of_item(document.as_item(), &mut strings);
        strings.sort_by_key(|(span, _)| span.start);
        let mut errors = Vec::new();
        let mut expanded = String::new();
        let mut copied = 0;
        for (span, value) in strings {
            if !value.contains('$') {
                continue;
            }
            match expand_value(&value, &text[span.clone()], span.start, env) {
                Err(failures) => {
                    errors.extend(
                        failures
                            .into_iter()
                            .map(|(at, message)| ConfigError::at(path, text, Some(at), message)),
                    );
                    source.failed.push(span);
                }
                Ok(new) if new == value => {}
                Ok(new) => {
                    expanded.push_str(&text[copied..span.start]);
                    let start = expanded.len();
                    expanded.push_str(&toml_string(&new));
                    source.edits.push(Edit {
                        expanded: start..expanded.len(),
                        original: span.clone(),
                    });
                    copied = span.end;
                }
            }
        }
        if !source.edits.is_empty() {
            expanded.push_str(&text[copied..]);
            source.expanded = Cow::Owned(expanded);
        }
        (source, errors)
    }

    /// The file.
    pub(crate) fn path(&self) -> &'a Path {
        self.path
    }

    /// The text the TOML deserializer reads (with `${VAR}` expanded).
    pub(crate) fn toml(&self) -> &str {
        &self.expanded
    }

    /// An error at `span` of [`Source::toml`], placed in the file.
    pub(crate) fn error(
        &self,
        span: Option<Range<usize>>,
        message: impl Into<String>,
    ) -> ConfigError {
        let span = span.map(|s| self.position(s.start, false)..self.position(s.end, true));
        ConfigError::at(self.path, self.text, span, message)
    }

    /// True when `error` is inside a string whose expansion failed.
    pub(crate) fn in_failed_string(&self, error: &ConfigError) -> bool {
        error
            .start()
            .is_some_and(|start| self.failed.iter().any(|span| span.contains(&start)))
    }

    /// A path from the config: relative ones are relative to the config's folder.
    pub(crate) fn file(&self, path: impl AsRef<Path>) -> PathBuf {
        let path = path.as_ref();
        if path.is_absolute() {
            return path.to_path_buf();
        }
        self.path.parent().unwrap_or(Path::new("")).join(path)
    }

    /// The offset in the file of `pos` in the expanded text.
    fn position(&self, pos: usize, is_end: bool) -> usize {
        let (mut expanded, mut original) = (0, 0);
        for edit in &self.edits {
            if pos < edit.expanded.start || (is_end && pos == edit.expanded.start) {
                break;
            }
            if pos < edit.expanded.end || (is_end && pos == edit.expanded.end) {
                return if is_end {
                    edit.original.end
                } else {
                    edit.original.start
                };
            }
            (expanded, original) = (edit.expanded.end, edit.original.end);
        }
        pos - expanded + original
    }
}

/// Every string value under `item`, with its span in the file.
fn strings_of_item(item: &toml_edit::Item, out: &mut Vec<(Range<usize>, String)>) {
    match item {
        toml_edit::Item::Value(value) => strings_of_value(value, out),
        toml_edit::Item::Table(table) => {
            for (_, item) in table.iter() {
                strings_of_item(item, out);
            }
        }
        toml_edit::Item::ArrayOfTables(tables) => {
            for table in tables.iter() {
                for (_, item) in table.iter() {
                    strings_of_item(item, out);
                }
            }
        }
        toml_edit::Item::None => {}
    }
}

fn strings_of_value(value: &toml_edit::Value, out: &mut Vec<(Range<usize>, String)>) {
    match value {
        toml_edit::Value::String(s) => {
            if let Some(span) = s.span() {
                out.push((span, s.value().clone()));
            }
        }
        toml_edit::Value::Array(array) => {
            for value in array.iter() {
                strings_of_value(value, out);
            }
        }
        toml_edit::Value::InlineTable(table) => {
            for (_, value) in table.iter() {
                strings_of_value(value, out);
            }
        }
        _ => {}
    }
}

/// Variables whose names say they hold a secret: the config never reads them (SMTP and IMAP
/// credentials come from their own variables, read where they are used).
const SECRET_WORDS: &[&str] = &["PASSWORD", "SECRET", "TOKEN"];

/// `value` (a string as decoded; `raw` as written in the file, at `raw_start`) with `${VAR}`
/// replaced and `$${` turned into `${`; or every bad reference with its span in the file.
fn expand_value(
    value: &str,
    raw: &str,
    raw_start: usize,
    env: Env,
) -> Result<String, Vec<(Range<usize>, String)>> {
    let mut out = String::with_capacity(value.len());
    let mut errors = Vec::new();
    let mut cursor = 0;
    // The next `token` in the file's text of the string (the whole string when escapes
    // hide it).
    let mut locate = |token: &str| match raw[cursor..].find(token) {
        Some(i) => {
            let start = cursor + i;
            cursor = start + token.len();
            raw_start + start..raw_start + cursor
        }
        None => raw_start..raw_start + raw.len(),
    };
    let mut rest = value;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        if let Some(after) = rest.strip_prefix("$${") {
            locate("$${");
            out.push_str("${");
            rest = after;
            continue;
        }
        let Some(after) = rest.strip_prefix("${") else {
            out.push('$');
            rest = &rest[1..];
            continue;
        };
        let Some(end) = after.find('}') else {
            errors.push((
                locate("${"),
                "`${` without a closing `}`: write `${NAME}` for a variable, `$${` for a literal `${`"
                    .to_string(),
            ));
            rest = "";
            break;
        };
        let name = &after[..end];
        let span = locate(&rest[..end + 3]);
        rest = &after[end + 1..];
        let valid = name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            errors.push((
                span,
                format!("`${{{name}}}` is not a variable name (letters, digits and `_`); write `$${{` for a literal `${{`"),
            ));
        } else if SECRET_WORDS
            .iter()
            .any(|word| name.to_ascii_uppercase().contains(word))
        {
            errors.push((
                span,
                format!("`{name}` looks like a secret and is not read into the config: SMTP and IMAP credentials come only from PIXELAUDIT_SMTP_USERNAME / PIXELAUDIT_SMTP_PASSWORD and PIXELAUDIT_IMAP_USERNAME / PIXELAUDIT_IMAP_PASSWORD"),
            ));
        } else {
            match env(name) {
                Some(value) => out.push_str(&value),
                None => errors.push((
                    span,
                    format!("environment variable `{name}` is not set (write `$${{` for a literal `${{`)"),
                )),
            }
        }
    }
    out.push_str(rest);
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// `value` as a TOML basic string.
fn toml_string(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
