//! Resource quantities in Kubernetes' notation: `500m`, `2`, `0.5`, `128Mi`,
//! `1Gi`, `1e3`, `1.5G`. Parsed exactly (integer arithmetic in thousandths) so
//! that sums and comparisons never drift.

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

/// A parsed quantity. Keeps the text it was written as and its value in
/// thousandths of a unit (millicores for CPU, millibytes for memory), rounded up
/// like Kubernetes rounds sub-milli precision.
#[derive(Clone, Debug)]
pub struct Quantity {
    text: String,
    milli: i128,
}

/// Why a quantity string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid quantity {text:?}: {why} (examples: 500m, 2, 128Mi, 1Gi, 1e3)")]
pub struct QuantityError {
    pub text: String,
    pub why: &'static str,
}

const BINARY: [(&str, u32); 6] = [
    ("Ki", 1),
    ("Mi", 2),
    ("Gi", 3),
    ("Ti", 4),
    ("Pi", 5),
    ("Ei", 6),
];
const DECIMAL: [(&str, i32); 9] = [
    ("n", -9),
    ("u", -6),
    ("m", -3),
    ("k", 3),
    ("M", 6),
    ("G", 9),
    ("T", 12),
    ("P", 15),
    ("E", 18),
];

/// Largest magnitude accepted, in thousandths: far above any real machine, far
/// below overflow of the arithmetic.
const LIMIT_MILLI: i128 = 1_000_000_000_000_000_000_000_000_000;

impl Quantity {
    /// A quantity of whole millis (`250m`, or `2` when a whole number).
    pub fn from_milli(milli: i128) -> Self {
        let text = if milli % 1000 == 0 {
            (milli / 1000).to_string()
        } else {
            format!("{milli}m")
        };
        Quantity { text, milli }
    }

    /// A quantity of bytes written in the largest binary unit that divides it.
    pub fn from_bytes(bytes: i128) -> Self {
        let mut text = bytes.to_string();
        for (suffix, power) in BINARY.iter().rev() {
            let unit = 1024i128.pow(*power);
            if bytes != 0 && bytes % unit == 0 {
                text = format!("{}{suffix}", bytes / unit);
                break;
            }
        }
        Quantity {
            text,
            milli: bytes * 1000,
        }
    }

    /// Value in thousandths (millicores for CPU).
    pub fn milli(&self) -> i128 {
        self.milli
    }

    /// Value in whole units, rounded up (bytes for memory).
    pub fn value(&self) -> i128 {
        (self.milli + 999).div_euclid(1000)
    }

