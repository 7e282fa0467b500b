//! The server as a real process with the SQLite store, killed with SIGKILL in the middle of
//! 1,000 jobs and started again: every job finishes exactly once, no task id repeats, no
//! webhook is lost, and every delivery of a job carries the same event id.

mod common;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use common::{Receiver, ServerProcess, TempDir, key_entry, wait_for, write};
use serde_json::{Value, json};
use sixtyfour_protocol::{Submitted, TaskId, WebhookEvent, event_id, signature};

const JOBS: usize = 1_000;
const KEY: &str = "sk-restart-test";
const SECRET: &str = "whsec_restart";

/// `sixtyfour_jobs{state="completed"}` from `/metrics`.
async fn completed(http: &reqwest::Client, base: &str) -> Option<u64> {
    let text = http
        .get(format!("{base}/metrics"))
        .send()
        .await
        .ok()?
        .text()
        .await
        .ok()?;
    text.lines()
        .find_map(|line| line.strip_prefix("sixtyfour_jobs{state=\"completed\"} "))
        .and_then(|n| n.trim().parse().ok())
}

fn start(dir: &TempDir) -> ServerProcess {
    let store = format!("sqlite:{}", dir.path("jobs.db").display());
    let keys = dir.path("keys.toml");
    ServerProcess::start(&[
        "--keys",
        keys.to_str().unwrap(),
        "--store",
        &store,
        "--research-delay",
        "20ms",
        "--workers",
        "8",
        "--lease",
        "2s",
        "--poll-interval",
        "100ms",
        "--webhook-backoff",
        "100ms",
        "--webhook-attempts",
        "30",
        "--webhook-timeout",
        "2s",
    ])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sigkill_in_the_middle_of_1000_jobs_loses_and_repeats_nothing() {
    let dir = TempDir::new("restart");
    write(
        &dir.path("keys.toml"),
        &key_entry("load", KEY, &format!("webhook_secret = \"{SECRET}\"")),
    );
    let (hook_url, receiver) = Receiver::start().await;
    // The receiver refuses every delivery until the restart, so the outbox is full of
    // deliveries at the kill, some of them between attempts.
    receiver.refusing.store(true, Ordering::SeqCst);
    let server = start(&dir);
    let http = reqwest::Client::new();

    let mut submits = tokio::task::JoinSet::new();
    let semaphore = Arc::new(tokio::sync::Semaphore::new(32));
    for i in 0..JOBS {
        let (http, base, url) = (http.clone(), server.base.clone(), hook_url.clone());
        let permit = Arc::clone(&semaphore).acquire_owned().await.unwrap();
        submits.spawn(async move {
            let body = json!({
                "lead_info": {"name": format!("Lead {i}"), "company": "Lanternfish Labs"},
                "struct": {"email": "Email", "title": "Job title"},
                "webhook_url": url,
            });
            let submitted: Submitted = http
                .post(format!("{base}/enrich-lead-async"))
                .header("x-api-key", KEY)
                .json(&body)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            drop(permit);
            submitted.task_id
        });
    }
    let mut ids = Vec::new();
    while let Some(id) = submits.join_next().await {
        ids.push(id.unwrap());
    }
    let unique: HashSet<&TaskId> = ids.iter().collect();
    assert_eq!(unique.len(), JOBS, "task ids repeat");

    // Kill once a few hundred jobs are done and most are not.
    let at_kill = wait_for("300 jobs done", Duration::from_secs(120), || {
        let (http, base) = (http.clone(), server.base.clone());
        async move { completed(&http, &base).await.filter(|n| *n >= 300) }
    })
    .await;
    server.kill();
    assert!(
        at_kill < JOBS as u64,
        "the kill came after the end ({at_kill} done)"
    );

    receiver.refusing.store(false, Ordering::SeqCst);
    let server = start(&dir);
    let base = server.base.clone();
    wait_for("every job to finish", Duration::from_secs(300), || {
        let (http, base) = (http.clone(), base.clone());
        async move { completed(&http, &base).await.filter(|n| *n == JOBS as u64) }
    })
    .await;
    let ids_set: HashSet<String> = ids.iter().map(ToString::to_string).collect();
    wait_for("a webhook for every job", Duration::from_secs(300), || {
        let (receiver, ids_set) = (receiver.clone(), &ids_set);
        async move {
            let seen: HashSet<String> = receiver
                .received()
                .iter()
                .filter_map(|d| serde_json::from_slice::<WebhookEvent>(&d.body).ok())
                .map(|e| e.task_id.to_string())
                .collect();
            (seen.len() == ids_set.len()).then_some(())
        }
    })
    .await;

    // Every job completed, with its own lead's answer.
    for (i, id) in ids.iter().enumerate().step_by(50) {
        let status: Value = http
            .get(format!("{base}/job-status/{id}"))
            .header("x-api-key", KEY)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(status["status"], "completed", "{i}: {status}");
    }

    // One event per job: all deliveries of a job carry one event id, the id of the run that
    // finished it; jobs caught running by the kill finished in a later run.
    let now = u64::try_from(sixtyfour_server::store::now_millis() / 1000).unwrap();
    let mut events: HashMap<String, HashSet<String>> = HashMap::new();
    let mut reruns = 0;
    for delivery in receiver.received() {
        let event: WebhookEvent = serde_json::from_slice(&delivery.body).unwrap();
        assert!(
            ids_set.contains(event.task_id.as_str()),
            "a foreign task id"
        );
        let header = delivery.headers["sixtyfour-signature"].to_str().unwrap();
        assert_eq!(
            signature::verify(SECRET.as_bytes(), header, &delivery.body, now),
            Ok(())
        );
        let id = delivery.headers["sixtyfour-event-id"]
            .to_str()
            .unwrap()
            .to_owned();
        let run = (1..=10)
            .find(|run| event_id(&event.task_id, *run) == id)
            .unwrap_or_else(|| panic!("event id {id} is not of a run of {}", event.task_id));
        if run > 1 {
            reruns += 1;
        }
        events
            .entry(event.task_id.to_string())
            .or_default()
            .insert(id);
    }
    assert_eq!(events.len(), JOBS);
    for (task, ids) in &events {
        assert_eq!(ids.len(), 1, "job {task} finished more than once: {ids:?}");
    }
    assert!(reruns > 0, "no job was caught running by the kill");

    // A submit after the restart gets a new id.
    let submitted: Submitted = http
        .post(format!("{base}/enrich-lead-async"))
        .header("x-api-key", KEY)
        .json(&json!({"lead_info": {"name": "After"}, "struct": {"email": "Email"}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(!ids_set.contains(submitted.task_id.as_str()));
    eprintln!(
        "killed at {at_kill} of {JOBS} jobs done; {reruns} deliveries came from re-runs; {} deliveries in all",
        receiver.received().len()
    );
}
