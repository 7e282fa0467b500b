//! What every row's request shares: the `struct` schema, the research plan and the other body
//! options. A row's request is the template plus its lead; its identity is the hash of that
//! whole body.

use serde_json::{Map, Value};
use sixtyfour::{EnrichRequest, Schema, Tier};

use crate::canonical::content_hash;

/// The body fields every row's request shares.
///
/// ```
/// use serde_json::json;
/// use sixtyfour::{Schema, Tier};
/// use sixtyfour_ledger::Template;
///
/// let schema = Schema::builder().describe("email", "The individual's email address").build()?;
/// let template = Template::new(schema).research_plan("Start from the company website.").tier(Tier::High);
/// let lead = json!({"name": "Mara Quill"}).as_object().cloned().unwrap();
/// let body = template.request(lead).to_json();
/// assert_eq!(body["tier"], "high");
/// assert_eq!(body["lead_info"]["name"], "Mara Quill");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    schema: Schema,
    research_plan: Option<String>,
    tier: Option<Tier>,
    max_iterations: Option<u32>,
}

impl Template {
    /// A template that asks for `schema`.
    pub fn new(schema: Schema) -> Self {
        Template {
            schema,
            research_plan: None,
            tier: None,
            max_iterations: None,
        }
    }

    /// The fields of `T` and its research plan.
    pub fn for_type<T: sixtyfour::Enrich>() -> Self {
        let mut template = Template::new(T::schema());
        template.research_plan = T::research_plan().map(str::to_owned);
        template
    }

    /// Guidance sent with every lead.
    pub fn research_plan(mut self, plan: impl Into<String>) -> Self {
        self.research_plan = Some(plan.into());
        self
    }

    /// The research tier of every request.
    pub fn tier(mut self, tier: Tier) -> Self {
        self.tier = Some(tier);
        self
    }

    /// A bound on the agent's iterations for every request.
    pub fn max_iterations(mut self, n: u32) -> Self {
        self.max_iterations = Some(n);
        self
    }

    /// The fields asked for.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// The request for one lead.
    pub fn request(&self, lead: Map<String, Value>) -> EnrichRequest {
        let mut request = EnrichRequest::new(lead, self.schema.clone());
        if let Some(plan) = &self.research_plan {
            request = request.research_plan(plan.clone());
        }
        if let Some(tier) = self.tier {
            request = request.tier(tier);
        }
        if let Some(n) = self.max_iterations {
            request = request.max_iterations(n);
        }
        request
    }
}

impl From<Schema> for Template {
    fn from(schema: Schema) -> Self {
        Template::new(schema)
    }
}

impl From<&Schema> for Template {
    fn from(schema: &Schema) -> Self {
        Template::new(schema.clone())
    }
}

/// The identity of a request: the hash of its body without `webhook_url` (where the answer is
/// delivered does not change what is asked).
pub fn request_hash(request: &EnrichRequest) -> String {
    let mut body = request.to_json();
    if let Value::Object(map) = &mut body {
        map.shift_remove("webhook_url");
    }
    content_hash(&body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn lead(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap()
    }

    #[test]
    fn the_hash_covers_every_body_field_but_the_webhook() {
        let schema = Schema::builder()
            .describe("email", "Email")
            .build()
            .unwrap();
        let other = Schema::builder()
            .describe("email", "Work email")
            .build()
            .unwrap();
        let base = Template::new(schema.clone());
        let hash = |t: &Template| request_hash(&t.request(lead(json!({"name": "Ada"}))));
        let variants = [
            Template::new(other),
            base.clone().research_plan("Plan"),
            base.clone().tier(Tier::Low),
            base.clone().max_iterations(3),
        ];
        for variant in &variants {
            assert_ne!(hash(variant), hash(&base), "{variant:?}");
        }
        assert_ne!(
            request_hash(&base.request(lead(json!({"name": "Bo"})))),
            hash(&base)
        );
        // Key order of the lead does not matter; a webhook does not matter.
        let a = base.request(lead(json!({"name": "Ada", "company": "L"})));
        let b = base
            .request(lead(json!({"company": "L", "name": "Ada"})))
            .webhook_url("https://hooks.example/x");
        assert_eq!(request_hash(&a), request_hash(&b));
    }
}
