//! Extraction of images (incl. CSS/attribute backgrounds) and links from marketing-email HTML.
//!
//! Built on `scraper` (html5ever), so messy real-world mail parses as a browser would parse it:
//! layout tables, uppercase tags, unquoted attributes, `&amp;` in URLs (attribute values come
//! back entity-decoded). Outlook conditional comments (`<!--[if mso]>…<![endif]-->`) are comments
//! to an HTML parser, so their content (VML buttons, `<v:fill>` backgrounds) is ignored; the
//! downlevel-revealed `<!--[if !mso]><!-->…<!--<![endif]-->` content is parsed normally. Rules in
//! `<style>` blocks are not applied: only inline `style` attributes and HTML attributes count.
//!
//! Email has no base URL, so relative URLs resolve to `None` unless the document has a
//! `<base href>`. Protocol-relative `//host/…` URLs are resolved against `https:`, as mail
//! clients load them.

use std::sync::LazyLock;

use regex::Regex;
use scraper::{ElementRef, Html, Node};
use url::Url;

/// Everything found in one email body, each list in document order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extracted {
    /// `<img src>` plus CSS `background`/`background-image` `url(…)` and `background="…"`
    /// attributes, in document order.
    pub images: Vec<ImageRef>,
    /// `<a href>` and `<area href>`, minus empty and `#…` fragment-only hrefs.
    pub links: Vec<LinkRef>,
}

/// Where an [`ImageRef`] came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImageSource {
    /// An `<img src>`.
    Img,
    /// A `url(…)` in an inline `background` / `background-image` declaration.
    CssBackground,
    /// A `background="…"` attribute (`<td>`, `<table>`, `<body>`).
    BackgroundAttribute,
}

/// One image reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    /// The URL as written (entity-decoded, surrounding whitespace trimmed).
    pub src: String,
    /// The parsed absolute URL, only for http(s) (not `cid:`, `data:`, or relative without base).
    pub url: Option<Url>,
    /// CSS pixel width: the inline-style `width` if it is a px/unitless number, else the `width`
    /// attribute if it is; `None` for `auto`, `%`, other units or when absent. For background
    /// images these describe the element carrying the background.
    pub width: Option<u32>,
    /// Same rule as `width`, for `height`.
    pub height: Option<u32>,
    /// Hidden by the element itself (`hidden` attribute, `display:none`, `visibility:hidden`,
    /// `opacity:0`, a zero `width`/`height`/`max-width`/`max-height` in its style or a zero
    /// `width`/`height` attribute) or by an ancestor (`hidden` attribute, `display:none`,
    /// `visibility:hidden|collapse`, `opacity:0`, or a zero `height`/`max-height`/`width`/
    /// `max-width` *together with* `overflow:hidden|clip`, since without it the content still
    /// shows). `mso-hide:all` (Outlook-only) does not count.
    pub hidden: bool,
    /// The `alt` attribute as written (`Some("")` for `alt=""`); `None` for backgrounds.
    pub alt: Option<String>,
    /// `<img>`, CSS background or `background` attribute.
    pub source: ImageSource,
    width_declared: bool,
    height_declared: bool,
}

impl ImageRef {
    /// Shaped like a tracking pixel (judged by markup only, not by URL; see
    /// `esp::open_pixel_esp` for the URL side). True when:
    /// - it is `hidden` (see the field), or
    /// - both dimensions are known and each is ≤ 1 px, or
    /// - one dimension is known and ≤ 1 px and the other is not declared at all
    ///   (`<img width="1">`). A declared-but-unknown other dimension (`width:100%`,
    ///   `height:auto`) makes it a visible rule/divider, not a pixel.
    ///
    /// An image with no size information is not a pixel by shape (its natural size is unknown).
    /// A 1×1 spacer GIF on the store's own CDN therefore *is* pixel-shaped: only the URL tells it
    /// apart from an unknown tracker.
    pub fn looks_like_tracking_pixel(&self) -> bool {
        if self.hidden {
            return true;
        }
        match (self.width, self.height) {
            (Some(w), Some(h)) => w <= 1 && h <= 1,
            (Some(w), None) => w <= 1 && !self.height_declared,
            (None, Some(h)) => h <= 1 && !self.width_declared,
            (None, None) => false,
        }
    }
}

/// What a link points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LinkKind {
    /// `http:` / `https:`.
    Web,
    /// `mailto:`.
    Mailto,
    /// `tel:`.
    Tel,
    /// Anything else: relative without `<base>`, `javascript:`, `sms:`, unparsable, unfilled
    /// merge tags (`*|UNSUB|*`, `{{ unsubscribe_url }}`).
    Other,
}

/// One link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkRef {
    /// The href as written (entity-decoded, surrounding whitespace trimmed).
    pub href: String,
    /// The parsed URL for `Web`, `Mailto` and `Tel` links; `None` for `Other`.
    pub url: Option<Url>,
    /// Visible text, whitespace-collapsed, zero-width characters removed (text inside
    /// `<script>`, `<style>`, `hidden` or `display:none` descendants is skipped). If there is no
    /// text: the `alt` of images inside (joined by a space), else `aria-label`, else `title`.
    /// For `<area>`: its `alt`, else `aria-label`, else `title`.
    pub text: String,
    /// Scheme class.
    pub kind: LinkKind,
}

/// Extract images and links from an email's HTML body.
pub fn extract(html: &str) -> Extracted {
    let doc = Html::parse_document(html);
    let root = doc.root_element();
    let base = root
        .descendent_elements()
        .find(|e| e.value().name() == "base" && e.attr("href").is_some())
        .and_then(|e| parse_absolute(e.attr("href")?, None));

    let mut out = Extracted::default();
    // Explicit stack (not recursion): pathological nesting must not overflow the stack.
    let mut stack: Vec<(ElementRef<'_>, bool)> = vec![(root, false)];
    while let Some((el, parent_hidden)) = stack.pop() {
        let name = el.value().name();
        if matches!(name, "script" | "style" | "template" | "noscript") {
            continue;
        }
        let style = InlineStyle::parse(el.attr("style").unwrap_or(""));
        let hidden_self = parent_hidden || hides_self(&el, &style);

        if name == "img" {
            if let Some(src) = el.attr("src").map(str::trim).filter(|s| !s.is_empty()) {
                out.images.push(image_ref(
                    src,
                    &el,
                    &style,
                    hidden_self,
                    ImageSource::Img,
                    base.as_ref(),
                ));
            }
        }
        if let Some(bg) = el
            .attr("background")
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            out.images.push(image_ref(
                bg,
                &el,
                &style,
                hidden_self,
                ImageSource::BackgroundAttribute,
                base.as_ref(),
            ));
        }
        for prop in ["background", "background-image"] {
            if let Some(value) = style.get(prop) {
                for src in css_urls(value) {
                    out.images.push(image_ref(
                        &src,
                        &el,
                        &style,
                        hidden_self,
                        ImageSource::CssBackground,
                        base.as_ref(),
                    ));
                }
            }
        }
        if matches!(name, "a" | "area") {
            if let Some(link) = link_ref(&el, base.as_ref()) {
                out.links.push(link);
            }
        }

        let hidden_for_children = parent_hidden || hides_descendants(&el, &style);
        let children: Vec<ElementRef<'_>> = el.child_elements().collect();
        stack.extend(children.into_iter().rev().map(|c| (c, hidden_for_children)));
    }
    out
}

