//! The optional language model: any OpenAI-compatible chat-completions endpoint, asked for a
//! JSON object whose schema is built from the `struct` (each field a value and the URL of the
//! page it came from). A value citing a page that was not fetched is dropped.
//!
//! Request shape: `POST {base_url}/chat/completions` with `model`, `temperature: 0`, a system
//! and a user message (the lead, the fields, the plan, then each page as URL, title and text),
//! and `response_format: {"type": "json_schema", "json_schema": {"name": "lead_fields",
//! "strict": true, "schema": ...}}`. The key, when configured, goes in `Authorization: Bearer`.
//! Timeouts, 429, 5xx and malformed answers are retried with a doubling pause.

use std::time::Duration;

use serde_json::{Map, Value, json};
use sixtyfour_casting::{FieldType, Schema, resolve};

use crate::answer::Claim;
use crate::config::LlmConfig;
use crate::error::WebError;
use crate::extract::PageFacts;
use crate::normalize;

/// Why the model gave no usable answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LlmError {
    /// The request failed or timed out (after the retries).
    #[error("request failed: {0}")]
    Transport(String),
    /// The endpoint answered with an error status (after the retries, for 429 and 5xx).
    #[error("HTTP {status}: {body}")]
    Status {
        /// The status code.
        status: u16,
        /// The start of the body.
        body: String,
    },
    /// The answer was not the JSON object asked for (after the retries).
    #[error("malformed answer: {0}")]
    Malformed(String),
}

impl LlmError {
    fn retryable(&self) -> bool {
        match self {
            LlmError::Transport(_) | LlmError::Malformed(_) => true,
            LlmError::Status { status, .. } => *status == 429 || *status >= 500,
        }
    }
}

/// The JSON type of a field's value in the response schema.
fn value_schema(field_type: FieldType) -> Value {
    let name = match field_type {
        FieldType::Int => "integer",
        FieldType::Float => "number",
        FieldType::Bool => "boolean",
        FieldType::Dict => "object",
        FieldType::Str => "string",
        _ => "array",
    };
    json!({"type": [name, "null"]})
}

/// The response schema: one object per field with `value` and `source_url`, all required.
///
/// ```
/// use serde_json::json;
/// use sixtyfour_casting::Schema;
///
/// let schema = Schema::from_json(&json!({"title": "Job title", "age": {"type": "int"}}))?;
/// let out = sixtyfour_web::llm::response_schema(&schema, &Default::default());
/// assert_eq!(out["required"], json!(["title", "age"]));
/// assert_eq!(out["properties"]["age"]["properties"]["value"]["type"], json!(["integer", "null"]));
/// assert_eq!(out["properties"]["title"]["required"], json!(["value", "source_url"]));
/// # Ok::<(), sixtyfour_casting::SchemaError>(())
/// ```
pub fn response_schema(schema: &Schema, lead_info: &Map<String, Value>) -> Value {
    let resolution = resolve(schema, lead_info);
    let mut properties = Map::new();
    for ((name, spec), resolved) in schema.iter().zip(&resolution) {
        let description = spec.description().unwrap_or(name);
        properties.insert(
            name.to_owned(),
            json!({
                "type": "object",
                "description": description,
                "properties": {
                    "value": value_schema(resolved.field_type),
                    "source_url": {"type": ["string", "null"], "description": "The URL of the page that states the value"}
                },
                "required": ["value", "source_url"],
                "additionalProperties": false
            }),
        );
    }
    json!({
        "type": "object",
        "properties": properties,
        "required": schema.names().collect::<Vec<_>>(),
        "additionalProperties": false
    })
}

