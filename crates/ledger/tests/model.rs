//! A model-based test of the ledger's state machine: random interleavings of submit answers
//! (ok, 5xx, timeout, unreadable 2xx, refused connection, 401, 402, a task id the server hands
//! out again) and wait answers, crashes at
//! every transition (the run future dropped at an API call, or the store failing before or after
//! a write, then the real SQLite ledger dropped and reopened), reordered inputs and resumes,
//! checked against the promises:
//!
//! 1. a row is submitted at most once unless a resend was asked (per row, counted at the
//!    scripted server: jobs created for each lead);
//! 2. every row is in the ledger's output exactly once, in input order;
//! 3. a completed row holds its own lead's answer, from a job created for that lead;
//! 4. once the faults stop and the unknown and failed rows are asked for again, every row
//!    completes, and a further run sends nothing.

use std::collections::{HashMap, VecDeque};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use proptest::prelude::*;
use serde_json::{Map, Value, json};
use sixtyfour::{EnrichRequest, EnrichResult, Error, Schema, TaskId};
use sixtyfour_ledger::store::{Change, RowId, SyncRow, Synced, Work};
use sixtyfour_ledger::{
    Api, ApiFuture, Durability, InputRow, KeyCheck, Ledger, OpenOptions, Resend, RowState,
    RunOptions, Server, SqliteStore, Store, StoreError, SubmitCall, SubmitOutcome, SyncOptions,
    Template, UnknownRows, WaitCall, WaitOutcome, classify_submit, classify_wait,
};
use tokio::sync::Notify;
use tokio::time::Instant;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SubmitScript {
    Ok,
    ServerErrorWithJob,
    ServerErrorNoJob,
    TimeoutWithJob,
    UnreadableWithJob,
    NotSent,
    Unauthorized,
    NoCredits,
    CrashBeforeServer,
    CrashAfterServer,
    /// The job is created and answered with the first task id the server ever gave, which
    /// from now on names this job (a restarted server with fixed ids).
    ReusedId,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WaitScript {
    Complete,
    JobFailed,
    Gone,
    StillRunning,
    Unauthorized,
    Crash,
}

/// The scripted server: jobs by task id, each with the lead that created it.
#[derive(Default)]
struct Server_ {
    jobs: Mutex<Vec<(String, String)>>,
    submits: Mutex<VecDeque<SubmitScript>>,
    waits: Mutex<VecDeque<WaitScript>>,
    crashed: AtomicBool,
    /// Replaced every round, so that a crash of one round never wakes the next.
    crash: Mutex<Arc<Notify>>,
}

impl Server_ {
    fn jobs_per_lead(&self) -> HashMap<String, usize> {
        let mut out = HashMap::new();
        for (_, lead) in self.jobs.lock().unwrap().iter() {
            *out.entry(lead.clone()).or_insert(0) += 1;
        }
        out
    }

    /// The lead of the job a task id names now (the latest job given that id).
    fn lead_of(&self, task_id: &str) -> Option<String> {
        self.jobs
            .lock()
            .unwrap()
            .iter()
            .rfind(|(id, _)| id == task_id)
            .map(|(_, lead)| lead.clone())
    }

    /// True when a job given this id was created for this lead.
    fn had_job(&self, task_id: &str, lead: &str) -> bool {
        self.jobs
            .lock()
            .unwrap()
            .iter()
            .any(|(id, l)| id == task_id && l == lead)
    }

    fn create(&self, request: &EnrichRequest) -> String {
        let mut jobs = self.jobs.lock().unwrap();
        let id = format!("task-{}", jobs.len() + 1);
        let lead = request.lead_info()["name"].as_str().unwrap().to_owned();
        jobs.push((id.clone(), lead));
        id
    }

    /// Creates the job under the first id the server ever gave.
    fn create_reused(&self, request: &EnrichRequest) -> String {
        let mut jobs = self.jobs.lock().unwrap();
        let id = jobs
            .first()
            .map_or_else(|| format!("task-{}", jobs.len() + 1), |(id, _)| id.clone());
        let lead = request.lead_info()["name"].as_str().unwrap().to_owned();
        jobs.push((id.clone(), lead));
        id
    }

    fn signal_crash(&self) {
        self.crashed.store(true, Ordering::SeqCst);
        self.crash.lock().unwrap().notify_one();
    }

    async fn crash(&self) -> ! {
        self.signal_crash();
        std::future::pending::<()>().await;
        unreachable!()
    }
}

struct Fake(Arc<Server_>);

fn api_error(status: u16) -> Error {
    Error::from_response(status, br#"{"error": "E", "message": "scripted"}"#)
}

impl Api for Fake {
    fn submit<'a>(
        &'a self,
        request: &'a EnrichRequest,
        _deadline: Option<Instant>,
    ) -> ApiFuture<'a, SubmitOutcome> {
        Box::pin(async move {
            let server = &self.0;
            let script = server
                .submits
                .lock()
                .unwrap()
                .pop_front()
                .unwrap_or(SubmitScript::Ok);
            let error = match script {
                SubmitScript::Ok => {
                    let id = TaskId::new(server.create(request)).unwrap();
                    return classify_submit(SubmitCall::Answered(Ok(&id)));
                }
                SubmitScript::ServerErrorWithJob => {
                    server.create(request);
                    Error::MaybeSubmitted {
                        cause: "the service answered 502".into(),
                    }
                }
                SubmitScript::ServerErrorNoJob => Error::MaybeSubmitted {
                    cause: "the service answered 500".into(),
                },
                SubmitScript::TimeoutWithJob => {
                    server.create(request);
                    Error::MaybeSubmitted {
                        cause: "no answer before the timeout".into(),
                    }
                }
                SubmitScript::UnreadableWithJob => {
                    server.create(request);
                    Error::Decode {
                        path: "task_id".into(),
                        message: "invalid type: integer `5`, expected a string".into(),
                        body: r#"{"task_id": 5, "status": "pending"}"#.into(),
                    }
                }
                SubmitScript::ReusedId => {
                    let id = TaskId::new(server.create_reused(request)).unwrap();
                    return classify_submit(SubmitCall::Answered(Ok(&id)));
                }
                SubmitScript::NotSent => return classify_submit(SubmitCall::TooLate),
                SubmitScript::Unauthorized => api_error(401),
                SubmitScript::NoCredits => api_error(402),
                SubmitScript::CrashBeforeServer => server.crash().await,
                SubmitScript::CrashAfterServer => {
                    server.create(request);
                    server.crash().await
                }
            };
            classify_submit(SubmitCall::Answered(Err(&error)))
        })
    }

    fn wait<'a>(&'a self, task_id: &'a TaskId, _until: Instant) -> ApiFuture<'a, WaitOutcome> {
        Box::pin(async move {
            let server = &self.0;
            let script = server
                .waits
                .lock()
                .unwrap()
                .pop_front()
                .unwrap_or(WaitScript::Complete);
            let Some(lead) = server.lead_of(task_id.as_str()) else {
                return classify_wait(WaitCall::Answered(Err(&api_error(404))));
            };
            let error = match script {
                WaitScript::Complete => {
                    let result: EnrichResult = serde_json::from_value(json!({
                        "notes": format!("about {lead}"),
                        "structured_data": {"lead": lead, "task": task_id.as_str(), "score": "7"},
                        "references": {},
                        "confidence_score": 7.0
                    }))
                    .unwrap();
                    return classify_wait(WaitCall::Answered(Ok(&result)));
                }
                WaitScript::JobFailed => Error::JobFailed {
                    task_id: task_id.clone(),
                    message: "scripted failure".into(),
                },
                WaitScript::Gone => api_error(404),
                WaitScript::StillRunning => return classify_wait(WaitCall::CutOff),
                WaitScript::Unauthorized => api_error(401),
                WaitScript::Crash => server.crash().await,
            };
            classify_wait(WaitCall::Answered(Err(&error)))
        })
    }

    fn check_key(&self, _deadline: Option<Instant>) -> ApiFuture<'_, KeyCheck> {
        Box::pin(async { KeyCheck::Accepted })
    }
}