// ---- Images ------------------------------------------------------------------------------

fn image_ref(
    src: &str,
    el: &ElementRef<'_>,
    style: &InlineStyle,
    hidden: bool,
    source: ImageSource,
    base: Option<&Url>,
) -> ImageRef {
    let (width, width_declared) = dimension(el, style, "width");
    let (height, height_declared) = dimension(el, style, "height");
    ImageRef {
        src: src.to_owned(),
        url: parse_absolute(src, base).filter(|u| matches!(u.scheme(), "http" | "https")),
        width,
        height,
        hidden,
        alt: match source {
            ImageSource::Img => el.attr("alt").map(str::to_owned),
            _ => None,
        },
        source,
        width_declared,
        height_declared,
    }
}

/// CSS px value if it parses, else the attribute's; plus whether either was declared at all.
fn dimension(el: &ElementRef<'_>, style: &InlineStyle, prop: &str) -> (Option<u32>, bool) {
    let css = style.get(prop);
    let attr = el.attr(prop).map(str::trim).filter(|v| !v.is_empty());
    let px = css.and_then(parse_px).or_else(|| attr.and_then(parse_px));
    (px, css.is_some() || attr.is_some())
}

/// `1`, `1px`, ` 1.0 PX ` → 1. Anything with another unit, `auto` or `%` → None.
fn parse_px(value: &str) -> Option<u32> {
    let v = value.trim().to_ascii_lowercase();
    let v = v.strip_suffix("px").unwrap_or(&v).trim_end();
    if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return None;
    }
    let n: f64 = v.parse().ok()?;
    (n.is_finite() && n >= 0.0 && n < f64::from(u32::MAX)).then(|| n.round() as u32)
}

/// A CSS length (any unit) or number that is zero: `0`, `0px`, `0%`, `0.0em`.
fn is_zero(value: &str) -> bool {
    let v = value.trim();
    let num: String = v
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    !num.is_empty() && num.parse::<f64>().is_ok_and(|n| n == 0.0)
}

fn hides_common(el: &ElementRef<'_>, style: &InlineStyle) -> bool {
    el.attr("hidden").is_some()
        || style.is("display", "none")
        || style.is("visibility", "hidden")
        || style.is("visibility", "collapse")
        || style.get("opacity").is_some_and(is_zero)
}

const SIZE_PROPS: [&str; 4] = ["width", "height", "max-width", "max-height"];

/// Hidden as the carrier of an image itself: also any zero size.
fn hides_self(el: &ElementRef<'_>, style: &InlineStyle) -> bool {
    hides_common(el, style)
        || SIZE_PROPS.iter().any(|p| style.get(p).is_some_and(is_zero))
        || ["width", "height"]
            .iter()
            .any(|p| el.attr(p).is_some_and(|v| parse_px(v) == Some(0)))
}

/// Hides its descendants: zero size only counts with `overflow:hidden|clip`.
fn hides_descendants(el: &ElementRef<'_>, style: &InlineStyle) -> bool {
    if hides_common(el, style) {
        return true;
    }
    let clips = ["overflow", "overflow-x", "overflow-y"]
        .iter()
        .any(|p| style.is(p, "hidden") || style.is(p, "clip"));
    clips && SIZE_PROPS.iter().any(|p| style.get(p).is_some_and(is_zero))
}

static CSS_URL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)url\(\s*(?:"([^"]*)"|'([^']*)'|([^)"'\s][^)]*?))\s*\)"#)
        .expect("static regex")
});

fn css_urls(value: &str) -> Vec<String> {
    CSS_URL
        .captures_iter(value)
        .filter_map(|c| c.get(1).or(c.get(2)).or(c.get(3)))
        .map(|m| m.as_str().trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect()
}

// ---- Inline style --------------------------------------------------------------------------

/// Declarations of one `style` attribute: property lower-cased, value trimmed with
/// `!important` removed. Later declarations win.
struct InlineStyle {
    decls: Vec<(String, String)>,
}

impl InlineStyle {
    fn parse(style: &str) -> Self {
        let mut decls = Vec::new();
        for decl in split_declarations(style) {
            let Some((prop, value)) = decl.split_once(':') else {
                continue;
            };
            let prop = prop.trim().to_ascii_lowercase();
            let mut value = value.trim();
            if let Some(i) = value.to_ascii_lowercase().rfind("!important") {
                value = value[..i].trim_end();
            }
            if !prop.is_empty() {
                decls.push((prop, value.to_owned()));
            }
        }
        InlineStyle { decls }
    }

    fn get(&self, prop: &str) -> Option<&str> {
        self.decls
            .iter()
            .rev()
            .find(|(p, _)| p == prop)
            .map(|(_, v)| v.as_str())
    }

    fn is(&self, prop: &str, keyword: &str) -> bool {
        self.get(prop)
            .is_some_and(|v| v.eq_ignore_ascii_case(keyword))
    }
}

/// Split on `;` outside quotes and parentheses (so `url(data:image/png;base64,…)` survives).
fn split_declarations(style: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut quote, mut start) = (0usize, None::<char>, 0usize);
    for (i, c) in style.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '(') => depth += 1,
            (None, ')') => depth = depth.saturating_sub(1),
            (None, ';') if depth == 0 => {
                parts.push(&style[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&style[start..]);
    parts
}

// ---- Links -------------------------------------------------------------------------------

fn link_ref(el: &ElementRef<'_>, base: Option<&Url>) -> Option<LinkRef> {
    let href = el.attr("href")?.trim();
    if href.is_empty() || href.starts_with('#') {
        return None;
    }
    let (url, kind) = match parse_absolute(href, base) {
        Some(u) => match u.scheme() {
            "http" | "https" => (Some(u), LinkKind::Web),
            "mailto" => (Some(u), LinkKind::Mailto),
            "tel" => (Some(u), LinkKind::Tel),
            _ => (None, LinkKind::Other),
        },
        None => (None, LinkKind::Other),
    };
    let text = if el.value().name() == "area" {
        first_non_empty([el.attr("alt"), el.attr("aria-label"), el.attr("title")])
    } else {
        let (text, alts) = visible_text(el);
        if !text.is_empty() {
            text
        } else if !alts.is_empty() {
            alts.join(" ")
        } else {
            first_non_empty([el.attr("aria-label"), el.attr("title")])
        }
    };
    Some(LinkRef {
        href: href.to_owned(),
        url,
        text,
        kind,
    })
}

fn first_non_empty<const N: usize>(candidates: [Option<&str>; N]) -> String {
    candidates
        .into_iter()
        .flatten()
        .map(clean_text)
        .find(|s| !s.is_empty())
        .unwrap_or_default()
}

/// Text and image alts under `el`, skipping script/style and hidden subtrees.
fn visible_text(el: &ElementRef<'_>) -> (String, Vec<String>) {
    let mut raw = String::new();
    let mut alts = Vec::new();
    let mut stack: Vec<_> = el.children().collect();
    stack.reverse();
    while let Some(node) = stack.pop() {
        match node.value() {
            Node::Text(t) => {
                raw.push_str(t);
                raw.push(' ');
            }
            Node::Element(e) => {
                let name = e.name();
                if matches!(name, "script" | "style" | "template") {
                    continue;
                }
                let style = InlineStyle::parse(e.attr("style").unwrap_or(""));
                if e.attr("hidden").is_some() || style.is("display", "none") {
                    continue;
                }
                if name == "img" {
                    let alt = clean_text(e.attr("alt").unwrap_or(""));
                    if !alt.is_empty() {
                        alts.push(alt);
                    }
                }
                if name == "br" {
                    raw.push(' ');
                }
                let before = stack.len();
                stack.extend(node.children());
                stack[before..].reverse();
            }
            _ => {}
        }
    }
    (clean_text(&raw), alts)
}

/// Collapse whitespace (incl. NBSP) and drop invisible filler characters that email
/// preheaders and buttons are padded with.
fn clean_text(s: &str) -> String {
    const INVISIBLE: [char; 7] = [
        '\u{200B}', '\u{200C}', '\u{200D}', '\u{2060}', '\u{FEFF}', '\u{034F}', '\u{00AD}',
    ];
    let stripped: String = s.chars().filter(|c| !INVISIBLE.contains(c)).collect();
    stripped.split_whitespace().collect::<Vec<_>>().join(" ")
}

// ---- URLs --------------------------------------------------------------------------------

fn parse_absolute(raw: &str, base: Option<&Url>) -> Option<Url> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    match Url::parse(raw) {
        Ok(u) => Some(u),
        Err(url::ParseError::RelativeUrlWithoutBase) => {
            if let Some(base) = base {
                base.join(raw).ok()
            } else if raw.starts_with("//") {
                Url::parse(&format!("https:{raw}")).ok()
            } else {
                None
            }
        }
        Err(_) => None,
    }
}

