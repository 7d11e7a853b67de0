//! Expectations: which hits must (or must not) arrive on a page or journey step, how often,
//! how fast, and what their parameters must hold.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;
use serde_spanned::Spanned;

use super::suggest::{closest, did_you_mean, improve_unknown_field};

/// One expected hit.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expectation {
    /// The vendor (`meta`, `ga4`, ...).
    pub vendor: Spanned<String>,
    /// The event name as the vendor spells it (`PageView`, `add_to_cart`, `Added to Cart`).
    pub event: Spanned<String>,
    /// The account / pixel id; defaults to any of the site's `[pixels]` ids for the vendor.
    #[serde(default)]
    pub account: Option<String>,
    /// How many times: an exact number (default 1) or `{ min = 1, max = 2 }`.
    #[serde(default)]
    pub count: Option<Count>,
    /// Time budget in ms after the page load / step starts; later hits are `slow_fire`.
    #[serde(default)]
    pub within_ms: Option<u64>,
    /// Consent scenarios this expectation applies in (default: those where tracking is allowed).
    #[serde(default)]
    pub consent: Option<Vec<Spanned<String>>>,
    /// Parameter rules, keyed by normalised parameter (`value`, `currency`, ...) or `raw.<key>`.
    #[serde(default)]
    pub params: BTreeMap<Spanned<String>, Spanned<RuleEntry>>,
}

/// A parameter rule as written: the rule, or why it is not one. Read leniently, so that a
/// misspelt rule is one error among the file's others (reported at its position by the
/// validation) instead of the end of reading.
#[derive(Debug, Clone)]
pub struct RuleEntry(pub Result<ParamRule, String>);

impl<'de> Deserialize<'de> for RuleEntry {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = toml::Value::deserialize(deserializer)?;
        Ok(RuleEntry(
            ParamRule::deserialize(value).map_err(|e| improve_unknown_field(e.message())),
        ))
    }
}

/// The `[expect_defaults]` section: what every expectation (of a page, a template or a
/// journey step) takes when it does not set the key itself.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectDefaults {
    /// The time budget of each expected hit, in ms (an expectation's `within_ms`).
    #[serde(default)]
    pub within_ms: Option<u64>,
    /// The consent scenarios expectations apply in (an expectation's `consent`; without
    /// either, those where tracking is allowed).
    #[serde(default)]
    pub consent: Option<Vec<Spanned<String>>>,
}

/// A hit that must not fire (governance): a vendor, optionally one event.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Matcher {
    /// The vendor.
    pub vendor: Spanned<String>,
    /// Only this event (any event of the vendor when absent).
    #[serde(default)]
    pub event: Option<Spanned<String>>,
}

/// How many times an expected hit must arrive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Count {
    /// At least.
    pub min: u32,
    /// At most (`None`: no upper bound).
    pub max: Option<u32>,
}

impl Count {
    /// Exactly once, the default.
    pub const ONCE: Count = Count {
        min: 1,
        max: Some(1),
    };

    /// True when `n` hits satisfy the count.
    pub fn allows(self, n: u32) -> bool {
        n >= self.min && self.max.is_none_or(|max| n <= max)
    }
}