/// A store that fails once, at its n-th write, before or after doing it (a crash at that
/// transition), then refuses everything.
struct CrashingStore {
    inner: SqliteStore,
    writes_left: Option<usize>,
    after: bool,
    server: Arc<Server_>,
}

impl CrashingStore {
    fn write<T>(
        &mut self,
        op: impl FnOnce(&mut SqliteStore) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        if self.server.crashed.load(Ordering::SeqCst) {
            return Err(StoreError::new("crashed"));
        }
        match self.writes_left {
            Some(0) => {
                let result = if self.after {
                    op(&mut self.inner).map(|_| ())
                } else {
                    Ok(())
                };
                drop(result);
                self.server.signal_crash();
                Err(StoreError::new("crash at this write"))
            }
            Some(n) => {
                self.writes_left = Some(n - 1);
                op(&mut self.inner)
            }
            None => op(&mut self.inner),
        }
    }
}

impl Store for CrashingStore {
    fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.inner.meta(key)
    }
    fn set_meta(&mut self, entries: &[(&str, &str)]) -> Result<(), StoreError> {
        self.inner.set_meta(entries)
    }
    fn has_jobs(&self) -> Result<bool, StoreError> {
        self.inner.has_jobs()
    }
    fn recover(
        &mut self,
        recovery: sixtyfour_ledger::store::Recovery,
        note: &str,
    ) -> Result<u64, StoreError> {
        self.inner.recover(recovery, note)
    }
    fn sync(
        &mut self,
        generation: u64,
        rows: &mut dyn Iterator<Item = Result<SyncRow, ()>>,
        resend: &Resend,
        commit: bool,
    ) -> Result<Synced, StoreError> {
        self.inner.sync(generation, rows, resend, commit)
    }
    fn work(&self, generation: u64) -> Result<Vec<Work>, StoreError> {
        self.inner.work(generation)
    }
    fn mark_submitting(&mut self, ids: &[RowId]) -> Result<(), StoreError> {
        self.write(|s| s.mark_submitting(ids))
    }
    fn record(&mut self, id: RowId, change: &Change) -> Result<(), StoreError> {
        self.write(|s| s.record(id, change))
    }
    fn row(&self, id: RowId) -> Result<sixtyfour_ledger::store::StoredRow, StoreError> {
        self.inner.row(id)
    }
    fn task_id_holders(
        &self,
        task_id: &str,
        except: RowId,
    ) -> Result<Vec<sixtyfour_ledger::store::StoredRow>, StoreError> {
        self.inner.task_id_holders(task_id, except)
    }
    fn rows(
        &self,
        generation: u64,
        visit: &mut dyn FnMut(sixtyfour_ledger::store::StoredRow) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        self.inner.rows(generation, visit)
    }
    fn vanished(
        &self,
        generation: u64,
        visit: &mut dyn FnMut(sixtyfour_ledger::store::StoredRow) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        self.inner.vanished(generation, visit)
    }
    fn counts(&self, generation: u64) -> Result<sixtyfour_ledger::Counts, StoreError> {
        self.inner.counts(generation)
    }
}

