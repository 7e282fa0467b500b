//! Every protocol type against the reference's own examples, and round-trip laws over generated
//! values: what one side writes, the other reads back unchanged; nothing panics on any JSON.

use proptest::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};
use sixtyfour_protocol::{
    EnrichBody, EnrichResult, ErrorBody, JobState, JobStatusBody, Submitted, TaskId, TaskType,
    Tier, WebhookEvent, error_message,
};

fn round_trip<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(value: &T) {
    let text = serde_json::to_string(value).unwrap();
    let back: T = serde_json::from_str(&text).unwrap();
    assert_eq!(&back, value, "{text}");
}

fn reference_struct() -> Value {
    json!({
        "name": "The individual's full name",
        "email": "The individual's email address",
        "phone": "The individual's phone number",
        "company": "The company the individual is associated with",
        "title": "The individual's job title",
        "linkedin": "LinkedIn URL for the person",
        "website": "Company website URL",
        "location": "The individual's location and/or company location",
        "industry": "Industry the person operates in",
        "github_url": "url for their github profile",
        "github_notes": "Take detailed notes on their github profile."
    })
}

fn reference_result() -> Value {
    json!({
        "notes": "Saarth Shah is the Co-Founder and CEO of Sixtyfour AI...",
        "structured_data": {
            "name": "Saarth Shah",
            "email": "saarth@sixtyfour.ai",
            "phone": "",
            "company": "Sixtyfour AI",
            "title": "CEO & Co-Founder",
            "linkedin": "https://www.linkedin.com/in/saarthshah",
            "website": "https://www.sixtyfour.ai/",
            "location": "San Francisco, California, USA",
            "industry": "Artificial Intelligence and Sales Technology",
            "github_url": "https://github.com/SaarthShah",
            "github_notes": "Demonstrates technical expertise."
        },
        "findings": [],
        "references": {
            "https://www.linkedin.com/in/saarthshah": "LinkedIn profile",
            "https://www.sixtyfour.ai/": "Company website"
        },
        "confidence_score": 9.5
    })
}

#[test]
fn the_reference_request_reads_and_writes_back_unchanged() {
    let request = json!({
        "lead_info": {
            "name": "Saarth Shah",
            "title": "CEO & Co-Founder @ Sixtyfour AI",
            "company": "Sixtyfour AI",
            "location": "San Francisco",
            "linkedin": "https://www.linkedin.com/in/saarthshah"
        },
        "struct": reference_struct()
    });
    let body: EnrichBody = serde_json::from_value(request.clone()).unwrap();
    body.check().unwrap();
    assert_eq!(body.fields.as_ref().map(|f| f.len()), Some(11));
    assert_eq!(serde_json::to_value(&body).unwrap(), request);

    let typed = json!({
        "lead_info": {"age": 30, "is_active": true},
        "struct": {"age": {"type": "str"}, "location": "Current location"},
        "research_plan": "Check the company site",
        "max_iterations": 3,
        "tier": "xhigh",
        "webhook_url": "https://hooks.example/done"
    });
    let body: EnrichBody = serde_json::from_value(typed.clone()).unwrap();
    assert_eq!(
        (body.tier, body.max_iterations),
        (Some(Tier::Xhigh), Some(3))
    );
    assert_eq!(serde_json::to_value(&body).unwrap(), typed);
}

