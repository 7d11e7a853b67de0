//! What an audit run simulates: the visitor's consent choice and the device.

/// A consent scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scenario {
    /// A fresh visitor who never touches the banner.
    None,
    /// The visitor accepts.
    Accept,
    /// The visitor rejects.
    Reject,
}

impl Scenario {
    /// The names as written in configs.
    pub const NAMES: [&'static str; 3] = ["none", "accept", "reject"];

    /// Parses a scenario name.
    pub fn parse(name: &str) -> Option<Scenario> {
        match name {
            "none" => Some(Scenario::None),
            "accept" => Some(Scenario::Accept),
            "reject" => Some(Scenario::Reject),
            _ => None,
        }
    }

    /// The name.
    pub fn as_str(self) -> &'static str {
        match self {
            Scenario::None => "none",
            Scenario::Accept => "accept",
            Scenario::Reject => "reject",
        }
    }
}

/// A device to emulate.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Device {
    /// A desktop browser window.
    #[default]
    Desktop,
    /// A phone (iPhone-sized viewport, touch, mobile user agent).
    Mobile,
}
