//! reqwest's view of `--resolve`: overridden hosts go to their address, others to the system.

use std::net::SocketAddr;

use pixelaudit_core::config::{lookup, ResolveRule};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// reqwest's resolver: overridden hosts go to their address (and port, when the URL names
/// none), everything else to the system resolver.
pub(super) struct Resolver {
    rules: Vec<ResolveRule>,
}

impl Resolver {
    pub(super) fn new(rules: Vec<ResolveRule>) -> Self {
        Resolver { rules }
    }
}

impl Resolve for Resolver {
    fn resolve(&self, name: Name) -> Resolving {
        let overridden = lookup(&self.rules, name.as_str());
        let host = name.as_str().to_string();
        Box::pin(async move {
            if let Some(addr) = overridden {
                return Ok(Box::new(std::iter::once(addr)) as Addrs);
            }
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}
