//! The scheduled run against the emulator over HTTP: the key's limit on active jobs is learned
//! (refused rows stay pending and go once jobs end, each lead sent once), `max_in_flight` is a
//! ceiling, and the per-row path is still there when asked for.

use std::time::Duration;

use futures_util::StreamExt;
use serde_json::json;
use sixtyfour::{Client, PollPolicy, Schema};
use sixtyfour_emulator::{Emulator, EmulatorHandle, Latency};
use sixtyfour_ledger::{InputRow, Ledger, OpenOptions, RowState, RunOptions};

fn client(emulator: &EmulatorHandle) -> Client {
    Client::builder()
        .api_key(emulator.api_key())
        .base_url(emulator.base_url())
        .poll_policy(PollPolicy {
            initial: Duration::from_millis(20),
            factor: 1.5,
            max: Duration::from_millis(100),
        })
        .rate_limit(None)
        .build()
        .unwrap()
}

fn leads(n: usize) -> Vec<InputRow> {
    (0..n)
        .map(|i| {
            InputRow::from_lead(&json!({"name": format!("Person {i}"), "company": "Nowhere"}))
                .unwrap()
        })
        .collect()
}

fn schema() -> Schema {
    Schema::builder()
        .describe("title", "The individual's job title")
        .build()
        .unwrap()
}

/// Runs `n` leads; every row must complete, through exactly one job of its own lead.
async fn run_all(emulator: &EmulatorHandle, n: usize, options: &RunOptions) {
    let dir = tempfile::tempdir().unwrap();
    let mut ledger = Ledger::open(
        &dir.path().join("batch.ledger"),
        &client(emulator),
        schema(),
        OpenOptions::api_key(emulator.api_key()),
    )
    .unwrap();
    let rows: Vec<_> = ledger.run_raw(leads(n), options).unwrap().collect().await;
    assert_eq!(rows.len(), n);
    let jobs = emulator.jobs();
    for (_, row) in &rows {
        let row = row.as_ref().unwrap();
        assert_eq!(row.state, RowState::Completed, "{row:?}");
        let made: Vec<&str> = jobs
            .iter()
            .filter(|job| job.lead_info == row.lead)
            .map(|job| job.task_id.as_str())
            .collect();
        assert_eq!(
            made,
            [row.task_id.as_ref().unwrap().as_str()],
            "{:?}",
            row.lead
        );
    }
    let report = ledger.last_report().unwrap();
    assert!(report.all_finished(), "{report:?}");
}

#[tokio::test]
async fn an_active_job_limit_keeps_rows_pending_and_sends_them_when_jobs_end() {
    let emulator = Emulator::builder()
        .latency(Latency::Range(
            Duration::from_millis(100),
            Duration::from_millis(300),
        ))
        .max_active_jobs(Some(3))
        .spawn()
        .await
        .unwrap();
    run_all(&emulator, 15, &RunOptions::default()).await;
    let stats = emulator.stats();
    // The limit was met, refused nothing for good, and was not fought: the ceiling came down.
    assert!(stats.active_job_limited >= 1, "{stats:?}");
    assert!(stats.max_in_flight <= 3, "{stats:?}");
    // The first burst (15 submits at once, nothing known) meets 12 refusals; after that the
    // ceiling is the limit, raised by one after each turnover to see whether it grew.
    assert!(
        stats.active_job_limited <= 20,
        "refused again and again: {stats:?}"
    );
}

#[tokio::test]
async fn max_in_flight_is_a_ceiling() {
    let emulator = Emulator::builder()
        .latency(Latency::Range(
            Duration::from_millis(50),
            Duration::from_millis(150),
        ))
        .spawn()
        .await
        .unwrap();
    run_all(&emulator, 12, &RunOptions::default().max_in_flight(2)).await;
    let stats = emulator.stats();
    assert!(stats.max_in_flight <= 2, "{stats:?}");
    assert_eq!(stats.jobs_created, 12);
}

