//! Parameters and evidence as printable fields (dotted keys, joined lists, small tables), shared
//! by the views that show hits and findings.

use serde::Serialize;
use serde_json::Value as Json;

/// A parameter or evidence entry ready to print. Objects are spread into dotted keys
/// (`consent.ad_storage`), lists of scalars joined, lists of flat objects (`items`, `requests`)
/// made into a small table; anything deeper is indented JSON.
#[derive(Serialize, Default)]
pub(super) struct Field {
    key: String,
    text: String,
    /// `text` is indented JSON.
    block: bool,
    table: Option<FieldTable>,
}

#[derive(Serialize)]
pub(super) struct FieldTable {
    columns: Vec<String>,
    rows: Vec<Vec<String>>,
}

pub(super) fn fields<'j>(entries: impl IntoIterator<Item = (&'j String, &'j Json)>) -> Vec<Field> {
    let mut out = Vec::new();
    for (key, value) in entries {
        push_field(&mut out, key.clone(), value);
    }
    out
}

pub(super) fn push_field(out: &mut Vec<Field>, key: String, value: &Json) {
    let field = match value {
        Json::Object(map) if !map.is_empty() => {
            for (k, v) in map {
                push_field(out, format!("{key}.{k}"), v);
            }
            return;
        }
        Json::Array(items) => match (scalars(items), field_table(items)) {
            (Some(text), _) => Field {
                text,
                ..Field::default()
            },
            (None, Some(table)) => Field {
                table: Some(table),
                ..Field::default()
            },
            (None, None) => Field {
                text: pretty(value),
                block: true,
                ..Field::default()
            },
        },
        other => Field {
            text: scalar(other).unwrap_or_default(),
            ..Field::default()
        },
    };
    out.push(Field { key, ..field });
}

/// A scalar as text (strings without quotes); `None` for lists and objects.
pub(super) fn scalar(value: &Json) -> Option<String> {
    match value {
        Json::String(s) => Some(s.clone()),
        Json::Null => Some("—".to_string()),
        Json::Array(_) | Json::Object(_) => None,
        other => Some(other.to_string()),
    }
}

/// A list of scalars, joined; `None` when an item is not a scalar.
pub(super) fn scalars(items: &[Json]) -> Option<String> {
    if items.is_empty() {
        return Some("(empty)".to_string());
    }
    let texts: Option<Vec<String>> = items.iter().map(scalar).collect();
    texts.map(|t| t.join(", "))
}

/// A list of flat objects as a table (columns in order of first appearance).
pub(super) fn field_table(items: &[Json]) -> Option<FieldTable> {
    let mut columns: Vec<String> = Vec::new();
    for item in items {
        for (key, value) in item.as_object()? {
            if scalar(value).is_none() && value.as_array().and_then(|a| scalars(a)).is_none() {
                return None;
            }
            if !columns.contains(key) {
                columns.push(key.clone());
            }
        }
    }
    let rows = items
        .iter()
        .map(|item| {
            columns
                .iter()
                .map(|c| match item.get(c) {
                    Some(Json::Array(a)) => scalars(a).unwrap_or_default(),
                    Some(v) => scalar(v).unwrap_or_default(),
                    None => String::new(),
                })
                .collect()
        })
        .collect();
    Some(FieldTable { columns, rows })
}

pub(super) fn pretty(value: &Json) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}
