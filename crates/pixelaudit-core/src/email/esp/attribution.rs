//! Whose email is it: the one platform an email is attributed to, from its tracking URLs and
//! its headers.
//!
//! Platforms send through each other (Klaviyo through SendGrid, Substack and Omnisend through
//! Mailgun, Intercom through SparkPost), so an email can carry two platforms' marks: the
//! sender's and its relay's. The rule, strongest evidence first:
//!
//! 1. Open pixels and click redirects on a platform's own tracking hosts (its first-pass rules:
//!    `trk.klaviyomail.com`, `ctrk.klclick.com`, `*.list-manage.com`, `u123.ct.sendgrid.net`):
//!    the platform with most of them.
//! 2. Otherwise the headers of a platform itself (`X-Kmail-*`, `X-Klaviyo-*`, `X-MC-User`,
//!    `X-SG-EID`, …): with a branded tracking domain (CNAMEd to the platform, so only the path
//!    shape says whose it is), a Klaviyo email has SendGrid's URL shapes on the store's host,
//!    and Klaviyo's own headers tell it apart from a SendGrid customer's.
//! 3. Otherwise the branded shapes, the platform with most of them.
//!
//! At every step a platform that another platform with any evidence in the email sends through
//! (its `sends_through`) is the relay and does not count: a Klaviyo email is never `sendgrid`,
//! whatever the relay's headers or the open pixel it adds. Ties go to the later platform in the
//! registry, as they always have.

use std::collections::{BTreeMap, BTreeSet};

use url::Url;

use super::{by_precedence, unwrap_image_proxy, Esp, UrlParts};

/// How an URL was recognised as a platform's.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Match {
    /// On the platform's own tracking hosts (a first-pass rule).
    OwnHost,
    /// By a distinctive path shape on any host (a branded, CNAMEd tracking domain).
    Branded,
}

/// The platform an email is attributed to, from its open pixels' URLs (images, proxies
/// unwrapped here), its links' URLs and its headers (name as written, value), or `None` when
/// nothing names one.
pub fn attribute(pixels: &[Url], links: &[Url], headers: &[(String, String)]) -> Option<Esp> {
    let mut votes: Vec<(Esp, Match)> = Vec::new();
    votes.extend(pixels.iter().filter_map(pixel_match));
    votes.extend(links.iter().filter_map(link_match));
    let marked: BTreeSet<Esp> = headers
        .iter()
        .flat_map(|(name, value)| {
            let name = name.to_ascii_lowercase();
            by_precedence()
                .iter()
                .copied()
                .filter(move |esp| esp.provider.own_header(&name, value))
        })
        .collect();
    let present: BTreeSet<Esp> = votes
        .iter()
        .map(|(esp, _)| *esp)
        .chain(marked.iter().copied())
        .collect();
    let relays: BTreeSet<Esp> = present
        .iter()
        .flat_map(|esp| esp.provider.sends_through().iter().copied())
        .filter(|relay| present.contains(relay))
        .collect();
    let counts = |kind: Match| -> Option<Esp> {
        let mut counts: BTreeMap<Esp, usize> = BTreeMap::new();
        for (esp, _) in votes
            .iter()
            .filter(|(e, m)| *m == kind && !relays.contains(e))
        {
            *counts.entry(*esp).or_default() += 1;
        }
        counts
            .into_iter()
            .max_by_key(|(_, n)| *n)
            .map(|(esp, _)| esp)
    };
    counts(Match::OwnHost)
        .or_else(|| {
            by_precedence()
                .iter()
                .copied()
                .find(|esp| marked.contains(esp) && !relays.contains(esp))
        })
        .or_else(|| counts(Match::Branded))
}

fn pixel_match(url: &Url) -> Option<(Esp, Match)> {
    let url = unwrap_image_proxy(url);
    let parts = UrlParts::new(&url)?;
    let order = by_precedence();
    if let Some(esp) = order.iter().find(|e| e.provider.open_pixel(&parts)) {
        return Some((*esp, Match::OwnHost));
    }
    order
        .iter()
        .find(|e| e.provider.branded_open_pixel(&parts))
        .map(|esp| (*esp, Match::Branded))
}

fn link_match(url: &Url) -> Option<(Esp, Match)> {
    let parts = UrlParts::new(url)?;
    let order = by_precedence();
    if let Some(esp) = order.iter().find(|e| e.provider.click(&parts).is_some()) {
        return Some((*esp, Match::OwnHost));
    }
    order
        .iter()
        .find(|e| e.provider.branded_click(&parts).is_some())
        .map(|esp| (*esp, Match::Branded))
}

#[cfg(test)]
mod tests {
    use super::super::testutil::u;
    use super::super::{KLAVIYO, MAILCHIMP, MAILGUN, SENDGRID, SUBSTACK};
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    fn urls(list: &[&str]) -> Vec<Url> {
        list.iter().map(|s| u(s)).collect()
    }