impl fmt::Display for Count {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.max {
            Some(max) if max == self.min => write!(f, "exactly {max}"),
            Some(max) => write!(f, "{}–{max}", self.min),
            None => write!(f, "at least {}", self.min),
        }
    }
}

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct CountVisitor;
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Range {
            #[serde(default)]
            min: Option<u32>,
            #[serde(default)]
            max: Option<u32>,
        }
        impl<'de> Visitor<'de> for CountVisitor {
            type Value = Count;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number of hits, or a table like { min = 1, max = 2 }")
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<Count, E> {
                let n = u32::try_from(n).map_err(|_| E::custom("count cannot be negative"))?;
                Ok(Count {
                    min: n,
                    max: Some(n),
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Count, A::Error> {
                let range = Range::deserialize(de::value::MapAccessDeserializer::new(map))?;
                let count = Count {
                    min: range.min.unwrap_or(0),
                    max: range.max,
                };
                if count.max.is_some_and(|max| max < count.min) {
                    return Err(de::Error::custom("count: max is smaller than min"));
                }
                Ok(count)
            }
        }
        deserializer.deserialize_any(CountVisitor)
    }
}

/// A rule for one parameter.
#[derive(Debug, Clone)]
pub enum ParamRule {
    /// The parameter must be present and non-empty.
    Present,
    /// The parameter must be absent.
    Absent,
    /// A number (not a numeric string).
    Number,
    /// An ISO 4217 currency code.
    IsoCurrency,
    /// A non-empty list.
    NonEmptyList,
    /// Equal to this value (numbers compare numerically, strings exactly).
    Equals(Value),
    /// One of these values.
    OneOf(Vec<Value>),
    /// A string matching this regular expression.
    Regex(regex::Regex),
    /// A number within a range.
    Range {
        /// Lower bound, inclusive.
        min: Option<f64>,
        /// Upper bound, inclusive.
        max: Option<f64>,
    },
    /// Equal to a value read from the page itself (see [`PageSource`]).
    FromPage {
        /// Where on the page.
        source: PageSource,
        /// Allowed numeric difference (default 0.01).
        tolerance: f64,
        /// A regex that picks the value out of the page's text: its first group, or the whole
        /// match without one (`SKU: (\S+)` reads `AB-12` out of `SKU: AB-12 (in stock)`).
        capture: Option<regex::Regex>,
    },
}

/// A value on the page: JSON-LD path, a `<meta>` tag, or an element's text or attribute.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum PageSource {
    /// `jsonld:offers.price`: the first JSON-LD object holding this dotted path.
    JsonLd(String),
    /// `meta:product:price:amount`: a `<meta property|name=…>` tag's content.
    Meta(String),
    /// `css:.price` or `css:.price@data-price`: an element's text, or an attribute.
    Css {
        /// The CSS selector.
        selector: String,
        /// The attribute to read instead of the text.
        attribute: Option<String>,
    },
}

/// The keywords a rule can be written as.
pub const RULE_KEYWORDS: &[&str] = &[
    "present",
    "absent",
    "number",
    "iso_currency",
    "non_empty_list",
];

impl PageSource {
    /// Parses `jsonld:PATH`, `meta:NAME` or `css:SELECTOR[@ATTR]`.
    pub fn parse(text: &str) -> Result<PageSource, String> {
        let (kind, rest) = text.split_once(':').ok_or_else(|| {
            format!("from_page `{text}` must start with `jsonld:`, `meta:` or `css:`")
        })?;
        if rest.trim().is_empty() {
            return Err(format!("from_page `{text}` names nothing after `{kind}:`"));
        }
        Ok(match kind {
            "jsonld" => PageSource::JsonLd(rest.to_string()),
            "meta" => PageSource::Meta(rest.to_string()),
            "css" => match rest.rsplit_once('@') {
                Some((selector, attribute)) if !attribute.contains([' ', ']', '"']) => {
                    PageSource::Css {
                        selector: selector.to_string(),
                        attribute: Some(attribute.to_string()),
                    }
                }
                _ => PageSource::Css {
                    selector: rest.to_string(),
                    attribute: None,
                },
            },
            other => {
                return Err(format!(
                    "from_page kind `{other}` is unknown{}; use `jsonld:`, `meta:` or `css:`",
                    did_you_mean(other, ["jsonld", "meta", "css"])
                ))
            }
        })
    }
}

impl fmt::Display for PageSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PageSource::JsonLd(path) => write!(f, "jsonld:{path}"),
            PageSource::Meta(name) => write!(f, "meta:{name}"),
            PageSource::Css {
                selector,
                attribute: Some(a),
            } => write!(f, "css:{selector}@{a}"),
            PageSource::Css {
                selector,
                attribute: None,
            } => write!(f, "css:{selector}"),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleTable {
    #[serde(default)]
    equals: Option<Value>,
    #[serde(default)]
    one_of: Option<Vec<Value>>,
    #[serde(default)]
    regex: Option<String>,
    #[serde(default)]
    min: Option<f64>,
    #[serde(default)]
    max: Option<f64>,
    #[serde(default)]
    from_page: Option<String>,
    #[serde(default)]
    tolerance: Option<f64>,
    #[serde(default)]
    capture: Option<String>,
}