    pub fn is_negative(&self) -> bool {
        self.milli < 0
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl FromStr for Quantity {
    type Err = QuantityError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = |why| QuantityError {
            text: s.to_string(),
            why,
        };
        let t = s.trim();
        if t.is_empty() {
            return Err(err("empty"));
        }
        if t.len() > 64 {
            return Err(err("too long"));
        }
        let (neg, body) = match t.as_bytes()[0] {
            b'-' => (true, &t[1..]),
            b'+' => (false, &t[1..]),
            _ => (false, t),
        };
        // Split the number from its suffix.
        let num_end = body
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(body.len());
        let (num, suffix) = body.split_at(num_end);
        if num.is_empty() || num == "." || num.matches('.').count() > 1 {
            return Err(err("expected a number"));
        }
        // Digits as an integer with a decimal exponent.
        let (int_part, frac_part) = num.split_once('.').unwrap_or((num, ""));
        let digits = format!("{int_part}{frac_part}");
        let digits = digits.trim_start_matches('0');
        if digits.len() > 30 {
            return Err(err("too many digits"));
        }
        let mantissa: i128 = if digits.is_empty() {
            0
        } else {
            digits.parse().map_err(|_| err("expected a number"))?
        };
        let mut exp10: i32 = -(frac_part.len() as i32);
        let mut mul2: u32 = 0;
        if let Some(p) = BINARY.iter().find(|(x, _)| *x == suffix) {
            mul2 = p.1;
        } else if let Some(p) = DECIMAL.iter().find(|(x, _)| *x == suffix) {
            exp10 += p.1;
        } else if let Some(e) = suffix.strip_prefix(['e', 'E']) {
            let e: i32 = e.parse().map_err(|_| err("bad exponent"))?;
            if !(-30..=30).contains(&e) {
                return Err(err("exponent out of range"));
            }
            exp10 += e;
        } else if !suffix.is_empty() {
            return Err(err(
                "unknown suffix (use m, k, M, G, T, P, E, Ki, Mi, Gi, Ti, Pi, Ei)",
            ));
        }
        // milli = mantissa * 1024^mul2 * 10^(exp10 + 3), rounded up.
        let mut value = mantissa
            .checked_mul(1024i128.pow(mul2))
            .ok_or_else(|| err("too large"))?;
        let exp = exp10 + 3;
        if exp >= 0 {
            for _ in 0..exp {
                value = value.checked_mul(10).ok_or_else(|| err("too large"))?;
                if value > LIMIT_MILLI {
                    return Err(err("too large"));
                }
            }
        } else {
            let div = 10i128.pow((-exp) as u32);
            value = (value + div - 1) / div;
        }
        if value > LIMIT_MILLI {
            return Err(err("too large"));
        }
        Ok(Quantity {
            text: t.to_string(),
            milli: if neg { -value } else { value },
        })
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl PartialEq for Quantity {
    fn eq(&self, other: &Self) -> bool {
        self.milli == other.milli
    }
}
impl Eq for Quantity {}

impl PartialOrd for Quantity {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Quantity {
    fn cmp(&self, other: &Self) -> Ordering {
        self.milli.cmp(&other.milli)
    }
}

impl Serialize for Quantity {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for Quantity {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // Kubernetes accepts `cpu: 1` and `cpu: 0.5` as well as strings.
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            S(String),
            I(i64),
            F(f64),
        }
        let text = match Raw::deserialize(d)? {
            Raw::S(s) => s,
            Raw::I(i) => i.to_string(),
            Raw::F(f) => f.to_string(),
        };
        text.parse().map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for Quantity {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Quantity".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": ["string", "number"], "format": "quantity" })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str) -> Quantity {
        s.parse().unwrap()
    }

    #[test]
    fn cpu_forms_parse_to_millicores() {
        assert_eq!(q("500m").milli(), 500);
        assert_eq!(q("2").milli(), 2000);
        assert_eq!(q("0.5").milli(), 500);
        assert_eq!(q("1.25").milli(), 1250);
        assert_eq!(q("100u").milli(), 1, "sub-milli rounds up");
        assert_eq!(q("+1").milli(), 1000);
    }

    #[test]
    fn memory_forms_parse_to_bytes() {
        assert_eq!(q("128Mi").value(), 128 * 1024 * 1024);
        assert_eq!(q("1Gi").value(), 1 << 30);
        assert_eq!(q("1G").value(), 1_000_000_000);
        assert_eq!(q("1e3").value(), 1000);
        assert_eq!(q("1.5Gi").value(), 3 << 29);
        assert_eq!(q("129e6").value(), 129_000_000);
        assert_eq!(q("64k").value(), 64_000);
        assert_eq!(q("8Ei").value(), 8 * (1i128 << 60));
    }

    #[test]
    fn comparison_is_by_value_not_text() {
        assert_eq!(q("1024Mi"), q("1Gi"));
        assert!(q("500m") < q("1"));
        assert_eq!(q("1000m"), q("1"));
    }

    #[test]
    fn bad_quantities_are_refused_with_a_reason() {
        for bad in [
            "", "abc", "1.2.3", "12Q", "1e", "Mi", ".", "1e99", "--1", "1 Gi",
        ] {
            let e = bad.parse::<Quantity>().unwrap_err();
            assert!(e.to_string().contains("invalid quantity"), "{bad}: {e}");
        }
        let huge = "9".repeat(40);
        assert!(huge.parse::<Quantity>().is_err());
    }

    #[test]
    fn formatting_helpers_pick_readable_units() {
        assert_eq!(Quantity::from_milli(250).to_string(), "250m");
        assert_eq!(Quantity::from_milli(4000).to_string(), "4");
        assert_eq!(Quantity::from_bytes(2 << 30).to_string(), "2Gi");
        assert_eq!(Quantity::from_bytes(1536 * 1024).to_string(), "1536Ki");
        assert_eq!(Quantity::from_bytes(1000).to_string(), "1000");
    }

    #[test]
    fn numbers_and_strings_deserialize_alike() {
        let a: Quantity = serde_json::from_str("1").unwrap();
        let b: Quantity = serde_json::from_str("0.5").unwrap();
        let c: Quantity = serde_json::from_str("\"250m\"").unwrap();
        assert_eq!((a.milli(), b.milli(), c.milli()), (1000, 500, 250));
        assert!(serde_json::from_str::<Quantity>("\"lots\"").is_err());
    }
}
