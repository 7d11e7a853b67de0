//! The vendors' hosts: stand-in loader scripts and hit endpoints answered like the real ones.
//!
//! The loaders are small readable scripts in `assets/vendors/` that implement each vendor's
//! global API (`fbq`, `gtag`, `ttq`, `pintrk`, `snaptr`, `uetq`, `twq`, `rdt`, `klaviyo`) and send
//! hits in the real wire format. Endpoints: image pixels get a 1×1 GIF, GA4 a 204, JSON and form
//! posts a small 200/202, each with the CORS headers the real collector sends.

use super::reply::Reply;
use super::router::Incoming;

const FBEVENTS_JS: &str = include_str!("assets/vendors/fbevents.js");
const GTAG_JS: &str = include_str!("assets/vendors/gtag.js");
const TIKTOK_JS: &str = include_str!("assets/vendors/tiktok-events.js");
const PINTEREST_JS: &str = include_str!("assets/vendors/pinterest-core.js");
const SNAP_JS: &str = include_str!("assets/vendors/snap-scevent.js");
const BING_JS: &str = include_str!("assets/vendors/bing-bat.js");
const X_JS: &str = include_str!("assets/vendors/x-uwt.js");
const REDDIT_JS: &str = include_str!("assets/vendors/reddit-pixel.js");
const KLAVIYO_JS: &str = include_str!("assets/vendors/klaviyo.js");

/// Every vendor host the demo server answers for (and its certificate names).
pub(crate) const VENDOR_HOSTS: &[&str] = &[
    "connect.facebook.net",
    "www.facebook.com",
    "www.googletagmanager.com",
    "region1.google-analytics.com",
    "www.google-analytics.com",
    "googleads.g.doubleclick.net",
    "www.googleadservices.com",
    "www.google.com",
    "analytics.tiktok.com",
    "s.pinimg.com",
    "ct.pinterest.com",
    "sc-static.net",
    "tr.snapchat.com",
    "bat.bing.com",
    "static.ads-twitter.com",
    "t.co",
    "analytics.twitter.com",
    "analytics.x.com",
    "www.redditstatic.com",
    "alb.reddit.com",
    "static.klaviyo.com",
    "a.klaviyo.com",
];