/// Realistic email bodies in the shape each ESP's editor produces, shared with `esp`'s tests.
/// Tokens are made up except where a comment says a captured shape is reused.
#[cfg(test)]
pub(crate) mod fixtures {
    /// Klaviyo campaign: hidden preheader, MSO conditionals, VML hero background, ctrk.klclick.com
    /// links, CloudFront-hosted images, trk.klaviyomail.com open pixel, kmail-lists footer.
    pub(crate) const KLAVIYO: &str = r##"<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml" xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office">
<head>
<title>New arrivals are here</title>
<!--[if !mso]><!--><meta http-equiv="X-UA-Compatible" content="IE=edge"><!--<![endif]-->
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8">
<style type="text/css">#outlook a { padding:0; } body { margin:0;padding:0; } .kl-hero { background:url(https://d3k81ch9hvuctc.cloudfront.net/company/XyZ123/images/never-used.jpg); }</style>
<!--[if mso]><xml><o:OfficeDocumentSettings><o:AllowPNG/><o:PixelsPerInch>96</o:PixelsPerInch></o:OfficeDocumentSettings></xml><![endif]-->
</head>
<body style="word-spacing:normal;background-color:#F7F7F7;">
<div style="display:none;font-size:1px;color:#ffffff;line-height:1px;max-height:0px;max-width:0px;opacity:0;overflow:hidden;">Free shipping on everything this weekend &#847; &zwnj; &nbsp; &#8203;</div>
<div style="background-color:#F7F7F7;">
<!--[if mso | IE]><table align="center" border="0" cellpadding="0" cellspacing="0" class="" role="presentation" style="width:600px;" width="600" ><tr><td style="line-height:0px;font-size:0px;mso-line-height-rule:exactly;"><![endif]-->
<table align="center" border="0" cellpadding="0" cellspacing="0" role="presentation" style="width:100%;max-width:600px;">
<tbody>
<tr><td style="padding:9px 18px;text-align:center;">
<a href="https://ctrk.klclick.com/l/01J8ZK3R5Q6W7X8Y9Z0A1B2C3D_0" style="color:#15c;" target="_blank"><img alt="Harbour Goods" src="https://d3k81ch9hvuctc.cloudfront.net/company/XyZ123/images/5f3c1e2a-logo.png" style="display:block;outline:none;text-decoration:none;height:auto;font-size:13px;width:100%;" width="180"></a>
</td></tr>
<tr><td background="https://d3k81ch9hvuctc.cloudfront.net/company/XyZ123/images/hero-bg.jpg" style="background:#1d1d1d url('https://d3k81ch9hvuctc.cloudfront.net/company/XyZ123/images/hero-bg.jpg') center top / cover no-repeat;" width="600" height="320">
<!--[if gte mso 9]><v:rect xmlns:v="urn:schemas-microsoft-com:vml" fill="true" stroke="false" style="width:600px;height:320px;"><v:fill type="frame" src="https://d3k81ch9hvuctc.cloudfront.net/company/XyZ123/images/hero-bg.jpg" color="#1d1d1d" /><v:textbox inset="0,0,0,0"><![endif]-->
<h1 style="color:#ffffff;">New arrivals</h1>
<!--[if mso]><v:roundrect href="https://ctrk.klclick.com/l/01J8ZK3R5Q6W7X8Y9Z0A1B2C3D_9" style="height:40px;width:200px;" arcsize="10%" fillcolor="#000000"><center>Shop now</center></v:roundrect><![endif]-->
<!--[if !mso]><!-->
<A HREF=https://ctrk.klclick.com/l/01J8ZK3R5Q6W7X8Y9Z0A1B2C3D_1 STYLE="background:#000;color:#fff;padding:12px 24px;display:inline-block;">Shop&nbsp;now&nbsp;&rarr;</A>
<!--<![endif]-->
<!--[if gte mso 9]></v:textbox></v:rect><![endif]-->
</td></tr>
<tr><td>
<table role="presentation"><tr>
<td width="290"><a href="https://ctrk.klclick.com/l/01J8ZK3R5Q6W7X8Y9Z0A1B2C3D_2"><img src="https://d3k81ch9hvuctc.cloudfront.net/company/XyZ123/images/mug.jpg" alt="Stoneware mug" width="290" style="width:290px;height:auto;"></a></td>
<td width="290"><a href="https://ctrk.klclick.com/l/01J8ZK3R5Q6W7X8Y9Z0A1B2C3D_3"><img src="https://d3k81ch9hvuctc.cloudfront.net/company/XyZ123/images/bowl.jpg" alt="Serving bowl" width="290" style="width:290px;height:auto;"></a></td>
</tr></table>
</td></tr>
<tr><td style="font-size:11px;color:#777;text-align:center;">
No longer want to receive these emails? <a href="https://manage.kmail-lists.com/subscriptions/unsubscribe?a=XyZ123&amp;c=01J8ZK3R5Q&amp;k=9f8e7d6c5b4a&amp;m=01J8ZK3R5Q6W&amp;r=3AbCdE" target="_blank">Unsubscribe</a>
<a href="https://manage.kmail-lists.com/subscriptions/manage?a=XyZ123&amp;c=01J8ZK3R5Q&amp;k=9f8e7d6c5b4a">Manage&nbsp;preferences</a><br>
Harbour Goods 12 Quay St Portsmouth
</td></tr>
</tbody></table>
<!--[if mso | IE]></td></tr></table><![endif]-->
</div>
<img src="https://trk.klaviyomail.com/open/01J8ZK3R5Q6W7X8Y9Z0A1B2C3D/01J8ZK3R5Q/p.gif?e=3AbCdE" width="1" height="1" alt="" style="display:block;border:0;">
</body></html>"##;

