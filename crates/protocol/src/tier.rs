//! `Tier`: how hard the research agent works.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The research tier of a request (`tier` in the body).
///
/// ```
/// use sixtyfour_protocol::Tier;
///
/// assert_eq!("High".parse::<Tier>()?, Tier::High);
/// assert_eq!(serde_json::to_string(&Tier::Xhigh)?, "\"xhigh\"");
/// assert!("extreme".parse::<Tier>().is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Tier {
    /// Quickest.
    Low,
    /// The middle ground.
    Medium,
    /// Deeper research.
    High,
    /// The deepest research.
    Xhigh,
}

impl Tier {
    /// Every tier, quickest first.
    pub const ALL: [Tier; 4] = [Tier::Low, Tier::Medium, Tier::High, Tier::Xhigh];

    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Low => "low",
            Tier::Medium => "medium",
            Tier::High => "high",
            Tier::Xhigh => "xhigh",
        }
    }
}

/// A tier name that is not one of `low`, `medium`, `high`, `xhigh`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown tier `{0}`: expected one of low, medium, high, xhigh")]
pub struct UnknownTier(pub String);

impl FromStr for Tier {
    type Err = UnknownTier;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim();
        Tier::ALL
            .into_iter()
            .find(|tier| tier.as_str().eq_ignore_ascii_case(wanted))
            .ok_or_else(|| UnknownTier(s.to_owned()))
    }
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Tier {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Tier {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for tier in Tier::ALL {
            assert_eq!(tier.as_str().parse::<Tier>(), Ok(tier));
            let json = serde_json::to_string(&tier).unwrap();
            assert_eq!(serde_json::from_str::<Tier>(&json).unwrap(), tier);
        }
        assert_eq!(" XHIGH ".parse::<Tier>(), Ok(Tier::Xhigh));
        assert!(serde_json::from_str::<Tier>("\"ultra\"").is_err());
        assert!(serde_json::from_str::<Tier>("3").is_err());
    }
}
