//! Helpers shared by the decoders: query strings, form and JSON bodies, value coercion.

use std::collections::BTreeMap;

use serde_json::Value;
use url::Url;

use crate::request::CapturedRequest;

/// The request URL, parsed; `None` for URLs that do not parse.
pub(crate) fn parse_url(request: &CapturedRequest) -> Option<Url> {
    Url::parse(&request.url).ok()
}

/// Host of a URL without a leading `www.`.
pub(crate) fn host(url: &Url) -> &str {
    url.host_str().unwrap_or("")
}

/// True when `host` equals `domain` or is a subdomain of it.
pub(crate) fn host_is(host: &str, domain: &str) -> bool {
    host == domain
        || (host.len() > domain.len()
            && host.ends_with(domain)
            && host.as_bytes()[host.len() - domain.len() - 1] == b'.')
}

/// Query string pairs, later keys overriding earlier ones.
pub(crate) fn query_map(url: &Url) -> BTreeMap<String, String> {
    url.query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// Parses an `application/x-www-form-urlencoded` body.
pub(crate) fn form_map(body: &str) -> BTreeMap<String, String> {
    url::form_urlencoded::parse(body.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// Query string merged with a form-encoded body (body wins), as Meta and Snap send them.
pub(crate) fn query_and_form(url: &Url, request: &CapturedRequest) -> BTreeMap<String, String> {
    let mut map = query_map(url);
    if let Some(body) = request.body.as_deref() {
        if !body.trim_start().starts_with('{') {
            map.extend(form_map(body));
        }
    }
    map
}

/// Parses a JSON body (sent as `application/json` or `text/plain`).
pub(crate) fn json_body(request: &CapturedRequest) -> Option<Value> {
    serde_json::from_str(request.body.as_deref()?.trim()).ok()
}

/// A wire value as a JSON value: numbers stay numbers when the whole string is numeric,
/// everything else stays the string as sent (so `"$10"` can be reported as the wrong type).
pub(crate) fn number_or_string(raw: &str) -> Value {
    let trimmed = raw.trim();
    if !trimmed.is_empty() {
        if let Ok(n) = trimmed.parse::<f64>() {
            if n.is_finite() {
                if let Some(number) = serde_json::Number::from_f64(n) {
                    return Value::Number(number);
                }
            }
        }
    }
    Value::String(raw.to_string())
}

/// A JSON-encoded wire value (`["a","b"]`) parsed when it is valid JSON, else the string.
pub(crate) fn json_or_string(raw: &str) -> Value {
    serde_json::from_str(raw).unwrap_or_else(|_| Value::String(raw.to_string()))
}

/// A string map as raw JSON values.
pub(crate) fn raw_strings(map: &BTreeMap<String, String>) -> BTreeMap<String, Value> {
    map.iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect()
}

/// Flattens a JSON object into `a.b.c` keys (arrays are kept whole), for `Hit::raw`.
pub(crate) fn flatten_json(value: &Value) -> BTreeMap<String, Value> {
    fn walk(prefix: &str, value: &Value, out: &mut BTreeMap<String, Value>) {
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    let key = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    walk(&key, v, out);
                }
            }
            other => {
                out.insert(prefix.to_string(), other.clone());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk("", value, &mut out);
    out
}

/// A non-empty string value from a map.
pub(crate) fn non_empty(map: &BTreeMap<String, String>, key: &str) -> Option<String> {
    map.get(key).filter(|v| !v.is_empty()).cloned()
}

/// A JSON value at a dotted path (`context.pixel.code`).
pub(crate) fn at<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(value, |v, key| v.get(key))
}

/// A JSON value at a dotted path as a string, when it is a non-empty string or a number.
pub(crate) fn str_at(value: &Value, path: &str) -> Option<String> {
    match at(value, path)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_coerced_only_when_whole_string_is_numeric() {
        assert_eq!(number_or_string("12.5"), serde_json::json!(12.5));
        assert_eq!(number_or_string("$10"), serde_json::json!("$10"));
        assert_eq!(number_or_string(""), serde_json::json!(""));
        assert_eq!(number_or_string("NaN"), serde_json::json!("NaN"));
    }

    #[test]
    fn host_matching_respects_label_boundaries() {
        assert!(host_is("www.facebook.com", "facebook.com"));
        assert!(host_is("facebook.com", "facebook.com"));
        assert!(!host_is("notfacebook.com", "facebook.com"));
    }

    #[test]
    fn flatten_keeps_arrays_whole() {
        let v = serde_json::json!({"a": {"b": 1, "c": [1, 2]}});
        let flat = flatten_json(&v);
        assert_eq!(flat["a.b"], serde_json::json!(1));
        assert_eq!(flat["a.c"], serde_json::json!([1, 2]));
    }
}