#[test]
fn the_reference_answers_read_and_write_back_unchanged() {
    let submitted = json!({"task_id": "bdd69815-a1c0-480d-bfa5-d5fbb9745893", "status": "pending"});
    let read: Submitted = serde_json::from_value(submitted.clone()).unwrap();
    assert_eq!(read.status, JobState::Pending);
    assert_eq!(serde_json::to_value(&read).unwrap(), submitted);

    let pending = json!({"status": "pending", "processed_items": 0, "total_items": 0, "task_type": "enrich_lead"});
    let read: JobStatusBody = serde_json::from_value(pending.clone()).unwrap();
    assert_eq!(read.task_type, Some(TaskType::EnrichLead));
    assert_eq!(serde_json::to_value(&read).unwrap(), pending);

    let completed =
        json!({"status": "completed", "result": reference_result(), "task_type": "enrich_lead"});
    let read: JobStatusBody = serde_json::from_value(completed.clone()).unwrap();
    let result = read.result.clone().unwrap();
    assert_eq!(result.structured_data["email"], "saarth@sixtyfour.ai");
    assert_eq!(result.confidence_score, Some(9.5));
    assert_eq!(serde_json::to_value(&read).unwrap(), completed);

    let sync: EnrichResult = serde_json::from_value(reference_result()).unwrap();
    assert_eq!(serde_json::to_value(&sync).unwrap(), reference_result());

    let bad_request = json!({"error": "Bad Request", "message": "Invalid lead information"});
    let read: ErrorBody = serde_json::from_value(bad_request.clone()).unwrap();
    assert_eq!(read.message(), "Bad Request: Invalid lead information");
    assert_eq!(serde_json::to_value(&read).unwrap(), bad_request);
    assert_eq!(
        error_message(br#"{"detail": "Job not found"}"#),
        "Job not found"
    );

    let event = json!({"task_id": "t-1", "status": "completed", "task_type": "enrich_lead", "result": reference_result()});
    let read: WebhookEvent = serde_json::from_value(event.clone()).unwrap();
    assert_eq!(serde_json::to_value(&read).unwrap(), event);
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        "[ -~]{0,12}".prop_map(Value::String),
        "\\PC{0,8}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,8}", inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn arb_map() -> impl Strategy<Value = Map<String, Value>> {
    prop::collection::btree_map("[a-z_]{1,10}", arb_json(), 0..6)
        .prop_map(|m| m.into_iter().collect())
}

fn arb_state() -> impl Strategy<Value = JobState> {
    prop_oneof![
        Just(JobState::Pending),
        Just(JobState::Queued),
        Just(JobState::Processing),
        Just(JobState::Completed),
        Just(JobState::Failed),
        Just(JobState::Cancelled),
        "[a-z]{3,9}"
            .prop_map(|s| JobState::parse(&s))
            .prop_filter("a state name that parses back to itself", |s| {
                JobState::parse(s.as_str()) == *s
            }),
    ]
}

fn arb_result() -> impl Strategy<Value = EnrichResult> {
    (
        "\\PC{0,30}",
        arb_map(),
        prop::collection::btree_map(
            "https://[a-z]{1,8}\\.example/[a-z]{0,5}",
            "[ -~]{0,20}",
            0..4,
        ),
        prop::option::of((0u32..=100).prop_map(|n| f64::from(n) / 10.0)),
        prop::option::of(prop::collection::btree_map(
            "[a-z_]{1,8}",
            prop::option::of(0u8..=100),
            0..4,
        )),
    )
        .prop_map(|(notes, data, references, score, confidence)| {
            let mut result = EnrichResult::new(data);
            result.notes = notes;
            result.references = references
                .into_iter()
                .map(|(k, v)| (k, Value::String(v)))
                .collect();
            result.confidence_score = score;
            result.field_confidence = confidence.map(|c| c.into_iter().collect());
            result
        })
}

proptest! {
    #[test]
    fn results_round_trip(result in arb_result()) {
        round_trip(&result);
    }

    #[test]
    fn status_bodies_round_trip(
        state in arb_state(),
        result in prop::option::of(arb_result()),
        error in prop::option::of("\\PC{0,20}"),
        progress in prop::option::of((0u64..1000, 0u64..1000)),
    ) {
        let mut body = JobStatusBody::running(state, 0, 0, TaskType::EnrichLead);
        body.result = result;
        body.error = error;
        body.processed_items = progress.map(|p| p.0);
        body.total_items = progress.map(|p| p.1);
        round_trip(&body);
    }

    #[test]
    fn webhook_events_round_trip(id in "[a-zA-Z0-9-]{1,40}", result in arb_result(), failed in any::<bool>()) {
        let task_id = TaskId::new(id).unwrap();
        let event = if failed {
            WebhookEvent::failed(task_id, TaskType::EnrichLead, "no sources")
        } else {
            WebhookEvent::completed(task_id, TaskType::PeopleIntelligence, result)
        };
        round_trip(&event);
    }

    #[test]
    fn decoding_any_json_never_panics(value in arb_json()) {
        let _ = serde_json::from_value::<EnrichResult>(value.clone());
        let _ = serde_json::from_value::<JobStatusBody>(value.clone());
        let _ = serde_json::from_value::<Submitted>(value.clone());
        let _ = serde_json::from_value::<WebhookEvent>(value.clone());
        let _ = serde_json::from_value::<EnrichBody>(value.clone());
        let text = value.to_string();
        let _ = error_message(text.as_bytes());
    }

    #[test]
    fn bodies_round_trip(
        lead in arb_map(),
        fields in prop::collection::btree_map(
            "[a-z_]{1,10}",
            prop_oneof![
                "[ -~]{1,20}".prop_map(Value::String),
                ("[ -~]{0,20}", prop::sample::select(vec!["int", "float", "bool", "list", "list[str]", "dict", "str"]))
                    .prop_map(|(d, t)| json!({"description": d, "type": t})),
                any::<bool>().prop_map(Value::Bool),
            ],
            1..5,
        ),
        plan in prop::option::of("[ -~]{0,30}"),
        iterations in prop::option::of(1u32..50),
        tier in prop::option::of(prop::sample::select(Tier::ALL.to_vec())),
        extra in prop::option::of(arb_json()),
    ) {
        let mut body = json!({"lead_info": lead, "struct": fields});
        if let Some(plan) = plan { body["research_plan"] = json!(plan); }
        if let Some(n) = iterations { body["max_iterations"] = json!(n); }
        if let Some(tier) = tier { body["tier"] = json!(tier.as_str()); }
        if let Some(extra) = extra { body["custom_option"] = extra; }
        let read: EnrichBody = serde_json::from_value(body.clone()).unwrap();
        prop_assert_eq!(serde_json::to_value(&read).unwrap(), body);
        round_trip(&read);
    }
}
