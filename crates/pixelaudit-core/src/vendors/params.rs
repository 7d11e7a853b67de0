//! Helpers shared by the decoders: query strings, form and JSON bodies, value coercion.

use std::collections::BTreeMap;

use serde_json::{json, Value};
use url::Url;

use crate::model::CapturedRequest;

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

/// The text fields of a `multipart/form-data` body (a `FormData` sent by fetch or sendBeacon),
/// by field name; `None` when the body is not multipart. The boundary comes from the captured
/// `Content-Type` when there is one, else from the body's first line (`--<boundary>`).
pub(crate) fn multipart_fields(request: &CapturedRequest) -> Option<BTreeMap<String, String>> {
    let body = request.body.as_deref()?;
    let declared = request
        .content_type
        .as_deref()
        .filter(|t| {
            t.trim_start()
                .to_ascii_lowercase()
                .starts_with("multipart/form-data")
        })
        .and_then(|t| {
            t.split(';').find_map(|p| {
                let (key, value) = p.split_once('=')?;
                key.trim()
                    .eq_ignore_ascii_case("boundary")
                    .then(|| value.trim().trim_matches('"').to_string())
            })
        });
    let boundary = match declared {
        Some(boundary) => boundary,
        None => body
            .lines()
            .next()?
            .trim_end()
            .strip_prefix("--")?
            .to_string(),
    };
    if boundary.is_empty() || boundary.contains(char::is_whitespace) {
        return None;
    }
    let delimiter = format!("--{boundary}");
    let mut fields = BTreeMap::new();
    for part in body.split(delimiter.as_str()).skip(1) {
        if part.starts_with("--") {
            break; // the closing delimiter
        }
        let part = part
            .strip_prefix("\r\n")
            .or_else(|| part.strip_prefix('\n'))
            .unwrap_or(part);
        let Some((headers, content)) = part
            .split_once("\r\n\r\n")
            .or_else(|| part.split_once("\n\n"))
        else {
            continue;
        };
        let name = headers.lines().find_map(|line| {
            let (header, value) = line.split_once(':')?;
            if !header.trim().eq_ignore_ascii_case("content-disposition") {
                return None;
            }
            value.split(';').find_map(|p| {
                let value = p.trim().strip_prefix("name=")?;
                Some(value.trim_matches('"').to_string())
            })
        });
        if let Some(name) = name {
            let content = content
                .strip_suffix("\r\n")
                .or_else(|| content.strip_suffix('\n'))
                .unwrap_or(content);
            fields.insert(name, content.to_string());
        }
    }
    Some(fields)
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

/// True for a hex SHA-256 digest (64 hex digits, either case), as vendors send hashed values.
pub(crate) fn is_sha256_hex(value: &str) -> bool {
    value.len() == 64 && value.bytes().all(|b| b.is_ascii_hexdigit())
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

/// A list sent either as a JSON array or as a comma / semicolon separated string, as a JSON
/// array (`["a","b"]`, `a,b`, `a;b` all become `["a","b"]`).
pub(crate) fn list_value(raw: &str) -> Value {
    let trimmed = raw.trim();
    if trimmed.starts_with('[') {
        if let Ok(value @ Value::Array(_)) = serde_json::from_str::<Value>(trimmed) {
            return value;
        }
    }
    Value::Array(
        trimmed
            .split([',', ';'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| Value::String(s.to_string()))
            .collect(),
    )
}

/// The `key` field of every object in `items`, as strings (numbers are written out), for the
/// `content_ids` derived from a vendor's item list. `None` when no item carries the key.
pub(crate) fn ids_from(items: &Value, key: &str) -> Option<Value> {
    let ids: Vec<Value> = items
        .as_array()?
        .iter()
        .filter_map(|item| str_at(item, key))
        .map(Value::String)
        .collect();
    (!ids.is_empty()).then_some(Value::Array(ids))
}

/// The listed keys of a wire map that are present, as a consent object (`None` when none is).
pub(crate) fn consent_from(map: &BTreeMap<String, String>, keys: &[&str]) -> Option<Value> {
    let consent: serde_json::Map<String, Value> = keys
        .iter()
        .filter_map(|k| {
            map.get(*k)
                .map(|v| (k.to_string(), Value::String(v.clone())))
        })
        .collect();
    (!consent.is_empty()).then_some(Value::Object(consent))
}

/// Google consent signals (`gcs`, `gcd`, `dma`, `dma_cps`, `npa`) as a consent object, with the
/// per-purpose states decoded (`ad_storage`, `analytics_storage`, `ad_user_data`,
/// `ad_personalization`: `granted`, `denied` or `not_set`). `gcd` gives all four (update state
/// when set, else default); `gcs`, the state in force when the hit was sent, wins for the two
/// storage purposes. See the wire-format reference, appendix A.
pub(crate) fn google_consent(map: &BTreeMap<String, String>) -> Option<Value> {
    let Some(Value::Object(mut consent)) =
        consent_from(map, &["gcs", "gcd", "dma", "dma_cps", "npa"])
    else {
        return None;
    };
    if let Some(gcd) = map.get("gcd") {
        let purposes = [
            "ad_storage",
            "analytics_storage",
            "ad_user_data",
            "ad_personalization",
        ];
        // `1`, then one two-character pair per purpose; the pair's second letter is the state.
        let letters = gcd.chars().skip(2).step_by(2);
        for (purpose, letter) in purposes.into_iter().zip(letters) {
            if let Some(state) = gcd_state(letter) {
                consent.insert(purpose.to_string(), json!(state));
            }
        }
    }
    if let Some(gcs) = map.get("gcs").and_then(|gcs| gcs.strip_prefix("G1")) {
        let purposes = ["ad_storage", "analytics_storage"];
        for (purpose, bit) in purposes.into_iter().zip(gcs.chars()) {
            let state = match bit {
                '1' => "granted",
                '0' => "denied",
                _ => continue,
            };
            consent.insert(purpose.to_string(), json!(state));
        }
    }
    Some(Value::Object(consent))
}

/// The state a `gcd` letter encodes: its index in `0-9a-zA-Z-_` holds the default in bits 2–3
/// and the update in bits 0–1 (1 not set, 2 denied, 3 granted); the update wins when set.
fn gcd_state(letter: char) -> Option<&'static str> {
    const ALPHABET: &str = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_";
    let index = ALPHABET.find(letter)?;
    let name = |bits: usize| match bits {
        2 => Some("denied"),
        3 => Some("granted"),
        _ => None,
    };
    name(index & 3)
        .or_else(|| name((index >> 2) & 3))
        .or(Some("not_set"))
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
    #[test]
    fn lists_come_as_json_or_separated_strings() {
        assert_eq!(list_value(r#"["a","b"]"#), serde_json::json!(["a", "b"]));
        assert_eq!(list_value("a, b;c"), serde_json::json!(["a", "b", "c"]));
        assert_eq!(list_value(""), serde_json::json!([]));
        assert_eq!(list_value("[broken"), serde_json::json!(["[broken"]));
    }

    #[test]
    fn multipart_fields_by_name() {
        let body = "------WebKitFormBoundaryq3Xw7GZpL0eYb2Ha\r\nContent-Disposition: form-data; name=\"data\"\r\n\r\neyJhIjoxfQ==\r\n------WebKitFormBoundaryq3Xw7GZpL0eYb2Ha\r\ncontent-disposition: form-data; name=\"blob\"; filename=\"blob\"\r\nContent-Type: application/json\r\n\r\n{\"b\":\"x\\r\\ny\"}\r\n------WebKitFormBoundaryq3Xw7GZpL0eYb2Ha--\r\n";
        let mut request = CapturedRequest::new("POST", "https://a.test/", Some(body));
        let inferred = multipart_fields(&request).unwrap();
        assert_eq!(inferred["data"], "eyJhIjoxfQ==");
        assert_eq!(inferred["blob"], r#"{"b":"x\r\ny"}"#);
        request.content_type =
            Some("multipart/form-data; boundary=\"----WebKitFormBoundaryq3Xw7GZpL0eYb2Ha\"".into());
        assert_eq!(multipart_fields(&request), Some(inferred));
        // A declared boundary that is not the body's finds no fields.
        request.content_type = Some("multipart/form-data; boundary=other".into());
        assert_eq!(multipart_fields(&request), Some(BTreeMap::new()));
        for body in ["data=eyJhIjoxfQ%3D%3D", "{\"a\":1}", "--", "-- x\r\n", ""] {
            let request = CapturedRequest::new("POST", "https://a.test/", Some(body));
            assert_eq!(multipart_fields(&request), None, "{body}");
        }
    }

    #[test]
    fn ids_are_taken_from_items_as_strings() {
        let items = serde_json::json!([{"id": "A"}, {"id": 7}, {"name": "no id"}]);
        assert_eq!(ids_from(&items, "id"), Some(serde_json::json!(["A", "7"])));
        assert_eq!(ids_from(&serde_json::json!([{}]), "id"), None);
        assert_eq!(ids_from(&serde_json::json!("x"), "id"), None);
    }

    #[test]
    fn google_consent_decodes_gcs_and_gcd() {
        let map: BTreeMap<String, String> =
            [("gcs", "G101"), ("gcd", "13r3r3p2t5l1"), ("npa", "0")]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
        let consent = google_consent(&map).unwrap();
        assert_eq!(consent["gcs"], serde_json::json!("G101"));
        assert_eq!(consent["npa"], serde_json::json!("0"));
        assert_eq!(
            consent["ad_storage"],
            serde_json::json!("denied"),
            "gcs wins over gcd"
        );
        assert_eq!(consent["analytics_storage"], serde_json::json!("granted"));
        assert_eq!(consent["ad_user_data"], serde_json::json!("denied"));
        assert_eq!(consent["ad_personalization"], serde_json::json!("granted"));
        let unset: BTreeMap<String, String> =
            [("gcd".to_string(), "13l3l3l3l1l1".to_string())].into();
        assert_eq!(
            google_consent(&unset).unwrap()["ad_user_data"],
            serde_json::json!("not_set")
        );
        assert_eq!(google_consent(&BTreeMap::new()), None);
    }

    #[test]
    fn gcd_letters_follow_the_appendix_table() {
        let table = [
            ('l', "not_set"),
            ('p', "denied"),
            ('q', "denied"),
            ('t', "granted"),
            ('r', "granted"),
            ('m', "denied"),
            ('n', "granted"),
            ('u', "denied"),
            ('v', "granted"),
        ];
        for (letter, state) in table {
            assert_eq!(gcd_state(letter), Some(state), "{letter}");
        }
        assert_eq!(gcd_state('*'), None);
    }
}