#[derive(Debug, Clone)]
struct Round {
    order: Vec<usize>,
    submits: Vec<SubmitScript>,
    waits: Vec<WaitScript>,
    store_crash: Option<(usize, bool)>,
    resend_unknown: bool,
    retry_failed: bool,
    in_flight: usize,
}

fn submit_script() -> impl Strategy<Value = SubmitScript> {
    prop_oneof![
        4 => Just(SubmitScript::Ok),
        1 => Just(SubmitScript::ServerErrorWithJob),
        1 => Just(SubmitScript::ServerErrorNoJob),
        1 => Just(SubmitScript::TimeoutWithJob),
        1 => Just(SubmitScript::UnreadableWithJob),
        1 => Just(SubmitScript::NotSent),
        1 => Just(SubmitScript::Unauthorized),
        1 => Just(SubmitScript::NoCredits),
        1 => Just(SubmitScript::CrashBeforeServer),
        1 => Just(SubmitScript::CrashAfterServer),
        1 => Just(SubmitScript::ReusedId),
    ]
}

fn wait_script() -> impl Strategy<Value = WaitScript> {
    prop_oneof![
        4 => Just(WaitScript::Complete),
        1 => Just(WaitScript::JobFailed),
        1 => Just(WaitScript::Gone),
        1 => Just(WaitScript::StillRunning),
        1 => Just(WaitScript::Unauthorized),
        1 => Just(WaitScript::Crash),
    ]
}