/// Answers a request to a vendor host (the host is known to be in [`VENDOR_HOSTS`]).
pub(crate) fn handle(request: &Incoming) -> Reply {
    let origin = request.origin.as_deref();
    let path = request.path.as_str();
    match request.host.as_str() {
        // Meta
        "connect.facebook.net" => match path {
            "/en_US/fbevents.js" => Reply::javascript(FBEVENTS_JS),
            _ => match path
                .strip_prefix("/signals/config/")
                .filter(|id| is_digits(id))
            {
                Some(id) => Reply::javascript(meta_config_js(id)),
                None => Reply::not_found(),
            },
        },
        "www.facebook.com" if path == "/tr" || path == "/tr/" => Reply::gif(),

        // Google tag, GA4, Google Ads
        "www.googletagmanager.com" if path == "/gtag/js" => match request.query_param("id") {
            Some(id) if !id.is_empty() => Reply::javascript(GTAG_JS),
            _ => Reply::status(400),
        },
        "region1.google-analytics.com" | "www.google-analytics.com" if path == "/g/collect" => {
            Reply::status(204).cors(origin)
        }
        "googleads.g.doubleclick.net" if path.starts_with("/pagead/viewthroughconversion/") => {
            Reply::gif()
        }
        "www.googleadservices.com" if path.starts_with("/pagead/conversion/") => Reply::gif(),
        "www.google.com" if path.starts_with("/pagead/1p-conversion/") => Reply::gif(),
        "www.google.com" if path == "/ccm/collect" => Reply::status(204).cors(origin),

        // TikTok
        "analytics.tiktok.com" => match path {
            "/i18n/pixel/events.js" => Reply::javascript(TIKTOK_JS),
            "/api/v2/pixel" => {
                Reply::json(200, r#"{"code":0,"message":"OK","data":{}}"#).cors(origin)
            }
            _ => Reply::not_found(),
        },

        // Pinterest
        "s.pinimg.com" if path == "/ct/core.js" => Reply::javascript(PINTEREST_JS),
        "ct.pinterest.com" if path == "/v3/" || path == "/v3" || path == "/user/" => Reply::gif(),

        // Snap
        "sc-static.net" if path == "/scevent.min.js" => Reply::javascript(SNAP_JS),
        "tr.snapchat.com" if path == "/p" => Reply::status(200).cors(origin),

        // Microsoft UET
        "bat.bing.com" => match path {
            "/bat.js" => Reply::javascript(BING_JS),
            "/action/0" => Reply::gif(),
            _ => Reply::not_found(),
        },

        // X
        "static.ads-twitter.com" if path == "/uwt.js" => Reply::javascript(X_JS),
        "t.co" | "analytics.twitter.com" | "analytics.x.com" => match path {
            "/1/i/adsct" | "/i/adsct" => Reply::gif(),
            // Conversion tags post the same fields as a form.
            "/1/i/adsctp" | "/i/adsctp" => Reply::status(200).cors(origin),
            _ => Reply::not_found(),
        },

        // Reddit (only the current loader path exists; `/ads/v1/pixel.js` is a 404)
        "www.redditstatic.com" if path == "/ads/pixel.js" => Reply::javascript(REDDIT_JS),
        "alb.reddit.com" if path == "/rp.gif" => Reply::gif(),
        // The current library posts JSON to `/rp`.
        "alb.reddit.com" if path == "/rp" => Reply::status(200).cors(origin),

        // Klaviyo
        "static.klaviyo.com" if path == "/onsite/js/klaviyo.js" => Reply::javascript(KLAVIYO_JS),
        // The legacy klaviyo.js endpoint answers `1` to a GET or a multipart POST.
        "a.klaviyo.com" if path == "/api/track" => {
            Reply::new(200, Some("text/html; charset=utf-8"), "1").cors(origin)
        }
        "a.klaviyo.com" if path == "/client/events/" || path == "/client/events" => {
            if request
                .query_param("company_id")
                .is_some_and(|c| !c.is_empty())
            {
                Reply::status(202).cors(origin)
            } else {
                Reply::json(
                    400,
                    r#"{"errors":[{"code":"invalid","detail":"company_id is required"}]}"#,
                )
                .cors(origin)
            }
        }

        _ => Reply::not_found(),
    }
}

/// The per-pixel configuration script `fbevents.js` loads after `fbq('init', id)`.
fn meta_config_js(pixel_id: &str) -> String {
    format!(
        "/* pixelaudit demo: Meta pixel configuration for {pixel_id} (no plugins) */\n\
         if (window.fbq && window.fbq.registerPlugin) {{\n  \
         window.fbq.registerPlugin('config:{pixel_id}', {{ __fbEventsPlugin: 1, plugin: function () {{}} }});\n\
         }}\n"
    )
}

fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod unit_tests {
    use super::*;

    #[test]
    fn gtag_sends_cookieless_pings_until_analytics_storage_is_granted() {
        assert!(GTAG_JS.contains(
            "if (!storageAllowed('analytics_storage')) {\n      return cookielessClientId;"
        ));
        assert!(GTAG_JS.contains(
            "if (!storageAllowed('analytics_storage')) {\n      return cookielessSessionId;"
        ));
        // An update only changes state: no page_view is sent for it.
        let consent = &GTAG_JS[GTAG_JS.find("case 'consent':").unwrap()..];
        let consent = &consent[..consent.find("break;").unwrap()];
        assert!(!consent.contains("send"), "{consent}");
    }

    #[test]
    fn ga4_and_meta_count_history_changes_as_page_views() {
        for library in [GTAG_JS, FBEVENTS_JS] {
            assert!(library.contains("history.pushState = function () {"));
            assert!(library.contains("window.addEventListener('popstate', historyChanged);"));
        }
        assert!(GTAG_JS.contains("sendGa4(streamId, 'page_view', { page_location: location.href, page_referrer: previous });"));
        assert!(FBEVENTS_JS.contains("trackTo(pixels, 'PageView');"));
        for library in [
            BING_JS,
            TIKTOK_JS,
            PINTEREST_JS,
            SNAP_JS,
            X_JS,
            REDDIT_JS,
            KLAVIYO_JS,
        ] {
            assert!(!library.contains("pushState"));
        }
    }
}
