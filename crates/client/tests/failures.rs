//! Deadlines that hold whatever the server says, a 429 that slows the whole client, retries
//! that can be counted, and jobs that are never lost: not by a deadline, not by a dropped batch
//! stream, not by a wait that fails.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::http::{StatusCode, header};
use futures_util::StreamExt;
use serde_json::json;
use sixtyfour::{Client, EnrichRequest, Error, RequestOptions, RetryPolicy, Schema, TaskId};
use sixtyfour_emulator::{Emulator, Endpoint, Faults, Latency, Outcome};

async fn serve(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    base
}

fn request() -> EnrichRequest {
    let schema = Schema::builder()
        .describe("title", "The individual's job title")
        .build()
        .unwrap();
    EnrichRequest::from_lead(
        &json!({"email": "rafael.nunez@lanternfish.example"}),
        schema,
    )
    .unwrap()
}

/// A server that answers everything with 429 and `Retry-After: 3600`, counting requests.
async fn an_hour_of_429s() -> (String, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&hits);
    let base = serve(axum::Router::new().fallback(move || {
        let counter = Arc::clone(&counter);
        async move {
            counter.fetch_add(1, Ordering::SeqCst);
            (
                StatusCode::TOO_MANY_REQUESTS,
                [(header::RETRY_AFTER, "3600")],
                axum::Json(json!({"error": "Too Many Requests", "message": "Rate limit exceeded"})),
            )
        }
    }))
    .await;
    (base, hits)
}

fn plain_client(base: &str) -> Client {
    Client::builder()
        .api_key("k")
        .base_url(base)
        .rate_limit(None)
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_three_second_deadline_holds_against_retry_after_of_an_hour() {
    let (base, hits) = an_hour_of_429s().await;
    let client =
        plain_client(&base).with_options(RequestOptions::new().deadline(Duration::from_secs(3)));

    let started = Instant::now();
    let err = client.submit(&request()).await.unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    match &err {
        Error::NotSent {
            last: Some(last), ..
        } => assert!(last.is_rate_limited(), "{last:?}"),
        other => panic!("{other:?}"),
    }
    assert!(err.is_not_sent() && !err.is_maybe_submitted());
    assert!(err.to_string().contains("can be sent again"), "{err}");
    // One request; the retry an hour later was never made.
    assert_eq!(hits.load(Ordering::SeqCst), 1);

    // Waiting on a job, on a fresh client, ends at the deadline with the task id.
    let client =
        plain_client(&base).with_options(RequestOptions::new().deadline(Duration::from_secs(3)));
    let task_id = TaskId::new("t-1").unwrap();
    let started = Instant::now();
    let err = client.wait(&task_id).await.unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    assert!(
        matches!(&err, Error::Deadline { task_id: id, .. } if *id == task_id),
        "{err:?}"
    );
    // The sync endpoint too.
    let client =
        plain_client(&base).with_options(RequestOptions::new().deadline(Duration::from_secs(3)));
    let started = Instant::now();
    let err = client.enrich_sync_raw(&request()).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(20));
    assert!(err.is_not_sent(), "{err:?}");
}

#[tokio::test]
async fn a_429_pauses_every_request_of_the_client() {
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&hits);
    let base = serve(axum::Router::new().fallback(move || {
        let counter = Arc::clone(&counter);
        async move {
            if counter.fetch_add(1, Ordering::SeqCst) == 0 {
                (
                    StatusCode::TOO_MANY_REQUESTS,
                    [(header::RETRY_AFTER, "2")],
                    "slow down",
                )
                    .into_response()
            } else {
                axum::Json(json!({"status": "processing"})).into_response()
            }
        }
    }))
    .await;
    let client = Client::builder()
        .api_key("k")
        .base_url(&base)
        .rate_limit(None)
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    // Taken before the 429 arrives: the pause it starts ends 2 s after that, so at least 2 s
    // after this instant, however slowly the machine runs.
    let before_429 = Instant::now();
    let first = client
        .job_status(&TaskId::new("a").unwrap())
        .await
        .unwrap_err();
    assert!(first.is_rate_limited());

    // Another call, for another job, with a deadline inside the pause: refused at once, unsent.
    let err = client
        .with_options(RequestOptions::new().deadline(Duration::from_secs(1)))
        .job_status(&TaskId::new("b").unwrap())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotSent { .. }), "{err:?}");
    assert_eq!(hits.load(Ordering::SeqCst), 1);

    // Without a deadline it waits out the server's 2 s, then goes.
    let status = client.job_status(&TaskId::new("c").unwrap()).await.unwrap();
    assert_eq!(status.state, sixtyfour::JobState::Processing);
    assert!(
        before_429.elapsed() >= Duration::from_secs(2),
        "{:?}",
        before_429.elapsed()
    );
    assert_eq!(hits.load(Ordering::SeqCst), 2);
}

use axum::response::IntoResponse;

#[tokio::test]
async fn a_deadline_that_cuts_a_sent_submit_is_ambiguous() {
    let emulator = Emulator::builder().spawn().await.unwrap();
    emulator
        .set_faults(Faults {
            slow_ms: 5_000,
            ..Faults::default()
        })
        .unwrap();
    emulator.script(Endpoint::Submit, [Outcome::Slow]);
    let client = Client::for_emulator(&emulator)
        .unwrap()
        .with_options(RequestOptions::new().deadline(Duration::from_millis(500)));
    let started = Instant::now();
    let err = client.submit(&request()).await.unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    assert!(err.is_maybe_submitted(), "{err:?}");
    assert!(err.to_string().contains("deadline"), "{err}");
    assert_eq!(emulator.stats().jobs_created, 1);
}

