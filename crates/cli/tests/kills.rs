//! `kill -9` at each step of a row's life, then the same command again: a fake API holds each
//! step open (the submit read but no job made; the job made but not answered; the first poll)
//! and says when a run reached it, so the kill lands exactly there. After the resume every lead
//! has at most one job at the server, and every row that shows a task id holds its own lead's.

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Path as UrlPath, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use common::*;
use serde_json::{Value, json};

/// Where the fake holds a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// Submits are read and never answered; no job is made.
    BeforeJob,
    /// Submits make their job and are never answered.
    AfterJob,
    /// Submits are answered; polls are never answered.
    AtFirstPoll,
    /// Submits make their job and are answered once `release` says so.
    Slow,
    /// Everything is answered; jobs are completed at once.
    Open,
}

struct Gate {
    step: Mutex<Step>,
    /// Requests held so far.
    held: Mutex<usize>,
    /// Task id to lead (canonical), in order of creation.
    jobs: Mutex<Vec<(String, String)>>,
    results: Mutex<HashMap<String, Value>>,
    release: tokio::sync::watch::Sender<bool>,
}

async fn submit(State(gate): State<Arc<Gate>>, body: axum::body::Bytes) -> Response {
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let step = *gate.step.lock().unwrap();
    if step == Step::BeforeJob {
        *gate.held.lock().unwrap() += 1;
        return std::future::pending().await;
    }
    let lead = body["lead_info"].clone();
    let id = {
        let mut jobs = gate.jobs.lock().unwrap();
        let id = format!("job-{}", jobs.len() + 1);
        jobs.push((id.clone(), lead_key(&lead)));
        id
    };
    gate.results.lock().unwrap().insert(
        id.clone(),
        json!({"notes": "held", "structured_data": {"email": lead.get("email").cloned().unwrap_or(json!("")), "title": format!("answer for {}", lead_key(&lead))}, "references": {}, "confidence_score": 5.0}),
    );
    if step == Step::AfterJob {
        *gate.held.lock().unwrap() += 1;
        return std::future::pending().await;
    }
    if step == Step::Slow {
        let mut released = gate.release.subscribe();
        *gate.held.lock().unwrap() += 1;
        let _ = released.wait_for(|open| *open).await;
    }
    axum::Json(json!({"task_id": id, "status": "pending"})).into_response()
}

async fn status(State(gate): State<Arc<Gate>>, UrlPath(id): UrlPath<String>) -> Response {
    let known = gate.results.lock().unwrap().contains_key(&id);
    // The key check asks about an id no job has: answered at once.
    if known && *gate.step.lock().unwrap() == Step::AtFirstPoll {
        *gate.held.lock().unwrap() += 1;
        return std::future::pending().await;
    }
    match gate.results.lock().unwrap().get(&id).cloned() {
        Some(result) => {
            axum::Json(json!({"status": "completed", "result": result})).into_response()
        }
        None => (
            StatusCode::NOT_FOUND,
            axum::Json(json!({"detail": "Job not found"})),
        )
            .into_response(),
    }
}

async fn start(step: Step) -> (Arc<Gate>, String) {
    let gate = Arc::new(Gate {
        step: Mutex::new(step),
        held: Mutex::new(0),
        jobs: Mutex::new(Vec::new()),
        results: Mutex::new(HashMap::new()),
        release: tokio::sync::watch::channel(false).0,
    });
    let app = Router::new()
        .route("/enrich-lead-async", post(submit))
        .route("/job-status/{id}", get(status))
        .with_state(Arc::clone(&gate));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (gate, url)
}

