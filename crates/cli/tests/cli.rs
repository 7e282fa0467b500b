//! The real `sixtyfour` binary against an emulator over HTTP on 127.0.0.1: formats, column
//! names, bad input, kill -9 and resume, faults, help and the emulator subcommand.

mod common;

use std::collections::BTreeSet;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::*;
use serde_json::Value;
use sixtyfour_emulator::{Emulator, Endpoint, Faults, Latency, Outcome};

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
    let dir = workdir();
    let (csv, jsonl, titles) = leads(24);
    std::fs::write(dir.path().join("leads.csv"), csv).unwrap();
    std::fs::write(dir.path().join("leads.jsonl"), jsonl).unwrap();
    std::fs::write(dir.path().join("fields.json"), FIELDS).unwrap();

    let out = run(command(
        &emulator,
        dir.path(),
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
    let rows = jsonl_rows(&dir.path().join("out.jsonl"));
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
        assert_eq!(row["task_id"].as_str().unwrap().len(), 36);
        if titles[i].is_empty() {
            // A lead nobody knows: completed, with empty fields and a low confidence.
            assert_eq!(row["structured_data"]["age"], Value::Null);
            assert_eq!(row["structured_data"]["email"], "");
            assert!(row["confidence_score"].as_f64().unwrap() < 1.0, "{row}");
        } else {
            assert!(row["structured_data"]["age"].is_u64());
            assert!(row["structured_data"]["skills"].is_array());
        }
    }
    assert_eq!(assert_one_job_per_row(&rows, &jobs_per_lead(&emulator)), 24);

    let out = run(command(
        &emulator,
        dir.path(),
        &["leads.jsonl", "--fields", "fields.json", "-o", "out.csv"],
    ))
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let mut reader = csv::Reader::from_path(dir.path().join("out.csv")).unwrap();
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
            "error",
            "task_id"
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
    // Another output has another journal (beside it): the leads are sent again.
    assert_jobs_per_row(&rows, &jobs_per_lead(&emulator), 2);

    // The same command again resumes from the journal: nothing is submitted twice.
    let out = run(command(
        &emulator,
        dir.path(),
        &["leads.jsonl", "--fields", "fields.json", "-o", "out.csv"],
    ))
    .await;
    assert_eq!(out.status.code(), Some(0));
    assert_jobs_per_row(&rows, &jobs_per_lead(&emulator), 2);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("out.csv"))
            .unwrap()
            .lines()
            .count(),
        25
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn csv_columns_never_repeat_whatever_the_input_and_fields_are_called() {
    let emulator = Emulator::builder().spawn().await.unwrap();
    let dir = workdir();
    std::fs::write(
        dir.path().join("leads.csv"),
        "email,status,error,confidence_score,task_id\nrafael.nunez@lanternfish.example,vip,none,high,crm-1\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("fields.json"),
        r#"{"title": "Job title", "status": "Employment status", "enriched.status": "Odd name", "task_id": "Also odd"}"#,
    )
    .unwrap();
    let out = run(command(
        &emulator,
        dir.path(),
        &["leads.csv", "--fields", "fields.json", "-o", "out.csv"],
    ))
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let mut reader = csv::Reader::from_path(dir.path().join("out.csv")).unwrap();
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
            "status",
            "error",
            "confidence_score",
            "task_id",
            "title",
            "enriched.status",
            "enriched.enriched.status",
            "enriched.task_id",
            "sixtyfour.confidence_score",
            "sixtyfour.status",
            "sixtyfour.error",
            "sixtyfour.task_id"
        ]
    );
    let unique: BTreeSet<&String> = header.iter().collect();
    assert_eq!(unique.len(), header.len());
    let record = reader.records().next().unwrap().unwrap();
    assert_eq!(&record[1], "vip", "the input's own status column is kept");
    assert_eq!(&record[5], "CEO & Co-Founder");
    assert_eq!(&record[10], "completed");
    assert_eq!(record[12].len(), 36);
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_input_exits_2_with_a_line_number_and_submits_nothing() {
    let emulator = Emulator::builder().spawn().await.unwrap();
    let dir = workdir();
    let cases: [(&str, &str, &str, &str); 12] = [
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
        (
            "l.jsonl",
            "{\"name\": \"Ada\"}\n{\"name\": \"  \", \"email\": null}\n",
            FIELDS,
            "line 2: Invalid lead information: the lead has no facts",
        ),
    ];
    for (file, input, fields, expected) in cases {
        std::fs::write(dir.path().join(file), input).unwrap();
        std::fs::write(dir.path().join("fields.json"), fields).unwrap();
        let out = run(command(
            &emulator,
            dir.path(),
            &[file, "--fields", "fields.json"],
        ))
        .await;
        assert_eq!(out.status.code(), Some(2), "{file}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(expected),
            "{file}: {} should contain {expected}",
            stderr(&out)
        );
    }
    let out = run(command(
        &emulator,
        dir.path(),
        &["missing.csv", "--fields", "fields.json"],
    ))
    .await;
    assert_eq!(out.status.code(), Some(2));
    let out = run(command(&emulator, dir.path(), &["a.csv"])).await;
    assert_eq!(
        out.status.code(),
        Some(2),
        "a missing --fields is a usage error"
    );
    assert_eq!(emulator.stats().requests, 0);
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names.iter().all(|n| !n.contains("journal")),
        "a mistake leaves no journal: {names:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn kill_9_then_the_same_command_finishes_every_row_once() {
    let emulator = Emulator::builder()
        .latency(Latency::Fixed(Duration::from_millis(500)))
        .spawn()
        .await
        .unwrap();
    let (dir, titles) = csv_workdir(60);
    let args = [
        "leads.csv",
        "--fields",
        "fields.json",
        "-o",
        "out.jsonl",
        "-j",
        "8",
    ];

    let mut child = command(&emulator, dir.path(), &args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_until("a dozen submits", Duration::from_secs(120), || {
        emulator.stats().total_submits() >= 12
    })
    .await;
    child.kill().unwrap();
    child.wait().unwrap();
    let at_kill = emulator.stats().total_submits();
    assert!(at_kill < 60, "killed mid-run: {at_kill}");
    assert!(dir.path().join("out.jsonl.journal.sqlite").exists());
    assert!(!dir.path().join("out.jsonl").exists());

    let out = run(command(&emulator, dir.path(), &args)).await;
    let rows = jsonl_rows(&dir.path().join("out.jsonl"));
    assert_eq!(rows.len(), 60);
    let jobs = jobs_per_lead(&emulator);
    assert_one_job_per_row(&rows, &jobs);
    let mut unknown = 0;
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(row["row"], i + 1);
        match row["status"].as_str().unwrap() {
            "completed" => assert_eq!(row["structured_data"]["title"], titles[i].as_str()),
            "unknown" => {
                // Cut off mid-submit: reported, never sent twice.
                unknown += 1;
                assert_eq!(row["error_class"], "interrupted", "{row}");
            }
            other => panic!("row {}: {other}", i + 1),
        }
    }
    assert_eq!(
        out.status.code(),
        Some(if unknown == 0 { 0 } else { 3 }),
        "{}",
        stderr(&out)
    );
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
    let dir = workdir();
    let (_, jsonl, _) = leads(40);
    std::fs::write(dir.path().join("leads.jsonl"), jsonl).unwrap();
    std::fs::write(dir.path().join("fields.json"), FIELDS).unwrap();
    let args = [
        "leads.jsonl",
        "--fields",
        "fields.json",
        "-o",
        "out.jsonl",
        "-j",
        "6",
    ];
    let out = run(command(&emulator, dir.path(), &args)).await;
    let rows = jsonl_rows(&dir.path().join("out.jsonl"));
    assert_eq!(rows.len(), 40);
    let failed: Vec<&Value> = rows.iter().filter(|r| r["status"] == "failed").collect();
    let completed = rows.iter().filter(|r| r["status"] == "completed").count();
    assert_eq!(failed.len() + completed, 40, "no row lost or unknown");
    assert!(!failed.is_empty(), "the injected job failures show up");
    for row in &failed {
        assert!(row["error"].as_str().unwrap().contains("failed"));
        assert_eq!(row["error_class"], "definite");
    }
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("--retry-failed"), "{}", stderr(&out));
    let stats = emulator.stats();
    assert_eq!(
        assert_one_job_per_row(&rows, &jobs_per_lead(&emulator)),
        40,
        "one accepted submit per row"
    );
    assert!(stats.faults.error_500 > 0 && stats.faults.reset > 0 && stats.faults.error_503 > 0);
    assert!(stats.faults.rate_limit > 0);

    // --retry-failed sends the failed rows, and only them, again.
    emulator.set_faults(Faults::default()).unwrap();
    let mut retry = args.to_vec();
    retry.push("--retry-failed");
    let out = run(command(&emulator, dir.path(), &retry)).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let jobs = jobs_per_lead(&emulator);
    for row in rows.iter() {
        let n = jobs[&lead_key(&row["lead"])].len();
        assert_eq!(n, if row["status"] == "failed" { 2 } else { 1 }, "{row}");
    }
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
        "2    bad usage or input",
        "3    unfinished",
        "4    stopped by the account",
        "5    the journal or the output could not be written",
        "130  interrupted",
    ] {
        assert!(help.contains(line), "{help}");
    }
    for name in [
        "--emulator",
        "--resubmit-unknown",
        "--retry-failed",
        "--journal",
        "--rebind",
        "--id-column",
        "--rate-limit",
        "--deadline",
        "--base-url",
    ] {
        assert!(help.contains(name), "{name} missing from --help");
    }
    // The defaults the README states.
    let flat = help.split_whitespace().collect::<Vec<_>>().join(" ");
    for (flag, default) in [
        ("--jobs", "ceiling"),
        ("--jobs", "at most 4000"),
        ("--job-timeout", "[default: 20m]"),
        ("--status-every", "[default: 5s]"),
    ] {
        let at = flat.find(flag).unwrap_or_else(|| panic!("{flag}: {help}"));
        let next = flat[at + flag.len()..]
            .find(" --")
            .map_or(flat.len(), |n| at + flag.len() + n);
        assert!(flat[at..next].contains(default), "{flag} {default}: {help}");
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

/// A cell that a spreadsheet would run (`=cmd|...`, `@SUM`, `+1 ...`), from the input or from an
/// answer, is written to a CSV output with a leading `'`; the JSONL output keeps it exactly.
#[tokio::test(flavor = "multi_thread")]
async fn formula_cells_are_inert_in_csv_and_exact_in_jsonl() {
    let dir = workdir();
    let formula = "=cmd|' /C calc'!A0";
    std::fs::write(
        dir.path().join("leads.csv"),
        format!("name,company,note\nAda Quill,Kestrel,\"{formula}\"\n"),
    )
    .unwrap();
    // `note` is asked for too: the answer carries the lead's value back.
    std::fs::write(
        dir.path().join("fields.json"),
        r#"{"note": "A note about them", "title": "The individual's job title"}"#,
    )
    .unwrap();
    for output in ["out.csv", "out.jsonl"] {
        let out = run(offline(
            dir.path(),
            &[
                "leads.csv",
                "--fields",
                "fields.json",
                "-o",
                output,
                "--quiet",
            ],
        ))
        .await;
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }
    let mut reader = csv::Reader::from_path(dir.path().join("out.csv")).unwrap();
    let header = reader.headers().unwrap().clone();
    let record = reader.records().next().unwrap().unwrap();
    let column = |name: &str| {
        let i = header.iter().position(|h| h == name).unwrap();
        record[i].to_owned()
    };
    assert_eq!(column("note"), format!("'{formula}"), "the input's cell");
    assert_eq!(
        column("enriched.note"),
        format!("'{formula}"),
        "the answer's"
    );
    assert_eq!(column("confidence_score"), "0.5", "numbers are left alone");
    let rows = jsonl_rows(&dir.path().join("out.jsonl"));
    assert_eq!(rows[0]["lead"]["note"], formula);
    assert_eq!(rows[0]["structured_data"]["note"], formula);
}

/// Leads and answers are personal data: a new output and journal are their owner's alone; an
/// output that exists keeps the permissions it was given.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn a_new_output_and_journal_are_their_owners_alone() {
    use std::os::unix::fs::PermissionsExt;
    let mode =
        |path: std::path::PathBuf| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    let dir = workdir();
    let (csv, _, _) = leads(3);
    std::fs::write(dir.path().join("leads.csv"), csv).unwrap();
    std::fs::write(dir.path().join("fields.json"), FIELDS).unwrap();
    let args = [
        "leads.csv",
        "--fields",
        "fields.json",
        "-o",
        "out.csv",
        "--quiet",
    ];
    let out = run(offline(dir.path(), &args)).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(mode(dir.path().join("out.csv")), 0o600);
    assert_eq!(mode(dir.path().join("out.csv.journal.sqlite")), 0o600);
    assert_eq!(mode(dir.path().join("out.csv.journal.sqlite.lock")), 0o600);
    std::fs::set_permissions(
        dir.path().join("out.csv"),
        std::fs::Permissions::from_mode(0o640),
    )
    .unwrap();
    let out = run(offline(dir.path(), &args)).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(mode(dir.path().join("out.csv")), 0o640);
}

