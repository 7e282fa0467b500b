//! `EnrichBody`: the JSON body every submit path takes, and the checks both sides apply to it.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sixtyfour_casting::Schema;

use crate::tier::Tier;

/// The body of `POST /enrich-lead`, `/enrich-lead-async` and the people-intelligence paths.
///
/// Known fields are typed; any other field is kept in `extra` and sent as it is, so a new
/// option of the API can be used before this crate names it.
///
/// ```
/// use serde_json::json;
/// use sixtyfour_protocol::{EnrichBody, Tier};
///
/// let body: EnrichBody = serde_json::from_value(json!({
///     "lead_info": {"name": "Mara Quill", "company": "Lanternfish Labs"},
///     "struct": {"email": "The individual's email address", "age": {"type": "int"}},
///     "tier": "high",
///     "new_option": true
/// }))?;
/// assert_eq!(body.tier, Some(Tier::High));
/// assert_eq!(body.fields.as_ref().map(|s| s.len()), Some(2));
/// assert_eq!(body.extra["new_option"], true);
/// body.check()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct EnrichBody {
    /// What is known about the lead.
    pub lead_info: Map<String, Value>,
    /// The fields to collect (`struct` on the wire).
    #[serde(rename = "struct", default, skip_serializing_if = "Option::is_none")]
    pub fields: Option<Schema>,
    /// Guidance for the research agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub research_plan: Option<String>,
    /// A bound on the agent's iterations (at least 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_iterations: Option<u32>,
    /// The research tier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<Tier>,
    /// An http(s) URL called when an async job ends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_url: Option<String>,
    /// Any other body field.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The body's own field names, which `extra` may not hold.
pub const BODY_FIELDS: [&str; 6] = [
    "lead_info",
    "struct",
    "research_plan",
    "max_iterations",
    "tier",
    "webhook_url",
];

/// What makes a body unacceptable, checked the same way before sending and on receipt.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BodyError {
    /// `lead_info` holds no non-blank value.
    #[error(
        "Invalid lead information: the lead has no facts; give at least one non-blank value (a name, an email, a URL)"
    )]
    NoFacts,
    /// `struct` is missing.
    #[error("`struct` is required: name the fields to collect")]
    NoStruct,
    /// `struct` is an empty object.
    #[error("`struct` is empty: name at least one field to collect")]
    EmptyStruct,
    /// `max_iterations` is 0.
    #[error("`max_iterations` must be at least 1")]
    ZeroIterations,
    /// `webhook_url` is not an http(s) URL with a host.
    #[error("`webhook_url` must be an http:// or https:// URL with a host, got `{0}`")]
    BadWebhookUrl(String),
    /// `extra` holds one of the body's own fields.
    #[error("`{0}` is a field of its own, not an extra one")]
    ExtraShadowsField(String),
}

impl EnrichBody {
    /// A body for `lead_info` and `fields`, with no options.
    pub fn new(lead_info: Map<String, Value>, fields: Schema) -> Self {
        EnrichBody {
            lead_info,
            fields: Some(fields),
            research_plan: None,
            max_iterations: None,
            tier: None,
            webhook_url: None,
            extra: Map::new(),
        }
    }

    /// Refuses what the API refuses: a lead without facts, a missing or empty `struct`, zero
    /// iterations, a webhook URL that is not http(s).
    ///
    /// ```
    /// use sixtyfour_protocol::{BodyError, EnrichBody};
    ///
    /// let body: EnrichBody = serde_json::from_str(r#"{"lead_info": {"name": " "}, "struct": {"email": "Email"}}"#)?;
    /// assert_eq!(body.check(), Err(BodyError::NoFacts));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn check(&self) -> Result<(), BodyError> {
        let has_fact = self.lead_info.values().any(|value| match value {
            Value::Null => false,
            Value::String(text) => !text.trim().is_empty(),
            _ => true,
        });
        if !has_fact {
            return Err(BodyError::NoFacts);
        }
        match &self.fields {
            None => return Err(BodyError::NoStruct),
            Some(fields) if fields.is_empty() => return Err(BodyError::EmptyStruct),
            Some(_) => {}
        }
        if self.max_iterations == Some(0) {
            return Err(BodyError::ZeroIterations);
        }
        if let Some(url) = &self.webhook_url
            && !is_http_url(url)
        {
            return Err(BodyError::BadWebhookUrl(url.clone()));
        }
        if let Some(key) = BODY_FIELDS.iter().find(|k| self.extra.contains_key(**k)) {
            return Err(BodyError::ExtraShadowsField((*key).to_owned()));
        }
        Ok(())
    }
}