    /// Mailchimp campaign: mcusercontent images, list-manage click tracking with `&amp;`, referral
    /// badge, unsubscribe/profile footer, open.php pixel.
    pub(crate) const MAILCHIMP: &str = r##"<!doctype html>
<html xmlns="http://www.w3.org/1999/xhtml"><head><meta charset="UTF-8"><title>*|MC:SUBJECT|*</title>
<!--[if gte mso 15]><xml><o:OfficeDocumentSettings><o:AllowPNG/></o:OfficeDocumentSettings></xml><![endif]--></head>
<body>
<!--*|IF:MC_PREVIEW_TEXT|*-->
<!--[if !gte mso 9]><!----><span class="mcnPreviewText" style="display:none; font-size:0px; line-height:0px; max-height:0px; max-width:0px; opacity:0; overflow:hidden; visibility:hidden; mso-hide:all;">Our autumn blends just landed</span><!--<![endif]-->
<center><table align="center" border="0" cellpadding="0" cellspacing="0" height="100%" width="100%" id="bodyTable">
<tr><td align="center" valign="top" id="bodyCell">
<table class="mcnImageBlock" width="100%"><tbody class="mcnImageBlockOuter"><tr><td class="mcnImageContent" valign="top" style="padding:0 9px;">
<a href="https://harbourcoffee.us21.list-manage.com/track/click?u=4d3f0b8a1c2e5f6a7b8c9d0e1&amp;id=9a8b7c6d5e&amp;e=1a2b3c4d5e" title="" class="" target="_blank">
<img align="center" alt="Autumn blends" src="https://mcusercontent.com/4d3f0b8a1c2e5f6a7b8c9d0e1/images/6f1e2d3c-autumn.jpg" width="564" style="max-width:1200px; padding-bottom:0; display:inline !important; vertical-align:bottom;" class="mcnImage">
</a></td></tr></tbody></table>
<table class="mcnButtonBlock"><tr><td class="mcnButtonContent" style="font-family:Arial;font-size:16px;padding:15px;">
<a class="mcnButton" title="Shop the range" href="https://harbourcoffee.us21.list-manage.com/track/click?u=4d3f0b8a1c2e5f6a7b8c9d0e1&amp;id=0b1c2d3e4f&amp;e=1a2b3c4d5e" target="_blank" style="font-weight:bold;letter-spacing:normal;line-height:100%;text-align:center;text-decoration:none;color:#FFFFFF;">Shop the range</a>
</td></tr></table>
<table class="mcnTextBlock"><tr><td class="mcnTextContent" style="font-size:12px;">
<em>Copyright © 2026 Harbour Coffee Co, All rights reserved.</em><br>
Want to change how you receive these emails?<br>
You can <a href="https://harbourcoffee.us21.list-manage.com/profile?u=4d3f0b8a1c2e5f6a7b8c9d0e1&amp;id=9a8b7c6d5e&amp;e=1a2b3c4d5e&amp;c=0f1e2d3c4b">update your preferences</a> or <a href="https://harbourcoffee.us21.list-manage.com/unsubscribe?u=4d3f0b8a1c2e5f6a7b8c9d0e1&amp;id=9a8b7c6d5e&amp;e=1a2b3c4d5e&amp;c=0f1e2d3c4b">unsubscribe from this list</a>.<br><br>
<a href="http://eepurl.com/iAbCdE" title="Mailchimp Email Marketing"><img src="https://cdn-images.mailchimp.com/monkey_rewards/intuit-mc-rewards-text-dark.svg" border="0" alt="Email Marketing Powered by Intuit Mailchimp" title="Mailchimp Email Marketing" width="139" height="54"></a>
</td></tr></table>
</td></tr></table></center>
<img src="https://harbourcoffee.us21.list-manage.com/track/open.php?u=4d3f0b8a1c2e5f6a7b8c9d0e1&amp;id=9a8b7c6d5e&amp;e=1a2b3c4d5e" height="1" width="1" alt="">
</body></html>"##;

