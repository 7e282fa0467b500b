//! The soak run: an external emulator process (so jobs outlive the CLI), a 500-row batch, the
//! CLI killed with SIGKILL at 20 random moments, then a final run. Prints submits, rows
//! completed, rows unknown, rows submitted more than once and rows with another lead's data;
//! the last two must be 0.
//!
//! `cargo test --release -p sixtyfour-cli --test soak -- --ignored --nocapture`
//! (`SOAK_SEED=n` repeats a sequence of kill moments.)

mod common;

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::*;
use serde_json::Value;

const ROWS: usize = 500;
const KILLS: usize = 20;

/// xorshift64*: enough randomness for kill moments, with a printed seed.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "a soak run of about a minute: run it with --ignored"]
async fn soak_twenty_kills_then_a_final_run() {
    let seed = std::env::var("SOAK_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64)
                | 1
        });
    let mut random = Random(seed);
    let mut emulator = Command::new(BIN)
        .args([
            "emulator",
            "--addr",
            "127.0.0.1:0",
            "--api-key",
            "soak-key",
            "--latency",
            "500ms..4s",
            "--fail-500",
            "0.01",
            "--fail-reset",
            "0.01",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(emulator.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let base = first
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap()
        .to_owned();

    let dir = workdir();
    let mut csv = String::from("name,email,company\n");
    for i in 0..ROWS {
        csv.push_str(&format!(
            "Soak Person {i},soak-{i}@soak.example,Soak Co {}\n",
            i % 13
        ));
    }
    std::fs::write(dir.path().join("leads.csv"), csv).unwrap();
    std::fs::write(
        dir.path().join("fields.json"),
        r#"{"email": "The individual's email address", "title": "The individual's job title"}"#,
    )
    .unwrap();
    let args = [
        "leads.csv",
        "--fields",
        "fields.json",
        "-o",
        "out.jsonl",
        "-j",
        "32",
    ];

    let mut kills = 0;
    for _ in 0..KILLS {
        let mut child = command_for(&base, "soak-key", dir.path(), &args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let moment = Duration::from_millis(20 + random.next() % 1_500);
        let finished = tokio::task::spawn_blocking(move || {
            let started = std::time::Instant::now();
            loop {
                if let Ok(Some(_)) = child.try_wait() {
                    return true;
                }
                if started.elapsed() >= moment {
                    let _ = child.kill();
                    let _ = child.wait();
                    return false;
                }
                std::thread::sleep(Duration::from_millis(5));
            }
        })
        .await
        .unwrap();
        if finished {
            break;
        }
        kills += 1;
    }
    let out = run(command_for(&base, "soak-key", dir.path(), &args)).await;
    let code = out.status.code();

    let jobs: Value = reqwest::get(format!("{base}/_emulator/jobs"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    emulator.kill().unwrap();
    emulator.wait().unwrap();
    let mut per_lead: HashMap<String, Vec<String>> = HashMap::new();
    for job in jobs["jobs"].as_array().unwrap() {
        per_lead
            .entry(job["lead_info"]["email"].as_str().unwrap().to_owned())
            .or_default()
            .push(job["task_id"].as_str().unwrap().to_owned());
    }
    let rows = jsonl_rows(&dir.path().join("out.jsonl"));
    assert_eq!(rows.len(), ROWS, "every row in the output once");
    let submits: usize = per_lead.values().map(Vec::len).sum();
    let completed = rows.iter().filter(|r| r["status"] == "completed").count();
    let unknown = rows.iter().filter(|r| r["status"] == "unknown").count();
    let twice = per_lead.values().filter(|ids| ids.len() > 1).count();
    let foreign = rows
        .iter()
        .filter(|r| {
            r["status"] == "completed"
                && (r["structured_data"]["email"] != r["lead"]["email"]
                    || !per_lead
                        .get(r["lead"]["email"].as_str().unwrap_or_default())
                        .is_some_and(|ids| {
                            ids.iter()
                                .any(|id| Some(id.as_str()) == r["task_id"].as_str())
                        }))
        })
        .count();
    println!(
        "soak (seed {seed}): {ROWS} rows, {kills} kills, final exit {code:?}: submits {submits}, rows completed {completed}, rows unknown {unknown}, rows submitted more than once {twice}, rows with foreign data {foreign}"
    );
    assert_eq!(twice, 0, "rows submitted more than once");
    assert_eq!(foreign, 0, "rows with another lead's data");
    assert_eq!(
        completed + unknown,
        ROWS,
        "every row completed or unknown: {}",
        stderr(&out)
    );
}