fn round(rows: usize) -> impl Strategy<Value = Round> {
    (
        Just((0..rows).collect::<Vec<_>>()).prop_shuffle(),
        proptest::collection::vec(submit_script(), 0..rows + 2),
        proptest::collection::vec(wait_script(), 0..rows + 2),
        proptest::option::weighted(0.25, (0..(3 * rows), any::<bool>())),
        proptest::bool::weighted(0.15),
        proptest::bool::weighted(0.15),
        1..4usize,
    )
        .prop_map(
            |(
                order,
                mut submits,
                mut waits,
                mut store_crash,
                resend_unknown,
                retry_failed,
                in_flight,
            )| {
                // A crash after the server handed an id out again and before the ledger
                // recorded it leaves no trace any client could see: such a round has no crash.
                if submits.contains(&SubmitScript::ReusedId) {
                    submits.retain(|s| {
                        !matches!(
                            s,
                            SubmitScript::CrashBeforeServer | SubmitScript::CrashAfterServer
                        )
                    });
                    waits.retain(|w| *w != WaitScript::Crash);
                    store_crash = None;
                }
                Round {
                    order,
                    submits,
                    waits,
                    store_crash,
                    resend_unknown,
                    retry_failed,
                    in_flight,
                }
            },
        )
}

fn schema() -> Schema {
    Schema::from_json(&json!({"lead": "The lead", "task": "The task", "score": {"description": "A score", "type": "int"}})).unwrap()
}

fn open(path: &Path, server: &Arc<Server_>, crash: Option<(usize, bool)>) -> Ledger {
    let store = CrashingStore {
        inner: SqliteStore::open(path, Durability::default()).unwrap(),
        writes_left: crash.map(|(n, _)| n),
        after: crash.is_some_and(|(_, after)| after),
        server: Arc::clone(server),
    };
    Ledger::with_store(
        path,
        Box::new(store),
        None,
        Arc::new(Fake(Arc::clone(server))),
        Server::Url("http://scripted.example".into()),
        Template::new(schema()),
        OpenOptions::api_key("model-key"),
    )
    .unwrap()
}

fn input(
    names: &[String],
    order: &[usize],
) -> Vec<Result<InputRow, sixtyfour_ledger::LedgerError>> {
    order
        .iter()
        .map(|&i| {
            let mut lead = Map::new();
            lead.insert("name".into(), Value::String(names[i].clone()));
            Ok(InputRow::from(lead))
        })
        .collect()
}

/// Invariants 2 and 3 over the ledger's rows of the current input.
fn check_rows(
    ledger: &Ledger,
    server: &Server_,
    names: &[String],
    order: &[usize],
) -> Vec<RowState> {
    let mut seen = Vec::new();
    ledger
        .rows(|row| {
            seen.push(row);
            Ok(())
        })
        .unwrap();
    assert_eq!(seen.len(), order.len(), "one row per input row");
    let mut states = Vec::new();
    for (i, row) in seen.iter().enumerate() {
        assert_eq!(row.position, i as u64 + 1);
        let name = &names[order[i]];
        assert_eq!(
            row.lead["name"],
            name.as_str(),
            "row {} is its own lead",
            i + 1
        );
        if row.state == RowState::Completed {
            let task = row
                .task_id
                .as_ref()
                .expect("a completed row keeps its task id");
            assert!(
                server.had_job(task.as_str(), name),
                "row {}: the job {task} was created for this lead",
                i + 1
            );
            let data = row.cast_answer.as_ref().expect("cast answer");
            assert_eq!(
                data["lead"],
                name.as_str(),
                "row {} holds its own answer",
                i + 1
            );
            assert_eq!(data["task"], task.as_str());
            assert_eq!(data["score"], 7, "cast by the resolved type");
        }
        states.push(row.state);
    }
    states
}

