//! The client against the in-process emulator over HTTP on 127.0.0.1.

use std::time::{Duration, SystemTime};

use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::{Value, json};
use sixtyfour::{
    ApiErrorKind, Client, Enrich, EnrichRequest, Error, JobState, PollPolicy, RateLimit,
    RetryPolicy, Schema, TaskId, webhook,
};
use sixtyfour_emulator::{Emulator, EmulatorHandle, Endpoint, Faults, Latency, Outcome};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn fast_poll() -> PollPolicy {
    PollPolicy {
        initial: ms(10),
        factor: 1.5,
        max: ms(40),
    }
}

fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 6,
        base_delay: ms(5),
        max_delay: ms(40),
        rate_limited_delay: ms(50),
    }
}

fn client_for(emulator: &EmulatorHandle) -> Client {
    Client::builder()
        .api_key(emulator.api_key())
        .base_url(emulator.base_url())
        .poll_policy(fast_poll())
        .retry_policy(fast_retry())
        .rate_limit(None)
        .build()
        .unwrap()
}

async fn emulator(latency: u64) -> EmulatorHandle {
    Emulator::builder()
        .latency(Latency::Fixed(ms(latency)))
        .spawn()
        .await
        .unwrap()
}

/// The reference's fields.
#[allow(dead_code)]
#[derive(Debug, Deserialize, Enrich)]
struct Person {
    /// The individual's full name
    name: String,
    /// The individual's email address
    email: String,
    /// The individual's phone number
    phone: Option<String>,
    /// The company the individual is associated with
    company: String,
    /// The individual's job title
    title: String,
    /// LinkedIn URL for the person
    linkedin: String,
    /// Company website URL
    website: String,
    /// The individual's location and/or company location
    location: String,
    /// Industry the person operates in
    industry: String,
    /// url for their github profile
    github_url: Option<String>,
    /// Take detailed notes on their github profile.
    github_notes: Option<String>,
    /// Age in years
    age: Option<u8>,
    /// Skills listed on their profile
    skills: Vec<String>,
}

fn rafael() -> Value {
    json!({"name": "Rafael Núñez", "company": "Lanternfish Labs"})
}

fn request(lead: Value) -> EnrichRequest {
    EnrichRequest::for_type::<Person>(&lead).unwrap()
}

#[tokio::test]
async fn typed_enrichment_end_to_end() {
    let emulator = emulator(30).await;
    let client = client_for(&emulator);
    let enriched = client.enrich::<Person>(&rafael()).await.unwrap();
    let person = &enriched.data;
    // The emulator is deterministic: every value is known.
    assert_eq!(person.name, "Rafael Núñez");
    assert_eq!(person.email, "rafael.nunez@lanternfish.example");
    assert_eq!(person.phone.as_deref(), Some("+1-555-513-9784"));
    assert_eq!(person.company, "Lanternfish Labs");
    assert_eq!(person.title, "CEO & Co-Founder");
    assert_eq!(
        person.linkedin,
        "https://www.linkedin.example/in/rafaelnunez"
    );
    assert_eq!(person.website, "https://www.lanternfish.example/");
    assert_eq!(person.location, "Portland, Oregon, USA");
    assert_eq!(person.industry, "Developer tooling");
    assert_eq!(person.github_url, None);
    assert_eq!(person.github_notes, None);
    assert_eq!(person.age, Some(27));
    assert_eq!(
        person.skills,
        ["Embedded C", "Growth marketing", "Public speaking"]
    );
    assert_eq!(
        enriched.notes,
        "Rafael Núñez is CEO & Co-Founder at Lanternfish Labs, based in Portland, Oregon, USA. Matched by name and company. Found 11 of 13 requested fields: name, email, phone, company, title, linkedin, website, location, industry, age, skills. Not found: github_url, github_notes."
    );
    assert_eq!(enriched.confidence_score, Some(6.8));
    assert_eq!(
        enriched.references.keys().collect::<Vec<_>>(),
        [
            "https://www.linkedin.example/in/rafaelnunez",
            "https://www.lanternfish.example/"
        ]
    );
    let task_id = enriched.task_id.as_ref().unwrap();
    assert_eq!(task_id.as_str().len(), 36);
    assert_eq!(enriched.raw.structured_data["company"], "Lanternfish Labs");
    assert_eq!(emulator.stats().jobs_created, 1);
}

