//! Tracing: the `submit`, `poll` and `wait` spans carry the task id (captured with a
//! subscriber of the test's own, on this test's thread).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::json;
use sixtyfour::{Client, EnrichRequest, Schema};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

/// A span's name and fields.
type Span = (String, HashMap<String, String>);

/// Closed spans: name and fields (those given at creation and those recorded later).
#[derive(Clone, Default)]
struct Spans {
    open: Arc<Mutex<HashMap<u64, Span>>>,
    closed: Arc<Mutex<Vec<Span>>>,
}

struct Fields<'a>(&'a mut HashMap<String, String>);

impl Visit for Fields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
}

impl<S: tracing::Subscriber> Layer<S> for Spans {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, _: Context<'_, S>) {
        let mut fields = HashMap::new();
        attrs.record(&mut Fields(&mut fields));
        self.open
            .lock()
            .unwrap()
            .insert(id.into_u64(), (attrs.metadata().name().to_owned(), fields));
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, _: Context<'_, S>) {
        if let Some((_, fields)) = self.open.lock().unwrap().get_mut(&id.into_u64()) {
            values.record(&mut Fields(fields));
        }
    }

    fn on_close(&self, id: Id, _: Context<'_, S>) {
        if let Some(span) = self.open.lock().unwrap().remove(&id.into_u64()) {
            self.closed.lock().unwrap().push(span);
        }
    }
}

#[tokio::test]
async fn submit_poll_and_wait_spans_carry_the_task_id() {
    let spans = Spans::default();
    let _guard =
        tracing::subscriber::set_default(tracing_subscriber::registry().with(spans.clone()));

    let emulator = sixtyfour_emulator::Emulator::builder()
        .spawn()
        .await
        .unwrap();
    let client = Client::for_emulator(&emulator).unwrap();
    let schema = Schema::builder()
        .describe("title", "The individual's job title")
        .build()
        .unwrap();
    let request = EnrichRequest::from_lead(
        &json!({"email": "rafael.nunez@lanternfish.example"}),
        schema,
    )
    .unwrap();
    let enrichment = client.enrich_raw(&request).await.unwrap();
    let task_id = enrichment.task_id.unwrap();

    let closed = spans.closed.lock().unwrap().clone();
    let with_id = |name: &str| {
        closed
            .iter()
            .filter(|(n, fields)| {
                n == name && fields.get("task_id").map(String::as_str) == Some(task_id.as_str())
            })
            .count()
    };
    assert_eq!(with_id("submit"), 1, "{closed:?}");
    assert_eq!(with_id("wait"), 1, "{closed:?}");
    let polls = closed.iter().filter(|(n, _)| n == "poll").count();
    assert!(polls >= 1);
    assert_eq!(
        with_id("poll"),
        polls,
        "every poll span names the job: {closed:?}"
    );
}