/// The chat-completions request body.
pub fn request_body(
    config: &LlmConfig,
    lead_info: &Map<String, Value>,
    schema: &Schema,
    research_plan: Option<&str>,
    pages: &[PageFacts],
) -> Value {
    let mut user = String::new();
    user.push_str("Lead (what is already known):\n");
    user.push_str(&Value::Object(lead_info.clone()).to_string());
    user.push_str("\n\nFields to fill:\n");
    for (name, spec) in schema.iter() {
        user.push_str(&format!(
            "- {name}: {}\n",
            spec.description().unwrap_or(name)
        ));
    }
    if let Some(plan) = research_plan.filter(|p| !p.trim().is_empty()) {
        user.push_str(&format!("\nResearch plan:\n{plan}\n"));
    }
    user.push_str("\nPages:\n");
    for page in pages.iter().take(config.max_pages) {
        let text: String = page.text.chars().take(config.max_chars_per_page).collect();
        user.push_str(&format!(
            "\n=== URL: {}\nTITLE: {}\n{}\n",
            page.url, page.title, text
        ));
    }
    json!({
        "model": config.model,
        "temperature": 0,
        "messages": [
            {"role": "system", "content": "You extract facts about one person from the web pages given. Use only what the pages state about this person (not a namesake). For every field give the value and the exact URL of the page that states it, or null for both when no page does. Prefer current facts over past ones."},
            {"role": "user", "content": user}
        ],
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": "lead_fields", "strict": true, "schema": response_schema(schema, lead_info)}
        }
    })
}

/// Reads a chat-completions answer: the claims that cite a fetched page, and how many values
/// cited something else.
pub fn parse_answer(
    body: &Value,
    schema: &Schema,
    fetched: &[String],
) -> Result<(Vec<Claim>, usize), LlmError> {
    let content = body
        .pointer("/choices/0/message/content")
        .and_then(Value::as_str)
        .ok_or_else(|| LlmError::Malformed("no choices[0].message.content string".into()))?;
    let content = content.trim();
    let content = content
        .strip_prefix("```json")
        .or_else(|| content.strip_prefix("```"))
        .map(|c| c.trim_end_matches("```").trim())
        .unwrap_or(content);
    let object: Value = serde_json::from_str(content)
        .map_err(|e| LlmError::Malformed(format!("content is not JSON: {e}")))?;
    let object = object
        .as_object()
        .ok_or_else(|| LlmError::Malformed("content is not a JSON object".into()))?;
    let keys: Vec<String> = fetched.iter().map(|u| normalize::url(u)).collect();
    let mut claims = Vec::new();
    let mut uncited = 0;
    for name in schema.names() {
        let Some(entry) = object.get(name) else {
            continue;
        };
        let (value, url) = match entry {
            Value::Object(o) => (
                o.get("value").cloned().unwrap_or(Value::Null),
                o.get("source_url").and_then(Value::as_str),
            ),
            _ => (entry.clone(), None),
        };
        if value.is_null() || value.as_str().is_some_and(|s| s.trim().is_empty()) {
            continue;
        }
        // The claim keeps the fetched page's own URL, whatever the model's spelling.
        match url.and_then(|u| keys.iter().position(|k| *k == normalize::url(u))) {
            Some(i) => claims.push(Claim {
                field: name.to_owned(),
                value,
                url: fetched[i].clone(),
            }),
            None => uncited += 1,
        }
    }
    Ok((claims, uncited))
}

/// A client for the configured endpoint.
#[derive(Clone)]
pub struct LlmClient {
    config: LlmConfig,
    key: Option<String>,
    http: reqwest::Client,
}

impl std::fmt::Debug for LlmClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LlmClient")
            .field("base_url", &self.config.base_url)
            .field("model", &self.config.model)
            .finish_non_exhaustive()
    }
}

impl LlmClient {
    /// A client; the key is read now from the environment variable the configuration names.
    pub fn new(config: LlmConfig) -> Result<LlmClient, WebError> {
        if url::Url::parse(&config.base_url)
            .map_or(true, |u| !matches!(u.scheme(), "http" | "https"))
        {
            return Err(WebError::BadUrl {
                what: "language model",
                url: config.base_url.clone(),
            });
        }
        let key = match &config.key_env {
            Some(name) => {
                Some(std::env::var(name).map_err(|_| WebError::MissingKey(name.clone()))?)
            }
            None => None,
        };
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .build()
            .map_err(|e| WebError::Http(e.to_string()))?;
        Ok(LlmClient { config, key, http })
    }

