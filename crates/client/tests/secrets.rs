//! The API key never shows: not in `Debug` or `Display` of anything the client hands out, not
//! in an error, not in any tracing event or log line at any level (the client's own, and
//! reqwest's and hyper's). Its own test binary, because it installs the global subscriber.

use std::io::Write;
use std::sync::{Arc, Mutex};

use futures_util::StreamExt;
use serde_json::json;
use sixtyfour::{Client, Enrich, EnrichRequest, RequestOptions, Schema, TaskId};
use sixtyfour_emulator::{Emulator, Latency};
use tracing_subscriber::util::SubscriberInitExt;

const KEY: &str = "sk-live-7f3a9c41d2-never-show-me";

/// Everything the subscriber writes.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

#[allow(dead_code)]
#[derive(Debug, serde::Deserialize, Enrich)]
struct Lead {
    /// The individual's job title (an int: it cannot fit)
    title: u32,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_key_appears_in_no_debug_display_error_or_trace() {
    let captured = Captured::default();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(captured.clone())
        .finish()
        // Also forwards `log` records (reqwest's) to the subscriber.
        .try_init()
        .unwrap();

    let emulator = Emulator::builder()
        .api_key(KEY)
        .latency(Latency::Fixed(std::time::Duration::from_millis(10)))
        .spawn()
        .await
        .unwrap();
    let mut shown = Vec::new();

    let builder = Client::builder_for_emulator(&emulator);
    shown.push(format!("{builder:?}"));
    let client = builder.build().unwrap();
    shown.push(format!("{client:?}"));
    let options_client = client.with_options(RequestOptions::new().tier(sixtyfour::Tier::Low));
    shown.push(format!("{options_client:?} {:?}", options_client.options()));

    // Calls that succeed, with their spans and events.
    let lead = json!({"email": "rafael.nunez@lanternfish.example"});
    let schema = Schema::builder()
        .describe("title", "The individual's job title")
        .build()
        .unwrap();
    let request = EnrichRequest::from_lead(&lead, schema).unwrap();
    let task_id = client.submit(&request).await.unwrap();
    let status = client.job_status(&task_id).await.unwrap();
    shown.push(format!("{status:?}"));
    let result = client.wait(&task_id).await.unwrap();
    shown.push(format!("{result:?}"));
    let sync = client.enrich_sync_response(&request).await.unwrap();
    shown.push(format!("{sync:?}"));
    let batch: Vec<_> = client
        .enrich_all(vec![request.clone(); 3], 2)
        .collect()
        .await;
    shown.push(format!("{batch:?}"));

    // Errors of every kind that carries text from a request or an answer.
    let mut errors = Vec::new();
    errors.push(client.enrich::<Lead>(&lead).await.unwrap_err()); // a cast error
    errors.push(
        client
            .job_status(&TaskId::new("no-such-task").unwrap())
            .await
            .unwrap_err(),
    );
    let wrong_key = format!("{KEY}-but-wrong");
    let wrong = Client::builder_for_emulator(&emulator)
        .api_key(wrong_key.as_str())
        .build()
        .unwrap();
    shown.push(format!("{wrong:?}"));
    errors.push(wrong.submit(&request).await.unwrap_err());
    errors.push(wrong.enrich_raw(&request).await.unwrap_err());
    errors.push(Client::builder().build().unwrap_err());
    errors.push(
        Client::builder()
            .api_key("bad\nkey-with-newline")
            .build()
            .unwrap_err(),
    );
    for err in &errors {
        let mut chain = format!("{err} {err:?}");
        let mut source = std::error::Error::source(err);
        while let Some(inner) = source {
            chain.push_str(&format!(" <- {inner}"));
            source = inner.source();
        }
        shown.push(chain);
    }
    assert!(
        errors.iter().any(|e| e.is_account_level()),
        "a 401 was produced"
    );
    drop(emulator);

    let everything = shown.join("\n");
    assert!(
        !everything.contains(KEY),
        "the key was shown:\n{everything}"
    );
    assert!(!everything.contains("key-with-newline"));

    let log = String::from_utf8_lossy(&captured.0.lock().unwrap()).into_owned();
    // The capture saw the client's spans and the HTTP stack's own records...
    assert!(
        log.contains(task_id.as_str()),
        "no span carried the task id"
    );
    assert!(
        log.contains("reqwest") || log.contains("hyper"),
        "no record of the HTTP stack was captured"
    );
    assert!(log.lines().count() > 20, "{log}");
    // ...and never the key.
    assert!(!log.contains(KEY), "a trace record holds the key");
    assert!(!log.contains(&wrong_key));
}