impl RuleTable {
    fn into_rule(self) -> Result<ParamRule, String> {
        let kinds = [
            self.equals.is_some(),
            self.one_of.is_some(),
            self.regex.is_some(),
            self.min.is_some() || self.max.is_some(),
            self.from_page.is_some(),
        ];
        if kinds.iter().filter(|k| **k).count() != 1 {
            return Err("a rule table holds exactly one of `equals`, `one_of`, `regex`, `min`/`max`, `from_page`".into());
        }
        if self.tolerance.is_some() && self.from_page.is_none() {
            return Err("`tolerance` goes with `from_page`".into());
        }
        if self.capture.is_some() && self.from_page.is_none() {
            return Err("`capture` goes with `from_page`".into());
        }
        if let Some(value) = self.equals {
            return Ok(ParamRule::Equals(value));
        }
        if let Some(values) = self.one_of {
            return Ok(ParamRule::OneOf(values));
        }
        if let Some(pattern) = self.regex {
            return regex::Regex::new(&pattern)
                .map(ParamRule::Regex)
                .map_err(|e| format!("invalid regex: {e}"));
        }
        if let Some(source) = self.from_page {
            let capture = self
                .capture
                .map(|pattern| {
                    regex::Regex::new(&pattern).map_err(|e| format!("invalid capture regex: {e}"))
                })
                .transpose()?;
            return Ok(ParamRule::FromPage {
                source: PageSource::parse(&source)?,
                tolerance: self.tolerance.unwrap_or(0.01),
                capture,
            });
        }
        Ok(ParamRule::Range {
            min: self.min,
            max: self.max,
        })
    }
}