#[tokio::test]
async fn sync_endpoint_and_resume_by_task_id() {
    let emulator = emulator(20).await;
    let client = client_for(&emulator);
    let sync = client.enrich_sync_raw(&request(rafael())).await.unwrap();
    assert_eq!(sync.data["title"], "CEO & Co-Founder");
    assert_eq!(emulator.stats().submits.enrich_lead, 1);

    let task_id = client.submit(&request(rafael())).await.unwrap();
    let stored = serde_json::to_string(&task_id).unwrap();
    drop(client);
    // "Restart": a new client, the task id read back from storage.
    let client = client_for(&emulator);
    let task_id: TaskId = serde_json::from_str(&stored).unwrap();
    let status = client.job_status(&task_id).await.unwrap();
    assert!(matches!(
        status.state,
        JobState::Pending | JobState::Processing | JobState::Completed
    ));
    let result = client.wait(&task_id).await.unwrap();
    assert_eq!(result.structured_data, sync.result.structured_data);
}

#[tokio::test]
async fn bad_input_costs_no_request() {
    let emulator = emulator(0).await;
    let client = client_for(&emulator);
    let empty_lead = EnrichRequest::new(Default::default(), Person::schema());
    assert!(matches!(
        client.submit(&empty_lead).await,
        Err(Error::InvalidRequest { .. })
    ));
    let no_fields = EnrichRequest::from_lead(&rafael(), Schema::new()).unwrap();
    assert!(matches!(
        client.enrich_raw(&no_fields).await,
        Err(Error::InvalidRequest { .. })
    ));
    assert!(matches!(
        client.enrich::<Person>(&json!("just a name")).await,
        Err(Error::InvalidRequest { .. })
    ));
    assert_eq!(emulator.stats().requests, 0);

    let err = Client::builder().build().unwrap_err();
    assert!(err.to_string().contains("SIXTYFOUR_API_KEY"), "{err}");
    let err = Client::builder()
        .api_key("k")
        .base_url("ftp://x")
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::Config { .. }));
}

#[tokio::test]
async fn api_errors_are_typed_and_never_show_the_key() {
    let emulator = emulator(0).await;
    let secret = "sk-live-very-secret";
    let wrong = Client::builder()
        .api_key(secret)
        .base_url(emulator.base_url())
        .retry_policy(fast_retry())
        .build()
        .unwrap();
    assert!(!format!("{wrong:?}").contains(secret));
    let err = wrong.submit(&request(rafael())).await.unwrap_err();
    match &err {
        Error::Api {
            status: 401,
            kind: ApiErrorKind::Unauthorized,
            message,
            body,
            ..
        } => {
            assert!(message.contains("Invalid API key"), "{message}");
            assert!(body.contains("Unauthorized"));
        }
        other => panic!("{other:?}"),
    }
    assert!(!err.to_string().contains(secret));
    assert!(err.to_string().contains("check the API key"));

    let client = client_for(&emulator);
    let err = client
        .job_status(&TaskId::new("no-such-task").unwrap())
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Api { status: 404, kind: ApiErrorKind::NotFound, ref message, .. } if message == "Job not found")
    );

    let no_retry = Client::builder()
        .api_key(emulator.api_key())
        .base_url(emulator.base_url())
        .retry_policy(RetryPolicy::none())
        .rate_limit(None)
        .build()
        .unwrap();
    emulator.script(Endpoint::Status, [Outcome::Error503, Outcome::RateLimit]);
    let err = no_retry
        .job_status(&TaskId::new("x").unwrap())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Api {
                status: 503,
                kind: ApiErrorKind::Server,
                ..
            }
        ),
        "{err:?}"
    );
    let err = no_retry
        .job_status(&TaskId::new("x").unwrap())
        .await
        .unwrap_err();
    assert!(err.is_rate_limited(), "{err:?}");
}

