//! Single-page-app routes: the same-document navigations a page made (`history.pushState`,
//! `replaceState`, hash routes) and the routes they split the page into, one page view each.

use serde::Serialize;
use url::Url;

/// A same-document navigation of the page's main frame, as the browser reported it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RouteChange {
    /// The URL the page changed to.
    pub url: String,
    /// When, in ms on the requests' timeline (`CapturedRequest::time_ms`).
    pub time_ms: f64,
}

/// One route of a page: from `at_ms` until the next route starts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Route {
    /// The route's URL (its latest spelling, when the app renamed it before sending anything).
    pub url: String,
    /// When the route started, in ms on the requests' timeline (0 for the page's first).
    pub at_ms: f64,
    /// False for the route a journey step started on (the step did not enter it: its page
    /// view belongs to an earlier step).
    #[serde(skip)]
    pub entered: bool,
}

/// True when `a` and `b` are one route: same origin and path (a trailing `/` aside), and the
/// same hash route (`#/x`, `#!/x`). A query (`?variant=123`, UTM clean-up) or a plain
/// `#anchor` does not make another route.
pub fn same_route(a: &str, b: &str) -> bool {
    route_key(a) == route_key(b)
}

/// What identifies a route in a URL: origin, path and hash-route path.
fn route_key(url: &str) -> String {
    let Ok(parsed) = Url::parse(url) else {
        // Not a URL the browser would report; compare it as written, without query or anchor.
        return url.split(['?', '#']).next().unwrap_or(url).to_string();
    };
    let path = parsed.path().trim_end_matches('/');
    let hash_route = parsed
        .fragment()
        .and_then(|f| f.strip_prefix('!').unwrap_or(f).strip_prefix('/'))
        .map(|route| {
            route
                .split('?')
                .next()
                .unwrap_or(route)
                .trim_end_matches('/')
        })
        // `#/` is the hash router's root: the page itself.
        .filter(|route| !route.is_empty());
    format!(
        "{}{path}{}",
        parsed.origin().ascii_serialization(),
        hash_route.map(|r| format!("#/{r}")).unwrap_or_default()
    )
}

/// Splits a page into its routes. `start_url` is the URL the page (or journey step) started
/// on, `entered` whether the capture saw it start (a page load) rather than a step starting
/// on it; `changes` the same-document navigations in time order; `event_times` when each
/// event hit was sent. A change to another route starts a new route, unless the current route
/// has sent no event yet: then the app only renamed it (a router canonicalising `/` to
/// `/home` at load) and the current route takes the new URL. Changes within one route
/// (queries, anchors) start nothing. Always at least one route.
pub fn split_routes(
    start_url: &str,
    entered: bool,
    changes: &[RouteChange],
    event_times: &[f64],
) -> Vec<Route> {
    let mut routes = vec![Route {
        url: start_url.to_string(),
        at_ms: 0.0,
        entered,
    }];
    for change in changes {
        let current = routes.last_mut().expect("at least one route");
        if same_route(&current.url, &change.url) {
            continue;
        }
        let sent = event_times
            .iter()
            .any(|&t| t >= current.at_ms && t < change.time_ms);
        if sent {
            routes.push(Route {
                url: change.url.clone(),
                at_ms: change.time_ms,
                entered: true,
            });
        } else {
            current.url = change.url.clone();
            current.entered = true;
        }
    }
    routes
}