    /// Asks the model about the pages; the claims citing fetched pages and the count of the
    /// others.
    pub async fn extract(
        &self,
        lead_info: &Map<String, Value>,
        schema: &Schema,
        research_plan: Option<&str>,
        pages: &[PageFacts],
    ) -> Result<(Vec<Claim>, usize), LlmError> {
        let body = request_body(&self.config, lead_info, schema, research_plan, pages);
        let fetched: Vec<String> = pages.iter().map(|p| p.url.clone()).collect();
        let mut pause = self.config.backoff;
        let mut attempt = 0;
        loop {
            let result = self
                .attempt(&body)
                .await
                .and_then(|answer| parse_answer(&answer, schema, &fetched));
            match result {
                Err(e) if e.retryable() && attempt < self.config.retries => {
                    attempt += 1;
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_secs(30));
                }
                other => return other,
            }
        }
    }

    async fn attempt(&self, body: &Value) -> Result<Value, LlmError> {
        let url = format!(
            "{}/chat/completions",
            self.config.base_url.trim_end_matches('/')
        );
        let mut request = self.http.post(url).json(body);
        if let Some(key) = &self.key {
            request = request.bearer_auth(key);
        }
        let response = request
            .send()
            .await
            .map_err(|e| LlmError::Transport(e.to_string()))?;
        let status = response.status().as_u16();
        let text = response
            .text()
            .await
            .map_err(|e| LlmError::Transport(e.to_string()))?;
        if !(200..300).contains(&status) {
            return Err(LlmError::Status {
                status,
                body: text.chars().take(200).collect(),
            });
        }
        serde_json::from_str(&text)
            .map_err(|e| LlmError::Malformed(format!("body is not JSON: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema() -> Schema {
        Schema::from_json(
            &json!({"title": "Job title", "email": "Email", "years": {"type": "int"}}),
        )
        .unwrap()
    }

    fn answer(content: &str) -> Value {
        json!({"choices": [{"message": {"role": "assistant", "content": content}}]})
    }

    #[test]
    fn citations_must_name_fetched_pages() {
        let content = json!({
            "title": {"value": "CTO", "source_url": "https://q.example/team/"},
            "email": {"value": "ada@q.example", "source_url": "https://made-up.example/"},
            "years": {"value": null, "source_url": null}
        })
        .to_string();
        let (claims, uncited) = parse_answer(
            &answer(&content),
            &schema(),
            &["https://q.example/team".into()],
        )
        .unwrap();
        assert_eq!(claims.len(), 1);
        assert_eq!(claims[0].field, "title");
        assert_eq!(uncited, 1);
    }

    #[test]
    fn malformed_answers() {
        for body in [
            json!({}),
            json!({"choices": []}),
            answer("not json"),
            answer("[1,2]"),
        ] {
            assert!(
                matches!(
                    parse_answer(&body, &schema(), &[]),
                    Err(LlmError::Malformed(_))
                ),
                "{body}"
            );
        }
        let fenced = answer(
            "```json\n{\"title\": {\"value\": \"CTO\", \"source_url\": \"https://q.example/\"}}\n```",
        );
        assert_eq!(
            parse_answer(&fenced, &schema(), &["https://q.example/".into()])
                .unwrap()
                .0
                .len(),
            1
        );
    }

    #[test]
    fn the_request_carries_the_schema_and_pages() {
        let config = LlmConfig::new("http://127.0.0.1:1/v1", "test-model");
        let page = PageFacts {
            url: "https://q.example/".into(),
            title: "Q".into(),
            text: "Ada is CTO".into(),
            ..PageFacts::default()
        };
        let body = request_body(
            &config,
            &Map::new(),
            &schema(),
            Some("Check the team page"),
            &[page],
        );
        assert_eq!(body["model"], "test-model");
        assert_eq!(body["response_format"]["type"], "json_schema");
        assert_eq!(
            body["response_format"]["json_schema"]["schema"]["required"],
            json!(["title", "email", "years"])
        );
        let user = body["messages"][1]["content"].as_str().unwrap();
        assert!(
            user.contains("=== URL: https://q.example/") && user.contains("Check the team page")
        );
    }
}
