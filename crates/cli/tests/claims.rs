//! The CLI README's claims that no other test checks, one test each: the deadline and resume,
//! `--input-format`, `.tsv`, identity covering the fields and the research plan, the `-j`
//! bound, `--retry-failed` and `--resubmit-unknown` sending exactly what they say, a second
//! Ctrl-C, and exit 5.

mod common;

use std::process::Stdio;
use std::time::{Duration, Instant};

use common::*;
use sixtyfour_emulator::{Emulator, Faults, Latency};

#[tokio::test(flavor = "multi_thread")]
async fn past_the_deadline_exit_3_and_the_same_command_without_it_resumes() {
    let emulator = Emulator::builder()
        .latency(Latency::Fixed(Duration::from_secs(20)))
        .spawn()
        .await
        .unwrap();
    let (dir, titles) = csv_workdir(6);
    let args = ["leads.csv", "--fields", "fields.json", "-o", "out.jsonl"];
    // No submit starts within a second of the deadline: 8 s leave time to send all six even on
    // a loaded machine, and the jobs take 20 s, so none is done when the deadline comes.
    let mut with_deadline = args.to_vec();
    with_deadline.extend(["--deadline", "8s"]);
    let out = run(command(&emulator, dir.path(), &with_deadline)).await;
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("stopped by the deadline"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("re-run the same command to resume"),
        "{}",
        stderr(&out)
    );
    let rows = jsonl_rows(&dir.path().join("out.jsonl"));
    assert!(rows.iter().all(|r| r["status"] == "submitted"), "{rows:?}");
    let out = run(command(&emulator, dir.path(), &args)).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let rows = jsonl_rows(&dir.path().join("out.jsonl"));
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(row["structured_data"]["title"], titles[i].as_str());
    }
    // Resumed by waiting, not by sending again: one job per row, each the row's own.
    assert_eq!(assert_one_job_per_row(&rows, &jobs_per_lead(&emulator)), 6);
    assert_jobs_per_row(&rows, &jobs_per_lead(&emulator), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn input_format_and_tsv_override_the_extension() {
    let emulator = Emulator::builder().spawn().await.unwrap();
    let dir = workdir();
    std::fs::write(dir.path().join("fields.json"), FIELDS).unwrap();
    let (_, jsonl, titles) = leads(3);
    std::fs::write(dir.path().join("leads.txt"), jsonl).unwrap();
    let out = run(command(
        &emulator,
        dir.path(),
        &[
            "leads.txt",
            "--fields",
            "fields.json",
            "-o",
            "a.jsonl",
            "--input-format",
            "jsonl",
        ],
    ))
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        jsonl_rows(&dir.path().join("a.jsonl"))[1]["structured_data"]["title"],
        titles[1].as_str()
    );
    let out = run(command(
        &emulator,
        dir.path(),
        &["leads.txt", "--fields", "fields.json"],
    ))
    .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--input-format"), "{}", stderr(&out));
    std::fs::write(
        dir.path().join("leads.tsv"),
        "name\tcompany\nRafael Núñez\tLanternfish Labs\n",
    )
    .unwrap();
    let out = run(command(
        &emulator,
        dir.path(),
        &["leads.tsv", "--fields", "fields.json", "-o", "b.jsonl"],
    ))
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        jsonl_rows(&dir.path().join("b.jsonl"))[0]["structured_data"]["title"],
        "CEO & Co-Founder"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn other_fields_or_another_research_plan_are_other_work() {
    let emulator = Emulator::builder().spawn().await.unwrap();
    let (dir, _) = csv_workdir(4);
    let args = ["leads.csv", "--fields", "fields.json", "-o", "out.jsonl"];
    let out = run(command(&emulator, dir.path(), &args)).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let rows = jsonl_rows(&dir.path().join("out.jsonl"));
    assert_jobs_per_row(&rows, &jobs_per_lead(&emulator), 1);
    let mut planned = args.to_vec();
    planned.extend(["--research-plan", "Start from the company website."]);
    let out = run(command(&emulator, dir.path(), &planned)).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // Another plan asks something else: every row once more.
    assert_jobs_per_row(&rows, &jobs_per_lead(&emulator), 2);
    std::fs::write(
        dir.path().join("fields.json"),
        r#"{"title": "The individual's job title"}"#,
    )
    .unwrap();
    let out = run(command(&emulator, dir.path(), &args)).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // Other fields ask something else.
    assert_jobs_per_row(&rows, &jobs_per_lead(&emulator), 3);
    // Back to the first question: already answered.
    std::fs::write(dir.path().join("fields.json"), FIELDS).unwrap();
    let out = run(command(&emulator, dir.path(), &args)).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_jobs_per_row(&rows, &jobs_per_lead(&emulator), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn jobs_in_flight_never_exceed_j() {
    let fake = Fake::start(Mode::Accept).await;
    fake.set_latency(Duration::from_millis(200));
    let (dir, _) = csv_workdir(24);
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
            "-j",
            "3",
        ],
    ))
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(fake.posts(), 24);
    assert!(
        fake.most_open() <= 3,
        "{} jobs open at once for -j 3",
        fake.most_open()
    );
    assert!(
        fake.most_open() >= 2,
        "the bound was used: {}",
        fake.most_open()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn retry_failed_and_resubmit_unknown_send_exactly_the_rows_they_name() {
    let emulator = Emulator::builder()
        .faults(Faults {
            job_failure: 0.3,
            ambiguous_submit: 0.3,
            ..Faults::default()
        })
        .seed(11)
        .spawn()
        .await
        .unwrap();
    let (dir, _) = csv_workdir(30);
    let args = ["leads.csv", "--fields", "fields.json", "-o", "out.jsonl"];
    let out = run(command(&emulator, dir.path(), &args)).await;
    let rows = jsonl_rows(&dir.path().join("out.jsonl"));
    let failed: Vec<String> = rows
        .iter()
        .filter(|r| r["status"] == "failed")
        .map(|r| lead_key(&r["lead"]))
        .collect();
    let unknown: Vec<String> = rows
        .iter()
        .filter(|r| r["status"] == "unknown")
        .map(|r| lead_key(&r["lead"]))
        .collect();
    assert!(
        !failed.is_empty() && !unknown.is_empty(),
        "both kinds: {}",
        stderr(&out)
    );
    assert_eq!(out.status.code(), Some(3));
    emulator.set_faults(Faults::default()).unwrap();
    let jobs_before = jobs_per_lead(&emulator);

    let mut retry = args.to_vec();
    retry.push("--retry-failed");
    let out = run(command(&emulator, dir.path(), &retry)).await;
    assert_eq!(
        out.status.code(),
        Some(3),
        "unknown rows are left: {}",
        stderr(&out)
    );
    let jobs = jobs_per_lead(&emulator);
    for row in &rows {
        let key = lead_key(&row["lead"]);
        let added = jobs.get(&key).map_or(0, Vec::len) - jobs_before.get(&key).map_or(0, Vec::len);
        assert_eq!(added, usize::from(failed.contains(&key)), "{row}");
    }

    // Naming rows that are not unknown is a usage mistake (exit 2) that names each of them,
    // and nothing is sent.
    let completed = rows
        .iter()
        .find(|r| r["status"] == "completed")
        .map(|r| r["row"].to_string())
        .unwrap();
    let named = format!("--resubmit-unknown={completed},999");
    let mut wrong = args.to_vec();
    wrong.push(&named);
    let out = run(command(&emulator, dir.path(), &wrong)).await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!("row {completed} is completed, not unknown"))
            && stderr(&out).contains("row 999 is not in this input"),
        "{}",
        stderr(&out)
    );
    assert_eq!(jobs_per_lead(&emulator), jobs, "nothing sent");

    let mut resend = args.to_vec();
    resend.push("--resubmit-unknown");
    let out = run(command(&emulator, dir.path(), &resend)).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let after = jobs_per_lead(&emulator);
    for row in &rows {
        let key = lead_key(&row["lead"]);
        let added = after.get(&key).map_or(0, Vec::len) - jobs.get(&key).map_or(0, Vec::len);
        assert_eq!(added, usize::from(unknown.contains(&key)), "{row}");
    }
    assert!(
        jsonl_rows(&dir.path().join("out.jsonl"))
            .iter()
            .all(|r| r["status"] == "completed")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_ctrl_c_quits_at_once_and_cut_off_rows_are_unknown() {
    // Every submit is read and never answered: the submits hang mid-flight.
    let fake = Fake::start(Mode::Hang).await;
    let (dir, _) = csv_workdir(4);
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
            "-j",
            "4",
        ],
    );
    command.stdout(Stdio::null()).stderr(Stdio::piped());
    let mut child = command.spawn().unwrap();
    let lines = Lines::follow(&mut child);
    wait_until("the submits", Duration::from_secs(60), || fake.posts() >= 4).await;
    signal(&child, "INT");
    wait_until("the first Ctrl-C is seen", Duration::from_secs(30), || {
        lines.any(|l| l.contains("Ctrl-C again to quit at once"))
    })
    .await;
    let second = Instant::now();
    signal(&child, "INT");
    let status = tokio::task::spawn_blocking(move || child.wait().unwrap())
        .await
        .unwrap();
    assert!(
        second.elapsed() < Duration::from_secs(8),
        "quit after {:?}",
        second.elapsed()
    );
    assert_eq!(status.code(), Some(130), "{}", lines.text());
    fake.set_mode(Mode::Accept);
    let out = run(command_for(
        &fake.url(),
        "key",
        dir.path(),
        &["leads.csv", "--fields", "fields.json", "-o", "out.jsonl"],
    ))
    .await;
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("4 rows were being submitted when the last run stopped"),
        "{}",
        stderr(&out)
    );
    let rows = jsonl_rows(&dir.path().join("out.jsonl"));
    assert!(
        rows.iter()
            .all(|r| r["status"] == "unknown" && r["error_class"] == "interrupted"),
        "{rows:?}"
    );
    assert_eq!(fake.posts(), 4, "none sent again");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_output_that_cannot_be_written_exits_5_and_keeps_the_journal() {
    // Three rounds of 1 s jobs: seconds between the first submit and the output.
    let emulator = Emulator::builder()
        .latency(Latency::Fixed(Duration::from_secs(1)))
        .spawn()
        .await
        .unwrap();
    let (dir, _) = csv_workdir(6);
    let args = [
        "leads.csv",
        "--fields",
        "fields.json",
        "-o",
        "out.jsonl",
        "-j",
        "2",
    ];
    let child = spawn(command(&emulator, dir.path(), &args));
    wait_until("a submit", Duration::from_secs(60), || {
        emulator.stats().total_submits() >= 1
    })
    .await;
    // The temporary output cannot be created once the run ends.
    std::fs::create_dir(dir.path().join("out.jsonl.partial")).unwrap();
    let out = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("cannot write the output out.jsonl"),
        "{}",
        stderr(&out)
    );
    std::fs::remove_dir(dir.path().join("out.jsonl.partial")).unwrap();
    let out = run(command(&emulator, dir.path(), &args)).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        emulator.stats().total_submits(),
        6,
        "the journal kept every answer"
    );
    assert_eq!(jsonl_rows(&dir.path().join("out.jsonl")).len(), 6);
}

