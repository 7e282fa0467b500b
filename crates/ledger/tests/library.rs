//! The library API against the emulator over HTTP: a typed run whose answer does not fit keeps
//! the task id and the raw answer; a dropped run loses no task id; rows that left the input
//! are kept and listed.

use std::time::Duration;

use futures_util::StreamExt;
use serde_json::json;
use sixtyfour::{Client, Enrich, PollPolicy, Schema};
use sixtyfour_emulator::{Emulator, EmulatorHandle, Latency};
use sixtyfour_ledger::{
    InputRow, Ledger, OpenOptions, RowError, RowState, RunOptions, SyncOptions, Template,
};

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

fn lead(value: serde_json::Value) -> InputRow {
    InputRow::from_lead(&value).unwrap()
}

/// Asks for `email` as text and reads it as a number: never fits.
#[derive(Debug, serde::Deserialize)]
struct Mistyped {
    #[allow(dead_code)]
    email: u32,
}

impl Enrich for Mistyped {
    fn schema() -> Schema {
        Schema::builder()
            .describe("email", "The individual's email address")
            .build()
            .unwrap_or_default()
    }
}

#[tokio::test]
async fn a_typed_answer_that_does_not_fit_keeps_its_task_id_and_raw_answer() {
    let emulator = Emulator::builder().spawn().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("typed.ledger");
    let mut ledger = Ledger::open(
        &path,
        &client(&emulator),
        Template::for_type::<Mistyped>(),
        OpenOptions::api_key(emulator.api_key()),
    )
    .unwrap();
    let options = RunOptions::default();
    let rows: Vec<_> = ledger
        .run::<Mistyped, _>(
            vec![lead(json!({"email": "rafael.nunez@lanternfish.example"}))],
            &options,
        )
        .unwrap()
        .collect()
        .await;
    assert_eq!(rows.len(), 1);
    match &rows[0].1 {
        Err(RowError::Decode {
            task_id,
            raw,
            source,
        }) => {
            let task_id = task_id.as_ref().expect("a completed row has its task id");
            assert_eq!(task_id.as_str().len(), 36);
            assert_eq!(emulator.jobs()[0].task_id, task_id.as_str());
            assert_eq!(
                raw.structured_data["email"],
                "rafael.nunez@lanternfish.example"
            );
            assert!(source.to_string().contains("email"), "{source}");
        }
        other => panic!("{other:?}"),
    }
    // The ledger has the answer: completed, raw and cast.
    let mut seen = Vec::new();
    ledger
        .rows(|row| {
            seen.push(row);
            Ok(())
        })
        .unwrap();
    assert_eq!(seen[0].state, RowState::Completed);
    let raw = seen[0].raw_answer.as_ref().expect("the raw answer is kept");
    assert_eq!(
        raw["structured_data"]["email"], "rafael.nunez@lanternfish.example",
        "{raw}"
    );
    assert_eq!(
        seen[0].cast_answer.as_ref().unwrap()["email"],
        "rafael.nunez@lanternfish.example"
    );

    // Another type for the same ledger is refused.
    #[derive(Debug, serde::Deserialize, Enrich)]
    struct Other {
        /// The individual's job title
        #[allow(dead_code)]
        title: String,
    }
    assert!(ledger.run::<Other, _>(Vec::new(), &options).is_err());
}

#[tokio::test]
async fn a_dropped_run_loses_no_task_id_and_the_next_run_pays_nothing_twice() {
    let emulator = Emulator::builder()
        .latency(Latency::Fixed(Duration::from_millis(300)))
        .spawn()
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dropped.ledger");
    let schema = Schema::builder()
        .describe("title", "The individual's job title")
        .build()
        .unwrap();
    let leads = || {
        (0..6)
            .map(|i| lead(json!({"name": format!("Person {i}"), "company": "Nowhere"})))
            .collect::<Vec<_>>()
    };
    let options = RunOptions::default().max_in_flight(6);
    {
        let recorded = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = std::sync::Arc::clone(&recorded);
        let watched = options.clone().events(move |event| {
            if matches!(event, sixtyfour_ledger::Event::Submitted { .. }) {
                counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
        });
        let mut ledger = Ledger::open(
            &path,
            &client(&emulator),
            &schema,
            OpenOptions::api_key(emulator.api_key()),
        )
        .unwrap();
        let mut rows = ledger.run_raw(leads(), &watched).unwrap();
        // Drive the run until every task id is recorded, then drop it mid-wait.
        let mut left = 6;
        while recorded.load(std::sync::atomic::Ordering::SeqCst) < 6 {
            tokio::select! {
                row = rows.next() => {
                    assert!(row.is_some(), "the run ended before the jobs did");
                    left -= 1;
                }
                () = tokio::time::sleep(Duration::from_millis(10)) => {}
            }
        }
        assert!(left > 0, "dropped while jobs still ran");
    }
    let mut ledger = Ledger::open(
        &path,
        &client(&emulator),
        &schema,
        OpenOptions::api_key(emulator.api_key()),
    )
    .unwrap();
    let rows: Vec<_> = ledger.run_raw(leads(), &options).unwrap().collect().await;
    assert_eq!(rows.len(), 6);
    for (_, row) in &rows {
        assert_eq!(row.as_ref().unwrap().state, RowState::Completed);
    }
    // Nothing submitted twice: one job per lead at the server, and each row holds its own.
    let jobs = emulator.jobs();
    for (_, row) in &rows {
        let row = row.as_ref().unwrap();
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
    assert_eq!(ledger.last_report().unwrap().submits, 0);
}

#[tokio::test]
async fn rows_that_left_the_input_are_kept_and_listed() {
    let emulator = Emulator::builder().spawn().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vanished.ledger");
    let schema = Schema::builder()
        .describe("title", "The individual's job title")
        .build()
        .unwrap();
    let mut ledger = Ledger::open(
        &path,
        &client(&emulator),
        &schema,
        OpenOptions::api_key(emulator.api_key()),
    )
    .unwrap();
    let first = vec![lead(json!({"name": "A"})), lead(json!({"name": "B"}))];
    let _: Vec<_> = ledger
        .run_raw(first, &RunOptions::default())
        .unwrap()
        .collect()
        .await;
    let report = ledger
        .sync(
            vec![Ok::<_, sixtyfour_ledger::LedgerError>(lead(
                json!({"name": "B"}),
            ))],
            &SyncOptions::default(),
        )
        .unwrap();
    assert_eq!(report.counts.vanished, 1);
    let mut gone = Vec::new();
    ledger
        .vanished(|row| gone.push(row.lead["name"].clone()))
        .unwrap();
    assert_eq!(gone, [json!("A")]);
}