    /// SendGrid (link branding on url1234.shop.example.com): /ls/click and /ss/c links, ASM
    /// unsubscribe, the standard /wf/open pixel with its !important inline sizes.
    pub(crate) const SENDGRID: &str = r##"<html><head><meta charset="utf-8"></head><body>
<table width="100%" cellpadding="0" cellspacing="0" border="0"><tr><td>
<div class="preheader" style="display:none !important; mso-hide:all; visibility:hidden; opacity:0; color:transparent; height:0; width:0;">Your order has shipped</div>
<table class="wrapper" role="module" data-type="image"><tr><td style="font-size:6px; line-height:10px; padding:0px 0px 0px 0px;" valign="top" align="center">
<img class="max-width" border="0" style="display:block; color:#000000; text-decoration:none; font-family:Helvetica, arial, sans-serif; font-size:16px; max-width:100% !important; width:100%; height:auto !important;" width="600" alt="Harbour Goods" data-proportionally-constrained="true" data-responsive="true" src="http://cdn.mcauto-images-production.sendgrid.net/5a1b2c3d4e5f6a7b/8c9d0e1f-logo.png">
</td></tr></table>
<p>Your parcel is on its way. <a href="https://url1234.shop.example.com/ls/click?upn=u001.Xb2kjS8-2FAbCdEf-3D-3D_Ab12" target="_blank">Track your parcel</a></p>
<table role="module"><tr><td align="center" bgcolor="#000000" style="border-radius:6px;">
<a href="https://url1234.shop.example.com/ss/c/u001.Xb2-kjS8aBcD/4b1/AbCdEfGh/h3/XyZ123" style="background-color:#000000;color:#ffffff;display:inline-block;padding:12px 18px;" target="_blank">View order</a>
</td></tr></table>
<div data-role="module-unsubscribe" class="module" role="module" data-type="unsubscribe" style="color:#444444; font-size:12px; line-height:20px; text-align:center;">
<p style="font-size:12px;">Harbour Goods, 12 Quay St</p>
<p style="font-size:12px;"><a class="Unsubscribe--unsubscribeLink" href="https://url1234.shop.example.com/asm/unsubscribe/?user_id=12345678&amp;data=AbCdEf" target="_blank" style="">Unsubscribe</a> - <a href="https://url1234.shop.example.com/asm/?user_id=12345678&amp;data=AbCdEf" target="_blank" class="Unsubscribe--unsubscribePreferences" style="">Unsubscribe Preferences</a></p>
</div>
<p>Questions? <a href="mailto:help@shop.example.com?subject=Order%20%231042">Email us</a></p>
</td></tr></table>
<img src="https://url1234.shop.example.com/wf/open?upn=u001.Ab3dEf-2FGh-3D-3D" alt="" width="1" height="1" border="0" style="height:1px !important;width:1px !important;border-width:0 !important;margin-top:0 !important;margin-bottom:0 !important;margin-right:0 !important;margin-left:0 !important;padding-top:0 !important;padding-bottom:0 !important;padding-right:0 !important;padding-left:0 !important;"/>
</body></html>"##;

    /// HubSpot marketing email: hubspotlinks.com Ctc link, a branded /e3t/Ctc link, hubfs images,
    /// preferences footer, branded /e3t/Cto open pixel.
    pub(crate) const HUBSPOT: &str = r##"<!doctype html><html lang="en"><head><meta charset="UTF-8"><title>Spring collection</title></head>
<body bgcolor="#F5F8FA" style="margin:0 !important; padding:0 !important;">
<div id="preview_text" style="display:none!important">The spring collection is live&nbsp;&zwnj;&nbsp;&zwnj;</div>
<div class="hse-body-background" style="background-color:#f5f8fa"><div class="hse-body-wrapper-table">
<div id="hs_cos_wrapper_module-0-0-0" class="hs_cos_wrapper hs_cos_wrapper_widget">
<a href="https://d2v8tf04.na1.hubspotlinks.com/Ctc/LX+113/cJhC404/VWbMJv2vnLfjW3Rh6L96gqS5YW7MhRLh5j9tjNN8BHR5W3qgyTW6N1vHY6lZ3l8N8htfRfqP8DzW72mhHB6vwYd2W77hFt886l4_PV22X226RPmZbW67mSH08gVp9MW2jcZvf24w97BW207Jmf8gPH0yW20YPQv261xxjf8nc6VW04" target="_blank"><img alt="Spring collection" src="https://f.hubspotusercontent00.net/hubfs/1234567/spring-hero.jpg" style="outline:none; text-decoration:none; -ms-interpolation-mode:bicubic; max-width:100%; font-size:16px" width="600" align="middle"></a>
</div>
<p>Hi Sam, the spring collection is here. <a href="https://info.shop.example.com/e3t/Ctc/OT+113/d4K34c04/VW1j0-8VyGVbW87fddt3RgRNpV3Z50p5xjRsqN2v9B1-3l5QzW6N1vHY6lZ3nlW98xv-r7WBDWcT1QZ21tGWyqV-fdyH16ZM9rW7f0Msp671NHNW4btm-Q3J" data-hs-link-id="0" target="_blank">See the lookbook</a></p>
<div id="hs_cos_wrapper_module-1-0-0" style="font-size:12px;text-align:center">
Harbour Goods, 12 Quay St, Portsmouth<br>
<a data-unsubscribe="true" href="https://info.shop.example.com/hs/manage-preferences/unsubscribe?languagePreference=en&amp;d=VnfYQt3Vbwq-W3_Wt8-4q1KxHW2m6f-W4hxl4cN1JxwY5GKd_PV1-WJV7CgFtNW4rKmbc7fB0HnW3y0GY74lmLHJ&amp;v=3" style="color:#00a4bd">Unsubscribe</a>
<a data-unsubscribe="true" href="https://info.shop.example.com/hs/manage-preferences/unsubscribe-all?languagePreference=en&amp;v=3">Manage preferences</a>
</div>
</div></div>
<img src="https://info.shop.example.com/e3t/Cto/OT+113/d4K34c04/VWGkmb7P6NrtW2jMTSN4fzsw3W6cRPgj5KywRz0/abc" alt="" width="1" height="1" border="0" style="display:none!important;min-height:1px!important;width:1px!important;border-width:0!important;margin-top:0!important;margin-bottom:0!important;margin-right:0!important;margin-left:0!important;padding-top:0!important;padding-bottom:0!important;padding-right:0!important;padding-left:0!important">
</body></html>"##;

    /// Customer.io (Parcel-built) email: one /e/c/ link whose payload is a captured real one,
    /// /e/o/ open pixel, unsubscribe page on the tracking host.
    pub(crate) const CUSTOMERIO: &str = r##"<!DOCTYPE html><html><head><meta name="viewport" content="width=device-width"></head>
<body style="background:#fff">
<table role="presentation" width="100%"><tr><td style="padding:24px;font-family:Inter,Helvetica,sans-serif">
<img src="https://userimg-assets.customeriomail.com/images/client-env-98765/1700000000000_logo.png" alt="Harbour Partners" width="140" height="40">
<p>Please review the updated partner terms.</p>
<p><a href="https://e.customeriomail.com/e/c/eyJlbWFpbF9pZCI6IlJQSVNBUUFCYUhzenBhYVBoSjhKWG1kZHphN0QiLCJocmVmIjoiaHR0cHM6Ly93d3cuc2hvcGlmeS5jYS9wYXJ0bmVycy90ZXJtcyIsInBvc2l0aW9uIjoyfQ/b8c7b67f71aac811cd000a949bd403e3f709fa493170aba0a6c90574d5b75970" style="color:#2f6fed">Partner Program Agreement</a></p>
<p style="font-size:12px;color:#888"><a href="https://e.customeriomail.com/unsubscribe/dgSRiAcBAOqifemifQGJAEA-3HmQFiUsUqQSc_A=" style="color:#888">Unsubscribe</a></p>
</td></tr></table>
<img src="https://e.customeriomail.com/e/o/eyJlbWFpbF9pZCI6IlJQSVNBUUFCYUhzenBhYVBoSjhKWG1kZHphN0QifQ==" style="height: 1px !important; max-height: 1px !important; max-width: 1px !important; width: 1px !important; display: none !important;" alt=""/>
</body></html>"##;