/// On a terminal (a pseudo-terminal from `script`), the run shows an indicatif bar with done /
/// total, in flight, failed, unknown, rate and ETA, instead of the plain status line, and ends
/// with the summary.
#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread")]
async fn a_terminal_shows_the_progress_bar() {
    if Command::new("script").arg("--version").output().is_err() {
        // CI must run it (util-linux's `script` is on every Debian and Ubuntu machine).
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but `script` is missing: the progress bar cannot be checked"
        );
        let _ = std::io::Write::write_all(
            &mut std::io::stderr(),
            b"note: no `script` here to make a terminal: the progress bar check is skipped\n",
        );
        return;
    }
    let dir = workdir();
    let (csv, _, _) = leads(6);
    std::fs::write(dir.path().join("leads.csv"), csv).unwrap();
    std::fs::write(dir.path().join("fields.json"), FIELDS).unwrap();
    let line = format!(
        "{BIN} enrich leads.csv --fields fields.json -o out.jsonl --emulator --emulator-latency 500ms -j 2 --status-every 100ms"
    );
    let mut command = Command::new("script");
    command
        .args(["-qec", &line, "/dev/null"])
        .current_dir(dir.path())
        .env_remove("RUST_LOG")
        .env("TERM", "xterm");
    let out = run(command).await;
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let screen = String::from_utf8_lossy(&out.stdout);
    assert!(
        screen.contains("/6 ") && screen.contains("in flight, 0 failed, 0 unknown"),
        "{screen}"
    );
    assert!(screen.contains("/s, ETA"), "{screen}");
    assert!(
        !screen.contains("done, "),
        "a terminal gets the bar, not the status line: {screen}"
    );
    assert!(screen.contains("6 rows: 6 completed"), "{screen}");
}