    /// SendGrid's marks on a Klaviyo email: the relay's headers and `Received:` lines.
    fn sendgrid_relay() -> Vec<(String, String)> {
        headers(&[
            ("Received", "from o1.ptr1234.sendgrid.net (o1.ptr1234.sendgrid.net [167.89.0.1]) by mx.inbox.test"),
            ("X-SG-EID", "u001.Rk2mT8qZ4BvN7pW1sL3cX9hY5fD0gJ6aE"),
            ("X-Entity-ID", "u001.Pq7nW2xZ"),
        ])
    }

    const BRANDED_LINKS: &[&str] = &[
        "https://click.shop.example.com/ls/click?upn=u001.Kx8mQ2wZ4BvN7pW1sL3c-3D-3DAbCd",
        "https://click.shop.example.com/ls/click?upn=u001.Zt5nR7yQ1CwM8oV2kJ4d-3D-3DEfGh",
    ];
    const BRANDED_PIXEL: &[&str] =
        &["https://click.shop.example.com/wf/open?upn=u001.Op3nP1x3l-3D"];

    #[test]
    fn klaviyo_hosts_win_over_the_sendgrid_relay_headers_and_pixel() {
        let pixels = urls(&[
            "https://trk.klaviyomail.com/open/01JE0B2C3D4E5F6G7H8J9K0MNP/p.gif",
            // The relay's own open pixel, and a second one: more SendGrid URLs than Klaviyo's.
            "https://u7654321.ct.sendgrid.net/wf/open?upn=u001.R3l4yP1x3l-3D",
            "https://u7654321.ct.sendgrid.net/wf/open?upn=u001.S3c0nd-3D",
        ]);
        let links = urls(&["https://ctrk.klclick.com/l/01JE0B2C3D4E5F6G7H8J9K0MNP_0"]);
        assert_eq!(attribute(&pixels, &links, &sendgrid_relay()), Some(KLAVIYO));
        // Without Klaviyo's URLs, the same headers and pixels are SendGrid's.
        assert_eq!(
            attribute(&pixels[1..], &[], &sendgrid_relay()),
            Some(SENDGRID)
        );
    }

    #[test]
    fn a_branded_klaviyo_email_is_told_by_its_own_headers() {
        let pixels = urls(BRANDED_PIXEL);
        let links = urls(BRANDED_LINKS);
        // SendGrid's shapes on the store's host, SendGrid's relay headers, and Klaviyo's.
        for mark in [
            ("X-Kmail-Account", "WxYz12"),
            ("X-Klaviyo-Message-Id", "01JE0A1B2C3D4E5F6G7H8J9K0M"),
            (
                "list-unsubscribe",
                "<https://manage.kmail-lists.com/subscriptions/unsubscribe?a=WxYz12>",
            ),
        ] {
            let mut all = sendgrid_relay();
            all.push((mark.0.to_string(), mark.1.to_string()));
            assert_eq!(attribute(&pixels, &links, &all), Some(KLAVIYO), "{mark:?}");
        }
        // A SendGrid customer's branded email is SendGrid's, with or without its headers.
        assert_eq!(
            attribute(&pixels, &links, &sendgrid_relay()),
            Some(SENDGRID)
        );
        assert_eq!(attribute(&pixels, &links, &[]), Some(SENDGRID));
    }

    #[test]
    fn headers_alone_name_the_platform_and_unrelated_platforms_keep_the_majority() {
        assert_eq!(attribute(&[], &[], &sendgrid_relay()), Some(SENDGRID));
        assert_eq!(
            attribute(
                &[],
                &[],
                &headers(&[("X-Kmail-Relay", "true"), ("X-SG-EID", "u001.a")])
            ),
            Some(KLAVIYO)
        );
        assert_eq!(attribute(&[], &[], &headers(&[("Subject", "hi")])), None);
        // Substack through Mailgun: Mailgun's headers are the relay's.
        assert_eq!(
            attribute(
                &urls(&["https://email.mg1.substack.com/o/eJxUkc1u2zAQhN9"]),
                &[],
                &headers(&[("X-Mailgun-Sid", "WyI0")])
            ),
            Some(SUBSTACK)
        );
        assert_eq!(
            attribute(&[], &[], &headers(&[("X-Mailgun-Sid", "WyI0")])),
            Some(MAILGUN)
        );
        // Klaviyo and Mailchimp links mixed (a template mix-up): neither relays the other,
        // most links win.
        let links = urls(&[
            "https://ctrk.klclick.com/l/01J8ZK3R5Q6W7X8Y9Z0A1B2C3D_0",
            "https://demostore.us21.list-manage.com/track/click?u=4d3f0b8a1c2e5f6a7b8c9d0e1&id=a1b2c3d4e5&e=f6a7b8c9d0",
            "https://demostore.us21.list-manage.com/track/click?u=4d3f0b8a1c2e5f6a7b8c9d0e1&id=b1b2c3d4e5&e=f6a7b8c9d0",
        ]);
        assert_eq!(attribute(&[], &links, &[]), Some(MAILCHIMP));
    }
}