/// Runs 3 rows (all in flight at once) until the fake holds them at `step`, kills the run,
/// opens the gate and runs the same command again; returns the resumed run's rows, its exit
/// code, and the jobs at the server.
async fn kill_at(step: Step) -> (Vec<Value>, Option<i32>, Vec<(String, String)>) {
    let (gate, url) = start(step).await;
    let (dir, _) = csv_workdir(3);
    let args = ["leads.csv", "--fields", "fields.json", "-o", "out.jsonl"];
    let child = spawn(command_for(&url, "fake-key", dir.path(), &args));
    wait_until(
        &format!("3 requests held at {step:?}"),
        Duration::from_secs(120),
        || *gate.held.lock().unwrap() >= 3,
    )
    .await;
    signal(&child, "KILL");
    let _ = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .unwrap();
    *gate.step.lock().unwrap() = Step::Open;
    // A dry run in between sends nothing and repairs nothing in the journal.
    let states = || {
        let journal =
            rusqlite::Connection::open(dir.path().join("out.jsonl.journal.sqlite")).unwrap();
        let mut statement = journal
            .prepare("SELECT state FROM rows ORDER BY position")
            .unwrap();
        statement
            .query_map([], |r| r.get::<_, String>(0))
            .unwrap()
            .collect::<Result<Vec<_>, _>>()
            .unwrap()
    };
    let before = states();
    let held = if step == Step::AtFirstPoll {
        "submitted"
    } else {
        "submitting"
    };
    assert_eq!(before, [held; 3], "{step:?}");
    let jobs = gate.jobs.lock().unwrap().len();
    let mut dry = args.to_vec();
    dry.push("--dry-run");
    let out = run(command_for(&url, "fake-key", dir.path(), &dry)).await;
    assert_eq!(out.status.code(), Some(0), "{step:?}: {}", stderr(&out));
    assert_eq!(states(), before, "{step:?}: the dry run wrote nothing");
    assert_eq!(
        gate.jobs.lock().unwrap().len(),
        jobs,
        "{step:?}: nothing sent"
    );

    let out = run(command_for(&url, "fake-key", dir.path(), &args)).await;
    let rows = jsonl_rows(&dir.path().join("out.jsonl"));
    assert_eq!(rows.len(), 3, "{}", stderr(&out));
    let jobs = gate.jobs.lock().unwrap().clone();
    // Never a second job for a lead, and a shown task id is the row's own lead's job.
    for row in &rows {
        let own = lead_key(&row["lead"]);
        let made = jobs.iter().filter(|(_, lead)| *lead == own).count();
        assert!(made <= 1, "{step:?}: {made} jobs for {row}");
        if let Some(task) = row["task_id"].as_str() {
            assert!(
                jobs.iter().any(|(id, lead)| id == task && *lead == own),
                "{step:?}: {row}"
            );
        }
    }
    (rows, out.status.code(), jobs)
}

/// Killed while the submits were under way and no job existed: the rows are `unknown` (the
/// run cannot know the server made nothing), nothing is sent again, and no job appears.
#[tokio::test(flavor = "multi_thread")]
async fn killed_before_the_server_made_the_jobs() {
    let (rows, code, jobs) = kill_at(Step::BeforeJob).await;
    assert_eq!(code, Some(3));
    assert!(jobs.is_empty(), "{jobs:?}");
    for row in &rows {
        assert_eq!(row["status"], "unknown", "{row}");
        assert_eq!(row["error_class"], "interrupted", "{row}");
    }
}

/// Killed after the server made the jobs and before their task ids came back: `unknown`, and
/// not paid for again.
#[tokio::test(flavor = "multi_thread")]
async fn killed_after_the_server_made_the_jobs_before_their_ids_came_back() {
    let (rows, code, jobs) = kill_at(Step::AfterJob).await;
    assert_eq!(code, Some(3));
    assert_eq!(jobs.len(), 3);
    for row in &rows {
        assert_eq!(row["status"], "unknown", "{row}");
        assert_eq!(row["error_class"], "interrupted", "{row}");
    }
}

/// Killed between the recorded task ids and the first poll: the next run waits for those jobs
/// and completes every row with its own lead's answer, with no second submit.
#[tokio::test(flavor = "multi_thread")]
async fn killed_between_the_recorded_task_ids_and_the_first_poll() {
    let (rows, code, jobs) = kill_at(Step::AtFirstPoll).await;
    assert_eq!(code, Some(0));
    assert_eq!(jobs.len(), 3);
    for row in &rows {
        assert_eq!(row["status"], "completed", "{row}");
        assert_eq!(
            row["structured_data"]["title"],
            format!("answer for {}", lead_key(&row["lead"])),
            "{row}"
        );
    }
}

