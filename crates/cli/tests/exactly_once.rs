//! The promise that a paid job is never submitted twice, never lost and never given to the
//! wrong row, checked end to end on the real binary, one test per way it used to break.
//! Submits are counted per lead at the server (the emulator's job log, or the fake API's).

mod common;

use std::process::Stdio;
use std::time::{Duration, Instant};

use common::*;
use serde_json::Value;
use sixtyfour_emulator::{Emulator, Latency};

const LONG: Duration = Duration::from_secs(120);

/// 1. Two runs of the same command at once: the second is refused at once, naming the first,
/// and sends nothing; the first finishes with one submit per row.
#[tokio::test(flavor = "multi_thread")]
async fn case_1_a_second_run_at_once_is_refused_and_sends_nothing() {
    // 30 rows, 4 at a time, 500 ms each: seconds during which the first run holds the journal.
    let emulator = Emulator::builder()
        .latency(Latency::Fixed(Duration::from_millis(500)))
        .spawn()
        .await
        .unwrap();
    let (dir, titles) = csv_workdir(30);
    let args = [
        "leads.csv",
        "--fields",
        "fields.json",
        "-o",
        "out.jsonl",
        "-j",
        "4",
    ];
    let first = spawn(command(&emulator, dir.path(), &args));
    let first_pid = first.id();
    wait_until("the first run's submits", LONG, || {
        emulator.stats().total_submits() >= 1
    })
    .await;

    let requests_before = emulator.stats().requests;
    let second = run(command(&emulator, dir.path(), &args)).await;
    assert_eq!(second.status.code(), Some(2), "{}", stderr(&second));
    assert!(
        stderr(&second).contains(&format!("in use by process {first_pid}")),
        "{}",
        stderr(&second)
    );
    let first = tokio::task::spawn_blocking(move || first.wait_with_output().unwrap())
        .await
        .unwrap();
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    let rows = jsonl_rows(&dir.path().join("out.jsonl"));
    assert_eq!(rows.len(), 30);
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(
            row["status"],
            "completed",
            "row {} (the second run marked nothing unknown)",
            i + 1
        );
        assert_eq!(row["structured_data"]["title"], titles[i].as_str());
    }
    assert_eq!(assert_one_job_per_row(&rows, &jobs_per_lead(&emulator)), 30);
    // The refused run's only requests were none: the first run's own requests continued.
    assert!(emulator.stats().requests >= requests_before);
}

