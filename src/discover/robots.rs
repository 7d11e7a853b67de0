//! robots.txt: `Sitemap:` lines and the `Allow`/`Disallow` rules that apply to pixelaudit,
//! matched as Google documents (longest match wins, `Allow` on a tie, `*` and `$` wildcards).

/// The robots.txt product token pixelaudit obeys: a `User-agent: pixelaudit` group replaces the
/// `User-agent: *` rules when present.
pub const ROBOTS_AGENT: &str = "pixelaudit";

/// The parsed robots.txt of one origin.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Robots {
    rules: Vec<Rule>,
    sitemaps: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Rule {
    allow: bool,
    pattern: String,
}

#[derive(Debug, Default)]
struct Group {
    agents: Vec<String>,
    rules: Vec<Rule>,
}

impl Robots {
    /// Parses robots.txt text, keeping the rules of the groups for `agent` if any, else those
    /// of the `*` groups. Unknown lines are ignored.
    pub(crate) fn parse(text: &str, agent: &str) -> Robots {
        let agent = agent.to_ascii_lowercase();
        let mut groups: Vec<Group> = Vec::new();
        let mut sitemaps = Vec::new();
        // Whether the previous group line was a user-agent (consecutive ones share a group).
        let mut collecting_agents = false;
        for line in text.trim_start_matches('\u{feff}').lines() {
            let line = line.split_once('#').map_or(line, |(line, _)| line).trim();
            let Some((key, value)) = line.split_once(':') else {
                continue;
            };
            let value = value.trim();
            match key.trim().to_ascii_lowercase().as_str() {
                "user-agent" => {
                    if !collecting_agents {
                        groups.push(Group::default());
                        collecting_agents = true;
                    }
                    if let Some(group) = groups.last_mut() {
                        // "pixelaudit/1.2" names the same product as "pixelaudit".
                        let token = value.split('/').next().unwrap_or(value).trim();
                        group.agents.push(token.to_ascii_lowercase());
                    }
                }
                field @ ("allow" | "disallow") => {
                    collecting_agents = false;
                    if let (Some(group), false) = (groups.last_mut(), value.is_empty()) {
                        group.rules.push(Rule {
                            allow: field == "allow",
                            pattern: normalise_pattern(value),
                        });
                    }
                }
                "sitemap" if !value.is_empty() => sitemaps.push(value.to_string()),
                _ => {}
            }
        }
        let ours = |wanted: &str| {
            groups
                .iter()
                .filter(|g| g.agents.iter().any(|a| a == wanted))
                .flat_map(|g| g.rules.iter().cloned())
                .collect::<Vec<_>>()
        };
        let has_own_group = groups.iter().any(|g| g.agents.contains(&agent));
        let rules = if has_own_group {
            ours(&agent)
        } else {
            ours("*")
        };
        Robots { rules, sitemaps }
    }

    /// The `Sitemap:` URLs, as written.
    pub(crate) fn sitemaps(&self) -> &[String] {
        &self.sitemaps
    }

    /// Whether `path_and_query` (percent-encoded, as in a [`url::Url`]) may be fetched.
    pub(crate) fn allows(&self, path_and_query: &str) -> bool {
        if path_and_query == "/robots.txt" {
            return true;
        }
        let mut best: Option<(usize, bool)> = None;
        for rule in &self.rules {
            if !wildcard_match(&rule.pattern, path_and_query) {
                continue;
            }
            let len = rule.pattern.len();
            best = match best {
                Some((best_len, best_allow))
                    if best_len > len || (best_len == len && (best_allow || !rule.allow)) =>
                {
                    Some((best_len, best_allow))
                }
                _ => Some((len, rule.allow)),
            };
        }
        best.is_none_or(|(_, allow)| allow)
    }
}

/// Percent-encodes non-ASCII characters (URLs are matched encoded) and adds a missing leading `/`.
fn normalise_pattern(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 1);
    if !pattern.starts_with('/') && !pattern.starts_with('*') {
        out.push('/');
    }
    for c in pattern.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for byte in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{byte:02X}"));
            }
        }
    }
    out
}