#[tokio::test]
async fn without_a_ceiling_the_batch_goes_at_once() {
    let emulator = Emulator::builder()
        .latency(Latency::Fixed(Duration::from_millis(300)))
        .spawn()
        .await
        .unwrap();
    // No budget (no rate limit) and no ceiling: every job is in flight together.
    run_all(&emulator, 30, &RunOptions::default()).await;
    let stats = emulator.stats();
    assert_eq!(stats.max_in_flight, 30, "{stats:?}");
}

#[tokio::test]
async fn the_per_row_path_is_kept_when_asked_for() {
    let emulator = Emulator::builder()
        .latency(Latency::Range(
            Duration::from_millis(20),
            Duration::from_millis(60),
        ))
        .spawn()
        .await
        .unwrap();
    let options = RunOptions::default().schedule(false).max_in_flight(3);
    run_all(&emulator, 9, &options).await;
    assert!(emulator.stats().max_in_flight <= 3);
}

#[tokio::test]
async fn a_rate_limited_key_slows_down_and_loses_nothing() {
    // 20 requests per 0.6 s at the server, and no budget in the client: the scheduler meets
    // 429s, and their Retry-After holds back every request of the key.
    let emulator = Emulator::builder()
        .latency(Latency::Range(
            Duration::from_secs(10),
            Duration::from_secs(30),
        ))
        .time_scale(0.01)
        .rate_limit(Some(20))
        .spawn()
        .await
        .unwrap();
    run_all(&emulator, 40, &RunOptions::default()).await;
    let stats = emulator.stats();
    assert!(stats.rate_limited >= 1, "{stats:?}");
    assert_eq!(stats.jobs_created, 40, "{stats:?}");
}

/// Runs 40 leads against an emulator signing callbacks, with callbacks received or not; the
/// status polls the run made.
async fn polls_with(receive: bool) -> u64 {
    let callbacks = sixtyfour_ledger::Callbacks::new(Some("whsec_test".into()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let app = callbacks.router();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let emulator = Emulator::builder()
        .latency(Latency::Range(
            Duration::from_millis(400),
            Duration::from_millis(1200),
        ))
        .webhook_secret("whsec_test")
        .spawn()
        .await
        .unwrap();
    let client = Client::builder()
        .api_key(emulator.api_key())
        .base_url(emulator.base_url())
        .poll_policy(PollPolicy {
            initial: Duration::from_millis(20),
            factor: 1.5,
            max: Duration::from_millis(100),
        })
        .rate_limit(Some(sixtyfour::RateLimit::new(60, Duration::from_secs(1))))
        .build()
        .unwrap()
        .with_options(sixtyfour::RequestOptions::new().webhook_url(url));
    let dir = tempfile::tempdir().unwrap();
    let mut ledger = Ledger::open(
        &dir.path().join("hooks.ledger"),
        &client,
        schema(),
        OpenOptions::api_key(emulator.api_key()),
    )
    .unwrap();
    let mut options = RunOptions::default();
    if receive {
        options = options.callbacks(callbacks);
    }
    let rows: Vec<_> = ledger
        .run_raw(leads(120), &options)
        .unwrap()
        .collect()
        .await;
    let jobs = emulator.jobs();
    for (_, row) in &rows {
        let row = row.as_ref().unwrap();
        assert_eq!(row.state, RowState::Completed, "{row:?}");
        assert!(row.raw_answer.is_some(), "{row:?}");
        let made = jobs.iter().filter(|job| job.lead_info == row.lead).count();
        assert_eq!(made, 1, "{:?}", row.lead);
    }
    let stats = emulator.stats();
    assert!(stats.webhooks_delivered >= 100, "{stats:?}");
    eprintln!(
        "callbacks received: {receive}, status polls: {}",
        stats.status_polls
    );
    stats.status_polls
}

#[tokio::test]
async fn signed_callbacks_carry_the_results_and_spare_the_polls() {
    let with = polls_with(true).await;
    let without = polls_with(false).await;
    assert!(
        with * 2 < without,
        "{with} polls with callbacks, {without} without"
    );
}