/// 2. A 2xx submit answer without a readable task id is `unknown`, and `--retry-failed` does not
/// send it again.
#[tokio::test(flavor = "multi_thread")]
async fn case_2_an_unreadable_2xx_is_unknown_and_not_retried() {
    let fake = Fake::start(Mode::Unreadable).await;
    let (dir, _) = csv_workdir(3);
    let args = ["leads.csv", "--fields", "fields.json", "-o", "out.jsonl"];
    let out = run(command_for(&fake.url(), "key", dir.path(), &args)).await;
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let rows = jsonl_rows(&dir.path().join("out.jsonl"));
    assert!(
        rows.iter()
            .all(|r| r["status"] == "unknown" && r["error_class"] == "maybe-submitted"),
        "{rows:?}"
    );
    assert!(
        stderr(&out).contains("--resubmit-unknown"),
        "{}",
        stderr(&out)
    );
    assert_eq!(fake.posts(), 3);

    fake.set_mode(Mode::Accept);
    let mut retry = args.to_vec();
    retry.push("--retry-failed");
    let out = run(command_for(&fake.url(), "key", dir.path(), &retry)).await;
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert_eq!(fake.posts(), 3, "--retry-failed sent an unknown row again");
    assert!(fake.posts_per_lead().values().all(|n| *n == 1));

    // Asked by name, they are sent again.
    let mut resend = args.to_vec();
    resend.push("--resubmit-unknown=1,3");
    let out = run(command_for(&fake.url(), "key", dir.path(), &resend)).await;
    assert_eq!(
        out.status.code(),
        Some(3),
        "row 2 is still unknown: {}",
        stderr(&out)
    );
    let rows = jsonl_rows(&dir.path().join("out.jsonl"));
    let statuses: Vec<&str> = rows.iter().map(|r| r["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["completed", "unknown", "completed"]);
    assert_eq!(fake.posts(), 5);
}

/// 3a. With `--emulator`, Ctrl-C, then the printed resume command: every row gets its own
/// lead's data, exit 0, and the output says lost jobs were sent again.
#[tokio::test(flavor = "multi_thread")]
async fn case_3_emulator_ctrl_c_then_resume_gives_every_row_its_own_lead() {
    let (dir, titles) = csv_workdir(40);
    let args = [
        "leads.csv",
        "--fields",
        "fields.json",
        "-o",
        "out.jsonl",
        "-j",
        "4",
        "--emulator-latency",
        "400ms",
        "--status-every",
        "100ms",
    ];
    let mut child = spawn(offline(dir.path(), &args));
    let lines = Lines::follow(&mut child);
    // Mid-run, as the status line shows (not quiet: this also checks the status line).
    wait_until("rows done and rows in flight", LONG, || {
        lines.any(|l| {
            l.contains(" in flight")
                && l.split('/')
                    .next()
                    .and_then(|d| d.rsplit(' ').next())
                    .and_then(|d| d.parse::<u32>().ok())
                    .is_some_and(|d| d >= 4)
        })
    })
    .await;
    signal(&child, "INT");
    let status = tokio::task::spawn_blocking(move || child.wait().unwrap())
        .await
        .unwrap();
    assert_eq!(status.code(), Some(130), "{}", lines.text());
    wait_until("the resume command", Duration::from_secs(10), || {
        lines.any(|l| l.contains("Resume with:"))
    })
    .await;
    let text = lines.text();
    assert!(text.contains("stopping: no new rows"), "{text}");
    assert!(text.contains("rows:"), "the summary: {text}");
    // The interrupted run's output is consistent with its summary.
    let rows = jsonl_rows(&dir.path().join("out.jsonl"));
    assert_eq!(rows.len(), 40);
    let done = rows.iter().filter(|r| r["status"] == "completed").count();
    assert!(text.contains(&format!("{done} completed")), "{text}");

    // Jobs in flight at the interrupt lived in that run's emulator.
    let lost = rows
        .iter()
        .filter(|r| r["status"] == "submitted" || r["status"] == "unknown")
        .count();
    assert!(lost > 0, "some jobs were in flight at the interrupt");

    let out = run(offline(dir.path(), &args)).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!(
            "{lost} rows whose jobs were lost with an earlier in-process emulator are sent again (nothing is billed offline)"
        )),
        "{}",
        stderr(&out)
    );
    let rows = jsonl_rows(&dir.path().join("out.jsonl"));
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(row["status"], "completed");
        assert_eq!(
            row["structured_data"]["title"],
            titles[i].as_str(),
            "row {} has its own lead's data",
            i + 1
        );
    }
}

/// 3b. With an external emulator restarted between runs on the same address, no row takes
/// another row's data: jobs the new emulator does not know are `unknown`, never another
/// lead's answer.
#[tokio::test(flavor = "multi_thread")]
async fn case_3_an_external_emulator_restarted_between_runs_never_gives_foreign_data() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let first = tokio::spawn(
        Emulator::builder()
            .latency(Latency::Fixed(Duration::from_secs(30)))
            .serve(listener, async {
                let _ = stopped.await;
            }),
    );
    let (dir, titles) = csv_workdir(8);
    let url = format!("http://{addr}");
    let args = [
        "leads.csv",
        "--fields",
        "fields.json",
        "-o",
        "out.jsonl",
        "-j",
        "8",
        "--job-timeout",
        "1s",
    ];
    // The jobs take 30 s; the run leaves them submitted after 1 s.
    let out = run(command_for(&url, "emulator-key", dir.path(), &args)).await;
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let rows = jsonl_rows(&dir.path().join("out.jsonl"));
    assert!(rows.iter().all(|r| r["status"] == "submitted"), "{rows:?}");
    // Restart the emulator on the same address, with fast jobs.
    let _ = stop.send(());
    first.await.unwrap().unwrap();
    let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
    let (_stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(
        Emulator::builder()
            .latency(Latency::Fixed(Duration::from_millis(10)))
            .serve(listener, async {
                let _ = stopped.await;
            }),
    );
    let out = run(command_for(&url, "emulator-key", dir.path(), &args)).await;
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let rows = jsonl_rows(&dir.path().join("out.jsonl"));
    for row in &rows {
        assert_eq!(row["status"], "unknown", "{row}");
        assert_eq!(row["error_class"], "gone", "{row}");
    }
    // Asked by name, they are sent to the new emulator and get their own data.
    let mut resend = args.to_vec();
    resend.push("--resubmit-unknown");
    let out = run(command_for(&url, "emulator-key", dir.path(), &resend)).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let rows = jsonl_rows(&dir.path().join("out.jsonl"));
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(
            row["structured_data"]["title"],
            titles[i].as_str(),
            "row {}",
            i + 1
        );
    }
}