/// An unmounted tmpfs, when the test may mount one.
struct Tmpfs(std::path::PathBuf);

impl Tmpfs {
    /// A 64 KiB file system at `path`, or `None` (with a note) where mounting is not allowed.
    fn mount(path: &std::path::Path) -> Option<Tmpfs> {
        std::fs::create_dir_all(path).unwrap();
        let mounted = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=64k", "tmpfs"])
            .arg(path)
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !mounted {
            // Past the harness's capture, so that a skipped check is seen.
            let _ = std::io::Write::write_all(
                &mut std::io::stderr(),
                b"note: no tmpfs could be mounted here (not root?): the full-disk check is skipped\n",
            );
            return None;
        }
        Some(Tmpfs(path.to_owned()))
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.0).status();
    }
}

/// The disk fills up while the output is written: exit 5, the previous output untouched, no
/// temporary file left taking the space, every answer in the journal; the next run writes the
/// whole output without a submit.
#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread")]
async fn a_disk_full_while_writing_the_output_loses_nothing_and_leaves_nothing_half_written() {
    let (dir, _) = csv_workdir(300);
    let Some(_small) = Tmpfs::mount(&dir.path().join("small")) else {
        return;
    };
    std::fs::write(dir.path().join("small/out.jsonl"), "the previous output\n").unwrap();
    let args = |output: &'static str| {
        vec![
            "leads.csv",
            "--fields",
            "fields.json",
            "-o",
            output,
            "--journal",
            "kept.journal",
            "--quiet",
        ]
    };
    let out = run(offline(dir.path(), &args("small/out.jsonl"))).await;
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("cannot write the output small/out.jsonl"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("small/out.jsonl")).unwrap(),
        "the previous output\n"
    );
    assert!(
        !dir.path().join("small/out.jsonl.partial").exists(),
        "no half-written file left"
    );
    let out = run(offline(dir.path(), &args("out.jsonl"))).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("0 submits in this run"),
        "{}",
        stderr(&out)
    );
    let rows = jsonl_rows(&dir.path().join("out.jsonl"));
    assert_eq!(rows.len(), 300);
    assert!(rows.iter().all(|r| r["status"] == "completed"));
}

