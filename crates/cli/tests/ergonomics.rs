//! The everyday flags and subcommands, each on the real binary: stdin and stdout, delimiters,
//! `--limit`, `--dry-run`, `--tier` and `--max-iterations`, durations with units, conflicting
//! flags, poll settings, `status`, `wait`, `schema` and shell completions.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use common::*;
use serde_json::Value;
use sixtyfour_emulator::Emulator;

/// Runs a command with `input` on stdin; returns the output.
async fn piped(mut command: Command, input: String) -> std::process::Output {
    tokio::task::spawn_blocking(move || {
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap()
}

fn stdout_rows(out: &std::process::Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn stdin_to_stdout_in_a_pipeline() {
    let emulator = Emulator::builder().spawn().await.unwrap();
    let dir = workdir();
    std::fs::write(dir.path().join("fields.json"), FIELDS).unwrap();
    let (csv, jsonl, titles) = leads(8);

    // CSV on stdin, JSONL on stdout; the journal defaults to the current directory.
    let out = piped(
        command(&emulator, dir.path(), &["-", "--fields", "fields.json"]),
        csv.clone(),
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let rows = stdout_rows(&out);
    assert_eq!(rows.len(), 8);
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(row["structured_data"]["title"], titles[i].as_str());
    }
    assert!(dir.path().join("sixtyfour.journal.sqlite").exists());
    // Again: from the journal, nothing paid twice.
    let out = piped(
        command(
            &emulator,
            dir.path(),
            &["-", "--fields", "fields.json", "-o", "-"],
        ),
        csv,
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let rows = stdout_rows(&out);
    assert_eq!(rows.len(), 8);
    assert_eq!(assert_one_job_per_row(&rows, &jobs_per_lead(&emulator)), 8);
    assert_jobs_per_row(&rows, &jobs_per_lead(&emulator), 1);

    // JSONL is recognised on stdin; CSV can be asked for on stdout.
    let out = piped(
        command(
            &emulator,
            dir.path(),
            &[
                "-",
                "--fields",
                "fields.json",
                "-o",
                "-",
                "--output-format",
                "csv",
                "--journal",
                "other.journal",
            ],
        ),
        jsonl,
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    assert!(reader.headers().unwrap().iter().any(|h| h == "title"));
    assert_eq!(reader.records().count(), 8);
}

#[tokio::test(flavor = "multi_thread")]
async fn semicolon_and_tab_separated_files_are_read() {
    let emulator = Emulator::builder().spawn().await.unwrap();
    let dir = workdir();
    std::fs::write(dir.path().join("fields.json"), FIELDS).unwrap();
    std::fs::write(
        dir.path().join("crm.csv"),
        "name;company;email\nRafael Núñez;Lanternfish Labs;\n\"Quill; Mara\";Kestrel Freight;\n",
    )
    .unwrap();
    let out = run(command(
        &emulator,
        dir.path(),
        &["crm.csv", "--fields", "fields.json", "-o", "out.jsonl"],
    ))
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let rows = jsonl_rows(&dir.path().join("out.jsonl"));
    assert_eq!(
        rows[0]["lead"],
        serde_json::json!({"name": "Rafael Núñez", "company": "Lanternfish Labs"})
    );
    assert_eq!(rows[0]["structured_data"]["title"], "CEO & Co-Founder");
    assert_eq!(rows[1]["lead"]["name"], "Quill; Mara");

    std::fs::write(
        dir.path().join("crm.txt"),
        "name\tcompany\nRafael Núñez\tLanternfish Labs\n",
    )
    .unwrap();
    let out = run(command(
        &emulator,
        dir.path(),
        &[
            "crm.txt",
            "--fields",
            "fields.json",
            "-o",
            "tab.jsonl",
            "--input-format",
            "csv",
            "--delimiter",
            "tab",
        ],
    ))
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        jsonl_rows(&dir.path().join("tab.jsonl"))[0]["lead"]["company"],
        "Lanternfish Labs"
    );
    let out = run(command(
        &emulator,
        dir.path(),
        &["crm.csv", "--fields", "fields.json", "--delimiter", "ab"],
    ))
    .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("is not a delimiter"),
        "{}",
        stderr(&out)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn limit_takes_the_first_rows_and_the_next_run_the_rest() {
    let emulator = Emulator::builder().spawn().await.unwrap();
    let (dir, titles) = csv_workdir(12);
    let out = run(command(
        &emulator,
        dir.path(),
        &[
            "leads.csv",
            "--fields",
            "fields.json",
            "-o",
            "out.jsonl",
            "--limit",
            "5",
        ],
    ))
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let rows = jsonl_rows(&dir.path().join("out.jsonl"));
    assert_eq!(rows.len(), 5);
    assert_eq!(rows[4]["structured_data"]["title"], titles[4].as_str());
    assert_eq!(assert_one_job_per_row(&rows, &jobs_per_lead(&emulator)), 5);
    assert_eq!(emulator.stats().total_submits(), 5);
    let out = run(command(
        &emulator,
        dir.path(),
        &["leads.csv", "--fields", "fields.json", "-o", "out.jsonl"],
    ))
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let rows = jsonl_rows(&dir.path().join("out.jsonl"));
    assert_eq!(assert_one_job_per_row(&rows, &jobs_per_lead(&emulator)), 12);
    assert_jobs_per_row(&rows, &jobs_per_lead(&emulator), 1);
    // The whole input is checked even with a limit.
    std::fs::write(
        dir.path().join("bad.csv"),
        "name,company\nAda,L\nBo,M\nCy\n",
    )
    .unwrap();
    let out = run(command(
        &emulator,
        dir.path(),
        &["bad.csv", "--fields", "fields.json", "--limit", "1"],
    ))
    .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("line 4"), "{}", stderr(&out));
    let out = run(command(
        &emulator,
        dir.path(),
        &["leads.csv", "--fields", "fields.json", "--limit", "0"],
    ))
    .await;
    assert_eq!(out.status.code(), Some(2));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dry_run_sends_nothing_writes_nothing_and_counts_the_jobs() {
    let emulator = Emulator::builder().spawn().await.unwrap();
    let (dir, _) = csv_workdir(10);
    let dry = [
        "leads.csv",
        "--fields",
        "fields.json",
        "-o",
        "out.jsonl",
        "--dry-run",
        "--research-plan",
        "Check the website.",
    ];
    let out = run(command(&emulator, dir.path(), &dry)).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["rows"], 10);
    assert_eq!(report["jobs_to_submit"], 10);
    assert_eq!(
        report["first_request"]["lead_info"]["email"],
        "rafael.nunez@lanternfish.example"
    );
    assert_eq!(
        report["first_request"]["research_plan"],
        "Check the website."
    );
    assert!(report["first_request"]["struct"]["skills"].is_object());
    assert!(
        stderr(&out).contains("10 jobs would be submitted"),
        "{}",
        stderr(&out)
    );
    assert_eq!(emulator.stats().requests, 0, "a dry run sends nothing");
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "nothing written: {names:?}");

    // After a run of 4, a dry run counts the 6 left.
    let run_args = [
        "leads.csv",
        "--fields",
        "fields.json",
        "-o",
        "out.jsonl",
        "--research-plan",
        "Check the website.",
        "--limit",
        "4",
    ];
    let out = run(command(&emulator, dir.path(), &run_args)).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let requests = emulator.stats().requests;
    let out = run(command(&emulator, dir.path(), &dry)).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (
            report["jobs_to_submit"].as_u64(),
            report["rows_finished"].as_u64()
        ),
        (Some(6), Some(4))
    );
    assert_eq!(emulator.stats().requests, requests);
}

#[tokio::test(flavor = "multi_thread")]
async fn tier_and_max_iterations_are_sent_with_every_lead() {
    let fake = Fake::start(Mode::Accept).await;
    let (dir, _) = csv_workdir(3);
    let out = run(command_for(
        &fake.url(),
        "key",
        dir.path(),
        &[
            "leads.csv",
            "--fields",
            "fields.json",
            "-o",
            "out.jsonl",
            "--tier",
            "high",
            "--max-iterations",
            "3",
        ],
    ))
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let bodies = fake.bodies();
    assert_eq!(bodies.len(), 3);
    for body in &bodies {
        assert_eq!(body["tier"], "high");
        assert_eq!(body["max_iterations"], 3);
    }
    // Another tier is other work: the rows are sent again with it.
    let out = run(command_for(
        &fake.url(),
        "key",
        dir.path(),
        &[
            "leads.csv",
            "--fields",
            "fields.json",
            "-o",
            "out.jsonl",
            "--tier",
            "low",
        ],
    ))
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(fake.posts(), 6);
    for bad in [["--tier", "extreme"], ["--max-iterations", "0"]] {
        let mut args = vec!["leads.csv", "--fields", "fields.json"];
        args.extend(bad);
        let out = run(command_for(&fake.url(), "key", dir.path(), &args)).await;
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_flags_are_refused_before_anything_happens() {
    let emulator = Emulator::builder().spawn().await.unwrap();
    let (dir, _) = csv_workdir(2);
    let cases: [(&[&str], &str); 7] = [
        (
            &["--deadline", "5"],
            "`5` has no unit: write 5s (seconds), 5m (minutes) or 5ms",
        ),
        (&["--job-timeout", "20"], "has no unit"),
        (
            &["--poll-initial", "0ms", "--poll-max", "0ms"],
            "would poll without pause",
        ),
        (
            &["--poll-initial", "2s", "--poll-max", "1s"],
            "shorter than --poll-initial",
        ),
        (&["--emulator-latency", "1s"], "--emulator"),
        (&["-j", "0"], "-j"),
        (&["--status-every", "10ms"], "--status-every"),
    ];
    for (extra, want) in cases {
        let mut command = Command::new(BIN);
        command
            .current_dir(dir.path())
            .env("SIXTYFOUR_API_KEY", emulator.api_key())
            .args([
                "enrich",
                "leads.csv",
                "--fields",
                "fields.json",
                "--base-url",
                &emulator.base_url(),
            ])
            .args(extra);
        let out = run(command).await;
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(want), "{extra:?}: {}", stderr(&out));
    }
    // --emulator with --base-url: one or the other.
    let out = run(offline(
        dir.path(),
        &[
            "leads.csv",
            "--fields",
            "fields.json",
            "--base-url",
            "http://127.0.0.1:1",
        ],
    ))
    .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("cannot be used with"),
        "{}",
        stderr(&out)
    );
    // ... but SIXTYFOUR_BASE_URL in the environment does not stop --emulator.
    let mut command = offline(
        dir.path(),
        &[
            "leads.csv",
            "--fields",
            "fields.json",
            "-o",
            "x.jsonl",
            "-q",
        ],
    );
    command.env("SIXTYFOUR_BASE_URL", "http://127.0.0.1:1");
    let out = run(command).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(emulator.stats().requests, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn status_and_wait_follow_one_job() {
    let emulator = Emulator::builder().spawn().await.unwrap();
    let submitted: Value = reqwest::Client::new()
        .post(format!("{}/enrich-lead-async", emulator.base_url()))
        .header("x-api-key", emulator.api_key())
        .json(&serde_json::json!({"lead_info": {"email": "rafael.nunez@lanternfish.example"}, "struct": {"title": "Job title"}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = submitted["task_id"].as_str().unwrap().to_owned();
    let job = |sub: &str, id: &str, key: &str, extra: &[&str]| {
        let mut command = Command::new(BIN);
        command
            .env("SIXTYFOUR_API_KEY", key)
            .env_remove("SIXTYFOUR_API_KEY_FILE")
            .args([sub, id, "--base-url", &emulator.base_url()])
            .args(extra);
        command
    };
    let out = run(job(
        "wait",
        &id,
        emulator.api_key(),
        &["--poll-initial", "20ms", "--poll-max", "100ms"],
    ))
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let result: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(result["structured_data"]["title"], "CEO & Co-Founder");

    let out = run(job("status", &id, emulator.api_key(), &[])).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let status: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(status["status"], "completed");
    assert_eq!(status["task_id"], id.as_str());
    assert_eq!(
        status["result"]["structured_data"]["title"],
        "CEO & Co-Founder"
    );

    let unknown = "00000000-0000-4000-8000-000000000000";
    assert_eq!(
        run(job("status", unknown, emulator.api_key(), &[]))
            .await
            .status
            .code(),
        Some(1)
    );
    assert_eq!(
        run(job(
            "wait",
            unknown,
            emulator.api_key(),
            &["--poll-initial", "20ms"]
        ))
        .await
        .status
        .code(),
        Some(1)
    );
    assert_eq!(
        run(job("status", &id, "wrong-key", &[]))
            .await
            .status
            .code(),
        Some(4)
    );
    assert_eq!(
        run(job("status", "a b", emulator.api_key(), &[]))
            .await
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        run(job("wait", &id, emulator.api_key(), &["--deadline", "5"]))
            .await
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn schema_prints_each_fields_type_and_its_source() {
    let dir = workdir();
    std::fs::write(
        dir.path().join("fields.json"),
        r#"{"age": "Age in years", "score": 95.5, "verified": {"description": "Verified", "type": "bool"}, "email": "Work email"}"#,
    )
    .unwrap();
    std::fs::write(
        dir.path().join("lead.json"),
        r#"{"age": 41, "name": "Ada"}"#,
    )
    .unwrap();
    let out = Command::new(BIN)
        .current_dir(dir.path())
        .args(["schema", "fields.json", "--lead", "lead.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<Vec<&str>> = text
        .lines()
        .map(|l| {
            l.split("  ")
                .filter(|c| !c.trim().is_empty())
                .map(str::trim)
                .collect()
        })
        .collect();
    assert_eq!(lines[0], ["field", "type", "from", "description"]);
    assert_eq!(
        lines[1],
        ["age", "int", "input (the lead's value)", "Age in years"]
    );
    assert_eq!(lines[2], ["score", "float", "inferred (the example value)"]);
    assert_eq!(
        lines[3],
        [
            "verified",
            "bool",
            "explicit (the field's \"type\")",
            "Verified"
        ]
    );
    assert_eq!(lines[4], ["email", "str", "default (str)", "Work email"]);
    let out = Command::new(BIN)
        .current_dir(dir.path())
        .args(["schema", "fields.json"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .nth(1)
            .unwrap()
            .contains("default (str)")
    );
    std::fs::write(
        dir.path().join("bad.json"),
        r#"{"age": {"type": "number"}}"#,
    )
    .unwrap();
    let out = Command::new(BIN)
        .current_dir(dir.path())
        .args(["schema", "bad.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown type `number`"));
}

#[test]
fn shell_completions_are_printed() {
    for (shell, marker) in [
        ("bash", "_sixtyfour()"),
        ("zsh", "#compdef sixtyfour"),
        ("fish", "complete -c sixtyfour"),
    ] {
        let out = Command::new(BIN)
            .args(["completions", shell])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
        let script = String::from_utf8_lossy(&out.stdout);
        assert!(script.contains(marker), "{shell}: {script}");
        assert!(
            script.contains("enrich") && script.contains("resubmit-unknown"),
            "{shell}"
        );
    }
}