/// 4. A journal begun against one server is refused against another (and with another key)
/// before any request, with what differs and how to proceed on purpose; a journal of the
/// in-process emulator never moves to a server.
#[tokio::test(flavor = "multi_thread")]
async fn case_4_a_journal_bound_elsewhere_is_refused_before_any_request() {
    let (dir, _) = csv_workdir(6);
    let args = ["leads.csv", "--fields", "fields.json", "-o", "out.jsonl"];
    let out = run(offline(dir.path(), &args)).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    let other = Emulator::builder().spawn().await.unwrap();
    let out = run(command(&other, dir.path(), &args)).await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let text = stderr(&out);
    assert!(
        text.contains("was used with an in-process emulator"),
        "{text}"
    );
    assert!(text.contains(&other.base_url()), "{text}");
    // An emulator's answers are made up: such a journal never moves to a server, not even
    // with --rebind (which would keep them as the server's results).
    assert!(
        text.contains("--journal OTHER") && text.contains("not even with --rebind"),
        "{text}"
    );
    let mut rebind = args.to_vec();
    rebind.push("--rebind");
    let out = run(command(&other, dir.path(), &rebind)).await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("never moves between an emulator and a server"),
        "{}",
        stderr(&out)
    );
    assert_eq!(other.stats().requests, 0, "refused before any request");

    // Another key for the same server.
    let keyed = Emulator::builder().api_key("key-a").spawn().await.unwrap();
    let dir2 = workdir();
    std::fs::copy(dir.path().join("leads.csv"), dir2.path().join("leads.csv")).unwrap();
    std::fs::copy(
        dir.path().join("fields.json"),
        dir2.path().join("fields.json"),
    )
    .unwrap();
    let out = run(command_for(&keyed.base_url(), "key-a", dir2.path(), &args)).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let requests = keyed.stats().requests;
    let out = run(command_for(&keyed.base_url(), "key-b", dir2.path(), &args)).await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("a different API key"),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("key-a") && !stderr(&out).contains("key-b"));
    assert_eq!(keyed.stats().requests, requests);

    // On purpose: another journal, or --rebind between two servers or keys.
    let mut fresh = args.to_vec();
    fresh.extend(["--journal", "other.journal"]);
    let out = run(command(&other, dir.path(), &fresh)).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(other.stats().total_submits(), 6);
    let submits = keyed.stats().total_submits();
    let out = run(command_for(
        &keyed.base_url(),
        "key-b",
        dir2.path(),
        &rebind,
    ))
    .await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "finished rows are kept: {}",
        stderr(&out)
    );
    assert_eq!(keyed.stats().total_submits(), submits, "nothing sent again");
}

