//! Label selectors: the structured form of manifests (`matchLabels`,
//! `matchExpressions`) and the string form of `-l` and `?labelSelector=`
//! (`app=web,tier!=db,env in (prod,staging),!legacy`). Both compile to one
//! [`Selector`] that matches label maps.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// The structured selector of Deployments and ReplicaSets.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LabelSelector {
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub match_labels: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub match_expressions: Vec<LabelSelectorRequirement>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LabelSelectorRequirement {
    pub key: String,
    /// `In`, `NotIn`, `Exists` or `DoesNotExist`.
    pub operator: SelectorOperator,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum SelectorOperator {
    #[default]
    In,
    NotIn,
    Exists,
    DoesNotExist,
}

/// One compiled requirement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Requirement {
    Equals(String, String),
    NotEquals(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    DoesNotExist(String),
}

/// A compiled selector: all requirements must hold. Empty matches everything.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selector {
    pub requirements: Vec<Requirement>,
}

/// Why a selector was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SelectorError {
    #[error("invalid label selector {input:?}: {why}")]
    Syntax { input: String, why: String },
    #[error("operator {operator:?} on key {key:?} needs at least one value")]
    NoValues { key: String, operator: String },
    #[error("operator {operator:?} on key {key:?} takes no values")]
    UnexpectedValues { key: String, operator: String },
}

impl Requirement {
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        match self {
            Requirement::Equals(k, v) => labels.get(k) == Some(v),
            Requirement::NotEquals(k, v) => labels.get(k) != Some(v),
            Requirement::In(k, vs) => labels.get(k).is_some_and(|v| vs.contains(v)),
            Requirement::NotIn(k, vs) => labels.get(k).is_none_or(|v| !vs.contains(v)),
            Requirement::Exists(k) => labels.contains_key(k),
            Requirement::DoesNotExist(k) => !labels.contains_key(k),
        }
    }
}

impl Selector {
    /// A selector that requires every given label.
    pub fn from_labels(labels: &BTreeMap<String, String>) -> Self {
        Selector {
            requirements: labels
                .iter()
                .map(|(k, v)| Requirement::Equals(k.clone(), v.clone()))
                .collect(),
        }
    }

    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.requirements.iter().all(|r| r.matches(labels))
    }

    pub fn is_empty(&self) -> bool {
        self.requirements.is_empty()
    }

    /// Parses the string form used by `-l` and `labelSelector=`.
    pub fn parse(input: &str) -> Result<Self, SelectorError> {
        let syntax = |why: &str| SelectorError::Syntax {
            input: input.to_string(),
            why: why.to_string(),
        };
        let mut requirements = vec![];
        let mut rest = input.trim();
        while !rest.is_empty() {
            let (req, after) = parse_requirement(rest).map_err(|w| syntax(&w))?;
            requirements.push(req);
            rest = after.trim_start();
            if let Some(r) = rest.strip_prefix(',') {
                rest = r.trim_start();
                if rest.is_empty() {
                    return Err(syntax("trailing comma"));
                }
            } else if !rest.is_empty() {
                return Err(syntax(&format!("unexpected {:?}", first_token(rest))));
            }
        }
        Ok(Selector { requirements })
    }
}

fn first_token(s: &str) -> &str {
    s.split([',', ' ']).next().unwrap_or(s)
}

fn is_key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/')
}

fn take_word(s: &str) -> (&str, &str) {
    let end = s.find(|c: char| !is_key_char(c)).unwrap_or(s.len());
    s.split_at(end)
}

fn parse_requirement(s: &str) -> Result<(Requirement, &str), String> {
    if let Some(r) = s.strip_prefix('!') {
        let (key, rest) = take_word(r.trim_start());
        if key.is_empty() {
            return Err("expected a key after '!'".into());
        }
        return Ok((Requirement::DoesNotExist(key.into()), rest));
    }
    let (key, rest) = take_word(s);
    if key.is_empty() {
        return Err(format!("expected a label key at {:?}", first_token(s)));
    }
    let rest = rest.trim_start();
    let op_at = |p: &str| rest.strip_prefix(p);
    if let Some(v) = op_at("==").or_else(|| op_at("=")) {
        let (val, after) = take_word(v.trim_start());
        return Ok((Requirement::Equals(key.into(), val.into()), after));
    }
    if let Some(v) = op_at("!=") {
        let (val, after) = take_word(v.trim_start());
        return Ok((Requirement::NotEquals(key.into(), val.into()), after));
    }
    for (word, not) in [("notin", true), ("in", false)] {
        if let Some(after_word) = rest.strip_prefix(word)
            && after_word.trim_start().starts_with('(')
        {
            let inner = after_word.trim_start()[1..].to_string();
            let close = inner
                .find(')')
                .ok_or_else(|| format!("missing ')' after {key} {word} ("))?;
            let values: Vec<String> = inner[..close]
                .split(',')
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
                .collect();
            if values.is_empty() {
                return Err(format!("{key} {word} () needs at least one value"));
            }
            if let Some(bad) = values.iter().find(|v| !v.chars().all(is_key_char)) {
                return Err(format!("invalid value {bad:?}"));
            }
            let consumed = s.len() - after_word.trim_start().len() + 1 + close + 1;
            let req = if not {
                Requirement::NotIn(key.into(), values)
            } else {
                Requirement::In(key.into(), values)
            };
            return Ok((req, &s[consumed..]));
        }
    }
    if rest.is_empty() || rest.starts_with(',') {
        return Ok((Requirement::Exists(key.into()), rest));
    }
    Err(format!(
        "expected =, ==, !=, in (...) or notin (...) after {key:?}"
    ))
}