/// Two runs writing one output at once (each with its own journal) would mix their bytes in
/// one temporary file: the one that finds the output being written exits 5 and changes
/// nothing; its answers are in its journal, and the next run writes them.
#[tokio::test(flavor = "multi_thread")]
async fn an_output_being_written_by_another_run_is_left_to_it() {
    let (dir, _) = csv_workdir(4);
    std::fs::write(dir.path().join("out.jsonl"), "the other run's output\n").unwrap();
    let partial = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(dir.path().join("out.jsonl.partial"))
        .unwrap();
    partial.try_lock().unwrap();
    std::io::Write::write_all(&mut &partial, b"half of the other run's rows").unwrap();
    let args = [
        "leads.csv",
        "--fields",
        "fields.json",
        "-o",
        "out.jsonl",
        "--quiet",
    ];
    let out = run(offline(dir.path(), &args)).await;
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("another run is writing this output"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("out.jsonl.partial")).unwrap(),
        "half of the other run's rows"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("out.jsonl")).unwrap(),
        "the other run's output\n"
    );
    drop(partial);
    let out = run(offline(dir.path(), &args)).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("0 submits in this run"),
        "{}",
        stderr(&out)
    );
    assert_eq!(jsonl_rows(&dir.path().join("out.jsonl")).len(), 4);
}