    /// Postmark receipt: one click.pstmrk.it link (destination encoded in the path), mailto and
    /// tel support links, ea.pstmrk.it open pixel.
    pub(crate) const POSTMARK: &str = r##"<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml"><head><meta name="x-apple-disable-message-reformatting" /></head>
<body style="width:100% !important;height:100%;margin:0;">
<span class="preheader" style="display:none !important;visibility:hidden;mso-hide:all;font-size:1px;line-height:1px;max-height:0;max-width:0;opacity:0;overflow:hidden;">Receipt for order #1042</span>
<table class="email-wrapper" width="100%" cellpadding="0" cellspacing="0" role="presentation"><tr><td align="center">
<table class="email-content" width="100%" cellpadding="0" cellspacing="0" role="presentation">
<tr><td class="email-masthead"><a href="https://shop.example.com" class="f-fallback email-masthead_name">Harbour Goods</a></td></tr>
<tr><td class="email-body" width="570" cellpadding="0" cellspacing="0">
<p>Thanks for your order. <a href="https://click.pstmrk.it/3s/shop.example.com%2Faccount%2Forders%2F1042%3Fref%3Dreceipt/qzFR/112tAQ/AQ/8ca0d9d0-e358-4cb7-aead-53ca8cbd4b79/1/3Ug7SAcXST" class="button button--green" target="_blank">View your order</a></p>
<p>Need help? <a href="mailto:support@shop.example.com">support@shop.example.com</a> or call <a href="tel:+44-23-9200-0000">+44 23 9200 0000</a>.</p>
</td></tr></table></td></tr></table>
<img src="https://ea.pstmrk.it/open/v3_9fXq2rB8cT0s1uV4wY7zA?m=1" width="1" height="1" border="0" alt="" />
</body></html>"##;