/// 5. Output and journal paths are checked before anything is paid for, and never name a file
/// the run reads (the input, the fields file, the key file), however spelled.
#[tokio::test(flavor = "multi_thread")]
async fn case_5_bad_output_paths_are_refused_before_any_request() {
    let emulator = Emulator::builder().spawn().await.unwrap();
    let (dir, _) = csv_workdir(4);
    let original = std::fs::read(dir.path().join("leads.csv")).unwrap();
    std::fs::create_dir(dir.path().join("x")).unwrap();
    std::fs::create_dir(dir.path().join("out.dir")).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(dir.path().join("leads.csv"), dir.path().join("alias.csv")).unwrap();
    std::fs::hard_link(dir.path().join("leads.csv"), dir.path().join("hard.csv")).unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["-o", "leads.csv"], "is the input"),
        (vec!["-o", "./x/../leads.csv"], "is the input"),
        #[cfg(unix)]
        (vec!["-o", "alias.csv"], "is the input"),
        (vec!["-o", "hard.csv"], "is the input"),
        (vec!["-o", "out.dir"], "is a directory"),
        (
            vec!["-o", "missing/out.csv"],
            "the directory missing does not exist",
        ),
        (
            vec!["-o", "out.jsonl", "--journal", "out.jsonl"],
            "are the same file",
        ),
        (
            vec!["-o", "out.jsonl", "--journal", "leads.csv"],
            "is the input",
        ),
        (vec!["-o", "out.jsonl", "--journal", "x"], "is a directory"),
        // The other files a run reads are never written either.
        (vec!["-o", "fields.json"], "is the fields file"),
        (vec!["-o", "./x/../fields.json"], "is the fields file"),
        (
            vec!["-o", "out.jsonl", "--journal", "fields.json"],
            "is the fields file",
        ),
        (
            vec!["-o", "key.txt", "--api-key-file", "key.txt"],
            "is the API key file",
        ),
    ];
    std::fs::write(dir.path().join("key.txt"), emulator.api_key()).unwrap();
    let fields = std::fs::read(dir.path().join("fields.json")).unwrap();
    for (extra, want) in cases {
        let mut args = vec!["leads.csv", "--fields", "fields.json"];
        args.extend(&extra);
        let out = run(command(&emulator, dir.path(), &args)).await;
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(want), "{extra:?}: {}", stderr(&out));
    }
    // The key file named by the environment, too.
    let mut by_env = command(
        &emulator,
        dir.path(),
        &["leads.csv", "--fields", "fields.json", "-o", "key.txt"],
    );
    by_env
        .env_remove("SIXTYFOUR_API_KEY")
        .env("SIXTYFOUR_API_KEY_FILE", dir.path().join("key.txt"));
    let out = run(by_env).await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("is the API key file"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read(dir.path().join("leads.csv")).unwrap(),
        original,
        "the input is untouched"
    );
    assert_eq!(
        std::fs::read(dir.path().join("fields.json")).unwrap(),
        fields,
        "the fields file is untouched"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("key.txt")).unwrap(),
        emulator.api_key(),
        "the key file is untouched"
    );
    assert_eq!(emulator.stats().requests, 0);
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names
            .iter()
            .all(|n| !n.contains("partial") && !n.contains("journal")),
        "nothing left behind: {names:?}"
    );
}

/// 6. A wrong key stops before any submit (exit 4, rows pending); the right key then completes
/// every row without extra flags. Out of credits (402) halts new submits the same way.
#[tokio::test(flavor = "multi_thread")]
async fn case_6_a_wrong_key_halts_before_paying_and_the_right_key_completes() {
    let emulator = Emulator::builder().spawn().await.unwrap();
    let (dir, titles) = csv_workdir(20);
    let args = ["leads.csv", "--fields", "fields.json", "-o", "out.jsonl"];
    let out = run(command_for(
        &emulator.base_url(),
        "wrong-key",
        dir.path(),
        &args,
    ))
    .await;
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("stopped by the account before any submit"),
        "{}",
        stderr(&out)
    );
    assert_eq!(emulator.stats().total_submits(), 0);
    let rows = jsonl_rows(&dir.path().join("out.jsonl"));
    assert!(rows.iter().all(|r| r["status"] == "pending"));

    let out = run(command(&emulator, dir.path(), &args)).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let rows = jsonl_rows(&dir.path().join("out.jsonl"));
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(row["structured_data"]["title"], titles[i].as_str());
    }
    assert_eq!(assert_one_job_per_row(&rows, &jobs_per_lead(&emulator)), 20);
}

