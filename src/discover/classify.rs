//! Page types: which template a URL path renders, with Shopify's URL layout as the default.

use pixelaudit_core::config::PathGlob;

/// Built-in page types, in report order (user types go before `other`):
///
/// | type | paths |
/// | --- | --- |
/// | `home` | `/` |
/// | `collection` | `/collections/*` and below (tag filters), except product paths |
/// | `product` | `/products/*`, `/collections/*/products/*` |
/// | `cart` | `/cart` |
/// | `checkout` | `/checkout`, `/checkouts/**` |
/// | `blog` | `/blogs/**` |
/// | `page` | `/pages/*` |
/// | `account` | `/account/**` |
/// | `search` | `/search` |
/// | `other` | anything else |
///
/// A leading locale segment (`/fr/…`, `/en-us/…`) is ignored, and so is a trailing `/`.
pub const PAGE_TYPES: [&str; 10] = [
    "home",
    "collection",
    "product",
    "cart",
    "checkout",
    "blog",
    "page",
    "account",
    "search",
    "other",
];

/// The type of the page at `path` (a URL path; anything from `?` on is ignored). User types are
/// tried first, in order, against the path and then against the path without its locale
/// prefix; then the built-in [`PAGE_TYPES`].
pub fn classify(path: &str, user_types: &[(String, PathGlob)]) -> String {
    let path = path.split_once('?').map_or(path, |(path, _)| path);
    let unprefixed = strip_locale(path);
    for (name, glob) in user_types {
        if glob.matches(path) || unprefixed.is_some_and(|p| glob.matches(p)) {
            return name.clone();
        }
    }
    builtin_type(unprefixed.unwrap_or(path)).to_string()
}

/// Sort key of a type: built-in order, user types (in order) before `other`, then unknown names.
pub(crate) fn type_rank(name: &str, user_types: &[(String, PathGlob)]) -> usize {
    let other = PAGE_TYPES.len() - 1;
    if let Some(i) = PAGE_TYPES[..other].iter().position(|t| *t == name) {
        i
    } else if let Some(i) = user_types.iter().position(|(n, _)| n == name) {
        other + i
    } else if name == "other" {
        other + user_types.len()
    } else {
        other + user_types.len() + 1
    }
}

/// `path` without a leading locale segment (`/fr`, `/en-us`), or `None` when it has none.
fn strip_locale(path: &str) -> Option<&str> {
    let rest = path.strip_prefix('/')?;
    let (segment, tail) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    if !is_locale(segment) {
        return None;
    }
    Some(if tail.is_empty() { "/" } else { tail })
}

fn is_locale(segment: &str) -> bool {
    let b = segment.as_bytes();
    let alpha = |s: &[u8]| s.iter().all(u8::is_ascii_alphabetic);
    match b.len() {
        2 => alpha(b),
        5 => b[2] == b'-' && alpha(&b[..2]) && alpha(&b[3..]),
        _ => false,
    }
}

fn builtin_type(path: &str) -> &'static str {
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return "home";
    }
    let segments: Vec<&str> = trimmed.trim_start_matches('/').split('/').collect();
    match segments.as_slice() {
        ["collections", _, "products", _] => "product",
        ["collections", _, ..] => "collection",
        ["products", _] => "product",
        ["cart"] => "cart",
        ["checkout"] | ["checkouts", ..] => "checkout",
        ["blogs", ..] => "blog",
        ["pages", _] => "page",
        ["account", ..] => "account",
        ["search"] => "search",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(path: &str) -> String {
        classify(path, &[])
    }

    #[test]
    fn shopify_defaults() {
        assert_eq!(c("/"), "home");
        assert_eq!(c(""), "home");
        assert_eq!(c("/collections/shirts"), "collection");
        assert_eq!(c("/collections/shirts/red"), "collection");
        assert_eq!(c("/collections/shirts/products/tee"), "product");
        assert_eq!(c("/products/tee"), "product");
        assert_eq!(c("/products/tee/"), "product");
        assert_eq!(c("/products/tee?variant=1"), "product");
        assert_eq!(c("/cart"), "cart");
        assert_eq!(c("/checkout"), "checkout");
        assert_eq!(c("/checkouts/cn/abc/information"), "checkout");
        assert_eq!(c("/blogs/news"), "blog");
        assert_eq!(c("/blogs/news/post"), "blog");
        assert_eq!(c("/pages/about"), "page");
        assert_eq!(c("/account"), "account");
        assert_eq!(c("/account/login"), "account");
        assert_eq!(c("/search"), "search");
        assert_eq!(c("/collections"), "other");
        assert_eq!(c("/products"), "other");
        assert_eq!(c("/policies/refund-policy"), "other");
        assert_eq!(c("/pages/a/b"), "other");
    }

    #[test]
    fn locale_prefixes_are_ignored() {
        assert_eq!(c("/en-us/products/x"), "product");
        assert_eq!(c("/fr/collections/y"), "collection");
        assert_eq!(c("/fr"), "home");
        assert_eq!(c("/en-GB/"), "home");
        assert_eq!(c("/de/cart"), "cart");
        // Not locales: wrong length or shape.
        assert_eq!(c("/fra/products/x"), "other");
        assert_eq!(c("/en_us/products/x"), "other");
        assert_eq!(c("/e1/products/x"), "other");
    }

    #[test]
    fn user_types_win_and_see_both_paths() {
        let user = vec![
            (
                "gift-card".to_string(),
                PathGlob::new("/products/gift-card-*").unwrap(),
            ),
            ("french".to_string(), PathGlob::new("/fr/**").unwrap()),
        ];
        assert_eq!(classify("/products/gift-card-10", &user), "gift-card");
        assert_eq!(classify("/en-us/products/gift-card-10", &user), "gift-card");
        assert_eq!(classify("/fr/products/x", &user), "french");
        assert_eq!(classify("/products/x", &user), "product");
        assert_eq!(classify("/unknown", &user), "other");
    }

    #[test]
    fn ranks_follow_report_order() {
        let user = vec![("lookbook".to_string(), PathGlob::new("/lb/*").unwrap())];
        let mut names = vec!["other", "search", "lookbook", "home", "product", "zzz"];
        names.sort_by_key(|n| type_rank(n, &user));
        assert_eq!(
            names,
            ["home", "product", "search", "lookbook", "other", "zzz"]
        );
    }
}