impl<'de> Deserialize<'de> for ParamRule {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct RuleVisitor;
        impl<'de> Visitor<'de> for RuleVisitor {
            type Value = ParamRule;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(
                    f,
                    "a value, a rule keyword ({}) or a table such as {{ one_of = [\"EUR\", \"USD\"] }}",
                    RULE_KEYWORDS.join(", ")
                )
            }
            fn visit_str<E: de::Error>(self, word: &str) -> Result<ParamRule, E> {
                Ok(match word {
                    "present" => ParamRule::Present,
                    "absent" => ParamRule::Absent,
                    "number" => ParamRule::Number,
                    "iso_currency" => ParamRule::IsoCurrency,
                    "non_empty_list" => ParamRule::NonEmptyList,
                    // A plain value is the value expected; one a letter or two from a keyword
                    // is far more likely a typo of it than an expected value.
                    other => match closest(other, RULE_KEYWORDS.iter().copied()) {
                        Some(keyword) => {
                            return Err(E::custom(format!(
                                "unknown rule `{other}` (did you mean `{keyword}`?); a rule is one of {}, a value, or a table; write {{ equals = \"{other}\" }} to expect this exact text",
                                RULE_KEYWORDS.join(", ")
                            )))
                        }
                        None => ParamRule::Equals(Value::String(other.to_string())),
                    },
                })
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<ParamRule, E> {
                Ok(ParamRule::Equals(Value::from(n)))
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<ParamRule, E> {
                Ok(ParamRule::Equals(Value::from(n)))
            }
            fn visit_f64<E: de::Error>(self, n: f64) -> Result<ParamRule, E> {
                Ok(ParamRule::Equals(Value::from(n)))
            }
            fn visit_bool<E: de::Error>(self, b: bool) -> Result<ParamRule, E> {
                Ok(ParamRule::Equals(Value::Bool(b)))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<ParamRule, A::Error> {
                let table = RuleTable::deserialize(de::value::MapAccessDeserializer::new(map))?;
                table.into_rule().map_err(de::Error::custom)
            }
        }
        deserializer.deserialize_any(RuleVisitor)
    }
}

impl fmt::Display for ParamRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamRule::Present => f.write_str("present"),
            ParamRule::Absent => f.write_str("absent"),
            ParamRule::Number => f.write_str("a number"),
            ParamRule::IsoCurrency => f.write_str("an ISO 4217 currency"),
            ParamRule::NonEmptyList => f.write_str("a non-empty list"),
            ParamRule::Equals(v) => write!(f, "equal to {v}"),
            ParamRule::OneOf(vs) => write!(f, "one of {}", Value::Array(vs.clone())),
            ParamRule::Regex(r) => write!(f, "matching /{}/", r.as_str()),
            ParamRule::Range { min, max } => match (min, max) {
                (Some(a), Some(b)) => write!(f, "a number from {a} to {b}"),
                (Some(a), None) => write!(f, "a number ≥ {a}"),
                (None, Some(b)) => write!(f, "a number ≤ {b}"),
                (None, None) => f.write_str("a number"),
            },
            ParamRule::FromPage {
                source, capture, ..
            } => match capture {
                Some(re) => write!(f, "equal to what `{re}` captures of the page's {source}"),
                None => write!(f, "equal to the page's {source}"),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Doc {
        rule: ParamRule,
    }

    fn rule(text: &str) -> Result<ParamRule, String> {
        toml::from_str::<Doc>(&format!("rule = {text}"))
            .map(|d| d.rule)
            .map_err(|e| e.message().to_string())
    }

    #[test]
    fn keywords_and_tables_parse() {
        assert!(matches!(rule("\"present\""), Ok(ParamRule::Present)));
        assert!(matches!(
            rule("{ equals = \"EUR\" }"),
            Ok(ParamRule::Equals(_))
        ));
        assert!(matches!(
            rule("{ min = 1 }"),
            Ok(ParamRule::Range {
                min: Some(_),
                max: None
            })
        ));
        assert!(matches!(
            rule("{ regex = \"^SKU-\" }"),
            Ok(ParamRule::Regex(_))
        ));
        match rule("{ from_page = \"css:.sku\", capture = \"SKU: (\\\\S+)\" }").unwrap() {
            ParamRule::FromPage {
                capture: Some(re), ..
            } => assert_eq!(re.as_str(), "SKU: (\\S+)"),
            other => panic!("{other:?}"),
        }
        assert!(rule("{ equals = 1, capture = \"x\" }")
            .unwrap_err()
            .contains("`capture` goes with `from_page`"));
        assert!(rule("{ from_page = \"css:.sku\", capture = \"(\" }")
            .unwrap_err()
            .contains("invalid capture regex"));
        match rule("{ from_page = \"css:.price@data-price\" }").unwrap() {
            ParamRule::FromPage {
                source,
                tolerance,
                capture: None,
            } => {
                assert_eq!(
                    source,
                    PageSource::Css {
                        selector: ".price".into(),
                        attribute: Some("data-price".into())
                    }
                );
                assert_eq!(tolerance, 0.01);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn plain_values_are_the_value_expected() {
        for (text, value) in [
            ("59.9", serde_json::json!(59.9)),
            ("1001", serde_json::json!(1001)),
            ("true", serde_json::json!(true)),
            ("\"EUR\"", serde_json::json!("EUR")),
            ("\"purchase-1001\"", serde_json::json!("purchase-1001")),
        ] {
            match rule(text) {
                Ok(ParamRule::Equals(v)) => assert_eq!(v, value, "{text}"),
                other => panic!("{text}: {other:?}"),
            }
        }
        // A keyword is the keyword; the same text as a value is written as a table.
        assert!(matches!(rule("\"present\""), Ok(ParamRule::Present)));
        assert!(matches!(
            rule("{ equals = \"present\" }"),
            Ok(ParamRule::Equals(_))
        ));
    }

    #[test]
    fn bad_rules_explain_themselves() {
        assert!(rule("\"presnt\"")
            .unwrap_err()
            .contains("did you mean `present`?"));
        assert!(rule("{ equals = 1, regex = \"x\" }")
            .unwrap_err()
            .contains("exactly one"));
        assert!(rule("{ regex = \"(\" }")
            .unwrap_err()
            .contains("invalid regex"));
        assert!(rule("{ from_page = \"jsnld:offers.price\" }")
            .unwrap_err()
            .contains("did you mean `jsonld`?"));
        assert!(rule("{ equal = 1 }")
            .unwrap_err()
            .contains("unknown field `equal`"));
    }

    #[test]
    fn counts_are_exact_or_ranges() {
        #[derive(Deserialize)]
        struct C {
            count: Count,
        }
        let exact: C = toml::from_str("count = 2").unwrap();
        assert_eq!(
            exact.count,
            Count {
                min: 2,
                max: Some(2)
            }
        );
        let range: C = toml::from_str("count = { min = 1 }").unwrap();
        assert!(range.count.allows(5) && !range.count.allows(0));
        assert!(toml::from_str::<C>("count = { min = 3, max = 1 }").is_err());
    }
}
