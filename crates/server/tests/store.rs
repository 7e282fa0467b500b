//! One conformance scenario run against every store (memory, SQLite, PostgreSQL), driven by a
//! simulated clock: fair order across keys, limits checked with the insert, leases, runs,
//! lost runs, release, progress, finishes with their outbox rows, delivery attempts, purge.

mod common;

use std::sync::Arc;

use serde_json::{Map, json};
use sixtyfour_protocol::{EnrichBody, EnrichResult, JobState, JobStatusBody, TaskId, TaskType};
use sixtyfour_server::store::{
    Admission, Finish, Finished, JobStore, MemoryLimits, MemoryStore, NewDelivery, NewJob,
    PostgresStore, SqliteStore, Stage, SubmitLimits,
};

fn job(id: &str, key: &str) -> NewJob {
    let body: EnrichBody = serde_json::from_value(
        json!({"lead_info": {"name": id}, "struct": {"email": "Email"}, "webhook_url": "https://hooks.example/x"}),
    )
    .unwrap();
    NewJob {
        task_id: TaskId::new(id).unwrap(),
        key_id: key.into(),
        task_type: TaskType::EnrichLead,
        body,
        meta: Map::new(),
    }
}

fn id(text: &str) -> TaskId {
    TaskId::new(text).unwrap()
}

fn completed(email: &str) -> Finish {
    let data = json!({"email": email}).as_object().cloned().unwrap();
    Finish::Completed(Box::new(EnrichResult::new(data)))
}

const T0: i64 = 1_700_000_000_000;
const NO_LIMITS: SubmitLimits = SubmitLimits {
    max_active: None,
    credits: None,
};

