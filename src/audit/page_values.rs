//! Reads the values `from_page` rules compare against: JSON-LD paths, `<meta>` tags, and
//! elements' text or attributes.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use pixelaudit_browser::Session;
use pixelaudit_core::config::{ExpectSpec, PageSource, ParamRule};

const READ_VALUES: &str = r#"
const sources = arguments[0];
function jsonld(path) {
  const parts = path.split('.');
  const walk = (node) => {
    if (Array.isArray(node)) { for (const n of node) { const v = walk(n); if (v !== undefined) return v; } return undefined; }
    if (!node || typeof node !== 'object') return undefined;
    let v = node;
    for (const p of parts) { if (Array.isArray(v)) v = v[0]; if (v == null || typeof v !== 'object') { v = undefined; break; } v = v[p]; }
    if (Array.isArray(v)) v = v[0];
    if (v !== undefined && v !== null && typeof v !== 'object') return String(v);
    if (node['@graph']) return walk(node['@graph']);
    return undefined;
  };
  for (const s of document.querySelectorAll('script[type="application/ld+json"]')) {
    try { const v = walk(JSON.parse(s.textContent)); if (v !== undefined) return v; } catch (e) {}
  }
  return null;
}
return sources.map((s) => {
  try {
    if (s.kind === 'jsonld') return jsonld(s.path);
    if (s.kind === 'meta') {
      const m = document.querySelector(`meta[property="${CSS.escape(s.name)}"], meta[name="${CSS.escape(s.name)}"]`);
      return m ? m.getAttribute('content') : null;
    }
    const el = document.querySelector(s.selector);
    if (!el) return null;
    return s.attribute ? el.getAttribute(s.attribute) : el.textContent.trim();
  } catch (e) { return null; }
});
"#;

/// The distinct page sources the expectations refer to.
pub(crate) fn sources<'a>(specs: impl IntoIterator<Item = &'a ExpectSpec>) -> Vec<PageSource> {
    let mut out: Vec<PageSource> = specs
        .into_iter()
        .flat_map(|s| s.params.iter())
        .filter_map(|(_, rule)| match rule {
            ParamRule::FromPage { source, .. } => Some(source.clone()),
            _ => None,
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Reads `sources` from the current page (`None` for a source the page does not have).
pub(crate) async fn read(
    session: &Session,
    sources: &[PageSource],
) -> BTreeMap<PageSource, Option<String>> {
    if sources.is_empty() {
        return BTreeMap::new();
    }
    let arg: Vec<Value> = sources
        .iter()
        .map(|s| match s {
            PageSource::JsonLd(path) => json!({"kind": "jsonld", "path": path}),
            PageSource::Meta(name) => json!({"kind": "meta", "name": name}),
            PageSource::Css {
                selector,
                attribute,
            } => json!({"kind": "css", "selector": selector, "attribute": attribute}),
        })
        .collect();
    let values = session
        .execute(READ_VALUES, vec![Value::Array(arg)])
        .await
        .unwrap_or(Value::Null);
    sources
        .iter()
        .enumerate()
        .map(|(i, source)| {
            (
                source.clone(),
                values.get(i).and_then(Value::as_str).map(str::to_string),
            )
        })
        .collect()
}
