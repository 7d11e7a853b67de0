//! One `adblock` engine per list, so a match names its list and rule.

use std::time::Instant;

use pixelaudit_core::model::{BlockMatch, ListInfo};

use super::FilterList;
use pixelaudit_core::model::{CapturedRequest, TargetKind};

/// The filter lists, compiled.
pub struct Blocker {
    engines: Vec<(String, adblock::Engine)>,
    info: Vec<ListInfo>,
}

impl std::fmt::Debug for Blocker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Blocker")
            .field("lists", &self.info)
            .finish()
    }
}

impl Blocker {
    /// Compiles the lists (in order: the first list that blocks a request is the one named).
    pub fn new(lists: Vec<FilterList>) -> Blocker {
        let mut engines = Vec::new();
        let mut info = Vec::new();
        for list in lists {
            let started = Instant::now();
            let rules = list
                .text
                .lines()
                .filter(|l| !l.trim().is_empty() && !l.starts_with('!'))
                .count();
            let mut set = adblock::lists::FilterSet::new(true);
            set.add_filter_list(list.text.clone(), adblock::lists::ParseOptions::default());
            let engine = adblock::Engine::new_with_filter_set(set);
            info.push(ListInfo {
                name: list.name.clone(),
                source: list.source.clone(),
                note: list.note.clone(),
                rules,
                load_ms: list.read_ms + started.elapsed().as_secs_f64() * 1000.0,
            });
            engines.push((list.name, engine));
        }
        Blocker { engines, info }
    }

    /// The lists and their load times.
    pub fn lists(&self) -> &[ListInfo] {
        &self.info
    }

    /// The rule that would block `url`, requested as `cdp_type` by a page at `page_url`.
    pub fn check(&self, url: &str, page_url: &str, cdp_type: &str) -> Option<BlockMatch> {
        let request =
            adblock::request::Request::new(url, page_url, request_type(cdp_type), "GET").ok()?;
        self.engines.iter().find_map(|(name, engine)| {
            let result = engine.check_network_request(&request);
            if !result.should_block() {
                return None;
            }
            let rule = result
                .filter
                .and_then(|f| f.raw_line)
                .unwrap_or_else(|| "(rule text unavailable)".to_string());
            Some(BlockMatch {
                list: name.clone(),
                rule,
            })
        })
    }

    /// The rule that would block a captured request on a page at `page_url` (never the page's
    /// own document).
    pub fn check_request(&self, request: &CapturedRequest, page_url: &str) -> Option<BlockMatch> {
        let kind = match (request.resource_type.as_str(), request.target) {
            ("Document", TargetKind::Page) if request.url == page_url => return None,
            ("Document", _) => "Subdocument",
            (other, _) => other,
        };
        self.check(&request.url, page_url, kind)
    }
}

/// CDP resource types in the filter-list vocabulary.
fn request_type(cdp_type: &str) -> &'static str {
    match cdp_type {
        "Document" => "document",
        "Subdocument" => "subdocument",
        "Script" => "script",
        "Image" => "image",
        "Stylesheet" => "stylesheet",
        "Font" => "font",
        "Media" => "media",
        "XHR" | "Fetch" | "EventSource" => "xmlhttprequest",
        "Ping" => "ping",
        "WebSocket" => "websocket",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blocker() -> Blocker {
        let list = |name: &str, text: &str| FilterList {
            name: name.into(),
            source: format!("{name}.txt"),
            note: None,
            text: text.into(),
            read_ms: 0.0,
        };
        Blocker::new(vec![
            list("ads", "||ads.example^\n"),
            list("privacy", "! comment\n||facebook.com/tr/\n||google-analytics.com^$script,third-party,xmlhttprequest\n/.well-known/shopify/monorail\n@@||example.org/tr/$image\n"),
        ])
    }

    #[test]
    fn matches_name_their_list_and_rule() {
        let b = blocker();
        let m = b
            .check(
                "https://www.facebook.com/tr/?id=1&ev=PageView",
                "https://shop.test/",
                "Image",
            )
            .unwrap();
        assert_eq!(
            m,
            BlockMatch {
                list: "privacy".into(),
                rule: "||facebook.com/tr/".into()
            }
        );
        assert_eq!(
            b.check("https://ads.example/x.js", "https://shop.test/", "Script")
                .unwrap()
                .list,
            "ads"
        );
        assert_eq!(b.lists()[1].rules, 4, "comments are not rules");
    }

    #[test]
    fn options_use_the_request_type_and_the_page() {
        let b = blocker();
        let ga = "https://region1.google-analytics.com/g/collect?v=2";
        assert!(
            b.check(ga, "https://shop.test/", "Fetch").is_some(),
            "third-party xhr"
        );
        assert!(
            b.check(ga, "https://shop.test/", "Image").is_none(),
            "$xmlhttprequest,script only"
        );
        assert!(
            b.check(ga, "https://www.google-analytics.com/", "Fetch")
                .is_none(),
            "first-party"
        );
        assert!(b
            .check(
                "https://shop.test/.well-known/shopify/monorail/unstable/produce_batch",
                "https://shop.test/",
                "Ping"
            )
            .is_some());
        assert!(b
            .check("https://shop.test/cart", "https://shop.test/", "Document")
            .is_none());
    }
}
