//! The email service providers' hosts for the demo's test emails (`tests/fixtures/emails/`):
//! click-tracking redirects (302 to the store, as the real ones answer a GET) and open pixels.
//!
//! Planted email defects: the Mailchimp open pixel of campaign `3c9a1b2d4e` answers 404, and the
//! SendGrid restock email's second link lands on a store page that does not exist (404).

use super::reply::Reply;
use super::router::Incoming;

/// Klaviyo's click and open hosts, a Mailchimp account's host and a SendGrid click host.
pub(crate) const ESP_HOSTS: &[&str] = &[
    "ctrk.klclick.com",
    "trk.klaviyomail.com",
    "manage.kmail-lists.com",
    "demostore.us21.list-manage.com",
    "u4815162.ct.sendgrid.net",
];

const STORE: &str = "https://demo-store.test";
const KX: &str = "_kx=nZq3Xw8kYtR2mP5sV9bA1c%3D%3D.WkN4hT";
const MAILCHIMP_USER: &str = "u=8f3c1a2b4d5e6f708192a3b4c";

/// (host, path?query, destination) of every click-tracking link in the demo's emails.
fn destination(host: &str, target: &str) -> Option<String> {
    let utm = |source: &str, campaign: Option<&str>| {
        let mut q = format!("utm_source={source}&utm_medium=email");
        if let Some(campaign) = campaign {
            q.push_str(&format!("&utm_campaign={campaign}"));
        }
        q
    };
    let bf = utm("klaviyo", Some("black-friday-2026"));
    let welcome = utm("klaviyo", Some("welcome-series-1"));
    let mailchimp = "utm_source=Northwind+Threads&utm_medium=email&utm_campaign=3c9a1b2d4e-EMAIL_CAMPAIGN_2026_11_28&mc_cid=3c9a1b2d4e&mc_eid=9f8e7d6c5b";
    let restock = utm("sendgrid", Some("restock-linen"));
    let url = match (host, target) {
        // Black Friday (Klaviyo): the product link lost its utm_campaign (planted defect).
        ("ctrk.klclick.com", "/l/01JDKXBF7Q3M5N8P2R4T6V8W0Y_0") => {
            format!("{STORE}/collections/all?{bf}&{KX}")
        }
        ("ctrk.klclick.com", "/l/01JDKXBF7Q3M5N8P2R4T6V8W0Y_1") => {
            format!("{STORE}/products/linen-shirt?{}&{KX}", utm("klaviyo", None))
        }
        ("ctrk.klclick.com", "/l/01JDKXBF7Q3M5N8P2R4T6V8W0Y_2") => format!("{STORE}/?{bf}&{KX}"),
        // Welcome (Klaviyo): clean.
        ("ctrk.klclick.com", "/l/01JDKW3LC0ME5N8P2R4T6V8W0Z_0") => {
            format!("{STORE}/?{welcome}&{KX}")
        }
        ("ctrk.klclick.com", "/l/01JDKW3LC0ME5N8P2R4T6V8W0Z_1") => {
            format!("{STORE}/collections/all?{welcome}&{KX}")
        }
        // Newsletter (Mailchimp).
        ("demostore.us21.list-manage.com", t)
            if t == format!("/track/click?{MAILCHIMP_USER}&id=1a2b3c4d5e&e=9f8e7d6c5b") =>
        {
            format!("{STORE}/collections/all?{mailchimp}")
        }
        ("demostore.us21.list-manage.com", t)
            if t == format!("/track/click?{MAILCHIMP_USER}&id=6f7a8b9c0d&e=9f8e7d6c5b") =>
        {
            format!("{STORE}/products/linen-shirt?{mailchimp}")
        }
        // Restock (SendGrid): the second link's product page is gone (planted defect).
        (
            "u4815162.ct.sendgrid.net",
            "/ls/click?upn=u001.Xq3kT9mZ-2BvR7pW1sN4cL8hY6fD0gJ5aE2iO-3DAb12",
        ) => {
            format!("{STORE}/products/linen-shirt?{restock}")
        }
        (
            "u4815162.ct.sendgrid.net",
            "/ls/click?upn=u001.Zk7pQ2wX-2Bn9bV4cM1lK8jH5gF3dS0aP6oI-3DCd34",
        ) => {
            format!("{STORE}/products/discontinued-tote?{restock}")
        }
        _ => return None,
    };
    Some(url)
}

/// Answers a request to an ESP host (the host is known to be in [`ESP_HOSTS`]).
pub(crate) fn handle(request: &Incoming) -> Reply {
    let target = match &request.query {
        Some(query) => format!("{}?{query}", request.path),
        None => request.path.clone(),
    };
    let host = request.host.as_str();
    // Like Klaviyo's redirector, HEAD gets a 404: only GET follows the link.
    if request.method == "GET" {
        if let Some(location) = destination(host, &target) {
            return Reply::status(302).header("Location", &location);
        }
    }
    match host {
        "trk.klaviyomail.com" if request.path.starts_with("/open/") => Reply::gif(),
        "demostore.us21.list-manage.com" if request.path == "/track/open.php" => {
            if request.query_param("id").as_deref() == Some("3c9a1b2d4e") {
                Reply::not_found()
            } else {
                Reply::gif()
            }
        }
        "u4815162.ct.sendgrid.net" if request.path == "/wf/open" => Reply::gif(),
        _ => Reply::not_found(),
    }
}
