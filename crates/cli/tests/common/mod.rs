//! Shared by the CLI tests: work directories, sample leads, running the binary, reading its
//! output, counting each lead's jobs at the server, and a small fake API for answers the
//! emulator does not give.

#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Map, Value, json};
use sixtyfour_emulator::{Directory, EmulatorHandle};
use sixtyfour_ledger::canonical_json;

pub const BIN: &str = env!("CARGO_BIN_EXE_sixtyfour");

pub const FIELDS: &str = r#"{
  "email": "The individual's email address",
  "title": "The individual's job title",
  "company": "The company the individual is associated with",
  "skills": {"description": "Skills listed on their profile", "type": "list[str]"},
  "age": {"description": "Age in years", "type": "int"}
}"#;

/// A fresh directory, removed when dropped.
pub fn workdir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("sixtyfour-cli-")
        .tempdir()
        .unwrap()
}

/// Leads from the built-in directory: by email, by LinkedIn, by name and company, and some
/// that match nobody. Returns (CSV text, JSONL text, expected title per row).
pub fn leads(count: usize) -> (String, String, Vec<String>) {
    let directory = Directory::builtin();
    let mut csv = String::from("name,company,email,linkedin\n");
    let mut jsonl = String::new();
    let mut titles = Vec::new();
    for i in 0..count {
        let profile = &directory.profiles()[i % directory.len()];
        let text = |k: &str| {
            profile
                .attributes
                .get(k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        let (name, company, email, linkedin, title) = match i % 4 {
            0 => (
                String::new(),
                String::new(),
                text("email"),
                String::new(),
                text("title"),
            ),
            1 => (
                String::new(),
                String::new(),
                String::new(),
                text("linkedin"),
                text("title"),
            ),
            2 => (
                text("name"),
                text("company"),
                String::new(),
                String::new(),
                text("title"),
            ),
            _ => (
                format!("Unknown Person {i}"),
                "Nowhere Inc".to_owned(),
                String::new(),
                String::new(),
                String::new(),
            ),
        };
        csv.push_str(&format!("\"{name}\",\"{company}\",{email},{linkedin}\n"));
        let mut object = Map::new();
        for (k, v) in [
            ("name", &name),
            ("company", &company),
            ("email", &email),
            ("linkedin", &linkedin),
        ] {
            if !v.is_empty() {
                object.insert(k.into(), Value::String(v.clone()));
            }
        }
        jsonl.push_str(&Value::Object(object).to_string());
        jsonl.push('\n');
        titles.push(title);
    }
    (csv, jsonl, titles)
}

/// A work directory with `leads.csv` and `fields.json`; the expected title per row.
pub fn csv_workdir(rows: usize) -> (tempfile::TempDir, Vec<String>) {
    let dir = workdir();
    let (csv, _, titles) = leads(rows);
    std::fs::write(dir.path().join("leads.csv"), csv).unwrap();
    std::fs::write(dir.path().join("fields.json"), FIELDS).unwrap();
    (dir, titles)
}

/// `sixtyfour enrich` against a server, quiet, with fast polls and no client-side rate limit.
pub fn command_for(base_url: &str, api_key: &str, dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(BIN);
    command
        .current_dir(dir)
        .env("SIXTYFOUR_API_KEY", api_key)
        .env_remove("SIXTYFOUR_BASE_URL")
        .env_remove("SIXTYFOUR_API_KEY_FILE")
        .env_remove("RUST_LOG")
        .args([
            "enrich",
            "--base-url",
            base_url,
            "--poll-initial",
            "20ms",
            "--poll-max",
            "100ms",
            "--rate-limit",
            "0",
            "--quiet",
        ])
        .args(args);
    command
}

/// [`command_for`] the emulator.
pub fn command(emulator: &EmulatorHandle, dir: &Path, args: &[&str]) -> Command {
    command_for(&emulator.base_url(), emulator.api_key(), dir, args)
}

/// `sixtyfour enrich --emulator` (an emulator inside the CLI).
pub fn offline(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(BIN);
    command
        .current_dir(dir)
        .env_remove("SIXTYFOUR_API_KEY")
        .env_remove("SIXTYFOUR_BASE_URL")
        .env_remove("SIXTYFOUR_API_KEY_FILE")
        .env_remove("RUST_LOG")
        .args(["enrich", "--emulator"])
        .args(args);
    command
}

/// Runs a command to its end, off the async threads.
pub async fn run(mut command: Command) -> Output {
    tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap()
}

pub fn jsonl_rows(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A lead as the server sees it, in one canonical text.
pub fn lead_key(lead: &Value) -> String {
    canonical_json(lead)
}

/// Task ids the emulator handed out per lead (canonical JSON of its `lead_info`).
pub fn jobs_per_lead(emulator: &EmulatorHandle) -> HashMap<String, Vec<String>> {
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    for job in emulator.jobs() {
        out.entry(lead_key(&Value::Object(job.lead_info)))
            .or_default()
            .push(job.task_id);
    }
    out
}

/// Every row of the output was submitted at most once (a lead that appears n times in the
/// input has at most n jobs), and each row's task id is a job the server created for that
/// row's own lead, held by no other row. Returns how many jobs the rows' leads have.
pub fn assert_one_job_per_row(rows: &[Value], jobs: &HashMap<String, Vec<String>>) -> usize {
    let mut copies: HashMap<String, usize> = HashMap::new();
    for row in rows {
        *copies.entry(lead_key(&row["lead"])).or_insert(0) += 1;
    }
    let mut seen = std::collections::HashSet::new();
    for row in rows {
        let key = lead_key(&row["lead"]);
        let ids = jobs.get(&key).cloned().unwrap_or_default();
        assert!(
            ids.len() <= copies[&key],
            "row {} was submitted {} times for {} copies: {ids:?}",
            row["row"],
            ids.len(),
            copies[&key]
        );
        if let Some(task) = row["task_id"].as_str() {
            assert!(
                ids.iter().any(|id| id == task),
                "row {}: task {task} is not this lead's job {ids:?}",
                row["row"]
            );
            assert!(
                seen.insert(task.to_owned()),
                "task {task} is held by two rows"
            );
        }
    }
    copies.keys().map(|k| jobs.get(k).map_or(0, Vec::len)).sum()
}

/// Every row's lead has exactly `n` jobs per copy of it in the rows (counted at the server,
/// per lead: a row paid twice cannot hide behind a row never sent).
pub fn assert_jobs_per_row(rows: &[Value], jobs: &HashMap<String, Vec<String>>, n: usize) {
    let mut copies: HashMap<String, usize> = HashMap::new();
    for row in rows {
        *copies.entry(lead_key(&row["lead"])).or_insert(0) += 1;
    }
    for row in rows {
        let key = lead_key(&row["lead"]);
        let made = jobs.get(&key).map_or(0, Vec::len);
        assert_eq!(
            made,
            n * copies[&key],
            "row {}: jobs {:?}",
            row["row"],
            jobs.get(&key)
        );
    }
}

/// Waits for `condition`, checking every 20 ms, for at most `limit`.
pub async fn wait_until(what: &str, limit: Duration, mut condition: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + limit;
    while !condition() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Reads a child's stderr in a thread, keeping every line for the test to look at.
pub struct Lines {
    pub lines: Arc<Mutex<Vec<String>>>,
}

impl Lines {
    pub fn follow(child: &mut Child) -> Lines {
        let lines = Arc::new(Mutex::new(Vec::new()));
        let stderr = child.stderr.take().unwrap();
        let sink = Arc::clone(&lines);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                match line {
                    Ok(line) => sink.lock().unwrap().push(line),
                    Err(_) => break,
                }
            }
        });
        Lines { lines }
    }

    pub fn any(&self, test: impl Fn(&str) -> bool) -> bool {
        self.lines.lock().unwrap().iter().any(|l| test(l))
    }

    pub fn text(&self) -> String {
        self.lines.lock().unwrap().join("\n")
    }
}

/// Sends SIGINT or SIGKILL.
pub fn signal(child: &Child, name: &str) {
    let status = Command::new("kill")
        .args([format!("-{name}"), child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// The `kill` and `status` of a spawned child with piped stderr.
pub fn spawn(mut command: Command) -> Child {
    command
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// How a fake API answers submits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// 200 with a task id; the job is completed at once.
    Accept,
    /// 200 with `{"task_id": 5, "status": "pending"}` (no readable task id).
    Unreadable,
    /// 402 out of credits.
    NoCredits,
    /// 429 with `Retry-After: 3600`.
    RateLimited,
    /// The request is read and never answered.
    Hang,
}

#[derive(Default)]
struct FakeState {
    mode: Mutex<Option<Mode>>,
    posts: Mutex<Vec<Value>>,
    jobs: Mutex<HashMap<String, Value>>,
    /// When each job completes (none: at once).
    ready: Mutex<HashMap<String, std::time::Instant>>,
    latency: Mutex<Duration>,
    /// Jobs accepted and not yet reported completed, and the most at once.
    open: Mutex<(usize, usize)>,
}

/// A fake enrich-lead API on 127.0.0.1.
pub struct Fake {
    pub addr: SocketAddr,
    state: Arc<FakeState>,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl Fake {
    pub async fn start(mode: Mode) -> Fake {
        let state = Arc::new(FakeState::default());
        *state.mode.lock().unwrap() = Some(mode);
        let app = Router::new()
            .route("/enrich-lead-async", post(fake_submit))
            .route("/job-status/{id}", get(fake_status))
            .with_state(Arc::clone(&state));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        Fake {
            addr,
            state,
            _stop: stop,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn set_mode(&self, mode: Mode) {
        *self.state.mode.lock().unwrap() = Some(mode);
    }

    /// Accepted jobs answer `processing` for this long before they complete.
    pub fn set_latency(&self, latency: Duration) {
        *self.state.latency.lock().unwrap() = latency;
    }

    /// The most jobs at once between their submit and the poll that reported them completed.
    pub fn most_open(&self) -> usize {
        self.state.open.lock().unwrap().1
    }

    /// Every POST's `lead_info`, canonical, counted.
    pub fn posts_per_lead(&self) -> HashMap<String, usize> {
        let mut out = HashMap::new();
        for body in self.state.posts.lock().unwrap().iter() {
            *out.entry(lead_key(&body["lead_info"])).or_insert(0) += 1;
        }
        out
    }

    pub fn posts(&self) -> usize {
        self.state.posts.lock().unwrap().len()
    }

    /// Every POST's body.
    pub fn bodies(&self) -> Vec<Value> {
        self.state.posts.lock().unwrap().clone()
    }
}

async fn fake_submit(State(state): State<Arc<FakeState>>, body: axum::body::Bytes) -> Response {
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let lead = body["lead_info"].clone();
    state.posts.lock().unwrap().push(body.clone());
    let mode = state.mode.lock().unwrap().unwrap_or(Mode::Accept);
    match mode {
        Mode::Accept => {
            let mut jobs = state.jobs.lock().unwrap();
            let id = format!("fake-{}", jobs.len() + 1);
            let result = json!({
                "notes": "fake",
                "structured_data": {"email": lead.get("email").cloned().unwrap_or(json!("")), "title": "Fake title", "company": "", "skills": [], "age": null},
                "references": {},
                "confidence_score": 5.0
            });
            jobs.insert(id.clone(), result);
            let latency = *state.latency.lock().unwrap();
            state
                .ready
                .lock()
                .unwrap()
                .insert(id.clone(), std::time::Instant::now() + latency);
            let mut open = state.open.lock().unwrap();
            open.0 += 1;
            open.1 = open.1.max(open.0);
            (
                StatusCode::OK,
                axum::Json(json!({"task_id": id, "status": "pending"})),
            )
                .into_response()
        }
        Mode::Unreadable => (
            StatusCode::OK,
            axum::Json(json!({"task_id": 5, "status": "pending"})),
        )
            .into_response(),
        Mode::NoCredits => (
            StatusCode::PAYMENT_REQUIRED,
            axum::Json(json!({"error": "Payment Required", "message": "Out of credits"})),
        )
            .into_response(),
        Mode::Hang => std::future::pending::<Response>().await,
        Mode::RateLimited => {
            let mut response = (
                StatusCode::TOO_MANY_REQUESTS,
                axum::Json(json!({"error": "Too Many Requests", "message": "slow down"})),
            )
                .into_response();
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("3600"));
            response
        }
    }
}

async fn fake_status(
    State(state): State<Arc<FakeState>>,
    UrlPath(id): UrlPath<String>,
) -> Response {
    let ready = state.ready.lock().unwrap().get(&id).copied();
    if ready.is_some_and(|at| std::time::Instant::now() < at) {
        return axum::Json(json!({"status": "processing", "task_type": "enrich_lead"}))
            .into_response();
    }
    let result = state.jobs.lock().unwrap().get(&id).cloned();
    match result {
        Some(result) => {
            if state.ready.lock().unwrap().remove(&id).is_some() {
                state.open.lock().unwrap().0 -= 1;
            }
            axum::Json(json!({"status": "completed", "result": result, "task_type": "enrich_lead"}))
                .into_response()
        }
        None => (
            StatusCode::NOT_FOUND,
            axum::Json(json!({"detail": "Job not found"})),
        )
            .into_response(),
    }
}

/// A path in a directory.
pub fn at(dir: &tempfile::TempDir, name: &str) -> PathBuf {
    dir.path().join(name)
}

/// A `sixtyfour emulator` process: jobs outlive the CLI runs, and it can be killed and started
/// again on the same address.
pub struct External {
    pub child: Child,
    pub url: String,
}

impl External {
    /// Starts `sixtyfour emulator --addr ADDR ARGS...` and waits for its readiness line.
    pub fn start(addr: &str, args: &[&str]) -> External {
        let mut child = Command::new(BIN)
            .args(["emulator", "--addr", addr])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        let url = first
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("no address in {first:?}"))
            .to_owned();
        External { child, url }
    }

    /// `host:port`.
    pub fn addr(&self) -> String {
        self.url.trim_start_matches("http://").to_owned()
    }

    /// Every job the emulator created: (task id, canonical `lead_info`).
    pub async fn jobs(&self) -> Vec<(String, String)> {
        let jobs: Value = reqwest::get(format!("{}/_emulator/jobs", self.url))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        jobs["jobs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|job| {
                (
                    job["task_id"].as_str().unwrap().to_owned(),
                    lead_key(&job["lead_info"]),
                )
            })
            .collect()
    }

    /// SIGKILL, and wait for the process to be gone.
    pub fn kill(self) {
        drop(self);
    }
}

impl Drop for External {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