#[tokio::test]
async fn a_wait_that_fails_keeps_the_task_id() {
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&hits);
    let base = serve(axum::Router::new().fallback(move || {
        let counter = Arc::clone(&counter);
        async move {
            if counter.fetch_add(1, Ordering::SeqCst) == 0 {
                axum::Json(json!({"task_id": "kept-1", "status": "pending"}))
            } else {
                axum::Json(json!({"status": 5}))
            }
        }
    }))
    .await;
    let client = Client::builder()
        .api_key("k")
        .base_url(&base)
        .rate_limit(None)
        .poll_policy(sixtyfour::EMULATOR_POLL)
        .build()
        .unwrap();
    let err = client.enrich_raw(&request()).await.unwrap_err();
    match &err {
        Error::Waiting { task_id, source } => {
            assert_eq!(task_id.as_str(), "kept-1");
            assert!(matches!(**source, Error::Decode { .. }), "{source:?}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(err.task_id().map(TaskId::as_str), Some("kept-1"));
    assert!(err.to_string().contains("call `wait` with this task id"));
}

#[tokio::test]
async fn unreachable_servers_are_retried_then_reported() {
    let retry = RetryPolicy {
        max_attempts: 4,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
        rate_limited_delay: Duration::from_millis(20),
    };
    // A closed port: every connection is refused; the submit is retried, then reported unsent.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let client = Client::builder()
        .api_key("k")
        .base_url(closed)
        .retry_policy(retry)
        .rate_limit(None)
        .build()
        .unwrap();
    let err = client.submit(&request()).await.unwrap_err();
    assert!(
        matches!(err, Error::Transport { attempts: 4, .. }),
        "{err:?}"
    );
    assert!(err.is_not_sent() && !err.is_maybe_submitted());

    // A server that accepts and drops every connection: polls are retried (4 connections),
    // a submit is not (it may have been read): 1 connection, ambiguous.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&accepted);
    tokio::spawn(async move {
        loop {
            let Ok((socket, _)) = listener.accept().await else {
                return;
            };
            count.fetch_add(1, Ordering::SeqCst);
            drop(socket);
        }
    });
    let client = Client::builder()
        .api_key("k")
        .base_url(&base)
        .retry_policy(retry)
        .rate_limit(None)
        .build()
        .unwrap();
    let err = client
        .job_status(&TaskId::new("t").unwrap())
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Transport { attempts: 4, .. }),
        "{err:?}"
    );
    assert_eq!(accepted.load(Ordering::SeqCst), 4);
    let err = client.submit(&request()).await.unwrap_err();
    assert!(err.is_maybe_submitted(), "{err:?}");
    assert_eq!(accepted.load(Ordering::SeqCst), 5);
}

#[tokio::test]
async fn a_dropped_batch_hands_back_the_jobs_it_submitted() {
    let emulator = Emulator::builder()
        .latency(Latency::Fixed(Duration::from_secs(2)))
        .spawn()
        .await
        .unwrap();
    let client = Client::for_emulator(&emulator).unwrap();
    let mut batch = client.enrich_all(vec![request(); 8], 3);
    let handle = batch.handle();
    // Drive the stream until three jobs are submitted (observable state, generous bound).
    let mut yielded = 0;
    let give_up = Instant::now() + Duration::from_secs(60);
    while handle
        .unfinished()
        .iter()
        .filter(|u| u.task_id.is_some())
        .count()
        < 3
    {
        assert!(
            Instant::now() < give_up,
            "three submits did not happen within 60 s"
        );
        tokio::select! {
            item = batch.next() => yielded += usize::from(item.is_some()),
            () = tokio::time::sleep(Duration::from_millis(20)) => {}
        }
    }
    drop(batch);
    let unfinished = handle.unfinished();
    let ids: Vec<TaskId> = unfinished
        .iter()
        .filter_map(|u| u.task_id.clone())
        .collect();
    assert!(ids.len() >= 3, "{unfinished:?}");
    let in_doubt = unfinished.len() - ids.len();
    let created = emulator.stats().jobs_created as usize;
    assert!(
        created >= ids.len() + yielded && created <= ids.len() + yielded + in_doubt,
        "{created} jobs for {unfinished:?} and {yielded} results"
    );
    // Every job listed is there and finishes: nothing paid for is lost.
    for id in ids {
        let result = client.wait(&id).await.unwrap();
        assert_eq!(result.structured_data["title"], "CEO & Co-Founder");
    }
}

#[tokio::test]
async fn failing_polls_with_a_zero_interval_do_not_spin() {
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&hits);
    let base = serve(axum::Router::new().fallback(move || {
        let counter = Arc::clone(&counter);
        async move {
            counter.fetch_add(1, Ordering::SeqCst);
            (StatusCode::SERVICE_UNAVAILABLE, "down")
        }
    }))
    .await;
    let client = Client::builder()
        .api_key("k")
        .base_url(&base)
        .rate_limit(None)
        .retry_policy(RetryPolicy::none())
        .poll_policy(sixtyfour::PollPolicy {
            initial: Duration::ZERO,
            factor: 1.0,
            max: Duration::ZERO,
        })
        .deadline(Duration::from_secs(1))
        .build()
        .unwrap();
    let err = client.wait(&TaskId::new("t").unwrap()).await.unwrap_err();
    assert!(matches!(err, Error::Deadline { .. }), "{err:?}");
    // At most one poll per 50 ms in a second, plus the first and the last.
    let polls = hits.load(Ordering::SeqCst);
    assert!((2..=22).contains(&polls), "{polls} polls in one second");
}
