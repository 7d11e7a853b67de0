//! Filter-list cost: time to load and compile the real EasyList + EasyPrivacy, and matching
//! throughput on realistic tracking requests, against decoding the same requests with the
//! vendor decoders (the baseline, measured in the same run). `cargo bench --bench adblock_match`.

use std::time::Instant;

use pixelaudit::adblock::{Blocker, FilterList};
use pixelaudit_core::model::CapturedRequest;
use pixelaudit_core::vendors;

const URLS: &[(&str, &str)] = &[
    ("https://www.facebook.com/tr/?id=1234567890123456&ev=PageView&dl=https%3A%2F%2Fshop.test%2F&ts=1", "Image"),
    ("https://region1.google-analytics.com/g/collect?v=2&tid=G-ABC123&cid=1.2&en=page_view", "Fetch"),
    ("https://shop.test/metrics/g/collect?v=2&tid=G-SGTM&en=purchase", "Ping"),
    ("https://analytics.tiktok.com/api/v2/pixel", "Ping"),
    ("https://ct.pinterest.com/v3/?tid=2612345678901&event=pagevisit", "Image"),
    ("https://tr.snapchat.com/p", "Fetch"),
    ("https://bat.bing.com/action/0?ti=187654321&evt=pageLoad", "Image"),
    ("https://t.co/1/i/adsct?txn_id=o1abc&bci=4&event=%7B%7D", "Image"),
    ("https://alb.reddit.com/rp.gif?id=a2_demo&event=PageVisit", "Image"),
    ("https://a.klaviyo.com/client/events/?company_id=AbC123", "Fetch"),
    ("https://shop.test/.well-known/shopify/monorail/unstable/produce_batch", "Ping"),
    ("https://shop.test/cdn/shop/t/1/assets/theme.js", "Script"),
    ("https://www.googletagmanager.com/gtag/js?id=G-ABC123", "Script"),
    ("https://cdn.shopify.com/s/files/1/product.jpg?v=1", "Image"),
];
const ROUNDS: usize = 2_000;

fn main() {
    let started = Instant::now();
    let lists = ["easylist", "easyprivacy"]
        .map(|name| FilterList::load(name).expect("Debian's filter lists are installed"));
    let read = started.elapsed();
    let blocker = Blocker::new(lists.to_vec());
    let loaded = started.elapsed();
    for list in blocker.lists() {
        println!(
            "list {}: {} rules, {:.0} ms to read and compile",
            list.name, list.rules, list.load_ms
        );
    }
    println!(
        "both lists: {:.0} ms (reading {:.0} ms)",
        loaded.as_secs_f64() * 1000.0,
        read.as_secs_f64() * 1000.0
    );

    let requests: Vec<CapturedRequest> = URLS
        .iter()
        .map(|(url, kind)| {
            let mut r = CapturedRequest::new("GET", url, None);
            r.resource_type = kind.to_string();
            r
        })
        .collect();
    let page = "https://shop.test/products/linen-shirt";
    let n = requests.len() * ROUNDS;

    let t = Instant::now();
    let mut decoded = 0usize;
    for _ in 0..ROUNDS {
        for r in &requests {
            decoded += vendors::decode(r).len();
        }
    }
    let decode_s = t.elapsed().as_secs_f64();

    let t = Instant::now();
    let mut blocked = 0usize;
    for _ in 0..ROUNDS {
        for r in &requests {
            blocked += usize::from(blocker.check_request(r, page).is_some());
        }
    }
    let match_s = t.elapsed().as_secs_f64();

    println!(
        "decode (baseline): {:.0} requests/s ({decoded} hits)",
        n as f64 / decode_s
    );
    println!(
        "filter-list match: {:.0} requests/s ({blocked} blocked)",
        n as f64 / match_s
    );
    println!("match / decode time ratio: {:.2}", match_s / decode_s);
}