    /// Omnisend campaign: soundestlink `/image/newsletter/` images, a `/link/` click, a `/track/`
    /// open pixel and the contactsPreferences unsubscribe.
    pub(crate) const OMNISEND: &str = r##"<!DOCTYPE html><html><head><meta charset="utf-8"><title>Weekend sale</title></head>
<body style="margin:0;padding:0;background:#eeeeee">
<table width="100%" border="0" cellspacing="0" cellpadding="0" bgcolor="#eeeeee"><tr><td align="center">
<table width="600" border="0" cellspacing="0" cellpadding="0" bgcolor="#ffffff">
<tr><td align="center"><img src="https://omni.soundestlink.com/image/newsletter/64f811526e1f7d491b774f04" alt="Harbour Goods" width="200" style="display:block;border:0"></td></tr>
<tr><td align="center"><a href="https://nsx.soundestlink.com/link/64f89775d99f3a05fba13863/64f811526e1f7d491b774f04/628e6062f49055001dad96be?signature=b60650024ab78fdef771f0d2e18b1140e775702dbc57c9c059c0b8e527a88a31" target="_blank"><img src="https://omni.soundestlink.com/image/newsletter/64f811526e1f7d491b774f05" alt="Weekend sale: 20% off" width="600" style="display:block;border:0"></a></td></tr>
<tr><td align="center" style="font-size:11px;color:#999;padding:20px">
<a href="https://omni.soundestlink.com/contactsPreferences/v2/unsubscribe/64f89775d99f3a05fba13863/64f811526e1f7d491b774f04?signature=0d9e8f7a6b5c" style="color:#999">Unsubscribe</a>
</td></tr></table></td></tr></table>
<img src="https://omni.soundestlink.com/track/64f89775d99f3a05fba13863/64f811526e1f7d491b774f04?signature=7a6b5c4d3e2f1a0b" width="1" height="1" alt="" border="0" style="display:block">
</body></html>"##;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn img<'a>(ex: &'a Extracted, needle: &str) -> &'a ImageRef {
        ex.images
            .iter()
            .find(|i| i.src.contains(needle))
            .unwrap_or_else(|| panic!("no image containing {needle}: {:#?}", ex.images))
    }

    fn link<'a>(ex: &'a Extracted, needle: &str) -> &'a LinkRef {
        ex.links
            .iter()
            .find(|l| l.href.contains(needle))
            .unwrap_or_else(|| panic!("no link containing {needle}: {:#?}", ex.links))
    }

    #[test]
    fn dimensions_from_attributes_and_style() {
        let ex = extract(
            r#"<img src="https://a.example/1.gif" width="1" height="1px">
               <img src="https://a.example/2.gif" style="width:1px;height:1px">
               <img src="https://a.example/3.gif" width="600" style="width:100%;height:auto !important">
               <img src="https://a.example/4.gif" width="1" style="width: 2PX !important">
               <img src="https://a.example/5.gif" width=" 1.0 " height="auto">
               <img src="https://a.example/6.gif">"#,
        );
        let dims: Vec<_> = ex.images.iter().map(|i| (i.width, i.height)).collect();
        assert_eq!(
            dims,
            [
                (Some(1), Some(1)),
                (Some(1), Some(1)),
                (Some(600), None),
                (Some(2), None),
                (Some(1), None),
                (None, None)
            ]
        );
    }

    #[test]
    fn tracking_pixel_shape_rule() {
        let ex = extract(
            r#"<img src="https://a.example/px.gif" width="1" height="1">
               <img src="https://a.example/zero.gif" width="0" height="0">
               <img src="https://a.example/w1.gif" width="1">
               <img src="https://a.example/divider.gif" width="1" style="height:100%">
               <img src="https://a.example/rule.gif" style="width:100%;height:1px">
               <img src="https://a.example/logo.png" width="180" height="1">
               <img src="https://a.example/nosize.png">
               <img src="https://a.example/hidden.png" width="600" height="300" style="display:none">"#,
        );
        let shapes: Vec<(&str, bool)> = ex
            .images
            .iter()
            .map(|i| {
                (
                    i.src.rsplit('/').next().unwrap(),
                    i.looks_like_tracking_pixel(),
                )
            })
            .collect();
        assert_eq!(
            shapes,
            [
                ("px.gif", true),
                ("zero.gif", true),
                ("w1.gif", true),
                ("divider.gif", false),
                ("rule.gif", false),
                ("logo.png", false),
                ("nosize.png", false),
                ("hidden.png", true)
            ]
        );
        // width="0" also counts as hidden.
        assert!(img(&ex, "zero.gif").hidden);
        assert!(!img(&ex, "px.gif").hidden);
    }

    #[test]
    fn spacer_on_store_cdn_is_pixel_shaped() {
        let ex = extract(
            r#"<td><img src="https://cdn.shopify.com/s/files/1/0000/0001/files/spacer.gif" width="1" height="1" alt="" style="display:block"></td>"#,
        );
        let spacer = &ex.images[0];
        assert!(spacer.looks_like_tracking_pixel());
        assert!(!spacer.hidden);
        assert_eq!(spacer.alt.as_deref(), Some(""));
    }

    #[test]
    fn hidden_via_ancestors() {
        let ex = extract(
            r#"<div style="DISPLAY: none"><span><img src="https://a.example/a.gif" width="50" height="50"></span></div>
               <div style="visibility:hidden"><img src="https://a.example/b.gif"></div>
               <table><tr><td style="opacity: 0.0"><img src="https://a.example/c.gif"></td></tr></table>
               <div style="max-height:0;overflow:hidden"><img src="https://a.example/d.gif"></div>
               <div style="height:0px"><img src="https://a.example/e.gif"></div>
               <div hidden><img src="https://a.example/f.gif"></div>
               <div style="mso-hide:all"><img src="https://a.example/g.gif"></div>
               <div style="opacity:0.5"><img src="https://a.example/h.gif"></div>
               <img src="https://a.example/i.gif" style="max-height:0px">
               <img src="https://a.example/j.gif" hidden>"#,
        );
        let hidden: Vec<(&str, bool)> = ex
            .images
            .iter()
            .map(|i| (i.src.rsplit('/').next().unwrap(), i.hidden))
            .collect();
        assert_eq!(
            hidden,
            [
                ("a.gif", true),
                ("b.gif", true),
                ("c.gif", true),
                ("d.gif", true),
                ("e.gif", false), // zero height without overflow:hidden still shows content
                ("f.gif", true),
                ("g.gif", false), // Outlook-only hiding
                ("h.gif", false),
                ("i.gif", true), // zero size on the image itself
                ("j.gif", true)
            ]
        );
    }

    #[test]
    fn backgrounds_are_collected_and_marked() {
        let ex = extract(
            r#"<table background="https://cdn.example/table-bg.png"><tr>
               <td style="background: #000 url(&quot;https://cdn.example/td-bg.jpg&quot;) no-repeat; width:600px">x</td>
               <td style='background-image:url(https://cdn.example/a.png), url("https://cdn.example/b.png")'>y</td>
               <td style="background-image:url(data:image/png;base64,iVBORw0KGgo=);color:red">z</td>
               <td style="background:none">n</td>
               </tr></table>
               <img src="https://cdn.example/after.png">"#,
        );
        let got: Vec<(&str, ImageSource)> = ex
            .images
            .iter()
            .map(|i| (i.src.as_str(), i.source))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "https://cdn.example/table-bg.png",
                    ImageSource::BackgroundAttribute
                ),
                ("https://cdn.example/td-bg.jpg", ImageSource::CssBackground),
                ("https://cdn.example/a.png", ImageSource::CssBackground),
                ("https://cdn.example/b.png", ImageSource::CssBackground),
                (
                    "data:image/png;base64,iVBORw0KGgo=",
                    ImageSource::CssBackground
                ),
                ("https://cdn.example/after.png", ImageSource::Img),
            ]
        );
        assert_eq!(img(&ex, "td-bg").width, Some(600));
        assert_eq!(img(&ex, "td-bg").alt, None);
        assert_eq!(img(&ex, "base64").url, None);
        assert!(img(&ex, "table-bg").url.is_some());
    }

    #[test]
    fn image_urls_are_http_only_and_entity_decoded() {
        let ex = extract(
            r#"<img src=" https://a.example/p.gif?u=1&amp;id=2 ">
               <img src="cid:logo@shop">
               <img src="/images/logo.png">
               <img src="//cdn.example/x.png">
               <img src="">
               <img alt="no src">"#,
        );
        assert_eq!(ex.images.len(), 4, "{:#?}", ex.images);
        assert_eq!(ex.images[0].src, "https://a.example/p.gif?u=1&id=2");
        assert_eq!(
            ex.images[0].url.as_ref().unwrap().as_str(),
            "https://a.example/p.gif?u=1&id=2"
        );
        assert_eq!(ex.images[1].url, None);
        assert_eq!(ex.images[2].url, None);
        assert_eq!(
            ex.images[3].url.as_ref().map(Url::as_str),
            Some("https://cdn.example/x.png")
        );
    }

    #[test]
    fn links_kinds_text_and_skips() {
        let ex = extract(
            r##"<a href="https://shop.example/p?a=1&amp;b=2&amp;utm_source=email">  Shop
                  <b>now</b>&nbsp;&rarr; </a>
               <a href="mailto:help@shop.example?subject=Hi%20there">Email&#8203; us</a>
               <a href="tel:+442392000000">Call</a>
               <a href="#top">Back to top</a>
               <a href="">empty</a>
               <a href="  ">blank</a>
               <a name="anchor">no href</a>
               <a href="javascript:void(0)">js</a>
               <a href="*|UNSUB|*">Unsubscribe</a>
               <a href="/account">Relative</a>
               <a href="https://shop.example/ig"><img src="https://cdn.example/ig.png" alt=" Instagram "></a>
               <a href="https://shop.example/x" aria-label="Follow on X"><img src="https://cdn.example/x.png" alt=""></a>
               <map name="m"><area shape="rect" coords="0,0,10,10" href="https://shop.example/area" alt="Sale banner"></map>"##,
        );
        let got: Vec<(&str, &str, LinkKind, bool)> = ex
            .links
            .iter()
            .map(|l| (l.href.as_str(), l.text.as_str(), l.kind, l.url.is_some()))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "https://shop.example/p?a=1&b=2&utm_source=email",
                    "Shop now →",
                    LinkKind::Web,
                    true
                ),
                (
                    "mailto:help@shop.example?subject=Hi%20there",
                    "Email us",
                    LinkKind::Mailto,
                    true
                ),
                ("tel:+442392000000", "Call", LinkKind::Tel, true),
                ("javascript:void(0)", "js", LinkKind::Other, false),
                ("*|UNSUB|*", "Unsubscribe", LinkKind::Other, false),
                ("/account", "Relative", LinkKind::Other, false),
                ("https://shop.example/ig", "Instagram", LinkKind::Web, true),
                ("https://shop.example/x", "Follow on X", LinkKind::Web, true),
                (
                    "https://shop.example/area",
                    "Sale banner",
                    LinkKind::Web,
                    true
                ),
            ]
        );
        let url = link(&ex, "utm_source").url.as_ref().unwrap();
        assert_eq!(
            url.query_pairs().collect::<Vec<_>>(),
            [
                ("a".into(), "1".into()),
                ("b".into(), "2".into()),
                ("utm_source".into(), "email".into())
            ]
        );
    }

    #[test]
    fn base_href_resolves_relative_urls() {
        let ex = extract(
            r#"<html><head><base href="https://shop.example/emails/"></head><body>
               <a href="../account?x=1">Account</a><img src="img/logo.png"></body></html>"#,
        );
        assert_eq!(ex.links[0].kind, LinkKind::Web);
        assert_eq!(
            ex.links[0].url.as_ref().unwrap().as_str(),
            "https://shop.example/account?x=1"
        );
        assert_eq!(
            ex.images[0].url.as_ref().unwrap().as_str(),
            "https://shop.example/emails/img/logo.png"
        );
    }

    #[test]
    fn hidden_link_text_is_skipped() {
        let ex = extract(
            r#"<a href="https://shop.example/"><span style="display:none">SECRET</span><style>.x{}</style>Home</a>"#,
        );
        assert_eq!(ex.links[0].text, "Home");
    }

    #[test]
    fn messy_markup_is_robust() {
        let ex = extract(
            r#"<TABLE><TR><TD BACKGROUND=https://cdn.example/bg.gif><IMG SRC=https://cdn.example/a.gif WIDTH=1 HEIGHT=1 ALT=x>
               <!--[if mso]><img src="https://cdn.example/mso-only.gif"><a href="https://shop.example/mso">mso</a><![endif]-->
               <!--[if !mso]><!--><A HREF=https://shop.example/?a=1&amp;b=2>Not MSO</A><!--<![endif]-->
               <![if !mso]><img src="https://cdn.example/downlevel.gif"><![endif]>
               <p>unclosed <b>tags <i>everywhere
               </TD></TR></TABLE><script>document.write('<img src="https://cdn.example/js.gif">')</script>"#,
        );
        let srcs: Vec<&str> = ex.images.iter().map(|i| i.src.as_str()).collect();
        assert_eq!(
            srcs,
            [
                "https://cdn.example/bg.gif",
                "https://cdn.example/a.gif",
                "https://cdn.example/downlevel.gif"
            ]
        );
        assert_eq!(img(&ex, "a.gif").alt.as_deref(), Some("x"));
        assert!(img(&ex, "a.gif").looks_like_tracking_pixel());
        assert_eq!(ex.links.len(), 1);
        assert_eq!(ex.links[0].href, "https://shop.example/?a=1&b=2");
        assert_eq!(ex.links[0].text, "Not MSO");
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let depth = 3_000;
        let html = format!(
            "{}<img src=\"https://a.example/deep.gif\" width=1 height=1>{}",
            "<div>".repeat(depth),
            "</div>".repeat(depth)
        );
        let ex = extract(&html);
        assert_eq!(ex.images.len(), 1);
    }

    #[test]
    fn style_parsing_edge_cases() {
        let s = InlineStyle::parse(
            "WIDTH : 1PX !IMPORTANT; background:url('a;b.png') ; display:block; display:NONE;;",
        );
        assert_eq!(s.get("width"), Some("1PX"));
        assert_eq!(s.get("background"), Some("url('a;b.png')"));
        assert!(s.is("display", "none"));
        assert_eq!(parse_px("1PX"), Some(1));
        assert_eq!(parse_px("1em"), None);
        assert_eq!(parse_px("-1"), None);
        assert!(is_zero("0%") && is_zero("0.0em") && !is_zero("auto") && !is_zero("0.5"));
    }

    // ---- Fixture-level checks (ESP classification is tested in `esp`) ---------------------

    #[test]
    fn klaviyo_fixture_structure() {
        let ex = extract(fixtures::KLAVIYO);
        // The `<style>` block's background and the VML fill are not collected.
        assert!(!ex.images.iter().any(|i| i.src.contains("never-used")));
        let srcs: Vec<(&str, ImageSource)> = ex
            .images
            .iter()
            .map(|i| (i.src.rsplit('/').next().unwrap(), i.source))
            .collect();
        assert_eq!(
            srcs,
            [
                ("5f3c1e2a-logo.png", ImageSource::Img),
                ("hero-bg.jpg", ImageSource::BackgroundAttribute),
                ("hero-bg.jpg", ImageSource::CssBackground),
                ("mug.jpg", ImageSource::Img),
                ("bowl.jpg", ImageSource::Img),
                ("p.gif?e=3AbCdE", ImageSource::Img),
            ]
        );
        let pixel = img(&ex, "trk.klaviyomail.com");
        assert!(pixel.looks_like_tracking_pixel() && !pixel.hidden);
        assert!(!img(&ex, "logo.png").looks_like_tracking_pixel());
        // Uppercase, unquoted CTA with entities.
        assert_eq!(link(&ex, "_1").text, "Shop now →");
        // Link text from image alt.
        assert_eq!(link(&ex, "_2").text, "Stoneware mug");
        // `&amp;` decoded in the href.
        assert!(link(&ex, "unsubscribe")
            .href
            .contains("?a=XyZ123&c=01J8ZK3R5Q&k="));
        // The MSO-only VML button (_9) is inside a conditional comment.
        assert!(!ex.links.iter().any(|l| l.href.ends_with("_9")));
        assert_eq!(ex.links.len(), 6);
    }

    #[test]
    fn hidden_preheaders_and_pixels_in_fixtures() {
        let cio = extract(fixtures::CUSTOMERIO);
        let pixel = img(&cio, "/e/o/");
        assert!(pixel.hidden && pixel.looks_like_tracking_pixel());
        assert!(!img(&cio, "logo.png").looks_like_tracking_pixel());
        let sg = extract(fixtures::SENDGRID);
        assert!(img(&sg, "/wf/open").looks_like_tracking_pixel());
        assert!(!img(&sg, "logo.png").looks_like_tracking_pixel());
        assert_eq!(
            link(&sg, "mailto:").url.as_ref().unwrap().as_str(),
            "mailto:help@shop.example.com?subject=Order%20%231042"
        );
        let pm = extract(fixtures::POSTMARK);
        let kinds: Vec<LinkKind> = pm.links.iter().map(|l| l.kind).collect();
        assert_eq!(
            kinds,
            [
                LinkKind::Web,
                LinkKind::Web,
                LinkKind::Mailto,
                LinkKind::Tel
            ]
        );
        let mc = extract(fixtures::MAILCHIMP);
        assert_eq!(
            link(&mc, "eepurl").text,
            "Email Marketing Powered by Intuit Mailchimp"
        );
        assert!(img(&mc, "open.php").looks_like_tracking_pixel());
        let hs = extract(fixtures::HUBSPOT);
        assert!(img(&hs, "/e3t/Cto/").hidden);
        let om = extract(fixtures::OMNISEND);
        assert_eq!(
            om.images
                .iter()
                .filter(|i| i.looks_like_tracking_pixel())
                .count(),
            1
        );
    }
}
