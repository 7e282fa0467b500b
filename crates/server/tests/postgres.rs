//! Two server processes on one PostgreSQL database share 1,000 jobs: every job runs once
//! (one claim each, `run = 1`), both processes work, and each job's one webhook event is
//! delivered. Needs `SIXTYFOUR_TEST_POSTGRES_URL` (`.ci/run` starts PostgreSQL and sets it;
//! without it the test says it skipped, and fails under CI).

mod common;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use common::{Receiver, ServerProcess, TempDir, key_entry, wait_for, write};
use serde_json::json;
use sixtyfour_protocol::{Submitted, WebhookEvent, event_id};

const JOBS: usize = 1_000;
const KEY: &str = "sk-shared";

fn start(dir: &TempDir, url: &str) -> ServerProcess {
    let keys = dir.path("keys.toml");
    ServerProcess::start(&[
        "--keys",
        keys.to_str().unwrap(),
        "--store",
        url,
        "--research-delay",
        "10ms",
        "--workers",
        "8",
        "--poll-interval",
        "50ms",
        "--pg-connections",
        "4",
    ])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_on_one_database_share_1000_jobs_and_run_each_once() {
    let Some(url) = common::postgres_url("two_servers_on_one_database_share_1000_jobs") else {
        return;
    };
    let url = common::fresh_database(&url, "shared").await;
    let dir = TempDir::new("postgres");
    write(&dir.path("keys.toml"), &key_entry("shared", KEY, ""));
    let first = start(&dir, &url);
    let second = start(&dir, &url);
    let (hook_url, receiver) = Receiver::start().await;
    let http = reqwest::Client::new();

    // Every other submit to each process.
    let semaphore = Arc::new(tokio::sync::Semaphore::new(32));
    let mut submits = tokio::task::JoinSet::new();
    for i in 0..JOBS {
        let base = if i % 2 == 0 {
            &first.base
        } else {
            &second.base
        }
        .clone();
        let (http, url) = (http.clone(), hook_url.clone());
        let permit = Arc::clone(&semaphore).acquire_owned().await.unwrap();
        submits.spawn(async move {
            let submitted: Submitted = http
                .post(format!("{base}/enrich-lead-async"))
                .header("x-api-key", KEY)
                .json(&json!({"lead_info": {"name": format!("Lead {i}")}, "struct": {"email": "Email"}, "webhook_url": url}))
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
    let mut ids = HashSet::new();
    while let Some(id) = submits.join_next().await {
        assert!(ids.insert(id.unwrap().to_string()), "a task id repeated");
    }

    let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    wait_for("every job to finish", Duration::from_secs(300), || {
        let client = &client;
        async move {
            let done: i64 = client
                .query_one("SELECT count(*) FROM jobs WHERE state = 'completed'", &[])
                .await
                .unwrap()
                .get(0);
            (done == JOBS as i64).then_some(())
        }
    })
    .await;
    let runs: Vec<(String, i32, String)> = client
        .query("SELECT task_id, run, worker FROM jobs", &[])
        .await
        .unwrap()
        .into_iter()
        .map(|row| (row.get(0), row.get(1), row.get(2)))
        .collect();
    assert_eq!(runs.len(), JOBS);
    let twice: Vec<&(String, i32, String)> = runs.iter().filter(|(_, run, _)| *run != 1).collect();
    assert!(twice.is_empty(), "jobs claimed more than once: {twice:?}");
    let mut per_worker: HashMap<&str, usize> = HashMap::new();
    for (_, _, worker) in &runs {
        *per_worker.entry(worker.as_str()).or_default() += 1;
    }
    assert_eq!(per_worker.len(), 2, "both processes work: {per_worker:?}");
    assert!(per_worker.values().all(|n| *n >= 100), "{per_worker:?}");

    wait_for("a webhook for every job", Duration::from_secs(120), || {
        let receiver = receiver.clone();
        async move { (receiver.received().len() >= JOBS).then_some(()) }
    })
    .await;
    let mut events = HashMap::new();
    for delivery in receiver.received() {
        let event: WebhookEvent = serde_json::from_slice(&delivery.body).unwrap();
        let id = delivery.headers["sixtyfour-event-id"]
            .to_str()
            .unwrap()
            .to_owned();
        assert_eq!(id, event_id(&event.task_id, 1));
        assert!(ids.contains(event.task_id.as_str()));
        *events.entry(event.task_id.to_string()).or_insert(0) += 1;
    }
    assert_eq!(events.len(), JOBS);
    assert!(
        events.values().all(|n| *n == 1),
        "a delivery was sent twice"
    );
    eprintln!("jobs per process: {per_worker:?}");
}