async fn conformance(store: Arc<dyn JobStore>) {
    // Three jobs of A, then two of B: served A, B, A, B, A.
    for (n, key) in ["a1", "a2", "a3"].iter().zip(["A"; 3]) {
        assert_eq!(
            store.insert(job(n, key), NO_LIMITS, T0).await.unwrap(),
            Admission::Created
        );
    }
    for n in ["b1", "b2"] {
        assert_eq!(
            store.insert(job(n, "B"), NO_LIMITS, T0).await.unwrap(),
            Admission::Created
        );
    }
    let view = store.status("a1", "A").await.unwrap().unwrap();
    assert_eq!((view.stage, view.total), (Stage::Queued, 0));
    assert!(
        store.status("a1", "B").await.unwrap().is_none(),
        "another key's job is not found"
    );
    assert!(store.status("nope", "A").await.unwrap().is_none());

    // Limits, checked with the insert: A has 3 unfinished jobs.
    let limited = SubmitLimits {
        max_active: Some(3),
        credits: None,
    };
    assert_eq!(
        store.insert(job("a4", "A"), limited, T0).await.unwrap(),
        Admission::ActiveLimit(3)
    );
    let credits = SubmitLimits {
        max_active: None,
        credits: Some(1),
    };
    assert_eq!(
        store.insert(job("c1", "C"), credits, T0).await.unwrap(),
        Admission::Created
    );
    assert_eq!(
        store.insert(job("c2", "C"), credits, T0).await.unwrap(),
        Admission::OutOfCredits
    );

    // Each key's first job, then each key's second...: batches of two.
    let mut order = Vec::new();
    for _ in 0..3 {
        let mut batch: Vec<String> = Vec::new();
        for claimed in store.claim("w1", 2, T0 + 30_000, T0).await.unwrap() {
            assert_eq!(claimed.run, 1);
            batch.push(claimed.task_id.to_string());
        }
        batch.sort();
        order.push(batch);
    }
    assert_eq!(
        order,
        [["a1", "b1"], ["a2", "c1"], ["a3", "b2"]],
        "fair across keys"
    );
    assert!(
        store
            .claim("w1", 5, T0 + 30_000, T0)
            .await
            .unwrap()
            .is_empty()
    );
    let view = store.status("a1", "A").await.unwrap().unwrap();
    assert_eq!(view.stage, Stage::Running);
    // Running with nothing reported answers pending; with progress, processing.
    let pending = match view.status_body() {
        sixtyfour_server::store::StatusAnswer::Built(body) => body.status.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(pending, JobState::Pending);
    store.progress(&id("a1"), 1, 3, 10).await.unwrap();
    let view = store.status("a1", "A").await.unwrap().unwrap();
    assert_eq!((view.processed, view.total), (3, 10));
    store.progress(&id("a1"), 7, 9, 10).await.unwrap();
    assert_eq!(
        store.status("a1", "A").await.unwrap().unwrap().processed,
        3,
        "a wrong run writes nothing"
    );

    // Renewal and finish need the run that holds the job.
    assert!(store.renew(&id("a1"), 1, T0 + 60_000).await.unwrap());
    assert!(!store.renew(&id("a1"), 2, T0 + 60_000).await.unwrap());
    let delivery = NewDelivery {
        event_id: sixtyfour_protocol::event_id(&id("a1"), 1),
        url: "https://hooks.example/x".into(),
        body: b"{\"task_id\":\"a1\"}".to_vec().into(),
    };
    assert_eq!(
        store
            .finish(&id("a1"), 2, &completed("x"), None, T0 + 1_000)
            .await
            .unwrap(),
        Finished::Lost
    );
    assert_eq!(
        store
            .finish(
                &id("a1"),
                1,
                &completed("a1@x.example"),
                Some(delivery.clone()),
                T0 + 1_000
            )
            .await
            .unwrap(),
        Finished::Done
    );
    assert_eq!(
        store
            .finish(
                &id("a1"),
                1,
                &completed("again"),
                Some(delivery),
                T0 + 1_500
            )
            .await
            .unwrap(),
        Finished::Lost,
        "a job finishes once"
    );
    let view = store.status("a1", "A").await.unwrap().unwrap();
    assert_eq!(view.stage, Stage::Completed);
    let body: JobStatusBody = serde_json::from_slice(view.finished_body.as_ref().unwrap()).unwrap();
    assert_eq!(
        body.result.unwrap().structured_data["email"],
        "a1@x.example"
    );
    // A finished job frees its key's place.
    assert_eq!(
        store
            .insert(job("a4", "A"), limited, T0 + 1_000)
            .await
            .unwrap(),
        Admission::Created
    );

    // A failed end.
    store
        .finish(
            &id("b1"),
            1,
            &Finish::Failed("no sources".into()),
            None,
            T0 + 1_000,
        )
        .await
        .unwrap();
    let body: JobStatusBody = serde_json::from_slice(
        store
            .status("b1", "B")
            .await
            .unwrap()
            .unwrap()
            .finished_body
            .as_ref()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        (body.status, body.error.as_deref()),
        (JobState::Failed, Some("no sources"))
    );

    // Release: back to the queue, the next claim is run 2.
    store.release(&id("a2"), 1).await.unwrap();
    assert_eq!(
        store.status("a2", "A").await.unwrap().unwrap().stage,
        Stage::Queued
    );
    // Leases: at T0 + 40 s the 30 s leases of c1, b2, a3 have expired (a1 was renewed, and
    // finished); they come back with a2 and a4, each as a new run.
    let mut again: Vec<(String, u32)> = store
        .claim("w2", 10, T0 + 100_000, T0 + 40_000)
        .await
        .unwrap()
        .into_iter()
        .map(|c| (c.task_id.to_string(), c.run))
        .collect();
    again.sort();
    assert_eq!(
        again,
        [
            ("a2".into(), 2),
            ("a3".into(), 2),
            ("a4".into(), 1),
            ("b2".into(), 2),
            ("c1".into(), 2)
        ]
    );
    // The dead worker's run cannot finish; the new one can.
    assert_eq!(
        store
            .finish(&id("a3"), 1, &completed("old"), None, T0 + 41_000)
            .await
            .unwrap(),
        Finished::Lost
    );
    assert_eq!(
        store
            .finish(&id("a3"), 2, &completed("new"), None, T0 + 41_000)
            .await
            .unwrap(),
        Finished::Done
    );

    let counts = store.counts().await.unwrap();
    assert_eq!(
        (
            counts.queued,
            counts.running,
            counts.completed,
            counts.failed,
            counts.deliveries_pending
        ),
        (0, 4, 2, 1, 1)
    );

    // The outbox: leased with an attempt count, retried later, settled.
    let due = store
        .due_deliveries(10, T0 + 70_000, T0 + 2_000)
        .await
        .unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(
        (
            due[0].attempt,
            due[0].task_id.as_str(),
            due[0].key_id.as_str()
        ),
        (1, "a1", "A")
    );
    assert!(
        store
            .due_deliveries(10, T0 + 70_000, T0 + 3_000)
            .await
            .unwrap()
            .is_empty(),
        "leased"
    );
    store
        .retry_delivery(&due[0].event_id, T0 + 5_000)
        .await
        .unwrap();
    assert!(
        store
            .due_deliveries(10, T0 + 70_000, T0 + 4_000)
            .await
            .unwrap()
            .is_empty()
    );
    let due = store
        .due_deliveries(10, T0 + 70_000, T0 + 5_000)
        .await
        .unwrap();
    assert_eq!(due[0].attempt, 2);
    assert_eq!(due[0].event_id, sixtyfour_protocol::event_id(&id("a1"), 1));
    store
        .settle_delivery(&due[0].event_id, true, T0 + 5_000)
        .await
        .unwrap();
    assert_eq!(store.counts().await.unwrap().deliveries_pending, 0);
    assert!(
        store
            .due_deliveries(10, T0 + 900_000, T0 + 800_000)
            .await
            .unwrap()
            .is_empty()
    );

    // Purge: jobs finished before the cut go.
    assert_eq!(store.purge(T0 + 1_200).await.unwrap(), 2);
    assert!(store.status("a1", "A").await.unwrap().is_none());
    assert!(store.status("a3", "A").await.unwrap().is_some());
}

#[tokio::test]
async fn the_memory_store_conforms() {
    conformance(Arc::new(MemoryStore::new(MemoryLimits::default()))).await;
}

#[tokio::test]
async fn the_sqlite_store_conforms_and_keeps_jobs_across_a_reopen() {
    let dir = common::TempDir::new("store");
    let path = dir.path("jobs.db");
    conformance(Arc::new(SqliteStore::open(&path).unwrap())).await;
    let reopened = SqliteStore::open(&path).unwrap();
    let view = reopened.status("a3", "A").await.unwrap().unwrap();
    assert_eq!(view.stage, Stage::Completed);
    assert_eq!(reopened.counts().await.unwrap().running, 4);
    assert!(SqliteStore::open(dir.path("missing/jobs.db")).is_err());
}

#[tokio::test]
async fn the_postgres_store_conforms() {
    let Some(url) = common::postgres_url("the_postgres_store_conforms") else {
        return;
    };
    let url = common::fresh_database(&url, "conformance").await;
    conformance(Arc::new(PostgresStore::connect(&url, 2).await.unwrap())).await;
}

#[tokio::test]
async fn the_memory_store_is_capped_by_bytes_and_jobs() {
    let store = MemoryStore::new(MemoryLimits {
        max_jobs: 3,
        max_bytes: usize::MAX,
        ttl: std::time::Duration::from_secs(60),
    });
    for n in ["j1", "j2", "j3"] {
        assert_eq!(
            store.insert(job(n, "A"), NO_LIMITS, T0).await.unwrap(),
            Admission::Created
        );
    }
    assert_eq!(
        store.insert(job("j4", "A"), NO_LIMITS, T0).await.unwrap(),
        Admission::Full
    );
    let claimed = store.claim("w", 1, T0 + 1_000, T0).await.unwrap();
    store
        .finish(&claimed[0].task_id, 1, &completed("x"), None, T0)
        .await
        .unwrap();
    assert_eq!(
        store.insert(job("j4", "A"), NO_LIMITS, T0).await.unwrap(),
        Admission::Created
    );
    let stats = store.stats();
    assert_eq!(
        (stats.jobs, stats.evicted, stats.active, stats.max_active),
        (3, 1, 3, 3)
    );
    assert!(
        store.status("j1", "A").await.unwrap().is_none(),
        "the finished job made room"
    );
    // Expiry after the time to live.
    let claimed = store.claim("w", 1, T0 + 1_000, T0).await.unwrap();
    store
        .finish(&claimed[0].task_id, 1, &completed("x"), None, T0)
        .await
        .unwrap();
    assert_eq!(store.expire(T0 + 59_000), 0);
    assert_eq!(store.expire(T0 + 61_000), 1);
    assert_eq!(store.stats().expired, 1);
}