#[tokio::test(flavor = "multi_thread")]
async fn case_6_out_of_credits_halts_new_submits_and_a_working_account_completes() {
    let fake = Fake::start(Mode::NoCredits).await;
    let (dir, _) = csv_workdir(30);
    let args = [
        "leads.csv",
        "--fields",
        "fields.json",
        "-o",
        "out.jsonl",
        "-j",
        "2",
    ];
    let out = run(command_for(&fake.url(), "key", dir.path(), &args)).await;
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(stderr(&out).contains("add credits"), "{}", stderr(&out));
    assert!(
        fake.posts() <= 2,
        "{} submits after the first 402",
        fake.posts()
    );
    let rows = jsonl_rows(&dir.path().join("out.jsonl"));
    assert!(
        rows.iter().all(|r| r["status"] == "pending"),
        "not failed: pending"
    );

    fake.set_mode(Mode::Accept);
    let before = fake.posts_per_lead();
    let out = run(command_for(&fake.url(), "key", dir.path(), &args)).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let rows = jsonl_rows(&dir.path().join("out.jsonl"));
    assert!(rows.iter().all(|r| r["status"] == "completed"));
    // Each row sent once by the working account (the refused submits made no job).
    let after = fake.posts_per_lead();
    for row in &rows {
        let key = lead_key(&row["lead"]);
        let sent = after.get(&key).copied().unwrap_or(0) - before.get(&key).copied().unwrap_or(0);
        assert_eq!(sent, 1, "{row}");
    }
}

/// 7. `--deadline 3s` against a server that answers 429 with `Retry-After: 3600` ends within
/// seconds (exit 3, with the resume command).
#[tokio::test(flavor = "multi_thread")]
async fn case_7_a_deadline_holds_against_retry_after_3600() {
    let fake = Fake::start(Mode::RateLimited).await;
    let (dir, _) = csv_workdir(5);
    let mut command = command_for(
        &fake.url(),
        "key",
        dir.path(),
        &[
            "leads.csv",
            "--fields",
            "fields.json",
            "-o",
            "out.jsonl",
            "--deadline",
            "3s",
        ],
    );
    command.stdin(Stdio::null());
    let started = Instant::now();
    let out = run(command).await;
    let took = started.elapsed();
    assert!(took < Duration::from_secs(30), "the run took {took:?}");
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    // The summary says why the run stopped long before its deadline.
    assert!(
        stderr(&out).contains("stopped by the deadline")
            && stderr(&out).contains("a wait the server asked for (Retry-After)"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("re-run the same command")
            || stderr(&out).contains("--resubmit-unknown"),
        "{}",
        stderr(&out)
    );
    let rows = jsonl_rows(&dir.path().join("out.jsonl"));
    assert_eq!(rows.len(), 5);
    assert!(rows.iter().all(|r| r["status"] != "completed"));
}

/// 8. The input changing during a run no longer stops it: the input was read whole before the
/// first submit, every job in flight is followed, and each row gets its own answer.
#[tokio::test(flavor = "multi_thread")]
async fn case_8_an_input_changed_during_the_run_abandons_nothing() {
    let emulator = Emulator::builder()
        .latency(Latency::Fixed(Duration::from_millis(300)))
        .spawn()
        .await
        .unwrap();
    let (dir, titles) = csv_workdir(24);
    let args = [
        "leads.csv",
        "--fields",
        "fields.json",
        "-o",
        "out.jsonl",
        "-j",
        "6",
    ];
    let child = spawn(command(&emulator, dir.path(), &args));
    wait_until("submits", LONG, || emulator.stats().total_submits() >= 3).await;
    std::fs::write(
        dir.path().join("leads.csv"),
        "name,company\nSomeone Else,Elsewhere\n",
    )
    .unwrap();
    let out = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let rows = jsonl_rows(&dir.path().join("out.jsonl"));
    assert_eq!(rows.len(), 24);
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(row["structured_data"]["title"], titles[i].as_str());
    }
    assert_eq!(assert_one_job_per_row(&rows, &jobs_per_lead(&emulator)), 24);
}