/// Runs one round; `asks` counts the rounds so far that asked for resends (each allows one
/// more job per row).
fn run_round(
    path: &Path,
    server: &Arc<Server_>,
    names: &[String],
    round: &Round,
    asks: &mut usize,
) {
    server.crashed.store(false, Ordering::SeqCst);
    let crash = Arc::new(Notify::new());
    *server.crash.lock().unwrap() = Arc::clone(&crash);
    *server.submits.lock().unwrap() = round.submits.iter().copied().collect();
    *server.waits.lock().unwrap() = round.waits.iter().copied().collect();
    let before = server.jobs_per_lead();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut ledger = open(path, server, round.store_crash);
        let resend = Resend {
            failed: round.retry_failed,
            unknown: if round.resend_unknown {
                UnknownRows::All
            } else {
                UnknownRows::None
            },
        };
        ledger
            .sync(
                input(names, &round.order),
                &SyncOptions {
                    resend,
                    dry_run: false,
                },
            )
            .unwrap();
        let options = RunOptions::default().max_in_flight(round.in_flight);
        let finished = tokio::select! {
            report = ledger.dispatch(&options) => Some(report),
            () = crash.notified() => None,
        };
        if let Some(report) = finished {
            // A store failure is a crash too; otherwise the run ended normally.
            if !server.crashed.load(Ordering::SeqCst) {
                let report = report.unwrap();
                assert!(report.store_failure.is_none());
                check_rows(&ledger, server, names, &round.order);
            }
        }
        drop(ledger);
    });
    let after = server.jobs_per_lead();
    if round.resend_unknown || round.retry_failed {
        *asks += 1;
    }
    for name in names {
        let b = before.get(name).copied().unwrap_or(0);
        let a = after.get(name).copied().unwrap_or(0);
        assert!(
            a <= b + 1,
            "{name}: {a} jobs after the round, {b} before: two submits in one run"
        );
        // A resend asked for in a round that crashed before sending is sent by a later one.
        assert!(
            a <= 1 + *asks,
            "{name}: {a} jobs with {asks} resends asked: submitted again without being asked ({round:?})"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn the_ledger_keeps_its_promises(
        rounds in (1..7usize).prop_flat_map(|rows| (Just(rows), proptest::collection::vec(round(rows), 1..6)))
    ) {
        let (rows, rounds) = rounds;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("model.ledger");
        let names: Vec<String> = (0..rows).map(|i| format!("lead-{i}")).collect();
        let server = Arc::new(Server_::default());
        let mut asks = 0;
        for round in &rounds {
            run_round(&path, &server, &names, round, &mut asks);
        }
        // The faults stop; unknown and failed rows are asked for again: every row completes.
        let calm = |resend: bool| Round {
            order: (0..rows).rev().collect(),
            submits: Vec::new(),
            waits: Vec::new(),
            store_crash: None,
            resend_unknown: resend,
            retry_failed: resend,
            in_flight: 3,
        };
        run_round(&path, &server, &names, &calm(true), &mut asks);
        let jobs = server.jobs_per_lead();
        // A further run sends nothing and every row is its own lead's, completed.
        run_round(&path, &server, &names, &calm(false), &mut asks);
        prop_assert_eq!(server.jobs_per_lead(), jobs);
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let mut ledger = open(&path, &server, None);
            let order: Vec<usize> = (0..rows).collect();
            ledger.sync(input(&names, &order), &SyncOptions::default()).unwrap();
            let states = check_rows(&ledger, &server, &names, &order);
            assert!(states.iter().all(|s| *s == RowState::Completed), "{states:?}");
        });
    }
}