/// Google's robots.txt matching: the pattern matches a prefix of `text`, `*` matches any run
/// of characters, and a final `$` anchors the pattern at the end of `text`.
fn wildcard_match(pattern: &str, text: &str) -> bool {
    let (pattern, anchored) = match pattern.strip_suffix('$') {
        Some(p) => (p, true),
        None => (pattern, false),
    };
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    let (mut pi, mut ti) = (0, 0);
    // Position of the last `*` seen and the text position it is currently matched up to.
    let mut star: Option<(usize, usize)> = None;
    loop {
        if !anchored && pi == p.len() {
            return true;
        }
        if ti == t.len() {
            return p[pi..].iter().all(|&b| b == b'*');
        }
        if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if let Some((star_pi, star_ti)) = star {
            pi = star_pi + 1;
            ti = star_ti + 1;
            star = Some((star_pi, ti));
        } else {
            return false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_follow_google() {
        assert!(wildcard_match("/fish", "/fish"));
        assert!(wildcard_match("/fish", "/fish.html"));
        assert!(wildcard_match("/fish", "/fishheads/yummy.html"));
        assert!(!wildcard_match("/fish", "/Fish.asp"));
        assert!(!wildcard_match("/fish", "/catfish"));
        assert!(wildcard_match("/fish*", "/fish"));
        assert!(wildcard_match("/*.php", "/folder/filename.php?parameters"));
        assert!(wildcard_match("/*.php", "/filename.php/"));
        assert!(!wildcard_match("/*.php", "/windows.PHP"));
        assert!(wildcard_match("/*.php$", "/folder/filename.php"));
        assert!(!wildcard_match("/*.php$", "/filename.php?parameters"));
        assert!(!wildcard_match("/*.php$", "/filename.php5"));
        assert!(wildcard_match(
            "/fish*.php",
            "/fishheads/catfish.php?parameters"
        ));
        assert!(!wildcard_match("/fish*.php", "/Fish.PHP"));
        assert!(wildcard_match(
            "/collections/*sort_by*",
            "/collections/a?sort_by=price"
        ));
        assert!(wildcard_match("*", ""));
        assert!(wildcard_match("/$", "/"));
        assert!(!wildcard_match("/$", "/a"));
    }

    const SHOPIFY: &str = "\u{feff}# we use Shopify as our ecommerce platform

User-agent: *
Disallow: /admin
Disallow: /cart
Disallow: /collections/*sort_by*   # sorted listings
Allow: /cart/shared$
Disallow: /page
Allow: /pages

User-agent: Googlebot
user-agent: AdsBot-Google
Disallow: /

Sitemap: https://shop.example/sitemap.xml
";

    #[test]
    fn star_group_with_longest_match() {
        let r = Robots::parse(SHOPIFY, ROBOTS_AGENT);
        assert_eq!(r.sitemaps(), ["https://shop.example/sitemap.xml"]);
        assert!(!r.allows("/admin"));
        assert!(!r.allows("/admin/products/1"));
        // Rules are prefixes: `/admin` also covers `/administrator`.
        assert!(!r.allows("/administrator"));
        assert!(!r.allows("/cart"));
        assert!(r.allows("/cart/shared"));
        assert!(!r.allows("/cart/shared/x"));
        assert!(!r.allows("/collections/all?sort_by=price"));
        assert!(r.allows("/collections/all"));
        // `/pages` (6 characters) beats `/page` (5).
        assert!(r.allows("/pages/about"));
        assert!(!r.allows("/page-2"));
        assert!(r.allows("/products/x"));
        assert!(r.allows("/robots.txt"));
        // Googlebot's group is not ours.
        assert!(r.allows("/"));
    }

    #[test]
    fn own_group_replaces_star_and_ties_go_to_allow() {
        let text = "User-agent: *\nDisallow: /\n\nUser-agent: PixelAudit/2.0\nDisallow: /a\nAllow: /a\nDisallow: /b\nDisallow:\n";
        let r = Robots::parse(text, ROBOTS_AGENT);
        assert!(r.allows("/"));
        assert!(r.allows("/a/x"));
        assert!(!r.allows("/b"));
        let star_only = Robots::parse("User-agent: *\nDisallow: /\n", ROBOTS_AGENT);
        assert!(!star_only.allows("/"));
        assert!(Robots::parse("", ROBOTS_AGENT).allows("/anything"));
        // A rule line before any user-agent line belongs to no group.
        assert!(Robots::parse("Disallow: /\n", ROBOTS_AGENT).allows("/x"));
    }

    #[test]
    fn non_ascii_patterns_match_encoded_paths() {
        let r = Robots::parse("User-agent: *\nDisallow: /pages/café\n", ROBOTS_AGENT);
        assert!(!r.allows("/pages/caf%C3%A9"));
        assert!(r.allows("/pages/cafe"));
    }
}