/// 10. Appending a lead to a finished input submits only that lead; reordering submits nothing;
/// an edited row is new work and its old version is reported, not deleted.
#[tokio::test(flavor = "multi_thread")]
async fn case_10_appended_reordered_and_edited_inputs_pay_only_for_new_rows() {
    let emulator = Emulator::builder().spawn().await.unwrap();
    let (dir, titles) = csv_workdir(200);
    let args = [
        "leads.csv",
        "--fields",
        "fields.json",
        "-o",
        "out.jsonl",
        "-j",
        "16",
    ];
    let out = run(command(&emulator, dir.path(), &args)).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(emulator.stats().total_submits(), 200);

    let text = std::fs::read_to_string(dir.path().join("leads.csv")).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    std::fs::write(
        dir.path().join("leads.csv"),
        format!("{text}Appended Person,Appendix Ltd,,\n"),
    )
    .unwrap();
    let out = run(command(&emulator, dir.path(), &args)).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        emulator.stats().total_submits(),
        201,
        "only the appended lead is paid for"
    );
    let rows = jsonl_rows(&dir.path().join("out.jsonl"));
    assert_eq!(rows.len(), 201);
    assert_eq!(rows[200]["lead"]["name"], "Appended Person");

    // Reordered (header kept first): nothing to pay, output in the new order.
    let header = lines.remove(0);
    lines.reverse();
    std::fs::write(
        dir.path().join("leads.csv"),
        format!("{header}\n{}\n", lines.join("\n")),
    )
    .unwrap();
    let out = run(command(&emulator, dir.path(), &args)).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(emulator.stats().total_submits(), 201);
    let rows = jsonl_rows(&dir.path().join("out.jsonl"));
    assert_eq!(rows.len(), 200);
    assert_eq!(rows[0]["structured_data"]["title"], titles[199].as_str());
    assert!(
        stderr(&out).contains("1 rows of the journal are not in this input"),
        "{}",
        stderr(&out)
    );

    // One row edited: one new submit; the old version is listed with --verbose.
    lines[0] = "Edited Person,Edited Co,,";
    std::fs::write(
        dir.path().join("leads.csv"),
        format!("{header}\n{}\n", lines.join("\n")),
    )
    .unwrap();
    let mut verbose = args.to_vec();
    verbose.push("--verbose");
    let out = run(command(&emulator, dir.path(), &verbose)).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(emulator.stats().total_submits(), 202);
    assert!(
        stderr(&out).contains("2 rows of the journal are not in this input"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("Appended Person"), "{}", stderr(&out));
    let rows = jsonl_rows(&dir.path().join("out.jsonl"));
    assert_one_job_per_row(&rows, &jobs_per_lead(&emulator));
}

/// Identical leads are distinct rows (first copy, second copy); with an id column, two rows
/// with the same id and content are refused, naming both lines.
#[tokio::test(flavor = "multi_thread")]
async fn identical_leads_are_separate_rows_and_duplicate_ids_are_refused() {
    let emulator = Emulator::builder().spawn().await.unwrap();
    let dir = workdir();
    std::fs::write(dir.path().join("fields.json"), FIELDS).unwrap();
    std::fs::write(
        dir.path().join("leads.csv"),
        "id,name,company\n1,Ada Quill,Lanternfish\n2,Ada Quill,Lanternfish\n1,Ada Quill,Lanternfish\n",
    )
    .unwrap();
    let out = run(command(
        &emulator,
        dir.path(),
        &["leads.csv", "--fields", "fields.json", "--id-column", "id"],
    ))
    .await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("rows at line 2 and line 4 have the same id `1`"),
        "{}",
        stderr(&out)
    );
    assert_eq!(emulator.stats().requests, 0);

    std::fs::write(
        dir.path().join("leads.csv"),
        "name,company\nAda Quill,Lanternfish\nAda Quill,Lanternfish\n",
    )
    .unwrap();
    let args = ["leads.csv", "--fields", "fields.json", "-o", "out.jsonl"];
    let out = run(command(&emulator, dir.path(), &args)).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(emulator.stats().total_submits(), 2, "two copies, two rows");
    let out = run(command(&emulator, dir.path(), &args)).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(emulator.stats().total_submits(), 2);
    let rows: Vec<Value> = jsonl_rows(&dir.path().join("out.jsonl"));
    assert_ne!(rows[0]["task_id"], rows[1]["task_id"]);
}