/// `http://host...` or `https://host...` with a non-empty host and no whitespace.
pub(crate) fn is_http_url(url: &str) -> bool {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    match rest {
        Some(rest) => {
            let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
            !host.is_empty() && !url.chars().any(char::is_whitespace)
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body(value: Value) -> EnrichBody {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn check_table() {
        let fields = json!({"email": "Email"});
        let rows = [
            (
                json!({"lead_info": {"name": "Ada"}, "struct": fields}),
                Ok(()),
            ),
            (json!({"lead_info": {"age": 0}, "struct": fields}), Ok(())),
            (
                json!({"lead_info": {}, "struct": fields}),
                Err(BodyError::NoFacts),
            ),
            (
                json!({"lead_info": {"name": " ", "x": null}, "struct": fields}),
                Err(BodyError::NoFacts),
            ),
            (
                json!({"lead_info": {"name": "Ada"}}),
                Err(BodyError::NoStruct),
            ),
            (
                json!({"lead_info": {"name": "Ada"}, "struct": null}),
                Err(BodyError::NoStruct),
            ),
            (
                json!({"lead_info": {"name": "Ada"}, "struct": {}}),
                Err(BodyError::EmptyStruct),
            ),
            (
                json!({"lead_info": {"name": "Ada"}, "struct": fields, "max_iterations": 0}),
                Err(BodyError::ZeroIterations),
            ),
            (
                json!({"lead_info": {"name": "Ada"}, "struct": fields, "webhook_url": "ftp://x"}),
                Err(BodyError::BadWebhookUrl("ftp://x".into())),
            ),
            (
                json!({"lead_info": {"name": "Ada"}, "struct": fields, "webhook_url": "https://"}),
                Err(BodyError::BadWebhookUrl("https://".into())),
            ),
            (
                json!({"lead_info": {"name": "Ada"}, "struct": fields, "webhook_url": "https://hooks.example/x"}),
                Ok(()),
            ),
        ];
        for (value, want) in rows {
            assert_eq!(body(value.clone()).check(), want, "{value}");
        }
        let mut shadowed = body(json!({"lead_info": {"name": "Ada"}, "struct": fields}));
        shadowed.extra.insert("tier".into(), json!("high"));
        assert_eq!(
            shadowed.check(),
            Err(BodyError::ExtraShadowsField("tier".into()))
        );
    }

    #[test]
    fn wrong_shapes_are_refused_by_deserialization() {
        for bad in [
            json!({"struct": {"email": "Email"}}),
            json!({"lead_info": "Ada", "struct": {"email": "Email"}}),
            json!({"lead_info": {"name": "Ada"}, "struct": ["email"]}),
            json!({"lead_info": {"name": "Ada"}, "struct": {"age": {"type": "integr"}}}),
            json!({"lead_info": {"name": "Ada"}, "struct": {"e": "E"}, "tier": "ultra"}),
            json!({"lead_info": {"name": "Ada"}, "struct": {"e": "E"}, "max_iterations": -1}),
            json!({"lead_info": {"name": "Ada"}, "struct": {"e": "E"}, "max_iterations": 2.5}),
            json!({"lead_info": {"name": "Ada"}, "struct": {"e": "E"}, "research_plan": 5}),
        ] {
            assert!(
                serde_json::from_value::<EnrichBody>(bad.clone()).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn serialization_keeps_the_wire_names_and_drops_absent_options() {
        let mut body = body(json!({
            "lead_info": {"name": "Ada"},
            "struct": {"age": {"description": "Age", "type": "int"}},
            "research_plan": "Start at the company site",
            "custom": [1, 2]
        }));
        body.tier = Some(Tier::Low);
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            json!({
                "lead_info": {"name": "Ada"},
                "struct": {"age": {"description": "Age", "type": "int"}},
                "research_plan": "Start at the company site",
                "tier": "low",
                "custom": [1, 2]
            })
        );
    }
}