impl LabelSelector {
    /// Compiles the structured selector.
    pub fn to_selector(&self) -> Result<Selector, SelectorError> {
        let mut requirements: Vec<Requirement> = self
            .match_labels
            .iter()
            .map(|(k, v)| Requirement::Equals(k.clone(), v.clone()))
            .collect();
        for e in &self.match_expressions {
            let op = format!("{:?}", e.operator);
            let key = e.key.clone();
            let req = match e.operator {
                SelectorOperator::In | SelectorOperator::NotIn if e.values.is_empty() => {
                    return Err(SelectorError::NoValues { key, operator: op });
                }
                SelectorOperator::Exists | SelectorOperator::DoesNotExist
                    if !e.values.is_empty() =>
                {
                    return Err(SelectorError::UnexpectedValues { key, operator: op });
                }
                SelectorOperator::In => Requirement::In(key, e.values.clone()),
                SelectorOperator::NotIn => Requirement::NotIn(key, e.values.clone()),
                SelectorOperator::Exists => Requirement::Exists(key),
                SelectorOperator::DoesNotExist => Requirement::DoesNotExist(key),
            };
            requirements.push(req);
        }
        Ok(Selector { requirements })
    }

    pub fn is_empty(&self) -> bool {
        self.match_labels.is_empty() && self.match_expressions.is_empty()
    }

    /// Whether the selector matches the labels (false if the selector is invalid).
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.to_selector().is_ok_and(|s| s.matches(labels))
    }
}

impl fmt::Display for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self
            .requirements
            .iter()
            .map(|r| match r {
                Requirement::Equals(k, v) => format!("{k}={v}"),
                Requirement::NotEquals(k, v) => format!("{k}!={v}"),
                Requirement::In(k, vs) => format!("{k} in ({})", vs.join(",")),
                Requirement::NotIn(k, vs) => format!("{k} notin ({})", vs.join(",")),
                Requirement::Exists(k) => k.clone(),
                Requirement::DoesNotExist(k) => format!("!{k}"),
            })
            .collect();
        f.write_str(&parts.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn string_form_parses_every_operator() {
        let s = Selector::parse("a=b,c!=d,e in (x, y),f notin (z),g,!h,i==j").unwrap();
        assert_eq!(
            s.requirements,
            vec![
                Requirement::Equals("a".into(), "b".into()),
                Requirement::NotEquals("c".into(), "d".into()),
                Requirement::In("e".into(), vec!["x".into(), "y".into()]),
                Requirement::NotIn("f".into(), vec!["z".into()]),
                Requirement::Exists("g".into()),
                Requirement::DoesNotExist("h".into()),
                Requirement::Equals("i".into(), "j".into()),
            ]
        );
        assert_eq!(s.to_string(), "a=b,c!=d,e in (x,y),f notin (z),g,!h,i=j");
    }

    #[test]
    fn string_form_matches_labels() {
        let s = Selector::parse("app=web,tier!=db,env in (prod,staging),!legacy").unwrap();
        assert!(s.matches(&labels(&[("app", "web"), ("env", "prod")])));
        assert!(!s.matches(&labels(&[("app", "web"), ("env", "dev")])));
        assert!(!s.matches(&labels(&[("app", "web"), ("env", "prod"), ("tier", "db")])));
        assert!(!s.matches(&labels(&[("app", "web"), ("env", "prod"), ("legacy", "1")])));
        assert!(Selector::parse("").unwrap().matches(&labels(&[])));
    }

    #[test]
    fn prefixed_keys_are_accepted() {
        let s = Selector::parse("app.kubernetes.io/name=web").unwrap();
        assert!(s.matches(&labels(&[("app.kubernetes.io/name", "web")])));
    }

    #[test]
    fn malformed_string_forms_are_refused() {
        for bad in [
            "a=b,",
            "=b",
            "a in (",
            "a in ()",
            "a b",
            "a=b c",
            ",",
            "a in (x y)",
        ] {
            assert!(Selector::parse(bad).is_err(), "{bad:?} should fail");
        }
    }

    #[test]
    fn structured_form_compiles_and_checks_values() {
        let ls = LabelSelector {
            match_labels: labels(&[("app", "web")]),
            match_expressions: vec![LabelSelectorRequirement {
                key: "env".into(),
                operator: SelectorOperator::NotIn,
                values: vec!["dev".into()],
            }],
        };
        assert!(ls.matches(&labels(&[("app", "web")])));
        assert!(!ls.matches(&labels(&[("app", "web"), ("env", "dev")])));
        let bad = LabelSelector {
            match_expressions: vec![LabelSelectorRequirement {
                key: "env".into(),
                operator: SelectorOperator::In,
                values: vec![],
            }],
            ..Default::default()
        };
        assert!(matches!(
            bad.to_selector(),
            Err(SelectorError::NoValues { .. })
        ));
    }
}