/// A server that hands task ids out again (`sixtyfour emulator --fixed-ids`, restarted while
/// rows wait on their jobs): the new run's jobs get the ids the waiting rows hold. No row may
/// take another lead's answer through such an id: the waiting rows become `unknown`, the new
/// rows complete with their own leads' data, checked per row against the server's job log.
#[tokio::test(flavor = "multi_thread")]
async fn a_task_id_handed_out_again_never_gives_a_row_another_leads_data() {
    let (dir, titles) = csv_workdir(8);
    let all = std::fs::read_to_string(dir.path().join("leads.csv")).unwrap();
    let first_four: String = all.lines().take(5).map(|l| format!("{l}\n")).collect();
    std::fs::write(dir.path().join("leads.csv"), &first_four).unwrap();
    let args = ["leads.csv", "--fields", "fields.json", "-o", "out.jsonl"];
    let first = External::start("127.0.0.1:0", &["--fixed-ids", "--latency", "60s"]);
    let addr = first.addr();
    let mut waiting = args.to_vec();
    waiting.extend(["--job-timeout", "1s"]);
    let out = run(command_for(
        &first.url,
        "emulator-key",
        dir.path(),
        &waiting,
    ))
    .await;
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let before = jsonl_rows(&dir.path().join("out.jsonl"));
    assert!(
        before.iter().all(|r| r["status"] == "submitted"),
        "{before:?}"
    );
    let old_ids: Vec<String> = before
        .iter()
        .map(|r| r["task_id"].as_str().unwrap().to_owned())
        .collect();

    // The same emulator, started again on the same address: the same ids, for new jobs.
    first.kill();
    let second = External::start(&addr, &["--fixed-ids", "--latency", "10ms"]);
    std::fs::write(dir.path().join("leads.csv"), &all).unwrap();
    let out = run(command_for(&second.url, "emulator-key", dir.path(), &args)).await;
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let jobs = second.jobs().await;
    let new_ids: Vec<&String> = jobs.iter().map(|(id, _)| id).collect();
    assert!(
        old_ids.iter().any(|id| new_ids.contains(&id)),
        "the restarted emulator handed out the old ids again: {old_ids:?} {new_ids:?}"
    );
    let rows = jsonl_rows(&dir.path().join("out.jsonl"));
    assert_eq!(rows.len(), 8);
    for (i, row) in rows.iter().enumerate() {
        let own = lead_key(&row["lead"]);
        if i < 4 {
            // Their jobs died with the first emulator: whatever the id now names is not theirs.
            assert_eq!(row["status"], "unknown", "row {}: {row}", i + 1);
            assert!(
                row["error_class"] == "gone" || row["error_class"] == "reused-task-id",
                "row {}: {row}",
                i + 1
            );
            assert!(row["structured_data"].is_null(), "row {}: {row}", i + 1);
        } else {
            assert_eq!(row["status"], "completed", "row {}: {row}", i + 1);
            let task = row["task_id"].as_str().unwrap();
            let created: Vec<&String> = jobs
                .iter()
                .filter(|(id, _)| id == task)
                .map(|(_, lead)| lead)
                .collect();
            assert_eq!(
                created,
                [&own],
                "row {}: job {task} is its own lead's",
                i + 1
            );
            assert_eq!(
                row["structured_data"]["title"],
                titles[i].as_str(),
                "row {}",
                i + 1
            );
        }
    }
}