/// The index of the route a request sent at `time_ms` belongs to: the last one started by
/// then (the first route for anything earlier).
pub fn route_at(routes: &[Route], time_ms: f64) -> usize {
    routes.iter().rposition(|r| r.at_ms <= time_ms).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(url: &str, time_ms: f64) -> RouteChange {
        RouteChange {
            url: url.to_string(),
            time_ms,
        }
    }

    fn urls(routes: &[Route]) -> Vec<(&str, f64)> {
        routes.iter().map(|r| (r.url.as_str(), r.at_ms)).collect()
    }

    #[test]
    fn queries_anchors_and_trailing_slashes_are_the_same_route() {
        let product = "https://shop.test/products/tee";
        assert!(same_route(
            product,
            "https://shop.test/products/tee?variant=123"
        ));
        assert!(same_route(product, "https://shop.test/products/tee/"));
        assert!(same_route(
            product,
            "https://shop.test/products/tee#reviews"
        ));
        assert!(same_route(
            "https://shop.test/?utm_source=x&utm_medium=y",
            "https://shop.test/"
        ));
        assert!(same_route(
            "https://shop.test/#/cart?step=2",
            "https://shop.test/#/cart"
        ));
        assert!(!same_route(product, "https://shop.test/products/hat"));
        assert!(!same_route(product, "https://other.test/products/tee"));
        assert!(!same_route(
            "https://shop.test/#/",
            "https://shop.test/#/cart"
        ));
        assert!(!same_route(
            "https://shop.test/#!/a",
            "https://shop.test/#!/b"
        ));
        assert!(!same_route(
            "https://shop.test/",
            "https://shop.test/#/cart"
        ));
        assert!(same_route("https://shop.test/", "https://shop.test/#top"));
        assert!(same_route("https://shop.test/", "https://shop.test/#/"));
        assert!(same_route("https://shop.test/", "https://shop.test/#!/"));
        assert!(!same_route(
            "https://shop.test/#/",
            "https://shop.test/#/a/"
        ));
        assert!(same_route(
            "https://shop.test/#/a",
            "https://shop.test/#!/a/"
        ));
    }

    #[test]
    fn each_new_path_after_an_event_is_a_route() {
        let changes = [
            change("https://shop.test/a", 300.0),
            change("https://shop.test/a?variant=1", 350.0),
            change("https://shop.test/b", 600.0),
            change("https://shop.test/b#details", 700.0),
            change("https://shop.test/c", 900.0),
        ];
        let routes = split_routes(
            "https://shop.test/",
            true,
            &changes,
            &[10.0, 310.0, 610.0, 910.0],
        );
        assert_eq!(
            urls(&routes),
            vec![
                ("https://shop.test/", 0.0),
                ("https://shop.test/a", 300.0),
                ("https://shop.test/b", 600.0),
                ("https://shop.test/c", 900.0),
            ]
        );
        assert!(routes.iter().all(|r| r.entered));
        assert_eq!(route_at(&routes, 0.0), 0);
        assert_eq!(route_at(&routes, 299.9), 0);
        assert_eq!(route_at(&routes, 300.0), 1);
        assert_eq!(route_at(&routes, 5000.0), 3);
        assert_eq!(
            route_at(&routes, -3.0),
            0,
            "before navigation: the first route"
        );
    }

    #[test]
    fn a_change_before_any_event_renames_the_current_route() {
        // The router canonicalises / to /home before the pixel loads, then the app moves on.
        let changes = [
            change("https://shop.test/home", 50.0),
            change("https://shop.test/sale", 800.0),
        ];
        let routes = split_routes("https://shop.test/", true, &changes, &[400.0, 900.0]);
        assert_eq!(
            urls(&routes),
            vec![
                ("https://shop.test/home", 0.0),
                ("https://shop.test/sale", 800.0)
            ]
        );
        // No event at all: one route, the latest URL.
        let routes = split_routes("https://shop.test/", true, &changes, &[]);
        assert_eq!(urls(&routes), vec![("https://shop.test/sale", 0.0)]);
        // An event after the change does not count for the route before it.
        let routes = split_routes("https://shop.test/", true, &changes[..1], &[50.0]);
        assert_eq!(urls(&routes), vec![("https://shop.test/home", 0.0)]);
    }

    #[test]
    fn a_step_does_not_enter_the_route_it_starts_on_unless_it_renames_it() {
        let changes = [change("https://shop.test/cart", 200.0)];
        let routes = split_routes("https://shop.test/p", false, &changes, &[100.0, 250.0]);
        assert_eq!(
            routes.iter().map(|r| r.entered).collect::<Vec<_>>(),
            vec![false, true]
        );
        let routes = split_routes("https://shop.test/p", false, &changes, &[250.0]);
        assert_eq!(urls(&routes), vec![("https://shop.test/cart", 0.0)]);
        assert!(routes[0].entered);
        let routes = split_routes("https://shop.test/p", false, &[], &[250.0]);
        assert!(!routes[0].entered);
    }
}
