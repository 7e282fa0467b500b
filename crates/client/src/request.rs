//! `EnrichRequest`: the body of a submit, built from a lead and a schema, checked before it is
//! sent so that bad input costs no request.

use serde::Serialize;
use serde_json::{Map, Value};
use sixtyfour_casting::{Enrich, Schema};

use crate::error::Error;

/// How hard the research agent works.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
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

/// One enrichment request.
///
/// ```
/// use serde_json::json;
/// use sixtyfour::{EnrichRequest, Schema, Tier};
///
/// let schema = Schema::builder().describe("email", "The individual's email address").build()?;
/// let request = EnrichRequest::from_lead(&json!({"name": "Mara Quill", "company": "Lanternfish"}), schema)?
///     .research_plan("Start from the company website.")
///     .tier(Tier::High)
///     .extra("new_option", json!(true));
/// let body = request.to_json();
/// assert_eq!(body["struct"]["email"], "The individual's email address");
/// assert_eq!(body["tier"], "high");
/// assert_eq!(body["new_option"], true);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct EnrichRequest {
    lead_info: Map<String, Value>,
    schema: Schema,
    research_plan: Option<String>,
    max_iterations: Option<u32>,
    tier: Option<Tier>,
    webhook_url: Option<String>,
    extra: Map<String, Value>,
}

impl EnrichRequest {
    /// A request for `schema` about the lead `lead_info`.
    pub fn new(lead_info: Map<String, Value>, schema: Schema) -> Self {
        EnrichRequest {
            lead_info,
            schema,
            research_plan: None,
            max_iterations: None,
            tier: None,
            webhook_url: None,
            extra: Map::new(),
        }
    }

    /// A request from any lead that serializes to a JSON object.
    pub fn from_lead(lead: &impl Serialize, schema: Schema) -> Result<Self, Error> {
        match serde_json::to_value(lead) {
            Ok(Value::Object(lead_info)) => Ok(Self::new(lead_info, schema)),
            Ok(other) => Err(Error::InvalidRequest {
                message: format!(
                    "the lead must serialize to a JSON object of known facts, not {other}"
                ),
            }),
            Err(err) => Err(Error::InvalidRequest {
                message: format!("the lead could not be serialized: {err}"),
            }),
        }
    }

    /// A request for the fields of `T` (its schema and research plan).
    pub fn for_type<T: Enrich>(lead: &impl Serialize) -> Result<Self, Error> {
        let mut request = Self::from_lead(lead, T::schema())?;
        request.research_plan = T::research_plan().map(str::to_owned);
        Ok(request)
    }

    /// Guidance for the research agent.
    pub fn research_plan(mut self, plan: impl Into<String>) -> Self {
        self.research_plan = Some(plan.into());
        self
    }

    /// A bound on the agent's iterations.
    pub fn max_iterations(mut self, n: u32) -> Self {
        self.max_iterations = Some(n);
        self
    }

    /// The research tier.
    pub fn tier(mut self, tier: Tier) -> Self {
        self.tier = Some(tier);
        self
    }

    /// An HTTPS URL the service calls when an async job ends.
    pub fn webhook_url(mut self, url: impl Into<String>) -> Self {
        self.webhook_url = Some(url.into());
        self
    }

    /// Any other body field, for options this crate does not know yet.
    pub fn extra(mut self, key: impl Into<String>, value: Value) -> Self {
        self.extra.insert(key.into(), value);
        self
    }

    /// The lead's known facts.
    pub fn lead_info(&self) -> &Map<String, Value> {
        &self.lead_info
    }

    /// The fields asked for.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// Refuses what the API would refuse, before anything is sent.
    pub fn validate(&self) -> Result<(), Error> {
        let invalid = |message: &str| {
            Err(Error::InvalidRequest {
                message: message.to_owned(),
            })
        };
        if self
            .lead_info
            .values()
            .all(|v| v.is_null() || v.as_str().is_some_and(|s| s.trim().is_empty()))
        {
            return invalid(
                "the lead has no facts: give at least one non-blank value (a name, an email, a URL)",
            );
        }
        if self.schema.is_empty() {
            return invalid("the schema is empty: name at least one field to collect");
        }
        if self.max_iterations == Some(0) {
            return invalid("max_iterations must be at least 1");
        }
        if let Some(url) = &self.webhook_url
            && !(url.starts_with("https://") || url.starts_with("http://"))
        {
            return invalid("webhook_url must be an http(s) URL");
        }
        for key in [
            "lead_info",
            "struct",
            "research_plan",
            "max_iterations",
            "tier",
            "webhook_url",
        ] {
            if self.extra.contains_key(key) {
                return Err(Error::InvalidRequest {
                    message: format!("`{key}` is set through its own method, not `extra`"),
                });
            }
        }
        Ok(())
    }

    /// The JSON body.
    pub fn to_json(&self) -> Value {
        let mut body = Map::new();
        body.insert("lead_info".into(), Value::Object(self.lead_info.clone()));
        body.insert("struct".into(), self.schema.to_json());
        if let Some(plan) = &self.research_plan {
            body.insert("research_plan".into(), Value::String(plan.clone()));
        }
        if let Some(n) = self.max_iterations {
            body.insert("max_iterations".into(), Value::from(n));
        }
        if let Some(tier) = self.tier {
            body.insert(
                "tier".into(),
                serde_json::to_value(tier).unwrap_or(Value::Null),
            );
        }
        if let Some(url) = &self.webhook_url {
            body.insert("webhook_url".into(), Value::String(url.clone()));
        }
        for (key, value) in &self.extra {
            body.insert(key.clone(), value.clone());
        }
        Value::Object(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> Schema {
        Schema::builder()
            .describe("email", "Email")
            .build()
            .unwrap()
    }

    #[test]
    fn validation_table() {
        let lead = |v: Value| v.as_object().cloned().unwrap();
        let rows = [
            (
                EnrichRequest::new(lead(json!({"name": "Ada"})), schema()),
                None,
            ),
            (EnrichRequest::new(Map::new(), schema()), Some("no facts")),
            (
                EnrichRequest::new(lead(json!({"name": " ", "x": null})), schema()),
                Some("no facts"),
            ),
            (
                EnrichRequest::new(lead(json!({"name": "Ada"})), Schema::new()),
                Some("schema is empty"),
            ),
            (
                EnrichRequest::new(lead(json!({"name": "Ada"})), schema()).max_iterations(0),
                Some("max_iterations"),
            ),
            (
                EnrichRequest::new(lead(json!({"name": "Ada"})), schema()).webhook_url("ftp://x"),
                Some("webhook_url"),
            ),
            (
                EnrichRequest::new(lead(json!({"name": "Ada"})), schema())
                    .extra("struct", json!({})),
                Some("`struct`"),
            ),
        ];
        for (request, want) in rows {
            match (request.validate(), want) {
                (Ok(()), None) => {}
                (Err(err), Some(text)) => assert!(err.to_string().contains(text), "{err}"),
                (got, want) => panic!("{got:?} vs {want:?}"),
            }
        }
        assert!(EnrichRequest::from_lead(&json!(["not", "an", "object"]), schema()).is_err());
    }
}
