//! `sixtyfour serve` as a process, with the web researcher over the repository's fixture web and
//! a SQLite store, driven by the real `sixtyfour enrich` and `sixtyfour status` over HTTP on
//! 127.0.0.1: answers equal to the fixture's truth, `field_confidence` on the wire, a wrong key
//! refused, metrics, the keys file reloaded on SIGHUP, finished jobs readable after a SIGKILL
//! and a restart (and a re-run submitting nothing), and SIGTERM putting a running job back in
//! the queue for the next start.

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{BIN, Lines, command_for, jsonl_rows, run, signal, stderr, workdir};
use serde_json::{Value, json};
use sixtyfour_server::keys::hash_key;
use sixtyfour_web::eval::same_value;
use sixtyfour_web::{CancelFlag, Job, WebConfig, WebResearcher, field_kind};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../web/fixtures")
}

/// `sixtyfour serve` running; killed on drop.
struct Serve {
    child: Child,
    base: String,
    logs: Lines,
}

impl Serve {
    /// Starts `sixtyfour serve` in `dir` (keys.toml, jobs.db) on `addr` with the web
    /// researcher over the fixture web, and reads the address from its first line.
    fn start(dir: &Path, addr: &str, extra: &[&str]) -> Serve {
        let web = fixtures().join("web");
        let mut child = Command::new(BIN)
            .current_dir(dir)
            .env("RUST_LOG", "info")
            .args([
                "serve",
                "--addr",
                addr,
                "--keys",
                "keys.toml",
                "--store",
                "sqlite:jobs.db",
                "--researcher",
                "web",
                "--offline-web",
                web.to_str().unwrap(),
                "--poll-interval",
                "50ms",
            ])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let logs = Lines::follow(&mut child);
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let base = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("no address in {line:?}; logs:\n{}", logs.text()))
            .to_owned();
        assert!(line.contains("researcher: web (offline web"), "{line}");
        Serve { child, base, logs }
    }

    /// Waits for the process to end by itself; its exit code.
    fn wait_exit(mut self, limit: Duration) -> Option<i32> {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            assert!(
                Instant::now() < deadline,
                "serve did not stop; logs:\n{}",
                self.logs.text()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn keys(names: &[(&str, &str)]) -> String {
    names
        .iter()
        .map(|(name, key)| {
            format!(
                "[[keys]]\nname = \"{name}\"\nsha256 = \"{}\"\n",
                hash_key(key)
            )
        })
        .collect()
}

/// The first truth case of each shape of lead (name and company, LinkedIn, email, website,
/// first and last name, and a person the web does not know).
fn cases() -> Vec<Value> {
    let text = std::fs::read_to_string(fixtures().join("truth.jsonl")).unwrap();
    let mut shapes = Vec::new();
    let mut picked = Vec::new();
    for line in text.lines() {
        let case: Value = serde_json::from_str(line).unwrap();
        let mut shape: Vec<String> = case["lead_info"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        shape.sort();
        shape.push(case["expected"].as_object().unwrap().is_empty().to_string());
        if !shapes.contains(&shape) {
            shapes.push(shape);
            picked.push(case);
        }
    }
    assert!(picked.len() >= 6, "{} shapes", picked.len());
    picked
}

async fn get(base: &str, key: &str, path: &str) -> (u16, Value) {
    let response = reqwest::Client::new()
        .get(format!("{base}{path}"))
        .header("x-api-key", key)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn metrics(base: &str) -> String {
    reqwest::get(format!("{base}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// The value of one sample line of the metrics text.
fn sample(text: &str, name: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_with_the_web_researcher_answers_enrich_and_survives_restarts() {
    let dir = workdir();
    std::fs::write(
        dir.path().join("keys.toml"),
        keys(&[("one", "sk-serve-one")]),
    )
    .unwrap();
    let cases = cases();
    let leads: String = cases
        .iter()
        .map(|c| format!("{}\n", c["lead_info"]))
        .collect();
    std::fs::write(dir.path().join("leads.jsonl"), leads).unwrap();
    let fields_path = fixtures().join("fields.json");
    let fields: Value =
        serde_json::from_str(&std::fs::read_to_string(&fields_path).unwrap()).unwrap();
    let fields_arg = fields_path.to_str().unwrap();
    let enrich_args = ["leads.jsonl", "--fields", fields_arg, "-o", "out.jsonl"];

    let serve = Serve::start(dir.path(), "127.0.0.1:0", &[]);
    // Restarts listen on the same address: a journal is bound to its server's URL.
    let addr = serve.base.trim_start_matches("http://").to_owned();
    let out = run(command_for(
        &serve.base,
        "sk-serve-one",
        dir.path(),
        &enrich_args,
    ))
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let rows = jsonl_rows(&dir.path().join("out.jsonl"));
    assert_eq!(rows.len(), cases.len());
    // The same researcher in this process, for what it is known to miss.
    let researcher = WebResearcher::new(WebConfig::offline(fixtures().join("web"))).unwrap();
    let schema = sixtyfour::Schema::from_json(&fields).unwrap();
    let mut answered = 0;
    for (row, case) in rows.iter().zip(&cases) {
        assert_eq!(row["status"], "completed", "{row}");
        let direct = researcher
            .research(
                &Job {
                    lead_info: case["lead_info"].as_object().unwrap().clone(),
                    schema: schema.clone(),
                    research_plan: None,
                },
                &|_| {},
                &CancelFlag::new(),
            )
            .await
            .unwrap();
        assert_eq!(
            row["structured_data"],
            Value::Object(direct.structured_data.clone()),
            "served as researched"
        );
        for (field, spec) in fields.as_object().unwrap() {
            let got = row["structured_data"][field].as_str().unwrap_or_default();
            let lead = &case["lead_info"];
            match case["expected"][field].as_str() {
                None => assert_eq!(got, "", "{field} of {lead}: nothing to find"),
                // A value the researcher misses on its own (the fixture's recall is not 1).
                Some(_) if got.is_empty() => {
                    assert_eq!(direct.structured_data[field], "", "{field} of {lead}")
                }
                Some(want) if ["name", "email", "company", "title"].contains(&field.as_str()) => {
                    assert_eq!(got, want, "{field} of {lead}");
                    answered += 1;
                }
                Some(want) => {
                    let kind = field_kind(field, spec.as_str());
                    assert!(
                        same_value(kind, want, got),
                        "{field} of {lead}: {want} vs {got}"
                    );
                    answered += 1;
                }
            }
        }
    }
    assert!(answered >= 30, "{answered} values answered");

    // The answer on the wire carries field_confidence.
    let known = rows
        .iter()
        .position(|r| r["structured_data"]["email"] != "")
        .unwrap();
    let task = rows[known]["task_id"].as_str().unwrap().to_owned();
    let (status, body) = get(&serve.base, "sk-serve-one", &format!("/job-status/{task}")).await;
    assert_eq!(status, 200);
    assert!(
        body["result"]["field_confidence"]["email"]
            .as_u64()
            .unwrap()
            >= 80,
        "{body}"
    );
    assert_eq!(
        body["result"]["field_confidence"]["industry"],
        Value::Null,
        "{body}"
    );

    // A wrong key: 401 in the reference's shape, and enrich stops as the account says (exit 4).
    let (status, body) = get(&serve.base, "sk-wrong", &format!("/job-status/{task}")).await;
    assert_eq!(
        (status, body),
        (
            401,
            json!({"error": "Unauthorized", "message": "Invalid API key"})
        )
    );
    let out = run(command_for(
        &serve.base,
        "sk-wrong",
        dir.path(),
        &["leads.jsonl", "--fields", fields_arg, "-o", "refused.jsonl"],
    ))
    .await;
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));

    // Metrics count what happened.
    let text = metrics(&serve.base).await;
    assert_eq!(
        sample(&text, "sixtyfour_jobs{state=\"completed\"}"),
        Some(cases.len() as f64),
        "{text}"
    );
    assert!(sample(&text, "sixtyfour_research_seconds{quantile=\"0.5\"}").unwrap() > 0.0);
    assert!(sample(&text, "sixtyfour_refusals_total{reason=\"unauthorized\"}").unwrap() >= 2.0);

    // SIGHUP reloads the keys file, even when its modification time says nothing changed.
    let path = dir.path().join("keys.toml");
    let stamp = std::fs::metadata(&path).unwrap().modified().unwrap();
    std::fs::write(
        &path,
        keys(&[("one", "sk-serve-one"), ("two", "sk-serve-two")]),
    )
    .unwrap();
    std::fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(stamp)
        .unwrap();
    assert_eq!(
        get(&serve.base, "sk-serve-two", "/job-status/x").await.0,
        401
    );
    signal(&serve.child, "HUP");
    let deadline = Instant::now() + Duration::from_secs(60);
    while get(&serve.base, "sk-serve-two", "/job-status/x").await.0 != 404 {
        assert!(Instant::now() < deadline, "the new key was never accepted");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // SIGKILL, restart: every finished job is still readable, with the same answer.
    serve.kill();
    let serve = Serve::start(dir.path(), &addr, &[]);
    for row in &rows {
        let mut status = Command::new(BIN);
        status
            .current_dir(dir.path())
            .env("SIXTYFOUR_API_KEY", "sk-serve-one")
            .env_remove("SIXTYFOUR_API_KEY_FILE")
            .args([
                "status",
                row["task_id"].as_str().unwrap(),
                "--base-url",
                &serve.base,
            ]);
        let out = run(status).await;
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let shown: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(shown["status"], "completed");
        assert_eq!(shown["result"]["structured_data"], row["structured_data"]);
    }
    // Re-running the same command resumes from the journal: nothing is submitted again.
    let out = run(command_for(
        &serve.base,
        "sk-serve-one",
        dir.path(),
        &enrich_args,
    ))
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(jsonl_rows(&dir.path().join("out.jsonl")), rows);
    let text = metrics(&serve.base).await;
    assert_eq!(
        sample(
            &text,
            "sixtyfour_submits_total{path=\"/enrich-lead-async\"}"
        ),
        Some(0.0),
        "{text}"
    );

    // SIGTERM with a job running: the process exits 0 and the job goes back to the queue...
    serve.kill();
    let serve = Serve::start(dir.path(), &addr, &["--research-delay", "10m"]);
    let submitted: Value = reqwest::Client::new()
        .post(format!("{}/enrich-lead-async", serve.base))
        .header("x-api-key", "sk-serve-one")
        .json(&json!({"lead_info": cases[1]["lead_info"], "struct": {"email": "The individual's email address"}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let task = submitted["task_id"].as_str().unwrap().to_owned();
    let deadline = Instant::now() + Duration::from_secs(60);
    while get(&serve.base, "sk-serve-one", &format!("/job-status/{task}"))
        .await
        .1["status"]
        != "processing"
    {
        assert!(Instant::now() < deadline, "the job never started");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    signal(&serve.child, "TERM");
    let logs = serve.logs.lines.clone();
    assert_eq!(serve.wait_exit(Duration::from_secs(60)), Some(0));
    assert!(
        logs.lock()
            .unwrap()
            .iter()
            .any(|l| l.contains("running jobs go back to the queue")),
        "{:?}",
        logs.lock().unwrap()
    );
    // ...and the next start researches it for real.
    let serve = Serve::start(dir.path(), &addr, &[]);
    let deadline = Instant::now() + Duration::from_secs(120);
    let done = loop {
        let (_, body) = get(&serve.base, "sk-serve-one", &format!("/job-status/{task}")).await;
        if body["status"] == "completed" {
            break body;
        }
        assert!(
            Instant::now() < deadline,
            "the job put back never completed: {body}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(
        done["result"]["structured_data"]["email"], cases[1]["expected"]["email"],
        "{done}"
    );
    drop(serve);
}