/// The root README's CLI command on the sample data, as written: 50 leads, every one completed,
/// and the few nobody knows completed with no field found and the lowest confidence.
#[tokio::test(flavor = "multi_thread")]
async fn the_readme_command_on_the_sample_csv() {
    let dir = workdir();
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/data");
    for name in ["leads.csv", "fields.json"] {
        std::fs::copy(data.join(name), dir.path().join(name)).unwrap();
    }
    let out = run(offline(
        dir.path(),
        &["leads.csv", "--fields", "fields.json", "-o", "enriched.csv"],
    ))
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("50 rows: 50 completed"),
        "{}",
        stderr(&out)
    );
    let mut reader = csv::Reader::from_path(dir.path().join("enriched.csv")).unwrap();
    let header = reader.headers().unwrap().clone();
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (status, title, confidence) = (
        column("status"),
        column("title"),
        column("confidence_score"),
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 50, "the README says 50 partial leads");
    assert!(rows.iter().all(|row| &row[status] == "completed"));
    let score = |row: &csv::StringRecord| row[confidence].parse::<f64>().unwrap();
    let (unknown, known): (Vec<_>, Vec<_>) = rows.iter().partition(|row| row[title].is_empty());
    assert!(
        (2..=6).contains(&unknown.len()),
        "a few nobody knows: {}",
        unknown.len()
    );
    let highest_unknown = unknown.iter().map(|r| score(r)).fold(f64::MIN, f64::max);
    let lowest_known = known.iter().map(|r| score(r)).fold(f64::MAX, f64::min);
    assert!(
        highest_unknown < lowest_known,
        "unknown leads score {highest_unknown}, known ones from {lowest_known}"
    );
}