#[tokio::test]
async fn failed_jobs_and_cast_errors() {
    let emulator = emulator(10).await;
    let client = client_for(&emulator);
    emulator.script(Endpoint::Submit, [Outcome::JobFailure]);
    let err = client.enrich::<Person>(&rafael()).await.unwrap_err();
    let Error::JobFailed { task_id, message } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(task_id.as_str().len(), 36);
    assert!(message.contains("failed"), "{message}");
    assert_eq!(err.task_id(), Some(task_id));
    // The job the emulator ran is the one reported.
    assert_eq!(
        client.job_status(task_id).await.unwrap().state,
        JobState::Failed
    );

    #[allow(dead_code)]
    #[derive(Debug, Deserialize, Enrich)]
    struct Wrong {
        /// The individual's job title
        title: u32,
    }
    let err = client.enrich::<Wrong>(&rafael()).await.unwrap_err();
    match err {
        Error::Cast {
            source: decode,
            task_id,
            result,
        } => {
            // The paid answer and its job are kept.
            assert_eq!(task_id.unwrap().as_str().len(), 36);
            assert_eq!(result.structured_data["title"], serde_json::Value::Null);
            assert_eq!(decode.issues[0].path, "title");
            // The service could not make an int of the title, so it answered null.
            assert!(
                decode.to_string().contains("no value in the answer"),
                "{decode}"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn the_deadline_returns_a_task_id_that_a_later_wait_finishes() {
    // The job takes 3 s; the call's deadline is 500 ms.
    let emulator = emulator(3_000).await;
    let client = Client::builder()
        .api_key(emulator.api_key())
        .base_url(emulator.base_url())
        .poll_policy(fast_poll())
        .deadline(ms(500))
        .rate_limit(None)
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let err = client.enrich_raw(&request(rafael())).await.unwrap_err();
    let waited = started.elapsed();
    let Error::Deadline {
        task_id,
        last_state,
        ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert!(matches!(
        last_state,
        JobState::Pending | JobState::Processing
    ));
    // The wait ends by its deadline, not when the job does (3 s).
    assert!(waited <= ms(2_000), "{waited:?}");
    assert_eq!(emulator.stats().jobs_completed, 0);
    let polls_before = emulator.stats().status_polls;
    let result = client
        .wait_for(task_id, Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(result.structured_data["company"], "Lanternfish Labs");
    assert!(emulator.stats().status_polls > polls_before);
    assert_eq!(emulator.stats().jobs_created, 1);
}

#[tokio::test]
async fn polls_retry_through_faults() {
    let emulator = emulator(30).await;
    let client = client_for(&emulator);
    emulator.script(
        Endpoint::Status,
        [
            Outcome::Error500,
            Outcome::Error503,
            Outcome::Reset,
            Outcome::RateLimit,
            Outcome::Error500,
        ],
    );
    let enrichment = client.enrich_raw(&request(rafael())).await.unwrap();
    assert_eq!(enrichment.data["title"], "CEO & Co-Founder");
    let stats = emulator.stats();
    assert_eq!(
        (
            stats.faults.error_500,
            stats.faults.error_503,
            stats.faults.reset,
            stats.faults.rate_limit
        ),
        (2, 1, 1, 1)
    );
    assert_eq!(stats.jobs_created, 1);
}

#[tokio::test]
async fn a_wait_outlasts_polls_that_failed_after_their_retries() {
    let emulator = emulator(30).await;
    let client = Client::builder()
        .api_key(emulator.api_key())
        .base_url(emulator.base_url())
        .poll_policy(fast_poll())
        .retry_policy(RetryPolicy::none())
        .rate_limit(None)
        .build()
        .unwrap();
    let task_id = client.submit(&request(rafael())).await.unwrap();
    emulator.script(
        Endpoint::Status,
        [Outcome::Error500, Outcome::Error503, Outcome::Reset],
    );
    let result = client.wait(&task_id).await.unwrap();
    assert_eq!(result.structured_data["title"], "CEO & Co-Founder");
    let faults = emulator.stats().faults;
    assert_eq!(
        (faults.error_500, faults.error_503, faults.reset),
        (1, 1, 1)
    );

    // A refusal that asking again cannot fix ends the wait at once.
    let err = client
        .wait(&TaskId::new("no-such-task").unwrap())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Api { status: 404, .. }), "{err:?}");
}

#[tokio::test]
async fn submits_retry_only_when_no_job_can_have_started() {
    let emulator = emulator(10).await;
    let client = client_for(&emulator);

    // 429s are retried: the service refused before starting anything.
    emulator.script(Endpoint::Submit, [Outcome::RateLimit, Outcome::RateLimit]);
    client.enrich_raw(&request(rafael())).await.unwrap();
    let stats = emulator.stats();
    assert_eq!(
        (
            stats.faults.rate_limit,
            stats.jobs_created,
            stats.submits.enrich_lead_async
        ),
        (2, 1, 1)
    );

    // Ambiguous failures are reported, never resent: exactly one job exists for each.
    for outcome in [
        Outcome::AmbiguousSubmit,
        Outcome::Reset,
        Outcome::Error500,
        Outcome::Error503,
    ] {
        emulator.reset();
        emulator.script(Endpoint::Submit, [outcome]);
        let err = client.submit(&request(rafael())).await.unwrap_err();
        assert!(
            matches!(err, Error::MaybeSubmitted { .. }),
            "{outcome:?}: {err:?}"
        );
        assert!(err.to_string().contains("may have started a job"));
        let stats = emulator.stats();
        let submit_requests =
            stats.total_submits() + stats.faults.error_500 + stats.faults.error_503;
        assert_eq!(submit_requests, 1, "{outcome:?} was sent again");
        let expected_jobs = u64::from(matches!(outcome, Outcome::AmbiguousSubmit | Outcome::Reset));
        assert_eq!(stats.jobs_created, expected_jobs, "{outcome:?}");
    }

    // A response slower than the timeout is ambiguous too.
    emulator.reset();
    emulator
        .set_faults(Faults {
            slow_ms: 2_000,
            ..Faults::default()
        })
        .unwrap();
    emulator.script(Endpoint::Submit, [Outcome::Slow]);
    let impatient = Client::builder()
        .api_key(emulator.api_key())
        .base_url(emulator.base_url())
        .timeout(ms(100))
        .rate_limit(None)
        .build()
        .unwrap();
    let err = impatient.submit(&request(rafael())).await.unwrap_err();
    assert!(
        matches!(err, Error::MaybeSubmitted { ref cause } if cause.contains("timeout")),
        "{err:?}"
    );
    assert_eq!(emulator.stats().jobs_created, 1);
    assert_eq!(emulator.stats().total_submits(), 1);
}

#[tokio::test]
async fn unexpected_bodies_keep_the_body_and_the_path() {
    use axum::routing::post;
    let app = axum::Router::new().route(
        "/enrich-lead-async",
        post(|| async { axum::Json(json!({"task_id": 5, "status": "pending"})) }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let client = Client::builder()
        .api_key("k")
        .base_url(base)
        .rate_limit(None)
        .build()
        .unwrap();
    // A 2xx: a job may exist, whatever the body says.
    match client.submit(&request(rafael())).await.unwrap_err() {
        Error::MaybeSubmitted { cause } => {
            assert!(cause.contains("answered 200"), "{cause}");
            assert!(cause.contains("\"task_id\":5"), "{cause}");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn enrich_all_never_exceeds_its_concurrency() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let emulator = Emulator::builder()
        .latency(Latency::Range(ms(20), ms(60)))
        .spawn()
        .await
        .unwrap();
    let client = client_for(&emulator);
    let directory = sixtyfour_emulator::Directory::builtin();
    let leads: Vec<EnrichRequest> = directory
        .profiles()
        .iter()
        .take(40)
        .map(|p| request(json!({"email": p.attributes["email"]})))
        .collect();
    // Counted on this side, with no clock: a request is taken from the iterator when the
    // batch starts it, and a result handed out when it has ended. Started minus handed out
    // is the number in flight.
    let started = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&started);
    let requests = leads.into_iter().inspect(move |_| {
        counter.fetch_add(1, Ordering::SeqCst);
    });
    let mut batch = client.enrich_all(requests, 6);
    let mut results = Vec::new();
    let mut most = 0;
    while let Some(item) = batch.next().await {
        // Counted before this result is taken out: it was still in flight.
        let in_flight = started.load(Ordering::SeqCst) - results.len();
        most = most.max(in_flight);
        results.push(item);
    }
    assert_eq!(most, 6, "the bound is used and never exceeded");
    assert_eq!(results.len(), 40);
    let mut indices: Vec<usize> = results.iter().map(|(i, _)| *i).collect();
    indices.sort_unstable();
    assert_eq!(indices, (0..40).collect::<Vec<_>>());
    for (index, result) in &results {
        let enrichment = result.as_ref().unwrap();
        let expected = directory.profiles()[*index].attributes["name"].clone();
        assert_eq!(enrichment.data["name"], expected);
    }
    assert_eq!(emulator.stats().jobs_created, 40);
}

#[tokio::test]
async fn a_batch_under_the_rate_limit_meets_no_429() {
    // 100 requests per minute, a minute scaled to 5 s: a request every 50 ms, so a late
    // scheduler bunches arrivals by seconds before the server's burst is spent.
    let emulator = Emulator::builder()
        .rate_limit(Some(100))
        .time_scale(1.0 / 12.0)
        .latency(Latency::Fixed(Duration::from_secs(12)))
        .spawn()
        .await
        .unwrap();
    let client = Client::builder()
        .api_key(emulator.api_key())
        .base_url(emulator.base_url())
        .poll_policy(PollPolicy {
            initial: ms(5),
            factor: 1.0,
            max: ms(5),
        })
        .retry_policy(RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        })
        .rate_limit(Some(RateLimit::new(100, ms(5_000))))
        .build()
        .unwrap();
    let requests: Vec<EnrichRequest> = (0..30)
        .map(|i| request(json!({"name": format!("Lead {i}"), "company": "Nowhere"})))
        .collect();
    let results: Vec<_> = client.enrich_all(requests, 10).collect().await;
    assert!(
        results.iter().all(|(_, r)| r.is_ok()),
        "{:?}",
        results.iter().find(|(_, r)| r.is_err())
    );
    let stats = emulator.stats();
    assert_eq!(stats.rate_limited, 0);
    assert!(
        stats.status_polls > 30,
        "polling was exercised: {}",
        stats.status_polls
    );
}

#[tokio::test]
async fn webhook_deliveries_verify_and_tampered_ones_do_not() {
    use axum::routing::post;
    use std::sync::{Arc, Mutex};
    type Deliveries = Arc<Mutex<Vec<(String, Vec<u8>)>>>;
    let seen: Deliveries = Arc::default();
    let log = Arc::clone(&seen);
    let app = axum::Router::new().route(
        "/hook",
        post(
            move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
                let log = Arc::clone(&log);
                async move {
                    let signature = headers
                        .get(webhook::SIGNATURE_HEADER)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_owned();
                    log.lock().unwrap().push((signature, body.to_vec()));
                    axum::http::StatusCode::OK
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let emulator = Emulator::builder()
        .latency(Latency::Fixed(ms(5)))
        .webhook_secret("whsec_test")
        .spawn()
        .await
        .unwrap();
    let client = client_for(&emulator);
    let task_id = client
        .submit(&request(rafael()).webhook_url(hook))
        .await
        .unwrap();
    let give_up = std::time::Instant::now() + Duration::from_secs(30);
    let (signature, body) = loop {
        if let Some(delivery) = seen.lock().unwrap().first().cloned() {
            break delivery;
        }
        assert!(
            std::time::Instant::now() < give_up,
            "no webhook delivery reached the receiver within 30 s"
        );
        tokio::time::sleep(ms(10)).await;
    };
    let now = SystemTime::now();
    webhook::verify(b"whsec_test", &signature, &body, now).unwrap();
    let event = webhook::parse_event(&body).unwrap();
    assert_eq!(event.task_id, task_id);
    assert_eq!(event.status, JobState::Completed);
    assert_eq!(
        event.result.unwrap().structured_data["title"],
        "CEO & Co-Founder"
    );

    let mut tampered = body.clone();
    let at = tampered.iter().position(|b| *b == b'C').unwrap();
    tampered[at] = b'X';
    assert_eq!(
        webhook::verify(b"whsec_test", &signature, &tampered, now),
        Err(webhook::SignatureError::Mismatch)
    );
    assert_eq!(
        webhook::verify(b"whsec_other", &signature, &body, now),
        Err(webhook::SignatureError::Mismatch)
    );
    let late = now + Duration::from_secs(301);
    assert!(matches!(
        webhook::verify(b"whsec_test", &signature, &body, late),
        Err(webhook::SignatureError::Expired { .. })
    ));
}

#[tokio::test]
async fn typed_sync_and_people_intelligence_paths() {
    let emulator = emulator(10).await;
    let client = client_for(&emulator);

    let sync = client.enrich_sync::<Person>(&rafael()).await.unwrap();
    assert_eq!(sync.data.title, "CEO & Co-Founder");
    assert_eq!(sync.task_id, None);

    let people = client.people_intelligence();
    let typed = people.enrich::<Person>(&rafael()).await.unwrap();
    assert_eq!(typed.data.email, "rafael.nunez@lanternfish.example");
    let untyped = people.enrich_raw(&request(rafael())).await.unwrap();
    assert_eq!(untyped.data["company"], "Lanternfish Labs");
    let typed_sync = people.enrich_sync::<Person>(&rafael()).await.unwrap();
    assert_eq!(typed_sync.data.name, "Rafael Núñez");
    let untyped_sync = people.enrich_sync_raw(&request(rafael())).await.unwrap();
    assert_eq!(untyped_sync.data["title"], "CEO & Co-Founder");

    let submits = emulator.stats().submits;
    assert_eq!(
        (
            submits.enrich_lead,
            submits.enrich_lead_async,
            submits.people_intelligence,
            submits.people_intelligence_async
        ),
        (1, 0, 2, 2)
    );
    let task_id = people.submit(&request(rafael())).await.unwrap();
    let status = people.job_status_response(&task_id).await.unwrap();
    assert_eq!(status.status(), 200);
    assert_eq!(status.task_id, task_id);
}

#[tokio::test]
async fn options_apply_per_call_without_rebuilding_the_client() {
    let emulator = emulator(3_000).await;
    let client = client_for(&emulator);
    // A 300 ms deadline for one call; the client's own default (20 minutes) for the rest.
    let hurried = client.with_options(sixtyfour::RequestOptions::new().deadline(ms(300)));
    let err = hurried.enrich_raw(&request(rafael())).await.unwrap_err();
    let Error::Deadline { task_id, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(client.options(), &sixtyfour::RequestOptions::default());
    // The same job through the unhurried client finishes.
    let result = client.wait(task_id).await.unwrap();
    assert_eq!(result.structured_data["company"], "Lanternfish Labs");

    // A per-call poll policy: a poll every 2 s for a 3 s job, so two polls (each a second
    // away from the job's end).
    let patient = client.with_options(sixtyfour::RequestOptions::new().poll_policy(PollPolicy {
        initial: ms(2_000),
        factor: 1.0,
        max: ms(2_000),
    }));
    emulator.reset();
    patient.enrich_raw(&request(rafael())).await.unwrap();
    assert_eq!(emulator.stats().status_polls, 2);

    // A per-call timeout shorter than a slow answer: ambiguous, as for the builder's timeout.
    emulator.reset();
    emulator
        .set_faults(Faults {
            slow_ms: 1_500,
            ..Faults::default()
        })
        .unwrap();
    emulator.script(Endpoint::Submit, [Outcome::Slow]);
    let err = client
        .with_options(sixtyfour::RequestOptions::new().timeout(ms(200)))
        .submit(&request(rafael()))
        .await
        .unwrap_err();
    assert!(err.is_maybe_submitted(), "{err:?}");
}
