//! `EnrichRequest`: the body of a submit (the protocol's [`EnrichBody`]), built from a lead and
//! a schema, checked before it is sent so that bad input costs no request.

use std::sync::LazyLock;

use serde::Serialize;
use serde_json::{Map, Value};
use sixtyfour_casting::{Enrich, Schema};
use sixtyfour_protocol::{EnrichBody, Tier};

use crate::error::Error;
use crate::options::RequestOptions;

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
    /// Always has `fields` (the constructors see to it).
    body: EnrichBody,
}

static NO_FIELDS: LazyLock<Schema> = LazyLock::new(Schema::new);

impl EnrichRequest {
    /// A request for `schema` about the lead `lead_info`.
    pub fn new(lead_info: Map<String, Value>, schema: Schema) -> Self {
        EnrichRequest {
            body: EnrichBody::new(lead_info, schema),
        }
    }

    /// A request from any lead that serializes to a JSON object.
    pub fn from_lead(lead: &impl Serialize, schema: Schema) -> Result<Self, Error> {
        match serde_json::to_value(lead) {
            Ok(Value::Object(lead_info)) => Ok(Self::new(lead_info, schema)),
            Ok(other) => Err(Error::InvalidRequest {
                message: format!(
                    "the lead must serialize to a JSON object of known facts, not {}",
                    sixtyfour_protocol::shorten(&other.to_string())
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
        request.body.research_plan = T::research_plan().map(str::to_owned);
        Ok(request)
    }

    /// A request from a protocol body; it must name its fields (`struct`).
    pub fn from_body(body: EnrichBody) -> Result<Self, Error> {
        if body.fields.is_none() {
            return Err(Error::InvalidRequest {
                message: sixtyfour_protocol::BodyError::NoStruct.to_string(),
            });
        }
        Ok(EnrichRequest { body })
    }

    /// Guidance for the research agent.
    pub fn research_plan(mut self, plan: impl Into<String>) -> Self {
        self.body.research_plan = Some(plan.into());
        self
    }

    /// A bound on the agent's iterations.
    pub fn max_iterations(mut self, n: u32) -> Self {
        self.body.max_iterations = Some(n);
        self
    }

    /// The research tier.
    pub fn tier(mut self, tier: Tier) -> Self {
        self.body.tier = Some(tier);
        self
    }

    /// An http(s) URL the service calls when an async job ends.
    pub fn webhook_url(mut self, url: impl Into<String>) -> Self {
        self.body.webhook_url = Some(url.into());
        self
    }

    /// Any other body field, for options this crate does not know yet.
    pub fn extra(mut self, key: impl Into<String>, value: Value) -> Self {
        self.body.extra.insert(key.into(), value);
        self
    }

    /// The lead's known facts.
    pub fn lead_info(&self) -> &Map<String, Value> {
        &self.body.lead_info
    }

    /// The fields asked for.
    pub fn schema(&self) -> &Schema {
        self.body.fields.as_ref().unwrap_or(&NO_FIELDS)
    }

    /// The wire body.
    pub fn body(&self) -> &EnrichBody {
        &self.body
    }

    /// Refuses what the API would refuse, before anything is sent (the protocol's
    /// [`EnrichBody::check`]).
    pub fn validate(&self) -> Result<(), Error> {
        self.body.check().map_err(|err| Error::InvalidRequest {
            message: err.to_string(),
        })
    }

    /// The JSON body.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(&self.body).unwrap_or(Value::Null)
    }

    /// The body with the per-call options applied (they win over the request's own values),
    /// checked and serialized.
    pub(crate) fn encode(&self, options: &RequestOptions) -> Result<Vec<u8>, Error> {
        let mut body = self.body.clone();
        if let Some(tier) = options.tier {
            body.tier = Some(tier);
        }
        if let Some(n) = options.max_iterations {
            body.max_iterations = Some(n);
        }
        if let Some(url) = &options.webhook_url {
            body.webhook_url = Some(url.clone());
        }
        body.check().map_err(|err| Error::InvalidRequest {
            message: err.to_string(),
        })?;
        serde_json::to_vec(&body).map_err(|err| Error::InvalidRequest {
            message: format!("the body could not be serialized: {err}"),
        })
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
                Some("`struct` is empty"),
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
        assert!(EnrichRequest::from_body(EnrichBody::new(Map::new(), schema())).is_ok());
    }

    #[test]
    fn options_win_over_the_request_and_are_checked() {
        let request = EnrichRequest::new(
            json!({"name": "Ada"}).as_object().cloned().unwrap(),
            schema(),
        )
        .tier(Tier::Low);
        let options = RequestOptions::new()
            .tier(Tier::High)
            .max_iterations(3)
            .webhook_url("https://hooks.example/x");
        let body: Value = serde_json::from_slice(&request.encode(&options).unwrap()).unwrap();
        assert_eq!(
            body,
            json!({
                "lead_info": {"name": "Ada"},
                "struct": {"email": "Email"},
                "max_iterations": 3,
                "tier": "high",
                "webhook_url": "https://hooks.example/x"
            })
        );
        let bad = RequestOptions::new().max_iterations(0);
        assert!(matches!(
            request.encode(&bad),
            Err(Error::InvalidRequest { .. })
        ));
    }
}
