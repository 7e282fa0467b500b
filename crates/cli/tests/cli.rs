//! The real `sixtyfour` binary against an in-process emulator over HTTP on 127.0.0.1: formats,
//! bad input, kill -9 and resume, faults, Ctrl-C and resume.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use serde_json::Value;
use sixtyfour_emulator::{Directory, Emulator, EmulatorHandle, Endpoint, Faults, Latency, Outcome};

const BIN: &str = env!("CARGO_BIN_EXE_sixtyfour");

fn workdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sixtyfour-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const FIELDS: &str = r#"{
  "email": "The individual's email address",
  "title": "The individual's job title",
  "company": "The company the individual is associated with",
  "skills": {"description": "Skills listed on their profile", "type": "list[str]"},
  "age": {"description": "Age in years", "type": "int"}
}"#;

/// Leads from the built-in directory: by email, by LinkedIn, by name and company, and some that
/// match nobody. Returns (CSV text, JSONL text, expected title per row).
fn leads(count: usize) -> (String, String, Vec<String>) {
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
        let mut object = serde_json::Map::new();
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

/// A work directory with `leads.csv` (rows from [`leads`]) and `fields.json`; the expected
/// titles per row.
fn csv_workdir(name: &str, rows: usize) -> (PathBuf, Vec<String>) {
    let dir = workdir(name);
    let (csv, _, titles) = leads(rows);
    std::fs::write(dir.join("leads.csv"), csv).unwrap();
    std::fs::write(dir.join("fields.json"), FIELDS).unwrap();
    (dir, titles)
}

/// After a stop and a resume: every row once, in order; a clean exit with exactly one submit
/// per row, or exit 3 with no row submitted twice when some rows were cut off mid-submit.
fn assert_resumed(out: &Output, rows: &[Value], emulator: &EmulatorHandle, total: u64) {
    let numbers: Vec<u64> = rows.iter().map(|r| r["row"].as_u64().unwrap()).collect();
    assert_eq!(
        numbers,
        (1..=total).collect::<Vec<_>>(),
        "every row exactly once, in order"
    );
    let completed = rows.iter().filter(|r| r["status"] == "completed").count() as u64;
    let unknown = rows.iter().filter(|r| r["status"] == "unknown").count() as u64;
    assert_eq!(completed + unknown, total);
    let submits = emulator.stats().total_submits();
    assert!(
        submits <= total && submits >= completed,
        "{submits} submits for {completed} completed rows"
    );
    if unknown == 0 {
        assert_eq!(submits, total, "exactly one submit per row");
        assert_eq!(out.status.code(), Some(0), "{}", stderr(out));
    } else {
        assert_eq!(out.status.code(), Some(3), "{}", stderr(out));
    }
}

fn command(emulator: &EmulatorHandle, dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(BIN);
    command
        .current_dir(dir)
        .env("SIXTYFOUR_API_KEY", emulator.api_key())
        .env_remove("SIXTYFOUR_BASE_URL")
        .args([
            "enrich",
            "--base-url",
            &emulator.base_url(),
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

async fn run(mut command: Command) -> Output {
    tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap()
}

fn jsonl_rows(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn csv_and_jsonl_in_jsonl_and_csv_out() {
    let emulator = Emulator::builder()
        .latency(Latency::Range(
            Duration::from_millis(10),
            Duration::from_millis(40),
        ))
        .spawn()
        .await
        .unwrap();
    let dir = workdir("formats");
    let (csv, jsonl, titles) = leads(24);
    std::fs::write(dir.join("leads.csv"), csv).unwrap();
    std::fs::write(dir.join("leads.jsonl"), jsonl).unwrap();
    std::fs::write(dir.join("fields.json"), FIELDS).unwrap();

    let out = run(command(
        &emulator,
        &dir,
        &[
            "leads.csv",
            "--fields",
            "fields.json",
            "-o",
            "out.jsonl",
            "-j",
            "5",
        ],
    ))
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let rows = jsonl_rows(&dir.join("out.jsonl"));
    assert_eq!(rows.len(), 24);
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(row["row"], i + 1);
        assert_eq!(row["status"], "completed");
        assert_eq!(
            row["structured_data"]["title"],
            titles[i].as_str(),
            "row {}",
            i + 1
        );
        assert!(row["task_id"].as_str().unwrap().len() == 36);
        if titles[i].is_empty() {
            assert_eq!(row["structured_data"]["age"], Value::Null);
        } else {
            assert!(row["structured_data"]["age"].is_u64());
            assert!(row["structured_data"]["skills"].is_array());
        }
    }
    assert_eq!(emulator.stats().total_submits(), 24);

    let out = run(command(
        &emulator,
        &dir,
        &["leads.jsonl", "--fields", "fields.json", "-o", "out.csv"],
    ))
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let mut reader = csv::Reader::from_path(dir.join("out.csv")).unwrap();
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        header,
        [
            "email",
            "linkedin",
            "name",
            "company",
            "enriched.email",
            "title",
            "enriched.company",
            "skills",
            "age",
            "confidence_score",
            "status",
            "error"
        ]
    );
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), 24);
    for (i, record) in records.iter().enumerate() {
        assert_eq!(&record[5], titles[i].as_str());
        assert_eq!(&record[10], "completed");
        if !titles[i].is_empty() {
            assert!(
                record[7].starts_with('['),
                "lists are JSON text: {}",
                &record[7]
            );
        }
    }
    assert_eq!(emulator.stats().total_submits(), 48);

    // The same command again resumes from the journal: nothing is submitted twice.
    let out = run(command(
        &emulator,
        &dir,
        &["leads.jsonl", "--fields", "fields.json", "-o", "out.csv"],
    ))
    .await;
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(emulator.stats().total_submits(), 48);
    assert_eq!(
        std::fs::read_to_string(dir.join("out.csv"))
            .unwrap()
            .lines()
            .count(),
        25
    );

    // A different input with the same journal is refused.
    std::fs::write(dir.join("leads.jsonl"), "{\"name\": \"Someone Else\"}\n").unwrap();
    let out = run(command(
        &emulator,
        &dir,
        &["leads.jsonl", "--fields", "fields.json", "-o", "out.csv"],
    ))
    .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("belongs to a different run"),
        "{}",
        stderr(&out)
    );
    assert_eq!(emulator.stats().total_submits(), 48);
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_input_exits_2_with_a_line_number_and_submits_nothing() {
    let emulator = Emulator::builder().spawn().await.unwrap();
    let dir = workdir("bad");
    let cases: [(&str, &str, &str, &str); 11] = [
        (
            "a.csv",
            "name,company\nAda,Lanternfish\nBo\n",
            FIELDS,
            "line 3: expected 2 cells like the header, found 1",
        ),
        (
            "b.csv",
            "name,company\nAda,Lanternfish\n,\n",
            FIELDS,
            "line 3: the row has no values",
        ),
        (
            "c.csv",
            "name,name\nAda,Lanternfish\n",
            FIELDS,
            "line 1: the header names `name` twice",
        ),
        (
            "d.jsonl",
            "{\"name\": \"Ada\"}\n{\"name\": \n",
            FIELDS,
            "line 2: not valid JSON",
        ),
        (
            "e.jsonl",
            "{\"name\": \"Ada\"}\n\n\"Bo\"\n",
            FIELDS,
            "line 3: expected a JSON object",
        ),
        (
            "f.jsonl",
            "{}\n",
            FIELDS,
            "line 1: the lead is an empty object",
        ),
        ("g.jsonl", "", FIELDS, "the input has no leads"),
        (
            "h.jsonl",
            "{\"name\": \"Ada\"}\n",
            "{\"age\": {\"type\": \"number\"}}",
            "field `age`: unknown type `number`",
        ),
        (
            "i.jsonl",
            "{\"name\": \"Ada\"}\n",
            "{\n  \"age\": \n",
            "line 3: not valid JSON",
        ),
        (
            "j.jsonl",
            "{\"name\": \"Ada\"}\n",
            "{}",
            "the fields object is empty",
        ),
        ("k.txt", "name\nAda\n", FIELDS, "cannot tell the format"),
    ];
    for (file, input, fields, expected) in cases {
        std::fs::write(dir.join(file), input).unwrap();
        std::fs::write(dir.join("fields.json"), fields).unwrap();
        let out = run(command(&emulator, &dir, &[file, "--fields", "fields.json"])).await;
        assert_eq!(out.status.code(), Some(2), "{file}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(expected),
            "{file}: {} should contain {expected}",
            stderr(&out)
        );
    }
    let out = run(command(
        &emulator,
        &dir,
        &["missing.csv", "--fields", "fields.json"],
    ))
    .await;
    assert_eq!(out.status.code(), Some(2));
    let out = run(command(&emulator, &dir, &["a.csv"])).await;
    assert_eq!(
        out.status.code(),
        Some(2),
        "a missing --fields is a usage error"
    );
    assert_eq!(emulator.stats().requests, 0);
    assert_eq!(emulator.stats().total_submits(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn kill_9_then_the_same_command_finishes_every_row_once() {
    let emulator = Emulator::builder()
        .latency(Latency::Fixed(Duration::from_millis(500)))
        .spawn()
        .await
        .unwrap();
    let (dir, titles) = csv_workdir("kill", 60);
    let args = [
        "leads.csv",
        "--fields",
        "fields.json",
        "-o",
        "out.jsonl",
        "-j",
        "8",
    ];

    let mut child = command(&emulator, &dir, &args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    child.kill().unwrap();
    child.wait().unwrap();
    let at_kill = emulator.stats();
    assert!(
        at_kill.total_submits() > 0 && at_kill.total_submits() < 60,
        "killed mid-run: {}",
        at_kill.total_submits()
    );
    assert!(dir.join("out.jsonl.journal.sqlite").exists());
    assert!(!dir.join("out.jsonl").exists());

    let out = run(command(&emulator, &dir, &args)).await;
    let rows = jsonl_rows(&dir.join("out.jsonl"));
    assert_resumed(&out, &rows, &emulator, 60);
    for (i, row) in rows.iter().enumerate() {
        if row["status"] == "completed" {
            assert_eq!(row["structured_data"]["title"], titles[i].as_str());
        } else {
            // Cut off mid-submit: reported, never sent twice.
            assert!(row["error"].as_str().unwrap().contains("the job may exist"));
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn faults_lose_nothing_and_failed_rows_are_reported() {
    let emulator = Emulator::builder()
        .time_scale(0.05)
        .latency(Latency::Fixed(Duration::from_secs(1)))
        .faults(Faults {
            rate_limit: 0.05,
            job_failure: 0.2,
            ..Faults::default()
        })
        .seed(3)
        .spawn()
        .await
        .unwrap();
    let mut status_faults = Vec::new();
    for _ in 0..15 {
        status_faults.extend([
            Outcome::Error500,
            Outcome::Ok,
            Outcome::Reset,
            Outcome::Error503,
            Outcome::Ok,
            Outcome::Ok,
        ]);
    }
    emulator.script(Endpoint::Status, status_faults);
    let dir = workdir("faults");
    let (_, jsonl, _) = leads(40);
    std::fs::write(dir.join("leads.jsonl"), jsonl).unwrap();
    std::fs::write(dir.join("fields.json"), FIELDS).unwrap();
    let out = run(command(
        &emulator,
        &dir,
        &[
            "leads.jsonl",
            "--fields",
            "fields.json",
            "-o",
            "out.jsonl",
            "-j",
            "6",
        ],
    ))
    .await;
    let rows = jsonl_rows(&dir.join("out.jsonl"));
    assert_eq!(rows.len(), 40);
    let failed: Vec<&Value> = rows.iter().filter(|r| r["status"] == "failed").collect();
    let completed = rows.iter().filter(|r| r["status"] == "completed").count();
    assert_eq!(failed.len() + completed, 40, "no row lost or unknown");
    assert!(!failed.is_empty(), "the injected job failures show up");
    for row in &failed {
        assert!(row["error"].as_str().unwrap().contains("failed"));
    }
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let stats = emulator.stats();
    assert_eq!(stats.total_submits(), 40, "one accepted submit per row");
    assert_eq!(stats.jobs_created, 40);
    assert!(stats.faults.error_500 > 0 && stats.faults.reset > 0 && stats.faults.error_503 > 0);
    assert!(stats.faults.rate_limit > 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_stops_then_the_same_command_resumes() {
    let emulator = Emulator::builder()
        .latency(Latency::Fixed(Duration::from_millis(400)))
        .spawn()
        .await
        .unwrap();
    let (dir, _) = csv_workdir("sigint", 40);
    let args = [
        "leads.csv",
        "--fields",
        "fields.json",
        "-o",
        "out.jsonl",
        "-j",
        "4",
    ];
    let child = command(&emulator, &dir, &args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    tokio::time::sleep(Duration::from_millis(700)).await;
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", stderr(&out));
    assert!(stderr(&out).contains("Resume with:"), "{}", stderr(&out));
    assert!(stderr(&out).contains("enrich") && stderr(&out).contains("leads.csv"));
    let submitted_before = emulator.stats().total_submits();
    assert!(submitted_before < 40);

    let out = run(command(&emulator, &dir, &args)).await;
    let rows = jsonl_rows(&dir.join("out.jsonl"));
    assert_resumed(&out, &rows, &emulator, 40);
}

#[test]
fn help_documents_the_exit_codes() {
    let out = Command::new(BIN)
        .args(["enrich", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for line in [
        "0    every row completed",
        "1    some rows failed",
        "2    bad usage",
        "3    rows left unknown",
        "130  interrupted",
    ] {
        assert!(help.contains(line), "{help}");
    }
    let names: BTreeSet<&str> = [
        "--emulator",
        "--resubmit-unknown",
        "--journal",
        "--rate-limit",
        "--deadline",
        "--base-url",
    ]
    .into();
    for name in names {
        assert!(help.contains(name), "{name} missing from --help");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_emulator_subcommand_serves_the_api() {
    use std::io::{BufRead, BufReader};
    let mut child = Command::new(BIN)
        .args([
            "emulator",
            "--addr",
            "127.0.0.1:0",
            "--api-key",
            "cli-key",
            "--latency",
            "5ms",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let base = first
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap()
        .to_owned();
    let answer: Value = reqwest::Client::new()
        .post(format!("{base}/enrich-lead"))
        .header("x-api-key", "cli-key")
        .json(&serde_json::json!({"lead_info": {"email": "rafael.nunez@lanternfish.example"}, "struct": {"title": "Job title"}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(answer["structured_data"]["title"], "CEO & Co-Founder");
    child.kill().unwrap();
    child.wait().unwrap();
}