/// SIGTERM (what a scheduler or `timeout` sends) drains like a first Ctrl-C: no new rows, and
/// the submits under way get their answers recorded, so that the next run waits for those
/// jobs instead of finding them `unknown`.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn sigterm_lets_the_submits_under_way_settle() {
    let (gate, url) = start(Step::Slow).await;
    let (dir, _) = csv_workdir(5);
    let args = [
        "leads.csv",
        "--fields",
        "fields.json",
        "-o",
        "out.jsonl",
        "-j",
        "3",
    ];
    let mut command = command_for(&url, "fake-key", dir.path(), &args);
    command
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    let mut child = command.spawn().unwrap();
    let lines = Lines::follow(&mut child);
    wait_until("3 submits held", Duration::from_secs(120), || {
        *gate.held.lock().unwrap() >= 3
    })
    .await;
    signal(&child, "TERM");
    wait_until("the drain", Duration::from_secs(60), || {
        lines.any(|l| l.contains("letting requests in flight settle"))
    })
    .await;
    gate.release.send_replace(true);
    let status = tokio::task::spawn_blocking(move || child.wait().unwrap())
        .await
        .unwrap();
    assert_eq!(status.code(), Some(130), "{}", lines.text());
    let rows = jsonl_rows(&dir.path().join("out.jsonl"));
    let states: Vec<&str> = rows.iter().map(|r| r["status"].as_str().unwrap()).collect();
    assert_eq!(
        states.iter().filter(|s| **s == "submitted").count(),
        3,
        "the three submits under way were recorded: {states:?}"
    );
    assert_eq!(
        states.iter().filter(|s| **s == "pending").count(),
        2,
        "{states:?}"
    );
    *gate.step.lock().unwrap() = Step::Open;
    let out = run(command_for(&url, "fake-key", dir.path(), &args)).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let jobs = gate.jobs.lock().unwrap().clone();
    assert_eq!(jobs.len(), 5, "one job per row: {jobs:?}");
    for row in jsonl_rows(&dir.path().join("out.jsonl")) {
        let task = row["task_id"].as_str().unwrap();
        assert!(
            jobs.iter()
                .any(|(id, lead)| id == task && *lead == lead_key(&row["lead"])),
            "{row}"
        );
    }
}

/// After a stop, submits under way get 10 s to answer (`RunOptions::drain_grace`); a submit
/// still unanswered then is recorded `unknown` (a job may exist), and the run ends by itself.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn a_submit_unanswered_through_the_drain_grace_is_unknown() {
    let (gate, url) = start(Step::AfterJob).await;
    let (dir, _) = csv_workdir(2);
    let args = ["leads.csv", "--fields", "fields.json", "-o", "out.jsonl"];
    let child = spawn(command_for(&url, "fake-key", dir.path(), &args));
    wait_until("2 submits held", Duration::from_secs(120), || {
        *gate.held.lock().unwrap() >= 2
    })
    .await;
    let stopped = std::time::Instant::now();
    signal(&child, "INT");
    let out = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    assert!(
        stopped.elapsed() >= Duration::from_secs(10),
        "the grace is 10 s: {:?}",
        stopped.elapsed()
    );
    assert_eq!(out.status.code(), Some(130), "{}", stderr(&out));
    for row in jsonl_rows(&dir.path().join("out.jsonl")) {
        assert_eq!(row["status"], "unknown", "{row}");
        assert_eq!(row["error_class"], "maybe-submitted", "{row}");
        assert!(
            row["error"]
                .as_str()
                .unwrap()
                .contains("interrupted while the submit was under way"),
            "{row}"
        );
    }
    assert_eq!(gate.jobs.lock().unwrap().len(), 2);
}