/// The journal's newest commits live in `<journal>-wal` until they are copied into it; a run
/// killed under one name and resumed under another (a hard link) would not see them and would
/// pay for every row again. A journal with two names is refused, and with one name again the
/// run resumes without a second submit for any row.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn a_journal_with_a_second_name_is_refused_after_a_kill() {
    let emulator = External::start("127.0.0.1:0", &["--latency", "60s"]);
    let (dir, _) = csv_workdir(6);
    let args = |journal: &'static str| {
        vec![
            "leads.csv",
            "--fields",
            "fields.json",
            "-o",
            "out.jsonl",
            "--journal",
            journal,
            "--job-timeout",
            "1s",
        ]
    };
    let child = spawn(command_for(
        &emulator.url,
        "emulator-key",
        dir.path(),
        &args("a.sqlite"),
    ));
    let mut jobs = Vec::new();
    let limit = Instant::now() + LONG;
    while jobs.len() < 6 {
        assert!(Instant::now() < limit, "the first run's submits");
        jobs = emulator.jobs().await;
    }
    signal(&child, "KILL");
    let _ = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .unwrap();
    assert!(
        dir.path().join("a.sqlite-wal").exists(),
        "the killed run left its newest commits beside the journal"
    );
    std::fs::hard_link(dir.path().join("a.sqlite"), dir.path().join("b.sqlite")).unwrap();
    for journal in ["b.sqlite", "a.sqlite"] {
        let out = run(command_for(
            &emulator.url,
            "emulator-key",
            dir.path(),
            &args(journal),
        ))
        .await;
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(stderr(&out).contains("has 2 names"), "{}", stderr(&out));
        assert_eq!(emulator.jobs().await.len(), 6, "nothing sent");
    }
    std::fs::remove_file(dir.path().join("b.sqlite")).unwrap();
    let out = run(command_for(
        &emulator.url,
        "emulator-key",
        dir.path(),
        &args("a.sqlite"),
    ))
    .await;
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let jobs = emulator.jobs().await;
    assert_eq!(jobs.len(), 6, "no row paid twice: {jobs:?}");
    let rows = jsonl_rows(&dir.path().join("out.jsonl"));
    for row in &rows {
        if let Some(task) = row["task_id"].as_str() {
            assert!(
                jobs.iter()
                    .any(|(id, lead)| id == task && *lead == lead_key(&row["lead"])),
                "{row}"
            );
        }
    }
}

/// A symlink, `./x/../` or an absolute path to the journal of a running run: refused at once
/// (exit 2) naming the holder, and nothing is sent; the library's `Ledger::open` too.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn every_spelling_of_a_busy_journal_is_refused_naming_its_holder() {
    let emulator = Emulator::builder()
        .latency(Latency::Fixed(Duration::from_secs(60)))
        .spawn()
        .await
        .unwrap();
    let (dir, _) = csv_workdir(4);
    std::fs::create_dir(dir.path().join("x")).unwrap();
    std::os::unix::fs::symlink("j.sqlite", dir.path().join("link.sqlite")).unwrap();
    let with = |journal: String| {
        let mut args: Vec<String> = ["leads.csv", "--fields", "fields.json", "-o", "out.jsonl"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        args.extend(["--journal".into(), journal]);
        args
    };
    let first_args = with("j.sqlite".into());
    let first_args: Vec<&str> = first_args.iter().map(String::as_str).collect();
    let first = spawn(command(&emulator, dir.path(), &first_args));
    let pid = first.id();
    wait_until("the first run's submits", LONG, || {
        emulator.stats().total_submits() >= 4
    })
    .await;
    let absolute = dir.path().join("j.sqlite").display().to_string();
    for journal in [
        "link.sqlite".to_owned(),
        "./x/../j.sqlite".to_owned(),
        absolute,
    ] {
        let submits = emulator.stats().total_submits();
        let args = with(journal.clone());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = run(command(&emulator, dir.path(), &args)).await;
        assert_eq!(out.status.code(), Some(2), "{journal}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(&format!("in use by process {pid}")),
            "{journal}: {}",
            stderr(&out)
        );
        assert_eq!(
            emulator.stats().total_submits(),
            submits,
            "{journal}: nothing sent"
        );
    }
    // The library, opening the journal the CLI holds, is refused the same way.
    let client = sixtyfour::Client::builder()
        .api_key(emulator.api_key())
        .base_url(emulator.base_url())
        .build()
        .unwrap();
    let schema = sixtyfour::Schema::builder()
        .describe("title", "The individual's job title")
        .build()
        .unwrap();
    match sixtyfour_ledger::Ledger::open(
        &dir.path().join("link.sqlite"),
        &client,
        &schema,
        sixtyfour_ledger::OpenOptions::api_key(emulator.api_key()),
    ) {
        Err(sixtyfour_ledger::LedgerError::Locked(sixtyfour_ledger::LockError::Held {
            holder,
            ..
        })) => assert_eq!(holder.pid, pid),
        other => panic!("{other:?}"),
    }
    signal(&first, "KILL");
    let _ = tokio::task::spawn_blocking(move || first.wait_with_output())
        .await
        .unwrap();
}
